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


# -- one gemeente of a region --------------------------------------------------------------------


@pytest.fixture(scope="module")
def region_data(tmp_path_factory: pytest.TempPathFactory) -> MapData:
    from tests.helpers.region import region_config

    folder = tmp_path_factory.mktemp("region-data")
    return map_data(analyse(load_config(region_config(folder))))


def test_for_gemeente_keeps_only_its_rows(region_data: MapData) -> None:
    assert region_data.gemeenten is not None
    mine = region_data.for_gemeente("GM0642")
    for layer in ("buurten", "wijken", "cells", "zones"):
        frame = getattr(mine, layer)
        assert (frame["gemeentecode"] == "GM0642").all(), layer
        assert len(frame) == (getattr(region_data, layer)["gemeentecode"] == "GM0642").sum()
    assert mine.gemeenten is None  # the page of one gemeente is a city page
    outline = mine.buurten.geometry.union_all()
    assert mine.locations.intersects(outline).all()
    assert len(mine.locations) == region_data.locations.intersects(outline).sum()


def test_for_gemeente_makes_its_gemeente_rows_the_city_rows(region_data: MapData) -> None:
    mine = region_data.for_gemeente("GM0642")
    for name in ("times", "months", "hot_times"):
        table, whole = getattr(mine, name), getattr(region_data, name)
        assert "gemeente" not in set(table["area_type"]), name
        city = table[table["area_type"] == "stad"]
        own = whole[(whole["area_type"] == "gemeente") & (whole["area_code"] == "GM0642")]
        assert len(city) == len(own) > 0, name
        assert (city["area_code"] == "").all()
        value = "count" if "count" in table else "p"
        np.testing.assert_allclose(city[value].to_numpy(dtype=float),
                                   own[value].to_numpy(dtype=float))
    # the region's own city rows are not the gemeente's
    assert len(mine.times) < len(region_data.times)


def test_a_gemeente_takes_its_when_rows_as_a_comparison_does(region_data: MapData) -> None:
    # the build's when-tables hold their texts as categories (stats.temporal.compact)
    assert isinstance(region_data.times["area_code"].dtype, pd.CategoricalDtype)
    for code in region_data.gemeenten["gemeentecode"]:
        for name in ("times", "months", "hot_times"):
            whole = getattr(region_data, name)
            taken = region_data._of_gemeente(name, code)
            expected = whole[whole["gemeentecode"] == code].reset_index(drop=True)
            pd.testing.assert_frame_equal(taken, expected)
