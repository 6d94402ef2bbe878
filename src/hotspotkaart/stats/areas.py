"""Per-area figures and tests of change between the base and the compare year.

For every buurt or wijk the module takes the meldingen of both years (in total and per
category, counted by :mod:`hotspotkaart.engine.counting`), expresses them as a change, a rate per
1 000 inhabitants and a share of the city, and tests whether the change is larger than chance.

The change block
----------------
``diff``, ``pct_change`` and the change tests come from :mod:`hotspotkaart.stats.change`
(:func:`~hotspotkaart.stats.change.change_columns`), which states the test, its null hypotheses
and the FDR procedure. An area table tests two null hypotheses for the total:

* ``p_value``: "the daily rate of the area did not change", ``p0`` from the days per year
  (:func:`~hotspotkaart.stats.change.p0_from_days`; 2023 vs 2024: ``p0 = 366 / (365 + 366)``);
* ``p_value_trend``: "the area followed the city-wide trend", ``p0`` from the city totals
  (:func:`~hotspotkaart.stats.change.p0_from_trend`).

Each category is tested against the daily rate, with FDR within the category. Areas with fewer
than ``config.min_count`` meldingen in both years together are not tested (``te weinig
meldingen``) and are left out of the family.

The change classes, :func:`change_test`, :func:`fdr`,  and :func:`classify_change`
are importable from this module as well.
"""

from __future__ import annotations

import logging
import warnings
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
from hotspotkaart.stats.change import (
    DALING,
    STIJGING,
    change_columns,
    p0_from_days,
    p0_from_trend,
    significance_columns,
)
from hotspotkaart.stats.dispersion import Dispersion

__all__ = [
    "area_positions",
    "area_table",
    "area_table_from_counts",
    "area_year_counts",
    "sum_per_area",
]

logger = logging.getLogger(__name__)


# -- the area table ---------------------------------------------------------------------------


def area_table(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, key: str,
               periods: Periods, config: AnalysisConfig, *,
               population: str | None = "aantal_inwoners") -> gpd.GeoDataFrame:
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
        The periods of the build (base, compare and any trend-only ones).
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


def area_table_from_counts(counts: pd.DataFrame, areas: gpd.GeoDataFrame, key: str,
                           periods: Periods, config: AnalysisConfig, *,
                           population: str | None = "aantal_inwoners",
                           dispersion: Dispersion | None = None,
                           exposure: tuple[int, int] | None = None) -> gpd.GeoDataFrame:
    """Build the area table from a count table (the testing step of :func:`area_table`).

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`area_counts` (or the sum of several with :func:`sum_counts`).
    areas, key, periods, config, population
        As for :func:`area_table`.
    dispersion : Dispersion, optional
        The overdispersion factor of the tests, overall and per category
        (:mod:`hotspotkaart.stats.dispersion`); every melding independent when None.
    exposure : tuple of int, optional
        The days the data of the base and the compare period cover
        (:mod:`hotspotkaart.stats.coverage`); the whole periods when None.

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
    days = exposure or (periods.days(base_year), periods.days(compare_year))
    p0_days = p0_from_days(*days)
    p0_trend = p0_from_trend(totals[base_year], totals[compare_year])
    disp = Dispersion(applied=1.0) if dispersion is None else dispersion
    change = change_columns(base, compare, {"": p0_days, "_trend": p0_trend},
                            min_count=min_count, fdr_q=config.fdr_q, dispersion=disp.applied)
    new.update({name: change.pop(name) for name in ("diff", "pct_change")})

    new.update(_rates_and_shares(new, totals, _population(areas, population)))
    new.update(change)
    for label, slug in slugs.items():
        new.update(significance_columns(
            new[count_column(base_year, label)], new[count_column(compare_year, label)],
            p0_days, min_count=min_count, fdr_q=config.fdr_q, suffix=f"_{slug}",
            dispersion=disp.for_category(label)))

    result = _assemble(areas, new)
    logger.info(
        "area table per %s: %d areas, %d + %d meldingen, %d significant changes (daily rate)",
        key, len(result), totals[base_year], totals[compare_year],
        int(np.isin(result["change_class"].to_numpy(), (STIJGING, DALING)).sum()),
    )
    return result


# -- helpers ----------------------------------------------------------------------------------


def area_positions(codes: npt.ArrayLike, area_codes: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Return the position of each of ``codes`` among ``area_codes`` (-1 if not an area)."""
    values = np.asarray(codes, dtype=object)
    if not len(values):
        return np.zeros(0, dtype=np.intp)
    return pd.Index(np.asarray(area_codes, dtype=object)).get_indexer(pd.Index(values))


def area_year_counts(counts: pd.DataFrame, areas: pd.DataFrame, key: str, periods: Periods,
                     *, category: str | None = None) -> dict[int, npt.NDArray[np.int64]]:
    """Add up a count table per area and period, every area of ``areas`` included.

    Parameters
    ----------
    counts : pandas.DataFrame
        A table of :func:`~hotspotkaart.engine.counting.area_counts` per ``key``.
    areas : pandas.DataFrame
        The areas, with the column ``key``; the arrays follow their order.
    key : str
        ``"buurtcode"`` or ``"wijkcode"``.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    category : str, optional
        Only the meldingen of this category label.

    Returns
    -------
    dict of int to numpy.ndarray
        Meldingen per area, for each year of ``periods``.
    """
    years = period_array(counts, periods)
    idx = area_positions(counts[key], areas[key])
    weights = counts["n"].to_numpy(dtype=np.int64)
    keep = np.ones(len(counts), dtype=bool) if category is None else (
        counts["category"].to_numpy(dtype=object) == category)
    return {y: sum_per_area(idx[keep & (years == y)], weights[keep & (years == y)], len(areas))
            for y in periods.years}


def sum_per_area(idx: npt.NDArray[np.intp], weights: npt.NDArray[np.int64],
                 n: int) -> npt.NDArray[np.int64]:
    """Add up ``weights`` per area position ``idx`` (of :func:`area_positions`) over ``n`` areas.

    Positions of -1 (codes that are not an area) are left out.
    """
    keep = idx >= 0
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, idx[keep], weights[keep])
    return out


def _rates_and_shares(columns: dict[str, Any], totals: dict[int, int],
                      pop: npt.NDArray[np.float64]) -> dict[str, Any]:
    """Per year the meldingen per 1 000 inhabitants and the share of the city's meldingen."""
    out: dict[str, Any] = {}
    for year in totals:
        counts = np.asarray(columns[count_column(year)], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"rate_{year}"] = np.where(pop > 0, 1000.0 * counts / pop, np.nan)
    for year in totals:
        counts = np.asarray(columns[count_column(year)], dtype=float)
        out[f"share_{year}"] = counts / totals[year] if totals[year] else np.full(len(counts),
                                                                                 np.nan)
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
