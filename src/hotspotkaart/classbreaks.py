"""Class breaks of the count choropleths: Fisher–Jenks on at most a thousand values.

The count layers of both years share one set of breaks (:func:`shared_bins`) so that their
colours compare; the overview, the comparison page, every wijk map and the field map use them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import lru_cache

import geopandas as gpd
import numpy as np

__all__ = ["JENKS_MAX_VALUES", "YEAR_PALETTE", "bin_labels", "jenks_breaks", "shared_bins"]

#: Fisher–Jenks classifies at most this many values (see :func:`jenks_breaks`).
JENKS_MAX_VALUES = 1000
#: The colours of the count classes, lowest first (ColorBrewer YlOrRd).
YEAR_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def shared_bins(areas: gpd.GeoDataFrame, years: Sequence[int]) -> np.ndarray:
    """Class breaks shared by both year layers, so their colours compare."""
    values = np.concatenate([areas[f"count_{y}"].to_numpy(dtype=float) for y in years])
    unique = np.unique(values)
    if len(unique) <= len(YEAR_PALETTE):
        return unique
    return jenks_breaks(values, len(YEAR_PALETTE))


def jenks_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Fisher–Jenks class breaks (upper bounds) of ``values``, classified on ≤ 1000 values.

    Without numba, :class:`mapclassify.FisherJenks` is an O(n² k) pure-Python loop: minutes for
    a few thousand values, most of an hour for the 28 000 buurt counts of a national build. Up to
    :data:`JENKS_MAX_VALUES` values it runs on the values themselves (the breaks are exactly
    mapclassify's). Above, it runs on that many evenly spaced quantiles of the values (the
    inverted empirical distribution, so every sample is one of the values and the smallest and
    largest are included): deterministic, weighted like the values, and the last break is the
    maximum. Equal breaks, which a sample with long runs of one value can give, are merged.

    Parameters
    ----------
    values : numpy.ndarray
        The values to classify; more than ``k`` distinct values.
    k : int
        Number of classes.

    Returns
    -------
    numpy.ndarray
        Increasing upper bounds of the classes; the last is ``values.max()``.
    """
    values = np.asarray(values, dtype=float)
    if len(values) <= JENKS_MAX_VALUES:
        return _fisher_jenks(values.tobytes(), k).copy()
    sample = np.quantile(values, np.linspace(0.0, 1.0, JENKS_MAX_VALUES), method="inverted_cdf")
    return np.unique(_fisher_jenks(sample.tobytes(), k))


@lru_cache(maxsize=16)
def _fisher_jenks(values: bytes, k: int) -> np.ndarray:
    """Run :class:`mapclassify.FisherJenks`; cached, as several maps classify the same counts."""
    import mapclassify  # slow to import; only needed when there are more than k distinct counts

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        bins = mapclassify.FisherJenks(np.frombuffer(values, dtype=float), k=k).bins
    result = np.asarray(bins, dtype=float)
    result.flags.writeable = False
    return result


def bin_labels(bins: np.ndarray) -> list[tuple[str, str]]:
    """Legend rows for :func:`shared_bins`."""
    labels = []
    low = 0
    for i, high in enumerate(bins):
        high_i = int(high)
        text = f"{low}" if low == high_i else f"{low}–{high_i}"
        labels.append((f"{text} meldingen", YEAR_PALETTE[min(i, len(YEAR_PALETTE) - 1)]))
        low = high_i + 1
    return labels
