"""Tests of hotspotkaart.stats.concentration: top shares, Gini and the PAI."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.concentration import (
    concentration,
    gini,
    gini_generalised,
    pai,
    random_scatter,
    top_share,
)

PERIODS = Periods(2023, 2024)


def test_gini_hand_cases() -> None:
    assert_allclose(gini([1, 2, 3]), 4 / 18)
    assert_allclose(gini_generalised([1, 2, 3]), 4 / 18)  # n >= N: ordinary Gini
    assert_allclose(gini([0, 0, 0, 0, 2]), 0.8)
    assert_allclose(gini_generalised([0, 0, 0, 0, 2]), 0.5)  # (n - 1) / n
    assert_allclose(gini([1, 1, 0, 0, 0]), 0.6)  # (N - n) / N
    assert_allclose(gini_generalised([1, 1, 0, 0, 0]), 0.0, atol=1e-12)  # maximum equality
    assert_allclose(gini([3, 3, 3]), 0.0)
    assert np.isnan(gini_generalised([0, 0]))


def test_top_share_and_ties() -> None:
    counts = np.arange(20)
    assert_allclose(top_share(counts, 0.05), 19 / 190)
    assert_allclose(top_share(counts, 0.10), (19 + 18) / 190)
    assert_allclose(top_share([5, 5, 5, 0], 0.5), 10 / 15)
    assert_allclose(top_share(np.ones(10_000), 0.05), 0.05)  # 500 cells, not 501
    assert np.isnan(top_share([0, 0], 0.1))


def test_pai_hand_case() -> None:
    assert_allclose(pai([10, 0, 5, 5], [True, False, False, False]), 2.0)
    assert_allclose(pai([10, 0, 5, 5], [True, True, False, False]), 1.0)
    assert np.isnan(pai([10, 0], [False, False]))
    conc = concentration({2023: [4, 0, 0, 0], 2024: [10, 0, 5, 5]}, PERIODS,
                         [True, False, False, False])
    assert_allclose(conc["pai"]["pai"], 2.0)
    assert_allclose(conc["pai"]["hit_rate"], 0.5)
    assert conc["periods"][2023]["top5_cells"] == 1
    assert_allclose(conc["periods"][2024]["top10_share"], 0.5)


@pytest.mark.parametrize(("n", "n_cells"), [(3000, 10_000), (1000, 1000), (50_000, 1000),
                                            (200, 10_274)])
def test_random_scatter_is_what_a_simulation_gives(n: int, n_cells: int) -> None:
    rng = np.random.default_rng(n + n_cells)
    draws = [rng.multinomial(n, np.full(n_cells, 1 / n_cells)) for _ in range(200)]
    expected = random_scatter(n, n_cells)
    simulated = {"top5_share_random": np.mean([top_share(d, 0.05) for d in draws]),
                 "top10_share_random": np.mean([top_share(d, 0.10) for d in draws]),
                 "gini_random": np.mean([gini(d) for d in draws]),
                 "gini_generalised_random": np.mean([gini_generalised(d) for d in draws])}
    for key, value in simulated.items():
        # the large-N expectation of the histogram: within 0.005 of 200 draws
        assert_allclose(expected[key], value, atol=5e-3, err_msg=key)


def test_random_scatter_hand_cases() -> None:
    one = random_scatter(1, 500)
    assert_allclose(one["top5_share_random"], 1.0)
    assert_allclose(one["gini_random"], 499 / 500)  # one melding: (N - 1) / N
    assert_allclose(one["gini_generalised_random"], 0.0, atol=1e-12)
    assert all(np.isnan(v) for v in random_scatter(0, 100).values())


def test_concentration_reports_the_baseline_beside_each_figure() -> None:
    rng = np.random.default_rng(4)
    clustered = np.zeros(2000)
    np.add.at(clustered, rng.integers(0, 40, 900), 1)  # 900 meldingen in 40 of 2000 cells
    np.add.at(clustered, rng.integers(0, 2000, 300), 1)
    conc = concentration({2023: clustered, 2024: clustered}, PERIODS, clustered > 3)
    year = conc["periods"][2023]
    assert "random scatter" in conc["baseline"] or "evenly" in conc["baseline"]
    for key in ("top5_share", "top10_share", "gini", "gini_generalised"):
        assert year[f"{key}_random"] < year[key], key
    assert_allclose(year["top10_share_random"], random_scatter(1200, 2000)["top10_share_random"])
