"""No CSV or workbook cell the build writes is a live formula (#19 items 1-2, #21 class 2)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from hotspotkaart.cli.main import main
from tests.helpers.project import incident_section, interior_points, write_config

FORMULAS = ("=HYPERLINK(\"http://evil\",\"klik\")", "=cmd|' /C calc'!A0", "@SUM(1+1)",
            "+31612345678", "-2+3")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build whose melding ids and categories are formula payloads."""
    tmp_path = tmp_path_factory.mktemp("formulas")
    rows = ["id;datum;soort;x;y"]
    for i, p in enumerate(interior_points(120, seed=9)):
        category = FORMULAS[i % len(FORMULAS)] if i % 3 == 0 else "Jeugd"
        rows.append(f"M{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};{category};"
                    f"{p.x:.1f};{p.y:.1f}")
    for i, formula in enumerate(FORMULAS):  # rejected: no date; their ids are formulas
        rows.append(f"{formula};;Jeugd;100000;400000")
        rows.append(f"R{i};31-02-2023;{formula};100000;400000")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = write_config(tmp_path, incidents=incident_section("m.csv"),
                          extra="[analysis]\ncell_size = 500\n")
    out = tmp_path / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out


def test_no_csv_cell_starts_like_a_formula(out: Path) -> None:
    seen = 0
    for path in out.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                for cell in row:
                    if cell.startswith(("=", "+", "@", "\t", "\r")):
                        raise AssertionError(f"{path.name}: {cell!r}")
                    if cell.startswith("-"):
                        float(cell)  # only a number may start with a minus
                    seen += cell.startswith("'")
    assert seen >= 2 * len(FORMULAS)
    rejected = (out / "rejected.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(\"\"http://evil\"\",\"\"klik\"\")" in rejected


def test_no_workbook_cell_is_a_formula_and_payloads_stay_text(out: Path) -> None:
    book = openpyxl.load_workbook(out / "hotspotkaart.xlsx")
    texts: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                if cell.data_type == "s":
                    texts.add(cell.value)
    assert set(FORMULAS) <= texts  # written as the text they were, without an apostrophe
    rejected = book["rejected"]
    header = [c.value for c in rejected[1]]
    rows = {r[header.index("row")]: r for r in rejected.iter_rows(min_row=2, values_only=True)}
    assert all(isinstance(r, int) for r in rows)  # the row numbers are numbers
