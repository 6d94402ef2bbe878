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
    compact,
    group_sizes,
    group_sums,
    half_counts,
    incident_totals,
    key_column,
    key_groups,
    plain,
    stack,
    sum_counts,
    sum_incident_totals,
)

PERIODS = Periods(2023, 2024)


def test_category_labels_of_missing_values() -> None:
    labels = category_labels(pd.Series(["Jeugd", None, np.nan, 3, "Jeugd"], dtype=object))
    assert labels.tolist() == ["Jeugd", "onbekend", "onbekend", "3", "Jeugd"]
    assert labels.categories.tolist() == ["3", "Jeugd", "onbekend"]  # distinct, sorted
    # a category written as "onbekend" and a missing one are one label
    both = category_labels(pd.Series(["onbekend", None, "Jeugd"], dtype=object))
    assert both.tolist() == ["onbekend", "onbekend", "Jeugd"]
    assert both.categories.tolist() == ["Jeugd", "onbekend"]


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


def _pandas_sizes(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """What group_sizes gave before it grouped on integer codes: pandas' own groupby."""
    out = frame.groupby(keys, sort=True, dropna=False).size().reset_index(name="n")
    out["n"] = out["n"].astype(np.int64)
    return out


def _key_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "code": rng.choice(np.array(["BU2", "BU10", "Bu1", "é", None], dtype=object), rows),
        "period": rng.choice([2023, 2024, -7], rows),
        "big": rng.choice([-(2**62), 0, 2**62], rows),  # too wide to count: hashed
        "hour": rng.integers(-1, 24, rows),
        "day": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 9, rows), "D"),
    })


@pytest.mark.parametrize("keys", [["code"], ["period", "code"], ["code", "big", "hour"],
                                  ["day", "code", "period", "hour"]])
def test_group_sizes_on_integer_codes_equal_pandas_groupby(keys: list[str]) -> None:
    frame = _key_frame(500, seed=len(keys))
    expected = _pandas_sizes(frame, keys)
    pd.testing.assert_frame_equal(group_sizes(frame, keys), expected)
    as_arrays = {k: frame[k].to_numpy() for k in keys}  # plain arrays: the same table
    pd.testing.assert_frame_equal(group_sizes(as_arrays, keys), expected)


@pytest.mark.parametrize("keys", [["code"], ["period", "code"], ["code", "big", "hour"]])
def test_group_sizes_on_categorical_keys_equal_those_on_their_values(keys: list[str]) -> None:
    frame = _key_frame(500, seed=10 + len(keys))
    frame.loc[frame.index[::17], "code"] = None  # missing codes group last, as with values
    expected = group_sizes(frame.astype({"code": object}), keys)
    unsorted = pd.Categorical(frame["code"], categories=["z", *sorted(
        frame["code"].dropna().unique(), reverse=True)])  # an unused one, not in order
    for codes in (key_column(frame["code"]), unsorted):
        as_categories = {**{k: frame[k].to_numpy() for k in keys}, "code": codes}
        got = group_sizes(as_categories, keys)
        pd.testing.assert_frame_equal(got, expected)
        assert got["code"].dtype == expected["code"].dtype  # plain values, not categories


def test_group_sizes_renumber_keys_whose_codes_would_overflow() -> None:
    rng = np.random.default_rng(3)
    # eight keys of about 300 values each: 301**8 codes do not fit in int64
    frame = pd.DataFrame({f"k{i}": rng.integers(0, 2**40, 300) * 7 for i in range(8)})
    frame["text"] = rng.choice(["a", "b"], 300)
    keys = [*(f"k{i}" for i in range(8)), "text"]
    pd.testing.assert_frame_equal(group_sizes(frame, keys), _pandas_sizes(frame, keys))
    coded = {**{k: frame[k].to_numpy() for k in keys}, "text": key_column(frame["text"])}
    pd.testing.assert_frame_equal(group_sizes(coded, keys), _pandas_sizes(frame, keys))


def test_group_sums_add_fractions_as_pandas_does() -> None:
    frame = _key_frame(2000, seed=5)
    weight = np.random.default_rng(6).random(2000) / 3
    whole = np.ones(2000, dtype=np.int64)
    expected = (frame[["code", "hour"]].assign(n=weight, n_block=whole)
                .groupby(["code", "hour"], sort=True, dropna=False)[["n", "n_block"]].sum()
                .reset_index())
    got = group_sums(frame, ["code", "hour"], {"n": weight, "n_block": whole})
    pd.testing.assert_frame_equal(got, expected, check_exact=True)  # bit for bit
    assert got["n_block"].dtype == np.int64


def test_key_groups_numbers_rows_in_key_order() -> None:
    groups = key_groups({"a": np.array(["y", "x", "y", None], dtype=object),
                         "b": np.array([2, 5, 1, 0])}, ["a", "b"])
    assert groups is not None
    ids, table = groups
    assert ids.tolist() == [2, 0, 1, 3]
    assert table["a"].tolist()[:3] == ["x", "y", "y"]
    assert pd.isna(table["a"].iloc[3])
    assert table["b"].tolist() == [5, 1, 2, 0]
    assert key_groups({"a": np.array([], dtype=object)}, ["a"]) is None


def test_sum_counts_of_many_parts_equal_pandas_groupby() -> None:
    frame = _key_frame(900, seed=8)
    keys = ["code", "period", "hour"]
    parts = [group_sizes(frame.iloc[i:i + 300], keys) for i in range(0, 900, 300)]
    pd.testing.assert_frame_equal(sum_counts(parts, keys), _pandas_sizes(frame, keys))


def test_sum_counts_of_parts_with_sparse_keys_equal_pandas_groupby() -> None:
    # 3 000 codes × 25 hours × 60 minutes: far more combinations than rows, so the groups are
    # ranked by sorting their combined codes, not by counting them
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"code": [f"BU{i:05d}" for i in rng.integers(0, 3000, 600)],
                          "hour": rng.integers(-1, 24, 600), "minute": rng.integers(0, 60, 600)})
    keys = ["code", "hour", "minute"]
    weight = rng.integers(1, 8, 600) / 4  # fractions, exact in any order (as aoristic ones)
    parts = [group_sums(frame.iloc[i:i + 200], keys,
                        {"n": weight[i:i + 200], "n_block": np.ones(200, dtype=np.int64)})
             for i in range(0, 600, 200)]
    parts[1] = parts[1].drop(columns="n_block")  # a count a part does not have adds nothing
    summed = sum_counts(parts, keys)
    expected = (pd.concat(parts).fillna({"n_block": 0}).groupby(keys, sort=True)[["n", "n_block"]]
                .sum().reset_index())
    expected["n_block"] = expected["n_block"].astype(np.int64)
    pd.testing.assert_frame_equal(summed, expected, check_exact=True)
    assert summed["n_block"].sum() == 400


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


def _when_like(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "area_type": pd.array(rng.choice(["wijk", "buurt", "stad"], rows), dtype="str"),
        "area_code": pd.array([f"BU{i:03d}" if i else None for i in rng.integers(0, 50, rows)],
                              dtype=pd.StringDtype("pyarrow")),
        "category": pd.array(rng.choice(["Jeugd", "", "Alcohol/drugs"], rows),
                             dtype="string[python]"),
        "count": rng.integers(0, 9, rows)})


def _plain(values: pd.Series) -> list[object]:
    return [None if pd.isna(v) else str(v) for v in values]


def test_compact_codes_each_text_column_with_its_sorted_texts_and_plain_undoes_it() -> None:
    table = _when_like(400, seed=1)
    kept = table.copy()
    small = compact(table)
    pd.testing.assert_frame_equal(table, kept)  # the input is kept
    back = plain(small)
    for name in ("area_type", "area_code", "category"):
        assert isinstance(small[name].dtype, pd.CategoricalDtype), name
        assert small[name].cat.categories.is_monotonic_increasing
        assert _plain(small[name]) == _plain(table[name])
        assert isinstance(back[name].dtype, pd.StringDtype), name  # text again, the same
        assert _plain(back[name]) == _plain(table[name])
    assert small["count"].dtype == table["count"].dtype
    # sorted and grouped as the texts were
    by = ["area_type", "area_code", "count"]
    np.testing.assert_array_equal(small.sort_values(by, kind="stable").index,
                                  table.sort_values(by, kind="stable").index)
    assert (small.groupby("area_code", sort=True)["count"].sum().tolist()
            == table.groupby("area_code", sort=True)["count"].sum().tolist())


def test_stack_keeps_categoricals_with_the_categories_united() -> None:
    first, second = compact(_when_like(300, seed=2)), _when_like(50, seed=3)
    second.loc[0, "area_code"] = "CL2024-01"  # a text the first part does not have
    stacked = stack([first, second, second.iloc[:0]])
    expected = pd.concat([first.astype({c: object for c in ("area_type", "area_code",
                                                            "category")}),
                          second.astype({c: object for c in ("area_type", "area_code",
                                                             "category")})],
                         ignore_index=True)
    assert len(stacked) == 350
    for name in ("area_type", "area_code", "category"):
        assert isinstance(stacked[name].dtype, pd.CategoricalDtype), name
        assert stacked[name].cat.categories.is_monotonic_increasing
        assert _plain(stacked[name]) == _plain(expected[name])
    assert "CL2024-01" in set(stacked["area_code"].cat.categories)
