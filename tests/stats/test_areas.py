from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.counting import area_counts
from hotspotkaart.stats.areas import area_table, area_table_from_counts
from hotspotkaart.stats.change import DALING, GEEN_VERANDERING, STIJGING, TE_WEINIG

PERIODS = Periods(2023, 2024)
P0_DAYS = 366 / (365 + 366)


def make_areas() -> gpd.GeoDataFrame:
    codes = [f"BU0505{i:04d}" for i in range(6)]
    return gpd.GeoDataFrame(
        {
            "buurtcode": codes,
            "buurtnaam": [f"Buurt {i}" for i in range(6)],
            "wijkcode": ["WK050501"] * 3 + ["WK050502"] * 3,
            "aantal_inwoners": [1000.0, np.nan, 0.0, 500.0, 2000.0, 800.0],
        },
        geometry=[shapely.box(i * 1000, 0, i * 1000 + 1000, 1000) for i in range(6)],
        crs="EPSG:28992",
    )


def make_incidents(counts: dict[tuple[str, int, str], int]) -> gpd.GeoDataFrame:
    rows = []
    for (code, year, category), n in counts.items():
        idx = int(code[-4:])
        rows += [(code, year, category, idx * 1000 + 500.0, 500.0)] * n
    frame = pd.DataFrame(rows, columns=["buurtcode", "period", "category", "x", "y"])
    frame["wijkcode"] = np.where(frame["buurtcode"].str[-4:].astype(int) < 3, "WK050501",
                                 "WK050502")
    frame["date"] = pd.to_datetime(frame["period"].astype(str) + "-06-01")
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]),
        geometry=shapely.points(frame["x"].to_numpy(float), frame["y"].to_numpy(float)),
        crs="EPSG:28992",
    )


CODES = [f"BU0505{i:04d}" for i in range(6)]
COUNTS = {
    (CODES[0], 2023, "Jeugd"): 20, (CODES[0], 2024, "Jeugd"): 60,
    (CODES[0], 2023, "Alcohol/drugs"): 10, (CODES[0], 2024, "Alcohol/drugs"): 12,
    (CODES[1], 2023, "Jeugd"): 30, (CODES[1], 2024, "Jeugd"): 28,
    (CODES[2], 2023, "Jeugd"): 3, (CODES[2], 2024, "Jeugd"): 4,  # 7 < min_count
    (CODES[3], 2023, "Alcohol/drugs"): 80, (CODES[3], 2024, "Alcohol/drugs"): 30,
    (CODES[4], 2023, "Jeugd"): 5, (CODES[4], 2024, "Jeugd"): 6,
    # CODES[5]: no meldingen at all
}


@pytest.fixture
def table() -> gpd.GeoDataFrame:
    return area_table(make_incidents(COUNTS), make_areas(), "buurtcode", PERIODS,
                      AnalysisConfig())


def test_area_table_counts_and_order(table: gpd.GeoDataFrame) -> None:
    assert table["buurtcode"].tolist() == CODES
    assert isinstance(table, gpd.GeoDataFrame)
    assert table.crs.to_epsg() == 28992
    assert table.columns[-1] == "geometry"
    assert table["count_2023"].tolist() == [30, 30, 3, 80, 5, 0]
    assert table["count_2024"].tolist() == [72, 28, 4, 30, 6, 0]
    assert table["count_2024_jeugd"].tolist() == [60, 28, 4, 0, 6, 0]
    assert table["count_2023_alcohol_drugs"].tolist() == [10, 0, 0, 80, 0, 0]
    assert table["diff"].tolist() == [42, -2, 1, -50, 1, 0]
    for col in ("buurtnaam", "wijkcode", "aantal_inwoners"):
        assert col in table.columns


def test_area_table_column_names(table: gpd.GeoDataFrame) -> None:
    expected = [
        "count_2023", "count_2024",
        "count_2023_alcohol_drugs", "count_2023_jeugd",
        "count_2024_alcohol_drugs", "count_2024_jeugd",
        "diff", "pct_change", "rate_2023", "rate_2024", "share_2023", "share_2024",
        "p_value", "q_value", "change_class",
        "p_value_trend", "q_value_trend", "change_class_trend",
        "p_value_alcohol_drugs", "q_value_alcohol_drugs", "change_class_alcohol_drugs",
        "p_value_jeugd", "q_value_jeugd", "change_class_jeugd",
    ]
    added = [c for c in table.columns if c not in make_areas().columns]
    assert added == expected


def test_pct_change_rate_share(table: gpd.GeoDataFrame) -> None:
    assert_allclose(table["pct_change"].to_numpy(),
                    [140.0, 100 * -2 / 30, np.nan, -62.5, np.nan, np.nan])
    # population: 1000, NaN, 0, 500, 2000, 800 -> NaN where missing or zero, never 0
    assert_allclose(table["rate_2023"].to_numpy(), [30.0, np.nan, np.nan, 160.0, 2.5, 0.0])
    assert_allclose(table["share_2023"].sum(), 1.0)
    assert_allclose(table["share_2024"].to_numpy()[0], 72 / 140)


def test_missing_population_column_gives_nan_rates() -> None:
    areas = make_areas().drop(columns="aantal_inwoners")
    out = area_table(make_incidents(COUNTS), areas, "buurtcode", PERIODS, AnalysisConfig())
    assert out["rate_2023"].isna().all()


def test_leap_year_p0_and_fdr_family(table: gpd.GeoDataFrame) -> None:
    b = np.array([30, 30, 3, 80, 5, 0])
    c = np.array([72, 28, 4, 30, 6, 0])
    testable = (b + c) >= 10
    expected_p = [stats.binomtest(int(ci), int(bi + ci), P0_DAYS).pvalue
                  for bi, ci in zip(b[testable], c[testable], strict=True)]
    assert_allclose(table["p_value"].to_numpy()[testable], expected_p, rtol=1e-12)
    assert table.loc[~testable, ["p_value", "q_value"]].isna().all().all()
    assert_allclose(table["q_value"].to_numpy()[testable],
                    stats.false_discovery_control(expected_p, method="bh"))
    assert table["change_class"].tolist() == [
        STIJGING, GEEN_VERANDERING, TE_WEINIG, DALING, GEEN_VERANDERING, TE_WEINIG,
    ]


def test_trend_test_uses_city_trend(table: gpd.GeoDataFrame) -> None:
    p0 = 140 / (148 + 140)
    assert_allclose(table["p_value_trend"].iloc[0], stats.binomtest(72, 102, p0).pvalue)
    assert table["change_class_trend"].iloc[0] == STIJGING
    assert table["change_class_trend"].iloc[2] == TE_WEINIG


def test_per_category_tests(table: gpd.GeoDataFrame) -> None:
    # jeugd: tested areas are 0 (20->60), 1 (30->28), 4 (5->6); 2 has 7 < 10
    p = [stats.binomtest(60, 80, P0_DAYS).pvalue, stats.binomtest(28, 58, P0_DAYS).pvalue,
         stats.binomtest(6, 11, P0_DAYS).pvalue]
    assert_allclose(table["p_value_jeugd"].to_numpy()[[0, 1, 4]], p)
    assert_allclose(table["q_value_jeugd"].to_numpy()[[0, 1, 4]],
                    stats.false_discovery_control(p))
    assert table["change_class_jeugd"].iloc[0] == STIJGING
    assert table["change_class_jeugd"].iloc[3] == TE_WEINIG
    assert table["change_class_alcohol_drugs"].iloc[3] == DALING


def test_min_count_gives_te_weinig() -> None:
    out = area_table(make_incidents(COUNTS), make_areas(), "buurtcode", PERIODS,
                     AnalysisConfig(min_count=50))
    assert (out["change_class"] == TE_WEINIG).tolist() == [False, False, True, False, True, True]
    assert out.loc[out["change_class"] == TE_WEINIG, "p_value"].isna().all()


def test_wijk_table() -> None:
    wijken = make_areas().dissolve("wijkcode", as_index=False)[["wijkcode", "geometry"]]
    out = area_table(make_incidents(COUNTS), wijken, "wijkcode", PERIODS, AnalysisConfig())
    assert out["count_2023"].tolist() == [63, 85]
    assert out["rate_2023"].isna().all()


def test_inputs_not_mutated() -> None:
    inc, areas = make_incidents(COUNTS), make_areas()
    inc_before, areas_before = inc.copy(), areas.copy()
    area_table(inc, areas, "buurtcode", PERIODS, AnalysisConfig())
    pd.testing.assert_frame_equal(inc, inc_before)
    pd.testing.assert_frame_equal(areas, areas_before)


def test_unknown_area_code_warns() -> None:
    counts = {**COUNTS, ("BU99999999", 2023, "Jeugd"): 2}
    with pytest.warns(HotspotkaartWarning, match="not among the areas"):
        out = area_table(make_incidents(counts), make_areas(), "buurtcode", PERIODS,
                         AnalysisConfig())
    assert_allclose(out["share_2023"].sum(), 148 / 150)


def test_no_warning_in_normal_use() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        area_table(make_incidents(COUNTS), make_areas(), "buurtcode", PERIODS, AnalysisConfig())


def test_area_table_errors() -> None:
    inc, areas = make_incidents(COUNTS), make_areas()
    cfg = AnalysisConfig()
    with pytest.raises(InputError, match="not an area code column"):
        area_table(inc, areas, "provinciecode", PERIODS, cfg)
    with pytest.raises(InputError, match="lacks the column"):
        area_table(inc.drop(columns="category"), areas, "buurtcode", PERIODS, cfg)
    dup = pd.concat([areas, areas.iloc[[0]]])
    with pytest.raises(InputError, match="occurs more than once"):
        area_table(inc, gpd.GeoDataFrame(dup, crs=areas.crs), "buurtcode", PERIODS, cfg)
    bad = inc.copy()
    bad.loc[bad.index[0], "period"] = 2022
    with pytest.raises(InputError, match="neither 2023 nor 2024"):
        area_table(bad, areas, "buurtcode", PERIODS, cfg)
    clash = inc.copy()
    clash.loc[clash.index[0], "category"] = "alcohol drugs"
    with pytest.raises(InputError, match="both become the column name"):
        area_table(clash, areas, "buurtcode", PERIODS, cfg)


def test_empty_incidents() -> None:
    inc = make_incidents({})
    out = area_table(inc, make_areas(), "buurtcode", PERIODS, AnalysisConfig())
    assert_array_equal(out["count_2023"].to_numpy(), np.zeros(6))
    assert (out["change_class"] == TE_WEINIG).all()
    assert out["share_2023"].isna().all()


def test_counting_then_testing_equals_area_table() -> None:
    counts = {**COUNTS, ("BU99999999", 2023, "Jeugd"): 2}
    inc = make_incidents(counts)
    table = area_counts(inc, "buurtcode", PERIODS)
    assert list(table.columns) == ["buurtcode", "period", "category", "n"]
    assert int(table["n"].sum()) == len(inc)
    with pytest.warns(HotspotkaartWarning, match="2 meldingen have a buurtcode"):
        whole = area_table(inc, make_areas(), "buurtcode", PERIODS, AnalysisConfig())
    with pytest.warns(HotspotkaartWarning, match="2 meldingen have a buurtcode"):
        split = area_table_from_counts(table, make_areas(), "buurtcode", PERIODS,
                                       AnalysisConfig())
    pd.testing.assert_frame_equal(whole, split)
