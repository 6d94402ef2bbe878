"""Tests of hotspotkaart.maps.layers: display texts, WGS84 geometry and GeoJSON of a map layer."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspotkaart.maps.layers import (
    CELL_OUTLINE,
    LayerData,
    feature_collection,
    for_map,
    wgs84_geometry,
)
from hotspotkaart.stats.change import CHANGE_COLOURS
from hotspotkaart.stats.classbreaks import YEAR_PALETTE
from tests.helpers.project import wgs84_frame


def test_feature_collection_is_geopandas_geojson():
    frame = wgs84_frame()
    before = frame.copy()
    assert feature_collection(frame) == json.loads(frame.to_json(drop_id=False))
    assert frame.equals(before)  # the caller's frame is not touched
    # numbers or missing values: geopandas' own path, same dict
    mixed = frame.assign(aantal=[1, 2, None, 4.5])
    assert feature_collection(mixed) == json.loads(mixed.to_json(drop_id=False))
    assert feature_collection(frame.iloc[:0]) == {"type": "FeatureCollection", "features": []}


def test_for_map_gives_the_geojson_of_the_same_layer_as_a_geodataframe():
    rd = gpd.GeoDataFrame(
        {"naam": ["Oud <b>", None, "Wijk & co"], "aantal": [1234, 5, 0],
         "share": [0.25, float("nan"), 1.5]},
        geometry=[shapely.box(105000, 425000, 105100, 425100), shapely.Point(105300, 425300),
                  shapely.Polygon()],
        index=[7, 3, 9], crs="EPSG:28992")
    before = rd.copy()
    layer = for_map(rd, {"naam": "Naam", "aantal": "Aantal", "share": "Aandeel", "note": "X"},
                    texts={"note": ["a", "<i>", "c"]})
    assert isinstance(layer, LayerData)
    assert layer["naam"] == ["Oud &lt;b&gt;", "onbekend", "Wijk &amp; co"]
    assert layer["aantal"] == ["1.234", "5", "0"]
    assert layer["share"] == ["0,2", "onbekend", "1,5"]
    assert layer["note"] == ["a", "&lt;i&gt;", "c"]  # texts are escaped too
    layer["_colour"] = ["#000000", "#111111", "#222222"]
    with pytest.raises(ValueError, match="'_colour' has 2 values for 3 features"):
        layer["_colour"] = ["#000000", "#111111"]
    reference = gpd.GeoDataFrame(layer.properties, geometry=list(layer.geometry),
                                 crs="EPSG:4326")
    assert feature_collection(layer) == json.loads(reference.to_json(drop_id=False))
    assert rd.equals(before)  # the caller's frame is not touched
    empty = for_map(rd.iloc[:0], {"naam": "Naam"})
    assert empty.empty
    assert len(empty) == 0
    assert feature_collection(empty) == {"type": "FeatureCollection", "features": []}


def test_wgs84_geometry_is_reused_by_content_not_identity():
    rd = gpd.GeoDataFrame(geometry=[shapely.box(105000, 425000, 105100, 425100)],
                          crs="EPSG:28992")
    first = wgs84_geometry(rd)
    np.testing.assert_array_equal(shapely.get_coordinates(first),
                                  np.round(shapely.get_coordinates(
                                      rd.to_crs("EPSG:4326").geometry.to_numpy()), 6))
    moved = rd.set_geometry(rd.translate(100, 0))  # same shape elsewhere: its own result
    assert not shapely.equals(wgs84_geometry(moved)[0], first[0])
    again = wgs84_geometry(rd.copy())
    assert shapely.equals(again[0], first[0])
    again[0] = None  # a copy: the remembered result is not changed by the caller
    assert wgs84_geometry(rd)[0] is not None


def _block_of_cells(columns):
    """A grid of ``columns`` × 3 cells of 100 m, with each cell's column and row."""
    from hotspotkaart.engine.grid import make_grid

    area = gpd.GeoDataFrame(geometry=[shapely.box(105000, 425000, 105000 + 100 * columns,
                                                  425300)], crs="EPSG:28992")
    cells = make_grid(area, 100.0)
    col = ((cells["x_min"] - 105000) // 100).astype(int).to_numpy()
    row = ((cells["y_min"] - 425000) // 100).astype(int).to_numpy()
    return cells, col, row


def test_hot_spot_clusters_merge_touching_cells_of_one_class():
    from hotspotkaart.maps.layers import cell_clusters, geometry_digest, hot_spot_clusters
    from hotspotkaart.stats.hotspots import HOT_95, HOT_99, NIET_SIGNIFICANT

    cells, col, row = _block_of_cells(5)  # 5 × 3 cells
    klasse = np.full(len(cells), NIET_SIGNIFICANT, dtype=object)
    klasse[(row == 0) & (col <= 1)] = HOT_95  # two touching cells
    klasse[(row == 2) & (col == 4)] = HOT_95  # one apart
    klasse[(row == 2) & (col == 0)] = HOT_99
    cells = cells.assign(gi_class=klasse, count=np.arange(len(cells)))
    before = cells.copy()
    clusters = hot_spot_clusters(cells, "gi_class", "count")
    assert cells.equals(before)
    assert clusters["klasse"].tolist() == [HOT_95, HOT_95, HOT_99]
    assert sorted(clusters["cellen"]) == [1, 1, 2]
    two = clusters[clusters["cellen"] == 2].iloc[0]
    assert two["meldingen"] == int(cells.loc[(row == 0) & (col <= 1), "count"].sum())
    np.testing.assert_allclose(two.geometry.area, 2 * 100 * 100)
    assert clusters.crs == cells.crs
    # the frame-free form gives the same layer, and both are remembered by content
    fields = {"klasse": "Klasse", "cellen": "Cellen", "meldingen": "Meldingen"}
    layer = cell_clusters(cells.copy(), geometry_digest(cells), "gi_class", "count",
                          NIET_SIGNIFICANT).for_map(cells.crs, fields)
    assert feature_collection(layer) == feature_collection(for_map(clusters, fields))
    others = hot_spot_clusters(cells, "gi_class", "count", skip=HOT_95)  # classes in sorted order
    assert others["klasse"].tolist() == [HOT_99, NIET_SIGNIFICANT]
    assert others["cellen"].tolist() == [1, len(cells) - 4]


def _luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_cell_clusters_stay_visible_over_every_fill_beneath_them():
    # WCAG 1.4.11: graphical objects need 3:1 against what is next to them; hot-spot red
    # #b2182b over the top count class #bd0026 alone was 1.04:1
    outline = CELL_OUTLINE["color"]
    assert CELL_OUTLINE["weight"] >= 2
    beneath = [*YEAR_PALETTE, *CHANGE_COLOURS.values()]
    for fill in beneath:
        lighter, darker = sorted((_luminance(outline), _luminance(fill)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 3.0, fill


def test_each_map_cluster_names_the_statistics_cluster_of_its_cells():
    from hotspotkaart.maps.layers import cell_clusters, geometry_digest
    from hotspotkaart.stats.clustertimes import label_clusters
    from hotspotkaart.stats.hotspots import HOT_90, HOT_95, HOT_99, NIET_SIGNIFICANT

    cells, col, row = _block_of_cells(6)  # 6 × 3 cells
    klasse = np.full(len(cells), NIET_SIGNIFICANT, dtype=object)
    # one cluster of three confidences (a 99 % core in a ring of 95 % and 90 %) and one apart
    klasse[(row == 1) & (col == 1)] = HOT_99
    klasse[(row == 1) & (col == 0)] = HOT_95
    klasse[(row == 0) & (col == 1)] = HOT_95
    klasse[(row == 2) & (col == 1)] = HOT_90
    klasse[(row == 1) & (col == 4)] = HOT_90
    cells = cells.assign(gi_class_2024=klasse, count_2024=np.where(klasse == HOT_99, 9, 1))
    cells["hotspot_2024"] = label_clusters(cells, [2024], 100.0)[2024]
    clusters = cell_clusters(cells, geometry_digest(cells), "gi_class_2024", "count_2024",
                             NIET_SIGNIFICANT)
    # five polygons (the two 95 % cells touch at a corner only), four of them in cluster 1
    corner = [(int(g.bounds[0]) - 105000) // 100 for g in clusters.geometry]
    rows = [(int(g.bounds[1]) - 425000) // 100 for g in clusters.geometry]
    named = dict(zip(zip(corner, rows, strict=True), clusters.codes(cells, "hotspot_2024"),
                     strict=True))
    assert named == {(1, 1): "2024-1", (0, 1): "2024-1", (1, 0): "2024-1", (1, 2): "2024-1",
                     (4, 1): "2024-2"}
    assert clusters.codes(cells.assign(hotspot_2024=""), "hotspot_2024") == [""] * 5


def test_zones_are_drawn_simplified_and_none_vanishes():
    from hotspotkaart.maps.layers import DISPLAY_TOLERANCE_M, display_zones

    # a block digitised every 2.5 cm, with a centimetre of jitter, and a zone of half a metre
    side = np.linspace(0, 1, 20_000, endpoint=False)
    x = np.concatenate([side * 600, np.full_like(side, 600), 600 - side * 600, 0 * side])
    y = np.concatenate([0 * side, side * 400, np.full_like(side, 400), 400 - side * 400])
    jitter = np.where(np.arange(len(x)) % 2, 0.01, -0.01)
    block = shapely.Polygon(np.column_stack([104800 + x + jitter, 425100 + y + jitter]))
    tiny = shapely.box(105000, 424000, 105000.5, 424000.5)
    zones = gpd.GeoDataFrame({"name": ["Blok", "Paal"]}, geometry=[block, tiny],
                             crs="EPSG:28992")
    before = zones.copy()
    drawn = display_zones(zones)
    assert zones.equals(before)  # the caller's frame is not touched
    assert shapely.get_num_coordinates(drawn.geometry.iloc[0]) <= 10
    # nothing moves by more than the tolerance, and the shape stays the same area
    assert block.hausdorff_distance(drawn.geometry.iloc[0]) <= DISPLAY_TOLERANCE_M
    np.testing.assert_allclose(drawn.geometry.iloc[0].area, block.area, rtol=1e-4)
    assert drawn.geometry.iloc[1].area > 0  # a small zone stays on the map
    assert tiny.hausdorff_distance(drawn.geometry.iloc[1]) <= DISPLAY_TOLERANCE_M
    assert drawn.geometry.is_valid.all()
    assert drawn.crs == zones.crs
