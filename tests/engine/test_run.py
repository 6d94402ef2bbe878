"""Tests of the join stage as a whole (engine.run): what each engine keeps and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart.config.settings import load_config
from hotspotkaart.engine.run import CATEGORICAL, INCIDENT_COLUMNS, join_and_count
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.incidents import read_incidents
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.io.zones import read_zones
from tests.helpers.project import incident_section, interior_points, rd_csv, write_config


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
    config = load_config(write_config(folder, incidents=incident_section("m.csv"),
                                      extra=engine))
    ledger = Ledger()
    boundaries = read_boundaries(config.area, ledger)
    zones = read_zones(config.zones, ledger)
    frame = zones[["zone_id", "kind", "name", "valid_from", "valid_to", "geometry"]]
    candidates = None if engine else read_incidents(config.incidents, config.periods, ledger)
    return join_and_count(config, ledger, boundaries.buurten, zones, frame, candidates), ledger


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
