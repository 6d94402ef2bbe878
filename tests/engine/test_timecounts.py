"""Counts by weekday and hour, by month and by quarter (#18): local clock, no fake midnight."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.counting import sum_counts
from hotspotkaart.engine.grid import quarter_counts
from hotspotkaart.engine.timecounts import (
    MONTH_COLUMNS,
    NO_HOUR,
    NO_WEEKDAY,
    WEEK_COLUMNS,
    WEEK_KEYS,
    month_counts,
    week_counts,
)

PERIODS = Periods(base=2023, compare=2024)


def _incidents(n: int = 400, seed: int = 4) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 731 * 1440, n),
                                                         unit="min")
    return gpd.GeoDataFrame({
        "buurtcode": rng.choice(["BU01", "BU02", "BU03"], n),
        "period": dates.year, "category": rng.choice(["Jeugd", "Alcohol/drugs"], n),
        "date": dates, "timed": rng.uniform(size=n) > 0.2,
    }, geometry=gpd.points_from_xy(rng.uniform(100_000, 101_000, n),
                                   rng.uniform(420_000, 421_000, n)), crs="EPSG:28992")


def test_weekday_and_hour_are_the_local_clock_and_untimed_stay_apart() -> None:
    dates = pd.to_datetime(["2024-03-31 02:30", "2024-10-27 02:30", "2023-06-02 23:59",
                            "2023-06-02 00:00"])
    frame = pd.DataFrame({"buurtcode": "BU01", "period": dates.year, "category": "Jeugd",
                          "date": dates, "timed": [True, True, True, False]})
    table = week_counts(frame, PERIODS)
    assert list(table.columns) == list(WEEK_COLUMNS)
    rows = set(table[["period", "weekday", "hour"]].itertuples(index=False, name=None))
    # 31 March and 27 October 2024 are Sundays; 2 June 2023 a Friday; a date only is no 00:00
    assert rows == {(2024, 7, 2), (2023, 5, 23), (2023, NO_WEEKDAY, NO_HOUR)}


def test_tables_of_parts_add_up_to_the_whole() -> None:
    incidents = _incidents()
    parts = [incidents.iloc[:150], incidents.iloc[150:]]
    for count, keys in ((week_counts, WEEK_KEYS), (month_counts, MONTH_COLUMNS[:-1])):
        whole = count(incidents, PERIODS)
        summed = sum_counts([count(p, PERIODS) for p in parts], list(keys))
        pd.testing.assert_frame_equal(whole.reset_index(drop=True),
                                      summed.reset_index(drop=True), check_dtype=False)
        assert whole["n"].sum() == len(incidents)
    quarters = quarter_counts(incidents, PERIODS, 100.0)
    assert quarters["n"].sum() == len(incidents)
    assert set(quarters["quarter"]) <= set(range(8))


def test_quarters_count_from_the_base_years_first() -> None:
    months = np.array([202301, 202303, 202304, 202312, 202401, 202412])
    assert PERIODS.step_of_month(months).tolist() == [0, 0, 1, 3, 4, 7]


def test_a_period_outside_the_two_years_is_refused() -> None:
    frame = _incidents(5).assign(period=2022)
    with pytest.raises(InputError, match="neither 2023 nor 2024"):
        month_counts(frame, PERIODS)
    with pytest.raises(InputError, match="timed"):
        week_counts(frame.drop(columns="timed").assign(period=2023), PERIODS)
