"""Hot times: the weekday × hour blocks in which an area has more meldingen than its own average.

Everything here works on the meldingen *with a known time* of an area (the city, a wijk, a
hot-spot cluster) counted per weekday and hour, an array of shape ``(n_areas, 7, 24)`` with
weekday 0 = maandag … 6 = zondag and hour 0 … 23. It answers two questions: which blocks of the
week are hot (:func:`hot_times`), and whether an area's time profile changed between the two
periods (:func:`profile_change`). The counts are whole meldingen: a melding known only by a time
window counts where the window lies within one block, and not otherwise
(:mod:`hotspotkaart.engine.aoristic`); its aoristic parts are shares, not observations.

Hot times
---------
*Blocks.* The 168 single hours of a week are too sparse: an area with 300 meldingen expects
1.8 per hour, so even a tripled hour cannot stand out against the thousands of tests of a
build. The test therefore runs on blocks of a weekday × 3 hours (0–3, 3–6, …, 21–24): 8 per day,
56 per week, still fine enough for "vrijdag 21–24". A block lies within one calendar day, so
nightlife after midnight shows as the next day's 0–3 block.

*Null hypothesis.* Every hour of the week is equally likely, weighted by how often its weekday
occurs in the period (2024 holds 53 Mondays and Tuesdays, 2023 53 Sundays): a block of weekday
``d`` has the expected share ``occurrences[d] / Σ occurrences / 8`` of the area's meldingen.
The shift of summer time (one hour a year missing or doubled) is ignored.

*Test.* Given the area's total ``n``, a block's count ``k`` is binomial with that share under
the null hypothesis; the one-sided exact binomial test ``P(X ≥ k)`` (:func:`scipy.stats.binomtest`
with ``alternative="greater"``, computed as its binomial tail :func:`scipy.stats.binom.sf` for
all blocks at once) asks whether the block holds more. Repeat reports are allowed for as in
:func:`hotspotkaart.stats.change.change_test`: with the overdispersion factor φ the test runs
on the effective counts ``round(k / φ)`` among ``round(k / φ) + round((n − k) / φ)``.

*Error control.* The p-values of all blocks of all areas in one call are one family, adjusted
with Benjamini–Hochberg (Benjamini & Hochberg 1995; :func:`hotspotkaart.stats.change.fdr`), as
the grid cells of the hot spots are one family. A block is hot when its q-value is at most
``fdr_q`` and it holds more meldingen than expected. Areas with fewer than ``min_count``
meldingen with a time are not tested.

φ is an average over all incidents, and the effective counts match the variance of bursty
counts, not their tail. Where repeat reports come as rare, large bursts that fall within one
block (one incident in fifty reported 5–15 times, φ ≈ 2.7), a block holding one or two of them
can look hot: in simulations of such weeks without any hot time about 0.2 % of the blocks came
out hot. With geometric repeat counts (1.5 to 3 reports per incident on average, φ = 2 to 5)
it was 0.005 %, and without repeats none.

Profile change
--------------
Whether the *distribution* over the week changed between the periods (not the total: that is
the change test) is a chi-square test of homogeneity on the 2 × K table of the two periods'
counts in K pooled blocks. Pearson's X² needs adequate expected counts (Cochran 1954: every
expected count at least 1 and at least 80 % of them 5 or more), which 56 blocks rarely have;
the blocks are pooled into the 4 day parts 0–6 (nacht), 6–12 (ochtend), 12–18 (middag) and
18–24 (avond) and, per area, into the finest of these day groupings whose expected counts are
adequate (:data:`POOLINGS`):

1. ma–do, vr, za, zo × day part (K = 16): Friday, Saturday and Sunday, the days of going out,
   kept apart;
2. ma–do, vr–zo × day part (K = 8);
3. the day parts alone (K = 4).

Monday to Thursday are pooled even where the counts would allow every weekday (K = 28): an
omnibus test spends power on every degree of freedom, and the shifts that matter for overlast
lie between the working days and the weekend. On simulated areas with 300–800 meldingen per
period, a tripled Friday 21–24 moving to Saturday 12–15 is found in about half of them with
K = 16 and in about 30 % with K = 28. A shift between two working days is not seen.

The choice depends only on the table's margins. Areas for which not even the day parts are
adequate, or with fewer than ``min_count`` meldingen in either period, are not tested. Pooled
blocks without any melding in either period are left out (one degree of freedom each).

The expected counts allow for different weekday occurrences in the two periods: under the null
hypothesis of one hourly profile, ``μ_ij = a_i · b_j · e_ij`` with ``e_ij`` the occurrences of
block ``j``'s weekdays in period ``i``, fitted to the table's margins by iterative
proportional fitting (Deming & Stephan 1940); with equal occurrences this is the usual
``row · column / total``. Repeat reports are allowed for by quasi-likelihood scaling
(McCullagh & Nelder 1989, §4.5): the statistic is ``X² / φ`` against a chi-square distribution
with ``K − 1`` degrees of freedom, and the adequacy of the expected counts is judged on
``μ / φ``, the effective counts. The p-values of the tested areas are adjusted with
Benjamini–Hochberg over the areas of the call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart.engine.aoristic import BLOCK_HOURS
from hotspotkaart.stats.change import as_counts, check_test_settings, fdr

__all__ = [
    "BLOCK_HOURS",
    "DAY_PART_HOURS",
    "POOLINGS",
    "WEEKDAYS",
    "hot_times",
    "profile_change",
]

#: The Dutch weekday names, maandag first (the ``weekday`` column counts from 1 = maandag).
WEEKDAYS: tuple[str, ...] = (
    "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
)

#: The hours of one day part of :func:`profile_change`.
DAY_PART_HOURS = 6

#: The poolings of :func:`profile_change`, finest first: a name and each weekday's day group.
POOLINGS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("ma–do, vr, za, zo × dagdeel", (0, 0, 0, 0, 1, 2, 3)),
    ("ma–do, vr–zo × dagdeel", (0, 0, 0, 0, 1, 1, 1)),
    ("dagdeel", (0, 0, 0, 0, 0, 0, 0)),
)

_IPF_ROUNDS = 100


def hot_times(
    counts: npt.ArrayLike,
    *,
    weekday_occurrences: npt.ArrayLike | None = None,
    min_count: int,
    fdr_q: float,
    dispersion: float = 1.0,
) -> pd.DataFrame:
    """Test every weekday × 3-hour block of every area for more meldingen than its average.

    Parameters
    ----------
    counts : array_like of int, shape (n_areas, 7, 24)
        Meldingen with a known time per area, weekday (0 = maandag) and hour.
    weekday_occurrences : array_like of float, shape (7,), optional
        How many Mondays … Sundays the period holds (e.g. 52 or 53); all equal by default.
    min_count : int
        Areas with fewer meldingen are not tested.
    fdr_q : float
        The FDR level over all blocks of all areas, strictly between 0 and 1.
    dispersion : float, default 1.0
        The overdispersion factor φ ≥ 1; the test runs on ``round(count / φ)``.

    Returns
    -------
    pandas.DataFrame
        One row per area × block, areas in input order and blocks in week order: ``area`` (the
        row index in ``counts``), ``weekday`` (1 = maandag … 7 = zondag), ``hour_from``,
        ``hour_to``, ``count``, ``expected`` (the area's total times the block's share),
        ``p`` (one-sided; NaN where not tested), ``q`` (Benjamini–Hochberg) and ``hot``.

    Raises
    ------
    InputError
        If ``counts`` does not have shape (n_areas, 7, 24) or holds negative or fractional
        counts, if ``weekday_occurrences`` is not 7 positive numbers, or if a setting is out of
        range.

    """
    phi = check_test_settings(min_count, fdr_q, dispersion)
    arr = _week_counts(counts, "counts")
    occurrences = _occurrences(weekday_occurrences, "weekday_occurrences")
    n_areas = len(arr)
    per_day = 24 // BLOCK_HOURS
    blocks = arr.reshape(n_areas, 7, per_day, BLOCK_HOURS).sum(axis=3).reshape(n_areas, -1)
    share = np.repeat(occurrences / occurrences.sum() / per_day, per_day)
    total = blocks.sum(axis=1, keepdims=True)
    expected = total * share
    k_eff = np.rint(blocks / phi)
    n_eff = k_eff + np.rint((total - blocks) / phi)
    tested = (total >= max(int(min_count), 1)) & (n_eff > 0)
    p = np.full(blocks.shape, np.nan)
    if tested.any():
        from scipy import stats

        shares = np.broadcast_to(share, blocks.shape)
        p[tested] = np.clip(stats.binom.sf(k_eff[tested] - 1, n_eff[tested], shares[tested]),
                            0.0, 1.0)
    q = fdr(p.ravel()).reshape(p.shape)
    hot = np.isfinite(q) & (q <= fdr_q) & (blocks > expected)
    hour_from = np.tile(np.arange(0, 24, BLOCK_HOURS), 7 * n_areas)
    return pd.DataFrame({
        "area": np.repeat(np.arange(n_areas), 7 * per_day),
        "weekday": np.tile(np.repeat(np.arange(1, 8), per_day), n_areas),
        "hour_from": hour_from,
        "hour_to": hour_from + BLOCK_HOURS,
        "count": blocks.ravel(),
        "expected": expected.ravel(),
        "p": p.ravel(),
        "q": q.ravel(),
        "hot": hot.ravel(),
    })


def profile_change(
    base: npt.ArrayLike,
    compare: npt.ArrayLike,
    *,
    min_count: int,
    fdr_q: float,
    dispersion: float = 1.0,
    base_occurrences: npt.ArrayLike | None = None,
    compare_occurrences: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Test per area whether its weekday × day-part profile differs between two periods.

    Parameters
    ----------
    base, compare : array_like of int, shape (n_areas, 7, 24)
        Meldingen with a known time per area, weekday (0 = maandag) and hour, per period.
    min_count : int
        Areas with fewer meldingen in either period are not tested.
    fdr_q : float
        The FDR level over the tested areas, strictly between 0 and 1.
    dispersion : float, default 1.0
        The overdispersion factor φ ≥ 1: the statistic is ``X² / φ``.
    base_occurrences, compare_occurrences : array_like of float, shape (7,), optional
        How many Mondays … Sundays each period holds; all equal by default.

    Returns
    -------
    pandas.DataFrame
        One row per area in input order: ``area``, ``pooling`` (the name in :data:`POOLINGS`,
        missing where not tested), ``statistic`` (``X² / φ``), ``df``, ``p`` and ``q`` (NaN and
        0 degrees of freedom where not tested) and ``changed`` (``q ≤ fdr_q``).

    Raises
    ------
    InputError
        If an array does not have shape (n_areas, 7, 24), the two shapes differ, the counts are
        negative or fractional, occurrences are not 7 positive numbers, or a setting is out of
        range.

    """
    phi = check_test_settings(min_count, fdr_q, dispersion)
    base_arr, compare_arr = _week_counts(base, "base"), _week_counts(compare, "compare")
    if base_arr.shape != compare_arr.shape:
        msg = (f"base holds {len(base_arr)} areas but compare holds {len(compare_arr)}: give "
               "both periods for the same areas in the same order")
        raise InputError(msg)
    tables = np.stack([base_arr, compare_arr], axis=1)
    exposure = np.stack([_occurrences(base_occurrences, "base_occurrences"),
                         _occurrences(compare_occurrences, "compare_occurrences")])
    n_areas = len(tables)
    parts = tables.reshape(n_areas, 2, 7, 24 // DAY_PART_HOURS, DAY_PART_HOURS).sum(axis=4)
    rows = parts.sum(axis=(2, 3))
    enough = (rows >= max(int(min_count), 1)).all(axis=1)
    statistic = np.full(n_areas, np.nan)
    df = np.zeros(n_areas, dtype=np.int64)
    pooling = np.full(n_areas, None, dtype=object)
    tested = np.zeros(n_areas, dtype=bool)
    for name, groups in POOLINGS:
        table, cell_exposure = _pool(parts, exposure, groups)
        x2, dof, adequate = _homogeneity(table, cell_exposure, phi)
        chosen = enough & ~tested & adequate
        statistic[chosen], df[chosen], pooling[chosen] = x2[chosen] / phi, dof[chosen], name
        tested |= chosen
    p = np.full(n_areas, np.nan)
    if tested.any():
        from scipy import stats

        p[tested] = np.where(df[tested] > 0,
                             stats.chi2.sf(statistic[tested], np.maximum(df[tested], 1)), 1.0)
    q = fdr(p)
    return pd.DataFrame({"area": np.arange(n_areas), "pooling": pooling, "statistic": statistic,
                         "df": df, "p": p, "q": q,
                         "changed": np.isfinite(q) & (q <= fdr_q)})


# -- the profile test -------------------------------------------------------------------------


def _pool(parts: npt.NDArray[np.int64], exposure: npt.NDArray[np.float64],
          groups: tuple[int, ...]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Pool ``(n, 2, 7, parts)`` counts by day group: ``(n, 2, K)`` and the ``(2, K)`` exposure.

    A pooled block's exposure is the occurrences of its weekdays in the period (every day part
    has the same number of hours, so hours drop out).
    """
    member = np.zeros((7, max(groups) + 1))
    member[np.arange(7), groups] = 1.0
    table = np.einsum("nidp,dg->nigp", parts, member).reshape(len(parts), 2, -1)
    cell_exposure = np.repeat(exposure @ member, parts.shape[3], axis=1)
    return table, cell_exposure


def _homogeneity(table: npt.NDArray[np.float64], exposure: npt.NDArray[np.float64],
                 phi: float) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64],
                                      npt.NDArray[np.bool_]]:
    """Pearson's X², its degrees of freedom and Cochran's adequacy per 2 × K table.

    The expected counts ``a_i · b_j · e_ij`` are fitted to both margins by iterative
    proportional fitting; blocks empty in both periods are left out. Adequate: every effective
    expected count ``μ / φ`` at least 1 and at least 80 % of them 5 or more (Cochran 1954).
    """
    rows = table.sum(axis=2)                       # (n, 2)
    cols = table.sum(axis=1)                       # (n, K)
    present = cols > 0
    a = np.ones_like(rows)
    b = cols / exposure.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(_IPF_ROUNDS):
            a = rows / np.einsum("nj,ij->ni", b, exposure)
            b_new = cols / np.einsum("ni,ij->nj", a, exposure)
            converged = np.allclose(b_new, b, rtol=1e-12, atol=0.0, equal_nan=True)
            b = b_new
            if converged:
                break
        mu = a[:, :, None] * b[:, None, :] * exposure[None, :, :]
        terms = np.where(present[:, None, :], (table - mu) ** 2 / mu, 0.0)
    x2 = np.nan_to_num(terms.sum(axis=(1, 2)), nan=0.0)
    dof = present.sum(axis=1).astype(np.int64) - 1
    effective = np.where(present[:, None, :], mu / phi, np.nan)
    cells = 2 * present.sum(axis=1)
    big = (effective >= 5).sum(axis=(1, 2))
    smallest = np.nanmin(np.where(present[:, None, :], effective, np.inf), axis=(1, 2))
    adequate = (cells > 0) & (smallest >= 1) & (big >= 0.8 * cells)
    return x2, dof, adequate


# -- checks -----------------------------------------------------------------------------------


def _week_counts(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.ndim != 3 or arr.shape[1:] != (7, 24):
        msg = (f"{name} has shape {arr.shape}: it must have shape (n_areas, 7, 24), one "
               "count per area, weekday (0 = maandag) and hour")
        raise InputError(msg)
    return as_counts(arr, name)


def _occurrences(values: npt.ArrayLike | None, name: str) -> npt.NDArray[np.float64]:
    if values is None:
        return np.ones(7)
    arr = np.asarray(values, dtype=float)
    if arr.shape != (7,) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        msg = (f"{name} = {np.asarray(values).tolist()!r} must be 7 positive numbers: how many "
               "Mondays … Sundays the period holds")
        raise InputError(msg)
    return arr
