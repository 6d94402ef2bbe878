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

Gi* shows where counts cluster, but its usual p-values do not hold for these counts. The normal
approximation is far too generous on sparse, mostly-zero cell counts, and Gi* compares every
window with the mean of *all* cells, so a pattern spread evenly over the built-up part of the
city (never in the Biesbosch) makes all of it "hot". Whether a cell is a hot spot is therefore
decided by an exact test of its window count ``k`` (the meldingen of the cell and its 8
neighbours, Gi*'s own local sum) against the meldingen expected there from its surroundings,
``μ`` (:mod:`hotspotkaart.stats.background`: the larger of its buurt's and its neighbourhood's
even spread):

``p_hot = P(X ≥ k)``, ``X ~ Poisson(μ)``,

and ``p_cold = P(X ≤ k)`` with the smaller of the two expectations; ``p = min(1, 2 ·
min(p_hot, p_cold))``. Given the surroundings' total the window count is binomial (a sum of
binomials when the window spans several buurten); the Poisson tail with the same mean is never
smaller above the mean (Anderson & Samuels 1967; Hoeffding 1956), so the test errs towards "no
hot spot". Repeat reports are allowed for with the dispersion φ of
:mod:`hotspotkaart.stats.dispersion` (the tails of ``k / φ`` under ``μ / φ``, by the regularised
incomplete gamma function). The p-values of all tested cells (not islands, ``μ > 0``) are
adjusted with Benjamini–Hochberg per period. This is the logic of the Poisson scan statistic
(Kulldorff 1997) for one fixed window per cell.

Classes (with ``q`` the BH q-value): ``hot spot 99%`` for q ≤ 0.01, ``hot spot 95%`` for
q ≤ 0.05, ``hot spot 90%`` for q ≤ 0.10, the same for ``cold spot``, and ``niet significant``
otherwise. A hot spot also needs a melding in the cell itself, more meldingen in its window than
expected and a positive Gi* z (more than the city's mean); a cold spot a negative z and fewer than
expected. With sparse counts cold spots cannot occur: an empty window is not unlikely where few
meldingen are expected; the maps then leave them out of their legends.
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
from hotspotkaart.stats.background import Expected, queen_pairs, window_sums
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
    """The hot-spot test of one period.

    Attributes
    ----------
    z : numpy.ndarray
        Gi* z-scores (analytical moments, :class:`esda.G_Local`); NaN for islands and when
        the period has no variation.
    window : numpy.ndarray
        Meldingen in the cell's window (the cell and its 8 neighbours: Gi*'s local sum).
    expected : numpy.ndarray
        Meldingen expected in the window if nothing stood out (the larger background of
        :mod:`hotspotkaart.stats.background`).
    p : numpy.ndarray
        Two-sided p-value of the exact Poisson test of the window count; NaN where not tested.
    q : numpy.ndarray
        Benjamini–Hochberg q-values over the tested cells.
    classes : numpy.ndarray
        One of :data:`GI_CLASSES` per cell.

    """

    z: npt.NDArray[np.float64]
    window: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]
    p: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]
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
    return _binary_graph(queen_pairs(columns, rows), len(grid))


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


def gi_star(y: npt.ArrayLike, w: Any, expected: Expected, *,
            dispersion: float = 1.0) -> GiResult:
    """Gi* per cell, with hot and cold spots from an exact test of the window count.

    Parameters
    ----------
    y : array_like of float
        Meldingen per cell, in the order of ``w``.
    w : libpysal.graph.Graph
        Binary neighbour weights without self-links (see :func:`neighbours`); not modified.
    expected : Expected
        Meldingen expected per cell (:func:`~hotspotkaart.stats.background.expected_counts`).
    dispersion : float, default 1.0
        The overdispersion factor φ (:mod:`hotspotkaart.stats.dispersion`): the test runs on
        ``count / φ`` and ``expected / φ``.

    Returns
    -------
    GiResult
        z, window count, expectation, two-sided p, BH q and class per cell. Islands are not
        tested; a cell without a melding of its own is never a hot spot.

    """
    values = np.asarray(y, dtype=float).ravel()
    if len(values) != w.n:
        msg = f"{len(values)} cell values but the weights have {w.n} cells"
        raise InputError(msg)
    islands = np.zeros(len(values), dtype=bool)
    islands[np.asarray(w.isolates, dtype=np.intp)] = True
    z = _gi_z(values, w)
    z[islands] = np.nan
    window = window_sums(values, w)
    hot_mu, cold_mu = window_sums(expected.hot, w), window_sums(expected.cold, w)
    p_hot, p_cold = _poisson_tails(window, hot_mu, cold_mu, float(dispersion))
    tested = ~islands & (hot_mu > 0)
    p = np.where(tested, np.minimum(1.0, 2.0 * np.minimum(p_hot, p_cold)), np.nan)
    q = fdr(p)
    direction = np.zeros(len(values))
    direction[(p_hot < p_cold) & (window > hot_mu) & (values > 0) & (z > 0)] = 1.0
    direction[(p_cold < p_hot) & (window < cold_mu) & (z < 0)] = -1.0
    return GiResult(z=z, window=window, expected=hot_mu, p=p, q=q,
                    classes=classify_gi(direction, q))


def _gi_z(values: npt.NDArray[np.float64], w: Any) -> npt.NDArray[np.float64]:
    """Gi* z-scores from :class:`esda.G_Local` (star, binary), NaN without variation."""
    from esda.getisord import G_Local

    if len(values) < 2 or values.sum() <= 0 or values.std() == 0:
        return np.full(len(values), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        # libpysal warns about disconnected components; islands are handled by the caller.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*not fully connected.*",
                                category=UserWarning)
        g = G_Local(values, w, transform="B", permutations=0, star=True,
                    keep_simulations=False, n_jobs=1)
    return np.asarray(g.Zs, dtype=float).copy()


def _poisson_tails(window: npt.NDArray[np.float64], hot_mu: npt.NDArray[np.float64],
                   cold_mu: npt.NDArray[np.float64], phi: float
                   ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``P(X ≥ k)`` under Poisson(hot_mu) and ``P(X ≤ k)`` under Poisson(cold_mu), on k / φ.

    The regularised incomplete gamma functions are the Poisson tails
    (``P(X ≥ k) = P(k, μ)``, ``P(X ≤ k) = Q(k + 1, μ)``) and extend them to the effective,
    non-whole counts ``k / φ``.
    """
    from scipy import special

    k = window / phi
    with np.errstate(invalid="ignore", divide="ignore"):
        upper = np.where(k > 0, special.gammainc(np.maximum(k, 1e-12), hot_mu / phi), 1.0)
        lower = np.where(cold_mu > 0, special.gammaincc(k + 1.0, cold_mu / phi), 1.0)
    return np.nan_to_num(upper, nan=1.0), np.nan_to_num(lower, nan=1.0)


def classify_gi(z: npt.ArrayLike, q: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Assign the Gi* classes from directions and q-values.

    Parameters
    ----------
    z : array_like of float
        The direction of each cell; the sign decides hot (> 0) or cold (< 0), 0 is neither.
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
