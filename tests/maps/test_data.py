"""Tests of what every map draws: MapData's shared lookups and the breaks it hands out."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from hotspotkaart._errors import HotspotkaartWarning
from hotspotkaart.config.settings import load_config
from hotspotkaart.maps.data import MapData
from hotspotkaart.pipeline import BuildResult, analyse, map_context, map_data
from hotspotkaart.stats.classbreaks import CountBreaks, field_breaks, shared_bins
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def built() -> BuildResult:
    """The embedded Dordrecht default: real buurten, zones of every kind, named locations."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HotspotkaartWarning)
        return analyse(load_config(REPO_ROOT / "hotspotkaart.toml"))


@pytest.fixture(scope="module")
def data(built: BuildResult) -> MapData:
    return map_data(built)


@pytest.fixture(scope="module")
def years(built: BuildResult) -> tuple[int, int]:
    return map_context(built).years


@pytest.mark.parametrize("layer", ["cells", "zones", "locations"])
def test_intersecting_gives_the_rows_a_full_test_gives_in_their_order(data, layer):
    frame = getattr(data, layer)
    assert len(frame) > 0
    for wijk in data.wijken.geometry:
        expected = frame[frame.intersects(wijk)]
        taken = data.intersecting(layer, wijk)
        pd.testing.assert_frame_equal(taken, expected)
    assert len(data.intersecting(layer, data.wijken.geometry.iloc[0].buffer(-1e6))) == 0


@pytest.mark.parametrize("layer", ["buurten", "wijken"])
def test_in_wijk_gives_the_rows_a_comparison_gives_in_their_order(data, layer):
    frame = getattr(data, layer)
    for code in [*data.wijken["wijkcode"], "WK999999"]:
        pd.testing.assert_frame_equal(data.in_wijk(layer, code), frame[frame["wijkcode"] == code])


def test_remembered_makes_a_value_once_per_key(data):
    made: list[int] = []
    fresh = dataclasses.replace(data)  # its own memory
    for _ in range(3):
        assert fresh.remembered(("test", 1), lambda: made.append(1) or len(made)) == 1
    assert fresh.remembered(("test", 2), lambda: made.append(2) or len(made)) == 2
    assert made == [1, 2]


def test_the_breaks_of_the_build_are_used_for_their_years_and_threshold_only(data, years):
    own = CountBreaks(years, 5, shared=np.array([1.0, 2.0, 997.0]),
                      field=np.array([4.0, 11.0, 998.0]))
    given = dataclasses.replace(data, breaks=own)
    assert given.count_bins(years) is own.shared
    assert given.field_breaks(years, 5) is own.field
    # another threshold or other years: made from the buurten, once
    np.testing.assert_array_equal(given.field_breaks(years, 10),
                                  field_breaks(data.buurten, years, 10))
    assert given.field_breaks(years, 10) is given.field_breaks(years, 10)
    other = dataclasses.replace(data, breaks=dataclasses.replace(own, years=(2021, 2022)))
    np.testing.assert_array_equal(other.count_bins(years), shared_bins(data.buurten, years))
    none = dataclasses.replace(data, breaks=None)
    np.testing.assert_array_equal(none.count_bins(years), shared_bins(data.buurten, years))
    assert none.count_bins(years) is none.count_bins(years)
