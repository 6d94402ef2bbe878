"""Time windows spread over the clock hours they cover (#18, aoristic; Ratcliffe 2002)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.aoristic import NO_HOUR, NO_WEEKDAY, UNITS, clock_hours
from hotspotkaart.engine.counting import sum_counts
from hotspotkaart.engine.grid import CELL_WEEK_KEYS, cell_week_counts
from hotspotkaart.engine.timecounts import WEEK_KEYS, week_counts
from tests.helpers.timewindows import IN_BLOCK, NO_TIME, SPREAD, windowed_rows

PERIODS = Periods(2023, 2024)


def _stamp(values: list[str | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")


def _frame(windows: list[tuple[str | None, str | None]], date: str = "2024-05-01 09:00",
           timed: bool = True) -> pd.DataFrame:
    stamp = _stamp
    return pd.DataFrame({"date": stamp([date] * len(windows)), "timed": timed,
                         "time_from": stamp([w[0] for w in windows]),
                         "time_to": stamp([w[1] for w in windows])})


def _hours(window: tuple[str, str]) -> dict[tuple[int, int], float]:
    """The weight per (weekday, hour) of one window."""
    hours = clock_hours(_frame([window]))
    out: dict[tuple[int, int], float] = {}
    for d, h, w in zip(hours.weekday, hours.hour, hours.weight, strict=True):
        out[(int(d), int(h))] = out.get((int(d), int(h)), 0.0) + float(w)
    return out


def test_a_night_break_in_weighs_one_ninth_in_each_of_its_nine_hours() -> None:
    # Friday 1 March 2024 22:00 to Saturday 07:00
    got = _hours(("2024-03-01 22:00", "2024-03-02 07:00"))
    assert sorted(got) == [(5, 22), (5, 23), *((6, h) for h in range(7))]
    assert_allclose(list(got.values()), 1 / 9, atol=1e-6)
    assert sum(got.values()) == 1.0  # exactly: multiples of 2^-20


def test_parts_of_an_hour_weigh_by_their_minutes_across_midnight() -> None:
    got = _hours(("2024-03-03 22:30", "2024-03-04 00:30"))  # Sunday into Monday
    assert got == pytest.approx({(7, 22): 0.25, (7, 23): 0.5, (1, 0): 0.25}, abs=1e-6)
    got = _hours(("2024-03-04 14:00", "2024-03-04 15:00"))  # exactly one hour
    assert got == {(1, 14): 1.0}


def test_the_summer_time_nights_double_one_hour_and_skip_another() -> None:
    # 27 October 2024: 03:00 summer time becomes 02:00 winter time, so 02–03 comes twice
    october = _hours(("2024-10-26 22:00", "2024-10-27 07:00"))
    assert october[(7, 2)] == pytest.approx(0.2, abs=1e-6)  # 2 of the 10 real hours
    assert_allclose([w for k, w in october.items() if k != (7, 2)], 0.1, atol=1e-6)
    # 31 March 2024: 02:00 becomes 03:00, 02–03 does not exist
    march = _hours(("2024-03-30 22:00", "2024-03-31 07:00"))
    assert (7, 2) not in march
    assert len(march) == 8
    assert_allclose(list(march.values()), 1 / 8, atol=1e-6)
    assert sum(october.values()) == sum(march.values()) == 1.0


def test_a_doubled_or_skipped_clock_time_is_read_the_documented_way() -> None:
    # an end in the doubled hour is winter time: 01:00–02:30 is 2.5 real hours
    assert _hours(("2024-10-27 01:00", "2024-10-27 02:30")) == pytest.approx(
        {(7, 1): 0.4, (7, 2): 0.6}, abs=1e-6)
    # a time in the skipped hour is 03:00: 01:30–02:30 is half an hour
    assert _hours(("2024-03-31 01:30", "2024-03-31 02:30")) == {(7, 1): 1.0}


def test_a_window_without_length_is_a_moment_at_its_start_and_keeps_whole_counts() -> None:
    frame = _frame([("2024-05-03 23:59", "2024-05-03 23:59"), (None, None)],
                   date="2024-05-04 08:00")
    hours = clock_hours(frame)
    # the moment of the window, not the report in date; the row without a window keeps date
    assert list(zip(hours.weekday, hours.hour, strict=True)) == [(5, 23), (6, 8)]
    assert hours.weight.dtype == np.int64
    assert hours.windows.spread == 0
    untimed = clock_hours(frame.assign(timed=False).iloc[[1]])
    assert (untimed.weekday[0], untimed.hour[0]) == (NO_WEEKDAY, NO_HOUR)


def test_only_windows_within_one_block_count_whole() -> None:
    frame = _frame([("2024-05-01 01:30", "2024-05-01 02:30"),  # in block 0–3
                    ("2024-05-01 02:30", "2024-05-01 03:30"),  # over blocks 0–3 and 3–6
                    ("2024-05-01 12:00", "2024-05-01 15:00")])  # exactly the block 12–15
    hours = clock_hours(frame)
    whole = {int(m): int(hours.whole[hours.melding == m].sum()) for m in range(3)}
    assert whole == {0: 1, 1: 0, 2: 1}
    first = hours.hour[(hours.melding == 0) & (hours.whole == 1)]
    assert first.tolist() == [1]  # counted whole at its first hour
    assert (hours.windows.spread, hours.windows.in_block) == (3, 2)


def test_weights_are_whole_multiples_of_the_unit_adding_up_to_one() -> None:
    rng = np.random.default_rng(3)
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.uniform(0, 700 * 1440, 500),
                                                         unit="min")
    end = start + pd.to_timedelta(rng.uniform(1, 6.9 * 1440, 500), unit="min")
    frame = pd.DataFrame({"date": start, "timed": True, "time_from": start, "time_to": end})
    hours = clock_hours(frame)
    units = hours.weight * UNITS
    assert (units == np.round(units)).all()
    assert (np.bincount(hours.melding, weights=hours.weight) == 1.0).all()
    # a melding's parts lie in the hours between its start and its end
    covered = np.bincount(hours.melding)
    span = (end - start.floor("h")).to_numpy() / np.timedelta64(1, "h")
    assert (covered <= np.ceil(span) + 1).all()


def _windowed(n: int = 600) -> gpd.GeoDataFrame:
    """Meldingen as the reader gives them: each row's window (if any) and whether it is timed."""
    rng = np.random.default_rng(11)
    rows = windowed_rows(rng, n)
    van = pd.to_datetime(pd.Series([r.van for r in rows]), format="%d-%m-%Y %H:%M",
                         errors="coerce")
    tot = pd.to_datetime(pd.Series([r.tot for r in rows]), format="%d-%m-%Y %H:%M",
                         errors="coerce")
    used = np.array([r.kind not in NO_TIME and r.kind != "no_window" for r in rows])
    return gpd.GeoDataFrame({
        "buurtcode": rng.choice(["BU01", "BU02"], n), "period": [r.period for r in rows],
        "category": rng.choice(["Inbraak", "Jeugd"], n),
        "date": pd.to_datetime(pd.Series([r.datum for r in rows]), format="%d-%m-%Y %H:%M"),
        "timed": [r.kind not in NO_TIME for r in rows],
        "time_from": van.where(used), "time_to": tot.where(used),
        "kind": [r.kind for r in rows],
    }, geometry=gpd.points_from_xy(rng.uniform(100_000, 100_500, n),
                                   rng.uniform(420_000, 420_500, n)), crs="EPSG:28992")


def test_week_tables_add_up_to_the_meldingen_and_their_parts_to_the_whole() -> None:
    incidents = _windowed()
    table = week_counts(incidents, PERIODS)
    assert table["n"].dtype == np.float64
    per_area = table.groupby(["buurtcode", "period"])["n"].sum()
    expected = incidents.groupby(["buurtcode", "period"]).size()
    assert (per_area == expected.astype(float)).all()  # exactly, with the untimed row
    untimed = table.loc[table["hour"] == NO_HOUR, "n"].sum()
    assert untimed == incidents["kind"].isin(NO_TIME).sum()
    spread = incidents["kind"].isin(SPREAD).sum()
    assert table["n_block"].sum() == len(incidents) - spread
    assert table["n_block"].dtype == np.int64
    parts = [incidents.iloc[:101], incidents.iloc[101:102], incidents.iloc[102:]]
    summed = sum_counts([week_counts(p, PERIODS) for p in parts], list(WEEK_KEYS))
    pd.testing.assert_frame_equal(table, summed)  # identical, floats too
    cells = cell_week_counts(incidents, PERIODS, 100.0)
    assert cells["n"].sum() == len(incidents)
    cell_parts = sum_counts([cell_week_counts(p, PERIODS, 100.0) for p in parts],
                            list(CELL_WEEK_KEYS))
    pd.testing.assert_frame_equal(cells, cell_parts)


def test_kinds_of_the_generator_are_spread_as_they_say() -> None:
    incidents = _windowed(240)
    hours = clock_hours(incidents)
    kinds = incidents["kind"].to_numpy()[hours.melding]
    parts = pd.Series(hours.melding).groupby(kinds).agg(lambda m: m.value_counts().max())
    assert parts["night"] >= 7  # 20:xx–06:30 at the least
    assert parts["moment"] == parts["no_window"] == 1
    whole = pd.Series(hours.whole).groupby(kinds).sum()
    counts = incidents["kind"].value_counts()
    for kind in IN_BLOCK:
        assert whole[kind] == counts[kind]
    for kind in SPREAD:
        assert whole[kind] == 0
    assert hours.windows.spread == counts[list(SPREAD | IN_BLOCK)].sum()


def test_meldingen_without_windows_keep_whole_counts() -> None:
    incidents = _windowed(120)
    plain = incidents.drop(columns=["time_from", "time_to"])
    assert week_counts(plain, PERIODS)["n"].dtype == np.int64
    empty = incidents.assign(time_from=pd.NaT, time_to=pd.NaT)
    table = week_counts(empty, PERIODS)
    assert table["n"].dtype == np.int64
    assert (table["n"] == table["n_block"]).all()
