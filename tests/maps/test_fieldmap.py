"""The field map: small counts suppressed, no melding on the page, usable on a phone."""

from __future__ import annotations

import json
import re

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
