"""The square grid: its cells and the meldingen counted per cell.

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
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart._naming import category_slugs, count_column
from hotspotkaart._validate import check_cell_size, check_rd, period_array, require_columns
from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.aoristic import ClockHours, clock_hours
from hotspotkaart.engine.counting import category_labels, group_sizes, group_sums
from hotspotkaart.engine.timecounts import month_keys

__all__ = [
    "CELL_WEEK_COLUMNS",
    "CELL_WEEK_KEYS",
    "GRID_COUNT_COLUMNS",
    "MAX_GRID_CELLS",
    "CellCounts",
    "cell_counts",
    "cell_id",
    "cell_rows",
    "cell_week_counts",
    "cells_from_counts",
    "check_grid_size",
    "grid_counts",
    "grid_indices",
    "make_grid",
    "warn_outside",
]

logger = logging.getLogger(__name__)


_MAX_CANDIDATE_CELLS = 20_000_000

#: The most grid cells a build lays. Time and memory grow with the cells, not the meldingen
#: (each cell gets its window, tests, trend and table row): Dordrecht's 100 km² at 100 m is
#: 10 000 cells; at 10 m it would be a million and take minutes and gigabytes.
MAX_GRID_CELLS = 500_000


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
    geoms = _area_geometries(areas)
    _refuse_too_many(geoms, size, "cell_size")
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


def check_grid_size(areas: gpd.GeoDataFrame, cell_size: float, *,
                    key: str = "cell_size") -> float:
    """Refuse, before any work, a cell size that would lay more than :data:`MAX_GRID_CELLS`.

    The estimate is the areas' surface over the cell's: the cells along the edges add about
    3 % for Dordrecht at 100 m and under 1 % at the sizes where the limit bites.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The buurten (or any polygons) in EPSG:28992. Not modified.
    cell_size : float
        Cell size in metres.
    key : str, optional
        How the error names the setting (the pipeline names the config file and table).

    Returns
    -------
    float
        The cell size as a float.

    Raises
    ------
    InputError
        If the areas are not in EPSG:28992 or have no geometry, or the cell size is not
        positive metres.
    ConfigError
        If the grid would have more than :data:`MAX_GRID_CELLS` cells; the sentence gives the
        estimate and the smallest cell size within the limit.
    """
    check_rd(areas, "areas")
    size = check_cell_size(cell_size)
    _refuse_too_many(_area_geometries(areas), size, key)
    return size


def _refuse_too_many(geoms: npt.NDArray[np.object_], size: float, key: str) -> None:
    """Raise the :class:`ConfigError` of :func:`check_grid_size` if ``geoms`` need too many."""
    surface = float(shapely.area(geoms).sum())
    cells = surface / size**2
    if cells > MAX_GRID_CELLS:
        smallest = math.ceil(math.sqrt(surface / MAX_GRID_CELLS))
        msg = (f"{key} = {size:g} would lay about {round(cells, -3):,.0f} grid cells "
               f"over the {surface / 1e6:.0f} km² of the buurten; a build lays at most "
               f"{MAX_GRID_CELLS:,} (time and memory grow with the cells: a million "
               f"take minutes and gigabytes); set cell_size to {smallest} metres or more")
        raise ConfigError(msg)


def _area_geometries(areas: gpd.GeoDataFrame) -> npt.NDArray[np.object_]:
    """Return the areas' polygons without missing or empty ones; raise if none is left."""
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        msg = "areas have no geometry to lay a grid over"
        raise InputError(msg)
    return geoms


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
        The periods of the build (base, compare and any trend-only ones).
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
    _check_incidents(incidents)
    size = float(cell_size)
    gix, giy = grid_indices(grid, size)
    px, py, usable = _cell_index(incidents, size)
    position = np.where(usable, _rows_of(gix, giy, px, py), -1).astype(np.intp)
    counts = grid_counts(incidents, periods, size)
    frame, outside = cells_from_counts(counts, grid, periods, size)
    warn_outside(outside, size)
    return CellCounts(counts=frame, outside_grid=outside, position=position)


def quarter_counts(incidents: gpd.GeoDataFrame, periods: Periods,
                   cell_size: float) -> pd.DataFrame:
    """Count meldingen per grid cell index and trend quarter, for the trends per cell.

    Placed as in :func:`grid_counts`; the quarter is
    :meth:`~hotspotkaart.config.settings.Periods.step_of_month` of the melding's month,
    0 … ``periods.steps - 1`` over every period (the trend-only ones too).

    Returns
    -------
    pandas.DataFrame
        Columns ``ix``, ``iy``, ``quarter`` and ``n``, only for meldingen with a point.
    """
    _check_incidents(incidents)
    period_array(incidents, periods)
    px, py, usable = _cell_index(incidents, float(cell_size))
    months = month_keys(incidents["date"])
    frame = {"ix": px[usable], "iy": py[usable],
             "quarter": periods.step_of_month(months[usable])}
    return group_sizes(frame, ["ix", "iy", "quarter"])


def cell_week_counts(incidents: gpd.GeoDataFrame, periods: Periods, cell_size: float,
                     hours: ClockHours | None = None) -> pd.DataFrame:
    """Count meldingen per grid cell index, period, weekday and hour, for hot spots' hot times.

    Placed as in :func:`grid_counts`, on the clock hours of
    :func:`hotspotkaart.engine.aoristic.clock_hours` (given as ``hours`` when made already; a
    melding without a time has weekday 0 and hour -1, a window is spread), all categories
    together.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CELL_WEEK_COLUMNS` (``n`` and ``n_block`` as in
        :func:`hotspotkaart.engine.timecounts.week_counts`), only for meldingen with a point.
    """
    _check_incidents(incidents)
    require_columns(incidents, ("date", "timed"), "incidents")
    period = period_array(incidents, periods)
    px, py, usable = _cell_index(incidents, float(cell_size))
    hours = clock_hours(incidents) if hours is None else hours
    take = usable[hours.melding]
    at = hours.melding[take]
    frame = {"ix": px[at], "iy": py[at], "period": period[at],
             "weekday": hours.weekday[take], "hour": hours.hour[take]}
    return group_sums(frame, list(CELL_WEEK_KEYS),
                      {"n": hours.weight[take], "n_block": hours.whole[take]})


#: ``ix`` and ``iy`` of meldingen without a usable point location.
_NO_CELL = np.iinfo(np.int64).min


def grid_counts(incidents: gpd.GeoDataFrame, periods: Periods, cell_size: float) -> pd.DataFrame:
    """Count meldingen per grid cell index, period and category (the counting step).

    Points are placed by arithmetic on their RD coordinates: ``ix = floor(x / size)``,
    ``iy = floor(y / size)``. The table does not depend on the grid, so tables of parts of the
    meldingen add up (:func:`hotspotkaart.engine.counting.sum_counts`).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``period`` and ``category``. Not modified.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
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
    _check_incidents(incidents)
    size = float(cell_size)
    period = period_array(incidents, periods)
    px, py, usable = _cell_index(incidents, size)
    frame = {
        "ix": np.where(usable, px, _NO_CELL),
        "iy": np.where(usable, py, _NO_CELL),
        "period": period,
        "category": category_labels(incidents["category"]),
    }
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


def cells_from_counts(
    counts: pd.DataFrame, grid: gpd.GeoDataFrame, periods: Periods, size: float
) -> tuple[pd.DataFrame, dict[int, int]]:
    """Spread a :func:`grid_counts` table over the grid; count the meldingen outside it."""
    missing = [c for c in GRID_COUNT_COLUMNS if c not in counts.columns]
    if missing:
        msg = f"counts lack the column(s) {', '.join(missing)}"
        raise InputError(msg)
    gix, giy = grid_indices(grid, size)
    counts = counts[counts["n"] > 0]
    period = period_array(counts, periods)
    ix = counts["ix"].to_numpy(dtype=np.int64)
    iy = counts["iy"].to_numpy(dtype=np.int64)
    weights = counts["n"].to_numpy(dtype=np.int64)
    labels = counts["category"].to_numpy(dtype=object)
    usable = (ix != _NO_CELL) | (iy != _NO_CELL)
    position = np.where(usable, _rows_of(gix, giy, ix, iy), -1).astype(np.intp)

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


def warn_outside(outside: dict[int, int], size: float) -> None:
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


def cell_rows(grid: pd.DataFrame, ix: npt.ArrayLike, iy: npt.ArrayLike,
              cell_size: float) -> npt.NDArray[np.intp]:
    """Return the row of ``grid`` of each cell index ``(ix, iy)`` of the count tables; -1 if none.

    The one lookup from the count tables (cell indices) to the grid table (rows).
    """
    gix, giy = grid_indices(grid, float(cell_size))
    return _rows_of(gix, giy, np.asarray(ix, dtype=np.int64), np.asarray(iy, dtype=np.int64))


def _rows_of(gix: npt.NDArray[np.int64], giy: npt.NDArray[np.int64], ix: npt.NDArray[np.int64],
             iy: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    return pd.Index(_pack(gix, giy)).get_indexer(pd.Index(_pack(ix, iy)))


def grid_indices(
    grid: pd.DataFrame, size: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return the cell index ``(ix, iy)`` of each row of the grid table (``x_min``, ``y_min``).

    Raises
    ------
    InputError
        If the grid lacks those columns or its corners are not multiples of ``size``.
    """
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


#: Columns of the count table of :func:`grid_counts`.
GRID_COUNT_COLUMNS: tuple[str, ...] = ("ix", "iy", "period", "category", "n")

#: The keys and the columns of the count table of :func:`cell_week_counts`.
CELL_WEEK_KEYS: tuple[str, ...] = ("ix", "iy", "period", "weekday", "hour")
CELL_WEEK_COLUMNS: tuple[str, ...] = (*CELL_WEEK_KEYS, "n", "n_block")


def _check_incidents(incidents: gpd.GeoDataFrame) -> None:
    """Meldingen to count per cell are in RD and carry ``period`` and ``category``."""
    check_rd(incidents, "incidents")
    for col in ("period", "category"):
        if col not in incidents.columns:
            msg = f"incidents lack the column {col}"
            raise InputError(msg)
