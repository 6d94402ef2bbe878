"""How concentrated the meldingen are among the grid cells.

The share of all meldingen in the busiest 5 % and 10 % of cells, the ordinary and the
generalised Gini coefficient (Bernasco & Steenbeek 2017) and the predictive accuracy index (PAI,
Chainey, Tompson & Uhlig 2008) of a set of hot cells, per period; each share and Gini beside
what a random scatter of the same meldingen over the same cells gives (:func:`random_scatter`),
without which "49 % in 10 % of the cells" cannot be read: with fewer meldingen than cells, chance
alone puts about that many there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspotkaart.config.settings import Periods

__all__ = ["concentration", "gini", "gini_generalised", "pai", "random_scatter", "top_share"]

_TOP_FRACTIONS = (0.05, 0.10)


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


def random_scatter(n: int, n_cells: int) -> dict[str, float]:
    """Return the concentration figures expected when ``n`` meldingen fall at random.

    The baseline of :func:`concentration`: ``n`` meldingen put independently and evenly over
    ``n_cells`` equal cells (a multinomial), so that "88 % in 10 % of the cells" can be read
    against what chance alone gives (with fewer meldingen than cells, a random scatter already
    puts every melding in a few cells). Each cell's count is Binomial(n, 1/N); the figures are
    those of the expected histogram of the counts, ``N · P(X = t)`` cells holding ``t``, which is
    the large-N limit of the multinomial's expectation (Bernasco & Steenbeek 2017 use the same
    baseline for the generalised Gini; within 0.01 of a simulation from 1 000 cells on, tested).

    Parameters
    ----------
    n : int
        Meldingen.
    n_cells : int
        Cells.

    Returns
    -------
    dict of str to float
        ``top5_share_random``, ``top10_share_random``, ``gini_random`` and
        ``gini_generalised_random``; NaN without meldingen or cells.
    """
    keys = [f"top{round(f * 100)}_share_random" for f in _TOP_FRACTIONS]
    keys += ["gini_random", "gini_generalised_random"]
    if n <= 0 or n_cells <= 0:
        return dict.fromkeys(keys, float("nan"))
    values, cells = _expected_histogram(int(n), int(n_cells))
    out = {f"top{round(f * 100)}_share_random": _top_of_histogram(values, cells, f) / n
           for f in _TOP_FRACTIONS}
    g = _gini_of_histogram(values, cells)
    out["gini_random"] = g
    out["gini_generalised_random"] = float(max(n_cells / n, 1.0) * g
                                           + min(0.0, (n - n_cells) / n))
    return out


def _expected_histogram(n: int, n_cells: int) -> tuple[npt.NDArray[np.float64],
                                                      npt.NDArray[np.float64]]:
    """Return the counts ``t`` a cell can hold and how many cells are expected to hold each."""
    from scipy import stats

    p = 1.0 / n_cells
    hi = int(stats.binom.isf(1e-12 / n_cells, n, p)) + 1
    values = np.arange(0, min(n, hi) + 1, dtype=float)
    cells = n_cells * stats.binom.pmf(values, n, p)
    return values, cells


def _top_of_histogram(values: npt.NDArray[np.float64], cells: npt.NDArray[np.float64],
                      fraction: float) -> float:
    """Meldingen in the busiest ``ceil(fraction · N)`` cells of a histogram."""
    k = max(1.0, math.ceil(round(fraction * cells.sum(), 9)))
    taken = np.minimum(cells[::-1], np.maximum(k - np.concatenate([[0.0], np.cumsum(
        cells[::-1])[:-1]]), 0.0))
    return float((taken * values[::-1]).sum())


def _gini_of_histogram(values: npt.NDArray[np.float64], cells: npt.NDArray[np.float64]) -> float:
    """Return the Gini coefficient of :func:`gini` for cells distributed as a histogram."""
    total_cells = cells.sum()
    mean = (values * cells).sum() / total_cells
    below = np.cumsum(cells) - cells          # cells with a smaller value
    below_sum = np.cumsum(values * cells) - values * cells
    # sum over ordered pairs of |x_i - x_j| = 2 * sum_t cells_t * (t * below_t - below_sum_t)
    pairs = 2.0 * (cells * (values * below - below_sum)).sum()
    return float(pairs / (2.0 * total_cells ** 2 * mean))


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
        "top10_cells", "top10_share", "gini", "gini_generalised", and the same four with
        "_random"}}, "baseline": str, "pai": {"base", "compare", "hot_q", "hot_cells",
        "hot_area_share", "hit_rate", "pai"}}``; shares are 0..1.

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
        entry.update(random_scatter(int(values.sum()), len(values)))
        per[year] = entry
    flags = np.asarray(hot_base, dtype=bool)
    comp = np.asarray(counts[periods.compare], dtype=float)
    n_cells = len(flags)
    hit = float(comp[flags].sum() / comp.sum()) if comp.sum() > 0 else float("nan")
    return {
        "periods": per,
        "baseline": ("*_random: expected for the same meldingen put independently and evenly "
                     "over the same cells (the multinomial's counts, Binomial(n, 1/N) per cell; "
                     "Bernasco & Steenbeek 2017)"),
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
