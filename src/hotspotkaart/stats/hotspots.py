"""Hot spots among the grid cells: Getis–Ord Gi*, its classes and transitions.

Everything here works on the meldingen counted per cell (:mod:`hotspotkaart.engine.grid`) and knows
nothing of points: the spatial weights between cells, Gi* per period with FDR-adjusted classes
and the transitions between the two years. How concentrated the meldingen are is
:mod:`hotspotkaart.stats.concentration`.

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
import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import AnalysisConfig
from hotspotkaart.stats.change import fdr

__all__ = [
    "GI_CLASSES",
    "GI_COLOURS",
    "GI_LEVELS",
    "TRANSITION_CLASSES",
    "TRANSITION_COLD_CLASSES",
    "TRANSITION_COLOURS",
    "GiResult",
    "classify_gi",
    "gi_star",
    "neighbours",
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


# -- Getis-Ord Gi* ----------------------------------------------------------------------------


def neighbours(grid: gpd.GeoDataFrame, cell_size: float) -> Any:
    """Binary weights between the cells of a grid: the 8 queen neighbours of each cell.

    The same weights as libpysal's ``DistanceBand`` on the cell centres with threshold
    ``cell_size · √2 · 1.0001`` (tested), found by arithmetic on the cells' column and row
    numbers instead of a distance search: the grid's cell edges lie on multiples of
    ``cell_size``.

    Parameters
    ----------
    grid : geopandas.GeoDataFrame
        A grid from :func:`~hotspotkaart.engine.grid.make_grid`.
    cell_size : float
        The grid's cell size in metres.

    Returns
    -------
    libpysal.graph.Graph
        Binary weights without self-weights, ids ``0 .. n-1`` in grid order; cells without a
        neighbour are its isolates (islands).

    """
    size = float(cell_size)
    columns = np.rint(grid["x_min"].to_numpy(float) / size).astype(np.int64)
    rows = np.rint(grid["y_min"].to_numpy(float) / size).astype(np.int64)
    return _binary_graph(_queen_pairs(columns, rows), len(grid))


#: (column, row) steps to the 8 queen neighbours of a cell.
_QUEEN_STEPS = tuple((dc, dr) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dc, dr) != (0, 0))


def _queen_pairs(
    columns: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions ``(i, j)`` of every pair of queen neighbours among cells at ``(column, row)``."""
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


def _binary_graph(
    pairs: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]], n: int
) -> Any:
    """Weights of 1 between the ``pairs`` of ids ``0 .. n-1``, as a libpysal ``Graph``.

    Built from arrays, so no step loops over the cells in Python (libpysal's ``W`` keeps a dict
    per cell). A cell without a neighbour is an isolate (a self-link of weight 0, libpysal's
    encoding).
    """
    from libpysal.graph import Graph

    first, second = pairs
    isolates = np.setdiff1d(np.arange(n, dtype=np.intp), first)
    focal = np.concatenate([first, isolates])
    neighbour = np.concatenate([second, isolates])
    weight = np.concatenate([np.ones(len(first)), np.zeros(len(isolates))])
    order = np.lexsort((neighbour, focal))
    return Graph.from_arrays(focal[order], neighbour[order], weight[order])


def gi_star(y: npt.ArrayLike, w: Any, config: AnalysisConfig) -> GiResult:
    """Getis–Ord Gi* per cell with FDR-adjusted classes.

    Wraps ``esda.G_Local(y, w, star=True, transform="B", permutations=config.permutations,
    seed=config.seed)``.

    Parameters
    ----------
    y : array_like of float
        Counts per cell, in the order of ``w``.
    w : libpysal.graph.Graph or libpysal.weights.W
        Binary neighbour weights without self-links (see :func:`neighbours`); not modified.
        esda adds the self-weights of Gi*.
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
    isolated = w.isolates if hasattr(w, "isolates") else w.islands  # a Graph, or a W
    islands[np.asarray(isolated, dtype=np.intp)] = True
    if n > 1 and values.sum() > 0 and values.std() > 0:
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            # esda announces a future change of its permutation alternative, and libpysal warns
            # about disconnected components; islands are handled here.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.filterwarnings("ignore", message=".*alternative hypothesis.*",
                                    category=DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*not fully connected.*",
                                    category=UserWarning)
            g = G_Local(values, w, transform="B",
                        permutations=int(config.permutations),
                        star=True, keep_simulations=False, n_jobs=1, seed=int(config.seed))
        z = np.asarray(g.Zs, dtype=float).copy()
        if int(config.permutations) > 0:
            p_sim = np.asarray(g.p_sim, dtype=float).copy()
    z[islands] = np.nan
    p_sim[islands] = np.nan
    from scipy import stats  # imported when first needed, as esda is

    p = np.minimum(2.0 * stats.norm.sf(np.abs(z)), 1.0)
    q = fdr(p)
    return GiResult(z=z, p=p, q=q, p_sim=p_sim, classes=classify_gi(z, q))


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
