"""Tests of hotspotkaart.stats.background: what a cell should hold if nothing stood out."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.testing import assert_allclose

from hotspotkaart.engine.grid import make_grid
from hotspotkaart.stats.background import (
    area_shares,
    block_cells,
    expected_counts,
    window_sums,
)
from hotspotkaart.stats.hotspots import neighbours
from tests.helpers.project import X0, Y0, square_areas


def test_area_shares_add_up_to_the_areas() -> None:
    areas = square_areas(1000.0).translate(30, 0)  # cells straddle the buurt boundary
    areas = gpd.GeoDataFrame({"buurtcode": ["BU1", "BU2"]}, geometry=areas, crs="EPSG:28992")
    grid = make_grid(areas, 100.0)
    shares = area_shares(grid, areas)
    assert_allclose(np.bincount(shares.area, shares.overlap), areas.area.to_numpy())
    assert (np.bincount(shares.cell, minlength=len(grid)) >= 1).all()
    assert (np.bincount(shares.cell, minlength=len(grid)) == 2).sum() == 10  # one column


def test_block_cells() -> None:
    assert block_cells(100) == 5
    assert block_cells(250) == 3  # never fewer than 3 cells
    assert block_cells(10) == 50


def test_buurt_background_spreads_a_buurt_evenly() -> None:
    areas = square_areas(1000.0)  # two buurten of 500 x 1000 m
    grid = make_grid(areas, 100.0)
    w = neighbours(grid, 100.0)
    shares = area_shares(grid, areas)
    counts = np.zeros(len(grid))
    west = (grid["x_min"] < X0 + 500).to_numpy()
    counts[west] = 2.0  # 100 in the west buurt, none in the east
    pooled = window_sums(counts, w)
    expected = expected_counts(grid, shares, [100, 0], counts, pooled, 100.0)
    assert_allclose(expected.hot[west], 2.0)
    # the east buurt has no meldingen: its cells expect nothing from their buurt, and the
    # neighbourhood counts only the cells where meldingen occur (the west, and the east cells
    # beside it)
    assert_allclose(expected.cold[~west], 0.0)
    assert (expected.hot >= expected.cold).all()
    assert_allclose(expected.hot.sum(), 100 + expected.hot[~west].sum())


def test_a_half_covered_buurt_is_not_compared_with_its_empty_half() -> None:
    areas = gpd.GeoDataFrame({"buurtcode": ["BU1"]},
                             geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)],
                             crs="EPSG:28992")
    grid = make_grid(areas, 100.0)
    w = neighbours(grid, 100.0)
    counts = np.where((grid["x_min"] < X0 + 1000).to_numpy(), 3.0, 0.0)  # the west half only
    expected = expected_counts(grid, area_shares(grid, areas), [counts.sum()], counts,
                               window_sums(counts, w), 100.0)
    inner_west = ((grid["x_min"] < X0 + 500) & (grid["y_min"] > Y0 + 500)
                  & (grid["y_min"] < Y0 + 1500)).to_numpy()
    # the buurt alone would expect 1.5 per cell; the neighbourhood sees the covered half: 3
    assert_allclose(expected.hot[inner_west], 3.0)
    assert_allclose(expected.cold[inner_west], 1.5)
