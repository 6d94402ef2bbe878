"""Tests of the join stage as a whole (engine.run): what each engine keeps and counts."""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import load_config
from hotspotkaart.engine.run import CATEGORICAL, INCIDENT_COLUMNS, _PieceCounter, join_and_count
from hotspotkaart.engine.tables import (
    CountTables,
    compact_tables,
    count_incidents,
    plain_tables,
    sum_tables,
)
from hotspotkaart.io import csvtext
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.incidents import iter_incidents
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.io.zones import read_zones
from hotspotkaart.pipeline import analyse
from tests.helpers.project import (
    REPO_ROOT,
    incident_section,
    interior_points,
    rd_csv,
    write_config,
)


@pytest.fixture
def config(tmp_path):
    points = interior_points(300, seed=11)
    rows = [(f"M{i}", f"{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2} 1{i % 10}:05",
             ("Jeugd", "Alcohol/drugs", "Vuurwerk")[i % 3], f"{p.x:.1f}", f"{p.y:.1f}")
            for i, p in enumerate(points)]
    rows.append(("OUT", "01-05-2024 12:00", "Jeugd", "90000.0", "425000.0"))  # outside
    (tmp_path / "m.csv").write_text(rd_csv(rows), encoding="utf-8")
    return tmp_path, rows


def _joined(folder, engine: str = ""):
    return _run(load_config(write_config(folder, incidents=incident_section("m.csv"),
                                         extra=engine)))


def _run(config):
    ledger = Ledger()
    boundaries = read_boundaries(config.area, ledger)
    zones = read_zones(config.zones, ledger)
    frame = zones[["zone_id", "kind", "name", "valid_from", "valid_to", "geometry"]]
    return join_and_count(config, ledger, boundaries.buurten, zones, frame), ledger


def test_the_memory_engine_keeps_the_used_meldingen_with_coordinates_not_points(config):
    folder, rows = config
    (used, tables, engine), ledger = _joined(folder)
    assert engine is None
    assert list(used.columns) == list(INCIDENT_COLUMNS)
    assert len(used) == tables.used == len(rows) - 1  # the one outside is rejected
    assert ledger.counts("incidents", used=len(used))["rejected"] == 1
    written = {r[0]: (float(r[3]), float(r[4])) for r in rows}
    expected = np.array([written[i] for i in used["melding_id"]])
    np.testing.assert_allclose(used[["x", "y"]].to_numpy(), expected)
    assert not any(isinstance(v, shapely.Geometry) for v in used.iloc[0])
    assert all(isinstance(used[c].dtype, pd.CategoricalDtype) for c in CATEGORICAL)
    soort = {r[0]: r[2] for r in rows}
    assert used["category"].astype(str).tolist() == [soort[i] for i in used["melding_id"]]
    assert used["buurtcode"].astype(str).str.startswith("BU0505").all()


def test_the_dask_engine_keeps_no_melding_and_counts_the_same(config):
    folder, _ = config
    (_used, tables, _), _ = _joined(folder)
    (none, chunked, engine), _ = _joined(folder, "[engine]\nkind = \"dask\"\npartitions = 2\n")
    assert none.empty
    assert list(none.columns) == list(INCIDENT_COLUMNS)
    assert engine is not None
    assert engine["kind"] == "dask"
    assert chunked.used == tables.used
    columns = ["buurtcode", "period", "category", "n"]
    pd.testing.assert_frame_equal(
        chunked.buurten[columns].sort_values(columns[:3]).reset_index(drop=True),
        tables.buurten[columns].sort_values(columns[:3]).reset_index(drop=True))


def _in_pieces(config_path, rows: int, workers: int | str = "auto"):
    config = load_config(config_path)
    return dataclasses.replace(config, engine=dataclasses.replace(
        config.engine, chunk_size=rows, workers=workers))


def _assert_same_tables(one: CountTables, other: CountTables) -> None:
    for field in dataclasses.fields(CountTables):
        a, b = getattr(one, field.name), getattr(other, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, obj=field.name)
        elif dataclasses.is_dataclass(a) and not isinstance(a, type):
            for part in dataclasses.fields(a):
                x, y = getattr(a, part.name), getattr(b, part.name)
                if isinstance(x, pd.DataFrame):
                    pd.testing.assert_frame_equal(x, y, obj=f"{field.name}.{part.name}")
                else:
                    assert x == y, (field.name, part.name)
        elif field.name not in ("partitions", "chunks"):
            assert a == b, field.name


@pytest.mark.parametrize("workers", [1, 2])
def test_the_memory_engine_reads_and_counts_in_pieces_what_it_would_at_once(config, workers):
    folder, rows = config
    rows += [(f"UIT{i}", "03-03-2024 10:00", "Jeugd", "90000.0", f"{425000 + i}.0")
             for i in range(3)]  # outside the gemeente, in a later piece
    rows.append(("M7", "04-04-2024 11:00", "Jeugd", rows[9][3], rows[9][4]))  # an id again
    (folder / "m.csv").write_text(rd_csv(rows), encoding="utf-8")
    path = write_config(folder, incidents=incident_section("m.csv"))
    (whole, tables, _), ledger = _run(load_config(path))
    (pieced, pieced_tables, _), pieced_ledger = _run(_in_pieces(path, 40, workers))
    assert pieced_tables.chunks > 1 == tables.chunks
    pd.testing.assert_frame_equal(pieced, whole)
    _assert_same_tables(pieced_tables, tables)
    pd.testing.assert_frame_equal(pieced_ledger.rejection_table(), ledger.rejection_table())
    rejected = pieced_ledger.rejection_table()
    assert rejected["reason"].value_counts().to_dict() == {"buiten de gemeente": 4,
                                                           "dubbele melding-id": 1}
    assert rejected["id"].notna().all()  # the fields of the rejected records are kept
    held = pieced_ledger.raw[("incidents", "m.csv")]
    assert sorted(held.index) == sorted(rejected["row"])  # and of no used record


def test_a_category_clash_in_a_later_piece_stops_the_memory_engine(config):
    folder, rows = config
    rows.append(("CLASH", "05-05-2024 12:00", "jeugd!", rows[0][3], rows[0][4]))
    (folder / "m.csv").write_text(rd_csv(rows), encoding="utf-8")
    config = _in_pieces(write_config(folder, incidents=incident_section("m.csv")), 40)
    with pytest.raises(InputError, match=r"'Jeugd' \(row 2\) and 'jeugd!' \(row \d+\)"):
        _run(config)


def test_the_embedded_data_read_in_pieces_builds_what_it_builds_at_once(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    config = load_config(REPO_ROOT / "hotspotkaart.toml")
    whole = analyse(config)
    pieced = analyse(dataclasses.replace(config, engine=dataclasses.replace(
        config.engine, chunk_size=1000)))
    assert len(whole.incidents) > 3 * 1000  # so several pieces
    pd.testing.assert_frame_equal(pieced.incidents, whole.incidents)
    for name in ("buurten", "wijken", "zone_stats"):
        pd.testing.assert_frame_equal(pd.DataFrame(getattr(pieced, name)),
                                      pd.DataFrame(getattr(whole, name)), obj=name)
    pd.testing.assert_frame_equal(pd.DataFrame(pieced.grid.cells), pd.DataFrame(whole.grid.cells))
    assert pieced.timing is not None
    assert whole.timing is not None
    for name in ("times", "months", "hot_times", "profiles"):
        pd.testing.assert_frame_equal(getattr(pieced.timing, name), getattr(whole.timing, name))
    pd.testing.assert_frame_equal(pieced.ledger.rejection_table(), whole.ledger.rejection_table())
    assert json.dumps(pieced.summary, sort_keys=True) == json.dumps(whole.summary, sort_keys=True)


def test_the_piece_counter_keeps_the_tables_and_hands_back_their_sum_at_the_end(config,
                                                                              monkeypatch):
    monkeypatch.setattr(csvtext, "_MIN_BLOCK", 1)  # pieces of about 30 records, not blocks
    folder, _ = config
    config = _in_pieces(write_config(folder, incidents=incident_section("m.csv")), 30)
    ledger = Ledger()
    boundaries = read_boundaries(config.area, ledger)
    zones = read_zones(config.zones, ledger)
    frame = zones[["zone_id", "kind", "name", "valid_from", "valid_to", "geometry"]]
    counter = _PieceCounter(buurten=boundaries.buurten, zones=zones, zone_frame=frame,
                            periods=config.periods, analysis=config.analysis)
    pieces = list(iter_incidents(config.incidents, config.periods, ledger, 30, points=False))
    assert len(pieces) > 2 * _PieceCounter.FOLD  # so the tables are added up on the way
    kept = []
    for piece in pieces:
        out = counter(piece)
        assert not isinstance(out, CountTables)  # the tables stay with the counter
        assert len(counter.parts) < _PieceCounter.FOLD
        kept.append(out.kept)
    coded = counter(None)
    assert isinstance(coded, CountTables)
    assert isinstance(coded.weeks["buurtcode"].dtype, pd.CategoricalDtype)  # keys travel coded
    tables = plain_tables(coded)
    fresh = _PieceCounter(buurten=boundaries.buurten, zones=zones, zone_frame=frame,
                          periods=config.periods, analysis=config.analysis)
    assert fresh(None) is None  # a lane that got no piece has no tables
    used = pd.concat(kept, ignore_index=True)
    whole = count_incidents(gpd.GeoDataFrame(
        used.drop(columns=["x", "y"]), geometry=shapely.points(used["x"], used["y"]),
        crs="EPSG:28992"), frame, config.periods, config.analysis)
    _assert_same_tables(tables, whole)
    # coded or not, parts add up to the same tables, with text keys
    _assert_same_tables(sum_tables([coded, compact_tables(whole)]), sum_tables([whole, whole]))
