"""Tests of the private helpers shared by the readers (_geometry, _naming)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.testing import assert_allclose

from hotspotkaart._geometry import (
    polygonal_part,
    polygons_of_collection,
    repair_polygons,
    without_points,
)
from hotspotkaart._naming import unique_names
from hotspotkaart.io.crs import RD
from tests.helpers.incidents import as_points

BOW_TIE = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
SQUARE = shapely.box(0, 0, 100, 100)


def test_polygonal_part_keeps_the_area_of_a_repaired_polygon():
    repaired = shapely.make_valid(BOW_TIE)
    part = polygonal_part(repaired)
    assert part.geom_type == "MultiPolygon"
    assert_allclose(part.area, 50.0)
    mixed = shapely.GeometryCollection([SQUARE, shapely.LineString([(200, 0), (300, 0)]),
                                        shapely.Point(500, 500)])
    assert polygonal_part(mixed).equals(SQUARE)


def test_polygonal_part_of_something_without_area_is_an_empty_polygon():
    part = polygonal_part(shapely.LineString([(0, 0), (1, 1)]))
    assert part.geom_type == "Polygon"
    assert part.is_empty
    assert polygonal_part(SQUARE) is SQUARE


def test_polygons_of_collection_only_unpacks_collections_with_polygons():
    collection = shapely.GeometryCollection([SQUARE, shapely.box(100, 0, 200, 100),
                                             shapely.Point(0, 0)])
    merged = polygons_of_collection(collection)
    assert merged.geom_type == "Polygon"
    assert_allclose(merged.area, 20_000.0)
    lines = shapely.GeometryCollection([shapely.LineString([(0, 0), (1, 1)])])
    assert polygons_of_collection(lines) is lines  # left for the caller to reject by type
    line = shapely.LineString([(0, 0), (1, 1)])
    assert polygons_of_collection(line) is line


def test_unique_names_numbers_repeats_and_avoids_existing_names():
    assert unique_names(["Centrum", "Station", "Centrum", "Centrum"]) == [
        "Centrum", "Station", "Centrum (2)", "Centrum (3)"]
    assert unique_names(["A", "A (2)", "A"]) == ["A", "A (2)", "A (3)"]
    assert unique_names([]) == []


def test_repair_polygons_repairs_only_the_invalid_ones_it_is_asked_about():
    geoms = np.array([SQUARE, BOW_TIE, BOW_TIE, None], dtype=object)
    warned: list[str] = []
    repaired, invalid = repair_polygons(geoms, ["a", "b", "c", "d"], where="f.gpkg",
                                        warn=warned.append,
                                        todo=np.array([True, True, False, False]))
    assert invalid.tolist() == [False, True, False, False]
    assert repaired[0] is SQUARE
    assert repaired[1].geom_type == "MultiPolygon"
    assert repaired[2] is BOW_TIE  # not asked about
    assert geoms[1] is BOW_TIE  # the input is not modified
    assert warned == ["f.gpkg: repaired 1 invalid polygon(s) (b) with shapely.make_valid; "
                      "check them in a GIS"]


def test_repair_polygons_keeps_make_valid_result_or_only_its_area():
    spike = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0), (-5, -5), (0, 0)])
    assert not spike.is_valid
    kept, _ = repair_polygons(np.array([spike], dtype=object), ["s"], where="f", warn=None,
                              area_only=False)
    area, _ = repair_polygons(np.array([spike], dtype=object), ["s"], where="f", warn=None)
    assert kept[0].geom_type == "GeometryCollection"
    assert area[0].geom_type == "Polygon"
    assert_allclose(area[0].area, 100.0)


def test_repair_polygons_words_its_warning_as_told():
    warned: list[str] = []
    repair_polygons(np.array([BOW_TIE, BOW_TIE], dtype=object), ["1", "2"], where="z.geojson",
                    warn=warned.append, area_only=False, noun="geometry/ies", prefix="row ")
    assert warned == ["z.geojson: repaired 2 invalid geometry/ies (row 1, 2) with "
                      "shapely.make_valid; check them in a GIS"]


def test_repair_polygons_checks_only_the_geometries_it_is_asked_about(monkeypatch):
    # checking a zone of many sharp spikes takes GEOS minutes: one left out is never checked
    import hotspotkaart._geometry as geometry

    checked: list[object] = []
    real = shapely.is_valid

    def recording(values):
        checked.extend(np.atleast_1d(values).tolist())
        return real(values)

    monkeypatch.setattr(geometry.shapely, "is_valid", recording)
    geoms = np.array([SQUARE, BOW_TIE], dtype=object)
    _, invalid = repair_polygons(geoms, ["a", "b"], where="f.gpkg", warn=None,
                                 todo=np.array([True, False]))
    assert checked == [SQUARE]
    assert invalid.tolist() == [False, False]


def test_meldingen_without_points_keep_their_coordinates_and_come_back_as_points():
    rng = np.random.default_rng(7)
    x, y = rng.uniform(100_000, 110_000, 50), rng.uniform(420_000, 430_000, 50)
    points = gpd.GeoDataFrame({"melding_id": [f"M{i}" for i in range(50)],
                               "period": np.repeat([2023, 2024], 25)},
                              geometry=gpd.points_from_xy(x, y), crs=RD, index=range(10, 60))
    kept = points.copy()
    frame = without_points(points)
    assert not isinstance(frame, gpd.GeoDataFrame)
    assert list(frame.columns) == ["melding_id", "period", "x", "y"]
    np.testing.assert_array_equal(frame["x"], x)  # exact: a point stores its float as given
    np.testing.assert_array_equal(frame["y"], y)
    pd.testing.assert_frame_equal(points, kept)  # the caller's frame is as it was
    again = as_points(frame)
    assert again.crs == RD
    assert list(again.columns) == ["melding_id", "period", "geometry"]
    assert again.geom_equals_exact(points.geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(pd.DataFrame(again.drop(columns="geometry")),
                                  pd.DataFrame(points.drop(columns="geometry")))
