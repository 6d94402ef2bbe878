"""How concentrated the meldingen are among the grid cells.

The share of all meldingen in the busiest 5 % and 10 % of cells, the ordinary and the
generalised Gini coefficient (Bernasco & Steenbeek 2017) and the predictive accuracy index (PAI,
Chainey, Tompson & Uhlig 2008) of a set of hot cells, per period.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspotkaart.config.settings import Periods

__all__ = ["concentration", "gini", "gini_generalised", "pai", "top_share"]

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
