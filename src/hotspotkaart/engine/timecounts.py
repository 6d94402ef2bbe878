"""When overlast happens: meldingen counted per buurt by weekday and hour, and by month.

Like the other count tables these add up over chunks and partitions
(:func:`hotspotkaart.engine.counting.sum_counts`), so the dask engine gives the same tables as
the memory engine. Dates are local time (Europe/Amsterdam, as the readers leave them): the
weekday and hour are those on the clock of the day, so the hour that occurs twice when summer
time ends counts twice and the hour that is skipped when it begins holds nothing, as a
handhaver's rota sees them.

A melding whose source gave a date without a time (``timed`` is False) is counted with
``weekday = 0`` and ``hour = -1``: in the time table, never as 00:00.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotspotkaart._validate import period_array, require_columns
from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.counting import category_labels, group_sizes

__all__ = ["MONTH_COLUMNS", "NO_HOUR", "NO_WEEKDAY", "WEEK_COLUMNS", "clock", "month_counts",
           "week_counts"]

#: Columns of :func:`week_counts`; ``weekday`` 1 = maandag … 7 = zondag, ``hour`` 0–23.
WEEK_COLUMNS: tuple[str, ...] = ("buurtcode", "period", "category", "weekday", "hour", "n")

#: Columns of :func:`month_counts`; ``month`` as ``year * 100 + month`` (202307 = July 2023).
MONTH_COLUMNS: tuple[str, ...] = ("buurtcode", "category", "month", "n")

#: ``weekday`` and ``hour`` of a melding without a time of day.
NO_WEEKDAY, NO_HOUR = 0, -1


def week_counts(incidents: pd.DataFrame, periods: Periods) -> pd.DataFrame:
    """Count meldingen per buurt, period, category, weekday and hour.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with ``buurtcode``, ``period``, ``category``, ``date`` (naive local time)
        and ``timed`` (whether the source gave a time). Not modified.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`WEEK_COLUMNS`, one row per combination that occurs;
        meldingen without a time have ``weekday`` :data:`NO_WEEKDAY` and ``hour``
        :data:`NO_HOUR`.
    """
    require_columns(incidents, ("buurtcode", "period", "category", "date", "timed"),
                    "incidents")
    weekday, hour = clock(incidents)
    frame = pd.DataFrame({
        "buurtcode": incidents["buurtcode"].to_numpy(dtype=object),
        "period": period_array(incidents, periods),
        "category": category_labels(incidents["category"]),
        "weekday": weekday,
        "hour": hour,
    })
    return group_sizes(frame, list(WEEK_COLUMNS[:-1]))


def clock(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return each melding's weekday (1–7) and hour (0–23) as int64 arrays.

    A melding without a time (``timed`` False) gets :data:`NO_WEEKDAY` and :data:`NO_HOUR`.
    """
    dates = pd.to_datetime(incidents["date"])
    timed = incidents["timed"].to_numpy(dtype=bool)
    weekday = np.where(timed, dates.dt.day_of_week.to_numpy() + 1, NO_WEEKDAY)
    hour = np.where(timed, dates.dt.hour.to_numpy(), NO_HOUR)
    return weekday.astype(np.int64), hour.astype(np.int64)


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
    dates = pd.to_datetime(incidents["date"])
    frame = pd.DataFrame({
        "buurtcode": incidents["buurtcode"].to_numpy(dtype=object),
        "category": category_labels(incidents["category"]),
        "month": (dates.dt.year * 100 + dates.dt.month).to_numpy(dtype=np.int64),
    })
    return group_sizes(frame, list(MONTH_COLUMNS[:-1]))

