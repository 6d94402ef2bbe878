"""Tests of hotspotkaart.stats.classbreaks: Fisher–Jenks class breaks and their legend rows."""

from __future__ import annotations

import warnings

import geopandas as gpd
import mapclassify
import numpy as np
import pytest

from hotspotkaart.stats.classbreaks import (
    JENKS_MAX_VALUES,
    YEAR_PALETTE,
    bin_labels,
    field_breaks,
    jenks_breaks,
    shared_bins,
)
from tests.helpers.project import skewed_counts


def _library_breaks(values, k):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        return np.asarray(mapclassify.FisherJenks(values, k=k).bins)


@pytest.mark.parametrize("n", [40, 300])
def test_jenks_breaks_are_the_library_breaks_up_to_the_limit(n):
    values = skewed_counts(n, seed=n)
    np.testing.assert_array_equal(jenks_breaks(values, 5), _library_breaks(values, 5))
    frame = gpd.GeoDataFrame({"count_2023": values[: n // 2], "count_2024": values[n // 2:]})
    np.testing.assert_array_equal(shared_bins(frame, (2023, 2024)), _library_breaks(values, 5))


def test_shared_bins_and_count_breaks_on_a_national_number_of_buurten():
    n = 14_000  # 2 × 14 000 values: about 25 minutes in pure-Python Fisher–Jenks
    frame = gpd.GeoDataFrame({"count_2023": skewed_counts(n, 1),
                              "count_2024": skewed_counts(n, 2)})
    values = np.concatenate([frame["count_2023"], frame["count_2024"]])
    assert len(values) > JENKS_MAX_VALUES
    bins = shared_bins(frame, (2023, 2024))
    assert 2 <= len(bins) <= 5
    assert np.all(np.diff(bins) > 0)
    assert np.array_equal(bins, np.round(bins))  # counts, so integer edges
    assert bins[-1] == values.max()  # the top class holds the largest count
    assert bins[0] >= values.min()
    classes = np.searchsorted(bins, values, side="left")
    assert len(np.unique(classes)) == len(bins)  # every class is used
    # deterministic: same input, same breaks, whatever the row order
    np.testing.assert_array_equal(bins, shared_bins(frame.iloc[::-1], (2023, 2024)))


def test_field_breaks_start_below_the_threshold_on_a_national_number_of_buurten():
    n = 14_000
    frame = gpd.GeoDataFrame({"count_2023": skewed_counts(n, 1),
                              "count_2024": skewed_counts(n, 2)})
    values = np.concatenate([frame["count_2023"], frame["count_2024"]])
    assert len(values) > JENKS_MAX_VALUES
    breaks = field_breaks(frame, (2023, 2024), threshold=5)
    assert breaks[0] == 4.0  # the first class is "< 5", shown without its counts
    assert np.all(np.diff(breaks) > 0)
    assert breaks[-1] == values.max()
    assert np.array_equal(breaks, np.round(breaks))



def test_bin_labels_name_each_class_from_the_one_before():
    assert bin_labels(np.array([0.0, 1.0, 3.0, 8.0])) == [
        ("0 meldingen", YEAR_PALETTE[0]), ("1 meldingen", YEAR_PALETTE[1]),
        ("2–3 meldingen", YEAR_PALETTE[2]), ("4–8 meldingen", YEAR_PALETTE[3])]
