"""Time the grid stages on the real Dordrecht buurten with synthetic meldingen.

Run from the repository root::

    .venv/bin/python benchmarks/bench_grid.py [--per-year 5800]

Prints a table of wall times for make_grid, cell_counts, the neighbour weights, the background
(cell-buurt overlaps and the expected counts) and the hot-spot test (Gi* z and the exact window
test) per period, and the whole analyse_grid. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hotspotkaart.config.settings import AnalysisConfig, Periods  # noqa: E402
from hotspotkaart.engine.counting import area_counts  # noqa: E402
from hotspotkaart.engine.grid import cell_counts, make_grid  # noqa: E402
from hotspotkaart.engine.join import assign_areas  # noqa: E402
from hotspotkaart.stats.areas import area_year_counts  # noqa: E402
from hotspotkaart.stats.background import (  # noqa: E402
    area_shares,
    expected_counts,
    window_sums,
)
from hotspotkaart.stats.grid import analyse_grid  # noqa: E402
from hotspotkaart.stats.hotspots import gi_star, neighbours  # noqa: E402

BUURTEN = ROOT / "geo" / "dordrecht_buurten_2024.geojson"


def synthetic_incidents(buurten: gpd.GeoDataFrame, per_year: int, seed: int) -> gpd.GeoDataFrame:
    """Half uniform inside the buurten, half around a few busy spots (all inside)."""
    rng = np.random.default_rng(seed)
    union = buurten.geometry.union_all()
    x0, y0, x1, y1 = buurten.total_bounds
    frames = []
    for year in (2023, 2024):
        uniform = np.column_stack([rng.uniform(x0, x1, per_year * 4),
                                   rng.uniform(y0, y1, per_year * 4)])
        uniform = uniform[shapely.contains_xy(union, uniform[:, 0], uniform[:, 1])]
        uniform = uniform[: per_year // 2]
        centres = buurten.geometry.representative_point().sample(8, random_state=seed + year)
        n_spot = per_year - len(uniform)
        pick = rng.integers(0, len(centres), n_spot * 3)
        spots = np.column_stack([centres.x.to_numpy()[pick], centres.y.to_numpy()[pick]])
        spots += rng.normal(0, 150, spots.shape)
        spots = spots[shapely.contains_xy(union, spots[:, 0], spots[:, 1])][:n_spot]
        xy = np.vstack([uniform, spots])
        frames.append(gpd.GeoDataFrame(
            {"period": year, "category": rng.choice(["Jeugd", "Alcohol/drugs", "Geluid"],
                                                    len(xy)),
             "date": pd.Timestamp(f"{year}-06-01")},
            geometry=shapely.points(xy), crs=buurten.crs,
        ))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=buurten.crs)


def timed(label: str, rows: list[tuple[str, float]], func: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = func()
    rows.append((label, time.perf_counter() - start))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-year", type=int, default=5800)
    parser.add_argument("--cell-size", type=float, default=100.0)
    args = parser.parse_args()

    buurten = gpd.read_file(BUURTEN)
    periods = Periods(2023, 2024)
    config = AnalysisConfig(cell_size=args.cell_size)
    incidents = assign_areas(synthetic_incidents(buurten, args.per_year, seed=1), buurten)
    rows: list[tuple[str, float]] = []

    grid = timed("make_grid", rows, lambda: make_grid(buurten, config.cell_size))
    counts = timed("cell_counts", rows,
                   lambda: cell_counts(incidents, grid, periods, config.cell_size))
    w = timed("neighbours (queen, arithmetic)", rows, lambda: neighbours(grid, config.cell_size))
    shares = timed("cell-buurt overlaps", rows, lambda: area_shares(grid, buurten))
    per_buurt = area_year_counts(area_counts(incidents, "buurtcode", periods), buurten,
                                 "buurtcode", periods)
    per_cell = {y: counts.counts[f"count_{y}"].to_numpy(float) for y in periods.years}
    pooled = window_sums(per_cell[2023] + per_cell[2024], w)
    for year in periods.years:
        expected = timed(f"expected counts {year}", rows, lambda year=year: expected_counts(
            grid, shares, per_buurt[year], per_cell[year], pooled, config.cell_size))
        timed(f"hot-spot test {year}", rows,
              lambda year=year, expected=expected: gi_star(per_cell[year], w, expected))
    result = timed("analyse_grid (all)", rows,
                   lambda: analyse_grid(incidents, buurten, periods, config))

    print(f"Dordrecht: {len(buurten)} buurten, {len(grid)} cells of {config.cell_size:g} m, "
          f"{args.per_year} meldingen per year")
    print(f"{'stage':<36}{'seconds':>10}")
    print("-" * 46)
    for label, seconds in rows:
        print(f"{label:<36}{seconds:>10.3f}")
    for year in periods.years:
        classes = result.cells[f"gi_class_{year}"].value_counts().to_dict()
        print(f"{year}: {classes}")


if __name__ == "__main__":
    main()
