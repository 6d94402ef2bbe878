"""The power and the error rates of the hot-spot and change tests, on generated meldingen.

Run from the repository root::

    .venv/bin/python benchmarks/bench_power.py [--seeds 5] [--background 1500]

For planted clusters of growing size (incidents around a point, normal with 60 m spread) over a
random background covering part of Dordrecht (tests/helpers/patterns.py), prints how often a
cluster is found: as a hot spot of its year, and with the right tested change per cell
(``persistent``: hot in both years and no significant change; ``new``: ``significante stijging``;
``ended``: ``significante daling``). Then the false positives on inputs without any cluster:
random patterns over three kinds of coverage, and repeat reports at an unchanged rate. Rates
over the seeds; not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.helpers.patterns import (  # noqa: E402
    YEARS,
    Bursts,
    cluster,
    coverage,
    meldingen,
    uniform_points,
    write_project,
)

from hotspotkaart.config.settings import load_config  # noqa: E402
from hotspotkaart.pipeline import BuildResult, analyse  # noqa: E402
from hotspotkaart.stats.change import DALING, STIJGING  # noqa: E402

SIGNIFICANT = (STIJGING, DALING)
SIZES = (10, 20, 30, 40, 60, 80, 120)


def run(frames: list) -> BuildResult:
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse(load_config(write_project(Path(folder), frames)))


def found(result: BuildResult, point: np.ndarray) -> dict[str, bool]:
    cells = result.grid.cells
    near = (np.hypot(cells["x_min"] + 50 - point[0], cells["y_min"] + 50 - point[1])
            < 120).to_numpy()
    hot = {y: cells[f"gi_class_{y}"].str.startswith("hot spot").to_numpy()[near].any()
           for y in YEARS}
    change = set(cells.loc[near, "change_class"])
    return {"hot_2023": bool(hot[2023]), "hot_2024": bool(hot[2024]),
            "stijging": "significante stijging" in change,
            "daling": "significante daling" in change,
            "changed": bool(change & set(SIGNIFICANT))}


def power(size: int, seeds: int, background: int) -> dict[str, float]:
    rates: dict[str, list[bool]] = {"persistent": [], "new": [], "ended": []}
    for seed in range(seeds):
        rng = np.random.default_rng(1000 * size + seed)
        covered = coverage("built", seed)
        persistent, new, ended = uniform_points(rng, covered, 3)
        points = {year: [uniform_points(rng, covered, background)] for year in YEARS}
        points[2023] += [cluster(rng, persistent, size), cluster(rng, ended, size)]
        points[2024] += [cluster(rng, persistent, size), cluster(rng, new, size)]
        result = run([meldingen(rng, np.vstack(points[y]), y) for y in YEARS])
        p, n, e = found(result, persistent), found(result, new), found(result, ended)
        rates["persistent"].append(p["hot_2023"] and p["hot_2024"] and not p["changed"])
        rates["new"].append(n["hot_2024"] and n["stijging"])
        rates["ended"].append(e["hot_2023"] and e["daling"])
    return {k: float(np.mean(v)) for k, v in rates.items()}


def false_positives(seeds: int, background: int) -> list[tuple[str, dict[str, float]]]:
    rows = []
    for label, kind, bursts in (("random, built-up buurten", "built", Bursts()),
                                ("random, a disk through buurten", "disk", Bursts()),
                                ("random, the west of the city", "strip", Bursts()),
                                ("repeat reports (mean 3, 30 % nightly)", "built",
                                 Bursts(3.0, 0.3))):
        figures: dict[str, list[float]] = {"hot cells %": [], "changed cells %": [],
                                           "changed buurten %": [], "changed wijken": [],
                                           "dispersion": []}
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            covered = coverage(kind, seed)
            result = run([meldingen(rng, uniform_points(rng, covered, background), y, bursts)
                          for y in YEARS])
            cells, buurten = result.grid.cells, result.buurten
            tested = buurten["change_class_trend"] != "te weinig meldingen"
            figures["hot cells %"].append(100 * np.mean([
                cells[f"gi_class_{y}"].str.startswith("hot spot").mean() for y in YEARS]))
            figures["changed cells %"].append(100 * cells["change_class"].isin(SIGNIFICANT)
                                              .mean())
            figures["changed buurten %"].append(
                100 * buurten.loc[tested, "change_class"].isin(SIGNIFICANT).mean())
            figures["changed wijken"].append(
                float(result.wijken["change_class"].isin(SIGNIFICANT).sum()))
            figures["dispersion"].append(result.dispersion.applied if result.dispersion
                                         else 1.0)
        rows.append((label, {k: float(np.max(v)) if k == "changed wijken" else
                             float(np.mean(v)) for k, v in figures.items()}))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--background", type=int, default=1500,
                        help="background meldingen per year (default 1500)")
    args = parser.parse_args()
    start = time.perf_counter()
    print(f"Planted clusters over {args.background} background meldingen per year, "
          f"{args.seeds} seeds; share found with the right class")
    print(f"{'incidents':>10}{'persistent':>12}{'new':>8}{'ended':>8}")
    for size in SIZES:
        rate = power(size, args.seeds, args.background)
        print(f"{size:>10}{rate['persistent']:>12.2f}{rate['new']:>8.2f}{rate['ended']:>8.2f}")
    print()
    print(f"No cluster, {args.seeds} seeds: mean rates (wijken: the most in one run)")
    header = ("hot cells %", "changed cells %", "changed buurten %", "changed wijken",
              "dispersion")
    print(f"{'input':<40}" + "".join(f"{h:>19}" for h in header))
    for label, figures in false_positives(args.seeds, args.background):
        print(f"{label:<40}" + "".join(f"{figures[h]:>19.2f}" for h in header))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
