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
from hotspotkaart.engine.grid import make_grid
from hotspotkaart.stats.background import Expected, window_sums
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

# -- Gi* --------------------------------------------------------------------------------------


def flat(y: np.ndarray, level: float) -> Expected:
    return Expected(hot=np.full(len(y), level), cold=np.full(len(y), level))


def test_gi_star_z_is_esda_and_p_is_the_exact_poisson_tail() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    w = neighbours(grid, 100.0)
    assert w.cardinalities[0] == 3  # corner cell: 3 queen neighbours
    assert w.cardinalities.max() == 8
    y = np.random.default_rng(0).poisson(2.0, len(grid)).astype(float)
    y[44] = 12  # one busy cell
    expected = Expected(hot=np.full(len(y), 2.1), cold=np.full(len(y), 1.9))
    res = gi_star(y, w, expected)
    ref = G_Local(y, neighbours(grid, 100.0), star=True, transform="B", permutations=0)
    assert_allclose(res.z, ref.Zs)
    k = window_sums(y, w)
    mu_hot = window_sums(expected.hot, w)
    mu_cold = window_sums(expected.cold, w)
    assert_allclose(res.window, y + np.asarray(w.sparse @ y))
    assert_allclose(res.expected, mu_hot)
    p_hot = stats.poisson.sf(k - 1, mu_hot)
    p_cold = stats.poisson.cdf(k, mu_cold)
    assert_allclose(res.p, np.minimum(1, 2 * np.minimum(p_hot, p_cold)), rtol=1e-10)
    assert_allclose(res.q, fdr(res.p))
    hot = np.char.startswith(res.classes.astype(str), "hot spot")
    assert hot[44]
    assert (k[hot] > mu_hot[hot]).all()
    assert (y[hot] > 0).all()
    assert (res.z[hot] > 0).all()


def test_a_cell_without_meldingen_is_never_a_hot_spot() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    w = neighbours(grid, 100.0)
    y = np.zeros(len(grid))
    ring = [33, 34, 35, 43, 45, 53, 54, 55]  # the 8 neighbours of cell 44
    y[ring] = 9
    res = gi_star(y, w, flat(y, y.sum() / len(y)))
    assert res.window[44] == 72
    assert res.q[44] < 1e-6
    assert res.classes[44] == "niet significant"
    assert all(res.classes[i].startswith("hot spot") for i in ring)


def test_dispersion_turns_bursts_into_fewer_independent_meldingen() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    w = neighbours(grid, 100.0)
    y = np.random.default_rng(2).poisson(1.0, len(grid)).astype(float)
    y[44] = 10
    expected = flat(y, float(y.mean()))
    plain, bursty = gi_star(y, w, expected), gi_star(y, w, expected, dispersion=3.0)
    from scipy import special

    k, mu = window_sums(y, w), window_sums(expected.hot, w)
    assert_allclose(bursty.p[44], min(1.0, 2 * special.gammainc(k[44] / 3, mu[44] / 3)))
    assert bursty.p[44] > plain.p[44]
    assert_allclose(plain.p[44], 2 * stats.poisson.sf(k[44] - 1, mu[44]), rtol=1e-10)


def test_a_period_without_meldingen_has_no_hot_spots() -> None:
    grid = make_grid(square_areas(500.0), 100.0)
    w = neighbours(grid, 100.0)
    res = gi_star(np.zeros(len(grid)), w, flat(np.zeros(len(grid)), 0.0))
    assert np.isnan(res.z).all()
    assert np.isnan(res.p).all()
    assert (res.classes == "niet significant").all()
    with pytest.raises(InputError, match="3 cell values but the weights have 25 cells"):
        gi_star(np.zeros(3), w, flat(np.zeros(3), 0.0))


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
    res = gi_star(y, w, flat(y, 1.5))
    expected = G_Local(y, ref, star=True, transform="B", permutations=0)
    tested = ~np.isin(np.arange(len(ragged)), ref.islands)
    assert_allclose(res.z[tested], np.asarray(expected.Zs)[tested])
    assert np.isnan(res.p[~tested]).all()
    assert np.isfinite(res.p[tested]).all()


def test_neighbours_rejects_two_cells_at_one_place() -> None:
    grid = make_grid(square_areas(500.0), 100.0)
    doubled = pd.concat([grid, grid.iloc[[3]]], ignore_index=True)
    with pytest.raises(InputError, match="two cells at the same place"):
        neighbours(doubled, 100.0)


def test_classify_gi_and_transitions() -> None:
    z = [1.0, 1.0, 1.0, -1.0, 1.0, np.nan, -1.0, -1.0, 0.0]
    q = [0.005, 0.03, 0.08, 0.005, 0.2, np.nan, 0.04, 0.1, 0.001]
    assert classify_gi(z, q).tolist() == [
        "hot spot 99%", "hot spot 95%", "hot spot 90%", "cold spot 99%", "niet significant",
        "niet significant", "cold spot 95%", "cold spot 90%", "niet significant",
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
