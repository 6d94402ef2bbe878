"""The grid analysis put together: Gi* per year, classes, transitions and concentration.

The grid itself and the counts per cell are :mod:`hotspotkaart.engine.grid`.

:func:`analyse_grid` counts the meldingen per cell and runs the statistics of
:mod:`hotspotkaart.stats.hotspots` on the counts: Getis–Ord Gi* per period with its classes, the
transitions between the two years and the concentration figures. It returns one row per cell
with all of them and records the method's choices for the report. Gi* of one year does not need
the other's, so a build runs :func:`grid_tests` per year side by side and puts the result
together with :func:`analyse_grid_from_counts`.
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
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart._naming import count_column
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.grid import (
    CellCounts,
    cells_from_counts,
    grid_counts,
    make_grid,
    warn_outside,
)
from hotspotkaart.stats.concentration import concentration
from hotspotkaart.stats.hotspots import (
    GI_LEVELS,
    GiResult,
    gi_star,
    neighbours,
    transitions,
)

__all__ = [
    "GridResult",
    "GridTests",
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


# -- orchestration ----------------------------------------------------------------------------


def analyse_grid(
    incidents: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
) -> GridResult:
    """Run the grid analysis: grid, counts, Gi* per period, transitions and concentration.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``period`` and ``category``. Not modified.
    areas : geopandas.GeoDataFrame
        The buurten; the grid covers the cells sharing interior with them. Not modified.
    periods : Periods
        The base and compare year.
    config : AnalysisConfig
        ``cell_size``, ``permutations``, ``seed`` and ``fdr_q`` (the q-value level that defines a
        base-year hot cell for the PAI; 0.05 = the 95 % classes and stronger).

    Returns
    -------
    GridResult
        ``cells`` has the columns ``cell_id``, ``x_min``, ``y_min``, ``count_<year>`` and
        ``count_<year>_<slug>`` for both years, then per year ``gi_z_<year>``, ``gi_p_<year>``
        (two-sided normal p), ``gi_q_<year>`` (BH), ``gi_p_sim_<year>`` (permutation pseudo p,
        diagnostic) and ``gi_class_<year>``, then ``transition``, ``transition_cold`` and
        ``geometry``.

    """
    size = float(config.cell_size)  # validated with the configuration
    return analyse_grid_from_counts(grid_counts(incidents, periods, size), areas, periods,
                                    config)


@dataclass(frozen=True)
class GridTests:
    """Gi* per period on a grid: the costly part of :func:`analyse_grid_from_counts`.

    Attributes
    ----------
    grid : geopandas.GeoDataFrame
        The grid the tests ran on (:func:`make_grid` of the areas), so that it is made once.
    gi : dict of int to GiResult
        Gi* per year, for the years it was asked for.
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
    grid: gpd.GeoDataFrame | None = None,
) -> GridTests:
    """Run Gi* on the counts per cell of ``years`` (all periods when None).

    The periods' tests are independent: a build runs one call per year side by side and hands
    the merged result to :func:`analyse_grid_from_counts`. Each call makes its neighbour
    weights itself; the grid, the same for every year, may be made once by the caller.

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`grid_counts` built with ``config.cell_size``.
    areas, periods, config
        As for :func:`analyse_grid`.
    years : sequence of int, optional
        Years of ``periods`` to test.
    grid : geopandas.GeoDataFrame, optional
        ``make_grid(areas, config.cell_size)`` when made already; made here otherwise.

    Returns
    -------
    GridTests
        Gi* of each year and the number of cells without neighbours.

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
    return GridTests(grid=grid,
                     gi={year: gi_star(cell_frame[count_column(year)].to_numpy(), w, config)
                         for year in chosen},
                     n_islands=len(w.isolates))


def analyse_grid_from_counts(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    tests: GridTests | None = None,
) -> GridResult:
    """Run the grid analysis on a count table (the testing step of :func:`analyse_grid`).

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`grid_counts` built with ``config.cell_size`` (or the sum of several).
    areas, periods, config
        As for :func:`analyse_grid`.
    tests : GridTests, optional
        :func:`grid_tests` of the same arguments, covering every period, when already run
        (side by side, per year); run here otherwise.

    Returns
    -------
    GridResult
        Exactly what :func:`analyse_grid` returns for the meldingen behind ``counts``.

    Raises
    ------
    InputError
        If ``tests`` lacks a period.
    """
    size = float(config.cell_size)  # validated with the configuration
    if tests is None:
        tests = grid_tests(counts, areas, periods, config)
    missing = [y for y in periods.years if y not in tests.gi]
    if missing:
        msg = f"tests has no Gi* for the years {missing}; run grid_tests for every period"
        raise InputError(msg)
    grid = tests.grid
    cell_frame, outside_grid = cells_from_counts(counts, grid, periods, size)
    warn_outside(outside_grid, size)  # here, not in the per-year jobs: one warning
    cc = CellCounts(counts=cell_frame, outside_grid=outside_grid,
                    position=np.zeros(0, dtype=np.intp))
    n_islands = tests.n_islands
    if n_islands:
        logger.info("%d grid cells have no neighbouring cell and are not tested", n_islands)

    columns: dict[str, Any] = {c: cc.counts[c].to_numpy() for c in cc.counts.columns}
    gi = tests.gi
    for year in periods.years:
        res = gi[year]
        columns[f"gi_z_{year}"] = res.z
        columns[f"gi_p_{year}"] = res.p
        columns[f"gi_q_{year}"] = res.q
        columns[f"gi_p_sim_{year}"] = res.p_sim
        columns[f"gi_class_{year}"] = res.classes
    hot_trans, cold_trans = transitions(gi[periods.base].classes, gi[periods.compare].classes)
    columns["transition"] = hot_trans
    columns["transition_cold"] = cold_trans

    frame = pd.concat(
        [pd.DataFrame(grid[["cell_id", "x_min", "y_min"]]),
         pd.DataFrame(columns, index=grid.index)],
        axis=1,
    )
    cells = gpd.GeoDataFrame(frame, geometry=grid.geometry.to_numpy(), crs=grid.crs)

    base_gi = gi[periods.base]
    hot_base = (np.nan_to_num(base_gi.z) > 0) & (np.nan_to_num(base_gi.q, nan=1.0)
                                                  <= config.fdr_q)
    conc = concentration(
        {year: cc.counts[count_column(year)].to_numpy() for year in periods.years},
        periods, hot_base, hot_level=config.fdr_q,
    )
    method: dict[str, Any] = {
        "cell_size_m": size,
        "crs": "EPSG:28992",
        "cell_id": ("E + lower-left x in hectometres (4 digits) + N + lower-left y in hectometres"
                    " (4 digits), as the CBS 100 m vierkanten"
                    if size >= 100 else
                    "E + lower-left x in decametres (5 digits) + N + lower-left y in decametres"),
        "grid_extent": "cells sharing interior with at least one buurt",
        "cell_assignment": "floor(x / cell_size), floor(y / cell_size) on RD coordinates",
        "n_cells": len(cells),
        "outside_grid": dict(cc.outside_grid),
        "statistic": "Getis-Ord Gi* (esda.G_Local, star=True, transform='B')",
        "neighbours": ("binary distance band between cell centres, threshold "
                       "cell_size * sqrt(2) * 1.0001 (the 8 surrounding cells) plus the cell "
                       "itself"),
        "threshold_m": size * math.sqrt(2) * 1.0001,
        "n_islands": n_islands,
        "islands": "not tested (NaN statistics, niet significant)",
        "permutations": int(config.permutations),
        "seed": int(config.seed),
        "p_value": "p_norm, two-sided: 2 * P(Z > |z|) from the analytical Gi* moments",
        "p_value_reason": ("permutation p-values cannot go below 1/(permutations+1), too coarse "
                           "for Benjamini-Hochberg over thousands of cells; p_sim is reported "
                           "in gi_p_sim_<year> as a check"),
        "fdr": "Benjamini-Hochberg over the tested cells, per period",
        "fdr_q": float(config.fdr_q),
        "alpha_levels": {f"{level}%": threshold for level, threshold in GI_LEVELS},
        "transition_rule": "hot = any hot spot class (q <= 0.10) in that year; likewise cold",
        "pai_hot_cells": f"base-year hot spot cells with q <= {config.fdr_q:g}",
        "esda_version": version("esda"),
        "libpysal_version": version("libpysal"),
    }
    return GridResult(cells=cells, concentration=conc, method=method)


# -- helpers ----------------------------------------------------------------------------------


