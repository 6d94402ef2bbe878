"""The field map: small counts suppressed, no melding on the page, usable on a phone."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import numpy as np
import shapely

from hotspotkaart.engine.grid import make_grid
from hotspotkaart.maps import fieldmap
from hotspotkaart.maps.data import MapContext
from hotspotkaart.stats.hotspots import HOT_99, NIET_SIGNIFICANT
from tests.helpers.project import PHONE


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


def test_a_hot_spot_of_fewer_meldingen_than_the_threshold_is_not_drawn():
    area = gpd.GeoDataFrame(geometry=[shapely.box(105000, 425000, 105100, 425020)],
                            crs="EPSG:28992")
    cells = make_grid(area, 10.0)  # 10 x 2 cells of 10 m
    first = np.arange(len(cells)) < 2  # a cluster of 2 cells holding 3 meldingen: "< 5"
    last = np.arange(len(cells)) >= len(cells) - 2  # one of 2 cells holding 8
    cells = cells.assign(gi_class_2024=np.where(first | last, HOT_99, NIET_SIGNIFICANT),
                         gi_class_2023=NIET_SIGNIFICANT,
                         count_2024=np.where(first, 1.5, np.where(last, 4.0, 0.0)),
                         count_2023=0.0)
    context = MapContext(area_name="Dordrecht", years=(2023, 2024), credit="CBS", method=(),
                         synthetic=True)
    fmap = folium.Map(tiles=None)
    fieldmap._add_hot_cells(fmap, cells, context, threshold=5)
    page = fmap.get_root().render()
    counts = re.findall(r'"meldingen": "([^"]+)"', page)
    assert counts == ["8"]  # the cluster of 3 would show where its meldingen are: left out
