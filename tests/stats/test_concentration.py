"""Tests of hotspotkaart.stats.concentration: top shares, Gini, PAI and the random baseline."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.concentration import (
    concentration,
    gini,
    gini_generalised,
    pai,
    random_gini,
    random_gini_generalised,
    random_scatter,
    random_top_share,
    random_top_share_bound,
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


# -- the random-scatter baseline ---------------------------------------------------------------

FIGURES = {
    "top5_share_random": lambda d: top_share(d, 0.05),
    "top10_share_random": lambda d: top_share(d, 0.10),
    "gini_random": gini,
    "gini_generalised_random": gini_generalised,
}


@pytest.mark.parametrize(("n", "n_cells"), [
    (3000, 10_000),   # n << N, sparse
    (200, 10_274),    # very sparse: every melding alone in its cell
    (10_000, 10_000),  # n = N
    (50_000, 1000),   # n >> N
])
def test_random_scatter_is_what_a_simulation_gives(n: int, n_cells: int) -> None:
    rng = np.random.default_rng(20_240 + n + n_cells)
    draws = rng.multinomial(n, np.full(n_cells, 1 / n_cells), size=200)
    expected = random_scatter(n, n_cells)
    for key, figure in FIGURES.items():
        sample = np.array([figure(d) for d in draws])
        standard_error = sample.std(ddof=1) / math.sqrt(len(sample))
        # The Gini figures are exact expectations, so only the Monte-Carlo error remains: four
        # standard errors leave a false alarm once in ~16 000 comparisons. The top shares are the
        # large-N expectation, above the exact one by at most random_top_share_bound.
        bias = 0.0
        if key.startswith("top"):
            bias = random_top_share_bound(n, n_cells, 0.05 if key.startswith("top5") else 0.10)
        tolerance = 4 * standard_error + bias + 1e-12
        assert tolerance < 2e-3 * max(1, n_cells / n), key  # the comparison is not vacuous
        assert_allclose(expected[key], sample.mean(), rtol=0, atol=tolerance, err_msg=key)


@pytest.mark.parametrize(("n", "n_cells", "fraction"), [
    (110, 1000, 0.10), (55, 1000, 0.05), (550, 5000, 0.10), (10_000, 1000, 0.05),
])
def test_random_top_share_is_close_where_its_bound_is_loose(n: int, n_cells: int,
                                                            fraction: float) -> None:
    # Where the cut falls on a count level the rigorous bound is loose (0.04 for 55 over 1 000);
    # the docstring promises a gap under 1e-3 from 1 000 cells on, seen in simulation.
    rng = np.random.default_rng(7 * n + n_cells)
    k = math.ceil(fraction * n_cells)
    draws = rng.multinomial(n, np.full(n_cells, 1 / n_cells), size=4000)
    sample = np.partition(draws, n_cells - k, axis=1)[:, n_cells - k:].sum(axis=1) / n
    standard_error = sample.std(ddof=1) / math.sqrt(len(sample))
    gap = random_top_share(n, n_cells, fraction) - sample.mean()
    assert -4 * standard_error <= gap <= 1e-3 + 4 * standard_error


def multinomial_outcomes(n: int, n_cells: int) -> list[tuple[np.ndarray, float]]:
    """Every allocation of n meldingen over n_cells cells with its multinomial probability."""
    outcomes = []
    for cut in itertools.combinations(range(n + n_cells - 1), n_cells - 1):
        bounds = (-1, *cut, n + n_cells - 1)
        counts = np.diff(bounds) - 1
        ways = math.factorial(n) / math.prod(math.factorial(int(c)) for c in counts)
        outcomes.append((counts, ways / n_cells**n))
    return outcomes


@pytest.mark.parametrize(("n", "n_cells"), [(2, 2), (5, 2), (4, 3), (3, 5), (7, 4), (2, 9)])
def test_random_gini_is_exact_and_top_share_is_bounded(n: int, n_cells: int) -> None:
    outcomes = multinomial_outcomes(n, n_cells)
    assert_allclose(sum(prob for _, prob in outcomes), 1.0)
    exact_gini = sum(prob * gini(c) for c, prob in outcomes)
    exact_generalised = sum(prob * gini_generalised(c) for c, prob in outcomes)
    assert_allclose(random_gini(n, n_cells), exact_gini, rtol=1e-12)
    assert_allclose(random_gini_generalised(n, n_cells), exact_generalised, rtol=1e-12,
                    atol=1e-14)
    for fraction in (0.05, 0.25, 0.5, 1.0):
        exact = sum(prob * top_share(c, fraction) for c, prob in outcomes)
        approx = random_top_share(n, n_cells, fraction)
        bound = random_top_share_bound(n, n_cells, fraction)
        # min(k, E[M_t]) >= E[min(k, M_t)]: never below the exact value, at most `bound` above
        assert exact - 1e-12 <= approx <= exact + bound + 1e-12, fraction


def test_random_scatter_hand_cases() -> None:
    for n_cells in (1, 2, 500, 3_500_000):
        one = random_scatter(1, n_cells)
        for fraction in (0.05, 0.10, 0.5, 1.0):  # one melding is always in the busiest cell
            assert_allclose(random_top_share(1, n_cells, fraction), 1.0)
        assert_allclose(one["top5_share_random"], 1.0)
        assert_allclose(one["gini_random"], (n_cells - 1) / n_cells)  # one melding: (N - 1) / N
        assert_allclose(one["gini_generalised_random"], 0.0, atol=1e-12)
    assert_allclose(random_gini(2, 2), 0.25)  # (2, 0) or (0, 2) with 1/2: Gini 1/2; (1, 1): 0
    assert_allclose(random_top_share(1000, 10, 1.0), 1.0)  # all cells hold all meldingen
    assert_allclose(random_gini(5_000_000, 1), 0.0)
    assert_allclose(random_top_share(5_000_000, 1, 0.05), 1.0)
    assert all(np.isnan(v) for v in random_scatter(0, 100).values())
    assert all(np.isnan(v) for v in random_scatter(10, 0).values())


def test_random_scatter_at_national_scale() -> None:
    n, n_cells = 5_000_000, 3_500_000
    base = random_scatter(n, n_cells)
    assert random_top_share_bound(n, n_cells, 0.05) < 2e-6
    assert random_top_share_bound(n, n_cells, 0.10) < 2e-6
    # n / N = 1.43 meldingen per cell: the top 10 % of cells hold about a quarter of them
    assert 0.2 < base["top10_share_random"] < 0.3
    assert base["top5_share_random"] < base["top10_share_random"]
    # Independent check of the exact Gini: for large N two cells are almost independent
    # Poisson(n / N) counts, and X - Y is Skellam; the two differ by O(1 / N).
    from scipy import stats

    mu = n / n_cells
    diffs = np.arange(-80, 81)
    mean_abs = float((np.abs(diffs) * stats.skellam.pmf(diffs, mu, mu)).sum())
    assert_allclose(base["gini_random"], mean_abs / (2 * mu), rtol=0, atol=1e-5)


@pytest.mark.parametrize(("args", "name"), [
    ((-1, 100, 0.1), "n"), ((2.5, 100, 0.1), "n"), ((10, -3, 0.1), "n_cells"),
    ((10, 100, 0.0), "fraction"), ((10, 100, 1.5), "fraction"),
])
def test_random_baseline_rejects_what_is_not_a_count(args: tuple[float, float, float],
                                                     name: str) -> None:
    with pytest.raises(InputError, match=f"^{name} must"):
        random_top_share(*args)  # type: ignore[arg-type]


def test_concentration_reports_the_baseline_beside_each_figure() -> None:
    rng = np.random.default_rng(4)
    clustered = np.zeros(2000)
    np.add.at(clustered, rng.integers(0, 40, 900), 1)  # 900 meldingen in 40 of 2000 cells
    np.add.at(clustered, rng.integers(0, 2000, 300), 1)
    conc = concentration({2023: clustered, 2024: clustered}, PERIODS, clustered > 3)
    assert "random scatter" in conc["baseline"]
    assert "Chalfin" in conc["baseline"]
    year = conc["periods"][2023]
    for key in ("top5_share", "top10_share", "gini", "gini_generalised"):
        assert f"{key}_random" in year, key
        assert year[f"{key}_random"] < year[key], key
    assert_allclose(year["top10_share_random"], random_scatter(1200, 2000)["top10_share_random"])
    assert_allclose(year["gini_random"], random_gini(1200, 2000))
    assert year["top10_share"] > 0.7 > 0.5 > year["top10_share_random"]
