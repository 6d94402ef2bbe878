"""The change between the base and the compare period: one block for areas, zones and candidates.

The buurt and wijk tables (:mod:`hotspotkaart.stats.areas`), the zone table
(:mod:`hotspotkaart.stats.zones`) and the camera candidates (:mod:`hotspotkaart.camera.assess`)
all express a change between two counts the same way, with the functions of this module.

The change test
---------------
Given the two counts of a unit (an area, a zone, a candidate), ``b`` (base) and ``c`` (compare),
the number of compare-period meldingen among its ``n = b + c`` meldingen is, under the null
hypothesis of an unchanged Poisson intensity, binomially distributed with success probability
``p0``. This is the exact *conditional* test for the ratio of two Poisson rates (Przyborowski &
Wilenski 1940), computed with :func:`scipy.stats.binomtest` (two-sided; scipy's two-sided p-value
adds up the outcomes no more likely than the observed one). ``p0`` is the null hypothesis:

* :func:`p0_from_days`: "the daily rate did not change". ``p0`` is the share of the days (of
  exposure) that fall in the compare period, so a leap year, or a zone valid for part of a year,
  is weighed correctly: for 2023 vs 2024, ``p0 = 366 / (365 + 366)``.
* :func:`p0_from_trend`: "the unit followed the city-wide trend". ``p0`` is the city's share of
  compare-period meldingen, ``total_compare / (total_base + total_compare)``; a significant
  ``stijging`` then means the unit rose *more* than the city as a whole.

Units with fewer than ``min_count`` meldingen in both periods together are not tested (class
``te weinig meldingen``; their p- and q-values are NaN) and are left out of the multiple-testing
family. The remaining p-values are adjusted with the Benjamini–Hochberg false discovery rate
procedure (Benjamini & Hochberg 1995; :func:`scipy.stats.false_discovery_control`); a unit is
significant when its q-value is at most ``fdr_q``. The direction (stijging/daling) is the side of
``p0`` on which the observed share ``c / n`` lies.

Repeat reports (one incident reported by several neighbours, one resident who calls every night)
make meldingen cluster: the counts vary more than the binomial allows. Every test takes the
overdispersion factor φ of :mod:`hotspotkaart.stats.dispersion` and runs on the effective counts
``round(b / φ)`` and ``round(c / φ)``; with φ = 1 it is the exact test above.

The percentage change ``100 · (c − b) / b`` is relative to the base period and NaN where ``b`` is
below ``min_count``: a percentage of a handful of meldingen says little.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspotkaart._errors import InputError

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_COLOURS",
    "DALING",
    "GEEN_VERANDERING",
    "NIET_VERGELIJKBAAR",
    "STIJGING",
    "TE_WEINIG",
    "as_counts",
    "binomtest_p",
    "change_columns",
    "change_test",
    "check_test_settings",
    "classify_change",
    "fdr",
    "p0_from_days",
    "p0_from_trend",
    "pct_change",
    "significance_columns",
]

STIJGING = "significante stijging"
DALING = "significante daling"
GEEN_VERANDERING = "geen significante verandering"
TE_WEINIG = "te weinig meldingen"
NIET_VERGELIJKBAAR = "niet vergelijkbaar"

#: The change classes in legend order.
CHANGE_CLASSES: tuple[str, ...] = (STIJGING, GEEN_VERANDERING, DALING, TE_WEINIG)

#: A colour per change class (ColorBrewer RdBu ends, neutral and grey; colour-blind safe).
CHANGE_COLOURS: dict[str, str] = {
    STIJGING: "#b2182b",
    GEEN_VERANDERING: "#f7f7f7",
    DALING: "#2166ac",
    TE_WEINIG: "#bdbdbd",
}


# -- the null hypotheses ----------------------------------------------------------------------


def p0_from_days(base_days: Any, compare_days: Any) -> Any:
    """Return the null share of the compare period from the days of exposure of both periods.

    Under an unchanged daily Poisson rate the expected share of the compare period among the
    meldingen of both is proportional to its exposure: ``compare_days / (base_days +
    compare_days)``.

    Parameters
    ----------
    base_days, compare_days : int or array_like of int
        Days of exposure per period (e.g. :meth:`~hotspotkaart.config.settings.Periods.days`,
        or the valid days of a zone).

    Returns
    -------
    float or numpy.ndarray of float
        A float for two scalars, otherwise an array; NaN where either period has no days (the
        unit cannot be compared).

    Examples
    --------
    >>> p0_from_days(365, 366) == 366 / 731
    True

    """
    if np.ndim(base_days) == 0 and np.ndim(compare_days) == 0:
        b, c = int(base_days), int(compare_days)
        return c / (b + c) if b > 0 and c > 0 else float("nan")
    b_arr, c_arr = np.asarray(base_days), np.asarray(compare_days)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((b_arr > 0) & (c_arr > 0), c_arr / np.maximum(b_arr + c_arr, 1), np.nan)


def p0_from_trend(total_base: int, total_compare: int) -> float:
    """Return the null share of the compare period from the city-wide trend.

    Parameters
    ----------
    total_base, total_compare : int
        All meldingen of the city in the base and the compare period.

    Returns
    -------
    float
        ``total_compare / (total_base + total_compare)``; NaN when a period has no meldingen
        (no trend to compare against).

    """
    grand = int(total_base) + int(total_compare)
    return total_compare / grand if grand and 0 < total_compare < grand else float("nan")


# -- the test, the adjustment and the classes -------------------------------------------------


def change_test(
    base_counts: npt.ArrayLike,
    compare_counts: npt.ArrayLike,
    p0: npt.ArrayLike,
    *,
    min_total: int = 1,
    dispersion: float = 1.0,
) -> npt.NDArray[np.float64]:
    """Exact conditional binomial test of a change between two counts, per unit.

    For every element, ``binomtest(k=compare, n=base + compare, p=p0)`` from
    :func:`scipy.stats.binomtest` (two-sided) is evaluated (Przyborowski & Wilenski 1940). With
    a ``dispersion`` φ above 1 the test runs on the effective counts ``round(count / φ)``: when
    one incident brings φ reports on average, the counts carry the information of count / φ
    independent ones (the design effect of Kish 1965; the quasi-Poisson scale of McCullagh &
    Nelder 1989, §4.5).

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts in the base and the compare period, one per unit (non-negative whole numbers).
    p0 : float or array_like of float
        Expected share of the compare period under the null hypothesis, strictly between 0 and 1;
        a scalar or one value per unit. NaN gives a NaN p-value.
    min_total : int, default 1
        Units with ``base + compare < min_total`` are not tested (NaN). Units without any
        meldingen are never tested.
    dispersion : float, default 1.0
        The overdispersion factor φ ≥ 1 (:mod:`hotspotkaart.stats.dispersion`); 1 tests the
        meldingen as independent.

    Returns
    -------
    numpy.ndarray of float
        Two-sided p-values; NaN where not tested.

    Raises
    ------
    InputError
        If counts are negative or not whole numbers, if the shapes differ, if a ``p0`` is not
        strictly between 0 and 1, or if ``dispersion`` is below 1.

    """
    if not (np.isfinite(dispersion) and dispersion >= 1):
        msg = f"dispersion = {dispersion!r} must be a number of at least 1"
        raise InputError(msg)
    base = as_counts(base_counts, "base_counts")
    compare = as_counts(compare_counts, "compare_counts")
    if base.shape != compare.shape:
        msg = f"base_counts has shape {base.shape} but compare_counts has shape {compare.shape}"
        raise InputError(msg)
    p0_arr = np.asarray(p0, dtype=float)
    try:
        p0_arr = np.broadcast_to(p0_arr, base.shape)
    except ValueError:
        msg = f"p0 has shape {p0_arr.shape}, which does not match the counts' shape {base.shape}"
        raise InputError(msg) from None
    finite = np.isfinite(p0_arr)
    if np.any((p0_arr[finite] <= 0) | (p0_arr[finite] >= 1)):
        msg = "p0 must lie strictly between 0 and 1 (the expected share of the compare period)"
        raise InputError(msg)
    total = base + compare
    out = np.full(base.shape, np.nan)
    testable = (total >= max(int(min_total), 1)) & finite
    k_eff = np.rint(compare / dispersion).astype(np.int64)
    n_eff = np.rint(base / dispersion).astype(np.int64) + k_eff
    testable &= n_eff > 0
    out[testable] = binomtest_p(k_eff[testable], n_eff[testable], p0_arr[testable])
    return out


#: scipy's relative tolerance for "no more likely than the observed outcome" (``binomtest``).
_RERR = 1 + 1e-7


def binomtest_p(k: npt.ArrayLike, n: npt.ArrayLike, p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Two-sided p-values of :func:`scipy.stats.binomtest`, for many tests at once.

    The same arithmetic as ``binomtest(k, n, p).pvalue`` (scipy 1.17, its two-sided branch:
    the binary search for the outcome on the other side of the mode that is as likely as the
    observed one, then the two tails), with every step on arrays of all tests instead of one
    test per Python call; each p-value equals scipy's to the last bit. At national scale the
    buurt, wijk, cell and zone tables hold tens of thousands of distinct tests, which took
    half a minute one by one.

    Parameters
    ----------
    k, n : array_like of int
        Successes and trials, ``0 <= k <= n``, ``n >= 1``; one-dimensional, equal length.
    p : array_like of float
        Probabilities of success in [0, 1], one per test.

    Returns
    -------
    numpy.ndarray of float
        The two-sided p-values.
    """
    from scipy.stats import binom  # imported when first needed, as in fdr

    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=float)
    out = np.ones(k.shape)
    if not k.size:
        return out
    d = binom.pmf(k, n, p) * _RERR
    mode = p * n
    low = k < mode  # the other tail lies above the mode
    high = k > mode  # below it; k == p n is 1 (scipy's shortcut)
    if low.any():
        kl, nl, pl = k[low], n[low], p[low]
        ix = _search(lambda x: -binom.pmf(x, nl, pl), -d[low], np.ceil(mode[low]),
                     nl.astype(float))
        y = nl - ix + (d[low] == binom.pmf(ix, nl, pl)).astype(np.int64)
        out[low] = binom.cdf(kl, nl, pl) + binom.sf(nl - y, nl, pl)
    if high.any():
        kh, nh, ph = k[high], n[high], p[high]
        ix = _search(lambda x: binom.pmf(x, nh, ph), d[high], np.zeros(len(kh)),
                     np.floor(mode[high]))
        out[high] = binom.cdf(ix, nh, ph) + binom.sf(kh - 1, nh, ph)
    return np.minimum(out, 1.0)


def _search(a: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
            d: npt.NDArray[np.float64], lo: npt.NDArray[np.float64],
            hi: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Binary search of scipy's binomtest on arrays: ``i`` with ``a(i) <= d < a(i + 1)``.

    ``a`` is evaluated on all tests at every step (at most about log2(n) steps); a test whose
    search has ended keeps its answer and its interval, so its further values are not used.
    """
    lo, hi = lo.copy(), hi.copy()
    found = np.full(lo.shape, np.nan)
    while True:
        active = (lo < hi) & np.isnan(found)
        if not active.any():
            break
        mid = lo + (hi - lo) // 2
        value = a(mid)
        below = active & (value < d)
        above = active & (value > d)
        lo[below] = mid[below] + 1
        hi[above] = mid[above] - 1
        hit = active & ~below & ~above
        found[hit] = mid[hit]
    ends = np.where(a(lo) <= d, lo, lo - 1)
    return np.where(np.isnan(found), ends, found).astype(np.int64)


def fdr(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg q-values, ignoring NaN.

    Wraps :func:`scipy.stats.false_discovery_control` (``method="bh"``; Benjamini & Hochberg
    1995). NaN p-values (units that were not tested) stay NaN and are not part of the family.

    Parameters
    ----------
    p_values : array_like of float
        One-dimensional p-values, NaN for "not tested".

    Returns
    -------
    numpy.ndarray of float
        The adjusted q-values, same shape as the input.

    Raises
    ------
    InputError
        If a p-value lies outside [0, 1].

    """
    p = np.asarray(p_values, dtype=float).ravel()
    finite = np.isfinite(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        msg = "p-values must lie between 0 and 1"
        raise InputError(msg)
    q = np.full(p.shape, np.nan)
    if finite.any():
        from scipy import stats  # imported when first needed: the maps do not need it

        q[finite] = stats.false_discovery_control(p[finite], method="bh")
    return q


def classify_change(
    base_counts: npt.ArrayLike,
    compare_counts: npt.ArrayLike,
    q_values: npt.ArrayLike,
    p0: npt.ArrayLike,
    *,
    min_count: int,
    fdr_q: float,
) -> npt.NDArray[np.object_]:
    """Turn counts and q-values into the Dutch change classes.

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts per unit in the base and the compare period.
    q_values : array_like of float
        FDR-adjusted p-values (NaN where not tested).
    p0 : float or array_like of float
        The null share of the compare period used in the test; the direction of a significant
        change is whether ``compare / (base + compare)`` lies above or below it.
    min_count : int
        Units with ``base + compare < min_count`` (and units without any meldingen) get
        ``te weinig meldingen``.
    fdr_q : float
        Significance threshold on the q-values (``q <= fdr_q``).

    Returns
    -------
    numpy.ndarray of str
        One of :data:`CHANGE_CLASSES` per unit, or ``niet vergelijkbaar`` where ``p0`` is NaN
        (a period without days or meldingen: nothing was tested, so nothing is concluded).

    """
    base = as_counts(base_counts, "base_counts")
    compare = as_counts(compare_counts, "compare_counts")
    q = np.broadcast_to(np.asarray(q_values, dtype=float), base.shape)
    p0_arr = np.broadcast_to(np.asarray(p0, dtype=float), base.shape)
    total = base + compare
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, compare / np.maximum(total, 1), np.nan)
    significant = np.isfinite(q) & (q <= fdr_q)
    out = np.full(base.shape, GEEN_VERANDERING, dtype=object)
    out[significant & (share > p0_arr)] = STIJGING
    out[significant & (share < p0_arr)] = DALING
    out[~np.isfinite(p0_arr)] = NIET_VERGELIJKBAAR
    out[total < max(int(min_count), 1)] = TE_WEINIG
    return out


# -- the columns ------------------------------------------------------------------------------


def pct_change(base_counts: npt.ArrayLike, compare_counts: npt.ArrayLike, *,
               min_count: int) -> npt.NDArray[np.float64]:
    """Return ``100 · (compare − base) / base`` in percent, NaN where ``base < min_count``.

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts per unit in the base and the compare period.
    min_count : int
        The smallest base count with a percentage (at least 1, so never a division by zero).

    Returns
    -------
    numpy.ndarray of float
        The change relative to the base period.

    """
    base, compare = np.asarray(base_counts), np.asarray(compare_counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base >= max(int(min_count), 1),
                        100.0 * (compare - base) / np.maximum(base, 1), np.nan)


def significance_columns(base_counts: npt.ArrayLike, compare_counts: npt.ArrayLike,
                         p0: npt.ArrayLike, *, min_count: int, fdr_q: float,
                         suffix: str = "", dispersion: float = 1.0) -> dict[str, Any]:
    """Test the change of every unit against one null hypothesis, with FDR over the units.

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts per unit in the base and the compare period.
    p0 : float or array_like of float
        The null share of the compare period (:func:`p0_from_days`, :func:`p0_from_trend`).
    min_count : int
        Units with fewer meldingen in both periods together are not tested
        (:func:`change_test`) and get ``te weinig meldingen`` (:func:`classify_change`).
    fdr_q : float
        The FDR level (:func:`fdr`).
    suffix : str, default ""
        Appended to the column names (e.g. ``"_trend"``).
    dispersion : float, default 1.0
        The overdispersion factor of :func:`change_test`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``p_value<suffix>``, ``q_value<suffix>`` and ``change_class<suffix>``, in that order.

    """
    p = change_test(base_counts, compare_counts, p0, min_total=min_count, dispersion=dispersion)
    q = fdr(p)
    classes = classify_change(base_counts, compare_counts, q, p0, min_count=min_count,
                              fdr_q=fdr_q)
    return {f"p_value{suffix}": p, f"q_value{suffix}": q, f"change_class{suffix}": classes}


def change_columns(base_counts: npt.ArrayLike, compare_counts: npt.ArrayLike,
                   p0s: Mapping[str, npt.ArrayLike], *, min_count: int,
                   fdr_q: float, dispersion: float = 1.0) -> dict[str, Any]:
    """Return the whole change block of a table: the difference, the percentage and the tests.

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts per unit in the base and the compare period.
    p0s : mapping of str to float or array_like of float
        One null hypothesis per column suffix, tested in this order, e.g.
        ``{"": p0_from_days(...), "_trend": p0_from_trend(...)}``; each is its own FDR family.
    min_count, fdr_q, dispersion
        As for :func:`significance_columns` (``min_count`` also for :func:`pct_change`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``diff`` (``compare − base``), ``pct_change`` and, per suffix, the columns of
        :func:`significance_columns`.

    """
    base, compare = np.asarray(base_counts), np.asarray(compare_counts)
    cols: dict[str, Any] = {"diff": compare - base,
                            "pct_change": pct_change(base, compare, min_count=min_count)}
    for suffix, p0 in p0s.items():
        cols.update(significance_columns(base, compare, p0, min_count=min_count,
                                         fdr_q=fdr_q, suffix=suffix, dispersion=dispersion))
    return cols


# -- helpers ----------------------------------------------------------------------------------


def as_counts(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    """Return ``values`` as whole, non-negative counts of meldingen (any shape).

    Raises
    ------
    InputError
        If a value is negative, fractional or not a number; the message names ``name``.
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.size and arr.dtype.kind not in "iu":
        try:
            as_float = arr.astype(float)
        except (TypeError, ValueError):
            as_float = np.array([np.nan])
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            msg = f"{name} must hold whole numbers of meldingen"
            raise InputError(msg)
        arr = as_float
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        msg = f"{name} must not be negative"
        raise InputError(msg)
    return arr


def check_test_settings(min_count: int, fdr_q: float, dispersion: float) -> float:
    """Check the settings every test takes; return the dispersion factor as a float.

    Raises
    ------
    InputError
        If ``min_count`` is not a whole number ≥ 0, ``fdr_q`` not strictly between 0 and 1, or
        ``dispersion`` below 1.
    """
    if not (isinstance(min_count, int | np.integer) and min_count >= 0):
        msg = f"min_count = {min_count!r} must be a whole number of at least 0"
        raise InputError(msg)
    if not (np.isfinite(fdr_q) and 0 < fdr_q < 1):
        msg = f"fdr_q = {fdr_q!r} must lie strictly between 0 and 1"
        raise InputError(msg)
    if not (np.isfinite(dispersion) and dispersion >= 1):
        msg = f"dispersion = {dispersion!r} must be a number of at least 1"
        raise InputError(msg)
    return float(dispersion)
