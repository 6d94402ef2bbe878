"""Tests of hotspotkaart.stats.coverage: no conclusion from a cut or an empty period (#21, 4)."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import HotspotkaartWarning
from hotspotkaart.config.settings import Period, Periods, load_config
from hotspotkaart.engine.counting import incident_totals
from hotspotkaart.pipeline import analyse
from hotspotkaart.stats.coverage import assess_coverage
from tests.helpers.patterns import YEARS, coverage, meldingen, uniform_points, write_project

PERIODS = Periods(2023, 2024)
SIGNIFICANT = ("significante stijging", "significante daling")


def _totals(dates: dict[int, pd.DatetimeIndex]) -> object:
    frame = pd.DataFrame({
        "period": np.concatenate([np.full(len(d), y) for y, d in dates.items()]),
        "category": "Jeugd",
        "date": np.concatenate([d.to_numpy() for d in dates.values()]),
    })
    return incident_totals(frame)


def test_a_cut_export_is_found_and_tested_on_its_days() -> None:
    full = pd.date_range("2023-01-01", "2023-12-31 12:00", periods=3000)
    half = pd.date_range("2024-01-01", "2024-06-30 12:00", periods=1500)
    covered = assess_coverage(_totals({2023: full, 2024: half}), PERIODS)
    assert covered.days(2023) == 365
    assert covered.days(2024) == 182  # 1 January to 30 June 2024
    assert covered.periods[2024].cut_end
    assert not covered.periods[2024].cut_start
    assert covered.window(2024) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))
    assert len(covered.warnings) == 1
    assert "end on 30-06-2024" in covered.warnings[0]


def test_a_quiet_december_of_a_sparse_export_is_not_a_cut() -> None:
    # 40 meldingen a year: a month without one is chance (exp(-40 * 31 / 366) = 0.03)
    sparse = pd.date_range("2024-01-01", "2024-11-30", periods=40)
    full = pd.date_range("2023-01-01", "2023-12-31", periods=40)
    covered = assess_coverage(_totals({2023: full, 2024: sparse}), PERIODS)
    assert covered.days(2024) == 366
    assert covered.warnings == ()


def test_an_empty_period_has_no_days_and_a_warning() -> None:
    full = pd.date_range("2023-01-01", "2023-12-31", periods=500)
    covered = assess_coverage(_totals({2023: full}), PERIODS)
    assert covered.days(2024) == 0
    assert "no melding falls in 2024" in covered.warnings[0]


JULY = Periods(2023, 2024, spans=(
    Period(dt.date(2022, 7, 1), dt.date(2023, 6, 30)),  # the trend's only
    Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
    Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))


def test_a_range_is_covered_from_its_first_to_its_last_day() -> None:
    base = pd.date_range("2023-07-01", "2024-06-30 12:00", periods=3000)
    cut = pd.date_range("2024-07-01", "2024-12-31 12:00", periods=1500)  # ends half way
    covered = assess_coverage(_totals({2023: base, 2024: cut}), JULY)
    assert covered.days(2023) == 366
    assert covered.window(2024) == (pd.Timestamp("2024-07-01"), pd.Timestamp("2024-12-31"))
    assert covered.days(2024) == 184
    assert covered.days(2022) == 0  # no melding of the trend's first period
    trend, cut_off = covered.warnings
    assert trend.startswith("no melding falls in jul 2022–jun 2023: its quarters are left out "
                            "of the trend")
    assert "the meldingen of jul 2024–jun 2025 end on 31-12-2024" in cut_off
    assert cut_off.endswith("use 184 days of jul 2024–jun 2025 instead of the whole period")


def _build(folder: Path, frames: list) -> object:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyse(load_config(write_project(folder, frames)))
    return result, [str(w.message) for w in caught if w.category is HotspotkaartWarning]


@pytest.mark.parametrize("seed", [41, 42])
def test_an_export_cut_on_30_june_at_an_unchanged_rate_changes_nothing(tmp_path: Path,
                                                                       seed: int) -> None:
    rng = np.random.default_rng(seed)
    covered = coverage("built", seed)
    frames = [meldingen(rng, uniform_points(rng, covered, 3000), year) for year in YEARS]
    compare = frames[1]
    frames[1] = compare[pd.to_datetime(compare["moment"]) < pd.Timestamp("2024-07-01")]
    result, said = _build(tmp_path, frames)
    assert any("end on" in m and "2024" in m for m in said)
    assert result.coverage is not None
    assert 170 <= result.coverage.days(2024) <= 182
    for table in (result.buurten, result.wijken):
        assert table["change_class"].isin(SIGNIFICANT).mean() <= 0.05
    assert result.grid.cells["change_class"].isin(SIGNIFICANT).mean() <= 0.01


def test_a_compare_year_without_meldingen_concludes_nothing(tmp_path: Path) -> None:
    rng = np.random.default_rng(43)
    covered = coverage("built", 43)
    frames = [meldingen(rng, uniform_points(rng, covered, 2000), 2023)]
    result, said = _build(tmp_path, frames)
    assert any("no melding falls in 2024" in m for m in said)
    assert "no melding falls in 2024" in " ".join(result.ledger.warnings)
    for table in (result.buurten, result.wijken, result.grid.cells):
        for reading in ("change_class", "change_class_trend"):
            assert not table[reading].isin(SIGNIFICANT).any(), reading
    tested = result.buurten["count_2023"] >= 10
    assert (result.buurten.loc[tested, "change_class"] == "niet vergelijkbaar").all()
