"""Tests of hotspotkaart.stats.hotspots: weights, Gi*, classes and transitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal.graph import Graph
from libpysal.weights import DistanceBand
from numpy.testing import assert_allclose
from scipy import stats

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.grid import make_grid
from hotspotkaart.stats.change import fdr
from hotspotkaart.stats.hotspots import (
    GI_CLASSES,
    GI_COLOURS,
    TRANSITION_CLASSES,
    TRANSITION_COLD_CLASSES,
    TRANSITION_COLOURS,
    classify_gi,
    gi_star,
    neighbours,
    transitions,
)
from tests.helpers.project import square_areas

PERIODS = Periods(2023, 2024)
FAST = AnalysisConfig(permutations=99, seed=7)


# -- Gi* --------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_gi_star_wraps_esda() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    w = neighbours(grid, 100.0)
    assert w.cardinalities[0] == 3  # corner cell: 3 queen neighbours
    assert w.cardinalities.max() == 8
    y = np.random.default_rng(0).poisson(2.0, len(grid)).astype(float)
    res = gi_star(y, w, FAST)
    ref = G_Local(y, neighbours(grid, 100.0), star=True, transform="B", permutations=99,
                  seed=7, n_jobs=1)
    assert_allclose(res.z, ref.Zs)
    assert_allclose(res.p, 2 * stats.norm.sf(np.abs(ref.Zs)))
    assert_allclose(res.p_sim, ref.p_sim)
    assert_allclose(res.q, fdr(res.p))


def _distance_band(grid, size: float):
    centres = np.column_stack([grid["x_min"] + size / 2, grid["y_min"] + size / 2])
    return DistanceBand(centres, threshold=size * np.sqrt(2) * 1.0001, binary=True,
                        silence_warnings=True)


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:.*not fully connected:UserWarning")
def test_neighbours_equal_libpysal_distance_band_on_a_ragged_grid() -> None:
    size = 250.0
    grid = make_grid(square_areas(3000.0), size)
    keep = np.random.default_rng(3).random(len(grid)) < 0.3  # holes, islands, shuffled order
    ragged = grid[keep].sample(frac=1.0, random_state=4).reset_index(drop=True)
    w = neighbours(ragged, size)
    ref = _distance_band(ragged, size)
    assert w.n == ref.n == len(ragged)
    assert w.equals(Graph.from_W(ref))  # same links, weights and isolates, ids in grid order
    assert list(w.unique_ids) == list(range(len(ragged)))
    assert sorted(w.isolates) == sorted(ref.islands)
    assert len(w.isolates) > 0
    y = np.random.default_rng(5).poisson(1.5, len(ragged)).astype(float)
    res = gi_star(y, w, FAST)
    expected = G_Local(y, ref, star=True, transform="B", permutations=99, seed=7, n_jobs=1)
    tested = ~np.isin(np.arange(len(ragged)), ref.islands)
    assert_allclose(res.z[tested], np.asarray(expected.Zs)[tested])
    assert_allclose(res.p_sim[tested], np.asarray(expected.p_sim)[tested])


def test_neighbours_rejects_two_cells_at_one_place() -> None:
    grid = make_grid(square_areas(500.0), 100.0)
    doubled = pd.concat([grid, grid.iloc[[3]]], ignore_index=True)
    with pytest.raises(InputError, match="two cells at the same place"):
        neighbours(doubled, 100.0)


def test_classify_gi_and_transitions() -> None:
    z = [3.0, 3.0, 3.0, -3.0, 1.0, np.nan, -2.0, -2.0]
    q = [0.005, 0.03, 0.08, 0.005, 0.2, np.nan, 0.04, 0.1]
    assert classify_gi(z, q).tolist() == [
        "hot spot 99%", "hot spot 95%", "hot spot 90%", "cold spot 99%", "niet significant",
        "niet significant", "cold spot 95%", "cold spot 90%",
    ]
    base = ["hot spot 90%", "hot spot 99%", "niet significant", "niet significant",
            "cold spot 95%", "cold spot 99%"]
    comp = ["hot spot 95%", "niet significant", "hot spot 90%", "niet significant",
            "cold spot 90%", "niet significant"]
    hot, cold = transitions(base, comp)
    assert hot.tolist() == ["blijvend", "verdwenen", "nieuw", "geen", "geen", "geen"]
    assert cold.tolist() == ["geen", "geen", "geen", "geen", "blijvend koud", "verdwenen koud"]


def test_legend_constants() -> None:
    assert len(GI_CLASSES) == 7
    assert set(GI_COLOURS) == set(GI_CLASSES)
    assert set(TRANSITION_COLOURS) == set(TRANSITION_CLASSES) | set(TRANSITION_COLD_CLASSES)
    assert len(set(TRANSITION_COLOURS.values())) == len(TRANSITION_COLOURS)
