"""Hot-spot clusters and their hot times (#18 item 2), on generated meldingen over Dordrecht.

The generator draws a uniform background over the city, in space and in time, and plants two
hot spots of the same size: one whose meldingen fall on Friday and Saturday evenings, one whose
meldingen are spread over the week. A share of every group comes as bursts of repeat reports
(one incident reported several times within minutes), as real meldingen do.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart.cli.main import main
from hotspotkaart.stats.clustertimes import label_clusters
from tests.helpers.project import BUURTEN, CATEGORIES, incident_section, write_config

#: Squares in the Vogelbuurt and near the Zeehavenlaan (RD New), centres of the planted hot spots.
NIGHTLIFE, ALL_WEEK = (106_850.0, 424_850.0), (104_350.0, 423_150.0)
CELL = 100.0


def _stamps(rng: np.random.Generator, n: int, evenings: bool) -> pd.DatetimeIndex:
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 731, n), unit="D")
    if not evenings:
        return days + pd.to_timedelta(rng.uniform(0, 24 * 60, n), unit="min")
    # the Friday or Saturday of that week, between 21:00 and 24:00
    friday = days - pd.to_timedelta((days.day_of_week - 4) % 7, unit="D")
    night = friday + pd.to_timedelta(rng.integers(0, 2, n), unit="D")
    return night + pd.to_timedelta(rng.uniform(21 * 60, 24 * 60 - 1, n), unit="min")


def _with_repeats(rng: np.random.Generator, points: np.ndarray, stamps: pd.DatetimeIndex,
                  share: float) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Report a ``share`` of the incidents 2–6 times at the same place, minutes apart."""
    times = rng.integers(2, 7, len(points)) * (rng.random(len(points)) < share)
    times = np.maximum(times, 1)
    idx = np.repeat(np.arange(len(points)), times)
    offsets = pd.to_timedelta(rng.integers(0, 20, len(idx)), unit="min")
    late = stamps[idx] + offsets
    same_day = late.normalize() == stamps[idx].normalize()  # stay on the incident's day
    return points[idx], pd.DatetimeIndex(np.where(same_day, late, stamps[idx]))


def _rows(rng: np.random.Generator, share: float) -> list[str]:
    city = gpd.read_file(BUURTEN).union_all()
    xmin, ymin, xmax, ymax = city.bounds
    xy = rng.uniform((xmin, ymin), (xmax, ymax), (12_000, 2))
    background = xy[shapely.contains_xy(city.buffer(-5), xy[:, 0], xy[:, 1])][:2500]
    groups = [(background, _stamps(rng, len(background), False))]
    for centre, evenings in ((NIGHTLIFE, True), (ALL_WEEK, False)):
        spot = np.asarray(centre) + rng.uniform(-0.6, 0.6, (240, 2)) * CELL
        groups.append((spot, _stamps(rng, len(spot), evenings)))
    rows = ["id;datum;soort;x;y"]
    for g, (points, stamps) in enumerate(groups):
        points, stamps = _with_repeats(rng, points, stamps, share)
        rows += [f"G{g}-{i};{t:%d-%m-%Y %H:%M};{CATEGORIES[i % 3]};{x:.1f};{y:.1f}"
                 for i, ((x, y), t) in enumerate(zip(points, stamps, strict=True))]
    return rows


@pytest.fixture(scope="module", params=[(3, 0.0), (11, 0.15)], ids=["seed3", "seed11-repeats"])
def build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    seed, share = request.param
    folder = tmp_path_factory.mktemp("clusters")
    (folder / "m.csv").write_text("\n".join(_rows(np.random.default_rng(seed), share)) + "\n",
                                  encoding="utf-8")
    config = write_config(folder, incidents=incident_section("m.csv"))
    out = folder / "out"
    assert main(["build", "-q", "-c", str(config), "-o", str(out)]) == 0
    return out


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, sep=";", keep_default_na=False,
                       dtype={"area_code": str, "hotspot_2023": str, "hotspot_2024": str},
                       na_values={"weekday": [""], "hour": [""]})


def _clusters_at(grid: pd.DataFrame, year: int, centre: tuple[float, float]) -> set[str]:
    """The clusters of the cells within a cell of ``centre`` (the planted spot's cells).

    Usually one; where the spot fills its small buurt the buurt's own expectation can leave
    its centre cell untested hot, and the ring around it may then fall apart in two.
    """
    x, y = centre
    near = grid[((grid["x_min"] + CELL / 2 - x).abs() <= CELL)
                & ((grid["y_min"] + CELL / 2 - y).abs() <= CELL)]
    codes = set(near[f"hotspot_{year}"]) - {""}
    assert 1 <= len(codes) <= 2, (year, centre, codes)
    return codes


def test_the_tables_add_up_per_cluster(build) -> None:
    grid, times = _read(build, "grid.csv"), _read(build, "tijden.csv")
    clusters = times[times["area_type"] == "hotspot"]
    for year in (2023, 2024):
        hot = grid[grid[f"gi_class_{year}"].str.startswith("hot spot")]
        assert (hot[f"hotspot_{year}"] != "").all()
        assert (grid.loc[~grid.index.isin(hot.index), f"hotspot_{year}"] == "").all()
        cells = hot.groupby(f"hotspot_{year}")[f"count_{year}"].sum()
        rows = clusters[clusters["period"] == year].groupby("area_code")["count"].sum()
        pd.testing.assert_series_equal(rows.sort_index(), cells.sort_index(),
                                       check_names=False)
        # numbered by meldingen, most first
        order = cells.sort_values(ascending=False, kind="stable").index
        assert [int(c.split("-")[1]) for c in order] == list(range(1, len(order) + 1))


def test_the_evening_hot_spot_has_its_evenings_and_the_other_none(build) -> None:
    grid, hot = _read(build, "grid.csv"), _read(build, "hottijden.csv")
    found = hot[(hot["area_type"] == "hotspot") & (hot["hot"].astype(str) == "True")]
    for year in (2023, 2024):
        night = _clusters_at(grid, year, NIGHTLIFE)
        assert not night & _clusters_at(grid, year, ALL_WEEK)
        mine = found[found["area_code"].isin(night) & (found["period"] == year)]
        assert set(zip(mine["weekday"], mine["hour_from"], strict=True)) >= {(5, 21), (6, 21)}
        # everything else is chance: the all-week spot and the background's chance hot spots.
        # FDR control allows a false block now and then among the true ones, not more
        others = found[(found["period"] == year)
                       & ~(found["area_code"].isin(night) & found["weekday"].isin([5, 6])
                           & (found["hour_from"] == 21))]
        assert len(others) <= 1, others


def test_label_clusters_joins_cells_that_share_an_edge() -> None:
    # a 5 × 3 grid: an L of three hot cells, a single hot cell touching it at a corner only,
    # and a pair of hot cells far off; counts make the pair the largest cluster
    x, y = np.meshgrid(np.arange(5) * 100.0, np.arange(3) * 100.0, indexing="ij")
    cells = pd.DataFrame({"x_min": x.ravel(), "y_min": y.ravel()})
    hot = {(0, 0): 2, (1, 0): 2, (1, 1): 2, (2, 2): 1, (4, 0): 9, (4, 1): 9}
    key = list(zip((x.ravel() // 100).astype(int), (y.ravel() // 100).astype(int), strict=True))
    cells["gi_class_2024"] = ["hot spot 95%" if k in hot else "niet significant" for k in key]
    cells.loc[cells.index[[key.index((2, 2))]], "gi_class_2024"] = "hot spot 99%"
    cells["count_2024"] = [hot.get(k, 0) for k in key]
    codes = dict(zip(key, label_clusters(cells, [2024], 100.0)[2024], strict=True))
    assert codes[(4, 0)] == codes[(4, 1)] == "2024-1"
    assert codes[(0, 0)] == codes[(1, 0)] == codes[(1, 1)] == "2024-2"
    assert codes[(2, 2)] == "2024-3"  # a corner is not an edge
    assert {codes[k] for k in key if k not in hot} == {""}
