"""The dates and time windows of meldingen, read in the order their file writes them.

A melding is dated by its ``date`` column; a source may give a **time window** instead of, or
beside, a moment: ``time_from`` and ``time_to``, the earliest and the latest moment it can have
happened (a break-in found in the morning: 22:00–07:00). All date columns of a file are read
with one parser (:func:`hotspotkaart.io.parsing.parse_dates`, or ``date_format``) in one order,
day or month first, told from all of them together (:class:`DateReader`).

The rules of a window:

* the **period, month and place** of a melding follow ``date`` if the source gives one, else
  ``time_from``; the window decides only the weekday and hour, which
  :mod:`hotspotkaart.engine.aoristic` spreads over the clock hours it covers;
* a window that ends before it begins, or with a value that is no date, is rejected
  (``tijdvak eindigt voor het begint``, ``tijdvak onleesbaar``);
* a window whose start equals its end is a moment;
* a window that cannot fix an hour counts the melding **without a time** (an empty weekday and
  hour, as a date without a time): one of :data:`MAX_WINDOW` (7 days) or longer covers every
  hour of the week and says nothing about when; one with an end missing, or beyond what the
  datetimes hold (a placeholder such as 31-12-9999), is open; one with an end that is a date
  without a time of day (:func:`~hotspotkaart.io.parsing.has_time`) has no hour at that end.
  The build warns how many meldingen of a file were counted so;
* a row whose window is empty keeps the time of its ``date`` (a moment, or a date only).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import IncidentSource
from hotspotkaart.io.ledger import Ledger, Reason
from hotspotkaart.io.parsing import date_order, has_time, parse_dates, parse_with_format

__all__ = ["MAX_WINDOW", "DateReader", "Dates", "date_columns", "date_texts", "source_name",
           "text_columns"]

logger = logging.getLogger(__name__)

#: The shortest window that counts a melding without a time: a week covers every hour of it.
MAX_WINDOW = pd.Timedelta(days=7)

#: The text columns :func:`date_texts` makes, by the key of the source that names them.
_TEXTS = {"date": "date_text", "time_from": "from_text", "time_to": "to_text"}

#: Why a window fixes no hour, as the warning says it.
_UNTIMED = {"open": "with an end missing or out of range (such as 31-12-9999)",
            "long": f"of {MAX_WINDOW.days} days or longer",
            "no_hour": "with an end without a time of day"}


def source_name(source: IncidentSource) -> str:
    """Name the file (and layer) of ``source`` as error messages do."""
    return f"{source.path} (layer {source.layer!r})" if source.layer else str(source.path)


def date_columns(source: IncidentSource) -> list[str]:
    """Return the date columns ``source`` names: ``date``, ``time_from``, ``time_to``."""
    return [c for c in (source.date, source.time_from, source.time_to) if c]


def text_columns(source: IncidentSource) -> list[str]:
    """Return the names of the columns :func:`date_texts` makes for ``source``."""
    windowed = ["from_text", "to_text"] if source.time_from and source.time_to else []
    return ["date_text", *windowed]


def date_texts(table: pd.DataFrame, source: IncidentSource,
               text: Callable[[pd.Series], pd.Series] = lambda values: values
               ) -> dict[str, pd.Series]:
    """Return the date texts of ``table``: ``date_text`` and, for a window, its two ends.

    ``date_text`` is the ``date`` column, or ``time_from`` when the source gives none;
    ``text`` turns a column into the texts (or datetimes) to parse.
    """
    dating = source.date or source.time_from
    if dating is None:
        msg = f"{source.path}: its [[incidents]] table names no date column (date or time_from)"
        raise InputError(msg)
    out = {"date_text": text(table[dating])}
    for key in ("time_from", "time_to"):
        column = getattr(source, key)
        if column:
            out[_TEXTS[key]] = text(table[column])
    return out


@dataclass(frozen=True)
class Dates:
    """The dates of one piece of a file, indexed like its rows.

    Attributes
    ----------
    date, problem : pandas.Series
        What :func:`~hotspotkaart.io.parsing.parse_dates` gives for the melding's date.
    timed : pandas.Series of bool
        Whether its weekday and hour are known: from its window, or else from ``date``.
    time_from, time_to : pandas.Series or None
        The window where it fixes the hour (equal for a moment), else NaT; None for a source
        without window columns.
    rejected : list of (mask, reason, detail)
        The rows to reject for their window, in order.
    untimed : pandas.Series
        Why a window fixes no hour (a key of :data:`_UNTIMED`), else ``""``.
    """

    date: pd.Series
    problem: pd.Series
    timed: pd.Series
    time_from: pd.Series | None = None
    time_to: pd.Series | None = None
    rejected: list[tuple[pd.Series, str, pd.Series]] = field(default_factory=list)
    untimed: pd.Series | None = None

    def columns(self, keep: pd.Series) -> dict[str, np.ndarray]:
        """Return the window columns of the kept rows (none for a source without windows)."""
        if self.time_from is None or self.time_to is None:
            return {}
        return {"time_from": self.time_from[keep].to_numpy(),
                "time_to": self.time_to[keep].to_numpy()}


@dataclass
class DateReader:
    """Read the dates of one file piece by piece, in the order its first piece shows.

    Without ``date_format`` the order (day or month first) is told from all date columns of
    the first piece together (:func:`~hotspotkaart.io.parsing.date_order`); later pieces must
    agree. A file that cannot tell although it holds many dates, or mixes both orders, is
    refused with the key to set: dates are never swapped silently. A small file that cannot
    tell is read day first, the Dutch order (logged).
    """

    source: IncidentSource
    order: str | None = None
    untimed: Counter[str] = field(default_factory=Counter)

    def read(self, texts: pd.DataFrame, ledger: Ledger) -> Dates:
        """Parse the columns of :func:`date_texts` in ``texts``; classify the windows.

        Raises
        ------
        InputError
            If the order of the dates cannot be told or is mixed.
        """
        names = [c for c in _TEXTS.values() if c in texts.columns]
        parsed = dict(zip(names, self._parse([texts[c] for c in names], ledger), strict=True))
        date, problem = parsed["date_text"]
        if "from_text" not in parsed:
            return Dates(date, problem, has_time(texts["date_text"]))
        return _windows(texts, date, problem, parsed["from_text"], parsed["to_text"],
                        (self.source.time_from or "", self.source.time_to or ""))

    def tally(self, dates: Dates, keep: pd.Series) -> None:
        """Count the kept meldingen whose window fixes no hour, for :meth:`finish`."""
        if dates.untimed is not None:
            self.untimed.update(dates.untimed[keep & (dates.untimed != "")].tolist())

    def finish(self, label: str, ledger: Ledger) -> None:
        """Warn how many meldingen of the file were counted without a time for their window."""
        total = sum(self.untimed.values())
        if total:
            why = ", ".join(f"{self.untimed[k]} {text}" for k, text in _UNTIMED.items()
                            if self.untimed[k])
            ledger.warn(f"{label}: {total} meldingen have a time window that fixes no hour "
                        f"({why}); they are counted with an empty weekday and hour")

    def _parse(self, columns: list[pd.Series], ledger: Ledger
               ) -> list[tuple[pd.Series, pd.Series]]:
        """Parse ``columns`` with ``date_format``, or in the order the file uses."""
        if self.source.date_format:
            return [parse_with_format(c, self.source.date_format) for c in columns]
        texts = [c for c in columns if not pd.api.types.is_datetime64_any_dtype(c)]
        together = pd.concat(texts, ignore_index=True) if texts else pd.Series([], dtype=object)
        self._decide(date_order(together), together, ledger)
        return [parse_dates(c, order=self.order or "day-first") for c in columns]

    def _decide(self, found: str, texts: pd.Series, ledger: Ledger) -> None:
        """Take the order the first piece shows; check that a later piece agrees."""
        described = source_name(self.source)
        known = self.order
        if found == "unsure" and known is None:
            logger.info("%s: the dates cannot tell day first from month first; read day first",
                        described)
            found = "day-first"
        elif found == "unsure":
            found = "either"  # a later piece that cannot tell follows the first
        if found == "either" and known is None:
            example = texts[texts.astype(str).str.match(r"\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
                            ].iloc[0]
            msg = (f"{described}: cannot tell whether a date such as {example!r} is day "
                   "first or month first (no number above 12 in any of its dates); set "
                   "date_format = \"%d-%m-%Y %H:%M\" (day first) or \"%m-%d-%Y %H:%M\" "
                   "(month first) in its [[incidents]] table")
            raise InputError(msg)
        if found == "mixed" or (known is not None and found not in (known, "either")):
            msg = (f"{described}: its dates are written both day first (31-01-2024) and "
                   "month first (01-31-2024); set date_format (e.g. \"%d-%m-%Y %H:%M\") in its "
                   "[[incidents]] table, or export the dates in one order")
            raise InputError(msg)
        if known is None:
            self.order = found
            if found == "month-first":
                ledger.warn(f"{described}: the dates are written month first (mm/dd/yyyy, "
                            "as in a US export): some have a second number above 12 and none a "
                            "first one; they are read that way (set date_format to be explicit)")


def _windows(texts: pd.DataFrame, date: pd.Series, problem: pd.Series,
             start: tuple[pd.Series, pd.Series], end: tuple[pd.Series, pd.Series],
             names: tuple[str, str]) -> Dates:
    """Classify each row's window by the rules of the module docstring."""
    (begin, begin_problem), (finish, finish_problem) = start, end
    begin_text, finish_text = texts["from_text"], texts["to_text"]
    unreadable = (begin_problem.isin(("unreadable", "impossible"))
                  | finish_problem.isin(("unreadable", "impossible")))
    both = (begin_problem == "") & (finish_problem == "")
    neither = (begin_problem == "missing") & (finish_problem == "missing")
    hours = has_time(begin_text) & has_time(finish_text)
    days_back = finish.dt.normalize() < begin.dt.normalize()
    reversed_ = both & ((hours & (finish < begin)) | (~hours & days_back))
    given = both & ~reversed_
    long = given & hours & (finish - begin >= MAX_WINDOW)
    used = given & hours & ~long
    why = pd.Series("", index=texts.index, dtype=object)
    why[~both & ~neither & ~unreadable] = "open"
    why[given & ~hours] = "no_hour"
    why[long] = "long"
    first_bad = begin_problem.isin(("unreadable", "impossible"))
    shown = (f"{names[0]} = " + begin_text.astype(str)).where(
        first_bad, f"{names[1]} = " + finish_text.astype(str))
    span = begin_text.astype(str) + " tot " + finish_text.astype(str)
    return Dates(date=date, problem=problem, timed=used | (neither & has_time(texts["date_text"])),
                 time_from=begin.where(used), time_to=finish.where(used),
                 rejected=[(unreadable, Reason.WINDOW_UNREADABLE, shown),
                           (reversed_, Reason.WINDOW_REVERSED, span)],
                 untimed=why)
