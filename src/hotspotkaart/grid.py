"""The square grid: its cells, the meldingen counted per cell, and the grid analysis put together.

The grid
--------
Cells are squares in RD New (EPSG:28992) whose edges lie on multiples of the cell size, like the
CBS vierkantstatistieken; only cells that share interior with at least one buurt are kept, so the
statistics run over the places where meldingen can occur. A cell is the half-open square
``[x_min, x_min + size) × [y_min, y_min + size)``; a melding is put in a cell by arithmetic,
``floor(x / size)``, ``floor(y / size)``, so a point on an edge belongs to the cell east or
north of it.

Cell identifiers follow the CBS convention for the 100 m grid: ``"E"`` + the lower-left x in
hectometres (4 digits) + ``"N"`` + the lower-left y in hectometres (4 digits), e.g.
``E1052N4256`` for the cell with lower-left corner (105 200, 425 600). Other cell sizes of 100 m
or more keep hectometre units (the cell size itself is recorded in the method block, and ``x_min``
and ``y_min`` hold the exact corner); sizes below 100 m switch to decametres (5 digits) so that
identifiers stay unique.

The analysis
------------
:func:`analyse_grid` counts the meldingen per cell and runs the statistics of
:mod:`hotspotkaart.hotspots` on the counts: Getis–Ord Gi* per period with its classes, the
transitions between the two years and the concentration figures. It returns one row per cell
with all of them and records the method's choices for the report. Gi* of one year does not need
the other's, so a build runs :func:`grid_tests` per year side by side and puts the result
together with :func:`analyse_grid_from_counts`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart._checks import check_cell_size, check_rd, period_array
from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart._naming import count_column
from hotspotkaart.analysis import category_slugs
from hotspotkaart.config import AnalysisConfig, Periods
from hotspotkaart.counting import category_labels, group_sizes
from hotspotkaart.hotspots import (
    GI_LEVELS,
    GiResult,
    concentration,
    gi_star,
    neighbours,
    transitions,
)

__all__ = [
    "GRID_COUNT_COLUMNS",
    "CellCounts",
    "GridResult",
    "GridTests",
    "analyse_grid",
    "analyse_grid_from_counts",
    "cell_counts",
    "cell_id",
    "grid_counts",
    "grid_tests",
    "make_grid",
]

logger = logging.getLogger(__name__)

_MAX_CANDIDATE_CELLS = 20_000_000


@dataclass(frozen=True)
class CellCounts:
    """Meldingen per grid cell.

    Attributes
    ----------
    counts : pandas.DataFrame
        Same index as the grid; ``count_<year>`` per period and ``count_<year>_<slug>`` per
        period and category.
    outside_grid : dict of int to int
        Per year, the meldingen that could not be placed in a grid cell (outside the grid, or
        without a usable point geometry). Zero in normal use.
    position : numpy.ndarray
        Per melding (in input order), the row position of its cell in the grid, -1 if none.

    """

    counts: pd.DataFrame
    outside_grid: dict[int, int]
    position: npt.NDArray[np.intp]


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


def cell_id(
    x_min: npt.ArrayLike, y_min: npt.ArrayLike, cell_size: float
) -> npt.NDArray[np.object_]:
    """Return CBS-style identifiers for cells given their lower-left corners.

    Parameters
    ----------
    x_min, y_min : array_like of float
        Lower-left corners in RD metres.
    cell_size : float
        Cell size in metres; 100 m and up use hectometres (``E1052N4256``), smaller sizes
        decametres (``E10525N42560``).

    Returns
    -------
    numpy.ndarray of str
        The identifiers.

    Examples
    --------
    >>> cell_id([105200.0], [425600.0], 100.0).tolist()
    ['E1052N4256']

    """
    unit, width = (100, 4) if cell_size >= 100 else (10, 5)
    xs = np.floor(np.asarray(x_min, dtype=float) / unit + 1e-9).astype(np.int64)
    ys = np.floor(np.asarray(y_min, dtype=float) / unit + 1e-9).astype(np.int64)
    return np.array(
        [f"E{x:0{width}d}N{y:0{width}d}" for x, y in zip(xs, ys, strict=True)], dtype=object
    )


def make_grid(areas: gpd.GeoDataFrame, cell_size: float) -> gpd.GeoDataFrame:
    """Build the square grid over the areas.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Buurten (or any polygons) in EPSG:28992. Not modified.
    cell_size : float
        Cell size in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``cell_id``, ``x_min``, ``y_min`` and the square ``geometry``; one row per cell
        sharing interior with at least one area (cells that only touch an area's edge are left
        out), ordered south to north and, within a row, west to east; a fresh ``RangeIndex``.

    Raises
    ------
    InputError
        If the areas are not in EPSG:28992, have no geometry, or the cell size is not positive or
        so small that the grid would be unreasonably large.

    """
    check_rd(areas, "areas")
    size = check_cell_size(cell_size)
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        msg = "areas have no geometry to lay a grid over"
        raise InputError(msg)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    ix = np.arange(math.floor(x0 / size), math.floor(x1 / size) + 1, dtype=np.int64)
    iy = np.arange(math.floor(y0 / size), math.floor(y1 / size) + 1, dtype=np.int64)
    if len(ix) * len(iy) > _MAX_CANDIDATE_CELLS:
        msg = (f"a grid of {size:g} m cells over this area would have {len(ix) * len(iy)} cells; "
               "choose a larger cell_size")
        raise InputError(msg)
    gx, gy = np.meshgrid(ix, iy)  # rows south to north, west to east within a row
    xs = gx.ravel() * size
    ys = gy.ravel() * size
    boxes = shapely.box(xs, ys, xs + size, ys + size)
    tree = shapely.STRtree(geoms)
    box_idx, geom_idx = tree.query(boxes, predicate="intersects")
    interior = ~shapely.touches(boxes[box_idx], geoms[geom_idx])
    keep = np.unique(box_idx[interior])
    grid = gpd.GeoDataFrame(
        {
            "cell_id": cell_id(xs[keep], ys[keep], size),
            "x_min": xs[keep].astype(float),
            "y_min": ys[keep].astype(float),
        },
        geometry=boxes[keep],
        crs=areas.crs,
    )
    logger.info("grid of %g m: %d cells", size, len(grid))
    return grid


def cell_counts(
    incidents: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, periods: Periods, cell_size: float
) -> CellCounts:
    """Count meldingen per grid cell, per period and per category.

    Points are placed by arithmetic on their RD coordinates (``floor(x / size)``,
    ``floor(y / size)``), not by polygon tests. Meldingen whose cell is not part of the grid, or
    without a point geometry, are counted in ``outside_grid`` and reported with a warning, never
    dropped silently.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``period`` and ``category``. Not modified.
    grid : geopandas.GeoDataFrame
        A grid from :func:`make_grid` built with the same ``cell_size``.
    periods : Periods
        The base and compare year.
    cell_size : float
        The grid's cell size in metres.

    Returns
    -------
    CellCounts
        Counts aligned with ``grid``, the diagnostic and each melding's cell position.

    Raises
    ------
    InputError
        If the incidents are not in EPSG:28992, lack columns, have a period other than the two
        years, or the grid was not built with this cell size.

    Warns
    -----
    HotspotkaartWarning
        If meldingen could not be placed in the grid.

    """
    check_rd(incidents, "incidents")
    size = check_cell_size(cell_size)
    for col in ("period", "category"):
        if col not in incidents.columns:
            msg = f"incidents lack the column {col}"
            raise InputError(msg)
    gix, giy = _grid_indices(grid, size)
    px, py, usable = _cell_index(incidents, size)
    lookup = pd.Index(_pack(gix, giy))
    position = np.where(usable, lookup.get_indexer(pd.Index(_pack(px, py))), -1).astype(np.intp)
    counts = grid_counts(incidents, periods, size)
    frame, outside = _cells_from_counts(counts, grid, periods, size)
    _warn_outside(outside, size)
    return CellCounts(counts=frame, outside_grid=outside, position=position)


#: Columns of the count table of :func:`grid_counts`.
GRID_COUNT_COLUMNS: tuple[str, ...] = ("ix", "iy", "period", "category", "n")

#: ``ix`` and ``iy`` of meldingen without a usable point location.
_NO_CELL = np.iinfo(np.int64).min


def grid_counts(incidents: gpd.GeoDataFrame, periods: Periods, cell_size: float) -> pd.DataFrame:
    """Count meldingen per grid cell index, period and category (the counting step).

    Points are placed by arithmetic on their RD coordinates: ``ix = floor(x / size)``,
    ``iy = floor(y / size)``. The table does not depend on the grid, so tables of parts of the
    meldingen add up (:func:`hotspotkaart.counting.sum_counts`).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``period`` and ``category``. Not modified.
    periods : Periods
        The base and compare year.
    cell_size : float
        Cell size in metres.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GRID_COUNT_COLUMNS`, sorted; meldingen without a usable point location
        have ``ix = iy = -2**63``.

    Raises
    ------
    InputError
        If the incidents are not in EPSG:28992, lack columns or have a period other than the
        two years.

    """
    check_rd(incidents, "incidents")
    size = check_cell_size(cell_size)
    for col in ("period", "category"):
        if col not in incidents.columns:
            msg = f"incidents lack the column {col}"
            raise InputError(msg)
    period = period_array(incidents, periods)
    px, py, usable = _cell_index(incidents, size)
    frame = pd.DataFrame({
        "ix": np.where(usable, px, _NO_CELL),
        "iy": np.where(usable, py, _NO_CELL),
        "period": period,
        "category": category_labels(incidents["category"]),
    })
    return group_sizes(frame, ["ix", "iy", "period", "category"])


def _cell_index(incidents: gpd.GeoDataFrame, size: float) -> tuple[
        npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    geoms = np.asarray(incidents.geometry.to_numpy(), dtype=object)
    usable = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if usable.any():
        x[usable] = shapely.get_x(geoms[usable])
        y[usable] = shapely.get_y(geoms[usable])
    usable &= np.isfinite(x) & np.isfinite(y)
    px = np.floor(np.where(usable, x, 0.0) / size).astype(np.int64)
    py = np.floor(np.where(usable, y, 0.0) / size).astype(np.int64)
    return px, py, usable


def _cells_from_counts(
    counts: pd.DataFrame, grid: gpd.GeoDataFrame, periods: Periods, size: float
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Spread a :func:`grid_counts` table over the grid; count the meldingen outside it."""
    missing = [c for c in GRID_COUNT_COLUMNS if c not in counts.columns]
    if missing:
        msg = f"counts lack the column(s) {', '.join(missing)}"
        raise InputError(msg)
    gix, giy = _grid_indices(grid, size)
    counts = counts[counts["n"] > 0]
    period = period_array(counts, periods)
    ix = counts["ix"].to_numpy(dtype=np.int64)
    iy = counts["iy"].to_numpy(dtype=np.int64)
    weights = counts["n"].to_numpy(dtype=np.int64)
    labels = counts["category"].to_numpy(dtype=object)
    usable = (ix != _NO_CELL) | (iy != _NO_CELL)
    lookup = pd.Index(_pack(gix, giy))
    position = np.where(usable, lookup.get_indexer(pd.Index(_pack(ix, iy))), -1).astype(np.intp)

    slugs = category_slugs(list(labels))
    n = len(grid)
    cols: dict[str, npt.NDArray[np.int64]] = {}
    outside: dict[int, int] = {}
    placed = position >= 0
    for year in periods.years:
        in_year = period == year
        cols[count_column(year)] = _spread(position[in_year & placed],
                                           weights[in_year & placed], n)
        outside[year] = int(weights[in_year & ~placed].sum())
    for year in periods.years:
        for label in slugs:
            sel = (period == year) & (labels == label) & placed
            cols[count_column(year, label)] = _spread(position[sel], weights[sel], n)
    return pd.DataFrame(cols, index=grid.index), outside


def _warn_outside(outside: dict[int, int], size: float) -> None:
    """Warn the caller's caller about meldingen left out of the grid (once per analysis)."""
    if any(outside.values()):
        msg = (f"{sum(outside.values())} meldingen fall outside the {size:g} m grid or have no "
               f"point location ({outside}); they are left out of the grid statistics")
        logger.warning(msg)
        warnings.warn(msg, HotspotkaartWarning, stacklevel=3)


def _spread(position: npt.NDArray[np.intp], weights: npt.NDArray[np.int64],
            n: int) -> npt.NDArray[np.int64]:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, position, weights)
    return out


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
    size = check_cell_size(config.cell_size)
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
    size = check_cell_size(config.cell_size)
    if grid is None:
        grid = make_grid(areas, size)
    cell_frame, _ = _cells_from_counts(counts, grid, periods, size)
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
    size = check_cell_size(config.cell_size)
    if tests is None:
        tests = grid_tests(counts, areas, periods, config)
    missing = [y for y in periods.years if y not in tests.gi]
    if missing:
        msg = f"tests has no Gi* for the years {missing}; run grid_tests for every period"
        raise InputError(msg)
    grid = tests.grid
    cell_frame, outside_grid = _cells_from_counts(counts, grid, periods, size)
    _warn_outside(outside_grid, size)  # here, not in the per-year jobs: one warning
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


def _grid_indices(
    grid: gpd.GeoDataFrame, size: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    for col in ("x_min", "y_min"):
        if col not in grid.columns:
            msg = f"grid lacks the column {col}; build it with make_grid"
            raise InputError(msg)
    fx = grid["x_min"].to_numpy(float) / size
    fy = grid["y_min"].to_numpy(float) / size
    gix, giy = np.round(fx).astype(np.int64), np.round(fy).astype(np.int64)
    if not (np.allclose(fx, gix, atol=1e-6) and np.allclose(fy, giy, atol=1e-6)):
        msg = f"the grid's corners are not multiples of cell_size = {size:g} m"
        raise InputError(msg)
    return gix, giy


def _pack(ix: npt.NDArray[np.int64], iy: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return (ix.astype(np.int64) << 32) + (iy.astype(np.int64) & 0xFFFFFFFF)
