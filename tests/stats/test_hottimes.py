"""Hot times and profile changes: known answers, error rates and power on generated weeks."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from hotspotkaart._errors import InputError
from hotspotkaart.stats.change import fdr
from hotspotkaart.stats.hottimes import POOLINGS, WEEKDAYS, hot_times, profile_change
from tests.helpers.timepatterns import (
    dispersion_index,
    week_counts,
    week_profile,
    year_occurrences,
)

FRIDAY, SATURDAY = 4, 5   # array positions (0 = maandag)


def planted(day: int, hours: slice, factor: float = 3.0) -> np.ndarray:
    profile = np.ones((7, 24))
    profile[day, hours] = factor
    return profile / profile.sum()


FRIDAY_NIGHT = planted(FRIDAY, slice(21, 24))
SATURDAY_AFTERNOON = planted(SATURDAY, slice(12, 15))


# -- hot times: the table and the test ---------------------------------------------------------


def test_one_row_per_area_and_block_in_week_order() -> None:
    counts = np.arange(2 * 7 * 24).reshape(2, 7, 24) % 5
    table = hot_times(counts, min_count=10, fdr_q=0.05)
    assert list(table.columns) == ["area", "weekday", "hour_from", "hour_to", "count",
                                   "expected", "p", "q", "hot"]
    assert len(table) == 2 * 56
    assert_array_equal(table["area"], np.repeat([0, 1], 56))
    assert_array_equal(table["weekday"][:56], np.repeat(np.arange(1, 8), 8))
    assert_array_equal(table["hour_from"][:8], [0, 3, 6, 9, 12, 15, 18, 21])
    assert_array_equal(table["hour_to"][:8], [3, 6, 9, 12, 15, 18, 21, 24])
    first = table.iloc[8 * 4 + 7]      # area 0, vrijdag, 21-24
    assert (first["weekday"], first["hour_from"]) == (5, 21)
    assert first["count"] == counts[0, 4, 21:24].sum()
    assert_allclose(table.groupby("area")["count"].sum(), counts.sum(axis=(1, 2)))
    assert_allclose(table.groupby("area")["expected"].sum(), counts.sum(axis=(1, 2)))
    assert len(WEEKDAYS) == 7
    assert WEEKDAYS[0] == "maandag"


@pytest.mark.parametrize("phi", [1.0, 2.5])
def test_p_is_scipys_one_sided_binomial_test_on_effective_counts(phi: float) -> None:
    rng = np.random.default_rng(0)
    counts = week_counts(rng, [80, 400], FRIDAY_NIGHT)
    table = hot_times(counts, min_count=10, fdr_q=0.05, dispersion=phi)
    for row in table.sample(30, random_state=1).itertuples():
        total = counts[row.area].sum()
        k = round(row.count / phi)
        n = k + round((total - row.count) / phi)
        expected = stats.binomtest(k, n, 1 / 56, alternative="greater").pvalue
        assert_allclose(row.p, expected, rtol=1e-9)
    assert_allclose(table["q"], fdr(table["p"]))     # one family over all areas and blocks


def test_weekday_occurrences_set_the_expected_share() -> None:
    occurrences = np.array([53, 52, 52, 52, 52, 52, 52], dtype=float)
    counts = np.full((1, 7, 24), 2)
    counts[0, 0, :3] = 5            # Monday 0-3: 15 meldingen, a little more than elsewhere
    even = hot_times(counts, min_count=10, fdr_q=0.05)
    weighed = hot_times(counts, weekday_occurrences=occurrences, min_count=10, fdr_q=0.05)
    total = counts.sum()
    assert_allclose(weighed["expected"][0], total * 53 / 365 / 8)
    assert_allclose(weighed["expected"][8], total * 52 / 365 / 8)
    assert_allclose(even["expected"][0], total / 56)
    assert weighed["p"][0] > even["p"][0]         # more Mondays explain part of the excess
    assert_allclose(weighed["p"][0], stats.binomtest(15, total, 53 / 365 / 8,
                                                     alternative="greater").pvalue)


def test_small_areas_are_not_tested_and_not_in_the_family() -> None:
    rng = np.random.default_rng(1)
    counts = week_counts(rng, [5, 600, 9, 300], FRIDAY_NIGHT)
    table = hot_times(counts, min_count=10, fdr_q=0.05)
    small = table["area"].isin([0, 2])
    assert table.loc[small, ["p", "q"]].isna().all().all()
    assert not table.loc[small, "hot"].any()
    assert_allclose(table.loc[~small, "q"], fdr(table.loc[~small, "p"]))


def test_a_hot_block_needs_more_than_expected() -> None:
    counts = np.zeros((1, 7, 24), dtype=int)
    counts[0, 2, 9:12] = 60
    table = hot_times(counts, min_count=10, fdr_q=0.05)
    assert table["hot"].sum() == 1
    hot = table[table["hot"]].iloc[0]
    assert (hot["weekday"], hot["hour_from"], hot["hour_to"]) == (3, 9, 12)
    assert table.loc[~table["hot"], "p"].eq(1.0).all()   # empty blocks: P(X >= 0) = 1


# -- hot times: error rate and power ------------------------------------------------------------


@pytest.mark.parametrize("burst_share", [0.0, 0.02, 0.05])
def test_an_even_week_has_hardly_any_hot_blocks(burst_share: float) -> None:
    phi = dispersion_index(burst_share)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        counts = week_counts(rng, rng.integers(5, 501, 300), week_profile(),
                             burst_share=burst_share)
        table = hot_times(counts, min_count=10, fdr_q=0.05, dispersion=phi)
        rate = table["hot"].mean()
        assert rate <= 0.005, (seed, rate)
        if burst_share == 0:
            assert rate == 0.0
        tested = table["p"].notna()
        assert (table.loc[tested, "p"] <= 0.05).mean() <= 0.05


def test_a_friday_night_peak_is_found() -> None:
    rng = np.random.default_rng(2)
    peaked = week_counts(rng, rng.integers(300, 801, 200), FRIDAY_NIGHT)
    even = week_counts(rng, rng.integers(5, 501, 300), week_profile())
    table = hot_times(np.vstack([peaked, even]), min_count=10, fdr_q=0.05)
    friday = (table["weekday"] == 5) & (table["hour_from"] == 21)
    in_peaked = table["area"] < 200
    assert table.loc[friday & in_peaked, "hot"].mean() >= 0.75
    false = table.loc[~friday, "hot"].sum()
    assert false <= 0.05 * table["hot"].sum()          # the false discovery proportion
    assert table.loc[~in_peaked, "hot"].mean() <= 0.001


def test_weekday_occurrences_remove_a_false_monday() -> None:
    # a huge area in 2024 (53 Mondays and Tuesdays): every hour of the year equally busy
    occurrences = year_occurrences(2024)
    assert occurrences.tolist() == [53, 53, 52, 52, 52, 52, 52]
    counts = np.rint(2_000_000 * week_profile(occurrences))[None].astype(int)
    even = hot_times(counts, min_count=10, fdr_q=0.05)
    weighed = hot_times(counts, weekday_occurrences=occurrences, min_count=10, fdr_q=0.05)
    early = even["weekday"].isin([1, 2])
    assert even.loc[early, "hot"].all()
    assert not even.loc[~early, "hot"].any()
    assert not weighed["hot"].any()
    assert weighed["p"].min() > 0.3


# -- profile change -----------------------------------------------------------------------------


def test_statistic_is_pearsons_homogeneity_x2_over_phi() -> None:
    rng = np.random.default_rng(3)
    base = week_counts(rng, [900, 1500], FRIDAY_NIGHT)
    compare = week_counts(rng, [1000, 1400], SATURDAY_AFTERNOON)
    for phi in (1.0, 2.0):
        table = profile_change(base, compare, min_count=10, fdr_q=0.05, dispersion=phi)
        name, groups = POOLINGS[0]
        assert (table["pooling"] == name).all()
        for area in range(2):
            pooled = []
            for counts in (base[area], compare[area]):
                parts = counts.reshape(7, 4, 6).sum(axis=2)
                pooled.append([parts[np.asarray(groups) == g].sum(axis=0)
                               for g in range(max(groups) + 1)])
            contingency = np.asarray(pooled).reshape(2, -1)
            chi2 = stats.chi2_contingency(contingency, correction=False)
            assert_allclose(table["statistic"][area], chi2.statistic / phi, rtol=1e-9)
            assert table["df"][area] == chi2.dof == 15
            assert_allclose(table["p"][area], stats.chi2.sf(chi2.statistic / phi, 15),
                            rtol=1e-9)
        assert_allclose(table["q"], fdr(table["p"]))


def test_blocks_empty_in_both_periods_are_left_out() -> None:
    base = np.zeros((1, 7, 24), dtype=int)
    compare = np.zeros((1, 7, 24), dtype=int)
    base[0, :, 18:24], compare[0, :, 18:24] = 40, 40        # evenings only
    table = profile_change(base, compare, min_count=10, fdr_q=0.05)
    assert table["df"][0] == 3                               # 4 day groups × 1 day part − 1
    assert_allclose(table["statistic"], [0.0], atol=1e-9)
    assert_allclose(table["p"], [1.0])


def test_an_even_week_does_not_change() -> None:
    for burst_share in (0.0, 0.02, 0.05):
        phi = dispersion_index(burst_share)
        for seed in range(3):
            rng = np.random.default_rng(seed)
            totals = rng.integers(5, 501, 300)
            base, compare = (week_counts(rng, totals, week_profile(), burst_share=burst_share)
                             for _ in range(2))
            table = profile_change(base, compare, min_count=10, fdr_q=0.05, dispersion=phi)
            assert table["changed"].mean() <= 0.01, (burst_share, seed)
            tested = table["p"].notna()
            assert tested.mean() >= 0.7
            assert (table.loc[tested, "p"] <= 0.05).mean() <= 0.08


def test_a_shift_from_friday_night_to_saturday_afternoon_is_found() -> None:
    rng = np.random.default_rng(4)
    totals = np.concatenate([rng.integers(800, 1501, 100), rng.integers(300, 801, 100)])
    base = week_counts(rng, totals, FRIDAY_NIGHT)
    compare = week_counts(rng, totals, SATURDAY_AFTERNOON)
    table = profile_change(base, compare, min_count=10, fdr_q=0.05)
    assert table["changed"][:100].mean() >= 0.8
    assert table["changed"][100:].mean() >= 0.3
    same = profile_change(base, week_counts(rng, totals, FRIDAY_NIGHT), min_count=10,
                          fdr_q=0.05)
    assert same["changed"].mean() <= 0.02


def test_different_weekday_occurrences_are_no_change() -> None:
    # one hourly rate in 2023 (53 Sundays) and 2024 (53 Mondays and Tuesdays), huge counts
    rate = 60_000
    base = np.rint(rate * 365 / 364 * week_profile(year_occurrences(2023)))[None].astype(int)
    compare = np.rint(rate * 366 / 364 * week_profile(year_occurrences(2024)))[None]
    plain = profile_change(base, compare.astype(int), min_count=10, fdr_q=0.05)
    weighed = profile_change(base, compare.astype(int), min_count=10, fdr_q=0.05,
                             base_occurrences=year_occurrences(2023),
                             compare_occurrences=year_occurrences(2024))
    assert weighed["statistic"][0] < 1.0
    assert plain["statistic"][0] > 10 * weighed["statistic"][0]


def test_small_areas_fall_back_to_coarser_poolings_or_are_not_tested() -> None:
    rng = np.random.default_rng(5)
    totals = np.array([2000, 120, 40, 8, 15])
    base = week_counts(rng, totals, week_profile())
    compare = week_counts(rng, totals, week_profile())
    base[4] = 0
    table = profile_change(base, compare, min_count=10, fdr_q=0.05)
    names = [name for name, _ in POOLINGS]
    assert table["pooling"][0] == names[0]
    assert table["pooling"][1] in names[1:]
    assert table["pooling"][2] in {*names[1:], None}
    untested = table["pooling"].isna()
    assert untested[3]
    assert untested[4]
    assert table.loc[untested, ["statistic", "p", "q"]].isna().all().all()
    assert (table.loc[untested, "df"] == 0).all()
    assert not table.loc[untested, "changed"].any()


# -- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize(("counts", "match"), [
    (np.zeros((7, 24)), r"counts has shape \(7, 24\): it must have shape \(n_areas, 7, 24\)"),
    (np.zeros((2, 7, 23)), r"counts has shape \(2, 7, 23\)"),
    (np.zeros((2, 24, 7)), r"counts has shape \(2, 24, 7\)"),
    (np.full((1, 7, 24), -1), "counts must not be negative"),
    (np.full((1, 7, 24), 0.5), "counts must hold whole numbers"),
])
def test_hot_times_refuses_bad_counts(counts: np.ndarray, match: str) -> None:
    with pytest.raises(InputError, match=match):
        hot_times(counts, min_count=10, fdr_q=0.05)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"weekday_occurrences": [52] * 6}, r"weekday_occurrences = \[52, 52, 52, 52, 52, 52\]"),
    ({"weekday_occurrences": [52, 52, 52, 0, 52, 52, 52]}, "must be 7 positive numbers"),
    ({"fdr_q": 1.0}, "fdr_q = 1.0 must lie strictly between 0 and 1"),
    ({"min_count": -5}, "min_count = -5"),
    ({"dispersion": 0.9}, "dispersion = 0.9 must be a number of at least 1"),
])
def test_hot_times_refuses_bad_settings(kwargs: dict, match: str) -> None:
    settings = {"min_count": 10, "fdr_q": 0.05, **kwargs}
    with pytest.raises(InputError, match=match):
        hot_times(np.ones((1, 7, 24), dtype=int), **settings)


def test_profile_change_refuses_bad_input() -> None:
    good = np.ones((2, 7, 24), dtype=int)
    with pytest.raises(InputError, match="base holds 2 areas but compare holds 3"):
        profile_change(good, np.ones((3, 7, 24), dtype=int), min_count=10, fdr_q=0.05)
    with pytest.raises(InputError, match=r"compare has shape \(2, 7, 12\)"):
        profile_change(good, np.ones((2, 7, 12), dtype=int), min_count=10, fdr_q=0.05)
    with pytest.raises(InputError, match="compare_occurrences"):
        profile_change(good, good, min_count=10, fdr_q=0.05, compare_occurrences=[1, 2])
    with pytest.raises(InputError, match=r"dispersion = 0\.0"):
        profile_change(good, good, min_count=10, fdr_q=0.05, dispersion=0.0)
