"""Tests of hotspotkaart.stats.dispersion: the overdispersion factor from the week split."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from hotspotkaart._errors import InputError
from hotspotkaart.engine.counting import half_days
from hotspotkaart.stats.change import change_test
from hotspotkaart.stats.dispersion import MIN_UNITS, choose_dispersion, pearson_dispersion


def test_pearson_dispersion_hand_case() -> None:
    # two units split 8/2 and 5/5 with p = 0.5: X2 = (3^2 / 2.5) + 0 = 3.6, over m = 2 units
    phi, m = pearson_dispersion([8, 5], [10, 10], 0.5, min_count=1)
    assert m == 2
    assert_allclose(phi, 3.6 / 2)
    phi, m = pearson_dispersion([8, 5, 1], [10, 10, 2], 0.5, min_count=5)  # the 2 is left out
    assert m == 2
    assert_allclose(phi, 1.8)


def _split(rng: np.random.Generator, units: int, burst: float) -> tuple[np.ndarray, ...]:
    """Incidents per unit Poisson(20), each reported 1 + Geometric times, all in one half."""
    incidents = rng.poisson(20, units)
    half, total = np.zeros(units, int), np.zeros(units, int)
    for i, n in enumerate(incidents):
        size = rng.geometric(1 / burst, n) if burst > 1 else np.ones(n, int)
        side = rng.random(n) < 0.5
        half[i], total[i] = size[side].sum(), size.sum()
    return half, total, np.full(units, 0.5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_independent_meldingen_give_about_one(seed: int) -> None:
    phi, m = pearson_dispersion(*_split(np.random.default_rng(seed), 400, 1.0), min_count=10)
    assert m > 300
    assert_allclose(phi, 1.0, atol=0.2)


@pytest.mark.parametrize(("burst", "seed"), [(2.0, 4), (3.0, 5)])
def test_bursts_give_the_mean_size_weighted_burst(burst: float, seed: int) -> None:
    # a compound Poisson count has variance E[s^2] / E[s] times its mean; geometric sizes with
    # mean b have E[s^2] / E[s] = 2b - 1
    phi, _ = pearson_dispersion(*_split(np.random.default_rng(seed), 600, burst),
                                min_count=10)
    assert_allclose(phi, 2 * burst - 1, rtol=0.2)


def test_choose_dispersion_estimates_fixes_and_falls_back() -> None:
    rng = np.random.default_rng(6)
    split = _split(rng, 300, 3.0)
    chosen = choose_dispersion("auto", split, min_count=10,
                               categories={"Jeugd": split, "klein": _split(rng, 3, 1.0)})
    assert chosen.source == "estimated"
    assert chosen.applied == chosen.estimated > 2
    assert chosen.for_category("Jeugd") == chosen.applied
    assert chosen.categories["klein"].source == "too few buurten"
    assert chosen.for_category("klein") == chosen.applied  # the overall factor
    assert chosen.for_category("unknown") == chosen.applied
    report = chosen.as_dict()
    assert report["buurt_years"] == chosen.units
    assert "Wedderburn" in report["method"]
    calm = choose_dispersion("auto", _split(rng, 300, 1.0), min_count=10)
    assert calm.applied >= 1.0  # never below 1
    few = choose_dispersion("auto", _split(rng, MIN_UNITS - 1, 3.0), min_count=1)
    assert few.source == "too few buurten"
    assert few.applied == 1.0
    fixed = choose_dispersion(2.5, split, min_count=10, categories={"Jeugd": split})
    assert fixed.applied == 2.5
    assert fixed.source == "fixed"
    assert fixed.for_category("Jeugd") == 2.5


def test_errors() -> None:
    with pytest.raises(InputError, match=r"dispersion = 0\.5 must be 'auto' or a number of at"):
        choose_dispersion(0.5, ([1], [2], [0.5]), min_count=1)
    with pytest.raises(InputError, match="half has 2 units but total has 1"):
        pearson_dispersion([1, 2], [3], 0.5, min_count=1)
    with pytest.raises(InputError, match="half must lie between 0 and total"):
        pearson_dispersion([4], [3], 0.5, min_count=1)
    with pytest.raises(InputError, match=r"dispersion = 0\.9 must be a number of at least 1"):
        change_test([5], [9], 0.5, dispersion=0.9)


def test_the_change_test_uses_effective_counts() -> None:
    plain = change_test([20, 60], [40, 30], 0.5)
    scaled = change_test([20, 60], [40, 30], 0.5, dispersion=2.0)
    assert_allclose(scaled, change_test([10, 30], [20, 15], 0.5))
    assert (scaled > plain).all()


def test_half_days_of_the_week_split() -> None:
    assert half_days(365) == 182  # blocks 1, 3, ..., 51 of 7 days, the 53rd block is half 0
    assert half_days(366) == 182
    assert half_days(14) == 7
