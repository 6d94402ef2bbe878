"""The grid analysis put together: hot spots per year, their change, and concentration.

The grid itself and the counts per cell are :mod:`hotspotkaart.engine.grid`.

:func:`analyse_grid` counts the meldingen per cell and runs the statistics of
:mod:`hotspotkaart.stats.hotspots` on the counts: Gi* and the hot-spot test per period with its
classes, the transitions between the two years (a description), and the change between the
periods *tested where it happens*: the 3 × 3 window counts of both years in the same exact
conditional test as the buurten (:mod:`hotspotkaart.stats.change`), FDR over the cells, in
``change_class`` (daily rate) and ``change_class_trend`` (city trend). Comparing two hot-spot
labels is not a test ("the difference between significant and not significant is not itself
significant", Gelman & Stern 2006); ``change_class`` is. The concentration figures close it. A
year's test does not need the other's counts beyond the shared background, so a build runs
:func:`grid_tests` per year side by side and puts the result together with
:func:`analyse_grid_from_counts`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart._naming import count_column
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.counting import area_counts
from hotspotkaart.engine.grid import (
    cells_from_counts,
    grid_counts,
    make_grid,
    warn_outside,
)
from hotspotkaart.engine.join import assign_areas
from hotspotkaart.stats.areas import area_year_counts
from hotspotkaart.stats.background import area_shares, block_cells, expected_counts, window_sums
from hotspotkaart.stats.change import change_columns, p0_from_days, p0_from_trend
from hotspotkaart.stats.concentration import concentration
from hotspotkaart.stats.hotspots import (
    GI_LEVELS,
    GiResult,
    gi_star,
    neighbours,
    transitions,
)
from hotspotkaart.stats.temporal import cell_quarters, cell_trends

__all__ = [
    "GridResult",
    "GridTests",
    "active_cells",
    "analyse_grid",
    "analyse_grid_from_counts",
    "grid_tests",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GridResult:
    """Everything :func:`analyse_grid` computes.

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        One row per grid cell (see :func:`analyse_grid` for the columns).
    concentration : dict
        Concentration figures per period and the predictive accuracy index.
    method : dict
        The choices made, for the method section of the report.

    """

    cells: gpd.GeoDataFrame
    concentration: dict[str, Any] = field(default_factory=dict)
    method: dict[str, Any] = field(default_factory=dict)


# -- the grid ---------------------------------------------------------------------------------


def active_cells(cells: pd.DataFrame, periods: Periods) -> npt.NDArray[np.bool_]:
    """Return which cells' 3 × 3 window holds a melding in some period.

    Only these cells can be a hot spot, change or have a trend; the others are empty in every
    column but the expectation.
    """
    windows = [cells[f"window_{year}"].to_numpy(dtype=float) for year in periods.years]
    return np.logical_or.reduce([w > 0 for w in windows])


# -- orchestration ----------------------------------------------------------------------------


def analyse_grid(
    incidents: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    *,
    dispersion: float = 1.0,
) -> GridResult:
    """Run the grid analysis: grid, counts, hot spots per period, their change and concentration.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``period`` and ``category`` (and ``buurtcode``, which
        is found from ``areas`` when absent). Not modified.
    areas : geopandas.GeoDataFrame
        The buurten (``buurtcode``, ``wijkcode``); the grid covers the cells sharing interior
        with them. Not modified.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    config : AnalysisConfig
        ``cell_size``, ``fdr_q`` and ``min_count``.
    dispersion : float, default 1.0
        The overdispersion factor of the tests (:mod:`hotspotkaart.stats.dispersion`).

    Returns
    -------
    GridResult
        ``cells`` has the columns ``cell_id``, ``x_min``, ``y_min``, ``count_<year>`` and
        ``count_<year>_<slug>`` for both years, then per year ``window_<year>`` (meldingen in the
        3 × 3 window), ``expected_<year>`` (expected there), ``gi_z_<year>``, ``gi_p_<year>``
        (exact test), ``gi_q_<year>`` (BH) and ``gi_class_<year>``, then ``transition`` and
        ``transition_cold`` (descriptions), the tested change of the window counts (``diff``,
        ``pct_change``, ``p_value``, ``q_value``, ``change_class`` and the same with ``_trend``)
        and ``geometry``.

    """
    size = float(config.cell_size)  # validated with the configuration
    joined = incidents if "buurtcode" in incidents.columns else assign_areas(incidents, areas)
    buurt_counts = area_counts(joined, "buurtcode", periods)
    return analyse_grid_from_counts(grid_counts(incidents, periods, size), areas, periods,
                                    config, area_counts=buurt_counts, dispersion=dispersion)


@dataclass(frozen=True)
class GridTests:
    """The hot-spot test per period on a grid (the costly part of the grid analysis).

    Attributes
    ----------
    grid : geopandas.GeoDataFrame
        The grid the tests ran on (:func:`make_grid` of the areas), so that it is made once.
    gi : dict of int to GiResult
        The test per year, for the years it was asked for.
    n_islands : int
        Cells without a neighbouring cell (not tested).
    """

    grid: gpd.GeoDataFrame
    gi: dict[int, GiResult]
    n_islands: int

    def merge(self, other: GridTests) -> GridTests:
        """Return the tests of both on this grid, as if run together (``other``'s years win)."""
        return GridTests(grid=self.grid, gi={**self.gi, **other.gi}, n_islands=self.n_islands)


def grid_tests(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    years: Sequence[int] | None = None,
    *,
    area_counts: pd.DataFrame,
    grid: gpd.GeoDataFrame | None = None,
    dispersion: float = 1.0,
) -> GridTests:
    """Run the hot-spot test on the counts per cell of ``years`` (all periods when None).

    The periods' tests are independent: a build runs one call per year side by side and hands
    the merged result to :func:`analyse_grid_from_counts`. Each call makes its neighbour
    weights itself; the grid, the same for every year, may be made once by the caller.

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`grid_counts` built with ``config.cell_size``.
    areas, periods, config, dispersion
        As for :func:`analyse_grid`.
    years : sequence of int, optional
        Years of ``periods`` to test.
    area_counts : pandas.DataFrame
        The meldingen per buurt (:func:`~hotspotkaart.engine.counting.area_counts` by
        ``buurtcode``), for the buurt background.
    grid : geopandas.GeoDataFrame, optional
        ``make_grid(areas, config.cell_size)`` when made already; made here otherwise.

    Returns
    -------
    GridTests
        The test of each year and the number of cells without neighbours.

    Raises
    ------
    InputError
        If a year is not one of the periods.
    """
    chosen = list(periods.years if years is None else years)
    unknown = [y for y in chosen if y not in periods.years]
    if unknown:
        msg = f"years {unknown} are not periods of the analysis; choose from {periods.years}"
        raise InputError(msg)
    size = float(config.cell_size)  # validated with the configuration
    if grid is None:
        grid = make_grid(areas, size)
    cell_frame, _ = cells_from_counts(counts, grid, periods, size)
    w = neighbours(grid, size)
    per_cell = {y: cell_frame[count_column(y)].to_numpy(float) for y in periods.years}
    pooled = window_sums(sum(per_cell.values()), w)
    shares = area_shares(grid, areas)
    per_buurt = area_year_counts(area_counts, areas, "buurtcode", periods)
    gi = {year: gi_star(per_cell[year], w,
                        expected_counts(grid, shares, per_buurt[year], per_cell[year], pooled,
                                        size), dispersion=dispersion)
          for year in chosen}
    return GridTests(grid=grid, gi=gi, n_islands=len(w.isolates))


def analyse_grid_from_counts(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    tests: GridTests | None = None,
    *,
    area_counts: pd.DataFrame,
    dispersion: float = 1.0,
    exposure: tuple[int, int] | None = None,
    quarters: pd.DataFrame | None = None,
    quarter_days: npt.ArrayLike | None = None,
) -> GridResult:
    """Run the grid analysis on a count table (the testing step of :func:`analyse_grid`).

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`grid_counts` built with ``config.cell_size`` (or the sum of several).
    areas, periods, config, dispersion
        As for :func:`analyse_grid`.
    tests : GridTests, optional
        :func:`grid_tests` of the same arguments, covering every period, when already run
        (side by side, per year); run here otherwise.
    area_counts : pandas.DataFrame
        As for :func:`grid_tests`.
    exposure : tuple of int, optional
        The days the data of both periods cover (:mod:`hotspotkaart.stats.coverage`); the
        whole periods when None.
    quarters : pandas.DataFrame, optional
        :func:`~hotspotkaart.engine.grid.quarter_counts`: with it each cell gets the trend of
        its 3 × 3 window over the quarters of the periods (``trend_s``, ``trend_p``, ``trend_q``,
        ``trend_class``; :func:`~hotspotkaart.stats.temporal.cell_trends`).
    quarter_days : array_like of float, optional
        The covered days per quarter (:func:`~hotspotkaart.stats.temporal.quarter_days`); whole
        quarters when None.

    Returns
    -------
    GridResult
        Exactly what :func:`analyse_grid` returns for the meldingen behind ``counts``, with the
        trend columns when ``quarters`` is given.

    Raises
    ------
    InputError
        If ``tests`` lacks a period.
    """
    size = float(config.cell_size)  # validated with the configuration
    if tests is None:
        tests = grid_tests(counts, areas, periods, config, area_counts=area_counts,
                           dispersion=dispersion)
    missing = [y for y in periods.years if y not in tests.gi]
    if missing:
        msg = f"tests has no hot-spot test for the years {missing}; run grid_tests for every period"
        raise InputError(msg)
    grid = tests.grid
    cell_frame, outside_grid = cells_from_counts(counts, grid, periods, size)
    warn_outside(outside_grid, size)  # here, not in the per-year jobs: one warning
    if tests.n_islands:
        logger.info("%d grid cells have no neighbouring cell and are not tested",
                    tests.n_islands)
    columns: dict[str, Any] = {c: cell_frame[c].to_numpy() for c in cell_frame.columns}
    days = exposure or (periods.days(periods.base), periods.days(periods.compare))
    columns.update(_test_columns(tests.gi, periods, config, dispersion, days))
    if quarters is not None:
        columns.update(_trend_columns(quarters, grid, periods.steps, config, dispersion,
                                      quarter_days))
    frame = pd.concat(
        [pd.DataFrame(grid[["cell_id", "x_min", "y_min"]]),
         pd.DataFrame(columns, index=grid.index)],
        axis=1,
    )
    cells = gpd.GeoDataFrame(frame, geometry=grid.geometry.to_numpy(), crs=grid.crs)
    hot_base = np.char.startswith(tests.gi[periods.base].classes.astype(str), "hot spot")
    conc = concentration(
        {year: cell_frame[count_column(year)].to_numpy() for year in periods.years},
        periods, hot_base, hot_level=max(t for _, t in GI_LEVELS),
    )
    method = _method(len(cells), dict(outside_grid), tests.n_islands, config, dispersion)
    return GridResult(cells=cells, concentration=conc, method=method)


def _trend_columns(quarters: pd.DataFrame, grid: gpd.GeoDataFrame, steps: int,
                   config: AnalysisConfig, dispersion: float,
                   days: npt.ArrayLike | None) -> dict[str, Any]:
    """Return the trend of each cell's 3 × 3 window over the ``steps`` quarters."""
    size = float(config.cell_size)
    per_cell = cell_quarters(quarters, grid, size, steps)
    w = neighbours(grid, size)
    windows = np.column_stack([window_sums(per_cell[:, j], w) for j in range(steps)])
    table = cell_trends(windows, days, config, dispersion)
    return {name: table[name].to_numpy() for name in table.columns}


def _test_columns(gi: dict[int, GiResult], periods: Periods, config: AnalysisConfig,
                  dispersion: float, days: tuple[int, int]) -> dict[str, Any]:
    """Return the columns of the hot-spot tests, their transitions and the window change."""
    columns: dict[str, Any] = {}
    for year in periods.years:
        res = gi[year]
        columns[f"window_{year}"] = res.window.astype(np.int64)
        columns[f"expected_{year}"] = res.expected
        columns[f"gi_z_{year}"] = res.z
        columns[f"gi_p_{year}"] = res.p
        columns[f"gi_q_{year}"] = res.q
        columns[f"gi_class_{year}"] = res.classes
    hot_trans, cold_trans = transitions(gi[periods.base].classes, gi[periods.compare].classes)
    columns["transition"] = hot_trans
    columns["transition_cold"] = cold_trans
    base = columns[f"window_{periods.base}"]
    compare = columns[f"window_{periods.compare}"]
    p0s = {"": p0_from_days(*days),
           "_trend": p0_from_trend(int(gi[periods.base].window.sum()),
                                   int(gi[periods.compare].window.sum()))}
    columns.update(change_columns(base, compare, p0s, min_count=int(config.min_count),
                                  fdr_q=config.fdr_q, dispersion=dispersion))
    return columns


def _method(n_cells: int, outside_grid: dict[int, int], n_islands: int, config: AnalysisConfig,
            dispersion: float) -> dict[str, Any]:
    """Return the choices of the grid analysis, for the method block of the report."""
    size = float(config.cell_size)
    return {
        "cell_size_m": size,
        "crs": "EPSG:28992",
        "cell_id": ("E + lower-left x in hectometres (4 digits) + N + lower-left y in hectometres"
                    " (4 digits), as the CBS 100 m vierkanten"
                    if size >= 100 else
                    "E + lower-left x in decametres (5 digits) + N + lower-left y in decametres"),
        "grid_extent": "cells sharing interior with at least one buurt",
        "cell_assignment": "floor(x / cell_size), floor(y / cell_size) on RD coordinates",
        "n_cells": n_cells,
        "outside_grid": outside_grid,
        "statistic": "Getis-Ord Gi* z (esda.G_Local, star=True, transform='B'), shown as a "
                     "description",
        "neighbours": ("binary distance band between cell centres, threshold "
                       "cell_size * sqrt(2) * 1.0001 (the 8 surrounding cells) plus the cell "
                       "itself"),
        "threshold_m": size * math.sqrt(2) * 1.0001,
        "n_islands": n_islands,
        "islands": "not tested (NaN statistics, niet significant)",
        "hot_spot_test": ("exact Poisson test of the 3 x 3 window count against the larger of "
                          "two expectations: the buurt's meldingen spread evenly over its area, "
                          "and the meldingen of the surrounding 3 x 3 blocks of "
                          f"{block_cells(size)} cells spread evenly over the cells where "
                          "meldingen occur (Kulldorff 1997; Anderson & Samuels 1967)"),
        "hot_spot_rule": ("q <= level, a melding in the cell itself, window above its "
                          "expectation and Gi* z > 0 (cold: below the smaller expectation, "
                          "z < 0)"),
        "fdr": "Benjamini-Hochberg over the tested cells, per period",
        "fdr_q": float(config.fdr_q),
        "alpha_levels": {f"{level}%": threshold for level, threshold in GI_LEVELS},
        "dispersion": float(dispersion),
        "change_test": ("exact conditional binomial test of the 3 x 3 window counts (days and "
                        "city trend), effective counts count / dispersion, FDR over the cells "
                        "with at least min_count meldingen in both periods"),
        "transition_rule": ("description only: hot = any hot spot class (q <= 0.10) in that "
                            "year; the tested change is change_class"),
        "pai_hot_cells": "the base-year hot spot cells of the map (any hot spot class)",
        "esda_version": version("esda"),
        "libpysal_version": version("libpysal"),
    }
