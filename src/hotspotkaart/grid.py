"""The square grid, hot-spot statistics per cell and the concentration of meldingen.

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

Hot spots
---------
Per period the Getis–Ord Gi* statistic of the cell counts is computed with :class:`esda.G_Local`
(``star=True``, binary weights, ``transform="B"``) on a binary distance band around the cell
centres with threshold ``size · √2 · 1.0001``: the 8 surrounding cells plus the cell itself.
Cells without any neighbour (islands) take part in the city totals but are not tested.

Significance uses the normal approximation (``p_norm``) made two-sided,
``p = 2 · P(Z > |z|)``, adjusted with Benjamini–Hochberg over all tested cells of the period.
Why not the permutation p-value ``p_sim``: its smallest possible value is
``1 / (permutations + 1)`` (0.001 for 999 permutations), and BH over m ≈ 10 000 cells needs the
smallest p-value below ``q / m`` (5 · 10⁻⁶ at q = 0.05); with ``p_sim`` no cell could become
significant unless hundreds of cells all sit at that floor, so a real but compact hot spot would
be missed. The normal approximation is what ArcGIS Hot Spot Analysis uses with its FDR option, so
results are comparable to that familiar tool. The permutation p-value is still computed (with the
configured number of permutations and seed) and reported in ``gi_p_sim_<year>`` as a check.

Classes (with ``q`` the BH q-value and the sign from ``z``): ``hot spot 99%`` for q ≤ 0.01,
``hot spot 95%`` for q ≤ 0.05, ``hot spot 90%`` for q ≤ 0.10, the same for ``cold spot``, and
``niet significant`` otherwise. With sparse counts (fewer meldingen than cells) cold spots are
rarely possible: a cell cannot have fewer than zero meldingen around it.
"""

from __future__ import annotations

import logging
import math
import warnings
import weakref
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import stats

from hotspotkaart._checks import check_rd, period_array
from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart._naming import count_column
from hotspotkaart.analysis import _group_sizes, category_labels, category_slugs, fdr
from hotspotkaart.config import AnalysisConfig, Periods

__all__ = [
    "GI_CLASSES",
    "GI_COLOURS",
    "GI_LEVELS",
    "GRID_COUNT_COLUMNS",
    "TRANSITION_CLASSES",
    "TRANSITION_COLD_CLASSES",
    "TRANSITION_COLOURS",
    "CellCounts",
    "GiResult",
    "GridResult",
    "analyse_grid",
    "analyse_grid_from_counts",
    "cell_counts",
    "cell_id",
    "classify_gi",
    "concentration",
    "gi_star",
    "gini",
    "gini_generalised",
    "grid_counts",
    "make_grid",
    "neighbours",
    "pai",
    "top_share",
    "transitions",
]

logger = logging.getLogger(__name__)

HOT_99, HOT_95, HOT_90 = "hot spot 99%", "hot spot 95%", "hot spot 90%"
COLD_99, COLD_95, COLD_90 = "cold spot 99%", "cold spot 95%", "cold spot 90%"
NIET_SIGNIFICANT = "niet significant"

#: Gi* classes in legend order (diverging: hot, neutral, cold).
GI_CLASSES: tuple[str, ...] = (HOT_99, HOT_95, HOT_90, NIET_SIGNIFICANT, COLD_90, COLD_95, COLD_99)

#: The q-value thresholds of the confidence levels, strictest first.
GI_LEVELS: tuple[tuple[int, float], ...] = ((99, 0.01), (95, 0.05), (90, 0.10))

#: ColorBrewer RdBu (7 classes), colour-blind safe.
GI_COLOURS: dict[str, str] = {
    HOT_99: "#b2182b",
    HOT_95: "#ef8a62",
    HOT_90: "#fddbc7",
    NIET_SIGNIFICANT: "#f7f7f7",
    COLD_90: "#d1e5f0",
    COLD_95: "#67a9cf",
    COLD_99: "#2166ac",
}

NIEUW, BLIJVEND, VERDWENEN, GEEN = "nieuw", "blijvend", "verdwenen", "geen"
NIEUW_KOUD, BLIJVEND_KOUD, VERDWENEN_KOUD = "nieuw koud", "blijvend koud", "verdwenen koud"

#: Hot-spot transitions between base and compare year, in legend order.
TRANSITION_CLASSES: tuple[str, ...] = (NIEUW, BLIJVEND, VERDWENEN, GEEN)
#: Cold-spot transitions, in legend order.
TRANSITION_COLD_CLASSES: tuple[str, ...] = (NIEUW_KOUD, BLIJVEND_KOUD, VERDWENEN_KOUD, GEEN)

#: Okabe–Ito colours (colour-blind safe) for both transition columns.
TRANSITION_COLOURS: dict[str, str] = {
    NIEUW: "#E69F00",
    BLIJVEND: "#D55E00",
    VERDWENEN: "#CC79A7",
    NIEUW_KOUD: "#56B4E9",
    BLIJVEND_KOUD: "#0072B2",
    VERDWENEN_KOUD: "#009E73",
    GEEN: "#EEEEEE",
}

_MAX_CANDIDATE_CELLS = 20_000_000
_TOP_FRACTIONS = (0.05, 0.10)


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
class GiResult:
    """Gi* of one period.

    Attributes
    ----------
    z : numpy.ndarray
        Gi* z-scores (analytical moments); NaN for islands and when untestable.
    p : numpy.ndarray
        Two-sided normal-approximation p-values, ``2 · P(Z > |z|)``.
    q : numpy.ndarray
        Benjamini–Hochberg q-values over the tested cells.
    p_sim : numpy.ndarray
        esda's folded one-sided permutation pseudo p-value (diagnostic only).
    classes : numpy.ndarray
        One of :data:`GI_CLASSES` per cell.

    """

    z: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]
    p_sim: npt.NDArray[np.float64]
    classes: npt.NDArray[np.object_]


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
    size = _check_size(cell_size)
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
    size = _check_size(cell_size)
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
    return CellCounts(counts=frame, outside_grid=outside, position=position)


#: Columns of the count table of :func:`grid_counts`.
GRID_COUNT_COLUMNS: tuple[str, ...] = ("ix", "iy", "period", "category", "n")

#: ``ix`` and ``iy`` of meldingen without a usable point location.
_NO_CELL = np.iinfo(np.int64).min


def grid_counts(incidents: gpd.GeoDataFrame, periods: Periods, cell_size: float) -> pd.DataFrame:
    """Count meldingen per grid cell index, period and category (the counting step).

    Points are placed by arithmetic on their RD coordinates: ``ix = floor(x / size)``,
    ``iy = floor(y / size)``. The table does not depend on the grid, so tables of parts of the
    meldingen add up (:func:`hotspotkaart.analysis.sum_counts`).

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
    size = _check_size(cell_size)
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
    return _group_sizes(frame, ["ix", "iy", "period", "category"])


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
    """Spread a :func:`grid_counts` table over the grid; warn about meldingen outside it."""
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
    if any(outside.values()):
        msg = (f"{sum(outside.values())} meldingen fall outside the {size:g} m grid or have no "
               f"point location ({outside}); they are left out of the grid statistics")
        logger.warning(msg)
        warnings.warn(msg, HotspotkaartWarning, stacklevel=3)
    return pd.DataFrame(cols, index=grid.index), outside


def _spread(position: npt.NDArray[np.intp], weights: npt.NDArray[np.int64],
            n: int) -> npt.NDArray[np.int64]:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, position, weights)
    return out


# -- Getis-Ord Gi* ----------------------------------------------------------------------------


def neighbours(grid: gpd.GeoDataFrame, cell_size: float) -> Any:
    """Binary distance-band weights between cell centres (the 8 queen neighbours).

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        A grid from :func:`make_grid`.
    cell_size : float
        The grid's cell size in metres.

    Returns
    -------
    libpysal.weights.DistanceBand
        Binary weights with threshold ``cell_size · √2 · 1.0001``, ids ``0 .. n-1`` in grid order.

    """
    from libpysal.weights import DistanceBand

    size = _check_size(cell_size)
    centres = np.column_stack(
        [grid["x_min"].to_numpy(float) + size / 2, grid["y_min"].to_numpy(float) + size / 2]
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not fully connected.*", category=UserWarning)
        return DistanceBand(
            centres, threshold=size * math.sqrt(2) * 1.0001, binary=True, silence_warnings=True
        )


def gi_star(y: npt.ArrayLike, w: Any, config: AnalysisConfig) -> GiResult:
    """Getis–Ord Gi* per cell with FDR-adjusted classes.

    Wraps ``esda.G_Local(y, w, star=True, transform="B", permutations=config.permutations,
    seed=config.seed)``.

    Parameters
    ----------
    y : array_like of float
        Counts per cell, in the order of ``w``.
    w : libpysal.weights.W
        Binary neighbour weights without self-links (see :func:`neighbours`); not modified.
    config : AnalysisConfig
        ``permutations`` and ``seed`` for esda's permutation p-value.

    Returns
    -------
    GiResult
        z, two-sided normal p, BH q, permutation p and class per cell. Islands (cells without a
        neighbour) and periods without variation (e.g. no meldingen) give NaN statistics and
        ``niet significant``.

    """
    from esda.getisord import G_Local

    values = np.asarray(y, dtype=float).ravel()
    n = len(values)
    z = np.full(n, np.nan)
    p_sim = np.full(n, np.nan)
    if n != w.n:
        msg = f"{n} cell values but the weights have {w.n} cells"
        raise InputError(msg)
    islands = np.zeros(n, dtype=bool)
    islands[np.asarray(w.islands, dtype=np.intp)] = True
    if n > 1 and values.sum() > 0 and values.std() > 0:
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            # esda announces a future change of its permutation alternative, and libpysal warns
            # about disconnected components; islands are handled here.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.filterwarnings("ignore", message=".*alternative hypothesis.*",
                                    category=DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*not fully connected.*",
                                    category=UserWarning)
            g = G_Local(values, _with_self_weights(w), transform="B",
                        permutations=int(config.permutations),
                        star=True, keep_simulations=False, n_jobs=1, seed=int(config.seed))
        z = np.asarray(g.Zs, dtype=float).copy()
        if int(config.permutations) > 0:
            p_sim = np.asarray(g.p_sim, dtype=float).copy()
    z[islands] = np.nan
    p_sim[islands] = np.nan
    p = np.minimum(2.0 * stats.norm.sf(np.abs(z)), 1.0)
    q = fdr(p)
    return GiResult(z=z, p=p, q=q, p_sim=p_sim, classes=classify_gi(z, q))


#: Weights with self-weights, per weights object (see :func:`_with_self_weights`).
_STARRED: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _with_self_weights(w: Any) -> Any:
    """Return ``w`` with a self-weight of 1 on every cell, made once per weights object.

    esda makes the same copy (``fill_diagonal(w, 1)``) at every Gi* call given weights without
    self-weights; both periods share one set of weights, and the copy costs seconds at national
    scale. Islands stay read from ``w`` itself.
    """
    starred = _STARRED.get(w)
    if starred is None:
        from libpysal.weights.util import fill_diagonal

        starred = fill_diagonal(w, 1)
        _STARRED[w] = starred
    return starred


def classify_gi(z: npt.ArrayLike, q: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Assign the Gi* classes from z-scores and q-values.

    Parameters
    ----------
    z : array_like of float
        Gi* z-scores; the sign decides hot (> 0) or cold (< 0).
    q : array_like of float
        FDR q-values; 99/95/90 % for q ≤ 0.01/0.05/0.10. NaN is ``niet significant``.

    Returns
    -------
    numpy.ndarray of str
        One of :data:`GI_CLASSES` per cell.

    """
    z_arr = np.asarray(z, dtype=float)
    q_arr = np.asarray(q, dtype=float)
    out = np.full(z_arr.shape, NIET_SIGNIFICANT, dtype=object)
    ok = np.isfinite(z_arr) & np.isfinite(q_arr)
    names = {99: (HOT_99, COLD_99), 95: (HOT_95, COLD_95), 90: (HOT_90, COLD_90)}
    for level, threshold in reversed(GI_LEVELS):  # loosest first, stricter levels overwrite
        sig = ok & (q_arr <= threshold)
        hot, cold = names[level]
        out[sig & (z_arr > 0)] = hot
        out[sig & (z_arr < 0)] = cold
    return out


def transitions(
    base_classes: npt.ArrayLike, compare_classes: npt.ArrayLike
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Hot- and cold-spot transitions between the base and the compare year.

    A cell is hot in a year when its class is any ``hot spot`` class (≥ 90 %), cold when any
    ``cold spot`` class.

    Parameters
    ----------
    base_classes, compare_classes : array_like of str
        Gi* classes per cell in both years.

    Returns
    -------
    transition : numpy.ndarray of str
        ``nieuw`` (not hot → hot), ``blijvend`` (hot → hot), ``verdwenen`` (hot → not hot) or
        ``geen``.
    transition_cold : numpy.ndarray of str
        ``nieuw koud``, ``blijvend koud``, ``verdwenen koud`` or ``geen``, likewise for cold.

    """
    base = np.asarray(base_classes, dtype=object)
    comp = np.asarray(compare_classes, dtype=object)

    def _is(arr: npt.NDArray[np.object_], prefix: str) -> npt.NDArray[np.bool_]:
        return np.array([str(v).startswith(prefix) for v in arr], dtype=bool)

    result = []
    for prefix, (new, kept, gone) in (
        ("hot spot", (NIEUW, BLIJVEND, VERDWENEN)),
        ("cold spot", (NIEUW_KOUD, BLIJVEND_KOUD, VERDWENEN_KOUD)),
    ):
        b, c = _is(base, prefix), _is(comp, prefix)
        out = np.full(base.shape, GEEN, dtype=object)
        out[~b & c] = new
        out[b & c] = kept
        out[b & ~c] = gone
        result.append(out)
    return result[0], result[1]


# -- concentration ----------------------------------------------------------------------------


def top_share(counts: npt.ArrayLike, fraction: float) -> float:
    """Share of all meldingen in the busiest ``fraction`` of cells.

    The number of cells is ``ceil(fraction · n_cells)`` (at least one). Cells are sorted by count,
    highest first; the sum of the top counts does not depend on how ties are ordered, so the
    result is deterministic.

    Parameters
    ----------
    counts : array_like of int
        Meldingen per cell.
    fraction : float
        Fraction of cells, e.g. 0.05.

    Returns
    -------
    float
        Share (0..1); NaN without meldingen or cells.

    """
    values = np.asarray(counts, dtype=float).ravel()
    total = values.sum()
    if len(values) == 0 or total <= 0:
        return float("nan")
    k = max(1, math.ceil(round(fraction * len(values), 9)))
    top = np.sort(values)[::-1][:k]
    return float(top.sum() / total)


def gini(counts: npt.ArrayLike) -> float:
    """Ordinary Gini coefficient of counts per cell.

    ``G = Σ_i (2i − N − 1) · x_(i) / (N · Σ x)`` with ``x_(1) ≤ … ≤ x_(N)``.

    Parameters
    ----------
    counts : array_like of float
        Non-negative values per cell.

    Returns
    -------
    float
        G in [0, (N − 1) / N]; NaN without meldingen.

    """
    values = np.sort(np.asarray(counts, dtype=float).ravel())
    n_cells = len(values)
    total = values.sum()
    if n_cells == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n_cells + 1, dtype=float)
    return float(((2 * ranks - n_cells - 1) * values).sum() / (n_cells * total))


def gini_generalised(counts: npt.ArrayLike) -> float:
    """Generalised Gini of Bernasco & Steenbeek (2017) for more cells than meldingen.

    With ``n`` meldingen over ``N`` cells and ``n < N`` the most even distribution possible puts
    one melding in each of ``n`` cells, which the ordinary Gini already scores as
    ``(N − n) / N``. The generalised coefficient measures inequality against that maximum
    equality (Bernasco, W. & Steenbeek, W. (2017), More places than crimes, *Journal of
    Quantitative Criminology* 33, 451–467):

    ``G' = max(N / n, 1) · G + min(0, (n − N) / n)``

    It equals ``G`` when ``n ≥ N``, is 0 when ``n`` cells hold one melding each, and
    ``(n − 1) / n`` when all meldingen are in one cell.

    Parameters
    ----------
    counts : array_like of int
        Meldingen per cell.

    Returns
    -------
    float
        G'; NaN without meldingen.

    """
    values = np.asarray(counts, dtype=float).ravel()
    n_cells = len(values)
    n = values.sum()
    g = gini(values)
    if not np.isfinite(g):
        return float("nan")
    return float(max(n_cells / n, 1.0) * g + min(0.0, (n - n_cells) / n))


def pai(compare_counts: npt.ArrayLike, hot: npt.ArrayLike,
        cell_area: npt.ArrayLike | None = None) -> float:
    """Predictive Accuracy Index of a set of hot cells.

    ``PAI = (n_in_hot / N) / (area_hot / area_total)``, the hit rate divided by the area share
    (Chainey, Tompson & Uhlig 2008).

    Parameters
    ----------
    compare_counts : array_like of int
        Meldingen per cell in the period being predicted.
    hot : array_like of bool
        The cells flagged as hot (from the base year).
    cell_area : array_like of float, optional
        Area per cell; equal areas when omitted.

    Returns
    -------
    float
        The PAI; NaN without hot cells or without meldingen.

    """
    counts = np.asarray(compare_counts, dtype=float).ravel()
    flags = np.asarray(hot, dtype=bool).ravel()
    area = np.ones_like(counts) if cell_area is None else np.asarray(cell_area, float).ravel()
    if not flags.any() or counts.sum() <= 0:
        return float("nan")
    hit = counts[flags].sum() / counts.sum()
    area_share = area[flags].sum() / area.sum()
    return float(hit / area_share)


def concentration(
    counts: dict[int, npt.ArrayLike], periods: Periods, hot_base: npt.ArrayLike,
    *, hot_level: float = 0.05,
) -> dict[str, Any]:
    """Collect the concentration figures of both periods and the PAI.

    Parameters
    ----------
    counts : dict of int to array_like
        Meldingen per cell for each year.
    periods : Periods
        The base and compare year.
    hot_base : array_like of bool
        Base-year hot cells used for the PAI.
    hot_level : float, default 0.05
        The q-value threshold that defined ``hot_base`` (recorded only).

    Returns
    -------
    dict
        ``{"periods": {year: {"n_meldingen", "n_cells", "top5_cells", "top5_share",
        "top10_cells", "top10_share", "gini", "gini_generalised"}}, "pai": {"base", "compare",
        "hot_q", "hot_cells", "hot_area_share", "hit_rate", "pai"}}``; shares are 0..1.

    """
    per: dict[int, dict[str, float | int]] = {}
    for year in periods.years:
        values = np.asarray(counts[year], dtype=float)
        entry: dict[str, float | int] = {
            "n_meldingen": int(values.sum()),
            "n_cells": len(values),
        }
        for fraction in _TOP_FRACTIONS:
            tag = f"top{round(fraction * 100)}"
            entry[f"{tag}_cells"] = max(1, math.ceil(round(fraction * len(values), 9)))
            entry[f"{tag}_share"] = top_share(values, fraction)
        entry["gini"] = gini(values)
        entry["gini_generalised"] = gini_generalised(values)
        per[year] = entry
    flags = np.asarray(hot_base, dtype=bool)
    comp = np.asarray(counts[periods.compare], dtype=float)
    n_cells = len(flags)
    hit = float(comp[flags].sum() / comp.sum()) if comp.sum() > 0 else float("nan")
    return {
        "periods": per,
        "pai": {
            "base": periods.base,
            "compare": periods.compare,
            "hot_q": hot_level,
            "hot_cells": int(flags.sum()),
            "hot_area_share": float(flags.sum() / n_cells) if n_cells else float("nan"),
            "hit_rate": hit,
            "pai": pai(comp, flags),
        },
    }


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
    size = _check_size(config.cell_size)
    return analyse_grid_from_counts(grid_counts(incidents, periods, size), areas, periods,
                                    config)


def analyse_grid_from_counts(
    counts: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
) -> GridResult:
    """Run the grid analysis on a count table (the testing step of :func:`analyse_grid`).

    Parameters
    ----------
    counts : pandas.DataFrame
        A table from :func:`grid_counts` built with ``config.cell_size`` (or the sum of several).
    areas, periods, config
        As for :func:`analyse_grid`.

    Returns
    -------
    GridResult
        Exactly what :func:`analyse_grid` returns for the meldingen behind ``counts``.

    """
    import esda
    import libpysal

    size = _check_size(config.cell_size)
    grid = make_grid(areas, size)
    cell_frame, outside_grid = _cells_from_counts(counts, grid, periods, size)
    cc = CellCounts(counts=cell_frame, outside_grid=outside_grid,
                    position=np.zeros(0, dtype=np.intp))
    w = neighbours(grid, size)
    n_islands = len(w.islands)
    if n_islands:
        logger.info("%d grid cells have no neighbouring cell and are not tested", n_islands)

    columns: dict[str, Any] = {c: cc.counts[c].to_numpy() for c in cc.counts.columns}
    gi: dict[int, GiResult] = {}
    for year in periods.years:
        res = gi_star(cc.counts[count_column(year)].to_numpy(), w, config)
        gi[year] = res
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
        "esda_version": esda.__version__,
        "libpysal_version": libpysal.__version__,
    }
    return GridResult(cells=cells, concentration=conc, method=method)


# -- helpers ----------------------------------------------------------------------------------


def _check_size(cell_size: float) -> float:
    size = float(cell_size)
    if not math.isfinite(size) or size <= 0:
        msg = f"cell_size = {cell_size!r} must be a positive number of metres"
        raise InputError(msg)
    return size


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
