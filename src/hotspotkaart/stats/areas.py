"""Per-area figures and tests of change between the base and the compare year.

For every buurt or wijk the module takes the meldingen of both years (in total and per
category, counted by :mod:`hotspotkaart.engine.counting`), expresses them as a change, a rate per
1 000 inhabitants and a share of the city, and tests whether the change is larger than chance.

The change test
---------------
Given the two counts of an area, ``b`` (base) and ``c`` (compare), the number of compare-year
meldingen among the ``n = b + c`` meldingen of the area is, under the null hypothesis of an
unchanged Poisson intensity, binomially distributed with success probability ``p0``. This is the
exact *conditional* test for the ratio of two Poisson rates (Przyborowski & Wilenski 1940); it is
computed with :func:`scipy.stats.binomtest` (two-sided). Two null hypotheses are tested:

* ``p_value``: "the daily rate of the area did not change". ``p0`` is the share of the days of both
  periods that fall in the compare period, so a leap year is weighed correctly:
  for 2023 vs 2024, ``p0 = 366 / (365 + 366)``.
* ``p_value_trend``: "the area followed the city-wide trend". ``p0`` is the city's share of
  compare-year meldingen, ``total_compare / (total_base + total_compare)``. A significant
  ``stijging`` here means the area rose *more* than the city as a whole.

Areas with fewer than ``config.min_count`` meldingen in both years together are not tested
(label ``te weinig meldingen``; their p- and q-values are NaN) and are left out of the
multiple-testing family. The remaining p-values are adjusted with the Benjamini–Hochberg false
discovery rate procedure (:func:`scipy.stats.false_discovery_control`); an area is significant when
its q-value is at most ``config.fdr_q``. The direction (stijging/daling) is the side of ``p0`` on
which the observed share ``c / n`` lies.
"""

from __future__ import annotations

import calendar
import logging
import warnings
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart._naming import category_slugs, count_column
from hotspotkaart._validate import period_array, require_columns
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.counting import AREA_COUNT_COLUMNS, AREA_KEYS, area_counts

__all__ = [
    "CHANGE_CLASSES",
    "CHANGE_COLOURS",
    "DALING",
    "GEEN_VERANDERING",
    "STIJGING",
    "TE_WEINIG",
    "area_positions",
    "area_table",
    "area_table_from_counts",
    "change_test",
    "classify_change",
    "fdr",
    "period_days",
    "sum_per_area",
]

logger = logging.getLogger(__name__)

STIJGING = "significante stijging"
DALING = "significante daling"
GEEN_VERANDERING = "geen significante verandering"
TE_WEINIG = "te weinig meldingen"

#: The change classes in legend order.
CHANGE_CLASSES: tuple[str, ...] = (STIJGING, GEEN_VERANDERING, DALING, TE_WEINIG)

#: A colour per change class (ColorBrewer RdBu ends, neutral and grey; colour-blind safe).
CHANGE_COLOURS: dict[str, str] = {
    STIJGING: "#b2182b",
    GEEN_VERANDERING: "#f7f7f7",
    DALING: "#2166ac",
    TE_WEINIG: "#bdbdbd",
}


# -- small public pieces ----------------------------------------------------------------------


def period_days(year: int) -> int:
    """Return the number of days in a calendar-year period.

    Parameters
    ----------
    year : int
        The calendar year.

    Returns
    -------
    int
        366 for a leap year, otherwise 365.

    Examples
    --------
    >>> period_days(2023), period_days(2024)
    (365, 366)

    """
    return 366 if calendar.isleap(int(year)) else 365


def change_test(
    base_counts: npt.ArrayLike,
    compare_counts: npt.ArrayLike,
    p0: npt.ArrayLike,
    *,
    min_total: int = 1,
) -> npt.NDArray[np.float64]:
    """Exact conditional binomial test of a change between two counts, per area.

    For every element, ``binomtest(k=compare, n=base + compare, p=p0)`` from
    :func:`scipy.stats.binomtest` (two-sided) is evaluated.

    Parameters
    ----------
    base_counts, compare_counts : array_like of int
        Counts in the base and the compare period, one per area (non-negative whole numbers).
    p0 : float or array_like of float
        Expected share of the compare period under the null hypothesis, strictly between 0 and 1;
        a scalar or one value per area. NaN gives a NaN p-value.
    min_total : int, default 1
        Areas with ``base + compare < min_total`` are not tested (NaN). Areas without any
        meldingen are never tested.

    Returns
    -------
    numpy.ndarray of float
        Two-sided p-values; NaN where not tested.

    Raises
    ------
    InputError
        If counts are negative or not whole numbers, if the shapes differ, or if a ``p0`` is not
        strictly between 0 and 1.

    """
    base = _as_counts(base_counts, "base_counts")
    compare = _as_counts(compare_counts, "compare_counts")
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
    for idx in zip(*np.nonzero(testable), strict=True):
        out[idx] = _binomtest_p(int(compare[idx]), int(total[idx]), float(p0_arr[idx]))
    return out


@lru_cache(maxsize=1 << 16)
def _binomtest_p(k: int, n: int, p0: float) -> float:
    """Two-sided p-value of :func:`scipy.stats.binomtest`, remembered across calls.

    The same counts recur between areas, categories, area levels and zones; at national scale
    the distinct tests are a fraction of all.
    """
    from scipy import stats  # imported when first needed, as in fdr

    return float(stats.binomtest(k, n, p0).pvalue)


def fdr(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg q-values, ignoring NaN.

    Wraps :func:`scipy.stats.false_discovery_control` (``method="bh"``). NaN p-values (areas that
    were not tested) stay NaN and are not part of the family.

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
        from scipy import stats  # imported when first needed: 0.3 s the maps do not need

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
        Counts per area in the base and the compare period.
    q_values : array_like of float
        FDR-adjusted p-values (NaN where not tested).
    p0 : float or array_like of float
        The null share of the compare period used in the test; the direction of a significant
        change is whether ``compare / (base + compare)`` lies above or below it.
    min_count : int
        Areas with ``base + compare < min_count`` (and areas without any meldingen) get
        ``te weinig meldingen``.
    fdr_q : float
        Significance threshold on the q-values (``q <= fdr_q``).

    Returns
    -------
    numpy.ndarray of str
        One of :data:`CHANGE_CLASSES` per area.

    """
    base = _as_counts(base_counts, "base_counts")
    compare = _as_counts(compare_counts, "compare_counts")
    q = np.broadcast_to(np.asarray(q_values, dtype=float), base.shape)
    p0_arr = np.broadcast_to(np.asarray(p0, dtype=float), base.shape)
    total = base + compare
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, compare / np.maximum(total, 1), np.nan)
    significant = np.isfinite(q) & (q <= fdr_q)
    out = np.full(base.shape, GEEN_VERANDERING, dtype=object)
    out[significant & (share > p0_arr)] = STIJGING
    out[significant & (share < p0_arr)] = DALING
    out[total < max(int(min_count), 1)] = TE_WEINIG
    return out


# -- the area table ---------------------------------------------------------------------------


def area_table(
    incidents: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    key: str,
    periods: Periods,
    config: AnalysisConfig,
    *,
    population: str | None = "aantal_inwoners",
) -> gpd.GeoDataFrame:
    """Compute counts, rates, shares and change tests per buurt or wijk.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        The used meldingen, with at least the columns ``key``, ``period`` and ``category``. Every
        ``period`` must be the base or the compare year.
    areas : geopandas.GeoDataFrame
        All buurten or wijken, with a unique ``key`` column. Not modified.
    key : {"buurtcode", "wijkcode"}
        The area code column joining the two.
    periods : Periods
        The base and compare year.
    config : AnalysisConfig
        ``min_count`` (minimum meldingen over both years for a test and minimum base count for a
        percentage change) and ``fdr_q`` (the FDR level).
    population : str or None, default "aantal_inwoners"
        Column of ``areas`` with the number of inhabitants. Missing, secret or non-positive
        numbers give a NaN rate, never a zero. If None or absent, every rate is NaN.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area, in the order (and with the index) of ``areas``, including areas without
        meldingen. The attribute columns of ``areas`` are kept, the geometry comes last, and these
        columns are added (``B``/``C`` = base/compare year, ``s`` = category slug):

        ``count_B``, ``count_C``
            Meldingen per year.
        ``count_B_s``, ``count_C_s``
            Meldingen per year and category, for every category present in ``incidents``
            (sorted by category).
        ``diff``
            ``count_C - count_B``.
        ``pct_change``
            ``100 * diff / count_B`` in percent; NaN where ``count_B < min_count``.
        ``rate_B``, ``rate_C``
            Meldingen per 1 000 inhabitants.
        ``share_B``, ``share_C``
            Share (0..1) of all meldingen of the city in that year.
        ``p_value``, ``q_value``, ``change_class``
            Test against an unchanged daily rate (``p0`` from the days per year).
        ``p_value_trend``, ``q_value_trend``, ``change_class_trend``
            Test against the city-wide trend.
        ``p_value_s``, ``q_value_s``, ``change_class_s``
            Per category, test against an unchanged daily rate; FDR within each category.

    Raises
    ------
    InputError
        If ``key`` is not an area code column, a required column is missing, the area codes are
        not unique, a ``period`` is not one of the two years, or two categories share a slug.

    Warns
    -----
    HotspotkaartWarning
        If meldingen carry an area code that is not among ``areas``; they still count towards
        the city totals.

    """
    if key not in AREA_KEYS:
        msg = f"key = {key!r} is not an area code column; use one of {', '.join(AREA_KEYS)}"
        raise InputError(msg)
    counts = area_counts(incidents, key, periods)
    return area_table_from_counts(counts, areas, key, periods, config, population=population)


def area_table_from_counts(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    key: str,
    periods: Periods,
    config: AnalysisConfig,
    *,
    population: str | None = "aantal_inwoners",
) -> gpd.GeoDataFrame:
    """Build the area table from a count table (the testing step of :func:`area_table`).

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`area_counts` (or the sum of several with :func:`sum_counts`).
    areas, key, periods, config, population
        As for :func:`area_table`.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly what :func:`area_table` returns for the meldingen behind ``counts``.

    Raises
    ------
    InputError
        As :func:`area_table`.

    """
    if key not in AREA_KEYS:
        msg = f"key = {key!r} is not an area code column; use one of {', '.join(AREA_KEYS)}"
        raise InputError(msg)
    require_columns(counts, (key, *AREA_COUNT_COLUMNS), "counts")
    require_columns(areas, (key,), "areas")
    if not isinstance(areas, gpd.GeoDataFrame):
        msg = "areas must be a GeoDataFrame with the area geometry"
        raise InputError(msg)
    area_keys = areas[key]
    if area_keys.duplicated().any():
        dup = area_keys[area_keys.duplicated()].iloc[0]
        msg = f"areas: {key} {dup!r} occurs more than once; every area needs a unique code"
        raise InputError(msg)

    base_year, compare_year = periods.years
    counts = counts[counts["n"] > 0]
    period = period_array(counts, periods)
    codes = counts[key].to_numpy(dtype=object)
    labels = counts["category"].to_numpy(dtype=object)
    weights = counts["n"].to_numpy(dtype=np.int64)
    slugs = category_slugs(list(labels))

    known = area_keys.to_numpy(dtype=object)
    idx = area_positions(codes, known)
    unmatched = idx < 0
    n_unmatched = int(weights[unmatched].sum())
    if n_unmatched:
        example = codes[unmatched][0]
        msg = (f"{n_unmatched} meldingen have a {key} that is not among the areas "
               f"(e.g. {example!r}); they count towards the city totals only")
        logger.warning(msg)
        warnings.warn(msg, HotspotkaartWarning, stacklevel=3)

    new: dict[str, Any] = {}
    totals: dict[int, int] = {}
    for year in (base_year, compare_year):
        in_year = period == year
        totals[year] = int(weights[in_year].sum())
        new[count_column(year)] = sum_per_area(idx[in_year], weights[in_year], len(known))
    for year in (base_year, compare_year):
        in_year = period == year
        for label in slugs:
            sel = in_year & (labels == label)
            new[count_column(year, label)] = sum_per_area(idx[sel], weights[sel], len(known))

    base = np.asarray(new[count_column(base_year)])
    compare = np.asarray(new[count_column(compare_year)])
    min_count = int(config.min_count)
    new["diff"] = compare - base
    with np.errstate(invalid="ignore", divide="ignore"):
        new["pct_change"] = np.where(
            base >= max(min_count, 1), 100.0 * (compare - base) / np.maximum(base, 1), np.nan
        )

    pop = _population(areas, population)
    for year in (base_year, compare_year):
        counts = np.asarray(new[count_column(year)], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            new[f"rate_{year}"] = np.where(pop > 0, 1000.0 * counts / pop, np.nan)
    for year in (base_year, compare_year):
        counts = np.asarray(new[count_column(year)], dtype=float)
        new[f"share_{year}"] = counts / totals[year] if totals[year] else np.full(len(known),
                                                                                     np.nan)

    p0_days = period_days(compare_year) / (period_days(base_year) + period_days(compare_year))
    grand = totals[base_year] + totals[compare_year]
    p0_trend = totals[compare_year] / grand if grand else np.nan
    if not 0 < p0_trend < 1:
        p0_trend = np.nan  # one year without meldingen: no trend to compare against

    for suffix, p0 in (("", p0_days), ("_trend", p0_trend)):
        p = change_test(base, compare, p0, min_total=min_count)
        q = fdr(p)
        new[f"p_value{suffix}"] = p
        new[f"q_value{suffix}"] = q
        new[f"change_class{suffix}"] = classify_change(
            base, compare, q, p0, min_count=min_count, fdr_q=config.fdr_q
        )

    for label, slug in slugs.items():
        b = np.asarray(new[count_column(base_year, label)])
        c = np.asarray(new[count_column(compare_year, label)])
        p = change_test(b, c, p0_days, min_total=min_count)
        q = fdr(p)
        new[f"p_value_{slug}"] = p
        new[f"q_value_{slug}"] = q
        new[f"change_class_{slug}"] = classify_change(
            b, c, q, p0_days, min_count=min_count, fdr_q=config.fdr_q
        )

    result = _assemble(areas, new)
    logger.info(
        "area table per %s: %d areas, %d + %d meldingen, %d significant changes (daily rate)",
        key, len(result), totals[base_year], totals[compare_year],
        int(np.isin(result["change_class"].to_numpy(), (STIJGING, DALING)).sum()),
    )
    return result


# -- helpers ----------------------------------------------------------------------------------


def _as_counts(values: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.size and arr.dtype.kind not in "iu":
        as_float = arr.astype(float)
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            msg = f"{name} must hold whole numbers of meldingen"
            raise InputError(msg)
        arr = as_float
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        msg = f"{name} must not be negative"
        raise InputError(msg)
    return arr


def area_positions(codes: npt.ArrayLike, area_codes: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Return the position of each of ``codes`` among ``area_codes`` (-1 if not an area)."""
    values = np.asarray(codes, dtype=object)
    if not len(values):
        return np.zeros(0, dtype=np.intp)
    return pd.Index(np.asarray(area_codes, dtype=object)).get_indexer(pd.Index(values))


def sum_per_area(idx: npt.NDArray[np.intp], weights: npt.NDArray[np.int64],
                 n: int) -> npt.NDArray[np.int64]:
    """Add up ``weights`` per area position ``idx`` (of :func:`area_positions`) over ``n`` areas.

    Positions of -1 (codes that are not an area) are left out.
    """
    keep = idx >= 0
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, idx[keep], weights[keep])
    return out


def _population(areas: pd.DataFrame, population: str | None) -> npt.NDArray[np.float64]:
    if population is None or population not in areas.columns:
        if population is not None:
            logger.info("areas have no column %r; rates per 1 000 inhabitants are NaN", population)
        return np.full(len(areas), np.nan)
    pop = pd.to_numeric(areas[population], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(pop) & (pop > 0), pop, np.nan)


def _assemble(areas: gpd.GeoDataFrame, new: dict[str, Any]) -> gpd.GeoDataFrame:
    geom_name = areas.geometry.name
    overlap = [c for c in new if c in areas.columns]
    if overlap:
        logger.info("area table replaces existing columns %s", ", ".join(overlap))
    attrs = pd.DataFrame(areas.drop(columns=[geom_name, *overlap]))
    added = pd.DataFrame(new, index=areas.index)
    frame = pd.concat([attrs, added], axis=1)
    frame[geom_name] = areas.geometry.to_numpy()
    return gpd.GeoDataFrame(frame, geometry=geom_name, crs=areas.crs)
