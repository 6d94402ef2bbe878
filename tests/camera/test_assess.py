"""Camera-area assessment (issue 5): known answers on hand-made candidates over a small project.

The project uses the real Dordrecht buurten with synthetic meldingen: a uniform background, a
planted persistent cluster P (both years) outside every camera area, a smaller persistent
cluster inside an existing camera zone, and a quiet spot without any melding
(:mod:`tests.helpers.camera_project`). Reading the inputs is tested in
``tests/camera/test_inputs.py``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart._errors import ConfigError
from hotspotkaart.camera.assess import STATUS_EXISTING, STATUS_NEW, assess, standardise, suggest
from hotspotkaart.camera.inputs import read_points
from hotspotkaart.camera.report import page_names
from hotspotkaart.camera.run import run_camera
from hotspotkaart.cli import main as cli
from hotspotkaart.cli.camera import add_camera_parser
from hotspotkaart.config.camera import DEFAULT_WEIGHTS
from hotspotkaart.config.settings import load_config
from hotspotkaart.maps.offline import external_references
from hotspotkaart.pipeline import analyse
from tests.helpers.camera_project import (
    CAMERA_CENTRE,
    CAMERA_ZONE,
    INJECTION,
    INSIDE_CAMERA,
    OTHER_BOX,
    P_BOX,
    P_CENTRE,
    QUIET_BOX,
    RD_URN,
    RING_M,
    feature,
    write_geojson,
    write_project,
)
from tests.helpers.project import REPO_ROOT


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Config, meldingen and layers of the small project; ``[camera]`` with a horeca layer."""
    return write_project(tmp_path_factory.mktemp("camera-project"))


@pytest.fixture(scope="module")
def analysed(project):
    config = load_config(project["config_path"])
    settings = config.camera
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
    from hotspotkaart.stats.change import change_test, fdr

    p0 = 366 / (365 + 366)  # the days of 2024 and 2023
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


def test_page_names_are_unique_and_safe():
    assert page_names(["Voorstel 1", "rapport", INJECTION, "Voorstel 1", "../../etc"]) == [
        "voorstel-1.html", "rapport-kandidaat.html", "img-src-x-onerror-alert-1.html",
        "voorstel-1-2.html", "etc.html"]


# -- the run and its outputs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def written(project):
    folder = project["folder"]
    candidates = write_geojson(folder / "kandidaten.geojson", [
        feature(P_BOX, naam="Cluster P"), feature(INSIDE_CAMERA, naam="Binnen camera"),
        feature(QUIET_BOX, naam="Leeg"), feature(OTHER_BOX, naam=INJECTION)], crs=RD_URN)
    config = load_config(project["config_path"])
    settings = config.camera
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
    # the suggestion is the compact hot core of cluster P (its 5 hot cells): the same meldingen on
    # half the area, so it ranks above the drawn box
    assert headings[:2] == ["1. voorstel 1", "2. Cluster P"]
    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => document.scripts.length") == 0
    assert page.evaluate("() => document.querySelectorAll('svg.sketch').length") == len(headings)
    # every candidate's months and hour x weekday chart: does a camera watch the hours that matter?
    charts = page.evaluate("""() => [...document.querySelectorAll('section.candidate')].map(s =>
      [[...s.querySelectorAll('svg.hk-chart')].map(svg => svg.getAttribute('class')),
       s.innerText])""")
    assert len(charts) == len(headings)
    table = pd.read_csv(folder / "kandidaten.csv", sep=";").sort_values("rank")
    meldingen = (table["count_2023"] + table["count_2024"]).tolist()
    assert [bool(kinds) for kinds, _ in charts] == [n > 0 for n in meldingen]
    for kinds, text in (c for c in charts if c[0]):  # the test project's meldingen have dates only
        assert any("hk-chart-line" in k for k in kinds), kinds
        assert "Geen meldingen met een tijdstip" in text
    assert page.console_errors == []
    assert page.blocked_requests == []
    assert page.dialogs == []
    page.screenshot("camera-rapport", full_page=True)


def test_rapport_fits_a_phone(written, open_map):
    folder, _ = written
    phone = open_map(folder / "rapport.html", viewport=(360, 740))
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, "
                            "document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]  # tables scroll in their own box, the sketch shrinks
    assert phone.console_errors == []


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
            assert "Rang 2 van" in info  # below its own hot core, the suggestion
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
    # the demo's meldingen have times: every candidate's hours and weekdays are drawn
    assert report.count('class="hk-chart hk-chart-heat"') >= 2 * len(table)  # both years
    assert len(list(embedded.glob("voorstel-*.html"))) == len(table)


def test_candidate_pages_show_when_its_meldingen_happen(written):
    folder, _paths = written
    page = (folder / "cluster-p.html").read_text(encoding="utf-8")
    assert "hk-chart-figure-line" in page  # its months
    assert "hk-chart-figure-heat" in page  # the hours a camera would watch: here, the project's
    assert "Geen meldingen met een tijdstip" in page  # meldingen carry a date only, so it says so
    empty = (folder / "leeg.html").read_text(encoding="utf-8")
    assert "hk-chart-figure" not in empty  # no meldingen, no charts
