"""The dask engine gives the same tables, summary and rejections as the in-memory engine."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from hotspotkaart._errors import BuildError, ConfigError, HotspotkaartWarning
from hotspotkaart.config.settings import Config, EngineConfig, Period, Periods, load_config
from hotspotkaart.engine.counting import area_counts, sum_counts
from hotspotkaart.engine.grid import grid_counts
from hotspotkaart.engine.tables import count_incidents, sum_tables
from hotspotkaart.engine.zonecounts import sum_zone_counts, zone_counts
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.pipeline import BuildResult, analyse, build
from tests.helpers.incidents import as_points
from tests.helpers.project import (
    BUURTEN,
    CATEGORIES,
    REPO_ROOT,
    incident_section,
    interior_points,
    write_config,
)
from tests.helpers.timewindows import window_section, windowed_csv, windowed_rows

pytest.importorskip("dask_geopandas")

PERIODS = Periods(2023, 2024)


def _with_engine(config: Config, **engine: Any) -> Config:
    return dataclasses.replace(config, engine=EngineConfig(kind="dask", **engine))


def _assert_same(memory: BuildResult, dask: BuildResult) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(memory.buurten), pd.DataFrame(dask.buurten))
    pd.testing.assert_frame_equal(pd.DataFrame(memory.wijken), pd.DataFrame(dask.wijken))
    pd.testing.assert_frame_equal(pd.DataFrame(memory.grid.cells),
                                  pd.DataFrame(dask.grid.cells))
    pd.testing.assert_frame_equal(pd.DataFrame(memory.zone_stats),
                                  pd.DataFrame(dask.zone_stats))
    assert memory.timing is not None
    assert dask.timing is not None
    for name in ("times", "months", "hot_times", "profiles"):  # when overlast happens
        pd.testing.assert_frame_equal(getattr(memory.timing, name), getattr(dask.timing, name))
    assert json.dumps(memory.grid.concentration, sort_keys=True) == json.dumps(
        dask.grid.concentration, sort_keys=True)
    pd.testing.assert_frame_equal(memory.ledger.rejection_table(),
                                  dask.ledger.rejection_table())
    summary_memory = memory.summary
    summary_dask = dataclasses.replace(dask, generated_at=memory.generated_at).summary
    engine = summary_dask.pop("engine")
    assert engine["kind"] == "dask"
    assert "incidents" in engine["note"]
    assert "engine" not in summary_memory
    assert json.dumps(summary_memory, sort_keys=True) == json.dumps(summary_dask, sort_keys=True)
    counts = summary_dask["incidents"]
    assert counts["read"] == counts["used"] + counts["rejected"]


# -- a small realistic synthetic input -------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """About 6 000 meldingen in two exports, clustered, with edge cases of every kind.

    Meldingen outside the municipality, on shared buurt boundaries and on zone edges; dates in
    2022 (rejected) and on the first and last valid day of zones; zones starting inside the
    compare year, ending in the base year and without any dates; a rare category.
    """
    folder = tmp_path_factory.mktemp("synthetic")
    rng = np.random.default_rng(20261128)
    buurten = gpd.read_file(BUURTEN)
    x0, y0, x1, y1 = buurten.total_bounds
    centres = buurten.geometry.representative_point().sample(12, random_state=1)
    xs, ys = [], []
    for c in centres:
        n = int(rng.integers(100, 400))
        xs.append(rng.normal(c.x, 250, n))
        ys.append(rng.normal(c.y, 250, n))
    n_bg = 3000
    xs.append(rng.uniform(x0 - 1000, x1 + 1000, n_bg))  # some fall outside the municipality
    ys.append(rng.uniform(y0 - 1000, y1 + 1000, n_bg))
    vertices = shapely.get_coordinates(buurten.geometry.boundary.to_numpy())
    on_edge = vertices[rng.choice(len(vertices), 60, replace=False)]
    x = np.concatenate([*xs, on_edge[:, 0]])
    y = np.concatenate([*ys, on_edge[:, 1]])
    n = len(x)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 731, n), unit="D")
    days = days.where(rng.random(n) > 0.01, pd.Timestamp("2022-06-15"))
    special = pd.to_datetime(["2024-07-01", "2024-06-30", "2023-03-31", "2023-04-01"])
    pick = rng.random(n) < 0.05
    days = days.where(~pick, special[rng.integers(0, len(special), n)])
    hours = rng.integers(0, 24, n)
    cats = np.array([*CATEGORIES, "Vuurwerk"])[
        rng.choice(4, n, p=[0.45, 0.3, 0.24, 0.01])]

    zone_geoms = [centres.iloc[0].buffer(400, cap_style="square"),
                  centres.iloc[1].buffer(300),
                  centres.iloc[2].buffer(500, cap_style="square"),
                  centres.iloc[3].buffer(350)]
    zone_rows = [("cameratoezicht", "Camera A", "2023-01-01", None),
                 ("alcoholverbod", "Alcohol B", "2024-07-01", None),
                 ("veiligheidsrisicogebied", "VRG C", None, "2023-03-31"),
                 ("cameratoezicht", "Camera D", None, None)]
    # meldingen on the zone edges
    edge = shapely.get_coordinates(shapely.boundary(zone_geoms[0]))[:4]
    x = np.concatenate([x, edge[:, 0]])
    y = np.concatenate([y, edge[:, 1]])
    days = days.append(pd.DatetimeIndex(["2024-05-05"] * len(edge)))
    hours = np.concatenate([hours, np.zeros(len(edge), dtype=int)])
    cats = np.concatenate([cats, np.array(["Jeugd"] * len(edge))])

    lines = ["id;datum;soort;x;y"]
    for i in range(len(x)):
        date = f"{days[i]:%d-%m-%Y} {hours[i]:02d}:15"
        lines.append(f"M{i};{date};{cats[i]};{float(x[i])!r};{float(y[i])!r}".replace(".", ","))
    half = len(lines) // 2
    (folder / "a.csv").write_text("\r\n".join(lines[:half]) + "\r\n", encoding="utf-8")
    (folder / "b.csv").write_text("\r\n".join([lines[0], *lines[half:]]) + "\r\n",
                                  encoding="utf-8")
    for kind, geoms in (("cameratoezicht", [0, 3]), ("alcoholverbod", [1]),
                        ("veiligheidsrisicogebied", [2])):
        frame = gpd.GeoDataFrame(
            {"naam": [zone_rows[i][1] for i in geoms],
             "geldig_vanaf": [zone_rows[i][2] for i in geoms],
             "geldig_tot": [zone_rows[i][3] for i in geoms]},
            geometry=[zone_geoms[i] for i in geoms], crs="EPSG:28992")
        frame.to_file(folder / f"{kind}.geojson")
    zones = "".join(f"""
[[zones]]
kind = "{kind}"
path = "{kind}.geojson"
name = "naam"
valid_from = "geldig_vanaf"
valid_to = "geldig_tot"
""" for kind in ("cameratoezicht", "alcoholverbod", "veiligheidsrisicogebied"))
    incidents = incident_section("a.csv") + "\n" + incident_section("b.csv")
    path = write_config(folder, incidents=incidents, extra=zones)
    return load_config(path)


@pytest.fixture(scope="module")
def synthetic_memory(synthetic: Config) -> BuildResult:
    return analyse(synthetic)


def test_synthetic_input_has_the_edge_cases(synthetic_memory: BuildResult) -> None:
    summary = synthetic_memory.summary
    reasons = summary["incidents"]["rejected_by_reason"]
    assert reasons.get("buiten de gemeente", 0) > 100
    assert reasons.get("datum buiten beide perioden", 0) > 10
    assert "Vuurwerk" in summary["per_category"]
    zones = synthetic_memory.zone_stats.set_index("name")
    assert zones.loc["Alcohol B", "change_class_split"] is not None
    assert zones.loc["VRG C", "change_class"] == "niet vergelijkbaar"
    assert (zones["ring_2023"] + zones["ring_2024"] > 0).all()


@pytest.mark.parametrize(("engine", "expected_parts"), [
    ({"partitions": 5}, 5),
    ({"partitions": 3, "scheduler": "threads"}, 3),
    ({"partition_size": 1000}, None),
])
def test_dask_engine_matches_memory_on_synthetic_input(
        synthetic: Config, synthetic_memory: BuildResult, engine: dict[str, Any],
        expected_parts: int | None) -> None:
    result = analyse(_with_engine(synthetic, **engine))
    _assert_same(synthetic_memory, result)
    parts = result.summary["engine"]["partitions"]
    if expected_parts is None:  # one partition per 1000 candidates (read minus reader rejections)
        counts = synthetic_memory.summary["incidents"]
        candidates = counts["read"] - counts["rejected_by_reason"]["datum buiten beide perioden"]
        expected_parts = -(-candidates // 1000)
    assert parts == expected_parts
    assert result.summary["engine"]["chunks"] == 1
    assert result.incidents.empty
    assert list(result.incidents.columns) == list(synthetic_memory.incidents.columns)


def test_meldingen_read_in_chunks_match_memory(synthetic: Config,
                                               synthetic_memory: BuildResult) -> None:
    # about 6 000 records in two files: at least 1 000 candidates per chunk, each on 2 partitions
    result = analyse(_with_engine(synthetic, partitions=2, chunk_size=1000))
    _assert_same(synthetic_memory, result)
    engine = result.summary["engine"]
    assert engine["chunks"] >= 3
    assert engine["partitions"] == 2 * engine["chunks"]
    # the ledger keeps the fields of the rejected records only
    kept = sum(len(raw) for (kind, _), raw in result.ledger.raw.items() if kind == "incidents")
    assert kept == synthetic_memory.summary["incidents"]["rejected"]


def test_a_trend_year_flows_through_both_engines_alike(synthetic: Config) -> None:
    # the meldingen of 2022 (rejected without a trend) feed the trend's quarters only
    periods = Periods(2023, 2024, spans=tuple(Period.of_year(y) for y in (2022, 2023, 2024)))
    config = dataclasses.replace(synthetic, periods=periods)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)  # 2022 holds one day: "cut"
        memory = analyse(config)
        chunked = analyse(_with_engine(config, partitions=2, chunk_size=1000))
    summary = memory.summary
    assert summary["per_period"]["2022"] > 10
    assert "datum buiten beide perioden" not in summary["incidents"]["rejected_by_reason"]
    assert len(summary["method"]["when"]["quarter_days"]) == 12
    assert not any("2022" in column for column in memory.buurten.columns)
    _assert_same(memory, chunked)


def test_dask_build_leaves_out_the_incident_layer(synthetic: Config, tmp_path: Path) -> None:
    build(_with_engine(synthetic, partitions=2), tmp_path)
    layers = [name for name, _ in pyogrio.list_layers(tmp_path / "hotspotkaart.gpkg")]
    assert layers == ["buurten", "wijken", "grid", "zones", "layer_styles"]
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"]["partitions"] == 2
    assert "'incidents' is not written" in summary["engine"]["note"]


def test_dask_engine_matches_memory_on_the_embedded_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    config = load_config(REPO_ROOT / "hotspotkaart.toml")
    _assert_same(analyse(config), analyse(_with_engine(config, partitions=4,
                                                       scheduler="threads")))


# -- count tables add up ----------------------------------------------------------------------


def test_count_tables_of_parts_add_up_to_the_whole(synthetic_memory: BuildResult) -> None:
    incidents = as_points(synthetic_memory.incidents)
    parts = [incidents.iloc[:1000], incidents.iloc[1000:1001], incidents.iloc[1001:]]
    for key in ("buurtcode", "wijkcode"):
        whole = area_counts(incidents, key, PERIODS)
        summed = sum_counts([area_counts(p, key, PERIODS) for p in parts],
                            [key, "period", "category"])
        pd.testing.assert_frame_equal(whole, summed)
    whole = grid_counts(incidents, PERIODS, 100.0)
    summed = sum_counts([grid_counts(p, PERIODS, 100.0) for p in parts],
                        ["ix", "iy", "period", "category"])
    pd.testing.assert_frame_equal(whole, summed)
    zones = synthetic_memory.zones[["zone_id", "kind", "name", "valid_from", "valid_to",
                                    "geometry"]]
    analysis = synthetic_memory.config.analysis
    whole_z = zone_counts(incidents, zones, PERIODS, analysis)
    summed_z = sum_zone_counts([zone_counts(p, zones, PERIODS, analysis) for p in parts])
    pd.testing.assert_frame_equal(whole_z.days, summed_z.days)
    pd.testing.assert_frame_equal(whole_z.zones, summed_z.zones)


def test_empty_count_tables(synthetic_memory: BuildResult) -> None:
    empty = as_points(synthetic_memory.incidents.iloc[:0])
    assert area_counts(empty, "buurtcode", PERIODS).empty
    assert grid_counts(empty, PERIODS, 100.0).empty


# -- time windows ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A windowed export (some meldingen outside the municipality) and a plain one beside it."""
    folder = tmp_path_factory.mktemp("windowed")
    rows = windowed_rows(np.random.default_rng(1998), 1500)
    points = [(p.x, p.y) for p in interior_points(len(rows), seed=3)]
    points = [(x - 30_000, y) if i % 50 == 0 else (x, y) for i, (x, y) in enumerate(points)]
    (folder / "w.csv").write_text(windowed_csv(rows, points, CATEGORIES), encoding="utf-8")
    plain = ["id;datum;soort;x;y", *(f"P{i};{r.datum};Jeugd;{x:.1f};{y:.1f}" for i, (r, (x, y))
                                     in enumerate(zip(rows[:400], points[:400], strict=True)))]
    (folder / "p.csv").write_text("\n".join(plain) + "\n", encoding="utf-8")
    incidents = incident_section("p.csv") + "\n" + window_section("w.csv")
    return load_config(write_config(folder, incidents=incidents))


@pytest.fixture(scope="module")
def windowed_memory(windowed: Config) -> BuildResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)
        return analyse(windowed)


@pytest.mark.parametrize("engine", [{"partitions": 4, "scheduler": "threads"},
                                    {"partitions": 2, "chunk_size": 300}])
def test_dask_engine_matches_memory_with_time_windows(windowed: Config,
                                                      windowed_memory: BuildResult,
                                                      engine: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)
        result = analyse(_with_engine(windowed, **engine))
    _assert_same(windowed_memory, result)  # tijden with its fractions too, to the last bit
    assert windowed_memory.timing is not None
    assert windowed_memory.timing.times["count"].dtype == np.float64
    assert windowed_memory.summary["incidents"]["rejected_by_reason"]["buiten de gemeente"] > 0


def test_week_tables_of_windowed_parts_add_up_exactly(windowed_memory: BuildResult) -> None:
    incidents = as_points(windowed_memory.incidents)
    assert incidents["time_from"].notna().any()
    analysis = windowed_memory.config.analysis
    whole = count_incidents(incidents, windowed_memory.zones.iloc[:0], PERIODS, analysis)
    cuts = [0, 333, 334, 900, len(incidents)]
    parts = [count_incidents(incidents.iloc[a:b], windowed_memory.zones.iloc[:0], PERIODS,
                             analysis) for a, b in itertools.pairwise(cuts)]
    summed = sum_tables(parts)
    for name in ("weeks", "cell_weeks"):
        pd.testing.assert_frame_equal(getattr(whole, name), getattr(summed, name))
    assert whole.weeks["n"].dtype == np.float64
    assert whole.windows == summed.windows
    assert whole.windows.spread > whole.windows.in_block > 0


# -- configuration ----------------------------------------------------------------------------


def _config_with(tmp_path: Path, engine: str) -> Path:
    (tmp_path / "m.csv").write_text("id;datum;soort;x;y\r\n", encoding="utf-8")
    return write_config(tmp_path, incidents=incident_section("m.csv"),
                        extra=f"[engine]\n{engine}\n")


def test_engine_config_is_read(tmp_path: Path) -> None:
    config = load_config(_config_with(tmp_path, 'kind = "dask"\npartitions = 8\n'
                                                'scheduler = "threads"'))
    assert config.engine == EngineConfig(kind="dask", partitions=8, scheduler="threads")
    default = load_config(write_config(tmp_path, incidents=incident_section("m.csv")))
    assert default.engine == EngineConfig()
    assert default.engine.workers == "auto"
    assert load_config(_config_with(tmp_path, "workers = 3")).engine.workers == 3
    memory = load_config(_config_with(tmp_path, "chunk_size = 5000")).engine  # both engines
    assert memory == EngineConfig(chunk_size=5000)


@pytest.mark.parametrize(("engine", "message"), [
    ('kind = "spark"', r"kind = 'spark' is not known; allowed: memory, dask"),
    ('kind = "dask"\nthreads = 4', r"unknown key 'threads' in \[engine\]"),
    ("workers = 0", r"workers = 0 is not allowed; use \"auto\" \(one per CPU\) or a whole"),
    ('workers = "many"', r"workers = 'many' is not allowed"),
    ("workers = 2.0", r"workers = 2.0 is not allowed"),
    ("workers = true", r"workers = True is not allowed"),
    ('kind = "dask"\npartitions = 4\npartition_size = 10000', "either partitions or"),
    ('kind = "dask"\npartitions = 0', "partitions = 0 must be a whole number from 1"),
    ('kind = "dask"\npartition_size = 2.5', "partition_size = 2.5 must be a whole number"),
    ('kind = "dask"\nscheduler = "processes"', "scheduler = 'processes' is not known"),
    ("partitions = 4", 'only apply to kind = "dask"'),
    ("partition_size = 5000", 'partitions and partition_size only apply to kind = "dask"'),
    ("chunk_size = 10", "chunk_size = 10 must be a whole number from 1"),
    ('kind = "dask"\nchunk_size = 10', "chunk_size = 10 must be a whole number from 1"),
])
def test_engine_config_errors(tmp_path: Path, engine: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_config_with(tmp_path, engine))


def test_dask_engine_without_dask_names_the_extra(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name.startswith("dask") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match=r"pip install 'hotspotkaart\[scale\]'"):
        load_config(_config_with(tmp_path, 'kind = "dask"'))


def test_partitioned_run_without_dask_names_the_extra(synthetic: Config,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from hotspotkaart.engine.partitioned import count_partitioned

    monkeypatch.setitem(__import__("sys").modules, "dask_geopandas", None)
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:28992"))
    with pytest.raises(ConfigError, match=r"pip install 'hotspotkaart\[scale\]'"):
        count_partitioned(empty, empty, empty, empty, PERIODS, synthetic.analysis,
                          EngineConfig(kind="dask"), Ledger())


def test_dask_engine_without_any_used_melding(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("id;datum;soort;x;y\r\nA;01-01-2022;Jeugd;105000;425000\r\n"
                                    "B;01-01-2023;Jeugd;5000;425000\r\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, incidents=incident_section("m.csv")))
    memory = analyse(config)
    _assert_same(memory, analyse(_with_engine(config, partitions=3)))
    assert memory.summary["incidents"]["used"] == 0


@pytest.mark.parametrize("inside", [False, True])
def test_a_category_only_outside_the_municipality_does_not_clash(tmp_path: Path,
                                                                  inside: bool) -> None:
    from hotspotkaart._errors import InputError

    x = "105300" if inside else "5000"  # 5000: far west of Dordrecht, rejected by the join
    rows = ["id;datum;soort;x;y", "A;01-03-2023;Drugs overlast;105233;425683",
            "B;01-03-2024;Jeugd;105233;425683", f"C;02-03-2024;drugs-overlast;{x};425683"]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, incidents=incident_section("m.csv")))
    for engine in (config, _with_engine(config, chunk_size=1000)):
        if inside:
            with pytest.raises(InputError, match=r"'Drugs overlast' \(row 2\) and "
                               r"'drugs-overlast' \(row 4\) .* both become"):
                analyse(engine)
            continue
        result = analyse(engine)
        assert result.summary["per_category"] == {"Drugs overlast": {"2023": 1, "2024": 0},
                                                   "Jeugd": {"2023": 0, "2024": 1}}
        assert [(r.row, r.reason) for r in result.ledger.rejections] == [
            (4, "buiten de gemeente")]


# -- dask.distributed --------------------------------------------------------------------------


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes()
            for name in ("buurten.csv", "wijken.csv", "grid.csv", "zones.csv", "rejected.csv")}


def test_a_local_cluster_of_two_workers_writes_the_same_tables(synthetic: Config,
                                                               tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    build(synthetic, tmp_path / "memory")
    build(_with_engine(synthetic, partitions=4, chunk_size=2000, scheduler="distributed",
                       workers=2), tmp_path / "cluster")
    memory, cluster = _tables(tmp_path / "memory"), _tables(tmp_path / "cluster")
    assert memory == cluster  # byte for byte
    assert b"BU0505" in memory["buurten.csv"]


def test_the_engine_runs_on_a_scheduler_at_an_address(synthetic: Config,
                                                      synthetic_memory: BuildResult) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        config = _with_engine(synthetic, partitions=3, scheduler="distributed",
                              address=cluster.scheduler_address)
        result = analyse(config)
        # the partitions were joined and counted by that cluster's workers
        assert "count_part" in cluster.scheduler.task_prefixes
    _assert_same(synthetic_memory, result)


def test_no_scheduler_at_the_address_is_one_sentence(synthetic: Config,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    from hotspotkaart.engine import partitioned

    monkeypatch.setattr(partitioned, "CONNECT_TIMEOUT_S", 2)
    config = _with_engine(synthetic, scheduler="distributed", address="tcp://127.0.0.1:9")
    with pytest.raises(BuildError, match=r"\[engine\] address = 'tcp://127\.0\.0\.1:9': no "
                                         r"dask scheduler answers there .*; start one or "
                                         r"remove address"):
        analyse(config)


@pytest.mark.parametrize(("engine", "message"), [
    ('kind = "dask"\nscheduler = "distributed"\naddress = "localhost:8786"',
     r"address = 'localhost:8786' is not a dask scheduler address; write it as tcp://host:8786"),
    ('kind = "dask"\naddress = "tcp://localhost:8786"',
     r'address = .* only applies to kind = "dask" with scheduler = "distributed"'),
])
def test_address_errors(tmp_path: Path, engine: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_config_with(tmp_path, engine))


def test_address_is_read(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    config = load_config(_config_with(tmp_path, 'kind = "dask"\nscheduler = "distributed"\n'
                                                'address = "tcp://10.0.0.5:8786"'))
    assert config.engine.address == "tcp://10.0.0.5:8786"
    assert config.engine.scheduler == "distributed"
