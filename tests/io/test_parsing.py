"""Tests of hotspotkaart.io.parsing: Dutch and English numbers, dates and their problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from hotspotkaart.io.parsing import date_order, formatted_dates, parse_dates, parse_numbers


def test_parse_numbers_handles_dutch_and_english_notation():
    values = pd.Series(["105233,4", "105233.4", "105.233,4", "105,233.4", " 12 ", "", "x",
                        "inf", None])
    assert_allclose(parse_numbers(values).to_numpy(),
                    [105233.4, 105233.4, 105233.4, 105233.4, 12, np.nan, np.nan, np.nan, np.nan])


def test_parse_dates_formats_and_problems():
    values = pd.Series(["03-07-2023", "3/7/2023 8:05", "2023-07-03T10:00:00+02:00",
                        "2023-07-03 10:00", "31-04-2023", "", "03-07-23x", "2023-13-01"])
    dates, problem = parse_dates(values)
    assert dates[:4].tolist() == [pd.Timestamp("2023-07-03"), pd.Timestamp("2023-07-03 08:05"),
                                  pd.Timestamp("2023-07-03 10:00"),
                                  pd.Timestamp("2023-07-03 10:00")]
    assert problem.tolist() == ["", "", "", "", "impossible", "missing", "unreadable",
                                "impossible"]


def test_far_future_and_far_past_dates_are_out_of_range_not_crashes():
    dates, problem = parse_dates(pd.Series(["31-12-9999", "01-01-0001", "9999-12-31T10:00:00Z",
                                            "2024-02-29"]))
    assert problem.tolist() == ["too_late", "too_early", "too_late", ""]
    assert dates.isna().tolist() == [True, True, True, False]
    typed = pd.Series(pd.to_datetime(["9999-12-31", None]).astype("datetime64[ms]"))
    assert parse_dates(typed)[1].tolist() == ["too_late", "missing"]


def test_parse_numbers_ignores_spaces_excel_puts_between_digit_groups():
    values = pd.Series(["105\u00a0233,4", "105\u202f233,4", "105 233,4", "١٠٥٢٣٣"])
    assert_allclose(parse_numbers(values).to_numpy(), [105233.4, 105233.4, 105233.4, np.nan])


@pytest.mark.parametrize("seed", [0, 1])
def test_a_column_of_plain_numbers_reads_as_it_does_among_other_notations(seed: int) -> None:
    # digits with one comma or point (what coordinate exports hold) are converted in one pass;
    # a column with any other notation goes through every rule: the numbers must not differ
    rng = np.random.default_rng(seed)
    whole, part = rng.integers(0, 10**9, 5000), rng.integers(0, 10**9, 5000)
    plain = [f"{a}{',.'[b % 2]}{str(b)[:b % 11 + 1]}" for a, b in zip(whole, part, strict=True)]
    plain += ["7", "0012", "9" * 400, "0,000001"]  # a whole number, zeros, too large, tiny
    alone = parse_numbers(pd.Series(plain, dtype="str", name="x"))
    among = parse_numbers(pd.Series([*plain, "-1.234,5"], dtype="str", name="x"))
    pd.testing.assert_series_equal(alone, among.iloc[:-1], check_exact=True)
    assert among.iloc[-1] == -1234.5
    assert np.isnan(alone.iloc[-2])
    assert alone.iloc[-4:-2].tolist() == [7.0, 12.0]
    assert_allclose(alone.iloc[:3], [float(t.replace(",", ".")) for t in plain[:3]], rtol=0)


def test_sql_server_timestamps_with_milliseconds_are_dates():
    dates, problem = parse_dates(pd.Series(["2023-06-01 12:00:00.000", "01-06-2023 23:59:59.997",
                                            "2023-06-01 12:00:00.5x"]))
    assert dates.iloc[0] == pd.Timestamp("2023-06-01 12:00")
    assert dates.iloc[1] == pd.Timestamp("2023-06-01 23:59:59.997")
    assert problem.tolist() == ["", "", "unreadable"]


def test_month_first_dates_are_told_from_the_whole_column():
    us = pd.Series(["07/13/2023 22:00", "12/01/2024", "02/28/2023", None])
    assert date_order(us) == "month-first"
    dates, problem = parse_dates(us, order="month-first")
    assert dates.tolist()[:3] == [pd.Timestamp("2023-07-13 22:00"), pd.Timestamp("2024-12-01"),
                                  pd.Timestamp("2023-02-28")]
    assert problem.tolist() == ["", "", "", "missing"]
    assert date_order(pd.Series(["13-07-2023", "01-12-2024"])) == "day-first"
    assert date_order(pd.Series(["01-02-2023", "03-04-2024"])) == "unsure"  # small: Dutch
    assert date_order(pd.Series(["01-02-2023", "03-04-2024"] * 25)) == "either"  # cannot tell
    assert date_order(pd.Series(["01-02-2023", "03-04-2024"] * 24)) == "unsure"
    assert date_order(pd.Series(["13/01/2023", "01/13/2023"] * 3)) == "mixed"
    assert date_order(pd.Series([*["13/01/2023"] * 300, "01/13/2023"])) == "day-first"  # typo
    assert date_order(pd.Series(["13/13/2023", "01/02/2023"])) == "unsure"  # no such day
    assert date_order(pd.Series(["2023-07-13", "2024-01-02"])) == "day-first"  # ISO


def test_has_time_tells_a_written_time_from_a_date_only() -> None:
    from hotspotkaart.io.parsing import has_time

    text = pd.Series(["01-05-2024", "01-05-2024 00:00", "2024-05-01T13:05:00Z", None, ""])
    assert has_time(text).tolist() == [False, True, True, False, False]
    typed = pd.to_datetime(pd.Series(["2024-05-01 00:00", "2024-05-01 13:00", None]))
    assert has_time(typed).tolist() == [False, True, False]  # a date field is at midnight


_ODD_DATES = ["01-02-2024 10:15", "1-2-2024 10:15", "31-02-2024 10:15", "29-02-2023 10:00",
              "29-02-2024 23:59", "01-13-2024 10:15", "00-01-2024 10:15", "01-01-2024 24:00",
              "01-01-2024 23:60", "01-01-2024  10:15", "01-01-0999 10:15", "31-12-9999 10:15",
              "01-01-1500 10:15", "01-01-2024 1:05", "01-01-2024 10:15:60", "01-01-2024 10:15:05",
              "٠١-٠١-٢٠٢٤ 10:15", "+1-01-2024 10:15", "31-12-2262 23:59", "21-09-1677 00:00",
              "", "x", "01/01/2024 10:15", "2024-01-01T10:15:00", "2024-1-1", "01-01-24 10:15"]


@pytest.mark.parametrize("fmt", ["%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                 "%d/%m/%Y %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"])
def test_formatted_dates_read_as_pandas_does(fmt: str) -> None:
    """The quick path (arrow, from 1000 texts) reads every text as pandas, or leaves it to it."""
    texts = pd.Series(_ODD_DATES * 50, dtype="str")
    quick = formatted_dates(texts, fmt)
    slow = pd.to_datetime(texts, format=fmt, errors="coerce").astype("datetime64[us]")
    assert quick.dtype == "datetime64[us]"
    pd.testing.assert_series_equal(quick, slow)


def test_date_order_reads_ascii_and_other_texts_alike() -> None:
    ascii_texts = pd.Series(["\x1c13-02-2024", " 5/6/2024 10:00", "07.08.2023"] * 400)
    assert date_order(ascii_texts) == "day-first"
    assert date_order(pd.concat([ascii_texts, pd.Series(["٠١-٠١-٢٠٢٤"])])) == "day-first"
    assert date_order(pd.Series(["02-13-2024", "5/6/2024"] * 600)) == "month-first"
