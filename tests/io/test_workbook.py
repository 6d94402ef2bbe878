"""The workbook: typed cells, text as text, filters, frozen headers, every row (#19 item 1)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from hotspotkaart.io import workbook
from hotspotkaart.io.workbook import write_workbook

PAYLOADS = ["=HYPERLINK(\"http://x\",\"klik\")", "@SUM(1+1)", "+31612345678", "007", "-2+3",
            "1e5", "WAAR"]


def _table(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(3.0, n)
    p = rng.uniform(0, 1, n)
    p[::4] = np.nan  # untested areas
    return pd.DataFrame({
        "buurtcode": [f"BU0505{i:04d}" for i in range(n)],
        "buurtnaam": [PAYLOADS[i % len(PAYLOADS)] for i in range(n)],
        "count_2023": counts,
        "pct_change": rng.normal(0, 30, n),
        "p_value": p,
        "in_cameratoezicht": rng.uniform(0, 1, n) < 0.3,
        "valid_from": pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n),
                                                                     unit="D"),
    })


def _read(path: Path, sheet: str) -> tuple[list[str], list[tuple[object, ...]]]:
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    return [str(v) for v in rows[0]], rows[1:]


def test_cells_are_typed_and_text_stays_text(tmp_path: Path) -> None:
    table = _table(40)
    write_workbook(tmp_path / "w.xlsx", {"buurten": table})
    header, rows = _read(tmp_path / "w.xlsx", "buurten")
    assert header == list(table.columns)
    back = pd.DataFrame(rows, columns=header)
    assert back["buurtnaam"].tolist() == table["buurtnaam"].tolist()  # exactly as written
    assert back["count_2023"].tolist() == table["count_2023"].tolist()
    assert_allclose(back["pct_change"].astype(float), table["pct_change"])
    untested = table["p_value"].isna()
    assert back["p_value"][untested].isna().all()  # an empty cell, not 0 or "nan"
    assert_allclose(back["p_value"][~untested].astype(float), table["p_value"][~untested])
    assert back["in_cameratoezicht"].tolist() == table["in_cameratoezicht"].tolist()
    assert all(isinstance(v, datetime) for v in back["valid_from"])
    assert back["valid_from"].tolist() == table["valid_from"].dt.to_pydatetime().tolist()
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx")["buurten"]
    assert {c.data_type for c in sheet["B"][1:]} == {"s"}
    assert sheet["E3"].number_format == "0.0000"  # E2 is empty (untested)
    assert sheet["G2"].number_format == "dd-mm-yyyy"


def test_header_is_frozen_and_filtered_and_columns_fit(tmp_path: Path) -> None:
    write_workbook(tmp_path / "w.xlsx", {"buurten": _table(10)})
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx")["buurten"]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:G11"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] >= len("BU05050000")
    assert widths["B"] >= len("buurtnaam")
    assert max(widths.values()) <= 50


def test_a_table_longer_than_a_sheet_continues_on_the_next(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_ROWS", 7)
    table = _table(17)
    write_workbook(tmp_path / "w.xlsx", {"grid": table, "zones": table.head(0)})
    book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    assert book.sheetnames == ["toelichting", "grid", "grid 2", "grid 3", "zones"]
    codes = [row[0] for name in ("grid", "grid 2", "grid 3")
             for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert codes == table["buurtcode"].tolist()  # every row once, in order
    assert [c.value for c in book["zones"][1]] == list(table.columns)  # header of an empty table


def test_toelichting_explains_the_columns_and_holds_the_method(tmp_path: Path) -> None:
    table = pd.DataFrame({"count_2024_jeugd": [1], "q_value_trend": [0.5], "zelfverzonnen": [1]})
    write_workbook(tmp_path / "w.xlsx", {"wijken": table}, method=["Perioden: 2023 en 2024"],
                   details={"fdr_q": 0.05, "grid": {"cell_size_m": 100.0}},
                   categories={"jeugd": "Jeugd"})
    rows = list(openpyxl.load_workbook(tmp_path / "w.xlsx")["toelichting"]
                .iter_rows(values_only=True))
    assert ("Perioden: 2023 en 2024", None, None, None) in rows
    notes = {r[1]: r for r in rows if r[0] == "wijken"}
    assert notes["count_2024_jeugd"][2] == "Meldingen 2024 – Jeugd"
    assert "Benjamini" in str(notes["q_value_trend"][3])
    assert notes["zelfverzonnen"][2:] == (None, None)  # unknown: left empty, not invented
    details = {r[1]: r[3] for r in rows if r[0] is None and r[1]}
    assert details["fdr_q"] == 0.05
    assert details["grid.cell_size_m"] == 100
