"""Tests of hotspotkaart.engine.counting: count tables per area, period and category that add up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Period, Periods
from hotspotkaart.engine.counting import (
    area_counts,
    category_labels,
    group_sizes,
    half_counts,
    incident_totals,
    sum_counts,
    sum_incident_totals,
)

PERIODS = Periods(2023, 2024)


def test_category_labels_of_missing_values() -> None:
    labels = category_labels(pd.Series(["Jeugd", None, np.nan, 3, "Jeugd"], dtype=object))
    assert labels.tolist() == ["Jeugd", "onbekend", "onbekend", "3", "Jeugd"]


def test_group_sizes_count_rows_per_key_and_add_up_with_sum_counts():
    frame = pd.DataFrame({"code": ["B", "A", "B", None, "B"],
                          "period": [2024, 2023, 2024, 2023, 2023]})
    sizes = group_sizes(frame, ["code", "period"])
    assert sizes["code"].tolist()[:3] == ["A", "B", "B"]
    assert sizes["n"].tolist() == [1, 1, 2, 1]  # sorted by key; the missing code kept last
    assert sizes["n"].dtype == np.int64
    assert group_sizes(frame.iloc[:0], ["code", "period"]).columns.tolist() == ["code", "period",
                                                                                  "n"]
    halves = [group_sizes(frame.iloc[:2], ["code", "period"]),
              group_sizes(frame.iloc[2:], ["code", "period"])]
    pd.testing.assert_frame_equal(sum_counts(halves, ["code", "period"]), sizes)


def _meldingen(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "buurtcode": rng.choice(["BU05050101", "BU05050102", "BU05050201"], n),
        "period": rng.choice([2023, 2024], n),
        "category": rng.choice(np.array(["Jeugd", "Alcohol/drugs", None], dtype=object), n),
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 731, n), "D"),
    })


def test_count_tables_of_parts_add_up_to_the_whole() -> None:
    incidents = _meldingen(500, 3)
    parts = [incidents.iloc[:170], incidents.iloc[170:171], incidents.iloc[171:]]
    whole = area_counts(incidents, "buurtcode", PERIODS)
    assert int(whole["n"].sum()) == 500
    assert "onbekend" in set(whole["category"])
    pd.testing.assert_frame_equal(
        sum_counts([area_counts(p, "buurtcode", PERIODS) for p in parts],
                   ["buurtcode", "period", "category"]), whole)
    totals = incident_totals(incidents)
    summed = sum_incident_totals([incident_totals(p) for p in parts])
    pd.testing.assert_frame_equal(summed.counts, totals.counts)
    assert (summed.first, summed.last) == (incidents["date"].min(), incidents["date"].max())
    assert incident_totals(incidents.iloc[:0]).first is None


def test_counting_errors() -> None:
    incidents = _meldingen(10, 1)
    with pytest.raises(InputError, match="key = 'gemeente' is not an area code column"):
        area_counts(incidents, "gemeente", PERIODS)
    with pytest.raises(InputError, match="needs at least one count table"):
        sum_counts([], ["buurtcode"])


def test_the_week_split_counts_its_blocks_from_the_first_day_of_each_period() -> None:
    periods = Periods(2023, 2024, spans=(Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
                                         Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))
    dates = pd.to_datetime(["2023-07-01 08:00", "2023-07-07 23:00", "2023-07-08 00:00",
                            "2024-01-01 00:00", "2024-07-01 00:00", "2024-07-08 00:00"])
    frame = pd.DataFrame({"buurtcode": "BU05050101", "category": "Jeugd", "date": dates,
                          "period": periods.period_of(pd.Series(dates))})
    halves = half_counts(frame, periods)
    # 2023-07-01 is day 0 (half 0) and 2024-01-01 day 184 (week 26: half 0)
    assert halves.groupby(["period", "half"])["n"].sum().to_dict() == {
        (2023, 0): 3, (2023, 1): 1, (2024, 0): 1, (2024, 1): 1}
