"""The Mann–Kendall trend: known answers, exactness under ties, error rates and power."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Period, Periods
from hotspotkaart.stats.change import fdr
from hotspotkaart.stats.trend import (
    AFNEMEND,
    GEEN_TREND,
    TE_WEINIG,
    TOENEMEND,
    TREND_CLASSES,
    MannKendall,
    mann_kendall,
    trend_columns,
)
from tests.helpers.timepatterns import burst_mean, dispersion_index, quarter_counts

TRENDS = (TOENEMEND, AFNEMEND)
QUARTER_DAYS = np.array([90, 91, 92, 92, 91, 91, 92, 92], dtype=float)  # 2023, 2024


def brute_s(x: np.ndarray) -> int:
    return int(sum(np.sign(x[j] - x[i]) for i in range(len(x)) for j in range(i + 1, len(x))))


def brute_p(x: np.ndarray) -> float:
    """``P(|S*| ≥ |S|)`` over every ordering of ``x``: the definition, by enumeration."""
    observed = abs(brute_s(x))
    hits = [abs(brute_s(np.asarray(perm))) >= observed for perm in itertools.permutations(x)]
    return float(np.mean(hits))


# -- the statistic and its exact distribution -------------------------------------------------


def test_classes_in_legend_order() -> None:
    assert TREND_CLASSES == ("toenemend", "afnemend", "geen trend", "te weinig meldingen")


def test_s_equals_a_double_loop_and_kendalls_tau() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(rng.uniform(0.2, 6, (300, 1)), (300, 8))
    result = mann_kendall(counts)
    assert isinstance(result, MannKendall)
    assert_array_equal(result.s, [brute_s(row) for row in counts])
    time = np.arange(8)
    for row, s in zip(counts[:60], result.s[:60], strict=True):
        if np.ptp(row) == 0:
            continue
        _, tie_counts = np.unique(row, return_counts=True)
        n0 = 28
        n2 = int((tie_counts * (tie_counts - 1) // 2).sum())
        tau_b = stats.kendalltau(time, row).statistic
        assert_allclose(s, tau_b * math.sqrt(n0 * (n0 - n2)), atol=1e-9)


@pytest.mark.parametrize("n", [4, 5, 6, 7, 8, 9])
def test_exact_p_without_ties_equals_scipy_exact(n: int) -> None:
    rng = np.random.default_rng(n)
    rows = np.array([rng.permutation(n) for _ in range(25)])
    result = mann_kendall(rows * 3 + 1)
    assert result.exact
    time = np.arange(n)
    expected = [stats.kendalltau(time, row, method="exact").pvalue for row in rows]
    assert_allclose(result.p, expected, rtol=1e-10)


@pytest.mark.parametrize("row", [
    [0, 0, 0, 1, 0, 2, 0, 0],
    [0, 1, 0, 1, 2, 1, 3, 2],
    [5, 5, 5, 5, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 4],
    [1, 2, 2, 3, 3, 3, 4, 4],
    [2, 0, 1, 0, 3, 0, 1],
])
def test_exact_p_with_ties_equals_enumeration(row: list[int]) -> None:
    result = mann_kendall([row])
    assert_allclose(result.p, [brute_p(np.asarray(row))], rtol=1e-12)


def test_ties_make_the_normal_approximation_wrong_but_not_the_exact_p() -> None:
    # one melding in the last of 8 quarters: S = 7, and 2 of the 8 places reach |S| = 7
    result = mann_kendall([[0, 0, 0, 0, 0, 0, 0, 1]])
    assert result.s.tolist() == [7]
    assert_allclose(result.p, [2 / 8])
    normal = 2 * stats.norm.sf((7 - 1) / math.sqrt((8 * 7 * 21 - 7 * 6 * 19) / 18))
    assert normal < 0.8 * result.p[0]       # the approximation claims more than there is


def test_equal_values_are_never_a_trend() -> None:
    result = mann_kendall([[0] * 8, [4] * 8])
    assert_array_equal(result.s, [0, 0])
    assert_array_equal(result.p, [1.0, 1.0])


def test_three_steps_cannot_be_significant() -> None:
    rows = np.array(list(itertools.product(range(3), repeat=3)))
    assert mann_kendall(rows).p.min() >= 1 / 3 - 1e-12


def test_long_series_use_the_tie_corrected_normal_approximation() -> None:
    rows = np.array([[0, 1, 0, 2, 2, 3, 1, 4, 5, 3, 6, 6], list(range(12))])
    result = mann_kendall(rows)
    assert not result.exact
    n = 12
    expected = []
    for row, s in zip(rows, result.s, strict=True):
        _, t = np.unique(row, return_counts=True)
        var = (n * (n - 1) * (2 * n + 5) - (t * (t - 1) * (2 * t + 5)).sum()) / 18
        expected.append(2 * stats.norm.sf((abs(s) - 1) / math.sqrt(var)))
        assert s == brute_s(row)
    assert_allclose(result.p, expected, rtol=1e-10)


# -- exposure ---------------------------------------------------------------------------------


def test_a_step_without_exposure_is_left_out() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(4, (50, 8))
    exposure = np.array([90, 91, 0, 92, 91, 91, 92, 92], dtype=float)
    with_gap = mann_kendall(counts, exposure)
    without = mann_kendall(np.delete(counts, 2, axis=1), np.delete(exposure, 2))
    assert with_gap.n_steps == 7
    assert_array_equal(with_gap.s, without.s)
    assert_allclose(with_gap.p, without.p)


def test_a_half_covered_quarter_is_not_a_decline() -> None:
    flat = [[20, 20, 20, 20, 20, 20, 20, 10]]
    assert mann_kendall(flat).s.tolist() == [-7]
    halved = mann_kendall(flat, [91, 91, 91, 91, 91, 91, 91, 45.5])
    assert halved.s.tolist() == [0]
    assert_array_equal(halved.p, [1.0])
    exposure = QUARTER_DAYS.copy()
    exposure[-1] /= 2

    rng = np.random.default_rng(4)
    means = np.tile(20 * exposure / QUARTER_DAYS.mean(), (2000, 1))
    counts = quarter_counts(rng, means)
    rates = trend_columns(counts, exposure, min_count=10, fdr_q=0.05)
    raw = trend_columns(counts, min_count=10, fdr_q=0.05)
    assert rates["trend_class"].isin(TRENDS).mean() <= 0.01
    assert abs(rates["trend_s"].mean()) < 1.0
    assert raw["trend_s"].mean() < -5.0     # counting the cut quarter in full drags S down
    assert (rates["trend_p"] <= 0.05).mean() <= 0.06


# -- error rates and power --------------------------------------------------------------------


@pytest.mark.parametrize(("burst_share", "phi"), [
    (0.0, 1.0), (0.1, 1.0), (0.1, burst_mean()), (0.1, dispersion_index(0.1)),
    (0.3, dispersion_index(0.3)),
])
def test_no_trend_gives_no_trend_classes(burst_share: float, phi: float) -> None:
    for seed in range(3):
        rng = np.random.default_rng(seed)
        means = np.repeat(rng.uniform(0.3, 20, (2000, 1)), 8, axis=1)
        counts = quarter_counts(rng, means, burst_share=burst_share)
        table = trend_columns(counts, QUARTER_DAYS, min_count=10, fdr_q=0.05, dispersion=phi)
        assert table["trend_class"].isin(TRENDS).mean() <= 0.01, seed
        tested = table["trend_p"].notna()
        assert (table.loc[tested, "trend_p"] <= 0.05).mean() <= 0.05, seed   # exact: ≤ α


def test_repeat_reports_use_the_effective_counts() -> None:
    rng = np.random.default_rng(5)
    counts = quarter_counts(rng, np.full((200, 8), 6.0), burst_share=0.2)
    table = trend_columns(counts, min_count=10, fdr_q=0.05, dispersion=3.5)
    direct = mann_kendall(np.rint(counts / 3.5).astype(int))
    assert_array_equal(table["trend_s"], direct.s)
    tested = table["trend_p"].notna().to_numpy()
    assert_allclose(table["trend_p"][tested], direct.p[tested])


def _doubling(rng: np.random.Generator, n: int, mean: float, factor: float) -> np.ndarray:
    shape = 1 + (factor - 1) * np.arange(8) / 7
    return quarter_counts(rng, np.tile(mean * shape / shape.mean(), (n, 1)))


def test_a_steady_increase_is_found() -> None:
    rng = np.random.default_rng(6)
    # 20 a quarter on average, doubling over the 8 quarters: about half reach p <= 0.05
    modest = trend_columns(_doubling(rng, 1000, 20, 2), min_count=10, fdr_q=0.05)
    assert (modest["trend_p"] <= 0.05).mean() >= 0.4
    assert (modest["trend_class"] == TOENEMEND).mean() >= 0.1
    assert (modest["trend_class"] == AFNEMEND).sum() == 0
    # tripling at 20 a quarter, or doubling at 50: most units
    for mean, factor in ((20, 3), (50, 2)):
        strong = trend_columns(_doubling(rng, 1000, mean, factor), min_count=10, fdr_q=0.05)
        assert (strong["trend_class"] == TOENEMEND).mean() >= 0.7, (mean, factor)


def test_a_decline_among_many_flat_units() -> None:
    rng = np.random.default_rng(7)
    falling = _doubling(rng, 200, 100, 3)[:, ::-1]
    flat = quarter_counts(rng, np.full((2000, 8), 100.0))
    table = trend_columns(np.vstack([falling, flat]), min_count=10, fdr_q=0.05)
    assert (table["trend_class"][:200] == AFNEMEND).mean() >= 0.8
    assert table["trend_class"][200:].isin(TRENDS).mean() <= 0.01


def test_a_seasonal_pattern_repeating_in_both_years_is_no_trend() -> None:
    season = np.array([10, 20, 30, 15])
    both = np.tile(season, 2)
    # the pairs across the years cancel: S is twice the S within one year
    assert mann_kendall([both]).s.tolist() == [2 * brute_s(season)] == [4]
    assert mann_kendall([both]).p[0] > 0.5
    rng = np.random.default_rng(8)
    counts = quarter_counts(rng, np.tile(both, (2000, 1)).astype(float))
    table = trend_columns(counts, QUARTER_DAYS, min_count=10, fdr_q=0.05)
    assert table["trend_class"].isin(TRENDS).mean() <= 0.01


def test_twelve_quarters_of_a_three_year_trend() -> None:
    # trend = [2022, 2023, 2024]: 12 steps, beyond the exact enumeration; the tie-corrected
    # normal approximation keeps flat units flat and finds more of a doubling than 8 steps do
    days = np.array([(last - first).days + 1 for _key, first, last
                     in Periods(2023, 2024, spans=tuple(
                         Period.of_year(y) for y in (2022, 2023, 2024))).step_bounds()])
    assert len(days) == 12
    rng = np.random.default_rng(12)
    flat = trend_columns(quarter_counts(rng, np.full((2000, 12), 20.0)), days, min_count=10,
                         fdr_q=0.05)
    assert flat["trend_class"].isin(TRENDS).mean() <= 0.01
    shape = 1 + np.arange(12) / 11  # 20 a quarter on average, doubling over the three years
    growing = quarter_counts(rng, np.tile(20 * shape / shape.mean(), (1000, 1)))
    found = trend_columns(growing, days, min_count=10, fdr_q=0.05)["trend_class"]
    assert (found == TOENEMEND).mean() >= 0.5
    assert (found == AFNEMEND).sum() == 0


# -- units, classes and the FDR family --------------------------------------------------------


def test_min_count_leaves_units_out_of_the_family() -> None:
    rng = np.random.default_rng(9)
    counts = np.vstack([_doubling(rng, 30, 40, 3), rng.poisson(0.5, (40, 8))])
    table = trend_columns(counts, min_count=10, fdr_q=0.05)
    small = counts.sum(axis=1) < 10
    assert small.any()
    assert (table["trend_class"][small] == TE_WEINIG).all()
    assert table.loc[small, ["trend_p", "trend_q"]].isna().all().all()
    assert not (table["trend_class"][~small] == TE_WEINIG).any()
    p = mann_kendall(counts).p
    assert_allclose(table["trend_q"][~small], fdr(p[~small]))
    assert list(table.columns) == ["trend_s", "trend_p", "trend_q", "trend_class"]
    assert len(table) == len(counts)


def test_effective_counts_all_zero_are_too_few() -> None:
    table = trend_columns([[1, 1, 2, 1, 1, 2, 1, 1]], min_count=5, fdr_q=0.05, dispersion=5.0)
    assert table["trend_class"].tolist() == [TE_WEINIG]


def test_classes_follow_q_and_the_sign_of_s() -> None:
    counts = np.array([[1, 2, 4, 8, 16, 32, 64, 128], [128, 64, 32, 16, 8, 4, 2, 1],
                       [5, 6, 5, 6, 5, 6, 5, 6]] * 10)
    table = trend_columns(counts, min_count=10, fdr_q=0.05)
    assert table["trend_class"][:3].tolist() == [TOENEMEND, AFNEMEND, GEEN_TREND]
    assert (table["trend_q"][:2] <= 0.05).all()


def test_empty_input() -> None:
    table = trend_columns(np.zeros((0, 8), dtype=int), min_count=10, fdr_q=0.05)
    assert len(table) == 0
    assert list(table.columns) == ["trend_s", "trend_p", "trend_q", "trend_class"]


# -- refused input ----------------------------------------------------------------------------


def test_fewer_than_three_steps_are_refused() -> None:
    with pytest.raises(InputError, match="at least 3 time steps"):
        mann_kendall([[1, 2], [3, 4]])
    with pytest.raises(InputError, match=r"only 2 of the 8 steps are usable"):
        trend_columns(np.ones((3, 8), dtype=int), [0, 0, 0, 0, 0, 0, 90, 91], min_count=1,
                      fdr_q=0.05)


@pytest.mark.parametrize(("counts", "exposure", "match"), [
    ([1, 2, 3, 4], None, r"counts has shape \(4,\): it must be a 2-D array"),
    ([[1, -2, 3, 4]], None, "must not be negative"),
    ([[1, 2.5, 3, 4]], None, "whole numbers"),
    ([[1, np.nan, 3, 4]], None, "whole numbers"),
    ([[1, 2, 3, 4]], [90, 91, 92], r"exposure has shape \(3,\) but counts has 4 time steps"),
    ([[1, 2, 3, 4]], [90, -1, 92, 92], "finite numbers of days of at least 0"),
    ([[1, 2, 3, 4]], [90, np.inf, 92, 92], "finite numbers of days"),
])
def test_bad_arrays_are_refused(counts: list, exposure: list | None, match: str) -> None:
    with pytest.raises(InputError, match=match):
        mann_kendall(counts, exposure)


@pytest.mark.parametrize(("settings", "match"), [
    ({"min_count": -1, "fdr_q": 0.05}, "min_count = -1 must be a whole number"),
    ({"min_count": 2.5, "fdr_q": 0.05}, "min_count = 2.5 must be a whole number"),
    ({"min_count": 10, "fdr_q": 0.0}, r"fdr_q = 0.0 must lie strictly between 0 and 1"),
    ({"min_count": 10, "fdr_q": 1.5}, "fdr_q = 1.5"),
    ({"min_count": 10, "fdr_q": 0.05, "dispersion": 0.5}, "dispersion = 0.5 must be"),
    ({"min_count": 10, "fdr_q": 0.05, "dispersion": np.nan}, "dispersion = nan"),
])
def test_bad_settings_are_refused(settings: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        trend_columns(np.ones((2, 8), dtype=int), **settings)
