"""Trend over more than two time steps: the Mann–Kendall test on the quarterly counts of a unit.

The change test of :mod:`hotspotkaart.stats.change` compares two periods. With the meldingen
counted per quarter (8 steps for 2023–2024) a unit (a grid cell's window, a buurt) can also be
asked whether its counts go steadily up or down. This module answers that per unit with a trend
class, controlled for the false discovery rate over the units.

The statistic
-------------
Kendall's ``S = Σ_{i<j} sign(x_j − x_i)`` over the pairs of time steps (Mann 1945; Kendall
1975): the number of later steps with more meldingen minus those with fewer. It is a rank
statistic: it sees only the order of the counts, so one quarter with an extreme count cannot
make a trend on its own, and it needs no model of how the counts are distributed.

The p-value: exact for short series with ties
---------------------------------------------
Under the null hypothesis of no trend the steps are exchangeable: every one of the ``n!``
orderings of the unit's observed values is equally likely. The p-value is taken from that
permutation distribution *conditional on the unit's own values*, two-sided,
``p = P(|S*| ≥ |S|)``. With 8 quarters and sparse counts (many zeros, many ties) the usual
normal approximation of ``S`` can be off by more than a factor of two; the permutation
distribution is exact whatever the ties (Kendall 1975, on the distribution of S under ties).
For ``n ≤`` :data:`EXACT_MAX_STEPS` all ``n!`` orderings of the step indices are enumerated
once; the distribution depends only on the tie pattern (the sizes of the groups of equal
values, in value order), so units are grouped by it (at most ``2**(n−1)`` patterns, 128 for 8
quarters) and every pattern's distribution is computed once and remembered. For longer series
the normal approximation with the tie-corrected variance
``Var S = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18`` and a continuity correction of 1 is used
(Kendall 1975; Hirsch, Slack & Smith 1982).

Exactness has a price that is shown, not hidden: with ``n`` steps the smallest attainable
p-value is ``2 / n!`` (no ties) and larger with ties, so with 3 steps no trend can ever be
significant (``p ≥ 1/3``). Fewer than 3 usable steps are refused. With 8 quarters the test sees
only the order of 8 numbers, so it is weak for moderate trends: a unit whose 20 meldingen a
quarter double over the two years reaches ``p ≤ 0.05`` about half the time, and fewer survive
the FDR adjustment; a tripling at 20 a quarter, or a doubling at 50, is found in most units.

Exposure
--------
An export may cover only part of a quarter. With ``exposure`` (the covered days per step) the
test runs on the rates ``count / exposure``, so a quarter cut off halfway is not a fake decline;
a step with exposure 0 is left out entirely.

Repeat reports
--------------
Bursts of repeat reports (one incident reported many times) inflate counts. A rank test stays
valid under them as long as they are no more likely in one quarter than in another (the steps
remain exchangeable), but a count of 13 against 12 then says little about order. As in
:func:`hotspotkaart.stats.change.change_test` the test runs on the effective counts
``round(count / φ)`` with the build's overdispersion factor φ: a monotone transformation, so
the permutation test on them is still exact, while differences smaller than about one
incident's worth of reports become ties instead of evidence of a trend. The same φ and rule as
every other test of a build keep the figures comparable.

Units, FDR and classes
----------------------
Units with fewer than ``min_count`` meldingen over the usable steps (or whose effective counts
are all 0) are not tested: class ``te weinig meldingen``, p and q NaN, and they are not part of
the multiple-testing family. The p-values of the tested units are adjusted with
Benjamini–Hochberg (Benjamini & Hochberg 1995) through :func:`hotspotkaart.stats.change.fdr`.
A unit with ``q ≤ fdr_q`` is ``toenemend`` for ``S > 0`` and ``afnemend`` for ``S < 0``;
every other tested unit is ``geen trend``.

Seasons
-------
With two years of quarters a seasonal pattern that repeats in both years adds nothing through
the pairs across the years: they cancel exactly, so ``S`` is twice the ``S`` within one year.
For a summer peak (e.g. 10, 20, 30, 15 per quarter) that is 4 of a possible 28, far from
significant. A seasonal Kendall test (Hirsch, Slack & Smith 1982) would remove even that, but
with 2 years it compares one pair per season and can never reach ``p < 1/8``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart.stats.change import as_counts, check_test_settings, fdr

__all__ = [
    "AFNEMEND",
    "EXACT_MAX_STEPS",
    "GEEN_TREND",
    "MIN_STEPS",
    "TE_WEINIG",
    "TOENEMEND",
    "TREND_CLASSES",
    "MannKendall",
    "mann_kendall",
    "trend_columns",
]

TOENEMEND = "toenemend"
AFNEMEND = "afnemend"
GEEN_TREND = "geen trend"
TE_WEINIG = "te weinig meldingen"

#: The trend classes in legend order.
TREND_CLASSES: tuple[str, ...] = (TOENEMEND, AFNEMEND, GEEN_TREND, TE_WEINIG)

#: The fewest usable time steps a trend is computed on.
MIN_STEPS = 3

#: Up to this many steps the p-value comes from all n! orderings (9! = 362 880).
EXACT_MAX_STEPS = 9


@dataclass(frozen=True)
class MannKendall:
    """The Mann–Kendall test of every unit.

    Attributes
    ----------
    s : numpy.ndarray of int
        Kendall's S per unit (positive: later steps hold more meldingen).
    p : numpy.ndarray of float
        Two-sided p-value ``P(|S*| ≥ |S|)``; 1 for a unit whose values are all equal.
    n_steps : int
        The number of usable time steps (those with exposure above 0).
    exact : bool
        Whether the p-values come from the exact permutation distribution (``n_steps ≤``
        :data:`EXACT_MAX_STEPS`) rather than the normal approximation.

    """

    s: npt.NDArray[np.int64]
    p: npt.NDArray[np.float64]
    n_steps: int
    exact: bool


def mann_kendall(counts: npt.ArrayLike, exposure: npt.ArrayLike | None = None) -> MannKendall:
    """Mann–Kendall trend test per unit, exact for short series with ties.

    Parameters
    ----------
    counts : array_like of int, shape (n_units, n_steps)
        Meldingen per unit and time step, the steps in time order (non-negative whole
        numbers).
    exposure : array_like of float, shape (n_steps,), optional
        Covered days per step. The test then runs on ``count / exposure``; steps with exposure
        0 are left out. Without it every step counts in full.

    Returns
    -------
    MannKendall
        S and the two-sided p-value per unit.

    Raises
    ------
    InputError
        If ``counts`` is not a 2-D array of non-negative whole numbers, if ``exposure`` does not
        hold one non-negative finite number per step, or if fewer than :data:`MIN_STEPS` steps
        are usable.

    Examples
    --------
    >>> result = mann_kendall([[1, 2, 3, 4], [4, 3, 3, 1]])
    >>> result.s.tolist()
    [6, -5]
    >>> round(float(result.p[0]), 4)  # 2 of the 24 orderings reach |S| = 6
    0.0833

    """
    arr = _as_counts(counts)
    usable = _usable_steps(exposure, arr.shape[1])
    values = arr[:, usable].astype(float)
    if exposure is not None:
        values = values / np.asarray(exposure, dtype=float)[usable]
    n = values.shape[1]
    s = _kendall_s(values)
    p = np.ones(len(values))
    if len(values):
        keys, pattern_of = _tie_patterns(values)
        for index, key in enumerate(keys):
            members = pattern_of == index
            p[members] = _p_values(s[members], key)
    return MannKendall(s=s, p=p, n_steps=n, exact=n <= EXACT_MAX_STEPS)


def trend_columns(
    counts: npt.ArrayLike,
    exposure: npt.ArrayLike | None = None,
    *,
    min_count: int,
    fdr_q: float,
    dispersion: float = 1.0,
) -> pd.DataFrame:
    """Return the trend block of a table: S, p, q and the trend class per unit.

    Parameters
    ----------
    counts : array_like of int, shape (n_units, n_steps)
        Meldingen per unit (a grid cell's window, a buurt) and time step (e.g. 8 quarters), the
        steps in time order.
    exposure : array_like of float, shape (n_steps,), optional
        Covered days per step (see :func:`mann_kendall`).
    min_count : int
        Units with fewer meldingen over the usable steps are not tested and get
        ``te weinig meldingen``.
    fdr_q : float
        The FDR level: a tested unit with a Benjamini–Hochberg q-value at most ``fdr_q`` has a
        trend. Strictly between 0 and 1.
    dispersion : float, default 1.0
        The overdispersion factor φ ≥ 1 (:mod:`hotspotkaart.stats.dispersion`); the test runs
        on the effective counts ``round(count / φ)``.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in the order of ``counts``: ``trend_s`` (Kendall's S of the
        effective counts or rates, for every unit), ``trend_p`` and ``trend_q`` (NaN where not
        tested) and ``trend_class`` (one of :data:`TREND_CLASSES`).

    Raises
    ------
    InputError
        As :func:`mann_kendall`, and if ``min_count`` is negative, ``fdr_q`` is not strictly
        between 0 and 1 or ``dispersion`` is below 1.

    """
    phi = check_test_settings(min_count, fdr_q, dispersion)
    arr = _as_counts(counts)
    usable = _usable_steps(exposure, arr.shape[1])
    effective = np.rint(arr / phi).astype(np.int64)
    result = mann_kendall(effective, exposure)
    total = arr[:, usable].sum(axis=1)
    tested = (total >= max(int(min_count), 1)) & (effective[:, usable].sum(axis=1) > 0)
    p = np.where(tested, result.p, np.nan)
    q = fdr(p)
    classes = np.full(len(arr), GEEN_TREND, dtype=object)
    significant = tested & (q <= fdr_q)
    classes[significant & (result.s > 0)] = TOENEMEND
    classes[significant & (result.s < 0)] = AFNEMEND
    classes[~tested] = TE_WEINIG
    return pd.DataFrame({"trend_s": result.s, "trend_p": p, "trend_q": q,
                         "trend_class": classes})


# -- the statistic and its distribution -------------------------------------------------------


def _kendall_s(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """``Σ_{i<j} sign(x_j − x_i)`` per row, one vectorised pass per earlier step."""
    s = np.zeros(len(values), dtype=np.int64)
    for i in range(values.shape[1] - 1):
        s += np.sign(values[:, i + 1:] - values[:, i:i + 1]).sum(axis=1).astype(np.int64)
    return s


def _tie_patterns(values: npt.NDArray[np.float64]
                  ) -> tuple[list[tuple[int, ...]], npt.NDArray[np.intp]]:
    """Return the distinct tie patterns of the rows and the pattern of every row.

    A pattern is the sizes of the groups of equal values in value order: S's permutation
    distribution depends on nothing else. Rates of equal value are equal floats (a quotient is
    correctly rounded), so equality is exact.
    """
    ordered = np.sort(values, axis=1)
    boundaries = ordered[:, 1:] != ordered[:, :-1]
    unique, inverse = np.unique(boundaries, axis=0, return_inverse=True)
    n = values.shape[1]
    keys = []
    for row in unique:
        edges = np.concatenate([[0], np.flatnonzero(row) + 1, [n]])
        keys.append(tuple(int(size) for size in np.diff(edges)))
    return keys, np.asarray(inverse).ravel()


def _p_values(s: npt.NDArray[np.int64], pattern: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """Two-sided p-values of the S values of units that share a tie pattern."""
    n = sum(pattern)
    if len(pattern) == 1:  # all values equal: S = 0, nothing to order
        return np.ones(len(s))
    if n <= EXACT_MAX_STEPS:
        tail = _exact_tail(pattern)
        return tail[np.minimum(np.abs(s), len(tail) - 1)]
    from scipy import special

    ties = sum(t * (t - 1) * (2 * t + 5) for t in pattern)
    sd = math.sqrt((n * (n - 1) * (2 * n + 5) - ties) / 18.0)
    z = np.maximum(np.abs(s) - 1.0, 0.0) / sd
    return np.minimum(1.0, special.erfc(z / math.sqrt(2.0)))


@lru_cache(maxsize=1024)
def _exact_tail(pattern: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """``P(|S*| ≥ k)`` for ``k = 0, 1, …`` over all orderings of values with this tie pattern."""
    ranks = np.repeat(np.arange(len(pattern), dtype=np.int8), pattern)[_permutations(sum(pattern))]
    n = ranks.shape[1]
    s = np.zeros(len(ranks), dtype=np.int16)
    for i in range(n - 1):
        for j in range(i + 1, n):
            s += np.sign(ranks[:, j] - ranks[:, i])
    counts = np.bincount(np.abs(s))
    tail = np.cumsum(counts[::-1])[::-1] / len(ranks)
    tail.setflags(write=False)
    return tail


@lru_cache(maxsize=EXACT_MAX_STEPS)
def _permutations(n: int) -> npt.NDArray[np.int8]:
    """All ``n!`` orderings of ``0 … n−1``, one per row."""
    table = np.array(list(itertools.permutations(range(n))), dtype=np.int8)
    table.setflags(write=False)
    return table


# -- checks -----------------------------------------------------------------------------------


def _as_counts(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.ndim != 2:
        msg = (f"counts has shape {arr.shape}: it must be a 2-D array with one row per unit "
               "and one column per time step")
        raise InputError(msg)
    return as_counts(arr, "counts")


def _usable_steps(exposure: npt.ArrayLike | None, n_steps: int) -> npt.NDArray[np.bool_]:
    """Return the steps the test runs on: all of them, or those with exposure above 0."""
    if exposure is None:
        usable = np.ones(n_steps, dtype=bool)
    else:
        days = np.asarray(exposure, dtype=float)
        if days.shape != (n_steps,):
            msg = (f"exposure has shape {days.shape} but counts has {n_steps} time steps: give "
                   "one number of covered days per step")
            raise InputError(msg)
        if not np.all(np.isfinite(days)) or np.any(days < 0):
            msg = f"exposure = {days.tolist()!r} must hold finite numbers of days of at least 0"
            raise InputError(msg)
        usable = days > 0
    if usable.sum() < MIN_STEPS:
        msg = (f"a trend needs at least {MIN_STEPS} time steps with meldingen coverage, but "
               f"only {int(usable.sum())} of the {n_steps} steps are usable")
        raise InputError(msg)
    return usable
