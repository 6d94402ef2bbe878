"""The change block: known answers against scipy and the edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import Periods
from hotspotkaart.stats.change import (
    CHANGE_CLASSES,
    CHANGE_COLOURS,
    DALING,
    GEEN_VERANDERING,
    STIJGING,
    TE_WEINIG,
    binomtest_p,
    change_columns,
    change_test,
    classify_change,
    fdr,
    p0_from_days,
    p0_from_trend,
    pct_change,
    significance_columns,
)

P0_DAYS = 366 / (365 + 366)


# -- the null hypotheses ----------------------------------------------------------------------


@pytest.mark.parametrize(("base", "compare", "expected"), [
    (2023, 2024, 366 / 731), (2024, 2025, 365 / 731), (2022, 2023, 0.5), (1900, 2000, 366 / 731),
])
def test_p0_from_days_weighs_leap_years(base: int, compare: int, expected: float) -> None:
    periods = Periods(base, compare)
    p0 = p0_from_days(periods.days(base), periods.days(compare))
    assert isinstance(p0, float)
    assert p0 == expected


def test_p0_from_days_per_unit_is_nan_without_days() -> None:
    p0 = p0_from_days(np.array([365, 0, 100, 365]), np.array([366, 366, 184, 0]))
    assert_allclose(p0[[0, 2]], [366 / 731, 184 / 284], rtol=0)
    assert np.isnan(p0[[1, 3]]).all()
    assert np.isnan(p0_from_days(0, 366))


@pytest.mark.parametrize(("base", "compare", "expected"), [
    (148, 140, 140 / 288), (1, 1, 0.5), (0, 10, np.nan), (10, 0, np.nan), (0, 0, np.nan),
])
def test_p0_from_trend(base: int, compare: int, expected: float) -> None:
    assert_allclose(p0_from_trend(base, compare), expected, rtol=0)


# -- the test, the adjustment and the classes -------------------------------------------------


@pytest.mark.parametrize(("b", "c", "p0"), [(10, 20, 0.5), (30, 12, P0_DAYS), (0, 5, 0.3),
                                            (100, 131, P0_DAYS), (7, 0, 0.5), (1, 0, 0.2)])
def test_change_test_equals_scipy(b: int, c: int, p0: float) -> None:
    expected = stats.binomtest(c, b + c, p0).pvalue
    assert_allclose(change_test([b], [c], p0), [expected], rtol=1e-12)


def test_change_test_vectorised_and_untested() -> None:
    p = change_test([10, 0, 3, 5], [20, 0, 4, 5], [0.5, 0.5, 0.4, np.nan], min_total=8)
    assert_allclose(p[0], stats.binomtest(20, 30, 0.5).pvalue, rtol=1e-12)
    assert np.isnan(p[1])  # no meldingen: never tested, whatever min_total
    assert np.isnan(p[2])  # below min_total
    assert np.isnan(p[3])  # no null hypothesis (e.g. a zone without valid days)
    assert np.isnan(change_test([0, 0], [0, 0], 0.5, min_total=0)).all()


def test_change_test_at_exactly_min_total_is_tested() -> None:
    p = change_test([4, 4], [6, 5], P0_DAYS, min_total=10)
    assert_allclose(p[0], stats.binomtest(6, 10, P0_DAYS).pvalue, rtol=1e-12)
    assert np.isnan(p[1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"base_counts": [-1], "compare_counts": [2], "p0": 0.5}, "must not be negative"),
        ({"base_counts": [1.5], "compare_counts": [2], "p0": 0.5}, "whole numbers"),
        ({"base_counts": [1, 2], "compare_counts": [2], "p0": 0.5}, "shape"),
        ({"base_counts": [1, 2], "compare_counts": [2, 3], "p0": [0.5, 0.5, 0.5]}, "shape"),
        ({"base_counts": [1], "compare_counts": [2], "p0": 1.0}, "strictly between 0 and 1"),
        ({"base_counts": [1], "compare_counts": [2], "p0": 0.0}, "strictly between 0 and 1"),
    ],
)
def test_change_test_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        change_test(**kwargs)  # type: ignore[arg-type]


def test_fdr_equals_scipy_and_keeps_nan() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.5, 0.001])
    q = fdr(p)
    finite = np.isfinite(p)
    assert_allclose(q[finite], stats.false_discovery_control(p[finite], method="bh"),
                    rtol=1e-12)
    assert np.isnan(q[~finite]).all()
    assert np.isnan(fdr([np.nan, np.nan])).all()
    assert fdr([]).shape == (0,)


def test_fdr_rejects_bad_p() -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        fdr([0.2, 1.5])


def test_classify_change_labels() -> None:
    classes = classify_change([10, 40, 20, 3, 0], [40, 10, 21, 4, 0],
                              [0.001, 0.001, 0.9, np.nan, np.nan], 0.5, min_count=10,
                              fdr_q=0.05)
    assert classes.tolist() == [STIJGING, DALING, GEEN_VERANDERING, TE_WEINIG, TE_WEINIG]
    assert set(CHANGE_CLASSES) == {STIJGING, DALING, GEEN_VERANDERING, TE_WEINIG}
    assert set(CHANGE_COLOURS) == set(CHANGE_CLASSES)


def test_classify_change_zero_counts_are_te_weinig_even_with_min_count_zero() -> None:
    classes = classify_change([0, 5], [0, 5], [np.nan, 1.0], 0.5, min_count=0, fdr_q=0.05)
    assert classes.tolist() == [TE_WEINIG, GEEN_VERANDERING]


# -- the columns ------------------------------------------------------------------------------


def test_pct_change_is_nan_below_min_count() -> None:
    out = pct_change([0, 4, 5, 20], [3, 8, 10, 15], min_count=5)
    assert np.isnan(out[:2]).all()
    assert_allclose(out[2:], [100.0, -25.0], rtol=0)
    assert_allclose(pct_change([0, 2], [1, 1], min_count=0), [np.nan, -50.0], rtol=0)


def test_significance_columns_are_the_test_fdr_and_classes() -> None:
    b, c = np.array([30, 30, 3, 80, 5, 0]), np.array([72, 28, 4, 30, 6, 0])
    cols = significance_columns(b, c, P0_DAYS, min_count=10, fdr_q=0.05, suffix="_x")
    assert list(cols) == ["p_value_x", "q_value_x", "change_class_x"]
    tested = (b + c) >= 10
    expected_p = [stats.binomtest(int(ci), int(bi + ci), P0_DAYS).pvalue
                  for bi, ci in zip(b[tested], c[tested], strict=True)]
    assert_allclose(cols["p_value_x"][tested], expected_p, rtol=1e-12)
    assert_allclose(cols["q_value_x"][tested],
                    stats.false_discovery_control(expected_p, method="bh"), rtol=1e-12)
    assert np.isnan(cols["p_value_x"][~tested]).all()
    assert np.isnan(cols["q_value_x"][~tested]).all()
    assert cols["change_class_x"].tolist() == [
        STIJGING, GEEN_VERANDERING, TE_WEINIG, DALING, GEEN_VERANDERING, TE_WEINIG,
    ]


def test_change_columns_order_and_families() -> None:
    b, c = np.array([30, 30, 3, 80]), np.array([72, 28, 4, 30])
    p0_trend = p0_from_trend(int(b.sum()), int(c.sum()))
    cols = change_columns(b, c, {"": P0_DAYS, "_trend": p0_trend}, min_count=10, fdr_q=0.05)
    assert list(cols) == ["diff", "pct_change", "p_value", "q_value", "change_class",
                          "p_value_trend", "q_value_trend", "change_class_trend"]
    assert_array_equal(cols["diff"], c - b)
    assert cols["diff"].dtype == np.int64
    assert_allclose(cols["pct_change"], [140.0, -100 * 2 / 30, np.nan, -62.5], rtol=1e-12)
    for suffix, p0 in (("", P0_DAYS), ("_trend", p0_trend)):
        alone = significance_columns(b, c, p0, min_count=10, fdr_q=0.05, suffix=suffix)
        for name, values in alone.items():
            assert_array_equal(cols[name], values)


def test_change_columns_below_min_count_and_empty() -> None:
    cols = change_columns([2, 0], [3, 0], {"": P0_DAYS}, min_count=10, fdr_q=0.05)
    assert np.isnan(cols["p_value"]).all()
    assert np.isnan(cols["q_value"]).all()
    assert cols["change_class"].tolist() == [TE_WEINIG, TE_WEINIG]
    empty = change_columns(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                           {"": P0_DAYS}, min_count=10, fdr_q=0.05)
    assert all(len(values) == 0 for values in empty.values())


def test_inputs_not_mutated() -> None:
    b, c = np.array([30, 30]), np.array([72, 28])
    b_before, c_before = b.copy(), c.copy()
    change_columns(b, c, {"": P0_DAYS}, min_count=10, fdr_q=0.05)
    assert_array_equal(b, b_before)
    assert_array_equal(c, c_before)


def test_binomtest_p_equals_scipy_bit_for_bit() -> None:
    """The vectorised two-sided test is scipy's binomtest, on both sides of the mode and at it."""
    rng = np.random.default_rng(7)
    n = np.concatenate([rng.integers(1, 40, 300), rng.integers(1, 2000, 300), [1, 2, 731, 731]])
    p = np.concatenate([np.full(300, P0_DAYS), rng.uniform(0.05, 0.95, 300),
                        [0.5, 0.5, 0.5, P0_DAYS]])
    k = np.array([rng.integers(0, m + 1) for m in n])
    k[-2:] = [365, 366]  # 731 × 0.5 is no whole number; k next to the mode on either side
    expected = [stats.binomtest(int(a), int(b), float(c)).pvalue for a, b, c in zip(k, n, p,
                                                                                  strict=True)]
    np.testing.assert_array_equal(binomtest_p(k, n, p), expected)


def test_binomtest_p_of_no_tests_is_empty() -> None:
    assert binomtest_p([], [], []).shape == (0,)
