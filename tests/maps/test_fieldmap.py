"""The field map: small counts suppressed, no melding on the page, usable on a phone."""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
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


def test_thousands_of_zones_are_merged_per_kind_and_validity():
    rng = np.random.default_rng(21)
    n = 1000
    centres = rng.uniform((104000, 424000), (107000, 426000), (n, 2))
    zones = gpd.GeoDataFrame({
        "zone_id": [f"z{i}" for i in range(n)],
        "kind": np.where(np.arange(n) % 4 == 0, "alcoholverbod", "cameratoezicht"),
        "name": [f"Zone {i}" for i in range(n)],
        "valid_from": pd.to_datetime(np.where(np.arange(n) % 2 == 0, "2023-01-01",
                                              "2024-07-01")),
        "valid_to": pd.NaT,
    }, geometry=[shapely.Point(x, y).buffer(rng.uniform(30, 200)) for x, y in centres],
        crs="EPSG:28992")
    before = zones.copy()
    drawn = fieldmap._simplified_zones(zones)
    assert zones.equals(before)
    groups = zones.groupby(["kind", "valid_from"]).size()
    assert len(drawn) == len(groups)  # one per kind and validity
    for row in drawn.itertuples():
        assert row.name == f"{groups[(row.kind, row.valid_from)]} gebieden samen " \
                           "(samengevoegd op de veldkaart)"
        members = zones[(zones["kind"] == row.kind) & (zones["valid_from"] == row.valid_from)]
        union = shapely.union_all(members.geometry.to_numpy())
        # the merged outline covers the same ground, within the phone's simplification
        assert union.symmetric_difference(row.geometry).area < 0.02 * union.area
    few = zones.iloc[:fieldmap.MAX_FIELD_ZONES]
    assert fieldmap._simplified_zones(few)["name"].tolist() == few["name"].tolist()
