"""Overdispersion of the meldingen: how many reports one incident brings, as one factor φ.

Meldingen are not independent. One incident is reported by several neighbours, one resident
calls night after night: counts then vary more between places and years than independent
(Poisson) meldingen allow, and a test that treats every melding as independent finds changes and
hot spots that are only bursts of repeat reports.

The factor φ is estimated as in a quasi-Poisson model (Wedderburn 1974; McCullagh & Nelder 1989,
§4.5), as Pearson's statistic over its degrees of freedom, but on a split in which a real change
cannot show: every year is cut into week blocks that belong in turn to two halves
(:func:`hotspotkaart.engine.counting.half_counts`). Without bursts the meldingen of a buurt and
year split between the halves as a binomial with the halves' share of the days ``p``; repeat
reports of one incident land in one block together and make the split uneven; a change between
the years, or during a year, falls in both halves alike. Over the buurt-years with at least
``min_count`` meldingen (``m`` of them),

``φ = Σ (a_i − n_i·p_i)² / (n_i·p_i·(1 − p_i)) / m``,

with ``a_i`` the meldingen in half 1 and ``n_i`` all of them. When reports come in bursts (a
compound Poisson process) every count's variance is φ times its mean, at any scale; so the one
factor applies to every test of a build, of buurten, wijken, zones, grid cells and camera
candidates, and to the hot spots. φ is never taken below 1, and with fewer than
:data:`MIN_UNITS` buurt-years it is not estimated (φ = 1, said so in the report). A category is
given its own φ when it has enough buurt-years of its own, the overall φ otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hotspotkaart._errors import InputError

__all__ = ["MIN_UNITS", "Dispersion", "Split", "choose_dispersion", "pearson_dispersion"]

#: The fewest tested buurten from which φ is estimated.
MIN_UNITS = 10

_METHOD = ("Pearson X^2 / df of the split of each buurt's meldingen per year between "
           "alternating 7-day blocks (quasi-Poisson; Wedderburn 1974, McCullagh & Nelder 1989 "
           "sec. 4.5), buurt-years with at least min_count meldingen; never below 1; the tests "
           "use the effective counts count / phi (design effect, Kish 1965)")


@dataclass(frozen=True)
class Dispersion:
    """The overdispersion factor of a build.

    Attributes
    ----------
    applied : float
        φ used by every test (at least 1).
    estimated : float
        Pearson X² / df of the split buurt counts; NaN when not estimated.
    units : int
        The buurt-years it was estimated from.
    source : str
        ``"estimated"``, ``"fixed"`` (set in the configuration) or ``"too few buurten"``.
    categories : dict of str to Dispersion
        The φ of each category's tests (its own estimate where it has enough buurten).
    """

    applied: float
    estimated: float = float("nan")
    units: int = 0
    source: str = "fixed"
    categories: dict[str, Dispersion] = field(default_factory=dict)

    def for_category(self, label: str) -> float:
        """Return the φ of the tests of category ``label`` (the overall φ if it has none)."""
        own = self.categories.get(label)
        return own.applied if own is not None else self.applied

    def as_dict(self) -> dict[str, Any]:
        """Return the report of ``summary.json``: what was estimated and what was applied."""
        def one(d: Dispersion) -> dict[str, Any]:
            est = d.estimated if math.isfinite(d.estimated) else None
            return {"applied": d.applied, "estimated": est, "buurt_years": d.units,
                    "source": d.source}
        return {**one(self), "method": _METHOD,
                "categories": {k: one(v) for k, v in self.categories.items()}}


def pearson_dispersion(half: npt.ArrayLike, total: npt.ArrayLike, share: npt.ArrayLike, *,
                       min_count: int) -> tuple[float, int]:
    """Return Pearson's X² / df of binomial splits, and the units used.

    Parameters
    ----------
    half : array_like of int
        Per unit (a buurt in a year), the meldingen in half 1 of the split.
    total : array_like of int
        Per unit, all its meldingen.
    share : float or array_like of float
        The share of the unit's days in half 1 (strictly between 0 and 1).
    min_count : int
        Units with fewer meldingen are left out (as from the tests).

    Returns
    -------
    phi : float
        ``X² / m``; NaN without units.
    units : int
        ``m``, the units used.
    """
    a = np.asarray(half, dtype=float).ravel()
    n = np.asarray(total, dtype=float).ravel()
    p = np.broadcast_to(np.asarray(share, dtype=float), n.shape)
    if a.shape != n.shape:
        msg = f"half has {a.size} units but total has {n.size}"
        raise InputError(msg)
    if np.any((a < 0) | (a > n)):
        msg = "half must lie between 0 and total for every unit"
        raise InputError(msg)
    keep = (n >= max(int(min_count), 1)) & (p > 0) & (p < 1)
    m = int(keep.sum())
    if m == 0:
        return float("nan"), 0
    expected = n[keep] * p[keep]
    x2 = float((((a[keep] - expected) ** 2) / (expected * (1 - p[keep]))).sum())
    return x2 / m, m


#: One split per unit: meldingen in half 1, all meldingen, and half 1's share of the days.
Split = tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike]


def choose_dispersion(setting: float | str, split: Split, *, min_count: int,
                      categories: Mapping[str, Split] | None = None) -> Dispersion:
    """Decide the φ of a build from the configuration and the split buurt counts.

    Parameters
    ----------
    setting : float or "auto"
        ``[analysis] dispersion``: ``"auto"`` estimates φ, a number (≥ 1) fixes it.
    split : tuple of array_like
        ``(half, total, share)`` per buurt-year (:func:`pearson_dispersion`).
    min_count : int
        ``[analysis] min_count``.
    categories : mapping of str to split, optional
        The same per category, for a φ per category.

    Returns
    -------
    Dispersion
        The applied φ and how it was found, overall and per category.
    """
    if setting != "auto":
        phi = float(setting)
        if not (math.isfinite(phi) and phi >= 1):
            msg = f"dispersion = {setting!r} must be 'auto' or a number of at least 1"
            raise InputError(msg)
        fixed = Dispersion(applied=phi)
        return Dispersion(applied=phi, categories=dict.fromkeys(categories or {}, fixed))
    overall = _estimate(split, min_count, fallback=1.0)
    per = {label: _estimate(one, min_count, fallback=overall.applied)
           for label, one in (categories or {}).items()}
    return Dispersion(applied=overall.applied, estimated=overall.estimated, units=overall.units,
                      source=overall.source, categories=per)


def _estimate(split: Split, min_count: int, *, fallback: float) -> Dispersion:
    phi, m = pearson_dispersion(*split, min_count=min_count)
    if m < MIN_UNITS or not math.isfinite(phi):
        return Dispersion(applied=fallback, estimated=phi, units=m, source="too few buurten")
    return Dispersion(applied=max(1.0, phi), estimated=phi, units=m, source="estimated")
