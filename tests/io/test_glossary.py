"""Every column of every table the build writes has a Dutch alias and explanation (#19)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pyogrio

from hotspotkaart.io.glossary import describe


def test_every_column_of_a_build_is_explained(built: Path) -> None:
    rows = list(openpyxl.load_workbook(built / "hotspotkaart.xlsx")["toelichting"]
                .iter_rows(values_only=True))
    sheets = {"buurten", "wijken", "grid", "zones", "rejected", "tijden", "maanden", "hottijden",
              "tijdprofiel"}
    listed = [r for r in rows if r[0] in sheets]
    assert {r[0] for r in listed} == sheets
    assert [r[1] for r in listed if not r[2] or not r[3]] == []
    columns = pyogrio.read_info(built / "hotspotkaart.gpkg", layer="incidents")["fields"]
    assert [c for c in columns if describe("incidents", str(c)) is None] == []


def test_names_follow_the_table_and_the_category() -> None:
    zone_kind = describe("zones", "kind")
    rejected_kind = describe("rejected", "kind")
    assert zone_kind is not None
    assert rejected_kind is not None
    assert zone_kind.alias != rejected_kind.alias
    note = describe("buurten", "change_class_overlast_horeca",
                    categories={"overlast_horeca": "Overlast horeca"})
    assert note is not None
    assert note.alias == "Verandering (per dag), categorie Overlast horeca"
    trend = describe("buurten", "p_value_trend")
    assert trend is not None
    assert "stad" in trend.description
    assert describe("grid", "nonsense") is None
    original = describe("rejected", "Omschrijving")
    assert original is not None
    assert "invoerbestand" in original.description
