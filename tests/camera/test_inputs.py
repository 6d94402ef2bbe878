"""Reading and validating the camera assessment's inputs: candidate files, point layers, settings.

Candidates are read against the municipality of the small camera project (real Dordrecht buurten,
see :mod:`tests.helpers.camera_project`); the files are written per test.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart.camera.inputs import read_candidates, read_points
from hotspotkaart.config.camera import (
    DEFAULT_WEIGHTS,
    CameraSettings,
    ExtraPointSource,
    parse_camera_settings,
)
from hotspotkaart.config.settings import load_config
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.ledger import Ledger
from tests.helpers.camera_project import (
    DATA,
    OTHER_BOX,
    P_BOX,
    P_CENTRE,
    QUIET_BOX,
    RD_URN,
    feature,
    write_geojson,
    write_project,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Config, meldingen and layers of the small project; ``[camera]`` with a horeca layer."""
    return write_project(tmp_path_factory.mktemp("camera-input"))


# -- reading candidates -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def outline(project):
    """The municipality as the run sees it (``result.boundaries.outline``), without the run."""
    config = load_config(project["config_path"])
    return read_boundaries(config.area, Ledger()).outline


def test_draw_tool_export_is_read_as_it_is(outline):
    raw = json.loads((DATA / "kandidaatgebied.geojson").read_text(encoding="utf-8"))
    assert "crs" not in raw
    assert all(f["properties"] == {} for f in raw["features"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", HotspotkaartWarning)
        candidates = read_candidates(DATA / "kandidaatgebied.geojson", outline)
    assert candidates["name"].tolist() == ["kandidaat 1", "kandidaat 2"]
    assert candidates.crs.to_epsg() == 28992
    rect = candidates.geometry.iloc[0]
    assert shapely.symmetric_difference(rect, P_BOX).area < 0.01 * P_BOX.area
    assert candidates["source"].tolist() == ["bestand", "bestand"]


def test_names_from_naam_column_blank_names_and_duplicates(tmp_path, outline):
    path = write_geojson(tmp_path / "k.geojson", [
        feature(P_BOX, naam="Plein"), feature(OTHER_BOX, naam="  "),
        feature(QUIET_BOX, naam="Plein")], crs=RD_URN)
    assert read_candidates(path, outline)["name"].tolist() == ["Plein", "kandidaat 2",
                                                              "Plein (2)"]
    with pytest.raises(InputError, match=r"k\.geojson: the name column 'titel' is not in"):
        read_candidates(path, outline, name_column="titel")


def test_points_instead_of_polygons_name_the_file_and_feature(tmp_path, outline):
    path = write_geojson(tmp_path / "punten.geojson", [
        feature(P_BOX, name="Goed"), feature(shapely.Point(P_CENTRE), name="Cafe")],
        crs=RD_URN)
    with pytest.raises(InputError, match=r"punten\.geojson: candidate 'Cafe' \(feature 2\) is "
                                         r"a Point, not a polygon"):
        read_candidates(path, outline)


def test_feature_without_geometry(tmp_path, outline):
    path = write_geojson(tmp_path / "leeg.geojson", [feature(None, name="Niets")],
                          crs=RD_URN)
    with pytest.raises(InputError, match=r"candidate 'Niets' \(feature 1\) has no geometry"):
        read_candidates(path, outline)


def test_geojson_without_crs_in_rd_metres_is_refused_as_every_vector_input(tmp_path, outline):
    path = write_geojson(tmp_path / "rd.geojson", [feature(P_BOX, name="P")])
    with pytest.raises(InputError, match=r"rd\.geojson: the CRS is declared as EPSG:4326 "
                                         r"\(degrees\) in the file \(a GeoJSON file without a "
                                         r"'crs' member always says WGS84\) but the coordinates "
                                         r"look like RD New metres; save the file with its CRS"):
        read_candidates(path, outline)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_shapefile_without_crs_is_inferred_with_a_warning(tmp_path, outline):
    frame = gpd.GeoDataFrame({"naam": ["Zonder prj"]}, geometry=[P_BOX])
    frame.to_file(tmp_path / "k.shp")
    assert not (tmp_path / "k.prj").exists()
    with pytest.warns(HotspotkaartWarning, match=r"k\.shp: the file has no CRS; its coordinates "
                                                 r"look like EPSG:28992"):
        candidates = read_candidates(tmp_path / "k.shp", outline)
    assert candidates["name"].tolist() == ["Zonder prj"]
    assert candidates.geometry.iloc[0].equals(P_BOX)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_shapefile_without_crs_and_unknown_coordinates_is_an_error(tmp_path, outline):
    gpd.GeoDataFrame({"naam": ["X"]}, geometry=[box(0, 0, 500, 500)]).to_file(tmp_path / "k.shp")
    with pytest.raises(InputError, match=r"k\.shp: the file has no CRS and its coordinates fit "
                                         r"neither"):
        read_candidates(tmp_path / "k.shp", outline)


def test_candidate_outside_the_municipality_is_named(tmp_path, outline):
    path = write_geojson(tmp_path / "k.geojson", [
        feature(P_BOX, name="Goed"), feature(box(90000, 440000, 90300, 440300),
                                               name="Rotterdam")], crs=RD_URN)
    with pytest.raises(InputError, match=r"k\.geojson: candidate 'Rotterdam' \(feature 2\) "
                                         r"lies outside Dordrecht"):
        read_candidates(path, outline, area_name="Dordrecht")


def test_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path, outline):
    x, y = P_CENTRE
    bowtie = shapely.Polygon([(x - 100, y - 100), (x + 100, y + 100), (x + 100, y - 100),
                              (x - 100, y + 100)])
    assert not bowtie.is_valid
    path = write_geojson(tmp_path / "k.geojson", [feature(bowtie, name="Vlinder")],
                          crs=RD_URN)
    with pytest.warns(HotspotkaartWarning, match=r"candidate 'Vlinder' \(feature 1\) was not a "
                                                 r"valid polygon .*make_valid"):
        candidates = read_candidates(path, outline)
    geom = candidates.geometry.iloc[0]
    assert geom.is_valid
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(20000.0)


@pytest.mark.parametrize(("content", "match"), [
    ("", r"k\.geojson: the candidate file is empty"),
    ('{"type": "FeatureCollection", "features": []}', r"k\.geojson: the file holds no features"),
    ("not json at all", r"k\.geojson: cannot be read as a vector file"),
])
def test_empty_or_unreadable_file(tmp_path, outline, content, match):
    path = tmp_path / "k.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        read_candidates(path, outline)


def test_missing_file(tmp_path, outline):
    with pytest.raises(InputError, match=r"nergens\.geojson: the candidate file does not exist"):
        read_candidates(tmp_path / "nergens.geojson", outline)


def test_geopackage_with_naam_column(tmp_path, outline):
    gpd.GeoDataFrame({"naam": ["Uit GPKG"]}, geometry=[P_BOX], crs="EPSG:28992").to_file(
        tmp_path / "k.gpkg", layer="kandidaten")
    assert read_candidates(tmp_path / "k.gpkg", outline)["name"].tolist() == ["Uit GPKG"]


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "match"), [
    ({"ringg": 100}, "unknown key 'ringg' in \\[camera\\]"),
    ({"ring_m": -5}, "ring_m = -5 must be a number of metres"),
    ({"weights": {"density": "veel"}}, "density = 'veel' must be a number"),
    ({"weights": {"popularity": 1}}, "unknown weight 'popularity'"),
    ({"weights": dict.fromkeys(DEFAULT_WEIGHTS, 0)}, "at least one weight"),
    ({"extra_points": [{"name": "horeca"}]}, "extra_points #1 needs the key 'path'"),
    ({"extra_points": [{"name": "horeca", "path": "nergens.gpkg"}]}, "does not exist"),
    ({"extra_points": {"name": "horeca"}}, "must be a list of tables"),
    ({"extra_points": [{"name": "ring", "path": "."}]}, "clashes with a column"),
    ({"suggest_min_cells": 0}, "suggest_min_cells = 0 must be a whole number"),
    ({"suggest_max": 2.5}, "suggest_max = 2.5 must be a whole number from 1 to 100"),
    ({"name_column": ""}, "name_column = '' must be a non-empty text in quotes"),
    ({"extra_points": ["horeca.gpkg"]}, "extra_points #1 must be a table of keys, got str"),
    ({"extra_points": [{"name": "horeca", "path": "."}]}, "points at the folder"),
    ({"extra_points": [{"name": "horeca", "path": ".", "crs": "EPSG:0"}]},
     "crs = 'EPSG:0' is not a coordinate reference system"),
])
def test_camera_settings_are_validated(tmp_path, table, match):
    with pytest.raises(ConfigError, match=match):
        parse_camera_settings(table, tmp_path / "hotspotkaart.toml")


def test_camera_settings_must_be_a_table(tmp_path):
    with pytest.raises(ConfigError, match=r"hotspotkaart\.toml: \[camera\] must be a table of "
                                          "keys, got list"):
        parse_camera_settings([1, 2], tmp_path / "hotspotkaart.toml")


def test_camera_settings_defaults_and_values(project):
    settings = load_config(project["config_path"]).camera
    assert settings.ring_m == 200.0
    assert dict(settings.weights) == DEFAULT_WEIGHTS
    assert [(e.name, e.slug, e.label) for e in settings.extra_points] == [
        ("horeca", "horeca", "zaak")]
    assert parse_camera_settings({}, Path("x.toml")) == CameraSettings()
    custom = parse_camera_settings({"weights": {"new": 2}}, Path("x.toml"))
    assert custom.weights["new"] == 2.0
    assert custom.weights["density"] == 1.0


def test_extra_points_must_be_points(tmp_path):
    gpd.GeoDataFrame({"zaak": ["x"]}, geometry=[P_BOX], crs="EPSG:28992").to_file(
        tmp_path / "h.geojson")
    source = ExtraPointSource(name="horeca", slug="horeca", path=tmp_path / "h.geojson")
    with pytest.raises(InputError, match=r"h\.geojson: feature 1 is a Polygon, not a point"):
        read_points(source)
