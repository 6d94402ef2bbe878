"""The clock hours of each melding: its moment, or its time window spread over the hours it covers.

A melding's weekday and hour are those of its moment on the local clock (Europe/Amsterdam), or
none for a melding whose source gave a date only (``timed`` False: weekday :data:`NO_WEEKDAY`,
hour :data:`NO_HOUR`). Where the source gave a **time window** instead
(``time_from``/``time_to``, see :mod:`hotspotkaart.io.incidentdates`), the melding's weight of 1
is spread over the clock hours the window covers, in proportion to the time it spends in each:
the *aoristic* count of Ratcliffe (2002, "Aoristic signatures and the spatio-temporal analysis
of high volume crime patterns", Journal of Quantitative Criminology 18(1), 23–43). A break-in
between 22:00 and 07:00 adds 1/9 to each of those nine hours; one between 22:30 and 00:30 adds
1/4 to 22:00, 1/2 to 23:00 and 1/4 to 00:00 of the next weekday.

The window lies on the real time line and is counted on the clock of each moment in it, as the
moments of :func:`clock_hours` are: the hour that occurs twice when summer time ends is covered
twice (and weighs twice), the hour skipped when it begins holds nothing. An end that names the
doubled hour is read the widest way (the start in summer time, the end in winter time); a time
in the skipped hour is read as 03:00. A window whose start equals its end is a moment.

The weights are whole multiples of 2⁻²⁰ (:data:`UNITS`), rounded on the cumulative time so that
each melding's add up to exactly 1: every sum of them is exact in floating point, so count
tables of parts of the meldingen add up to those of the whole in any order and both engines
give identical tables. Without any window spread, the weights are whole numbers (int64).

The exact tests of hot times need whole counts; a window that lies within one weekday ×
:data:`BLOCK_HOURS`-hour block (the blocks of :mod:`hotspotkaart.stats.hottimes`) is known at that
resolution, so ``whole`` counts it once, at its first hour, while a window over more blocks is
left out of those tests (:mod:`hotspotkaart.stats.temporal`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._validate import require_columns

__all__ = ["BLOCK_HOURS", "NO_HOUR", "NO_WEEKDAY", "UNITS", "ClockHours", "WindowCounts",
           "clock_hours"]

#: ``weekday`` and ``hour`` of a melding without a time of day.
NO_WEEKDAY, NO_HOUR = 0, -1

#: The hours of one block of the hot-time tests; a window within one block is counted whole.
BLOCK_HOURS = 3

#: The parts of 1 a spread melding's weights are whole multiples of (2²⁰).
UNITS = 2**20

_ZONE = "Europe/Amsterdam"
_HOUR_US = 3_600_000_000  # an hour in microseconds


@dataclass(frozen=True)
class WindowCounts:
    """How many meldingen were spread over the hours of their window, and within one block."""

    spread: int = 0
    in_block: int = 0

    def __add__(self, other: WindowCounts) -> WindowCounts:
        return WindowCounts(self.spread + other.spread, self.in_block + other.in_block)

    def as_dict(self) -> dict[str, int]:
        """Return the counts for ``summary.json`` (``method.when.time_windows``)."""
        return {"spread": self.spread, "within_one_block": self.in_block}


@dataclass(frozen=True)
class ClockHours:
    """The clock hours of some meldingen: one row per melding and hour it counts in.

    Attributes
    ----------
    melding : numpy.ndarray of intp
        The melding's position in the frame.
    weekday, hour : numpy.ndarray of int64
        1 = maandag … 7 = zondag and 0–23; :data:`NO_WEEKDAY` and :data:`NO_HOUR` without a
        time of day.
    weight : numpy.ndarray
        The melding's part in this hour: 1 (int64) where no window was spread, else float64
        multiples of ``1 / UNITS`` adding up to 1 per melding.
    whole : numpy.ndarray of int64
        1 where the melding counts whole here (every melding but a spread window, and a window
        within one block at its first hour), else 0: the counts of the hot-time tests.
    windows : WindowCounts
        The meldingen spread over their window, and those within one block.
    """

    melding: npt.NDArray[np.intp]
    weekday: npt.NDArray[np.int64]
    hour: npt.NDArray[np.int64]
    weight: npt.NDArray[np.int64] | npt.NDArray[np.float64]
    whole: npt.NDArray[np.int64]
    windows: WindowCounts


def clock_hours(incidents: pd.DataFrame) -> ClockHours:
    """Return the clock hours of each melding: its moment, or its window spread.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``date`` (naive local time) and ``timed``, and optionally
        ``time_from`` and ``time_to`` (naive local time; NaT where the melding has no window).
        Not modified.

    Returns
    -------
    ClockHours
        One row per melding without a spread window, one per hour with a part of it for the
        others.
    """
    require_columns(incidents, ("date", "timed"), "incidents")
    dates = pd.to_datetime(incidents["date"])
    timed = incidents["timed"].to_numpy(dtype=bool)
    weekday = np.where(timed, dates.dt.day_of_week.to_numpy() + 1, NO_WEEKDAY).astype(np.int64)
    hour = np.where(timed, dates.dt.hour.to_numpy(), NO_HOUR).astype(np.int64)
    n = len(incidents)
    ones = np.ones(n, dtype=np.int64)
    if "time_from" not in incidents.columns or "time_to" not in incidents.columns:
        return ClockHours(np.arange(n), weekday, hour, ones, ones, WindowCounts())
    start = pd.to_datetime(incidents["time_from"]).reset_index(drop=True)
    end = pd.to_datetime(incidents["time_to"]).reset_index(drop=True)
    window = (start.notna() & end.notna()).to_numpy()
    begin_us, end_us = _utc_us(start, window, earlier=True), _utc_us(end, window, earlier=False)
    spread = window & (end_us > begin_us)
    moment = window & ~spread  # counted at its start, on the clock as a moment is
    weekday[moment] = start[moment].dt.day_of_week.to_numpy() + 1
    hour[moment] = start[moment].dt.hour.to_numpy()
    if not spread.any():
        return ClockHours(np.arange(n), weekday, hour, ones, ones, WindowCounts())
    single = np.flatnonzero(~spread)
    parts = _spread(np.flatnonzero(spread), begin_us[spread], end_us[spread])
    return ClockHours(
        melding=np.concatenate([single, parts.melding]),
        weekday=np.concatenate([weekday[single], parts.weekday]),
        hour=np.concatenate([hour[single], parts.hour]),
        weight=np.concatenate([np.ones(len(single)), parts.weight]),
        whole=np.concatenate([ones[single], parts.whole]),
        windows=parts.windows)


def _utc_us(local: pd.Series, window: npt.NDArray[np.bool_], *,
            earlier: bool) -> npt.NDArray[np.int64]:
    """Place naive local times on the UTC time line, in microseconds (0 outside ``window``).

    A time in the hour that occurs twice is read in summer time (``earlier``) or in winter
    time; one in the skipped hour as 03:00.
    """
    out = np.zeros(len(local), dtype=np.int64)
    if window.any():
        chosen = local[window]
        aware = chosen.dt.tz_localize(_ZONE, ambiguous=np.full(len(chosen), earlier),
                                      nonexistent="shift_forward")
        utc = aware.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        out[window] = utc.astype("datetime64[us]").astype(np.int64)
    return out


def _spread(meldingen: npt.NDArray[np.intp], begin: npt.NDArray[np.int64],
            end: npt.NDArray[np.int64]) -> ClockHours:
    """Spread windows ``[begin, end)`` (UTC microseconds, ``end > begin``) over their hours."""
    first = begin // _HOUR_US * _HOUR_US  # the hours of UTC and of the Dutch clock coincide
    hours = (end - first + _HOUR_US - 1) // _HOUR_US
    owner = np.repeat(np.arange(len(meldingen)), hours)
    starts = np.cumsum(hours) - hours
    segment = first[owner] + (np.arange(len(owner)) - starts[owner]) * _HOUR_US
    length = (end - begin)[owner]
    done = np.minimum(segment + _HOUR_US, end[owner]) - begin[owner]  # the window up to here
    cumulative = np.rint(done / length * UNITS).astype(np.int64)  # exactly UNITS at the end
    before = np.concatenate([[0], cumulative[:-1]])
    before[starts] = 0
    units = cumulative - before
    keep = units > 0
    owner, segment, units = owner[keep], segment[keep], units[keep]
    clock = pd.DatetimeIndex(segment.astype("datetime64[us]")).tz_localize("UTC").tz_convert(
        _ZONE)
    weekday = (clock.day_of_week.to_numpy() + 1).astype(np.int64)
    hour = clock.hour.to_numpy().astype(np.int64)
    block = (weekday - 1) * (24 // BLOCK_HOURS) + hour // BLOCK_HOURS
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])  # every window keeps a part
    in_block = np.minimum.reduceat(block, firsts) == np.maximum.reduceat(block, firsts)
    whole = np.zeros(len(owner), dtype=np.int64)
    whole[firsts[in_block]] = 1
    return ClockHours(melding=meldingen[owner], weekday=weekday, hour=hour,
                      weight=units / UNITS, whole=whole,
                      windows=WindowCounts(len(meldingen), int(in_block.sum())))
