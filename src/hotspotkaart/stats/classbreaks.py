"""Class breaks of the count choropleths: Fisher–Jenks on at most a thousand values.

The count layers of both years share one set of breaks (:func:`shared_bins`) so that their
colours compare; the overview, the comparison page and every wijk map use them. The field map's
breaks (:func:`field_breaks`) start with the class below its privacy threshold. A build makes
both once, in its testing stage (:func:`count_breaks`), where the classification library is
loaded already; the maps take them from there.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = [
    "JENKS_MAX_VALUES",
    "YEAR_PALETTE",
    "CountBreaks",
    "bin_labels",
    "count_breaks",
    "field_breaks",
    "jenks_breaks",
    "shared_bins",
]

#: Fisher–Jenks classifies at most this many values (see :func:`jenks_breaks`).
JENKS_MAX_VALUES = 1000
#: The colours of the count classes, lowest first (ColorBrewer YlOrRd).
YEAR_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


@dataclass(frozen=True, eq=False)
class CountBreaks:
    """The class breaks of a build's buurt counts, made once and shared by its maps.

    Compared by identity (its fields are arrays); compare the fields to compare the breaks.

    Attributes
    ----------
    years : tuple of int
        The base and the compare year whose counts were classed.
    threshold : int
        The field map's privacy threshold.
    shared : numpy.ndarray
        :func:`shared_bins` of the buurten.
    field : numpy.ndarray
        :func:`field_breaks` of the buurten at ``threshold``.
    """

    years: tuple[int, int]
    threshold: int
    shared: np.ndarray
    field: np.ndarray


def count_breaks(buurten: pd.DataFrame, years: Sequence[int],
                 threshold: int) -> CountBreaks:
    """Make the :class:`CountBreaks` of ``buurten`` (columns ``count_<year>``) once.

    Parameters
    ----------
    buurten : pandas.DataFrame
        Every buurt of the build, with a ``count_<year>`` column per year. Not modified.
    years : sequence of two int
        The base and the compare year.
    threshold : int
        The field map's privacy threshold (``[maps] privacy_threshold``).

    Returns
    -------
    CountBreaks
        The breaks of the year layers and of the field map.
    """
    base, compare = years
    return CountBreaks(years=(base, compare), threshold=threshold,
                       shared=shared_bins(buurten, years),
                       field=field_breaks(buurten, years, threshold))


def shared_bins(areas: pd.DataFrame, years: Sequence[int]) -> np.ndarray:
    """Class breaks shared by both year layers, so their colours compare."""
    values = _counts(areas, years)
    unique = np.unique(values)
    if len(unique) <= len(YEAR_PALETTE):
        return unique
    return jenks_breaks(values, len(YEAR_PALETTE))


def field_breaks(areas: pd.DataFrame, years: Sequence[int], threshold: int) -> np.ndarray:
    """Class breaks of the field map, whose first class is exactly "below the threshold".

    The first break is ``threshold - 1``; the counts at or above the threshold are classed in
    the remaining colours (Fisher–Jenks when they hold more distinct values than colours).
    """
    values = _counts(areas, years)
    shown = values[values >= threshold]
    breaks = [threshold - 1.0]
    if len(np.unique(shown)) > len(YEAR_PALETTE) - 1:
        breaks += list(jenks_breaks(shown, len(YEAR_PALETTE) - 1))
    elif len(shown):
        breaks += list(np.unique(shown))
    return np.asarray(breaks)


def _counts(areas: pd.DataFrame, years: Sequence[int]) -> np.ndarray:
    """Return the ``count_<year>`` values of ``areas`` as floats, one year after the other."""
    return np.concatenate([areas[f"count_{y}"].to_numpy(dtype=float) for y in years])


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
