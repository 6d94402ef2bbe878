"""The feature store: coverage simplification, packed shapes, compact columns, in the browser."""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspotkaart.io.crs import RD, WGS84
from hotspotkaart.maps.featurestore import (
    CODE_CHARACTERS,
    SHAPE_CHARACTERS,
    FeatureStore,
    StoreLayer,
    display_coverage,
    legible_zoom,
    metres_per_pixel,
    packed_shapes,
    pattern_column,
    pattern_text,
    resolution_decimals,
    text_column,
)
from hotspotkaart.maps.offline import compact_js, vendored_js, write_html
from hotspotkaart.maps.overview import OfflineMap
from hotspotkaart.maps.pages import render
from tests.helpers.project import COUNT_FEATURES


def _tessellation(n: int = 60, seed: int = 3) -> gpd.GeoDataFrame:
    """Voronoi cells of random points with finely digitised (wiggly) edges, in RD."""
    rng = np.random.default_rng(seed)
    points = shapely.MultiPoint(rng.uniform([100_000, 420_000], [104_000, 424_000], (n, 2)))
    frame = shapely.box(100_000, 420_000, 104_000, 424_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame))
    cells = shapely.intersection(cells, frame)
    # every edge once, densified and shifted a few decimetres, then the polygons again: both
    # sides of an edge keep the same vertices
    lines = shapely.segmentize(shapely.union_all(shapely.boundary(cells)), 5.0)
    wiggled = shapely.transform(lines, lambda c: c + 0.3 * np.sin(c[:, ::-1] / 7.0))
    cells = shapely.get_parts(shapely.polygonize(shapely.get_parts(wiggled)))
    return gpd.GeoDataFrame({"code": [f"A{i:03d}" for i in range(len(cells))]},
                            geometry=list(cells), crs=RD)


def test_display_coverage_keeps_shared_edges_without_gaps_or_overlaps():
    areas = _tessellation()
    assert bool(shapely.coverage_is_valid(areas.geometry.to_numpy()))
    before = areas.copy()
    simple = display_coverage(areas, 2.0)
    assert areas.equals(before)  # the caller's frame is not modified
    geoms = simple.to_numpy()
    assert shapely.get_num_coordinates(geoms).sum() < 0.5 * shapely.get_num_coordinates(
        areas.geometry.to_numpy()).sum()
    assert bool(shapely.coverage_is_valid(geoms))  # no overlaps between neighbours
    union = shapely.union_all(geoms)
    assert abs(union.area - sum(g.area for g in geoms)) < 1e-3  # no overlap
    assert shapely.get_num_interior_rings(union) == 0  # no gap (sliver hole) between them
    assert abs(union.area - shapely.union_all(areas.geometry.to_numpy()).area) < 0.01 * union.area
    # each polygon on its own would open slivers: what coverage simplification avoids
    alone = shapely.simplify(areas.geometry.to_numpy(), 2.0)
    apart = shapely.union_all(alone)
    assert abs(apart.area - sum(g.area for g in alone)) > 1.0 or \
        shapely.get_num_interior_rings(apart) > 0


def test_overlapping_areas_are_simplified_each_on_its_own_and_none_is_spoilt():
    areas = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(5, 5, 15, 15),
                                       shapely.box(0, 0, 0.1, 0.1)], crs=RD)
    simple = display_coverage(areas, 1.0)
    assert len(simple) == 3
    assert not simple.is_empty.any()
    assert simple.is_valid.all()


def _decoded(packed):
    """Decode :func:`packed_shapes` as the page's script does: per area its closed rings."""
    digits = {c: k for k, c in enumerate(SHAPE_CHARACTERS)}
    x = y = 0
    decoded = []
    for area in packed:
        rings = []
        for polygon in area:
            for text in polygon:
                assert isinstance(text, str)
                steps, value, factor = [], 0, 1
                for char in text:
                    value += (digits[char] % 32) * factor
                    if digits[char] >= 32:
                        factor *= 32
                        continue
                    steps.append(-(value + 1) // 2 if value % 2 else value // 2)
                    value, factor = 0, 1
                coords = []
                for dx, dy in zip(steps[::2], steps[1::2], strict=True):
                    x, y = x + dx, y + dy
                    coords.append((x, y))
                rings.append([*coords, coords[0]])
        decoded.append(rings)
    return decoded


def test_packed_shapes_are_integer_steps_and_shared_edges_are_the_same_integers():
    areas = display_coverage(_tessellation(20), 1.0)
    # a hole and a multipolygon: their rings are cut apart right
    holed = shapely.box(0, 0, 50, 50).difference(shapely.box(10, 10, 20, 20))
    parts = shapely.MultiPolygon([shapely.box(60, 0, 70, 10), shapely.box(80, 0, 90, 10)])
    areas = gpd.GeoSeries([*areas, holed, parts, shapely.Polygon()], crs=areas.crs)
    decimals = 6
    packed = packed_shapes(areas, decimals)
    assert len(packed) == len(areas)
    assert packed[-1] == []
    assert [len(p) for p in packed[-3:-1]] == [1, 2]
    assert len(packed[-3][0]) == 2  # the shell and the hole
    decoded = _decoded(packed)
    wgs84 = areas.to_crs(WGS84).to_numpy()
    for rings, geom in zip(decoded, wgs84, strict=True):
        expected = [np.round(np.asarray(ring.coords) * 10 ** decimals).astype(np.int64)
                    for part in shapely.get_parts(geom) if not part.is_empty
                    for ring in (part.exterior, *part.interiors)]
        assert len(rings) == len(expected)
        for ring, want in zip(rings, expected, strict=True):
            np.testing.assert_array_equal(np.asarray(ring), want)
    # a vertex two neighbours share is written as the same integers by both
    vertices = [set(map(tuple, rings[0])) for rings in decoded[:20]]
    tree = shapely.STRtree(areas.to_numpy()[:20])
    left, right = tree.query(areas.to_numpy()[:20], predicate="touches")
    shared = [len(vertices[a] & vertices[b]) for a, b in zip(left, right, strict=True) if a < b]
    assert shared
    assert min(shared) >= 2


def test_packed_steps_take_few_characters_and_only_safe_ones():
    # from the origin to the Netherlands in 10^-7 degree, then steps of a few metres
    areas = gpd.GeoSeries([shapely.Polygon([(4.5, 51.8), (4.50003, 51.8), (4.50003, 51.80002)])],
                          crs=WGS84)
    (text,), = packed_shapes(areas, 7)[0]
    assert set(text) <= set(SHAPE_CHARACTERS)
    # 45 000 000 and 518 000 000 in six characters each, then the steps 300, 0 and 0, 200
    # in two, one and one, two
    assert len(text) == 6 + 6 + 2 + 1 + 1 + 2
    assert _decoded([[[text]]])[0][0][-2] == (45_000_300, 518_000_200)


def test_resolution_follows_the_zoom():
    assert metres_per_pixel(17) == pytest.approx(0.735, rel=0.01)
    assert resolution_decimals(17) == 6
    assert resolution_decimals(11) == 4
    assert legible_zoom(100) == 12  # a 100 m cell takes 3 px from zoom 12
    assert legible_zoom(1000) == 9


def test_text_columns_are_codes_or_lists():
    few = text_column(["a", "b", "a", "a"])
    assert few == {"values": ["a", "b"], "codes": CODE_CHARACTERS[0] + CODE_CHARACTERS[1]
                   + CODE_CHARACTERS[0] * 2}
    assert text_column(["x", "y", "z"]) == {"list": ["x", "y", "z"]}
    many = [str(i % 100) for i in range(1000)]
    assert text_column(many)["codes"][:3] == [0, 1, 2]  # more values than characters
    # no run of code characters can look like a resource to the offline check
    assert not set(CODE_CHARACTERS) & set("/=(@<>&'\"\\")


def test_a_pattern_column_is_used_only_where_it_writes_the_same_text():
    texts = ["meer dan toeval (p = 0,012, q = 1.234,500)", "niet getoetst"]
    columns = pattern_column("t", texts, ["niet getoetst", "meer dan toeval (p = {0}, q = {1})"],
                             [1, 0], {"p": ([0.0123, None], 3), "q": ([1234.5, float("nan")], 3)})
    assert columns["t"]["pattern"][1].startswith("meer")
    assert columns["p"] == {"list": [12, None]}
    assert pattern_text(["{0}"], 0, [(-1234567, 2)]) == "-12.345,67"
    # Python writes -0,0, the page would write 0,0: the texts themselves are kept
    kept = pattern_column("r", ["-0,0"], ["{0}"], [0], {"v": ([-0.04], 1)})
    assert kept == {"r": text_column(["-0,0"])}


def test_own_script_is_inlined_without_comments():
    code = vendored_js("hotspotkaart")
    assert "/*" not in code
    assert "L.hkStoreLayer" in code
    assert compact_js("a = 1;  // one\n  /* block */\n\n  b = '//';") == "a = 1;\nb = '//';"


_PROPS = """(layer) => { const out = {}; window[layer].eachLayer(f => {
  out[f.feature.properties.code] = f.feature.properties; }); return out; }"""


def test_layers_draw_from_one_store_and_word_their_texts_in_the_browser(tmp_path, open_map):
    areas = _tessellation(40)
    n = len(areas)
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, n).tolist()
    texts = [f"p = {v:.3f}".replace(".", ",") for v in p]
    columns = {"code": text_column(areas["code"].tolist()),
               "naam": text_column([f"Buurt &amp; {i % 3}" for i in range(n)]),
               "_a": text_column(["#ff0000", "#00ff00"] * (n // 2) + ["#ff0000"] * (n % 2)),
               "_b": text_column(["#0000ff"] * n),
               **pattern_column("p_text", texts, ["p = {0}"], [0] * n, {"_p": (p, 3)})}
    columns["zoek"] = {"from": "naam", "suffix": " (buurt)"}
    assert "pattern" in columns["p_text"]
    fmap = OfflineMap(location=[51.8, 4.65], zoom_start=13, tiles=None)
    store = FeatureStore(display_coverage(areas, 1.0), columns, decimals=6, legible=n)
    fmap.add_child(store)
    fields = {"code": "Code", "naam": "Naam", "p_text": "Toets"}
    first = StoreLayer(store, "Eerste", fields, style={"weight": 1}, colour="_a",
                       extra=["zoek"], show=True)
    second = StoreLayer(store, "Tweede", fields, style={"weight": 1}, colour="_b", show=False)
    fmap.add_child(first)
    fmap.add_child(second)
    folium.LayerControl().add_to(fmap)
    page_path = tmp_path / "store.html"
    write_html(page_path, render(fmap))
    html = page_path.read_text(encoding="utf-8")
    assert html.count('"A000"') == 1  # the codes are on the page once, for both layers
    page = open_map(page_path)
    assert page.evaluate(COUNT_FEATURES, "code") == n  # the first layer, drawn
    props = page.evaluate(_PROPS, first.get_name())
    for i, code in enumerate(areas["code"]):
        assert props[code]["p_text"] == texts[i]
        assert props[code]["naam"] == f"Buurt &amp; {i % 3}"
        assert props[code]["zoek"] == f"Buurt &amp; {i % 3} (buurt)"
        assert props[code]["_colour"] == ("#ff0000" if i % 2 == 0 else "#00ff00")
    second_props = page.evaluate(_PROPS, second.get_name())
    assert {p["_colour"] for p in second_props.values()} == {"#0000ff"}
    assert page.evaluate(COUNT_FEATURES, "code") == n  # filled, not drawn: it is switched off
    page.page.locator(".leaflet-control-layers").hover()
    page.page.get_by_text("Tweede", exact=True).click()
    assert page.evaluate(COUNT_FEATURES, "code") == 2 * n
    # the tooltip is folium's, built in the browser from the properties
    shape = page.page.locator("path.leaflet-interactive").first
    shape.hover(force=True)
    tip = page.page.locator(".leaflet-tooltip").first
    tip.wait_for()
    assert "Toets" in tip.inner_text()
    assert "p = " in tip.inner_text()
    assert page.console_errors == []
    assert json.loads(page.evaluate("JSON.stringify(" + store.get_name() + ".count)")) == n
    # the page's shapes are the display shapes, closed, to the decimals of the store
    drawn = page.evaluate(f"{store.get_name()}.shapes().shapes.map(s => s.coordinates)")
    shown = display_coverage(areas, 1.0).to_crs(WGS84).to_numpy()
    assert len(drawn) == n
    for rings, geom in zip(drawn, shown, strict=True):
        np.testing.assert_allclose(np.asarray(rings[0]), np.asarray(geom.exterior.coords),
                                   atol=0.5e-6 + 1e-12, rtol=0)
