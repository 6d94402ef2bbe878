"""Which days each period's data really cover, so that the tests compare like with like.

The change tests' first reading asks whether the *daily* rate changed, with the days of both
periods as exposure. An export that ends on 30 June of the compare year, at an unchanged
daily rate, then shows a "significante daling" nearly everywhere; a compare year without any
melding shows nothing but decline. Both are conclusions drawn from missing data.

Per period the first and the last melding are known (:class:`~hotspotkaart.engine.counting.
IncidentTotals` ``spans``). A gap at the start or at the end of a period is a *cut* when no
melding on that many days is too unlikely at the period's own daily rate: with ``n`` meldingen
over ``D`` days, ``exp(−n · gap / D) < 0.001`` (a Poisson process has no melding on ``g`` days
with that chance), and the gap is at least :data:`MIN_GAP_DAYS` days. A cut period is tested on
the days its data cover (``first`` to the period's end, its start to ``last``, or both), and
the build warns. A period without any melding cannot be tested: its days are 0, the tests give
no p-values, and the build warns loudly. The second reading (the city-wide trend) needs no days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.counting import IncidentTotals

__all__ = ["MIN_GAP_DAYS", "Coverage", "PeriodCoverage", "assess_coverage"]

#: The shortest gap at the start or end of a period that can count as a cut.
MIN_GAP_DAYS = 14

#: A gap is a cut when no melding on that many days has a smaller chance than this.
CUT_CHANCE = 1e-3


@dataclass(frozen=True)
class PeriodCoverage:
    """What the data of one period cover.

    Attributes
    ----------
    key : int
        The period (:class:`~hotspotkaart.config.settings.Periods`).
    meldingen : int
        Its meldingen.
    start, end : pandas.Timestamp
        The first and the last day the tests use (the whole period unless cut).
    days : int
        The days from ``start`` to ``end`` (0 without meldingen): the exposure of the tests.
    cut_start, cut_end : bool
        Whether the data begin late or end early (see the module docstring).
    """

    key: int
    meldingen: int
    start: pd.Timestamp
    end: pd.Timestamp
    days: int
    cut_start: bool = False
    cut_end: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the entry of ``summary.json``."""
        return {"meldingen": self.meldingen, "from": self.start.strftime("%Y-%m-%d"),
                "to": self.end.strftime("%Y-%m-%d"), "days": self.days,
                "cut_start": self.cut_start, "cut_end": self.cut_end}


@dataclass(frozen=True)
class Coverage:
    """The coverage of every period, and what the build must say about it.

    Attributes
    ----------
    periods : dict of int to PeriodCoverage
        Per period key, the trend-only periods included.
    warnings : tuple of str
        One sentence per cut or empty period.
    """

    periods: dict[int, PeriodCoverage]
    warnings: tuple[str, ...] = ()

    def days(self, key: int) -> int:
        """Return the exposure days of period ``key``."""
        return self.periods[key].days

    def window(self, key: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return the first and the last day of period ``key`` the tests use."""
        entry = self.periods[key]
        return entry.start, entry.end

    def as_dict(self) -> dict[str, Any]:
        """Return the block of ``summary.json``."""
        return {str(key): entry.as_dict() for key, entry in self.periods.items()}


def assess_coverage(totals: IncidentTotals, periods: Periods) -> Coverage:
    """Find the days each period's data cover, and warn about cut or empty periods.

    Parameters
    ----------
    totals : IncidentTotals
        The counts and per-period first and last dates of the used meldingen.
    periods : Periods
        The periods of the build; a trend-only one is assessed for the trend's quarters.

    Returns
    -------
    Coverage
        Per period its exposure days and window; warnings for cut and empty periods.
    """
    counts = totals.counts.groupby("period")["n"].sum() if len(totals.counts) else pd.Series(
        dtype="int64")
    spans = totals.spans.set_index("period") if len(totals.spans) else None
    entries: dict[int, PeriodCoverage] = {}
    messages: list[str] = []
    for key in periods.keys:
        n = int(counts.get(key, 0))
        label = periods.label(key)
        if n == 0 or spans is None or key not in spans.index:
            entries[key] = PeriodCoverage(key=key, meldingen=0, start=periods.start(key),
                                          end=periods.end(key), days=0)
            messages.append(f"no melding falls in {label}: " + (
                "its quarters are left out of the trend" if key in periods.trend_only else
                "no change between the periods can be tested on the daily rate (every change "
                "test of that reading is left out)") + "; check the export and [periods]")
            continue
        first = pd.Timestamp(spans.loc[key, "first"]).normalize()
        last = pd.Timestamp(spans.loc[key, "last"]).normalize()
        entry = _entry(periods, key, n, first, last)
        entries[key] = entry
        messages.extend(_cut_messages(periods, entry, first, last))
    return Coverage(periods=entries, warnings=tuple(messages))


def _entry(periods: Periods, key: int, n: int, first: pd.Timestamp,
           last: pd.Timestamp) -> PeriodCoverage:
    start, end = periods.start(key), periods.end(key)
    rate = n / periods.days(key)
    cut_start = _is_cut((first - start).days, rate)
    cut_end = _is_cut((end - last).days, rate)
    lo = first if cut_start else start
    hi = last if cut_end else end
    return PeriodCoverage(key=key, meldingen=n, start=lo, end=hi, days=(hi - lo).days + 1,
                          cut_start=cut_start, cut_end=cut_end)


def _is_cut(gap_days: int, rate: float) -> bool:
    return gap_days >= MIN_GAP_DAYS and math.exp(-rate * gap_days) < CUT_CHANCE


def _cut_messages(periods: Periods, entry: PeriodCoverage, first: pd.Timestamp,
                  last: pd.Timestamp) -> list[str]:
    rate = entry.meldingen / periods.days(entry.key)
    label = periods.label(entry.key)
    whole = "year" if periods.period(entry.key).whole_year else "period"
    tests = "trend" if entry.key in periods.trend_only else "daily-rate tests"
    out = []
    if entry.cut_end:
        out.append(f"the meldingen of {label} end on {last:%d-%m-%Y}: at {rate:.1f} a day, "
                   "so many days without any melding are not chance; the export seems cut "
                   f"off, and the {tests} use {entry.days} days of {label} "
                   f"instead of the whole {whole}")
    if entry.cut_start:
        out.append(f"the meldingen of {label} begin on {first:%d-%m-%Y}: at {rate:.1f} a "
                   "day, so many days without any melding are not chance; the export seems to "
                   f"start late, and the {tests} use {entry.days} days of "
                   f"{label} instead of the whole {whole}")
    return out
