from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal

from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.counting import area_counts
from hotspotkaart.engine.grid import cell_counts, cell_id, grid_counts, make_grid
from hotspotkaart.engine.join import assign_areas
from hotspotkaart.stats.grid import analyse_grid, analyse_grid_from_counts, grid_tests
from hotspotkaart.stats.hotspots import GI_CLASSES, TRANSITION_CLASSES, TRANSITION_COLD_CLASSES
from tests.helpers.project import X0, Y0, square_areas

BUURTEN = Path(__file__).resolve().parents[2] / "geo" / "dordrecht_buurten_2024.geojson"
PERIODS = Periods(2023, 2024)
FAST = AnalysisConfig()


@pytest.fixture(scope="module")
def buurten() -> gpd.GeoDataFrame:
    return gpd.read_file(BUURTEN)


@pytest.fixture(scope="module")
def dordrecht_grid(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return make_grid(buurten, 100.0)


def incidents_from(xy: dict[int, np.ndarray], category: str = "Jeugd") -> gpd.GeoDataFrame:
    years = np.concatenate([np.full(len(v), k) for k, v in xy.items()])
    coords = np.concatenate([v for v in xy.values()]) if xy else np.zeros((0, 2))
    return gpd.GeoDataFrame(
        {"period": years.astype(int), "category": category,
         "date": pd.to_datetime([f"{y}-03-01" for y in years])},
        geometry=shapely.points(coords), crs="EPSG:28992",
    )


def cluster(rng: np.random.Generator, cx: float, cy: float, n: int) -> np.ndarray:
    return np.column_stack([rng.uniform(cx - 100, cx + 100, n), rng.uniform(cy - 100, cy + 100, n)])


def background(rng: np.random.Generator, n: int, size: float = 4000.0) -> np.ndarray:
    return np.column_stack([rng.uniform(X0, X0 + size, n), rng.uniform(Y0, Y0 + size, n)])


def planted() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(42)
    a = (X0 + 1000, Y0 + 1000)  # both years
    b = (X0 + 3000, Y0 + 3000)  # compare only
    c = (X0 + 1000, Y0 + 3000)  # base only
    return incidents_from({
        2023: np.vstack([background(rng, 500), cluster(rng, *a, 60), cluster(rng, *c, 60)]),
        2024: np.vstack([background(rng, 500), cluster(rng, *a, 60), cluster(rng, *b, 60)]),
    })


def buurt_counts(incidents: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    return area_counts(assign_areas(incidents, areas), "buurtcode", PERIODS)


def cell_at(cells: gpd.GeoDataFrame, x: float, y: float) -> pd.Series:
    row = cells[(cells["x_min"] <= x) & (x < cells["x_min"] + 100)
                & (cells["y_min"] <= y) & (y < cells["y_min"] + 100)]
    assert len(row) == 1
    return row.iloc[0]


# -- grid -------------------------------------------------------------------------------------


def test_dordrecht_grid_edges_and_ids(dordrecht_grid: gpd.GeoDataFrame,
                                      buurten: gpd.GeoDataFrame) -> None:
    grid = dordrecht_grid
    assert 9_000 < len(grid) < 12_000
    assert list(grid.columns) == ["cell_id", "x_min", "y_min", "geometry"]
    bounds = grid.geometry.bounds.to_numpy()
    assert_allclose(bounds % 100, 0.0)
    assert_allclose(bounds[:, 2] - bounds[:, 0], 100.0)
    assert_allclose(bounds[:, 0], grid["x_min"])
    assert grid["cell_id"].is_unique
    assert all(re.fullmatch(r"E\d{4}N\d{4}", c) for c in grid["cell_id"])
    first = grid.iloc[0]
    assert first["cell_id"] == f"E{int(first['x_min']) // 100:04d}N{int(first['y_min']) // 100:04d}"
    # every cell shares interior with a buurt, and the union of buurten is covered
    union = buurten.geometry.union_all()
    assert (shapely.area(shapely.intersection(grid.geometry.to_numpy(), union)) > 0).all()
    assert union.difference(grid.geometry.union_all()).area < 1e-6
    # deterministic order: south to north, west to east
    order = np.lexsort((grid["x_min"].to_numpy(), grid["y_min"].to_numpy()))
    assert_array_equal(order, np.arange(len(grid)))


def test_cell_id_convention() -> None:
    assert cell_id([105200.0], [425600.0], 100).tolist() == ["E1052N4256"]
    assert cell_id([95000.0], [425600.0], 500).tolist() == ["E0950N4256"]
    assert cell_id([105250.0], [425650.0], 50).tolist() == ["E10525N42565"]


def test_square_grid_alignment() -> None:
    aligned = make_grid(square_areas(1000.0), 100.0)
    assert len(aligned) == 100  # cells that only touch the edge are left out
    shifted = square_areas(1000.0).translate(50, 50)
    assert len(make_grid(gpd.GeoDataFrame(geometry=shifted, crs="EPSG:28992"), 100.0)) == 121
    coarse = make_grid(square_areas(1000.0), 250.0)
    assert len(coarse) == 16
    assert coarse["cell_id"].is_unique


def test_make_grid_errors() -> None:
    with pytest.raises(InputError, match="EPSG:28992"):
        make_grid(square_areas().to_crs(4326), 100.0)
    with pytest.raises(InputError, match="positive number"):
        make_grid(square_areas(), 0.0)
    with pytest.raises(ConfigError, match="would lay about 1,600,000,000 grid cells"):
        make_grid(square_areas(400_000.0), 10.0)


def test_arithmetic_assignment_matches_polygon_test(dordrecht_grid: gpd.GeoDataFrame,
                                                    buurten: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(3)
    pts = buurten.sample_points(15, rng=rng).explode(index_parts=False)
    inc = gpd.GeoDataFrame({"period": np.where(np.arange(len(pts)) % 2 == 0, 2023, 2024),
                            "category": "x"}, geometry=pts.to_numpy(), crs=buurten.crs)
    cc = cell_counts(inc, dordrecht_grid, PERIODS, 100.0)
    joined = gpd.sjoin(inc, dordrecht_grid, predicate="within", how="left")
    assert_array_equal(cc.position, joined["index_right"].to_numpy())
    assert cc.outside_grid == {2023: 0, 2024: 0}
    expected = np.bincount(cc.position[inc["period"].to_numpy() == 2024],
                           minlength=len(dordrecht_grid))
    assert_array_equal(cc.counts["count_2024"].to_numpy(), expected)
    assert_array_equal(cc.counts["count_2024_x"].to_numpy(), expected)


def test_points_outside_grid_are_reported() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    inc = incidents_from({2023: np.array([[X0 + 50, Y0 + 50], [X0 + 5000, Y0]]),
                          2024: np.array([[X0 + 100, Y0 + 100]])})
    with pytest.warns(HotspotkaartWarning, match="fall outside"):
        cc = cell_counts(inc, grid, PERIODS, 100.0)
    assert cc.outside_grid == {2023: 1, 2024: 0}
    assert cc.counts["count_2023"].sum() == 1
    assert cc.position.tolist()[1] == -1
    # a point on a corner belongs to the cell north-east of it
    assert grid.iloc[cc.position[2]]["x_min"] == X0 + 100


def test_grid_counts_keep_points_without_location() -> None:
    inc = incidents_from({2023: np.array([[X0 + 50, Y0 + 50], [X0 + 5000, Y0]]),
                          2024: np.array([[X0 + 100, Y0 + 100]])})
    inc.loc[inc.index[2], "geometry"] = None
    table = grid_counts(inc, PERIODS, 100.0)
    assert int(table["n"].sum()) == 3
    areas = square_areas(1000.0)
    kw = {"area_counts": buurt_counts(inc[inc.geometry.notna()], areas)}
    with pytest.warns(HotspotkaartWarning, match=r"\{2023: 1, 2024: 1\}"):
        result = analyse_grid_from_counts(table, areas, PERIODS, FAST, **kw)
    # the per-year tests a build runs side by side leave the warning to the analysis: once
    with warnings.catch_warnings():
        warnings.simplefilter("error", HotspotkaartWarning)
        tests = grid_tests(table, areas, PERIODS, FAST, years=(2023,), **kw).merge(
            grid_tests(table, areas, PERIODS, FAST, years=(2024,), **kw))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analyse_grid_from_counts(table, areas, PERIODS, FAST, tests=tests, **kw)
    assert [str(w.message) for w in caught if w.category is HotspotkaartWarning] == [
        "2 meldingen fall outside the 100 m grid or have no point location "
        "({2023: 1, 2024: 1}); they are left out of the grid statistics"]
    assert result.method["outside_grid"] == {2023: 1, 2024: 1}
    assert result.cells["count_2023"].sum() == 1


def test_cell_counts_errors() -> None:
    grid = make_grid(square_areas(1000.0), 100.0)
    inc = incidents_from({2023: np.array([[X0 + 50, Y0 + 50]])})
    with pytest.raises(InputError, match="not multiples of cell_size"):
        cell_counts(inc, grid, PERIODS, 300.0)
    with pytest.raises(InputError, match="EPSG:28992"):
        cell_counts(inc.to_crs(4326), grid, PERIODS, 100.0)
    with pytest.raises(InputError, match="neither 2023 nor 2024"):
        cell_counts(inc.assign(period=2020), grid, PERIODS, 100.0)
    with pytest.raises(InputError, match="lack the column category"):
        cell_counts(inc.drop(columns="category"), grid, PERIODS, 100.0)


# -- the analysis: Gi*, transitions and concentration per cell --------------------------------


def test_hot_spot_tests_per_year_side_by_side_are_the_analysis_in_one_go() -> None:
    # the pipeline runs grid_tests once per year on separate workers and merges them
    incidents = planted()
    table = grid_counts(incidents, PERIODS, 100.0)
    areas = square_areas()
    kw = {"area_counts": buurt_counts(incidents, areas), "dispersion": 1.3}
    whole = analyse_grid_from_counts(table, areas, PERIODS, FAST, **kw)
    base = grid_tests(table, areas, PERIODS, FAST, years=(2023,), **kw)
    compare = grid_tests(table, areas, PERIODS, FAST, years=(2024,), **kw)
    assert set(base.gi) == {2023}
    assert set(compare.gi) == {2024}
    merged = analyse_grid_from_counts(table, areas, PERIODS, FAST, tests=base.merge(compare),
                                      **kw)
    pd.testing.assert_frame_equal(pd.DataFrame(merged.cells), pd.DataFrame(whole.cells))
    assert merged.method == whole.method
    assert merged.concentration == whole.concentration
    assert (whole.cells["gi_class_2023"] != whole.cells["gi_class_2024"]).any()
    with pytest.raises(InputError, match=r"no hot-spot test for the years \[2024\]"):
        analyse_grid_from_counts(table, areas, PERIODS, FAST, tests=base, **kw)
    with pytest.raises(InputError, match=r"years \[2022\] are not periods"):
        grid_tests(table, areas, PERIODS, FAST, years=(2022,), **kw)


def test_planted_clusters_are_hot_and_their_change_is_tested() -> None:
    result = analyse_grid(planted(), square_areas(), PERIODS, FAST)
    cells = result.cells
    persistent = cell_at(cells, X0 + 1000, Y0 + 1000)
    new = cell_at(cells, X0 + 3000, Y0 + 3000)
    ended = cell_at(cells, X0 + 1000, Y0 + 3000)
    assert persistent["transition"] == "blijvend"
    assert new["transition"] == "nieuw"
    assert ended["transition"] == "verdwenen"
    assert persistent["gi_class_2024"] == "hot spot 99%"
    # the change is tested on the window counts, not read off two labels
    assert persistent["change_class"] == "geen significante verandering"
    assert new["change_class"] == "significante stijging"
    assert ended["change_class"] == "significante daling"
    assert new["change_class_trend"] == "significante stijging"
    assert persistent["window_2024"] == cells.loc[
        cells.index[np.hypot(cells["x_min"] + 50 - persistent["x_min"] - 50,
                             cells["y_min"] + 50 - persistent["y_min"] - 50) < 150],
        "count_2024"].sum()
    # away from the clusters nothing is flagged
    far = cells[(cells["x_min"] > X0 + 1500) & (cells["x_min"] < X0 + 2500)]
    assert (far["transition"] == "geen").all()
    assert not far["change_class"].isin(["significante stijging", "significante daling"]).any()
    assert set(cells["transition"]) <= set(TRANSITION_CLASSES)
    assert set(cells["transition_cold"]) <= set(TRANSITION_COLD_CLASSES)
    for year in (2023, 2024):
        assert set(cells[f"gi_class_{year}"]) <= set(GI_CLASSES)
        hot = cells[f"gi_class_{year}"].str.startswith("hot spot")
        assert (cells.loc[hot, f"count_{year}"] > 0).all()
        assert (cells.loc[hot, f"window_{year}"] > cells.loc[hot, f"expected_{year}"]).all()
    assert "Poisson" in result.method["hot_spot_test"]


def test_result_columns_and_method() -> None:
    result = analyse_grid(planted(), square_areas(), PERIODS, FAST)
    expected = ["cell_id", "x_min", "y_min", "count_2023", "count_2024", "count_2023_jeugd",
                "count_2024_jeugd"]
    for year in (2023, 2024):
        expected += [f"window_{year}", f"expected_{year}", f"gi_z_{year}", f"gi_p_{year}",
                     f"gi_q_{year}", f"gi_class_{year}"]
    expected += ["transition", "transition_cold", "diff", "pct_change", "p_value", "q_value",
                 "change_class", "p_value_trend", "q_value_trend", "change_class_trend",
                 "geometry"]
    assert list(result.cells.columns) == expected
    assert result.cells.crs.to_epsg() == 28992
    for key in ("cell_size_m", "neighbours", "hot_spot_test", "hot_spot_rule", "fdr_q",
                "alpha_levels", "n_islands", "outside_grid", "dispersion", "change_test"):
        assert key in result.method
    conc = result.concentration
    assert set(conc["periods"]) == {2023, 2024}
    assert conc["periods"][2023]["n_meldingen"] == 620
    assert conc["pai"]["hot_cells"] > 0
    assert conc["pai"]["pai"] > 1  # persistent cluster A predicts part of 2024


def test_result_is_deterministic() -> None:
    inc = planted()
    first = analyse_grid(inc, square_areas(), PERIODS, FAST)
    second = analyse_grid(inc.sample(frac=1.0, random_state=3), square_areas(), PERIODS, FAST)
    pd.testing.assert_frame_equal(first.cells, second.cells)


def test_dispersion_makes_the_tests_more_cautious() -> None:
    inc = planted()
    plain = analyse_grid(inc, square_areas(), PERIODS, FAST).cells
    bursty = analyse_grid(inc, square_areas(), PERIODS, FAST, dispersion=4.0).cells
    tested = plain["gi_p_2023"].notna()
    assert (bursty.loc[tested, "gi_p_2023"] >= plain.loc[tested, "gi_p_2023"] - 1e-12).all()
    assert (bursty["gi_class_2023"] != "niet significant").sum() < (
        plain["gi_class_2023"] != "niet significant").sum()


def test_csr_gives_almost_no_significant_cells(buurten: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(11)
    union = buurten.geometry.union_all()
    x0, y0, x1, y1 = buurten.total_bounds
    xy: dict[int, np.ndarray] = {}
    for year in (2023, 2024):
        pts = np.column_stack([rng.uniform(x0, x1, 20_000), rng.uniform(y0, y1, 20_000)])
        pts = pts[shapely.contains_xy(union, pts[:, 0], pts[:, 1])][:5800]
        xy[year] = pts
    result = analyse_grid(incidents_from(xy), buurten, PERIODS, FAST)
    cells = result.cells
    for year in (2023, 2024):
        share = (cells[f"gi_class_{year}"] != "niet significant").mean()
        assert share <= 0.01
    changed = cells["change_class"].isin(["significante stijging", "significante daling"])
    assert changed.mean() <= 0.01
    assert result.concentration["periods"][2024]["n_meldingen"] == 5800


def test_islands_are_not_tested() -> None:
    areas = pd.concat([square_areas(1000.0),
                       gpd.GeoDataFrame({"buurtcode": ["BU3"]},
                                        geometry=[shapely.box(X0 + 3000, Y0, X0 + 3100, Y0 + 100)],
                                        crs="EPSG:28992")])
    rng = np.random.default_rng(5)
    inc = incidents_from({2023: np.vstack([background(rng, 200, 1000.0),
                                           [[X0 + 3050, Y0 + 50]]]),
                          2024: background(rng, 200, 1000.0)})
    result = analyse_grid(inc, areas, PERIODS, FAST)
    island = cell_at(result.cells, X0 + 3050, Y0 + 50)
    assert result.method["n_islands"] == 1
    assert np.isnan(island["gi_z_2023"])
    assert island["gi_class_2023"] == "niet significant"


def test_year_without_meldingen() -> None:
    rng = np.random.default_rng(1)
    inc = incidents_from({2023: background(rng, 100, 1000.0), 2024: np.zeros((0, 2))})
    result = analyse_grid(inc, square_areas(1000.0), PERIODS, FAST)
    assert (result.cells["gi_class_2024"] == "niet significant").all()
    assert np.isnan(result.concentration["pai"]["pai"])
    assert np.isnan(result.concentration["periods"][2024]["gini"])


def test_inputs_not_mutated() -> None:
    inc, areas = planted(), square_areas()
    inc_before, areas_before = inc.copy(), areas.copy()
    analyse_grid(inc, areas, PERIODS, FAST)
    pd.testing.assert_frame_equal(inc, inc_before)
    pd.testing.assert_frame_equal(areas, areas_before)
