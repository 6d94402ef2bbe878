"""Generators of meldingen counted over time (quarters, weekday × hour), with repeat reports.

Real meldingen come in bursts: one incident reported 5–15 times by neighbours or by one
resident. These generators draw incidents (Poisson, or a fixed number per area spread over the
week), turn a share of them into such bursts that land in one quarter or one hour together, and
give the overdispersion factor that belongs to the burst sizes.
"""

from __future__ import annotations

import numpy as np

BURST_SIZES = (5, 15)


def burst_mean(low: int = BURST_SIZES[0], high: int = BURST_SIZES[1]) -> float:
    """Return the mean reports of a burst of ``low … high`` reports (uniform)."""
    return (low + high) / 2


def dispersion_index(burst_share: float, low: int = BURST_SIZES[0],
                     high: int = BURST_SIZES[1]) -> float:
    """Return ``E[X²] / E[X]`` of the reports per incident: φ of the compound Poisson counts.

    An incident is one report with probability ``1 − burst_share`` and a burst of a uniform
    ``low … high`` reports otherwise. The counts of a compound Poisson process have variance
    ``E[X²] / E[X]`` times their mean, which is what a Pearson estimate of φ converges to.
    """
    sizes = np.arange(low, high + 1, dtype=float)
    mean = (1 - burst_share) + burst_share * sizes.mean()
    square = (1 - burst_share) + burst_share * (sizes**2).mean()
    return float(square / mean)


def with_bursts(rng: np.random.Generator, incidents: np.ndarray, burst_share: float,
                low: int = BURST_SIZES[0], high: int = BURST_SIZES[1]) -> np.ndarray:
    """Turn incident counts into report counts: each incident is a burst with ``burst_share``.

    The reports of a burst land in the same element as its incident (one quarter, one hour).
    """
    incidents = np.asarray(incidents, dtype=np.int64)
    if burst_share <= 0:
        return incidents.copy()
    bursts = rng.binomial(incidents, burst_share)
    extra = rng.integers(low, high + 1, int(bursts.sum())) - 1
    owner = np.repeat(np.arange(incidents.size), bursts.ravel())
    added = np.bincount(owner, weights=extra, minlength=incidents.size).astype(np.int64)
    return incidents + added.reshape(incidents.shape)


def quarter_counts(rng: np.random.Generator, means: np.ndarray, *,
                   burst_share: float = 0.0) -> np.ndarray:
    """Return reports per unit and quarter from Poisson incidents with ``means`` (units × steps)."""
    return with_bursts(rng, rng.poisson(np.asarray(means, dtype=float)), burst_share)


def week_profile(occurrences: np.ndarray | None = None) -> np.ndarray:
    """Return the (7, 24) probabilities of a uniform-in-time melding, by weekday occurrences."""
    occ = np.ones(7) if occurrences is None else np.asarray(occurrences, dtype=float)
    weights = np.repeat(occ[:, None], 24, axis=1)
    return weights / weights.sum()


def week_counts(rng: np.random.Generator, totals: np.ndarray, profile: np.ndarray, *,
                burst_share: float = 0.0) -> np.ndarray:
    """Return (n_areas, 7, 24) reports: ``totals`` incidents per area spread by ``profile``.

    ``profile`` is a (7, 24) array of probabilities for all areas or (n_areas, 7, 24) per area;
    a burst's reports all fall in its incident's hour.
    """
    totals = np.asarray(totals, dtype=np.int64)
    pvals = np.broadcast_to(np.asarray(profile, dtype=float).reshape(-1, 168), (len(totals), 168))
    pvals = pvals / pvals.sum(axis=1, keepdims=True)
    incidents = rng.multinomial(totals, pvals)
    return with_bursts(rng, incidents, burst_share).reshape(len(totals), 7, 24)


def year_occurrences(year: int) -> np.ndarray:
    """Return how many Mondays … Sundays ``year`` holds."""
    days = np.arange(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"))
    weekday = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7   # 1970-01-01: Thursday
    return np.bincount(weekday, minlength=7).astype(float)
