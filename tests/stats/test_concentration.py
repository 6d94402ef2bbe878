"""Tests of hotspotkaart.stats.concentration: top shares, Gini and the PAI."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.concentration import concentration, gini, gini_generalised, pai, top_share

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
