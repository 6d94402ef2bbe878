"""Camera-area assessment (issue 5): known answers on hand-made candidates over a small project.

The project uses the real Dordrecht buurten with synthetic meldingen: a uniform background, a
planted persistent cluster P (both years) outside every camera area, a smaller persistent
cluster inside an existing camera zone, and a quiet spot without any melding.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from hotspotkaart import cli
from hotspotkaart._camera_cli import add_camera_parser
from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart.camera import (
    DEFAULT_WEIGHTS,
    STATUS_EXISTING,
    STATUS_NEW,
    CameraSettings,
    assess,
    load_camera_config,
    parse_camera_settings,
    read_candidates,
    read_points,
    run_camera,
    standardise,
    suggest,
)
from hotspotkaart.camerareport import page_names
from hotspotkaart.offline import external_references
from hotspotkaart.pipeline import analyse

from ._helpers import BUURTEN, REPO_ROOT, incident_section, write_config

DATA = Path(__file__).parent / "data" / "camera"
INJECTION = "<img src=x onerror=alert(1)>"

P_CENTRE = (106400.0, 424300.0)        # the planted persistent cluster, outside camera areas
CAMERA_CENTRE = (104500.0, 424000.0)   # centre of the existing camera zone (400 m square)
QUIET = (107500.0, 423000.0)           # no meldingen within 300 m
RING_M = 200.0

P_BOX = box(P_CENTRE[0] - 150, P_CENTRE[1] - 150, P_CENTRE[0] + 150, P_CENTRE[1] + 150)
CAMERA_ZONE = box(CAMERA_CENTRE[0] - 200, CAMERA_CENTRE[1] - 200, CAMERA_CENTRE[0] + 200,
                  CAMERA_CENTRE[1] + 200)
INSIDE_CAMERA = box(CAMERA_CENTRE[0] - 100, CAMERA_CENTRE[1] - 100, CAMERA_CENTRE[0] + 100,
                    CAMERA_CENTRE[1] + 100)
QUIET_BOX = box(QUIET[0] - 30, QUIET[1] - 30, QUIET[0] + 30, QUIET[1] + 30)
OTHER_BOX = box(105200, 425150, 105400, 425350)   # Centrum, background meldingen only


def _meldingen(seed: int = 1) -> pd.DataFrame:
    """Background over the town, cluster P in both years, a cluster in the camera zone."""
    buurten = gpd.read_file(BUURTEN)
    outline = shapely.union_all(buurten.geometry.to_numpy())
    rng = np.random.default_rng(seed)
    xy = rng.uniform([102500, 421000], [109500, 426200], size=(4000, 2))
    xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
    xy = xy[np.hypot(xy[:, 0] - QUIET[0], xy[:, 1] - QUIET[1]) > 300][:600]
    categories = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")
    rows = []
    for i, (x, y) in enumerate(xy):
        rows.append((f"B{i}", 2023 + i % 2, categories[i % 3], x, y))
    for year in (2023, 2024):
        for i, (x, y) in enumerate(rng.normal(P_CENTRE, 35, size=(120, 2))):
            rows.append((f"P{year}-{i}", year, categories[i % 2], x, y))
        for i, (x, y) in enumerate(rng.normal(CAMERA_CENTRE, 30, size=(30, 2))):
            rows.append((f"C{year}-{i}", year, "Jeugd", x, y))
    frame = pd.DataFrame(rows, columns=["id", "year", "soort", "x", "y"])
    frame["datum"] = [f"{1 + i % 28:02d}-{1 + i % 12:02d}-{y}"
                      for i, y in enumerate(frame["year"])]
    return frame


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Config, meldingen and layers of the small project; ``[camera]`` with a horeca layer."""
    folder = tmp_path_factory.mktemp("camera-project")
    meldingen = _meldingen()
    meldingen[["id", "datum", "soort", "x", "y"]].round(1).to_csv(folder / "m.csv", sep=";",
                                                                 index=False)
    gpd.GeoDataFrame({"naam": ["Centrum camera"], "geldig_vanaf": ["2023-01-01"],
                      "geldig_tot": [None]}, geometry=[CAMERA_ZONE],
                     crs="EPSG:28992").to_file(folder / "camera.geojson")
    horeca = [shapely.Point(P_CENTRE[0] + dx, P_CENTRE[1] + dy)
              for dx, dy in ((0, 0), (40, 20), (-60, 50), (100, -100))]   # 4 inside P_BOX
    horeca += [shapely.Point(P_CENTRE[0] + 250, P_CENTRE[1]),                # 2 in the ring
               shapely.Point(P_CENTRE[0], P_CENTRE[1] - 300)]
    horeca += [shapely.Point(P_CENTRE[0] + 400, P_CENTRE[1]),                # beyond the ring
               shapely.Point(QUIET)]                                          # in 'Leeg'
    gpd.GeoDataFrame({"zaak": [f"Café {i}" for i in range(len(horeca))]}, geometry=horeca,
                     crs="EPSG:28992").to_file(folder / "horeca.geojson")
    extra = """
[[zones]]
kind = "cameratoezicht"
path = "camera.geojson"
name = "naam"
valid_from = "geldig_vanaf"
valid_to = "geldig_tot"

[analysis]
permutations = 99

[camera]
ring_m = 200
extra_points = [{name = "horeca", path = "horeca.geojson", label = "zaak"}]
"""
    incidents = incident_section("m.csv").replace('id = "id"', 'id = "id"\nsynthetic = true')
    path = write_config(folder, incidents=incidents, extra=extra)
    return {"folder": folder, "config_path": path, "meldingen": meldingen}


@pytest.fixture(scope="module")
def analysed(project):
    config, settings = load_camera_config(project["config_path"])
    return analyse(config), settings


def _candidates(**named):
    return gpd.GeoDataFrame({"name": list(named), "source": "bestand"},
                            geometry=list(named.values()), crs="EPSG:28992")


@pytest.fixture(scope="module")
def assessed(analysed):
    result, settings = analysed
    extras = {s.slug: read_points(s) for s in settings.extra_points}
    candidates = _candidates(**{"Binnen camera": INSIDE_CAMERA, "Leeg": QUIET_BOX,
                                "Cluster P": P_BOX, INJECTION: OTHER_BOX,
                                "Bestaand cameragebied": CAMERA_ZONE})
    table = assess(result, candidates, ring_m=RING_M, extra_points=extras,
                   weights=settings.weights)
    return table.set_index("name", drop=False)


def _expected_counts(meldingen, geom, year):
    sel = meldingen[meldingen["year"] == year]
    xy = sel[["x", "y"]].round(1).to_numpy()
    return int(shapely.intersects_xy(geom, xy[:, 0], xy[:, 1]).sum())


# -- known answers ----------------------------------------------------------------------------


def test_candidate_inside_a_camera_area_reports_full_overlap(assessed):
    row = assessed.loc["Binnen camera"]
    assert row["camera_overlap_pct"] == pytest.approx(100.0)
    assert row["camera_zones"] == "Centrum camera"
    assert row["status"] == STATUS_EXISTING
    assert assessed.loc["Cluster P", "camera_overlap_pct"] == pytest.approx(0.0)
    assert assessed.loc["Cluster P", "status"] == STATUS_NEW
    assert assessed.loc["Cluster P", "alcoholverbod_overlap_pct"] == 0.0


def test_existing_camera_area_as_candidate_gets_the_same_figures(assessed, project):
    row = assessed.loc["Bestaand cameragebied"]
    assert row["camera_overlap_pct"] == pytest.approx(100.0)
    assert row["status"] == STATUS_EXISTING
    for year in (2023, 2024):
        expected = _expected_counts(project["meldingen"], CAMERA_ZONE, year)
        assert row[f"count_{year}"] == expected
        assert expected >= 30


def test_candidate_over_the_persistent_cluster_ranks_first(assessed):
    assert assessed.loc["Cluster P", "rank"] == 1
    assert assessed.loc["Cluster P", "cells_blijvend"] >= 4
    assert assessed.loc["Cluster P", "cells_nieuw"] == 0
    assert sorted(assessed["rank"]) == [1, 2, 3, 4, 5]
    assert assessed.sort_values("rank")["score"].is_monotonic_decreasing


def test_counts_ring_and_shares_match_the_planted_points(assessed, analysed, project):
    result, _ = analysed
    row = assessed.loc["Cluster P"]
    meldingen = project["meldingen"]
    ring = shapely.intersection(shapely.difference(P_BOX.buffer(RING_M), P_BOX),
                                result.boundaries.outline)
    for year in (2023, 2024):
        inside = _expected_counts(meldingen, P_BOX, year)
        assert row[f"count_{year}"] == inside
        assert inside >= 120
        assert row[f"ring_{year}"] == _expected_counts(meldingen, ring, year)
        total = int((result.incidents["period"] == year).sum())
        assert row[f"share_city_{year}"] == pytest.approx(inside / total)
        assert row[f"per_1000m2_{year}"] == pytest.approx(1000 * inside / P_BOX.area)
        wijk = result.wijken.set_index("wijkcode").loc[row["wijken_list"][0]["code"]]
        assert row[f"share_wijk_{year}"] == pytest.approx(inside / wijk[f"count_{year}"])
    assert sum(row[f"count_2024_{s}"] for s in ("jeugd", "alcohol_drugs",
                                                 "persoon_met_onbegrepen_gedrag")) \
        == row["count_2024"]
    blijvend_city = int((result.grid.cells["transition"] == "blijvend").sum())
    assert row["share_city_persistent_pct"] == pytest.approx(
        100 * row["cells_blijvend"] / blijvend_city)
    assert row["wijken_list"][0]["share"] == pytest.approx(1.0)
    assert "Wijk 05" in row["wijken"]
    assert "100 %" in row["wijken"]


def test_empty_candidate_reports_zeros_and_no_error(assessed):
    row = assessed.loc["Leeg"]
    for column in ("count_2023", "count_2024", "per_1000m2_2023", "per_1000m2_2024",
                   "share_city_2023", "share_city_2024", "cells_covered", "cells_blijvend",
                   "camera_overlap_pct", "diff", "ring_2023", "ring_2024"):
        assert row[column] == 0, column
    assert row["change_class"] == "te weinig meldingen"
    assert math.isnan(row["p_value"])
    assert math.isnan(row["pct_change"])
    assert row["buurten"]  # it still lies somewhere


def test_change_test_uses_the_analysis_functions_with_fdr_over_candidates(assessed):
    from hotspotkaart.analysis import change_test, fdr, period_days

    p0 = period_days(2024) / (period_days(2023) + period_days(2024))
    p = change_test(assessed["count_2023"], assessed["count_2024"], p0, min_total=10)
    np.testing.assert_allclose(assessed["p_value"], p)
    np.testing.assert_allclose(assessed["q_value"], fdr(p))
    assert assessed.loc["Cluster P", "change_class"] == "geen significante verandering"


def test_extra_point_layer_is_counted_inside_and_in_the_ring(assessed):
    assert assessed.loc["Cluster P", "horeca_inside"] == 4
    assert assessed.loc["Cluster P", "horeca_ring"] == 2  # 100 and 150 m from the edge
    assert assessed.loc["Leeg", "horeca_inside"] == 1


def test_score_is_the_documented_weighted_sum(assessed):
    z = {k: assessed[f"z_{k}"].to_numpy() for k in DEFAULT_WEIGHTS}
    expected = sum((-1 if k == "camera_overlap" else 1) * w * z[k]
                   for k, w in DEFAULT_WEIGHTS.items())
    np.testing.assert_allclose(assessed["score"], expected, atol=1e-6)
    np.testing.assert_allclose(z["density"], standardise(assessed["per_1000m2_2024"]))
    assert standardise([3.0]).tolist() == [0.0]
    assert standardise([2.0, 2.0]).tolist() == [0.0, 0.0]


def test_single_candidate_and_weights_without_density(analysed):
    result, _ = analysed
    one = assess(result, _candidates(**{"Alleen": P_BOX}))
    assert one["rank"].tolist() == [1]
    assert one["score"].tolist() == [0.0]
    with pytest.raises(ConfigError, match="unknown weight 'dichtheid'"):
        assess(result, _candidates(**{"Alleen": P_BOX}), weights={"dichtheid": 1})
    with pytest.raises(ConfigError, match="ring_m"):
        assess(result, _candidates(**{"Alleen": P_BOX}), ring_m=0)


# -- reading candidates -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def outline(analysed):
    return analysed[0].boundaries.outline


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


def _write_geojson(path, features, crs=None):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _feature(geom, **props):
    return {"type": "Feature", "properties": props,
            "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None}


RD_URN = "urn:ogc:def:crs:EPSG::28992"


def test_names_from_naam_column_blank_names_and_duplicates(tmp_path, outline):
    path = _write_geojson(tmp_path / "k.geojson", [
        _feature(P_BOX, naam="Plein"), _feature(OTHER_BOX, naam="  "),
        _feature(QUIET_BOX, naam="Plein")], crs=RD_URN)
    assert read_candidates(path, outline)["name"].tolist() == ["Plein", "kandidaat 2",
                                                              "Plein (2)"]
    with pytest.raises(InputError, match=r"k\.geojson: the name column 'titel' is not in"):
        read_candidates(path, outline, name_column="titel")


def test_points_instead_of_polygons_name_the_file_and_feature(tmp_path, outline):
    path = _write_geojson(tmp_path / "punten.geojson", [
        _feature(P_BOX, name="Goed"), _feature(shapely.Point(P_CENTRE), name="Cafe")],
        crs=RD_URN)
    with pytest.raises(InputError, match=r"punten\.geojson: candidate 'Cafe' \(feature 2\) is "
                                         r"a Point, not a polygon"):
        read_candidates(path, outline)


def test_feature_without_geometry(tmp_path, outline):
    path = _write_geojson(tmp_path / "leeg.geojson", [_feature(None, name="Niets")],
                          crs=RD_URN)
    with pytest.raises(InputError, match=r"candidate 'Niets' \(feature 1\) has no geometry"):
        read_candidates(path, outline)


def test_geojson_without_crs_in_rd_metres_is_read_as_rd_with_a_warning(tmp_path, outline):
    path = _write_geojson(tmp_path / "rd.geojson", [_feature(P_BOX, name="P")])
    with pytest.warns(HotspotkaartWarning, match="coordinates are RD New metres"):
        candidates = read_candidates(path, outline)
    assert candidates.geometry.iloc[0].equals(P_BOX)


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
    path = _write_geojson(tmp_path / "k.geojson", [
        _feature(P_BOX, name="Goed"), _feature(box(90000, 440000, 90300, 440300),
                                               name="Rotterdam")], crs=RD_URN)
    with pytest.raises(InputError, match=r"k\.geojson: candidate 'Rotterdam' \(feature 2\) "
                                         r"lies outside Dordrecht"):
        read_candidates(path, outline, area_name="Dordrecht")


def test_self_intersecting_polygon_is_repaired_with_a_warning(tmp_path, outline):
    x, y = P_CENTRE
    bowtie = shapely.Polygon([(x - 100, y - 100), (x + 100, y + 100), (x + 100, y - 100),
                              (x - 100, y + 100)])
    assert not bowtie.is_valid
    path = _write_geojson(tmp_path / "k.geojson", [_feature(bowtie, name="Vlinder")],
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


# -- suggestions ------------------------------------------------------------------------------


def test_suggest_proposes_the_planted_cluster_outside_the_camera_area(analysed):
    result, _ = analysed
    proposals = suggest(result)
    assert len(proposals) >= 1
    assert proposals["name"].iloc[0] == "voorstel 1"
    first = proposals.geometry.iloc[0]
    assert first.contains(shapely.Point(P_CENTRE))
    assert first.area < 300_000  # compact: at most ~ 30 ha
    for geom in proposals.geometry:
        assert geom.intersection(CAMERA_ZONE).area < 1.0
        assert not geom.contains(shapely.Point(CAMERA_CENTRE))
    table = assess(result, proposals)
    assert table.loc[0, "camera_overlap_pct"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc[0, "cells_blijvend"] >= 4


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
])
def test_camera_settings_are_validated(tmp_path, table, match):
    with pytest.raises(ConfigError, match=match):
        parse_camera_settings(table, tmp_path / "hotspotkaart.toml")


def test_camera_settings_defaults_and_values(project):
    _, settings = load_camera_config(project["config_path"])
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
    from hotspotkaart.camera import ExtraPointSource

    source = ExtraPointSource(name="horeca", slug="horeca", path=tmp_path / "h.geojson")
    with pytest.raises(InputError, match=r"h\.geojson: feature 1 is a Polygon, not a point"):
        read_points(source)


def test_page_names_are_unique_and_safe():
    assert page_names(["Voorstel 1", "rapport", INJECTION, "Voorstel 1", "../../etc"]) == [
        "voorstel-1.html", "rapport-gebied.html", "img-src-x-onerror-alert-1.html",
        "voorstel-1-2.html", "etc.html"]


# -- the run and its outputs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(project):
    folder = project["folder"]
    candidates = _write_geojson(folder / "kandidaten.geojson", [
        _feature(P_BOX, naam="Cluster P"), _feature(INSIDE_CAMERA, naam="Binnen camera"),
        _feature(QUIET_BOX, naam="Leeg"), _feature(OTHER_BOX, naam=INJECTION)], crs=RD_URN)
    config, settings = load_camera_config(project["config_path"])
    out = folder / "out"
    paths = run_camera(config, candidates, out, suggest=True, settings=settings)
    return out / "camera", paths


def test_run_writes_pages_csv_and_report(written):
    folder, paths = written
    names = sorted(p.name for p in paths)
    assert {"kandidaten.csv", "kandidaten.gpkg", "rapport.html", "cluster-p.html",
            "binnen-camera.html", "leeg.html", "img-src-x-onerror-alert-1.html",
            "voorstel-1.html"} <= set(names)
    assert all(p.parent == folder and p.exists() for p in paths)
    table = pd.read_csv(folder / "kandidaten.csv", sep=";")
    assert list(table.columns[:3]) == ["name", "rank", "score"]
    for column in ("count_2023", "count_2024", "camera_overlap_pct", "horeca_inside",
                   "ring_2024", "cells_blijvend", "share_city_persistent_pct", "q_value"):
        assert column in table.columns
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table.loc[table["name"] == "Binnen camera", "camera_overlap_pct"].item() == 100
    assert set(table["source"]) == {"bestand", "voorstel"}
    assert INJECTION in table["name"].tolist()
    layer = gpd.read_file(folder / "kandidaten.gpkg", layer="kandidaten")
    assert layer.crs.to_epsg() == 28992
    assert len(layer) == len(table)
    assert not list(folder.parent.glob(".hotspotkaart-staging-*"))


def test_pages_are_self_contained_and_escape_names(written):
    folder, paths = written
    for path in paths:
        if path.suffix != ".html":
            continue
        text = path.read_text(encoding="utf-8")
        assert external_references(text) == [], path
        assert INJECTION not in text, path
    report = (folder / "rapport.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in report
    assert "<script" not in report
    for needle in ("Let op: demonstratiedata", "151c Gemeentewet", "noodzakelijk",
                   "Generalisatie van grenzen", "50 tot 150 m", "Kleine aantallen",
                   "Te weinig meldingen", "score = 1 × z(dichtheid)", "z(al onder camera)",
                   "voortzetting"):
        assert needle in report, needle


def test_rapport_in_the_browser(written, open_map):
    folder, _ = written
    page = open_map(folder / "rapport.html", viewport=(1000, 1300))
    headings = page.page.locator("section.candidate h2").all_inner_texts()
    assert any(INJECTION in h for h in headings)
    assert headings[0] == "1. Cluster P"
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.evaluate("() => document.querySelectorAll('svg.sketch').length") == len(headings)
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.dialogs == []
    page.screenshot("camera-rapport", full_page=True)


def test_candidate_page_in_the_browser(written, open_map):
    folder, _ = written
    for name, shot in (("img-src-x-onerror-alert-1.html", "camera-kandidaat-injectie"),
                       ("binnen-camera.html", "camera-kandidaat-bestaand"),
                       ("cluster-p.html", "camera-kandidaat")):
        page = open_map(folder / name)
        info = page.page.locator(".hk-info").inner_text()
        assert "Kandidaat cameragebied" in info
        if shot.endswith("injectie"):
            assert INJECTION in info
            assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
            assert INJECTION in page.page.title()
        elif shot == "camera-kandidaat":
            assert "Rang 1 van" in info
            figures = page.page.locator(".hk-keyfigures").first.inner_text()
            assert "Meldingen in het gebied" in figures
        labels = " ".join(page.page.locator(".leaflet-control-layers label").all_inner_texts())
        for expected in ("Kandidaatgebied", "Ring van 200 m", "Cameratoezicht", "Hot spots"):
            assert expected in labels
        assert page.console_errors == []
        assert page.blocked_requests == []
        assert page.dialogs == []
        page.screenshot(shot)


# -- command line -----------------------------------------------------------------------------


def _parser():
    parser = argparse.ArgumentParser(prog="hotspotkaart")
    add_camera_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def test_parser_options():
    args = _parser().parse_args(["camera", "k.geojson", "--suggest", "--ring", "150", "-c",
                                 "x.toml", "--out", "uit"])
    assert args.candidates == Path("k.geojson")
    assert args.suggest
    assert args.ring == 150.0
    assert args.config == Path("x.toml")
    assert args.out == Path("uit")
    assert _parser().parse_args(["camera", "--suggest"]).candidates is None


def test_cli_user_errors_exit_two(project, capsys):
    assert cli.main(["camera", "-c", str(project["config_path"])]) == 2
    assert "CANDIDATES" in capsys.readouterr().err
    assert cli.main(["camera", "--suggest", "--ring", "0", "-c",
                     str(project["config_path"])]) == 2
    assert "--ring = 0.0 must be a number of metres" in capsys.readouterr().err


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """``hotspotkaart camera --suggest`` on the embedded Dordrecht default, once."""
    out = tmp_path_factory.mktemp("embedded-camera")
    code = cli.main(["camera", "--suggest", "--config", str(REPO_ROOT / "hotspotkaart.toml"),
                     "--out", str(out), "--quiet"])
    assert code == 0
    return out / "camera"


def test_embedded_default_with_suggest(embedded):
    table = pd.read_csv(embedded / "kandidaten.csv", sep=";")
    assert 1 <= len(table) <= 10
    assert table["name"].str.startswith("voorstel ").all()
    assert (table["camera_overlap_pct"] < 50).all()
    assert table["area_m2"].max() < 400_000
    assert table["name"].tolist() == [f"voorstel {i}" for i in range(1, len(table) + 1)]
    assert (table["cells_blijvend"] + table["cells_nieuw"] > 0).all()
    report = (embedded / "rapport.html").read_text(encoding="utf-8")
    assert "Let op: demonstratiedata" in report
    assert len(list(embedded.glob("voorstel-*.html"))) == len(table)
