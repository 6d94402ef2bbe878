"""The field map: small counts suppressed, no melding on the page, usable on a phone."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np

from hotspotkaart.classbreaks import JENKS_MAX_VALUES
from hotspotkaart.fieldmap import _count_breaks

from ._helpers import PHONE, skewed_counts


def test_field_map_on_a_phone(built, open_map):
    page = open_map(built / "veldkaart.html", viewport=PHONE)
    p = page.page
    assert p.locator(".leaflet-control-locate").is_visible()
    toggle = p.locator(".leaflet-control-layers-toggle").bounding_box()
    assert toggle["width"] >= 40
    assert toggle["height"] >= 40
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE[0]
    assert page.console_errors == []
    assert page.blocked_requests == []
    page.screenshot("veldkaart-phone")


def test_field_map_suppresses_small_counts_and_holds_no_melding(built):
    html = (built / "veldkaart.html").read_text(encoding="utf-8")
    counts = [json.loads(f'"{c}"') for c in re.findall(r'"meldingen": "([^"]+)"', html)]
    assert counts
    assert all(c == "< 5" or int(c) >= 5 for c in counts)
    assert "melding_id" not in html
    assert '"A1"' not in html


def test_count_breaks_start_below_the_threshold_on_a_national_number_of_buurten():
    n = 14_000
    frame = gpd.GeoDataFrame({"count_2023": skewed_counts(n, 1),
                              "count_2024": skewed_counts(n, 2)})
    values = np.concatenate([frame["count_2023"], frame["count_2024"]])
    assert len(values) > JENKS_MAX_VALUES
    breaks = _count_breaks(frame, (2023, 2024), threshold=5)
    assert breaks[0] == 4.0  # the first class is "< 5", shown without its counts
    assert np.all(np.diff(breaks) > 0)
    assert breaks[-1] == values.max()
    assert np.array_equal(breaks, np.round(breaks))
