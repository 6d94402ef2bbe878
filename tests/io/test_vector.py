"""The one vector reader: layers, CRSs as declared, the no-CRS guess and reprojection.

Every file is written per test in ``tmp_path``.
"""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from hotspotkaart._errors import BoundaryError, InputError
from hotspotkaart._geometry import repair_polygons
from hotspotkaart.io.vector import (
    feature_centres,
    guess_crs,
    pick_layer,
    read_vector,
    reproject_to_rd,
    vector_to_rd,
)

SQUARE = shapely.box(105_000, 425_000, 105_200, 425_200)
BOWTIE = shapely.Polygon([(105_000, 425_000), (105_200, 425_200), (105_200, 425_000),
                          (105_000, 425_200)])


def _geojson(path, geoms, crs=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"naam": f"f{i}"},
         "geometry": shapely.geometry.mapping(g)} for i, g in enumerate(geoms, start=1)]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _two_layers(path, first="buurten", second="wijken"):
    gpd.GeoDataFrame({"naam": ["p"]}, geometry=[shapely.Point(105_100, 425_100)],
                     crs="EPSG:28992").to_file(path, layer=first)
    gpd.GeoDataFrame({"naam": ["a"]}, geometry=[SQUARE], crs="EPSG:28992").to_file(
        path, layer=second)
    return path


def test_geojson_with_a_crs_member_keeps_it(tmp_path):
    path = _geojson(tmp_path / "z.geojson", [SQUARE], crs="urn:ogc:def:crs:EPSG::28992")
    gdf = read_vector(path)
    assert gdf.crs.to_epsg() == 28992
    assert gdf["naam"].tolist() == ["f1"]
    assert gdf.geometry.iloc[0].equals(SQUARE)


def test_geojson_without_a_crs_member_says_wgs84(tmp_path):
    point = shapely.Point(4.9, 52.37)
    gdf = read_vector(_geojson(tmp_path / "z.geojson", [point]))
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].equals(point)


def test_geopackage_with_two_layers_needs_the_layer(tmp_path):
    path = _two_layers(tmp_path / "b.gpkg")
    assert read_vector(path, layer="wijken")["naam"].tolist() == ["a"]
    assert read_vector(path, wanted="buurten")["naam"].tolist() == ["p"]
    assert read_vector(path, geometry="polygon")["naam"].tolist() == ["a"]
    with pytest.raises(BoundaryError, match=r"b\.gpkg: holds several layers \(buurten, wijken\); "
                                            r"name the gemeenten layer"):
        read_vector(path, wanted="gemeenten", error=BoundaryError,
                    several="name the gemeenten layer with gemeenten_layer in the config")
    with pytest.raises(InputError, match=r"b\.gpkg: holds several layers \(buurten, wijken\); "
                                         r"name the layer in the config"):
        read_vector(path, geometry="line")


def test_a_layer_is_found_by_the_stem_of_its_name(tmp_path):
    path = _two_layers(tmp_path / "cbs.gpkg", first="cbs_buurt_2024", second="cbs_wijk_2024")
    assert pick_layer(path, wanted="buurten") == "cbs_buurt_2024"
    assert pick_layer(path, wanted="wijken") == "cbs_wijk_2024"
    # no criterion: never the first layer in silence
    with pytest.raises(InputError, match=r"holds several layers \(cbs_buurt_2024, cbs_wijk_2024\); "
                                         "name the layer in the config"):
        pick_layer(path)
    with pytest.raises(InputError, match="holds several layers"):
        read_vector(path)
    assert len(read_vector(path, layer="cbs_wijk_2024")) == 1


def test_shapefile_with_and_without_prj(tmp_path):
    gpd.GeoDataFrame({"naam": ["a"]}, geometry=[SQUARE], crs="EPSG:28992").to_file(
        tmp_path / "met.shp")
    gdf = read_vector(tmp_path / "met.shp")
    assert gdf.crs.to_epsg() == 28992
    assert gdf.geometry.iloc[0].equals(SQUARE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # geopandas: 'crs' was not provided
        gpd.GeoDataFrame({"naam": ["a"]}, geometry=[SQUARE]).to_file(tmp_path / "zonder.shp")
    assert read_vector(tmp_path / "zonder.shp").crs is None


def test_missing_empty_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match=r"nergens\.geojson: the candidate file does not exist"):
        read_vector(tmp_path / "nergens.geojson", what="candidate")
    empty = tmp_path / "leeg.geojson"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"leeg\.geojson: the point file is empty"):
        read_vector(empty, what="point")
    broken = tmp_path / "kapot.geojson"
    broken.write_text("not json\n  at all", encoding="utf-8")
    with pytest.raises(BoundaryError, match=r"kapot\.geojson: cannot be read as a vector file "
                                            r"\([^\n]*\)$"):
        read_vector(broken, error=BoundaryError)
    with pytest.raises(InputError, match=r"kapot\.geojson: cannot be read as a vector file"):
        read_vector(broken, wanted="buurten")  # listing the layers fails the same way


def test_invalid_polygon_in_a_file_is_repaired_with_a_warning(tmp_path):
    gdf = read_vector(_geojson(tmp_path / "z.geojson", [SQUARE, BOWTIE],
                               crs="EPSG:28992"))
    original = gdf.geometry.to_numpy().copy()
    warned: list[str] = []
    repaired, invalid = repair_polygons(gdf.geometry.to_numpy(), gdf["naam"].tolist(),
                                        where="z.geojson", warn=warned.append)
    assert invalid.tolist() == [False, True]
    assert warned == ["z.geojson: repaired 1 invalid polygon(s) (f2) with shapely.make_valid; "
                      "check them in a GIS"]
    assert repaired[0] is original[0]
    assert repaired[1].is_valid
    assert repaired[1].geom_type == "MultiPolygon"
    assert repaired[1].area == pytest.approx(20_000.0)
    assert all(a.equals(b) for a, b in zip(gdf.geometry, original, strict=True))  # untouched


def test_guess_crs_warns_or_refuses(tmp_path):
    warned: list[str] = []
    x, y = feature_centres(np.array([SQUARE, None, shapely.Polygon()], dtype=object))
    assert x[0] == pytest.approx(105_100)
    assert np.isnan(x[1:]).all()
    assert np.isnan(y[1:]).all()
    assert guess_crs(x, y, path=tmp_path / "z.shp", label="z.shp", warn=warned.append,
                     remedy="set crs in the config") == "EPSG:28992"
    assert warned == ["z.shp: the file has no CRS; its coordinates look like EPSG:28992 and are "
                      "read as such. Save the file with its CRS or set crs in the config"]
    assert guess_crs(np.array([4.9]), np.array([52.37]), path=tmp_path / "z.shp",
                     label="z.shp", warn=warned.append, remedy="x") == "EPSG:4326"
    with pytest.raises(InputError, match=r"z\.shp: the file has no CRS and its coordinates fit "
                                         r"neither RD New \(EPSG:28992\) nor WGS84 .*; set crs"):
        guess_crs(np.array([0.0]), np.array([0.0]), path=tmp_path / "z.shp", label="z.shp",
                  warn=warned.append, remedy="set crs in the config")


def test_reproject_to_rd_leaves_the_callers_frame_alone(tmp_path):
    gdf = read_vector(_geojson(tmp_path / "z.geojson", [shapely.Point(4.9, 52.37)]))
    rd = reproject_to_rd(gdf, "z.geojson")
    assert rd.crs.to_epsg() == 28992
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].equals(shapely.Point(4.9, 52.37))
    x, y = rd.geometry.iloc[0].x, rd.geometry.iloc[0].y
    assert 120_000 < x < 123_000
    assert 486_000 < y < 489_000
    assert reproject_to_rd(rd, "z.geojson") is rd


def test_vector_to_rd_is_one_decision_for_every_vector_layer(tmp_path):
    # Swapped WGS84 axes are repaired with a warning; the caller's frame stays as read.
    lat_lon = shapely.Point(51.8138, 4.6633)
    path = _geojson(tmp_path / "z.geojson", [lat_lon])
    gdf = read_vector(path)
    warned: list[str] = []
    rd = vector_to_rd(gdf, path, label="z.geojson", warn=warned.append)
    assert warned == ["z.geojson: latitude and longitude are swapped in the file; read the other "
                      "way round. Swap the columns in the config to make this explicit"]
    assert rd.crs.to_epsg() == 28992
    expected = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(
        4.6633, 51.8138)
    np.testing.assert_allclose([rd.geometry.iloc[0].x, rd.geometry.iloc[0].y], expected)
    assert gdf.geometry.iloc[0].equals(lat_lon)
    # RD metres in a GeoJSON without a crs member contradict its WGS84: refused, with the remedy
    # of a config key where there is one and of the file itself where there is none.
    rd_path = _geojson(tmp_path / "rd.geojson", [SQUARE])
    with pytest.raises(InputError, match=r"rd\.geojson: the CRS is declared as EPSG:4326 "
                                         r"\(degrees\) in the file .* look like RD New metres; "
                                         r"set crs = 'EPSG:28992' or fix the file"):
        vector_to_rd(read_vector(rd_path), rd_path, label="rd.geojson", warn=warned.append)
    with pytest.raises(InputError, match=r"RD New metres; save the file with its CRS"):
        vector_to_rd(read_vector(rd_path), rd_path, label="rd.geojson", warn=warned.append,
                     setting=None)
    # The config's CRS is used for a file without one.
    declared = vector_to_rd(gpd.GeoDataFrame(geometry=[SQUARE]), tmp_path / "z.shp",
                            label="z.shp", warn=warned.append, declared="EPSG:28992")
    assert declared.geometry.iloc[0].equals(SQUARE)
