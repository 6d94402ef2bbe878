from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose
from scipy import stats

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import AnalysisConfig, Period, Periods
from hotspotkaart.stats.change import DALING, GEEN_VERANDERING, STIJGING, TE_WEINIG
from hotspotkaart.stats.zones import (
    NIET_VERGELIJKBAAR,
    TE_KORT_GELDIG,
    ZONE_CHANGE_CLASSES,
    valid_days,
    zone_table,
)

PERIODS = Periods(2023, 2024)
X0, Y0 = 100_000.0, 400_000.0
INSIDE = (X0 + 500, Y0 + 500)  # zone box is X0..X0+1000
RING = (X0 + 1050, Y0 + 500)  # 50 m outside the zone: in the 100 m ring
OUTSIDE = (X0 + 1500, Y0 + 500)  # 500 m outside
EDGE = (X0 + 1000, Y0 + 500)  # on the boundary: counts as inside


def zones_frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    default = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    geoms = [row.get("geometry", default) for row in rows]
    frame = pd.DataFrame([{k: v for k, v in row.items() if k != "geometry"} for row in rows],
                         columns=["zone_id", "kind", "name", "valid_from", "valid_to"])
    frame["valid_from"] = pd.to_datetime(frame["valid_from"])
    frame["valid_to"] = pd.to_datetime(frame["valid_to"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:28992")


def zone(zone_id: str = "z1", kind: str = "cameratoezicht", valid_from: str | None = None,
         valid_to: str | None = None, **extra: object) -> dict[str, object]:
    return {"zone_id": zone_id, "kind": kind, "name": f"Zone {zone_id}",
            "valid_from": valid_from, "valid_to": valid_to, **extra}


def incidents(spec: list[tuple[tuple[float, float], str, int]]) -> gpd.GeoDataFrame:
    """Build meldingen from (location, date, count) triples."""
    xy, dates = [], []
    for loc, date, n in spec:
        xy += [loc] * n
        dates += [date] * n
    date_index = pd.to_datetime(dates) + pd.Timedelta(hours=13)  # a time of day is ignored
    return gpd.GeoDataFrame(
        {"date": date_index, "period": date_index.year.astype(int), "category": "Jeugd"},
        geometry=shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2)), crs="EPSG:28992",
    )


def test_valid_days() -> None:
    def year(y: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        return PERIODS.start(y), PERIODS.end(y)

    assert valid_days(None, None, *year(2023)) == 365
    assert valid_days(None, None, *year(2024)) == 366
    assert valid_days(pd.Timestamp("2024-07-01"), pd.NaT, *year(2024)) == 184
    assert valid_days(pd.Timestamp("2023-03-01"), pd.Timestamp("2023-05-31"), *year(2023)) == 92
    assert valid_days(pd.Timestamp("2023-03-01"), pd.Timestamp("2023-05-31"), *year(2024)) == 0
    assert valid_days(pd.Timestamp("2024-02-29"), pd.Timestamp("2024-02-29"), *year(2024)) == 1
    july = pd.Timestamp("2023-07-01"), pd.Timestamp("2024-06-30")  # a period of a range
    assert valid_days(pd.Timestamp("2024-01-01"), None, *july) == 182


def test_inside_ring_outside_counts() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 20), (EDGE, "2023-02-01", 2), (RING, "2023-02-01", 5),
                     (OUTSIDE, "2023-02-01", 7), (INSIDE, "2024-02-01", 30),
                     (OUTSIDE, "2024-05-01", 3)])
    out = zone_table(inc, zones_frame([zone()]), PERIODS, AnalysisConfig())
    row = out.iloc[0]
    assert (row["inside_2023"], row["ring_2023"], row["outside_2023"]) == (22, 5, 7)
    assert (row["inside_2024"], row["ring_2024"], row["outside_2024"]) == (30, 0, 3)
    assert_allclose(row["share_inside_2023"], 22 / 34)
    assert (row["valid_days_2023"], row["valid_days_2024"]) == (365, 366)
    assert_allclose(row["p_value"], stats.binomtest(30, 52, 366 / 731).pvalue)
    assert row["diff"] == 8
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs.to_epsg() == 28992


def test_column_names() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 1)])
    out = zone_table(inc, zones_frame([zone()]), PERIODS, AnalysisConfig())
    expected = ["zone_id", "kind", "name", "valid_from", "valid_to"]
    for year in (2023, 2024):
        expected += [f"valid_days_{year}", f"inside_{year}", f"ring_{year}", f"outside_{year}",
                     f"share_inside_{year}"]
    expected += ["diff", "p_value", "q_value", "change_class", "before_2024", "after_2024",
                 "days_before_2024", "days_after_2024", "p_value_split", "q_value_split",
                 "change_class_split", "geometry"]
    assert list(out.columns) == expected


def test_validity_is_respected_and_exposure_used() -> None:
    # valid from 2023-07-01, open-ended: 184 valid days in 2023, 366 in 2024
    inc = incidents([(INSIDE, "2023-03-01", 50), (INSIDE, "2023-09-01", 20),
                     (RING, "2023-03-01", 9), (OUTSIDE, "2023-06-30", 4),
                     (OUTSIDE, "2023-07-01", 6), (INSIDE, "2024-01-15", 40)])
    out = zone_table(inc, zones_frame([zone(valid_from="2023-07-01")]), PERIODS,
                     AnalysisConfig())
    row = out.iloc[0]
    assert (row["valid_days_2023"], row["valid_days_2024"]) == (184, 366)
    assert (row["inside_2023"], row["ring_2023"], row["outside_2023"]) == (20, 0, 6)
    assert_allclose(row["p_value"], stats.binomtest(40, 60, 366 / 550).pvalue)
    assert row["change_class"] == GEEN_VERANDERING
    assert pd.isna(row["before_2024"])  # started before the compare year: no split
    assert row["change_class_split"] is None or pd.isna(row["change_class_split"])


def test_zone_added_mid_compare_year_splits() -> None:
    inc = incidents([(INSIDE, "2023-05-01", 25), (INSIDE, "2024-03-01", 40),
                     (INSIDE, "2024-06-30", 2), (INSIDE, "2024-07-01", 3),
                     (INSIDE, "2024-10-01", 7), (OUTSIDE, "2024-08-01", 11)])
    out = zone_table(inc, zones_frame([zone("av", "alcoholverbod", "2024-07-01")]), PERIODS,
                     AnalysisConfig())
    row = out.iloc[0]
    assert row["valid_days_2023"] == 0
    assert row["valid_days_2024"] == 184
    assert row["inside_2023"] == 0  # meldingen before the zone existed are not 'inside'
    assert row["inside_2024"] == 10
    assert row["outside_2024"] == 11
    assert row["before_2024"] == 42
    assert row["after_2024"] == 10
    assert row["days_before_2024"] == 182
    assert row["days_after_2024"] == 184
    assert_allclose(row["p_value_split"], stats.binomtest(10, 52, 184 / 366).pvalue)
    assert_allclose(row["q_value_split"], row["p_value_split"])
    assert row["change_class_split"] == DALING
    assert row["change_class"] == NIET_VERGELIJKBAAR
    assert np.isnan(row["p_value"])
    assert pd.isna(row["diff"])


def test_a_zone_is_valid_and_split_within_range_periods() -> None:
    # base July 2023 – June 2024, compare July 2024 – June 2025; the zone starts 1 October 2024
    periods = Periods(2023, 2024, spans=(Period(dt.date(2023, 7, 1), dt.date(2024, 6, 30)),
                                         Period(dt.date(2024, 7, 1), dt.date(2025, 6, 30))))
    inc = incidents([(INSIDE, "2024-06-30", 5), (INSIDE, "2024-07-01", 4),
                     (INSIDE, "2024-09-30", 3), (INSIDE, "2024-10-01", 6),
                     (INSIDE, "2025-06-30", 2)])
    inc["period"] = periods.period_of(inc["date"])
    out = zone_table(inc, zones_frame([zone("av", "alcoholverbod", "2024-10-01")]), periods,
                     AnalysisConfig())
    row = out.iloc[0]
    assert (row["valid_days_2023"], row["valid_days_2024"]) == (0, 273)
    assert (row["inside_2023"], row["inside_2024"]) == (0, 8)
    assert (row["before_2024"], row["after_2024"]) == (7, 8)  # from 1 July, not 1 January
    assert (row["days_before_2024"], row["days_after_2024"]) == (92, 273)


def test_fdr_over_zones_and_classes() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 10), (INSIDE, "2024-02-01", 60),
                     (OUTSIDE, "2023-02-01", 60), (OUTSIDE, "2024-02-01", 12),
                     (RING, "2023-02-01", 30), (RING, "2024-02-01", 31)])
    far = shapely.box(X0 + 5000, Y0, X0 + 6000, Y0 + 1000)
    zs = zones_frame([
        zone("a"),
        zone("b", "veiligheidsrisicogebied", geometry=shapely.box(X0 + 1400, Y0, X0 + 1600,
                                                                     Y0 + 1000)),
        zone("c", geometry=shapely.box(X0 + 1020, Y0, X0 + 1080, Y0 + 1000)),
        zone("d", geometry=far),
    ])
    out = zone_table(inc, zs, PERIODS, AnalysisConfig())
    p = [stats.binomtest(60, 70, 366 / 731).pvalue, stats.binomtest(12, 72, 366 / 731).pvalue,
         stats.binomtest(31, 61, 366 / 731).pvalue]
    assert_allclose(out["p_value"].to_numpy()[:3], p)
    assert_allclose(out["q_value"].to_numpy()[:3], stats.false_discovery_control(p))
    assert out["change_class"].tolist() == [STIJGING, DALING, GEEN_VERANDERING, TE_WEINIG]
    assert np.isnan(out["q_value"].iloc[3])
    assert set(out["change_class"]) <= set(ZONE_CHANGE_CLASSES)


def test_no_buffer_means_empty_ring() -> None:
    inc = incidents([(RING, "2023-02-01", 5)])
    out = zone_table(inc, zones_frame([zone()]), PERIODS, AnalysisConfig(buffer_m=0.0))
    assert out["ring_2023"].iloc[0] == 0
    assert out["outside_2023"].iloc[0] == 5


def test_inputs_not_mutated() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 3)])
    zs = zones_frame([zone(valid_from="2024-07-01")])
    inc_before, zs_before = inc.copy(), zs.copy()
    zone_table(inc, zs, PERIODS, AnalysisConfig())
    pd.testing.assert_frame_equal(inc, inc_before)
    pd.testing.assert_frame_equal(zs, zs_before)


def test_empty_zones() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 3)])
    zs = zones_frame([zone()]).iloc[:0]
    out = zone_table(inc, zs, PERIODS, AnalysisConfig())
    assert len(out) == 0
    assert "change_class" in out.columns


def test_zone_table_errors() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 3)])
    cfg = AnalysisConfig()
    with pytest.raises(InputError, match="occurs more than once"):
        zone_table(inc, zones_frame([zone("a"), zone("a")]), PERIODS, cfg)
    with pytest.raises(InputError, match="kind 'camera' is not known"):
        zone_table(inc, zones_frame([zone(kind="camera")]), PERIODS, cfg)
    with pytest.raises(InputError, match="valid_to before valid_from"):
        zone_table(inc, zones_frame([zone(valid_from="2024-02-01", valid_to="2024-01-01")]),
                   PERIODS, cfg)
    with pytest.raises(InputError, match="lack the column"):
        zone_table(inc, zones_frame([zone()]).drop(columns="name"), PERIODS, cfg)
    with pytest.raises(InputError, match="lack the column"):
        zone_table(inc.drop(columns="date"), zones_frame([zone()]), PERIODS, cfg)
    with pytest.raises(InputError, match="EPSG:28992"):
        zone_table(inc, zones_frame([zone()]).to_crs(4326), PERIODS, cfg)
    with pytest.raises(InputError, match="neither 2023 nor 2024"):
        zone_table(inc.assign(period=2022), zones_frame([zone()]), PERIODS, cfg)


def test_a_zone_valid_only_a_few_days_is_not_compared_year_against_year() -> None:
    # z-short: valid 10 days at the end of 2023 and all of 2024; z-full and z-other: both years
    inc = incidents([(INSIDE, "2023-12-25", 12), (INSIDE, "2024-03-01", 40),
                     (OUTSIDE, "2023-04-01", 50), (OUTSIDE, "2024-04-01", 15)])
    west = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    east = shapely.box(X0 + 1400, Y0, X0 + 1600, Y0 + 1000)
    zs = zones_frame([zone("z-short", valid_from="2023-12-22", geometry=west),
                      zone("z-full", geometry=west),
                      zone("z-other", "veiligheidsrisicogebied", geometry=east)])
    out = zone_table(inc, zs, PERIODS, AnalysisConfig())
    short, full, other = (out.iloc[i] for i in range(3))
    assert short["valid_days_2023"] == 10
    assert short["change_class"] == TE_KORT_GELDIG
    assert np.isnan(short["p_value"])
    assert np.isnan(short["q_value"])
    assert short["diff"] == 28  # the raw difference of the unequal windows stays
    # the family is the two zones that were tested: their q-values are BH over their p alone
    p = [stats.binomtest(40, 52, 366 / 731).pvalue, stats.binomtest(15, 65, 366 / 731).pvalue]
    assert_allclose([full["p_value"], other["p_value"]], p)
    assert_allclose([full["q_value"], other["q_value"]], stats.false_discovery_control(p))
    assert full["change_class"] == STIJGING
    # min_valid_days decides: 10 days are enough when asked for 10
    lenient = zone_table(inc, zs, PERIODS, AnalysisConfig(min_valid_days=10)).iloc[0]
    assert_allclose(lenient["p_value"], stats.binomtest(40, 52, 366 / 376).pvalue)
    assert lenient["change_class"] != TE_KORT_GELDIG
    strict = zone_table(inc, zs, PERIODS, AnalysisConfig(min_valid_days=11)).iloc[0]
    assert strict["change_class"] == TE_KORT_GELDIG


def test_a_split_with_a_short_side_is_not_tested() -> None:
    # an alcoholverbod from 2024-12-01: 31 days after, 335 before
    inc = incidents([(INSIDE, "2024-03-01", 40), (INSIDE, "2024-12-10", 9)])
    zs = zones_frame([zone("av", "alcoholverbod", "2024-12-01")])
    row = zone_table(inc, zs, PERIODS, AnalysisConfig()).iloc[0]
    assert (row["days_before_2024"], row["days_after_2024"]) == (335, 31)
    assert row["change_class_split"] == TE_KORT_GELDIG
    assert np.isnan(row["p_value_split"])
    tested = zone_table(inc, zs, PERIODS, AnalysisConfig(min_valid_days=31)).iloc[0]
    assert_allclose(tested["p_value_split"], stats.binomtest(9, 49, 31 / 366).pvalue)


def test_the_zone_tests_use_the_dispersion() -> None:
    inc = incidents([(INSIDE, "2023-02-01", 20), (INSIDE, "2024-02-01", 60)])
    zs = zones_frame([zone("a")])
    plain = zone_table(inc, zs, PERIODS, AnalysisConfig()).iloc[0]
    bursty = zone_table(inc, zs, PERIODS, AnalysisConfig(), dispersion=2.0).iloc[0]
    assert_allclose(plain["p_value"], stats.binomtest(60, 80, 366 / 731).pvalue)
    assert_allclose(bursty["p_value"], stats.binomtest(30, 40, 366 / 731).pvalue)
