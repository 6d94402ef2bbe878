"""End-to-end tests of ``build`` on a small realistic project written into tmp_path."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from functools import partial

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest

from hotspotkaart import pipeline
from hotspotkaart._errors import ConfigError, HotspotkaartWarning, OutputError
from hotspotkaart.config.settings import load_config
from hotspotkaart.engine import run
from hotspotkaart.io import export, workbook
from hotspotkaart.maps.offline import external_references
from hotspotkaart.pipeline import analyse, build
from hotspotkaart.runtime import parallel
from hotspotkaart.runtime.parallel import WarmProcess
from hotspotkaart.stats.testing import PRELOAD, run_statistics
from tests.helpers.patterns import coverage, uniform_points, write_project
from tests.helpers.periods import spread
from tests.helpers.project import CATEGORIES, incident_section, interior_points, write_config

INJECTION = "<img src=x onerror=alert(1)>"


@pytest.fixture
def project(tmp_path):
    """120 good meldingen over the real buurten, 4 bad ones, one zone and one location."""
    points = interior_points(120, seed=3)
    rows = ["id;datum;soort;x;y"]
    for i, p in enumerate(points):
        year = 2023 + i % 2
        category = {5: INJECTION, 7: "Overlast café"}.get(i, CATEGORIES[i % 3])
        rows.append(f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{year} 2{i % 4}:1{i % 6};"
                    f"{category};{p.x:.1f};{p.y:.1f}".replace(".", ","))
    rows += ["B1;31-02-2024;Jeugd;105000;425000", "B2;01-01-2021;Jeugd;105000;425000",
             "B3;01-05-2024;Jeugd;90000;425000", "M0;01-05-2024;Jeugd;105000;425000"]
    (tmp_path / "m.csv").write_bytes("\r\n".join(rows).encode("cp1252") + b"\r\n")
    square = points.iloc[0].buffer(300, cap_style="square")
    zones = gpd.GeoDataFrame({"naam": [f"Centrum {INJECTION}"], "geldig_vanaf": ["2023-01-01"],
                              "geldig_tot": [None]}, geometry=[square], crs="EPSG:28992")
    zones.to_file(tmp_path / "camera.geojson")
    locations = gpd.GeoDataFrame({"naam": ["Plein", INJECTION], "jaar": [2023, 2024],
                                  "status": ["blijvend", "nieuw"]},
                                 geometry=[points.iloc[1], points.iloc[2]], crs="EPSG:28992")
    locations.to_file(tmp_path / "locaties.geojson")
    extra = """
[[zones]]
kind = "cameratoezicht"
path = "camera.geojson"
name = "naam"
valid_from = "geldig_vanaf"
valid_to = "geldig_tot"

[[locations]]
path = "locaties.geojson"
"""
    return write_config(tmp_path, incidents=incident_section("m.csv"), extra=extra)


def test_build_writes_every_output_and_accounts_for_every_record(project, tmp_path):
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        result = build(load_config(project), out)
    names = sorted(p.name for p in out.iterdir())
    assert names == [".hotspotkaart-outputs.json", "buurten.csv", "grid.csv",
                     "hotspotkaart.gpkg", "hotspotkaart.xlsx", "hottijden.csv", "index.html",
                     "maanden.csv", "overzicht.html", "rejected.csv", "summary.json",
                     "tijden.csv", "tijdprofiel.csv", "veldkaart.html", "vergelijking.html",
                     "wijken", "wijken.csv", "zones.csv"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    incidents = summary["incidents"]
    book = openpyxl.load_workbook(out / "hotspotkaart.xlsx", read_only=True)
    for sheet in ("buurten", "wijken", "grid", "zones", "tijden", "maanden", "hottijden",
                  "tijdprofiel", "rejected"):  # the CSVs, row for row
        table = pd.read_csv(out / f"{sheet}.csv", sep=";", dtype=str, keep_default_na=False)
        rows = list(book[sheet].iter_rows(values_only=True))
        assert list(rows[0]) == list(table.columns)
        assert len(rows) - 1 == len(table)
    assert incidents["read"] == 124
    assert incidents["read"] == incidents["used"] + incidents["rejected"]
    assert incidents["used"] == 120
    assert incidents["rejected_by_reason"] == {
        "buiten de gemeente": 1, "datum bestaat niet": 1, "datum buiten beide perioden": 1,
        "dubbele melding-id": 1}
    assert summary["per_period"] == {"2023": 60, "2024": 60}
    assert sum(v["2023"] + v["2024"] for v in summary["per_category"].values()) == 120
    assert summary["zones"]["used"] == 1
    assert summary["method"]["fdr_q"] == 0.05
    rejected = pd.read_csv(out / "rejected.csv", sep=";", dtype=str)
    assert rejected["row"].astype(int).tolist() == [122, 123, 124, 125]
    assert set(rejected.columns[:5]) == {"kind", "source", "row", "reason", "detail"}
    buurten = pd.read_csv(out / "buurten.csv", sep=";")
    assert len(buurten) == 132
    assert buurten["count_2023"].sum() == 60
    assert buurten["count_2024"].sum() == 60
    assert {"buurtcode", "buurtnaam", "wijkcode", "count_2023_jeugd", "diff"} <= set(buurten)
    assert out / "overzicht.html" in result.outputs
    assert out / "wijken" / "WK050501.html" in result.outputs
    assert summary["method"]["cell_size_m"] == 100
    assert summary["method"]["dispersion"]["source"] in {"estimated", "too few buurten"}
    assert summary["method"]["dispersion"]["applied"] >= 1
    grid = pd.read_csv(out / "grid.csv", sep=";")
    assert {"cell_id", "gi_class_2023", "gi_class_2024", "transition",
            "change_class"} <= set(grid.columns)
    zones = pd.read_csv(out / "zones.csv", sep=";")
    assert zones["inside_2023"].sum() + zones["inside_2024"].sum() > 0


def test_geopackage_layers_are_readable(project, tmp_path):
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    layers = dict(pyogrio.list_layers(out / "hotspotkaart.gpkg"))
    assert {"buurten", "wijken", "grid", "zones", "incidents"} <= set(layers)
    incidents = gpd.read_file(out / "hotspotkaart.gpkg", layer="incidents")
    assert incidents.crs.to_epsg() == 28992
    assert len(incidents) == 120
    for column in ("source", "row", "date", "period", "category", "buurtcode", "wijkcode",
                   "in_cameratoezicht", "in_alcoholverbod", "in_veiligheidsrisicogebied"):
        assert column in incidents.columns
    assert incidents["in_cameratoezicht"].any()
    buurten = gpd.read_file(out / "hotspotkaart.gpkg", layer="buurten")
    assert len(buurten) == 132
    assert buurten.crs.to_epsg() == 28992


def test_map_is_self_contained_and_escapes_input_text(project, tmp_path):
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    html = (out / "overzicht.html").read_text(encoding="utf-8")
    assert external_references(html) == []
    assert INJECTION not in html
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # escaped, then JSON
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html


def test_failed_write_leaves_previous_outputs_and_no_temp_files(project, tmp_path,
                                                                 monkeypatch):
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(path, page):
        msg = "disk full"
        raise OutputError(msg)

    monkeypatch.setattr("hotspotkaart.pipeline.write_html", broken)
    with (pytest.raises(OutputError, match="disk full"),
          pytest.warns(HotspotkaartWarning, match="cp1252")):
        build(load_config(project), out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob(".hotspotkaart-staging-*"))


def test_stale_staging_folder_is_removed(tmp_path):
    out = tmp_path / "maps"
    stale = tmp_path / ".hotspotkaart-staging-maps-999999999-abc"  # no such process
    stale.mkdir()
    (stale / "summary.json").write_text("{}")
    with export.staged_outputs(out) as staging:
        staging.path("a.txt").write_text("x")
    assert not stale.exists()
    assert (out / "a.txt").read_text() == "x"


def test_analyse_writes_nothing_and_does_not_depend_on_row_order(project, tmp_path):
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        first = analyse(load_config(project))
    assert not (tmp_path / "maps").exists()
    csv = tmp_path / "m.csv"
    lines = csv.read_bytes().split(b"\r\n")
    # without the duplicate id, whose first occurrence wins by definition
    body = [line for line in lines[1:] if line and not line.startswith(b"M0;01-05-2024")]
    csv.write_bytes(b"\r\n".join([lines[0], *reversed(body)]) + b"\r\n")
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        second = analyse(load_config(project))
    columns = ["buurtcode", "count_2023", "count_2024"]
    pd.testing.assert_frame_equal(pd.DataFrame(first.buurten[columns]),
                                  pd.DataFrame(second.buurten[columns]))


def test_build_sets_up_the_reprojection_of_its_pages_while_the_tests_run(project, tmp_path,
                                                                        monkeypatch):
    # the page workers fork after the tests and inherit it; check, which draws no map, does not
    steps: list[str] = []
    tests = pipeline.run_statistics

    def noted_tests(*args, **kwargs):
        steps.append("tests")
        return tests(*args, **kwargs)

    monkeypatch.setattr(pipeline, "prepare_reprojection", lambda: steps.append("reprojection"))
    monkeypatch.setattr(pipeline, "run_statistics", noted_tests)
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        analyse(load_config(project))
    assert steps == ["tests"]
    steps.clear()
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), tmp_path / "out")  # no warm process: in this one, first
    assert steps == ["reprojection", "tests"]


@pytest.mark.skipif(not parallel._can_fork(), reason="needs the fork start method")
@pytest.mark.parametrize("limit", [0, 10**9])
def test_tests_of_large_count_tables_run_in_the_builds_process(project, tmp_path, monkeypatch,
                                                               limit):
    # their results would come back by pickle: dearer than the warm process's imports save
    noted = tmp_path / "pid"
    monkeypatch.setattr(pipeline, "run_statistics", partial(_tests_noting_pid, noted))
    monkeypatch.setattr(pipeline, "SHIPPED_ROWS", limit)
    with WarmProcess([], workers=2) as statistics, pytest.warns(HotspotkaartWarning):
        result = analyse(load_config(project), statistics=statistics)
    assert result.buurten["count_2023"].sum() > 0
    assert (noted.read_text() == str(os.getpid())) == (limit == 0)


def _tests_noting_pid(path, *args, **kwargs):
    path.write_text(str(os.getpid()))
    return run_statistics(*args, **kwargs)


@pytest.mark.skipif(not parallel._can_fork(), reason="needs the fork start method")
def test_workers_and_a_warm_process_do_not_change_any_output(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    text = project.read_text(encoding="utf-8")
    outputs: dict[str, dict] = {}
    for workers, warm in ((1, False), (2, False), (2, True)):
        project.write_text(f"{text}\n[engine]\nworkers = {workers}\n", encoding="utf-8")
        name = f"{workers}{' warm' if warm else ''}"
        out = tmp_path / name.replace(" ", "_")
        with (WarmProcess(PRELOAD if warm else [], workers) as statistics,
              pytest.warns(HotspotkaartWarning, match="cp1252")):
            result = build(load_config(project), out, statistics=statistics if warm else None)
        outputs[name] = {p.relative_to(out): p for p in result.outputs}
    serial_outputs = outputs.pop("1")
    assert "wijken" in {p.parts[0] for p in serial_outputs}
    for variant, other in outputs.items():
        assert list(serial_outputs) == list(other), variant  # the same files, in the same order
        for name, serial in serial_outputs.items():
            forked = other[name]
            if name.suffix == ".gpkg":
                for layer in pyogrio.list_layers(serial)[:, 0]:
                    pd.testing.assert_frame_equal(pyogrio.read_dataframe(serial, layer=layer),
                                                  pyogrio.read_dataframe(forked, layer=layer))
            elif name.suffix == ".html":  # folium's element ids are random
                assert _ids.sub("ID", serial.read_text()) == _ids.sub("ID", forked.read_text())
            else:
                assert serial.read_bytes() == forked.read_bytes(), (variant, name)


_ids = re.compile(r"[0-9a-f]{32}")


def _pairs(events: list[pipeline.StageEvent]) -> list[tuple[str, str]]:
    return [(event.name, event.phase) for event in events]


def test_build_reports_every_stage_start_and_end_in_order(project, tmp_path, caplog):
    events: list[pipeline.StageEvent] = []
    caplog.set_level(logging.DEBUG, logger="hotspotkaart.pipeline")
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), tmp_path / "out", on_stage=events.append)
    assert pipeline.STAGES == ("read", "join", "test", "maps", "write")
    assert _pairs(events) == [(name, phase) for name in pipeline.STAGES
                              for phase in ("start", "end")]
    assert all(event.seconds is None for event in events if event.phase == "start")
    ends = [event.seconds for event in events if event.phase == "end"]
    assert all(seconds is not None and seconds >= 0 for seconds in ends)
    logged = [record.getMessage() for record in caplog.records
              if record.name == "hotspotkaart.pipeline" and record.message.startswith("stage ")]
    assert [message.split(":")[0] for message in logged] == [
        f"stage {name}" for name in pipeline.STAGES for _ in range(2)]
    assert all(record.levelno == logging.DEBUG for record in caplog.records
               if record.getMessage().startswith("stage "))
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[0].phase = "end"  # type: ignore[misc]


def test_analyse_reports_the_stages_it_runs(project):
    events: list[pipeline.StageEvent] = []
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        analyse(load_config(project), on_stage=events.append)
    assert _pairs(events) == [(name, phase) for name in ("read", "join", "test")
                              for phase in ("start", "end")]


@pytest.mark.filterwarnings("ignore::hotspotkaart._errors.HotspotkaartWarning")
@pytest.mark.parametrize(("patched", "failing"), [("write_html", "maps"),
                                                  ("write_json", "write"),
                                                  ("read_zones", "read")])
def test_a_failing_stage_reports_failed_and_nothing_after_it(project, tmp_path, monkeypatch,
                                                             caplog, patched, failing):
    def broken(*args, **kwargs):
        msg = "disk full"
        raise OutputError(msg)

    monkeypatch.setattr(pipeline, patched, broken)
    events: list[pipeline.StageEvent] = []
    caplog.set_level(logging.DEBUG, logger="hotspotkaart.pipeline")
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="disk full"):
        build(load_config(project), out, on_stage=events.append)
    before = pipeline.STAGES[:pipeline.STAGES.index(failing)]
    assert _pairs(events) == [*((name, phase) for name in before for phase in ("start", "end")),
                              (failing, "start"), (failing, "failed")]
    assert events[-1].seconds is not None
    assert events[-1].seconds >= 0
    assert f"stage {failing}: failed after" in caplog.text
    assert not out.exists() or not any(out.iterdir())  # nothing put in place


def test_too_fine_a_grid_is_refused_before_the_meldingen_are_read(project, tmp_path,
                                                                 monkeypatch):
    text = project.read_text(encoding="utf-8").replace("[periods]",
                                                       "[analysis]\ncell_size = 10\n\n[periods]")
    project.write_text(text, encoding="utf-8")
    read: list[object] = []
    monkeypatch.setattr(run, "iter_incidents", lambda *args: read.append(args))
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=(rf"^{re.escape(str(project))}: \[analysis\] cell_size "
                                           r"= 10 would lay about .* set cell_size to 15 "
                                           r"metres or more$")):
        build(load_config(project), out)
    assert read == []
    assert not out.exists()


def test_a_large_grid_lists_its_active_cells_in_the_workbook(project, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "LONG_SHEET", 1000)
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    grid = pd.read_csv(out / "grid.csv", sep=";", dtype={"cell_id": str})
    active = grid[(grid["window_2023"] > 0) | (grid["window_2024"] > 0)]
    assert 0 < len(active) < 1000 < len(grid)
    book = openpyxl.load_workbook(out / "hotspotkaart.xlsx", read_only=True)
    rows = list(book["grid"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == active["cell_id"].tolist()
    notes = [row[0] for row in book["toelichting"].iter_rows(values_only=True) if row[0]]
    total = f"{len(grid):,}".replace(",", ".")
    assert (f"Blad grid: de {len(active)} van de {total} rijen, de cellen met een melding in "
            "hun venster (3 × 3); alle rijen staan in grid.csv." in notes)
    hot = grid[grid["gi_class_2024"].str.startswith("hot spot")]
    assert set(hot["cell_id"]) <= set(active["cell_id"])


def test_long_time_sheets_list_their_findings_in_the_workbook(project, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "LONG_SHEET", 1000)
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    table = pd.read_csv(out / "hottijden.csv", sep=";", dtype={"area_code": str},
                        keep_default_na=False)
    hot = table[table["hot"]]
    assert 0 < len(hot) < 1000 < len(table)
    book = openpyxl.load_workbook(out / "hotspotkaart.xlsx", read_only=True)
    rows = list(book["hottijden"].iter_rows(values_only=True))
    assert rows[0][:4] == ("area_type", "area_code", "gemeentecode", "period")
    listed = [(r[0], r[1] or "", r[2], r[3], r[4], r[5]) for r in rows[1:]]
    assert listed == list(hot[["area_type", "area_code", "gemeentecode", "period", "weekday",
                               "hour_from"]].itertuples(index=False, name=None))
    assert all(r[-1] is True for r in rows[1:])
    notes = [row[0] for row in book["toelichting"].iter_rows(values_only=True) if row[0]]
    total = f"{len(table):,}".replace(",", ".")
    assert (f"Blad hottijden: de {len(hot)} van de {total} rijen, de hete blokken (hot = True); "
            "alle rijen staan in hottijden.csv." in notes)


def test_long_time_and_month_sheets_keep_the_city_and_the_wijken(project, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setattr(workbook, "LONG_SHEET", 200)
    out = tmp_path / "out"
    with pytest.warns(HotspotkaartWarning, match="cp1252"):
        build(load_config(project), out)
    book = openpyxl.load_workbook(out / "hotspotkaart.xlsx", read_only=True)
    times, months = (pd.read_csv(out / f"{name}.csv", sep=";", dtype={"area_code": str},
                                 keep_default_na=False) for name in ("tijden", "maanden"))
    levels = ["stad", "wijk"]
    for name, table, kept in (
            ("tijden", times, times[times["area_type"].isin(levels) & (times["category"] == "")]),
            ("maanden", months, months[months["area_type"].isin(levels)])):
        assert 0 < len(kept) < len(table)
        assert len(table) > workbook.LONG_SHEET
        rows = list(book[name].iter_rows(values_only=True))
        assert [(r[0], r[1] or "") for r in rows[1:]] == list(
            kept[["area_type", "area_code"]].itertuples(index=False, name=None))


# -- periods that are not calendar years --------------------------------------------------------

JULY_PERIODS = ('base = { from = 2023-07-01, to = 2024-06-30 }\n'
                'compare = { from = "2024-07-01", to = "2025-06-30" }')


def test_a_build_over_july_to_june_periods_adds_up(tmp_path):
    rng = np.random.default_rng(7)
    area = coverage("built", 7)
    frames = [spread(rng, uniform_points(rng, area, 1500), "2023-07-01", "2024-06-30"),
              spread(rng, uniform_points(rng, area, 1700), "2024-07-01", "2025-06-30"),
              spread(rng, uniform_points(rng, area, 40), "2023-01-01", "2023-06-30"),
              spread(rng, uniform_points(rng, area, 30), "2025-07-01", "2025-09-30")]
    out = tmp_path / "out"
    build(load_config(write_project(tmp_path, frames, periods=JULY_PERIODS)), out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    counts = summary["incidents"]
    assert counts["read"] == counts["used"] + counts["rejected"]
    assert counts["rejected_by_reason"] == {"datum buiten beide perioden": 70}
    assert summary["per_period"] == {"2023": 1500, "2024": 1700}
    assert [p["label"] for p in summary["periods"]["all"]] == ["jul 2023–jun 2024",
                                                                "jul 2024–jun 2025"]
    assert {k: v["days"] for k, v in summary["method"]["coverage"].items()} == {
        "2023": 366, "2024": 365}
    assert summary["method"]["when"]["quarter_days"] == [92, 92, 91, 91, 92, 92, 90, 91]
    times = pd.read_csv(out / "tijden.csv", sep=";", keep_default_na=False)
    city = times[(times["area_type"] == "stad") & (times["category"] == "")]
    assert city.groupby("period")["count"].sum().to_dict() == {2023: 1500, 2024: 1700}
    months = pd.read_csv(out / "maanden.csv", sep=";", keep_default_na=False)
    city = months[(months["area_type"] == "stad") & (months["category"] == "")]
    assert city["month"].tolist() == [f"{m // 12}-{m % 12 + 1:02d}"
                                      for m in range(2023 * 12 + 6, 2025 * 12 + 6)]
    assert city["count"].iloc[:12].sum() == 1500
    assert city["count"].iloc[12:].sum() == 1700
    buurten = pd.read_csv(out / "buurten.csv", sep=";")
    assert (buurten["count_2023"].sum(), buurten["count_2024"].sum()) == (1500, 1700)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Overlastkaarten Dordrecht: jul 2023–jun 2024 en jul 2024–jun 2025" in index
    assert "jul 2023: " in index  # a month's tooltip names its own month and year
    assert "jun 2025: " in index
    overview = (out / "overzicht.html").read_text(encoding="utf-8")
    assert "Meldingen jul 2024\\u2013jun 2025 per buurt" in overview
    assert "Perioden: jul 2023\\u2013jun 2024 (01-07-2023 t/m 30-06-2024)" in overview  # stamp
