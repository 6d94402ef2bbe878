"""Tests of hotspotkaart.config.periods: calendar years, date ranges and the trend's periods."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import ConfigError, HotspotkaartWarning
from hotspotkaart.config.periods import NO_PERIOD, Period, Periods, parse_periods
from hotspotkaart.config.settings import load_config
from tests.helpers.project import incident_section, write_config

CFG = Path("hotspotkaart.toml")
JULY = {"from": "2023-07-01", "to": "2024-06-30"}
NEXT_JULY = {"from": "2024-07-01", "to": "2025-06-30"}


def _parse(**table: Any) -> Periods:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning unless a test asks for one
        return parse_periods(table, CFG)


# -- what is allowed --------------------------------------------------------------------------


def test_calendar_years_stay_what_they_were() -> None:
    periods = _parse(base=2023, compare=2024)
    assert periods == Periods(2023, 2024)
    assert periods.years == periods.keys == (2023, 2024)
    assert periods.calendar_years
    assert periods.trend_only == ()
    assert [periods.label(y) for y in periods.keys] == ["2023", "2024"]
    assert [periods.days(y) for y in periods.keys] == [365, 366]
    assert periods.steps == 8
    assert periods.as_dict() == {"base": 2023, "compare": 2024}
    assert periods.method_text() == "2023 en 2024 (kalenderjaren)"


def test_leap_years_follow_the_gregorian_rules() -> None:
    assert [Periods(1900, 2000).days(y) for y in (1900, 2000)] == [365, 366]


def test_a_range_is_keyed_by_the_year_it_starts_in_and_labelled_by_its_months() -> None:
    periods = _parse(base=JULY, compare=NEXT_JULY)
    assert periods.years == (2023, 2024)
    assert not periods.calendar_years
    assert periods.label(2023) == "jul 2023–jun 2024"
    assert periods.start(2023) == pd.Timestamp("2023-07-01")
    assert periods.end(2023) == pd.Timestamp("2024-06-30")
    assert periods.days(2023) == 366  # 29 February 2024 lies in it
    assert periods.days(2024) == 365
    assert periods.as_dict()["all"][0] == {"key": 2023, "label": "jul 2023–jun 2024",
                                           "from": "2023-07-01", "to": "2024-06-30",
                                           "days": 366, "use": "base"}
    assert periods.method_text() == ("jul 2023–jun 2024 (01-07-2023 t/m 30-06-2024) en "
                                     "jul 2024–jun 2025 (01-07-2024 t/m 30-06-2025)")


def test_toml_dates_and_iso_texts_are_both_read(tmp_path: Path) -> None:
    body = ('base = { from = 2023-07-01, to = 2024-06-30 }\n'
            'compare = { from = "2024-07-01", to = "2025-06-30" }')
    config = load_config(write_config(tmp_path, incidents=_incidents(tmp_path), periods=body))
    assert config.periods == _parse(base=JULY, compare=NEXT_JULY)


def test_labels_of_shorter_ranges() -> None:
    assert Period(dt.date(2023, 3, 1), dt.date(2023, 8, 31)).label == "mrt–aug 2023"
    assert Period(dt.date(2023, 7, 1), dt.date(2023, 7, 31)).label == "jul 2023"
    assert Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)).label == "2023"  # a whole year


def test_a_trend_over_three_years_holds_base_and_compare() -> None:
    periods = _parse(base=2023, compare=2024, trend=[2022, 2023, 2024])
    assert periods.keys == (2022, 2023, 2024)
    assert periods.years == (2023, 2024)
    assert periods.trend_only == (2022,)
    assert periods.steps == 12
    assert periods.as_dict()["all"][0]["use"] == "trend"
    assert periods.method_text().endswith("; trend over 2022, 2023, 2024")


def test_a_trend_of_ranges() -> None:
    before = {"from": "2022-07-01", "to": "2023-06-30"}
    periods = _parse(base=JULY, compare=NEXT_JULY, trend=[before, JULY, NEXT_JULY])
    assert periods.keys == (2022, 2023, 2024)
    assert periods.label(2022) == "jul 2022–jun 2023"


def test_base_and_compare_may_lie_apart_without_a_trend() -> None:
    periods = _parse(base=2020, compare=2024)
    assert periods.steps == 8  # the quarters of both years, not of the years between


# -- what is refused, each with a sentence that names the key and the value -------------------


@pytest.mark.parametrize(("table", "message"), [
    ({"base": {"from": "2024-06-30", "to": "2023-07-01"}, "compare": 2025},
     "[periods] base: from = 2024-06-30 comes after to = 2023-07-01"),
    ({"base": {"from": "1-7-2023", "to": "2024-06-30"}, "compare": 2025},
     "[periods] base from = '1-7-2023' is not a date"),
    ({"base": {"from": "2023-02-30", "to": "2024-06-30"}, "compare": 2025},
     "[periods] base from = '2023-02-30' is not a date"),
    ({"base": {"from": dt.datetime(2023, 7, 1, 12), "to": "2024-06-30"}, "compare": 2025},
     "is not a date; write it as \"2023-07-01\""),
    ({"base": {"from": "2023-07-01"}, "compare": 2025},
     "[periods] base = {'from': '2023-07-01'} must have exactly the keys from and to"),
    ({"base": {"from": "2023-07-01", "to": "2024-06-30", "tot": "x"}, "compare": 2025},
     "must have exactly the keys from and to"),
    ({"base": JULY, "compare": 2024},
     "[periods] base = 2023-07-01 to 2024-06-30 and compare = 2024 overlap"),
    ({"base": 2025, "compare": JULY},
     "[periods] compare = 2023-07-01 to 2024-06-30 comes before base = 2025"),
    ({"base": 2025, "compare": 2024}, "[periods] base = 2025 must come before compare = 2024"),
    ({"base": 2024, "compare": 2024}, "[periods] base = 2024 and compare = 2024 overlap"),
    ({"base": {"from": "2023-01-01", "to": "2023-06-30"},
      "compare": {"from": "2023-07-01", "to": "2023-12-31"}},
     "both start in 2023, so their columns would both be named count_2023"),
    ({"base": {"from": "2023-07-01", "to": "2024-07-31"}, "compare": 2025},
     "is 13 months long; a period is 1 to 12 months"),
    ({"base": {"from": "2023-07-15", "to": "2024-06-30"}, "compare": 2025},
     "from = 2023-07-15 is not the first day of a month"),
    ({"base": {"from": "2023-07-01", "to": "2024-06-29"}, "compare": 2025},
     "to = 2024-06-29 is not the last day of a month; a period is whole months, e.g. "
     "to = 2024-06-30"),
    ({"base": "2023", "compare": 2024}, "[periods] base = '2023' is not a year"),
    ({"base": 1850, "compare": 2024}, "[periods] base = 1850 is not a year from 1900 to 2100"),
    ({"base": 2023, "compare": 2024, "extra": 1}, "unknown key 'extra' in [periods]"),
    ({"base": 2023, "compare": 2024, "trend": 2022}, "trend = 2022 must be a list"),
    ({"base": 2023, "compare": 2024, "trend": [2022, 2024]},
     "trend = [2022, 2024] does not hold base = 2023"),
    ({"base": 2023, "compare": 2024, "trend": [2021, 2023, 2024]},
     "between 2021 and 2023 lie days of no period"),
    ({"base": 2023, "compare": 2024, "trend": [2024, 2023]},
     "2023 does not begin after 2024 ends"),
    ({"base": JULY, "compare": NEXT_JULY,
      "trend": [{"from": "2023-01-01", "to": "2023-06-30"}, JULY, NEXT_JULY]},
     "2023-01-01 to 2023-06-30 and 2023-07-01 to 2024-06-30 both start in 2023"),
])
def test_bad_periods_are_refused(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _parse(**table)


def test_a_bad_period_names_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, incidents=_incidents(tmp_path),
                        periods='base = { from = "2023-07-01", to = "2023-06-30" }\n'
                                'compare = 2025')
    with pytest.raises(ConfigError, match=re.escape(f"{path.resolve()}: [periods] base")):
        load_config(path)


def test_periods_of_different_lengths_are_allowed_with_a_warning() -> None:
    half = {"from": "2023-01-01", "to": "2023-06-30"}
    with pytest.warns(HotspotkaartWarning, match=r"base \(jan–jun 2023, 181 days\) and compare "
                                                 r"\(2024, 366 days\) differ in length"):
        periods = parse_periods({"base": half, "compare": 2024}, CFG)
    assert periods.days(2023) == 181


def test_periods_of_other_months_of_the_year_are_allowed_with_a_warning() -> None:
    summer = {"from": "2023-04-01", "to": "2023-09-30"}
    winter = {"from": "2024-10-01", "to": "2025-03-31"}
    with pytest.warns(HotspotkaartWarning, match="cover different months of the year"):
        parse_periods({"base": summer, "compare": winter}, CFG)


def test_a_period_made_by_hand_is_checked_too() -> None:
    with pytest.raises(ConfigError, match="is not the first day of a month"):
        Period(dt.date(2023, 7, 2), dt.date(2023, 12, 31))
    with pytest.raises(ConfigError, match="must be keys of distinct periods"):
        Periods(2023, 2023)
    with pytest.raises(ConfigError, match="2022 is not a period of the build"):
        Periods(2023, 2024).label(2022)


# -- which period a date falls in ---------------------------------------------------------------


def test_a_period_holds_00_00_of_its_first_day_to_23_59_of_its_last() -> None:
    periods = _parse(base=JULY, compare=NEXT_JULY)
    dates = pd.Series(pd.to_datetime([
        "2023-06-30 23:59:59", "2023-07-01 00:00:00", "2024-06-30 23:59:00", "2024-07-01 00:00:00",
        "2025-06-30 23:59:59", "2025-07-01 00:00:00"]))
    assert periods.period_of(dates).tolist() == [NO_PERIOD, 2023, 2023, 2024, 2024, NO_PERIOD]
    assert periods.period_of(pd.Series([pd.NaT])).tolist() == [NO_PERIOD]


def test_days_in_a_period_count_from_its_first_day() -> None:
    periods = _parse(base=JULY, compare=NEXT_JULY)
    dates = pd.to_datetime(["2023-07-01 23:00", "2023-07-08 00:00", "2024-07-01 00:00"])
    keys = periods.period_of(pd.Series(dates))
    assert periods.day_in_period(dates, keys).tolist() == [0, 7, 0]


def test_the_quarters_of_a_july_range_start_in_july() -> None:
    periods = _parse(base=JULY, compare=NEXT_JULY)
    assert periods.steps == 8
    months = np.array([202306, 202307, 202309, 202310, 202401, 202406, 202407, 202506, 202507])
    assert periods.step_of_month(months).tolist() == [-1, 0, 0, 1, 2, 3, 4, 7, -1]
    bounds = periods.step_bounds()
    assert bounds[0] == (2023, pd.Timestamp("2023-07-01"), pd.Timestamp("2023-09-30"))
    assert bounds[3] == (2023, pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    assert bounds[4][:2] == (2024, pd.Timestamp("2024-07-01"))
    assert Period(dt.date(2023, 7, 1), dt.date(2023, 12, 31)).calendar_months() == [
        202307, 202308, 202309, 202310, 202311, 202312]


def test_a_short_last_quarter_ends_with_its_period() -> None:
    seven = {"from": "2023-06-01", "to": "2023-12-31"}  # 7 months: 3 quarters, the last short
    periods = _parse(base=seven, compare={"from": "2024-06-01", "to": "2024-12-31"})
    assert periods.steps == 6
    assert periods.step_bounds()[2] == (2023, pd.Timestamp("2023-12-01"),
                                        pd.Timestamp("2023-12-31"))


def _incidents(folder: Path) -> str:
    (folder / "m.csv").write_text("id;datum;soort;x;y\n", encoding="utf-8")
    return incident_section("m.csv")
