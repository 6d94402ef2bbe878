"""The background of the hot spots: how many meldingen a cell should hold if nothing stood out.

Meldingen never cover the whole municipality: they fall where people live, work and go out, not
in the Biesbosch or on the river. Gi* compares every cell's window with the average of *all*
cells, so a pattern without any hot spot, spread evenly over the built-up part of the city,
makes the whole built-up city "hot". The hot-spot test therefore compares a window with the
meldingen expected from its own surroundings, in two ways, and asks for more than both:

* **its buurt**: the buurt's meldingen of that year spread evenly over the buurt's area,
  ``μ_buurt(cell) = Σ_b n_b · area(cell ∩ b) / area(b)`` (the buurten are where CBS draws the
  line between built-up and open land, so a buurt without meldingen expects none);
* **its neighbourhood**: the meldingen of that year in the surrounding blocks (3 × 3 blocks of
  :func:`block_cells` cells, about 1.5 km across) spread evenly over the cells of that square
  where meldingen occur at all (a cell counts when its 3 × 3 window holds a melding in either
  period), so a buurt that is half polder is not compared with its empty half.

For a hot spot the larger of the two is the expectation (``expected_hot``); for a cold spot the
smaller (``expected_cold``). Each errs on the side of "no hot spot" where the other is
misled. Both are conditional on the observed totals, so the city's level does not matter, only
how the meldingen are spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from hotspotkaart._errors import InputError

__all__ = ["AreaShares", "Expected", "area_shares", "block_cells", "expected_counts",
           "queen_pairs", "window_sums"]

#: The side of a neighbourhood block, in metres (at least 3 cells).
BLOCK_M = 500.0


@dataclass(frozen=True)
class AreaShares:
    """How the cells of a grid overlap the areas: one row per (cell, area) pair.

    Attributes
    ----------
    cell, area : numpy.ndarray of int
        Positions of the cell in the grid and of the area in the areas.
    overlap : numpy.ndarray of float
        Square metres they share.
    """

    cell: npt.NDArray[np.intp]
    area: npt.NDArray[np.intp]
    overlap: npt.NDArray[np.float64]


@dataclass(frozen=True)
class Expected:
    """Expected meldingen per cell in one period.

    Attributes
    ----------
    hot, cold : numpy.ndarray of float
        The larger and the smaller of the buurt and the neighbourhood expectation, per cell.
    """

    hot: npt.NDArray[np.float64]
    cold: npt.NDArray[np.float64]


def area_shares(grid: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> AreaShares:
    """Return the square metres each grid cell shares with each area.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        Cells from :func:`~hotspotkaart.engine.grid.make_grid`.
    areas : geopandas.GeoDataFrame
        The buurten, in the grid's CRS.

    Returns
    -------
    AreaShares
        The pairs with a positive overlap.
    """
    cells = grid.geometry.to_numpy()
    polygons = areas.geometry.to_numpy()
    cell, area = shapely.STRtree(polygons).query(cells, predicate="intersects")
    shapely.prepare(polygons)  # a cell well inside its buurt shares all of itself
    edge = ~shapely.contains_properly(polygons[area], cells[cell])
    overlap = shapely.area(cells[cell])
    overlap[edge] = shapely.area(shapely.intersection(cells[cell[edge]], polygons[area[edge]]))
    keep = overlap > 0
    return AreaShares(cell=cell[keep].astype(np.intp), area=area[keep].astype(np.intp),
                      overlap=overlap[keep])


def block_cells(cell_size: float) -> int:
    """Return the side of a neighbourhood block in cells: ``ceil(500 m / cell_size)``, ≥ 3."""
    return max(3, math.ceil(BLOCK_M / float(cell_size) - 1e-9))


def window_sums(values: npt.ArrayLike, w: object) -> npt.NDArray[np.float64]:
    """Return each cell's value plus its neighbours' (the Gi* window, self included).

    Parameters
    ----------
    values : array_like of float
        One value per cell, in the order of ``w``.
    w : libpysal.graph.Graph
        Binary neighbour weights without self-links
        (:func:`~hotspotkaart.stats.hotspots.neighbours`).
    """
    y = np.asarray(values, dtype=float)
    linked = w.sparse @ y  # type: ignore[attr-defined]
    return np.asarray(y + linked, dtype=np.float64)


def expected_counts(
    grid: gpd.GeoDataFrame,
    shares: AreaShares,
    area_counts: npt.ArrayLike,
    cell_counts: npt.ArrayLike,
    pooled_window: npt.ArrayLike,
    cell_size: float,
) -> Expected:
    """Return the meldingen each cell should hold in a period if none stood out.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        Cells with ``x_min`` and ``y_min``.
    shares : AreaShares
        :func:`area_shares` of the grid and the buurten.
    area_counts : array_like of int
        Meldingen per buurt in the period, in the order of the buurten.
    cell_counts : array_like of int
        Meldingen per cell in the period.
    pooled_window : array_like of float
        Per cell, the meldingen of both periods in its 3 × 3 window: where it is 0 meldingen do
        not occur, and the cell is no part of its neighbourhood's area.
    cell_size : float
        The cell size in metres.

    Returns
    -------
    Expected
        Per cell, the larger (``hot``) and smaller (``cold``) of both expectations.
    """
    n = len(grid)
    counts = np.asarray(area_counts, dtype=float)
    area_total = np.bincount(shares.area, shares.overlap, minlength=len(counts))
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(area_total > 0, counts / area_total, 0.0)
    by_buurt = np.bincount(shares.cell, density[shares.area] * shares.overlap, minlength=n)
    inside = np.bincount(shares.cell, shares.overlap, minlength=n)
    support = np.where(np.asarray(pooled_window, dtype=float) > 0, inside, 0.0)
    by_square = support * _block_density(grid, np.asarray(cell_counts, float), support,
                                         cell_size)
    return Expected(hot=np.maximum(by_buurt, by_square), cold=np.minimum(by_buurt, by_square))


#: (column, row) steps to the 8 queen neighbours of a cell.
_QUEEN_STEPS = tuple((dc, dr) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dc, dr) != (0, 0))


def queen_pairs(
    columns: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Return the positions ``(i, j)`` of all pairs of queen neighbours among cells at (col, row).

    Raises
    ------
    InputError
        If two cells lie at the same place.
    """
    if len(columns) == 0:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty
    # One integer key per cell, with a column of padding on both sides so no step wraps.
    width = int(columns.max() - columns.min()) + 3
    keys = (rows - rows.min() + 1) * width + (columns - columns.min() + 1)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    if len(sorted_keys) > 1 and (np.diff(sorted_keys) == 0).any():
        msg = "the grid has two cells at the same place; make it with make_grid"
        raise InputError(msg)
    first: list[npt.NDArray[np.intp]] = []
    second: list[npt.NDArray[np.intp]] = []
    for dc, dr in _QUEEN_STEPS:
        target = keys + dr * width + dc
        at = np.minimum(np.searchsorted(sorted_keys, target), len(keys) - 1)
        found = sorted_keys[at] == target
        first.append(np.flatnonzero(found))
        second.append(order[at[found]])
    return np.concatenate(first), np.concatenate(second)


def _block_density(grid: gpd.GeoDataFrame, counts: npt.NDArray[np.float64],
                   support: npt.NDArray[np.float64], cell_size: float) -> npt.NDArray[np.float64]:
    """Meldingen per square metre of support in the 3 × 3 blocks around each cell's block."""
    k = block_cells(cell_size) * float(cell_size)
    bx = np.floor(grid["x_min"].to_numpy(float) / k + 1e-9).astype(np.int64)
    by = np.floor(grid["y_min"].to_numpy(float) / k + 1e-9).astype(np.int64)
    keys, block = np.unique(np.column_stack([bx, by]), axis=0, return_inverse=True)
    block = block.ravel()
    n_blocks = len(keys)
    y_block = np.bincount(block, counts, minlength=n_blocks)
    s_block = np.bincount(block, support, minlength=n_blocks)
    first, second = queen_pairs(keys[:, 0], keys[:, 1])
    y_square = y_block + np.bincount(first, y_block[second], minlength=n_blocks)
    s_square = s_block + np.bincount(first, s_block[second], minlength=n_blocks)
    with np.errstate(invalid="ignore", divide="ignore"):
        dens = np.where(s_square > 0, y_square / s_square, 0.0)
    return np.asarray(dens[block], dtype=float)
