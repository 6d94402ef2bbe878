"""When overlast happens: meldingen counted per buurt by weekday and hour, and by month.

Like the other count tables these add up over chunks and partitions
(:func:`hotspotkaart.engine.counting.sum_counts`), so the dask engine gives the same tables as
the memory engine. Dates are local time (Europe/Amsterdam, as the readers leave them): the
weekday and hour are those on the clock of the day, so the hour that occurs twice when summer
time ends counts twice and the hour that is skipped when it begins holds nothing, as a
handhaver's rota sees them.

A melding whose source gave a date without a time (``timed`` is False) is counted with
``weekday = 0`` and ``hour = -1``: in the time table, never as 00:00. A melding with a time
window is spread over the hours it covers (:mod:`hotspotkaart.engine.aoristic`): its counts are
then fractions, and ``n_block`` holds the whole counts the tests of hot times use.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._validate import period_array, require_columns
from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.aoristic import NO_HOUR, NO_WEEKDAY, ClockHours, clock_hours
from hotspotkaart.engine.counting import category_labels, group_sizes, group_sums, key_column

__all__ = ["MONTH_COLUMNS", "NO_HOUR", "NO_WEEKDAY", "WEEK_COLUMNS", "WEEK_KEYS",
           "month_counts", "month_keys", "week_counts"]

#: The keys of :func:`week_counts`; ``weekday`` 1 = maandag … 7 = zondag, ``hour`` 0–23.
WEEK_KEYS: tuple[str, ...] = ("buurtcode", "period", "category", "weekday", "hour")

#: Columns of :func:`week_counts`: the keys, the meldingen ``n`` and the whole ``n_block``.
WEEK_COLUMNS: tuple[str, ...] = (*WEEK_KEYS, "n", "n_block")

#: Columns of :func:`month_counts`; ``month`` as ``year * 100 + month`` (202307 = July 2023).
MONTH_COLUMNS: tuple[str, ...] = ("buurtcode", "category", "month", "n")


def week_counts(incidents: pd.DataFrame, periods: Periods,
                hours: ClockHours | None = None) -> pd.DataFrame:
    """Count meldingen per buurt, period, category, weekday and hour.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``buurtcode``, ``period``, ``category``, ``date`` (naive local time)
        and ``timed`` (whether the source gave a time), and optionally a time window
        (``time_from``, ``time_to``). Not modified.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    hours : ClockHours, optional
        :func:`~hotspotkaart.engine.aoristic.clock_hours` of ``incidents``, when made already.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`WEEK_COLUMNS`, one row per combination that occurs;
        meldingen without a time have ``weekday`` :data:`NO_WEEKDAY` and ``hour``
        :data:`NO_HOUR`. ``n`` counts the meldingen (a window's parts of one: int64 unless a
        window was spread), ``n_block`` those counted whole (every melding but a window over
        more than one 3-hour block).
    """
    require_columns(incidents, ("buurtcode", "period", "category", "date", "timed"),
                    "incidents")
    hours = clock_hours(incidents) if hours is None else hours
    frame = {
        "buurtcode": key_column(incidents["buurtcode"])[hours.melding],
        "period": period_array(incidents, periods)[hours.melding],
        "category": category_labels(incidents["category"])[hours.melding],
        "weekday": hours.weekday,
        "hour": hours.hour,
    }
    return group_sums(frame, list(WEEK_KEYS), {"n": hours.weight, "n_block": hours.whole})


def month_counts(incidents: pd.DataFrame, periods: Periods) -> pd.DataFrame:
    """Count meldingen per buurt, category and calendar month.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``buurtcode``, ``period``, ``category`` and ``date``. Not modified.
    periods : Periods
        The periods (every ``period`` must be one of them, a trend-only one too).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`MONTH_COLUMNS`, one row per combination that occurs.
    """
    require_columns(incidents, ("buurtcode", "period", "category", "date"), "incidents")
    period_array(incidents, periods)  # checks the periods
    frame = {
        "buurtcode": key_column(incidents["buurtcode"]),
        "category": category_labels(incidents["category"]),
        "month": month_keys(incidents["date"]),
    }
    return group_sizes(frame, list(MONTH_COLUMNS[:-1]))


def month_keys(dates: pd.Series) -> npt.NDArray[np.int64]:
    """Return each date's calendar month as ``year * 100 + month`` (202307 = July 2023)."""
    when = pd.to_datetime(dates)
    return (when.dt.year * 100 + when.dt.month).to_numpy(dtype=np.int64)

