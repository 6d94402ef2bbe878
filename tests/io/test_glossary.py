"""Every column of every table the build writes has a Dutch alias and explanation (#19)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyogrio

from hotspotkaart.config.settings import Period, Periods
from hotspotkaart.io.glossary import ColumnNote, describe


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


def test_notes_name_the_periods_and_the_quarters_of_the_build() -> None:
    july = Periods(2023, 2024, spans=(Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
                                      Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))
    count = describe("buurten", "count_2023_jeugd", categories={"jeugd": "Jeugd"},
                     periods=july)
    assert count == ColumnNote("Meldingen jul 2023–jun 2024 – Jeugd",
                               "Aantal meldingen in jul 2023–jun 2024, categorie Jeugd.")
    window = describe("grid", "window_2024", periods=july)
    assert window is not None
    assert window.alias == "Meldingen 3 × 3 jul 2024–jun 2025"
    period = describe("incidents", "period", periods=july)
    assert period is not None
    assert period.description.startswith("De periode waarin de melding valt")
    # calendar years keep their notes; a trend over three years has 12 quarters
    assert describe("buurten", "count_2023", periods=Periods(2023, 2024)) == describe(
        "buurten", "count_2023")
    three = Periods(2023, 2024, spans=tuple(Period.of_year(y) for y in (2022, 2023, 2024)))
    trend = describe("grid", "trend_p", periods=three)
    assert trend is not None
    assert trend.description == ("Mann–Kendall-toets (exact tot 9 kwartalen, daarboven de "
                                 "normale benadering) over de 12 kwartalen.")
    assert describe("grid", "trend_p") == ColumnNote(
        "p-waarde trend", "Exacte Mann–Kendall-toets over de 8 kwartalen.")
