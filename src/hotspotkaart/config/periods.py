"""The periods of a build: calendar years or ranges of whole months, and the trend's periods.

``[periods]`` names the two periods that are compared, ``base`` and ``compare``, each a calendar
year (``2023``) or a range of whole months, both dates inclusive (``{ from = "2023-07-01", to =
"2024-06-30" }``, TOML dates such as ``2023-07-01`` too). An optional ``trend`` lists the
consecutive periods whose quarters the trend runs over (``[2022, 2023, 2024]``); it holds the
base and the compare period, and the meldingen of its other periods count for the trend (and
the months table) only.

Every period has an int *key*, the year it starts in: the key names the columns of the tables
(``count_2023``) and is the ``period`` of a melding. :meth:`Periods.label` is the one place
that makes the text the maps and ``summary.json`` show for it: the year of a calendar year
(``2023``), else the months (``jul 2023–jun 2024``).

Why whole months: the months table, the monthly charts and the quarters of the trend are made
of calendar months, so a period that began on 15 July would split a month between two periods.
Why 1 to 12 months: a period of under a month gives the tests hardly any days to compare, and
one of more than a year would hold a season twice, which the change test and the quarters of
the trend cannot weigh. Two periods that start in the same year would get the same key and so
the same column names; they are refused with a sentence that says what to choose instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import ConfigError, HotspotkaartWarning
from hotspotkaart.config._values import check_keys

__all__ = ["MAX_MONTHS", "MONTHS", "NO_PERIOD", "PERIOD_KEYS", "Period", "Periods",
           "parse_periods"]

logger = logging.getLogger(__name__)

#: Dutch month abbreviations, January first (the labels of periods and of the monthly charts).
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

#: The ``period`` of a date that falls in no period of the build.
NO_PERIOD = 0

#: The longest period, in months; the shortest is one month.
MAX_MONTHS = 12

#: The keys of ``[periods]``.
PERIOD_KEYS = {"base", "compare", "trend"}

#: Base and compare lengths that differ by more than this share are warned about.
LENGTH_TOLERANCE = 0.10

_EXAMPLE = 'a year such as 2023, or a range such as { from = "2023-07-01", to = "2024-06-30" }'


@dataclass(frozen=True)
class Period:
    """One period: its first and its last day (both inclusive), whole months of at most a year.

    Raises
    ------
    ConfigError
        If the days are not dates, ``first`` is not the first day of a month, ``last`` not
        the last day of one, or the period is not 1 to :data:`MAX_MONTHS` months long.
    """

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        _check_span(self.first, self.last, "a period")

    @classmethod
    def of_year(cls, year: int) -> Period:
        """Return the calendar year ``year``."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @property
    def key(self) -> int:
        """The year the period starts in: the name of its columns."""
        return self.first.year

    @property
    def whole_year(self) -> bool:
        """Whether the period is one calendar year."""
        return self.first.month == 1 and self.months == 12

    @property
    def months(self) -> int:
        """The number of months of the period."""
        return _month_number(self.last) - _month_number(self.first) + 1

    @property
    def days(self) -> int:
        """The number of days of the period."""
        return (self.last - self.first).days + 1

    def calendar_months(self) -> list[int]:
        """Return every month of the period as ``year * 100 + month``, the first first."""
        start = _month_number(self.first)
        return [(n // 12) * 100 + n % 12 + 1 for n in range(start, start + self.months)]

    @property
    def label(self) -> str:
        """``2023`` for a calendar year; ``jul 2023–jun 2024``, ``mrt–aug 2023``, ``jul 2023``."""
        if self.whole_year:
            return str(self.key)
        first, last = MONTHS[self.first.month - 1], MONTHS[self.last.month - 1]
        if self.months == 1:
            return f"{first} {self.key}"
        if self.first.year == self.last.year:
            return f"{first}–{last} {self.key}"
        return f"{first} {self.first.year}–{last} {self.last.year}"


@dataclass(frozen=True)
class Periods:
    """The periods of a build: the compared ``base`` and ``compare``, and the trend's.

    Parameters
    ----------
    base, compare : int
        The keys of the two compared periods (the year each starts in).
    spans : tuple of Period, optional
        Every period of the build in time order, the trend-only ones included; by default the
        calendar years ``base`` and ``compare``.

    Raises
    ------
    ConfigError
        If ``base`` or ``compare`` is not the key of one of ``spans``, two periods share a
        key, or the periods are not in time order without overlap.
    """

    base: int
    compare: int
    spans: tuple[Period, ...] = ()

    def __post_init__(self) -> None:
        if not self.spans:
            object.__setattr__(self, "spans", (Period.of_year(self.base),
                                               Period.of_year(self.compare)))
        keys = [p.key for p in self.spans]
        if self.base not in keys or self.compare not in keys or len(set(keys)) < len(keys):
            msg = (f"periods: base {self.base} and compare {self.compare} must be keys of "
                   f"distinct periods, got {keys}")
            raise ConfigError(msg)
        if any(a.last >= b.first for a, b in itertools.pairwise(self.spans)):
            msg = f"periods: {[p.label for p in self.spans]} must follow one another in time"
            raise ConfigError(msg)

    @property
    def years(self) -> tuple[int, int]:
        """The keys of the compared periods, base first (the year of a calendar year)."""
        return (self.base, self.compare)

    @property
    def keys(self) -> tuple[int, ...]:
        """The keys of every period, in time order (the trend's included)."""
        return tuple(p.key for p in self.spans)

    @property
    def trend_only(self) -> tuple[int, ...]:
        """The keys of the periods that only feed the trend."""
        return tuple(k for k in self.keys if k not in self.years)

    @property
    def calendar_years(self) -> bool:
        """Whether every period is a calendar year (its label is then its year)."""
        return all(p.whole_year for p in self.spans)

    def as_dict(self) -> dict[str, Any]:
        """Return ``periods`` of ``summary.json``: the keys, and every period unless two years."""
        block: dict[str, Any] = {"base": self.base, "compare": self.compare}
        if not self.calendar_years or self.trend_only:
            roles = {self.base: "base", self.compare: "compare"}
            block["all"] = [{"key": p.key, "label": p.label, "from": p.first.isoformat(),
                             "to": p.last.isoformat(), "days": p.days,
                             "use": roles.get(p.key, "trend")} for p in self.spans]
        return block

    def method_text(self) -> str:
        """Return the periods as the method stamp of the maps names them (Dutch)."""
        compared = [self.period(key) for key in self.years]
        if self.calendar_years:
            text = " en ".join(p.label for p in compared) + " (kalenderjaren)"
        else:
            text = " en ".join(f"{p.label} ({p.first:%d-%m-%Y} t/m {p.last:%d-%m-%Y})"
                               for p in compared)
        if self.trend_only:
            text += f"; trend over {', '.join(p.label for p in self.spans)}"
        return text

    def period(self, key: int) -> Period:
        """Return the period of ``key``; raise :class:`ConfigError` for an unknown key."""
        for span in self.spans:
            if span.key == key:
                return span
        msg = f"{key!r} is not a period of the build; the periods are {list(self.keys)}"
        raise ConfigError(msg)

    def label(self, key: int) -> str:
        """Return the text the maps show for period ``key`` (see :attr:`Period.label`)."""
        return self.period(key).label

    def start(self, key: int) -> pd.Timestamp:
        """Return the first day of period ``key`` (midnight)."""
        return pd.Timestamp(self.period(key).first)

    def end(self, key: int) -> pd.Timestamp:
        """Return the last day of period ``key`` (midnight of that day; the day is inside)."""
        return pd.Timestamp(self.period(key).last)

    def days(self, key: int) -> int:
        """Return the number of days of period ``key`` (366 for a leap year)."""
        return self.period(key).days

    def period_of(self, dates: Any) -> npt.NDArray[np.int64]:
        """Return the key of the period each date falls in, :data:`NO_PERIOD` for none.

        A period holds every moment from 00:00 of its first day up to 24:00 of its last;
        a missing date is in none.
        """
        moments = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[ns]")
        out = np.full(len(moments), NO_PERIOD, dtype=np.int64)
        for span in self.spans:
            start = np.datetime64(span.first, "ns")
            stop = np.datetime64(span.last + dt.timedelta(days=1), "ns")
            out[(moments >= start) & (moments < stop)] = span.key
        return out

    def day_in_period(self, dates: Any, keys: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Return how many days after the first day of its period (``keys``) each date lies."""
        days = pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[D]")
        keys = np.asarray(keys, dtype=np.int64)
        first = np.zeros(len(days), dtype="datetime64[D]")
        for span in self.spans:
            first[keys == span.key] = np.datetime64(span.first, "D")
        return (days - first).astype(np.int64)

    @property
    def steps(self) -> int:
        """The quarters of the trend: each period's from its start, the last one maybe short."""
        return sum(_quarters(p) for p in self.spans)

    def step_of_month(self, months: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Return the trend quarter of each month ``year * 100 + month``; -1 outside every period.

        The quarters are counted from 0 at the first period's first month.
        """
        month = np.asarray(months, dtype=np.int64)
        number = (month // 100) * 12 + (month % 100 - 1)
        out = np.full(month.shape, -1, dtype=np.int64)
        offset = 0
        for span in self.spans:
            since = number - _month_number(span.first)
            inside = (since >= 0) & (since < span.months)
            out[inside] = offset + since[inside] // 3
            offset += _quarters(span)
        return out

    def step_bounds(self) -> list[tuple[int, pd.Timestamp, pd.Timestamp]]:
        """Return the period key, first and last day of every quarter of :attr:`steps`."""
        out = []
        for span in self.spans:
            for q in range(_quarters(span)):
                first = pd.Timestamp(span.first) + pd.DateOffset(months=3 * q)
                last = min(first + pd.DateOffset(months=3) - pd.Timedelta(days=1),
                           pd.Timestamp(span.last))
                out.append((span.key, first, last))
        return out


def _month_number(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _quarters(span: Period) -> int:
    return -(-span.months // 3)


def _check_span(first: Any, last: Any, where: str) -> None:
    """Refuse a period that is not whole months of 1 to :data:`MAX_MONTHS`, naming ``where``."""
    if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in (first, last)):
        msg = f"{where}: from = {first!r} and to = {last!r} must be dates such as 2023-07-01"
        raise ConfigError(msg)
    if first > last:
        msg = f"{where}: from = {first} comes after to = {last}; give the first day first"
        raise ConfigError(msg)
    if first.day != 1:
        msg = (f"{where}: from = {first} is not the first day of a month; a period is whole "
               f"months (the months and quarters are calendar months), e.g. from = "
               f"{first.replace(day=1)}")
        raise ConfigError(msg)
    month_end = calendar.monthrange(last.year, last.month)[1]
    if last.day != month_end:
        msg = (f"{where}: to = {last} is not the last day of a month; a period is whole "
               f"months, e.g. to = {last.replace(day=month_end)}")
        raise ConfigError(msg)
    months = _month_number(last) - _month_number(first) + 1
    if months > MAX_MONTHS:
        msg = (f"{where}: from = {first} to {last} is {months} months long; a period is 1 to "
               f"{MAX_MONTHS} months (one season each), so split it, e.g. to = "
               f"{(pd.Timestamp(first) + pd.DateOffset(years=1) - pd.Timedelta(days=1)).date()}")
        raise ConfigError(msg)


# -- parsing ---------------------------------------------------------------------------------


def parse_periods(t: Mapping[str, Any], cfg: Path) -> Periods:
    """Parse the ``[periods]`` table: ``base``, ``compare`` and the optional ``trend``.

    Raises
    ------
    ConfigError
        With a sentence naming ``[periods]``, the key, the value and what is allowed.

    Warns
    -----
    HotspotkaartWarning
        If base and compare differ in length by more than :data:`LENGTH_TOLERANCE`.
    """
    where = f"{cfg}: [periods]"
    check_keys(t, PERIOD_KEYS, "[periods]", cfg)
    base = _period(t.get("base"), f"{where} base")
    compare = _period(t.get("compare"), f"{where} compare")
    if compare.first <= base.last and compare.last >= base.first:
        msg = (f"{where} base = {_shown(base)} and compare = {_shown(compare)} overlap; a "
               "melding can be in one period only, so let compare begin after base ends")
        raise ConfigError(msg)
    if compare.first < base.first:
        if base.whole_year and compare.whole_year:
            msg = f"{where} base = {base.key} must come before compare = {compare.key}"
        else:
            msg = (f"{where} compare = {_shown(compare)} comes before base = {_shown(base)}; "
                   "base is the earlier period")
        raise ConfigError(msg)
    if base.key == compare.key:
        msg = (f"{where} base = {_shown(base)} and compare = {_shown(compare)} both start in "
               f"{base.key}, so their columns would both be named count_{base.key}; compare "
               f"periods that start in different years, e.g. the same months a year apart")
        raise ConfigError(msg)
    _warn_lengths(base, compare, where)
    spans = _trend(t, base, compare, where) if "trend" in t else (base, compare)
    return Periods(base=base.key, compare=compare.key, spans=spans)


def _period(value: Any, where: str) -> Period:
    """Parse one period: a year, or a table ``{ from, to }`` of ISO or TOML dates."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1900 <= value <= 2100:
            msg = f"{where} = {value!r} is not a year from 1900 to 2100; expected {_EXAMPLE}"
            raise ConfigError(msg)
        return Period.of_year(value)
    if not isinstance(value, dict):
        msg = f"{where} = {value!r} is not a year or a range; expected {_EXAMPLE}"
        if isinstance(value, str) and value.strip().isdigit():
            msg = f"{where} = {value!r} is not a year; expected a whole number such as 2023"
        raise ConfigError(msg)
    unknown = sorted(set(value) - {"from", "to"})
    if unknown or not {"from", "to"} <= set(value):
        msg = (f"{where} = {value!r} must have exactly the keys from and to (both dates, "
               "both inclusive), e.g. { from = \"2023-07-01\", to = \"2024-06-30\" }")
        raise ConfigError(msg)
    first, last = (_date(value[k], f"{where} {k}") for k in ("from", "to"))
    _check_span(first, last, where)
    years = [d.year for d in (first, last)]
    if not all(1900 <= y <= 2100 for y in years):
        msg = f"{where}: {first} to {last} lies outside the years 1900 to 2100"
        raise ConfigError(msg)
    return Period(first, last)


def _date(value: Any, where: str) -> dt.date:
    """Return a TOML date, or an ISO date text (``2023-07-01``), as a date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    msg = (f"{where} = {value!r} is not a date; write it as \"2023-07-01\" (year-month-day) "
           "or as the TOML date 2023-07-01, without a time")
    raise ConfigError(msg)


def _shown(period: Period) -> str:
    return str(period.key) if period.whole_year else f"{period.first} to {period.last}"


def _warn_lengths(base: Period, compare: Period, where: str) -> None:
    """Warn when base and compare differ much in length or cover different months."""
    longer, shorter = max(base.days, compare.days), min(base.days, compare.days)
    seasons = base.months < 12 and base.first.month != compare.first.month
    if longer <= (1 + LENGTH_TOLERANCE) * shorter and not seasons:
        return
    differ = "cover different months of the year" if seasons else "differ in length"
    msg = (f"{where} base ({base.label}, {base.days} days) and compare ({compare.label}, "
           f"{compare.days} days) {differ}: the tests compare meldingen per day, so a "
           "season that only one of them holds weighs in the change; compare the same "
           "months where you can")
    logger.warning(msg)
    warnings.warn(msg, HotspotkaartWarning, stacklevel=4)


def _trend(t: Mapping[str, Any], base: Period, compare: Period,
           where: str) -> tuple[Period, ...]:
    """Parse ``trend``: consecutive periods that hold base and compare."""
    value = t["trend"]
    if not isinstance(value, list) or len(value) < 2:
        msg = (f"{where} trend = {value!r} must be a list of two or more periods in time "
               "order (years or ranges), e.g. trend = [2022, 2023, 2024]")
        raise ConfigError(msg)
    spans = [_period(item, f"{where} trend[{i}]") for i, item in enumerate(value)]
    for name, period in (("base", base), ("compare", compare)):
        if period not in spans:
            msg = (f"{where} trend = {value!r} does not hold {name} = {_shown(period)}; list "
                   "every period of the trend, base and compare included")
            raise ConfigError(msg)
    _check_consecutive(spans, value, where)
    return tuple(spans)


def _check_consecutive(spans: Sequence[Period], value: Any, where: str) -> None:
    """Refuse trend periods out of order, overlapping, with gaps between them or one key twice."""
    for before, after in itertools.pairwise(spans):
        if after.first <= before.last:
            msg = (f"{where} trend = {value!r}: {_shown(after)} does not begin after "
                   f"{_shown(before)} ends; list the periods in time order without overlap")
            raise ConfigError(msg)
        if after.first != before.last + dt.timedelta(days=1):
            msg = (f"{where} trend = {value!r}: between {_shown(before)} and {_shown(after)} "
                   "lie days of no period; the trend's periods must follow one another "
                   "without a gap (its quarters are steps of equal length)")
            raise ConfigError(msg)
        if after.key == before.key:
            msg = (f"{where} trend = {value!r}: {_shown(before)} and {_shown(after)} both "
                   f"start in {after.key}, so their columns would have one name; use periods "
                   "that start in different years, e.g. whole years")
            raise ConfigError(msg)
