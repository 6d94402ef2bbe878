"""National-scale benchmark: per-stage time and peak memory of ``build``, against the raw limit.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scale.py                       # 10 k, 100 k, 1 M meldingen
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000,100000,1000000,5000000

What it does (issue #7):

1. Generates synthetic national input in a work folder (a temporary one unless ``--workdir``):
   a tessellation of ``--buurten`` (≈ 14 000) buurt polygons over a rough outline of the
   Netherlands in RD New (Voronoi cells of points that are denser around 40 towns, clipped to
   the outline), with CBS-like codes ``BU<gm4><wk2><bu2>`` grouped into ``--wijken`` wijken and
   ≈ 340 municipality blocks, all under one gemeentecode ``GM9999`` so that the tool's
   municipality filter keeps the whole country as one area; the wijken dissolved from them;
   cameratoezicht, alcoholverbod and veiligheidsrisicogebied zones and named locations as
   GeoPackages; and per size N meldingen over 2023–2024 as a Dutch CSV (``;``, decimal comma,
   ``dd-mm-jjjj hh:mm``, UTF-8 with BOM) with ≈ 1 % dated 2022 (out of period) and ≈ 0.3 % at
   sea (outside the area), plus a ``hotspotkaart.toml`` pointing at them. The grid uses
   ``--cell-size`` (1000 m by default, ≈ 38 000 cells; 500 m gives ≈ 154 000 cells and a 100 m
   grid over the whole country ≈ 3.8 M cells, beyond what esda's Gi* does in minutes here; see
   the README) and ``--permutations`` (99). The maps classify the buurt counts with
   ``mapclassify.FisherJenks`` on at most 1000 quantiles of the values
   (:func:`hotspotkaart.stats.classbreaks.jenks_breaks`); without numba it is an O(n²) pure-Python
   loop,
   and the report prints what it would cost on all 2 × 14 000 values.
2. Per size, in a fresh interpreter (so peak memory is per size), runs
   ``hotspotkaart.pipeline.build`` with every stage function wrapped by a timer. Wall time and
   peak resident memory (Linux ``VmHWM``, reset at every stage boundary through
   ``/proc/self/clear_refs``, so the peaks are exact, not sampled) are reported per stage and
   per group: read, validate (including the ledger), join, analysis, render, write.
3. In a second fresh interpreter per size, the peers on the same points and polygons: the
   tool's ``join_incidents`` against a bare ``shapely.STRtree(buurten).query(points,
   predicate="within")`` (the raw limit), one STRtree pass over buurten and zones together,
   and DuckDB's spatial join (``duckdb`` with the ``duckdb-extension-spatial`` wheel from PyPI,
   loaded from its file, offline). Without those packages the DuckDB row says "unavailable".
4. The overview map against ``GeoDataFrame.explore()`` of the same layers (buurten by change
   class and by count per year, hot-spot cells per year and their transitions, zones, locations,
   wijk outlines): HTML size, and load time in headless Chromium with the network blocked
   (Leaflet served from the vendored copy to the explore page, tiles answered with a blank PNG).
5. The Dordrecht figures of ``bench_maps.py`` (overview size and load time, demo build against
   ``import geopandas, folium``) unless ``--no-dordrecht``.

It prints the tables, the ratios and every target of issue #7 as PASS or FAIL. Nothing asserts;
not part of the test suite. Time and memory are those of this machine (2 cores, 24 GB); the load
average is printed, because other processes on the machine inflate wall times.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_maps import (
    MB,
    fmt_bytes,
    fmt_s,
    load_page,
    measure_dordrecht,
    open_browser,
    print_dordrecht,
    print_targets,
    python_env,
)

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
AREA_CODE = "GM9999"
YEARS = (2023, 2024)
GB = 1000 * MB

#: A rough outline of the Netherlands in RD New (EPSG:28992), without the Wadden islands.
NL_OUTLINE_RD = [
    (13_000, 372_000), (30_000, 395_000), (45_000, 415_000), (60_000, 440_000),
    (75_000, 460_000), (95_000, 490_000), (105_000, 530_000), (110_000, 555_000),
    (140_000, 570_000), (160_000, 580_000), (190_000, 603_000), (215_000, 605_000),
    (240_000, 610_000), (260_000, 600_000), (278_000, 585_000), (278_000, 565_000),
    (268_000, 545_000), (258_000, 522_000), (250_000, 500_000), (265_000, 490_000),
    (262_000, 470_000), (245_000, 445_000), (215_000, 435_000), (200_000, 425_000),
    (195_000, 410_000), (210_000, 375_000), (205_000, 355_000), (190_000, 335_000),
    (205_000, 310_000), (178_000, 307_000), (175_000, 320_000), (165_000, 355_000),
    (155_000, 370_000), (125_000, 380_000), (85_000, 385_000), (70_000, 375_000),
    (55_000, 360_000), (35_000, 365_000), (13_000, 365_000),
]
#: Towns (x, y in RD, relative weight): buurten and meldingen are denser around them.
TOWNS = [
    (121_000, 487_000, 9), (92_000, 437_000, 7), (81_000, 455_000, 6), (136_000, 456_000, 4),
    (161_000, 383_000, 3), (233_000, 582_000, 3), (133_000, 397_000, 2.5), (145_000, 487_000, 2),
    (112_000, 400_000, 2), (187_000, 428_000, 2), (195_000, 470_000, 2), (190_000, 444_000, 2),
    (104_000, 489_000, 2), (258_000, 471_000, 2), (155_000, 463_000, 2), (203_000, 503_000, 1.5),
    (182_000, 579_000, 1.5), (176_000, 318_000, 1.5), (105_000, 424_000, 1.5),
    (93_000, 464_000, 1.5), (150_000, 411_000, 1.5), (115_000, 495_000, 1.5),
    (209_000, 376_000, 1), (113_000, 551_000, 1), (31_000, 392_000, 1), (233_000, 557_000, 1),
    (257_000, 534_000, 1), (208_000, 473_000, 1), (194_000, 322_000, 1), (111_000, 516_000, 1),
    (140_000, 470_000, 1), (84_000, 447_000, 1), (92_000, 393_000, 1), (160_000, 502_000, 1),
    (173_000, 385_000, 1), (162_000, 420_000, 1), (108_000, 447_000, 1), (133_000, 518_000, 1),
    (175_000, 450_000, 1), (180_000, 565_000, 0.7),
]
CATEGORIES = ["Jeugd", "Alcohol/drugs", "Geluid", "Verward gedrag", "Burenruzie", "Vuurwerk",
              "Overig"]
CATEGORY_WEIGHTS = [0.25, 0.18, 0.2, 0.12, 0.1, 0.05, 0.1]
N_MUNICIPALITIES = 342
N_HOTSPOTS = 3000


# =============================================================================================
# Synthetic national input
# =============================================================================================


def nl_outline() -> Any:
    import shapely

    return shapely.make_valid(shapely.Polygon(NL_OUTLINE_RD))


def _uniform_in(outline: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    import shapely

    if n <= 0:
        return np.empty((0, 2))
    shapely.prepare(outline)
    x0, y0, x1, y1 = outline.bounds
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = np.column_stack([rng.uniform(x0, x1, 2 * n), rng.uniform(y0, y1, 2 * n)])
        xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
        out.append(xy)
        have += len(xy)
    return np.vstack(out)[:n]


def _around_towns(outline: Any, n: int, rng: np.random.Generator, sigma_m: float
                  ) -> np.ndarray:
    """Points around the towns (normal, sigma scaled by sqrt(weight)); misses land uniform."""
    import shapely

    towns = np.asarray(TOWNS, dtype=float)
    weights = towns[:, 2] / towns[:, 2].sum()
    pick = rng.choice(len(towns), n, p=weights)
    sigma = sigma_m * np.sqrt(towns[pick, 2])
    xy = towns[pick, :2] + rng.normal(0, 1, (n, 2)) * sigma[:, None]
    inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
    xy[~inside] = _uniform_in(outline, int((~inside).sum()), rng)
    return xy


def hotspot_centres(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The busy spots (RD x, y) and per spot its activity: 0 both years, 1 only 2023, 2 only 2024.

    Shared by the meldingen and the zones, from a fixed seed so every size has the same spots.
    """
    rng = np.random.default_rng(seed)
    xy = _around_towns(nl_outline(), N_HOTSPOTS, rng, sigma_m=2500)
    activity = rng.choice(3, N_HOTSPOTS, p=[0.7, 0.15, 0.15])
    return xy, activity


def write_boundaries(folder: Path, *, n_buurten: int, n_wijken: int, seed: int
                     ) -> dict[str, Any]:
    """Write ``buurten.gpkg`` and ``wijken.gpkg``: a tessellation of the outline."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    outline = nl_outline()
    n_town = int(0.55 * n_buurten)
    xy = np.vstack([_around_towns(outline, n_town, rng, sigma_m=3000),
                    _uniform_in(outline, n_buurten - n_town, rng)])
    xy = np.unique(np.round(xy, 1), axis=0)
    box = shapely.box(*shapely.buffer(outline, 10_000).bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=box,
                                                       ordered=True))
    clipped = shapely.intersection(cells, outline)
    clipped = np.array([_polygonal(g) for g in clipped], dtype=object)
    keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 100.0)
    clipped, xy = clipped[keep], xy[keep]

    # municipality blocks and wijk blocks of (about) equal area, wijken inside one block
    n_gm = min(N_MUNICIPALITIES, n_wijken)
    g_side = math.sqrt(outline.area / n_gm)
    w_side = g_side / max(1, round(math.sqrt(n_wijken / n_gm)))  # wijk tiles nest in blocks
    gkey = np.floor(xy[:, 0] / g_side).astype(int) * 10_000 + np.floor(xy[:, 1] / g_side)
    gm = pd.factorize(gkey, sort=True)[0] + 1
    wkey = np.floor(xy[:, 0] / w_side).astype(int) * 10_000 + np.floor(xy[:, 1] / w_side)
    frame = pd.DataFrame({"gm": gm, "wkey": wkey, "x": xy[:, 0], "y": xy[:, 1]})
    frame = frame.sort_values(["gm", "wkey", "y", "x"], kind="stable")
    frame["block"] = frame.groupby(["gm", "wkey"], sort=False).ngroup()
    frame["part"] = frame.groupby("block").cumcount() // 99  # ≤ 99 buurten per wijkcode
    wijk_numbers = frame[["gm", "block", "part"]].drop_duplicates()
    wijk_numbers["wk"] = wijk_numbers.groupby("gm").cumcount() + 1
    frame = frame.join(wijk_numbers.set_index(["gm", "block", "part"])["wk"],
                       on=["gm", "block", "part"])
    if int(frame["wk"].max()) > 99:
        msg = "more than 99 wijken in one municipality block; lower --wijken"
        raise SystemExit(msg)
    frame["bu"] = frame.groupby(["gm", "wk"]).cumcount()
    frame = frame.sort_index()
    gm4 = frame["gm"].map("{:04d}".format)
    wk2 = frame["wk"].map("{:02d}".format)
    buurten = gpd.GeoDataFrame({
        "buurtcode": "BU" + gm4 + wk2 + frame["bu"].map("{:02d}".format),
        "buurtnaam": "Buurt " + gm4 + "-" + wk2 + "-" + frame["bu"].map("{:02d}".format),
        "wijkcode": "WK" + gm4 + wk2,
        "wijknaam": "Wijk " + gm4 + "-" + wk2,
        "gemeentecode": AREA_CODE,
        "gemeentenaam": "Nederland (synthetisch)",
        "aantal_inwoners": rng.integers(50, 5000, len(frame)),
    }, geometry=clipped, crs="EPSG:28992")
    buurten = buurten.sort_values("buurtcode").reset_index(drop=True)
    wijken = buurten.dissolve("wijkcode", aggfunc={"wijknaam": "first", "gemeentecode": "first",
                                                   "gemeentenaam": "first",
                                                   "aantal_inwoners": "sum"}).reset_index()
    buurten.to_file(folder / "buurten.gpkg", driver="GPKG", engine="pyogrio")
    wijken.to_file(folder / "wijken.gpkg", driver="GPKG", engine="pyogrio")
    return {"buurten": len(buurten), "wijken": len(wijken),
            "municipality_blocks": int(frame["gm"].nunique()),
            "area_km2": round(outline.area / 1e6)}


def _polygonal(geom: Any) -> Any:
    import shapely

    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def write_zones_and_locations(folder: Path, *, n_camera: int, n_alcohol: int, n_risk: int,
                              n_locations: int, seed: int) -> dict[str, int]:
    """Write the three zone layers and the named locations as GeoPackages (RD New)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    spots, _ = hotspot_centres(seed=7)
    outline = nl_outline()
    counts = {}
    for kind, n, radius in (("cameratoezicht", n_camera, (120, 400)),
                            ("alcoholverbod", n_alcohol, (400, 1200)),
                            ("veiligheidsrisicogebied", n_risk, (800, 2000))):
        centres = spots[rng.choice(len(spots), n, replace=False)]
        zones = shapely.intersection(
            shapely.buffer(shapely.points(centres), rng.uniform(*radius, n), quad_segs=4),
            outline)
        start = np.where(rng.random(n) < 0.15, "2024-03-01", "2023-01-01")
        end = np.where(rng.random(n) < 0.15, "2023-12-31", None)
        end[start > "2023-12-31"] = None
        gpd.GeoDataFrame({"naam": [f"{kind} {i + 1}" for i in range(n)],
                          "geldig_vanaf": start, "geldig_tot": end},
                         geometry=zones, crs="EPSG:28992").to_file(
            folder / f"{kind}.gpkg", driver="GPKG", engine="pyogrio")
        counts[kind] = n
    pick = rng.choice(len(spots), n_locations, replace=False)
    years = rng.choice(YEARS, n_locations)
    gpd.GeoDataFrame({"naam": [f"Locatie {i + 1}" for i in range(n_locations)],
                      "jaar": years,
                      "status": rng.choice(["blijft", "afgenomen", "nieuw"], n_locations)},
                     geometry=shapely.points(spots[pick]), crs="EPSG:28992").to_file(
        folder / "locaties.gpkg", driver="GPKG", engine="pyogrio")
    counts["locations"] = n_locations
    return counts


def write_meldingen(path: Path, n: int, *, seed: int, chunk: int = 1_000_000) -> None:
    """Write ``n`` meldingen as a Dutch CSV, in chunks so that 5 M rows fit comfortably."""
    import pandas as pd
    import shapely

    outline = nl_outline()
    spots, activity = hotspot_centres(seed=7)
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            kind = rng.choice(3, m, p=[0.45, 0.25, 0.30])  # towns, busy spots, anywhere
            xy = np.empty((m, 2))
            xy[kind == 0] = _around_towns(outline, int((kind == 0).sum()), rng, sigma_m=2000)
            xy[kind == 2] = _uniform_in(outline, int((kind == 2).sum()), rng)
            spot = rng.integers(0, len(spots), m)
            at_spot = kind == 1
            xy[at_spot] = spots[spot[at_spot]] + rng.normal(0, 120, (int(at_spot.sum()), 2))
            year = rng.choice(YEARS, m)
            year[at_spot & (activity[spot] == 1)] = YEARS[0]
            year[at_spot & (activity[spot] == 2)] = YEARS[1]
            stray = at_spot & ~shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
            xy[stray] = _uniform_in(outline, int(stray.sum()), rng)
            # records the tool must reject: out of period, and at sea (outside every buurt)
            year[rng.random(m) < 0.01] = 2022
            sea = rng.random(m) < 0.003
            xy[sea] = np.column_stack([rng.uniform(0, 40_000, int(sea.sum())),
                                       rng.uniform(480_000, 600_000, int(sea.sum()))])
            days = np.where(year % 4 == 0, 366, 365)
            minutes = (rng.random(m) * days * 1440).astype("int64")
            first_day = (year - 1970).astype("datetime64[Y]").astype("datetime64[m]")
            dates = pd.Series(first_day + minutes.astype("timedelta64[m]"))
            frame = pd.DataFrame({
                "melding_id": [f"NL-{i:08d}" for i in range(start + 1, start + m + 1)],
                "datum": dates,
                "soort": rng.choice(CATEGORIES, m, p=CATEGORY_WEIGHTS),
                "x": np.round(xy[:, 0], 1),
                "y": np.round(xy[:, 1], 1),
            })
            frame.to_csv(handle, sep=";", decimal=",", date_format="%d-%m-%Y %H:%M",
                         float_format="%.1f", index=False, header=start == 0,
                         lineterminator="\r\n")
    tmp.replace(path)


CONFIG_TEMPLATE = """\
# Generated by benchmarks/bench_scale.py: synthetic national-scale input, not real data.
[area]
name = "Nederland (synthetisch)"
municipality_code = "{area}"
buurten = "buurten.gpkg"
wijken = "wijken.gpkg"
edition = "synthetische tessellatie (benchmark)"

[periods]
base = 2023
compare = 2024

[[incidents]]
path = "{csv}"
date = "datum"
category = "soort"
x = "x"
y = "y"
crs = "EPSG:28992"
id = "melding_id"
synthetic = true
{zones}
[[locations]]
path = "locaties.gpkg"
name = "naam"
year = "jaar"
status = "status"
synthetic = true

[analysis]
cell_size = {cell_size}
permutations = {permutations}
seed = 20240101

[maps]
basemap = "grijs"

[output]
dir = "maps"

[engine]
workers = {workers}
{engine}"""
ZONE_TEMPLATE = """
[[zones]]
kind = "{kind}"
path = "{kind}.gpkg"
name = "naam"
valid_from = "geldig_vanaf"
valid_to = "geldig_tot"
synthetic = true
"""


def write_config(folder: Path, csv_name: str, *, cell_size: float, permutations: int,
                 workers: str, engine: str = "memory", chunk_size: int | None = None) -> Path:
    zones = "".join(ZONE_TEMPLATE.format(kind=k) for k in
                    ("cameratoezicht", "alcoholverbod", "veiligheidsrisicogebied"))
    path = folder / f"hotspotkaart-{Path(csv_name).stem}.toml"
    extra = ""
    if engine == "dask":  # one partition per chunk: the chunks bound the memory
        extra = 'kind = "dask"\npartitions = 1\n'
        if chunk_size:
            extra += f"chunk_size = {chunk_size}\n"
    path.write_text(CONFIG_TEMPLATE.format(area=AREA_CODE, csv=csv_name, zones=zones,
                                           cell_size=f"{cell_size:g}",
                                           permutations=permutations,
                                           workers=workers if workers.isdigit()
                                           else f'"{workers}"', engine=extra),
                    encoding="utf-8")
    return path


def prepare_inputs(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse, when the parameters match) the boundaries, zones and locations."""
    params = {"buurten": args.buurten, "wijken": args.wijken, "zones": args.zones,
              "seed": args.seed, "version": 1}
    marker = folder / "inputs.json"
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored.get("params") == params:
            return dict(stored["info"])
    start = time.perf_counter()
    info = write_boundaries(folder, n_buurten=args.buurten, n_wijken=args.wijken,
                            seed=args.seed)
    n_camera, n_alcohol, n_risk = args.zones
    info.update(write_zones_and_locations(folder, n_camera=n_camera, n_alcohol=n_alcohol,
                                          n_risk=n_risk, n_locations=600, seed=args.seed))
    info["generated_s"] = round(time.perf_counter() - start, 1)
    marker.write_text(json.dumps({"params": params, "info": info}, indent=2))
    return info


def meldingen_csv(folder: Path, n: int, seed: int) -> Path:
    path = folder / f"meldingen_{n}.csv"
    if not path.exists():
        write_meldingen(path, n, seed=seed + n)
    return path


# =============================================================================================
# Per-stage time and peak memory (runs inside the child interpreter)
# =============================================================================================


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


class TreeMemory:
    """Samples the proportional set size (PSS) of this process and its worker processes.

    The build's workers are forked: their resident sets share most pages with this process,
    so adding RSS would count those pages several times. PSS divides every shared page among
    the processes that map it, so the sum over the tree is the memory the build really holds.
    Sampled every ``interval`` seconds in a thread; a short spike between samples is missed.
    """

    def __init__(self, interval: float = 0.2) -> None:
        import threading

        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text(encoding="ascii").split()
        except OSError:
            continue
        for child in children:
            pids += _tree(int(child))
    return pids


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class _Frame:
    name: str
    start: float
    peak: int
    children: float = 0.0


@dataclass
class StageRecord:
    """Totals of one stage over all its calls."""

    calls: int = 0
    inclusive: float = 0.0
    exclusive: float = 0.0
    peak: int = 0


@dataclass
class StageClock:
    """Wraps functions; records wall time (inclusive and exclusive) and exact peak RSS.

    At every stage boundary the kernel's high-water mark (``VmHWM``) is read, credited to every
    stage open at that moment, and reset (``/proc/self/clear_refs``), so each stage's peak is
    the true maximum of the resident set while it ran, nested stages included.
    """

    records: dict[str, StageRecord] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    peak: int = 0
    exact: bool = True
    order: list[str] = field(default_factory=list)
    log: Any = None

    def note(self, **entry: Any) -> None:
        """Append one line to the live log, so a build that times out still tells where."""
        if self.log is not None:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def boundary(self) -> None:
        high = _status_kb("VmHWM") if self.exact else _status_kb("VmRSS")
        for frame in self.stack:
            frame.peak = max(frame.peak, high)
        self.peak = max(self.peak, high)
        if self.exact:
            self.exact = _reset_peak()

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        if name not in self.order:
            self.order.append(name)

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.boundary()
            frame = _Frame(name, time.perf_counter(), _status_kb("VmRSS"))
            self.stack.append(frame)
            self.note(start=name)
            try:
                return func(*args, **kwargs)
            finally:
                self.boundary()
                self.stack.pop()
                elapsed = time.perf_counter() - frame.start
                record = self.records.setdefault(name, StageRecord())
                record.calls += 1
                record.inclusive += elapsed
                record.exclusive += elapsed - frame.children
                record.peak = max(record.peak, frame.peak)
                if self.stack:
                    self.stack[-1].children += elapsed
                self.note(end=name, seconds=round(elapsed, 3),
                          exclusive=round(elapsed - frame.children, 3), peak=frame.peak)

        return timed

    def patch(self, owner: Any, attr: str, name: str) -> bool:
        func = getattr(owner, attr, None)
        if func is None or not callable(func):
            return False
        setattr(owner, attr, self.wrap(name, func))
        return True


#: (module, attribute, stage label, group). Names that a module no longer has are skipped.
#: A function is patched in the module that calls it, where the call looks the name up: grid's
#: grid_tests calls neighbours and gi_star (from hotspots), sources' _read_one calls
#: read_csv_text (from csvtext).
STAGES: list[tuple[str, str, str, str]] = [
    ("hotspotkaart.pipeline", "build", "build (pipeline glue)", "other"),
    ("hotspotkaart.pipeline", "read_boundaries", "read boundaries", "read"),
    ("hotspotkaart.pipeline", "read_zones", "read zones", "read"),
    ("hotspotkaart.pipeline", "read_locations", "read locations", "read"),
    ("hotspotkaart.pipeline", "read_incidents", "read meldingen: other", "read"),
    ("hotspotkaart.io.incidents", "read_csv_text", "read meldingen: CSV text → strings", "read"),
    # the dask engine reads CSV piece by piece (csvtext.iter_csv_text, a generator): its steps
    ("hotspotkaart.io.csvtext", "scan_encoding", "read meldingen: encoding scan", "read"),
    ("hotspotkaart.io.csvtext", "_fast_records", "read meldingen: splitting records", "read"),
    ("hotspotkaart.io.incidents", "_parse_table", "read meldingen: numbers, CRS", "read"),
    ("hotspotkaart.io.incidents", "_validate", "validate meldingen (dates, checks)", "validate"),
    ("hotspotkaart.io.incidents", "_reject_duplicate_ids", "validate: duplicate ids", "validate"),
    ("hotspotkaart.io.ledger.Ledger", "register", "accounting: ledger.register", "validate"),
    ("hotspotkaart.io.ledger.Ledger", "reject", "accounting: ledger.reject", "validate"),
    ("hotspotkaart.pipeline", "_summary", "accounting: summary check", "validate"),
    ("hotspotkaart.pipeline", "join_incidents", "join: other", "join"),
    ("hotspotkaart.engine.join", "assign_areas", "join: buurt and wijk", "join"),
    ("hotspotkaart.engine.join", "flag_zones", "join: zone flags", "join"),
    ("hotspotkaart.pipeline", "count_incidents", "analysis: counting, other", "analysis"),
    ("hotspotkaart.pipeline", "count_in_chunks", "analysis: counting, dask engine", "analysis"),
    ("hotspotkaart.engine.tables", "area_counts", "analysis: counting per area", "analysis"),
    ("hotspotkaart.engine.tables", "grid_counts", "analysis: counting per cell", "analysis"),
    ("hotspotkaart.engine.tables", "zone_counts", "analysis: counting per zone", "analysis"),
    ("hotspotkaart.pipeline", "assess", "analysis: testing stage, other", "analysis"),
    ("hotspotkaart.stats.testing", "area_table_from_counts",
     "analysis: area tables (binomtest)", "analysis"),
    ("hotspotkaart.stats.testing", "count_breaks", "analysis: class breaks (Fisher–Jenks)",
     "analysis"),
    ("hotspotkaart.stats.testing", "grid_tests", "analysis: Gi* per year, other", "analysis"),
    ("hotspotkaart.stats.testing", "analyse_grid_from_counts", "analysis: grid other",
     "analysis"),
    ("hotspotkaart.pipeline", "make_grid", "analysis: make_grid", "analysis"),
    ("hotspotkaart.stats.grid", "make_grid", "analysis: make_grid", "analysis"),
    ("hotspotkaart.stats.grid", "cell_counts", "analysis: cell_counts", "analysis"),
    ("hotspotkaart.stats.grid", "neighbours", "analysis: neighbours (Graph)", "analysis"),
    ("hotspotkaart.stats.grid", "gi_star", "analysis: Gi* (esda)", "analysis"),
    ("hotspotkaart.stats.testing", "zone_table_from_counts", "analysis: zone statistics",
     "analysis"),
    ("hotspotkaart.pipeline", "map_data", "render: map data", "render"),
    ("hotspotkaart.pipeline", "map_context", "render: map context", "render"),
    ("hotspotkaart.pipeline", "overview_map", "render: overzicht (folium)", "render"),
    ("hotspotkaart.pipeline", "comparison_page", "render: vergelijking", "render"),
    ("hotspotkaart.pipeline", "field_map", "render: veldkaart (folium)", "render"),
    ("hotspotkaart.pipeline", "wijk_map", "render: wijk maps (folium)", "render"),
    ("hotspotkaart.pipeline", "index_page", "render: index", "render"),
    ("hotspotkaart.pipeline", "render", "render: folium tree → HTML", "render"),
    ("hotspotkaart.pipeline", "write_html", "write: html (inline, check)", "write"),
    ("hotspotkaart.pipeline", "write_csv", "write: csv tables", "write"),
    ("hotspotkaart.pipeline", "write_geopackage", "write: geopackage", "write"),
    ("hotspotkaart.pipeline", "write_json", "write: summary.json", "write"),
    ("hotspotkaart.io.export.Staging", "commit", "write: move into place", "write"),
    # With more than one worker, the stages above that run inside a worker (the testing steps,
    # every page and table) are not timed one by one: their wall time lands here.
    ("hotspotkaart.pipeline", "run_jobs", "jobs on worker processes", "workers"),
    ("hotspotkaart.stats.testing", "run_jobs", "jobs on worker processes", "workers"),
]
GROUPS = ("read", "validate", "join", "analysis", "render", "write", "workers", "other")


def install_clock() -> tuple[StageClock, dict[str, str]]:
    import importlib

    clock = StageClock()
    clock.exact = _reset_peak()
    groups: dict[str, str] = {}
    for module_name, attr, label, group in STAGES:
        owner: Any
        if module_name.endswith((".Ledger", ".Staging")):
            module, cls = module_name.rsplit(".", 1)
            owner = getattr(importlib.import_module(module), cls)
        else:
            owner = importlib.import_module(module_name)
        if clock.patch(owner, attr, label):
            groups[label] = group
    return clock, groups


def jenks_probe() -> dict[str, Any]:
    """Time ``mapclassify.FisherJenks`` (k = 5) on 500 and 1000 values; fit ``c · n²``.

    Without numba, mapclassify runs its O(n² k) Fisher–Jenks loop in pure Python; the maps call
    it on the buurt counts of both years (2 × the number of buurten values).
    """
    import warnings

    import mapclassify

    rng = np.random.default_rng(0)
    fits = []
    for n in (500, 1000):
        values = rng.poisson(8, n) + rng.random(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            mapclassify.FisherJenks(values, k=5)
            fits.append((time.perf_counter() - start) / n**2)
    try:
        import numba  # noqa: F401

        has_numba = True
    except ImportError:
        has_numba = False
    return {"c": max(fits), "numba": has_numba}


def child_build(config_path: Path, out: Path, report: Path, *, explore: bool) -> None:
    """Run one instrumented build (in a fresh interpreter) and write the figures as JSON."""
    import warnings

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    import geopandas  # noqa: F401

    import hotspotkaart.pipeline as pipeline
    from hotspotkaart.config.settings import load_config
    from hotspotkaart.runtime.parallel import resolve_workers

    import_s = time.perf_counter() - start
    probe = jenks_probe()
    baseline = _status_kb("VmRSS")
    clock, groups = install_clock()
    clock.log = open(report.with_suffix(".log"), "w", encoding="utf-8")  # noqa: SIM115
    config = load_config(config_path)
    cpu0 = time.process_time()
    start = time.perf_counter()
    with TreeMemory() as tree:
        result = pipeline.build(config, out)
    build_s = time.perf_counter() - start
    build_cpu = time.process_time() - cpu0
    clock.boundary()
    build_peak = clock.peak
    summary = result.summary
    pages = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*.html"))}
    files = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.glob("*"))
             if p.is_file() and p.suffix != ".html"}
    data: dict[str, Any] = {
        "import_s": import_s, "build_s": build_s, "build_cpu_s": build_cpu,
        "baseline_rss": baseline, "build_peak_rss": build_peak, "exact_peaks": clock.exact,
        "peak_pss_tree": tree.peak, "workers": resolve_workers(config.engine.workers),
        "worker_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "stages": {name: vars(clock.records[name]) | {"group": groups[name]}
                   for name in clock.order if name in clock.records},
        "pages": pages, "files": files,
        "incidents": summary["incidents"], "per_period": summary["per_period"],
        "n_buurten": len(result.buurten), "n_wijken": len(result.wijken),
        "n_cells": len(result.grid.cells), "n_zones": len(result.zones),
        "cell_size": config.analysis.cell_size, "permutations": config.analysis.permutations,
        "jenks_probe": probe,
    }
    if explore:
        try:
            data["explore"] = explore_peer(result, out / "explore.html")
        except ImportError as exc:  # explore() needs matplotlib, which hotspotkaart does not
            data["explore"] = {"unavailable": str(exc).split(". ")[0]}
    data["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report.write_text(json.dumps(data, indent=1, default=str))


def explore_peer(result: Any, path: Path) -> dict[str, Any]:
    """The overview's layers drawn with ``GeoDataFrame.explore()`` (folium defaults)."""
    import folium

    start = time.perf_counter()
    years = result.config.periods.years
    buurten = result.buurten
    fields = [c for c in ("buurtcode", "buurtnaam", "wijknaam", f"count_{years[0]}",
                          f"count_{years[1]}", "change_class") if c in buurten.columns]
    layer = buurten[[*fields, "geometry"]]
    fmap = layer.explore(column="change_class", name="Verandering per buurt", tooltip=fields,
                         cmap="RdBu_r")
    for year in years:
        layer.explore(m=fmap, column=f"count_{year}", scheme="Quantiles", k=5, cmap="YlOrRd",
                      name=f"Meldingen {year} per buurt", tooltip=fields, show=False)
    cells = result.grid.cells
    for year in years:
        hot = cells[cells[f"gi_class_{year}"] != "niet significant"]
        if not hot.empty:
            hot[["cell_id", f"count_{year}", f"gi_class_{year}", "geometry"]].explore(
                m=fmap, column=f"gi_class_{year}", name=f"Hot en cold spots {year}",
                show=False)
    moved = cells[cells["transition"] != "geen"]
    if not moved.empty:
        moved[["cell_id", "transition", "geometry"]].explore(m=fmap, column="transition",
                                                            name="Hot spots: overgang",
                                                            show=False)
    zones = result.zones
    if not zones.empty:
        zones[["kind", "name", "geometry"]].explore(m=fmap, column="kind", name="Zones")
    locations = result.locations
    if not locations.empty:
        cols = [c for c in ("name", "year", "status") if c in locations.columns]
        locations[[*cols, "geometry"]].explore(m=fmap, name="Locaties",
                                               marker_type="circle_marker")
    result.wijken[["wijkcode", "wijknaam", "geometry"]].explore(
        m=fmap, name="Wijken", style_kwds={"fill": False, "weight": 2, "color": "#333"})
    folium.LayerControl().add_to(fmap)
    fmap.save(str(path))
    return {"seconds": time.perf_counter() - start, "bytes": path.stat().st_size}


# =============================================================================================
# Join peers (runs inside a second child interpreter)
# =============================================================================================


#: Quick peers repeat until they have run this long (as timeit's autorange), so that the best
#: of a join of a few milliseconds is not one scheduler hiccup away from the truth.
_MIN_TOTAL_S = 0.5
_MAX_REPEATS = 50


def _best(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    value = None
    while len(times) < repeats or (sum(times) < _MIN_TOTAL_S and len(times) < _MAX_REPEATS):
        gc.collect()
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return min(times), value


def child_peers(config_path: Path, report: Path, *, repeats: int, duckdb_peer: bool) -> None:
    import warnings

    warnings.simplefilter("ignore")
    import shapely

    from hotspotkaart.config.settings import load_config
    from hotspotkaart.engine.join import join_incidents
    from hotspotkaart.io.boundaries import read_boundaries
    from hotspotkaart.io.incidents import read_incidents
    from hotspotkaart.io.ledger import Ledger
    from hotspotkaart.io.zones import read_zones

    config = load_config(config_path)
    ledger = Ledger()
    buurten = read_boundaries(config.area, ledger).buurten
    zones = read_zones(config.zones, ledger)
    candidates = read_incidents(config.incidents, config.periods, ledger)
    points = candidates.geometry.to_numpy()
    polygons = buurten.geometry.to_numpy()
    zone_polygons = zones.geometry.to_numpy()
    data: dict[str, Any] = {"points": len(points), "buurten": len(polygons),
                            "zones": len(zone_polygons), "repeats": repeats}

    tool_s, joined = _best(lambda: join_incidents(candidates, buurten, zones, Ledger()),
                           repeats)
    data["tool"] = {"seconds": tool_s, "matched": len(joined)}
    del joined

    def bare() -> Any:
        return shapely.STRtree(polygons).query(points, predicate="within")

    bare_s, pairs = _best(bare, repeats)
    data["strtree"] = {"seconds": bare_s, "matched": len(np.unique(pairs[0]))}
    del pairs

    everything = np.concatenate([polygons, zone_polygons])

    def one_pass() -> Any:
        return shapely.STRtree(everything).query(points, predicate="intersects")

    one_s, pairs = _best(one_pass, repeats)
    data["strtree_all"] = {"seconds": one_s,
                           "matched": len(np.unique(pairs[0][pairs[1] < len(polygons)]))}
    del pairs
    data["duckdb"] = (duckdb_join(points, polygons, repeats) if duckdb_peer
                      else {"unavailable": "skipped (--no-duckdb)"})
    report.write_text(json.dumps(data, indent=1, default=str))


def duckdb_join(points: np.ndarray, polygons: np.ndarray, repeats: int) -> dict[str, Any]:
    """DuckDB spatial join of the same points and buurten; the extension loads from its wheel."""
    try:
        import duckdb
    except ImportError:
        return {"unavailable": "duckdb is not installed (pip install duckdb)"}
    import pandas as pd
    import shapely

    version = duckdb.__version__
    try:
        import duckdb_extension_spatial

        package = Path(duckdb_extension_spatial.__file__).parent
        found = sorted(package.glob(f"extensions/v{version}/spatial.duckdb_extension"))
        if not found:
            return {"unavailable": f"duckdb-extension-spatial has no build for duckdb {version}"}
        extension = found[0]
    except ImportError:
        extension = None
    con = duckdb.connect()
    try:
        if extension is not None:
            con.execute(f"LOAD '{extension}'")
        else:
            con.execute("LOAD spatial")  # works only if already installed; no download here
    except duckdb.Error as exc:
        return {"unavailable": "spatial extension not loadable offline "
                               f"({str(exc).splitlines()[0]}); pip install "
                               f"duckdb-extension-spatial=={version}"}
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    start = time.perf_counter()
    xy = pd.DataFrame({"i": np.arange(len(points)), "x": shapely.get_x(points),
                       "y": shapely.get_y(points)})
    wkb = pd.DataFrame({"j": np.arange(len(polygons)),
                        "wkb": shapely.to_wkb(polygons, output_dimension=2)})
    con.register("xy", xy)
    con.register("wkb", wkb)
    con.execute("CREATE TABLE pts AS SELECT i, ST_Point(x, y) AS geom FROM xy")
    con.execute("CREATE TABLE bu AS SELECT j, ST_GeomFromWKB(wkb) AS geom FROM wkb")
    load_s = time.perf_counter() - start
    query = ("SELECT pts.i, bu.j FROM pts JOIN bu ON ST_Within(pts.geom, bu.geom)")
    plan = "\n".join(str(row[1]) for row in con.execute(f"EXPLAIN {query}").fetchall())
    operator = "SPATIAL_JOIN" if "SPATIAL_JOIN" in plan else "other (no spatial join operator)"

    def run() -> Any:
        return con.execute(query).fetchnumpy()

    join_s, result = _best(run, repeats)
    matched = len(np.unique(result["i"]))
    con.close()
    return {"seconds": join_s, "load_s": load_s, "matched": matched, "version": version,
            "threads": threads[0] if threads else None, "operator": operator}


# =============================================================================================
# The parent: generate, run the children, load the pages, print
# =============================================================================================


def run_child(args: list[str], timeout: float) -> tuple[bool, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    try:
        done = subprocess.run(cmd, env=python_env(), cwd=ROOT, timeout=timeout,
                              capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return False, f"exit {done.returncode}: {' | '.join(tail)}"
    return True, ""


def loadavg() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="numbers of meldingen, comma-separated (add 5000000 for the 5 M run)")
    parser.add_argument("--permutations", type=int, default=99,
                        help="Gi* permutations in the generated config (default 99)")
    parser.add_argument("--cell-size", type=float, default=1000.0,
                        help="grid cell size in metres for the national grid (default 1000; "
                             "500 gives ≈ 154 000 cells and ≈ 75 s of Gi* per build)")
    parser.add_argument("--buurten", type=int, default=14_000,
                        help="buurt polygons in the tessellation (default 14000)")
    parser.add_argument("--wijken", type=int, default=150,
                        help="target number of wijken (default 150, which gives ≈ 250 because "
                             "a wijkcode holds at most 99 buurten; real NL has ≈ 3300: every "
                             "wijk gets its own map, so this drives the render time)")
    parser.add_argument("--zones", type=lambda s: tuple(int(v) for v in s.split(",")),
                        default=(300, 200, 50),
                        help="cameratoezicht,alcoholverbod,veiligheidsrisicogebied zones "
                             "(default 300,200,50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="auto",
                        help="[engine] workers of the build (default auto: one per CPU); "
                             "1 gives the per-stage breakdown of every stage")
    parser.add_argument("--engine", choices=("memory", "dask"), default="memory",
                        help="[engine] kind of the build (default memory); dask reads the "
                             "meldingen in chunks, one partition each")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="[engine] chunk_size for --engine dask (default the tool's)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats of each join peer (best of, more until 0.5 s) and page "
                             "load (median); sizes of 1 M and more use 1 join repeat")
    parser.add_argument("--workdir", type=Path,
                        help="keep generated input and outputs here (reused when it matches)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before a child build is given up (default 1800)")
    parser.add_argument("--national-loads", type=int, default=1,
                        help="loads of each national page in Chromium (median; default 1)")
    parser.add_argument("--no-browser", action="store_true", help="skip the page loads")
    parser.add_argument("--no-dordrecht", action="store_true",
                        help="skip the Dordrecht figures (bench_maps)")
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB peer")
    parser.add_argument("--tiles", choices=("stub", "abort"), default="stub")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--report-from", type=Path, metavar="JSON",
                        help="print the report of an earlier run's --json file; run nothing")
    # internal: the child modes
    parser.add_argument("--child-build", nargs=3, metavar=("CONFIG", "OUT", "REPORT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-peers", nargs=2, metavar=("CONFIG", "REPORT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--explore", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child_build:
        config, out, report = (Path(p) for p in args.child_build)
        child_build(config, out, report, explore=args.explore)
        return
    if args.child_peers:
        config, report = (Path(p) for p in args.child_peers)
        child_peers(config, report, repeats=args.repeats, duckdb_peer=not args.no_duckdb)
        return

    if args.report_from:
        saved = json.loads(args.report_from.read_text())
        runs = {int(k): v for k, v in saved["runs"].items()}
        loads = {int(k): v for k, v in saved["loads"].items()}
        print(saved.get("header", ""))
        print_report(saved["sizes"], runs, loads, saved["dordrecht"], args)
        return
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    header = (f"bench_scale — {time.strftime('%Y-%m-%d %H:%M')}, Python "
              f"{sys.version.split()[0]}, {os.cpu_count()} cores, load average {loadavg()}")
    print(header)
    print(f"work folder {folder}{'' if args.workdir else ' (removed at the end)'}")
    try:
        info = prepare_inputs(folder, args)
        header += (f"\ninput: {info['buurten']} buurten in {info['wijken']} wijken and "
                   f"{info['municipality_blocks']} municipality blocks over "
                   f"{info['area_km2']} km², {info['cameratoezicht']}/{info['alcoholverbod']}/"
                   f"{info['veiligheidsrisicogebied']} zones, {info['locations']} locations; "
                   f"grid {args.cell_size:g} m, {args.permutations} permutations")
        print(header.splitlines()[-1])
        runs: dict[int, dict[str, Any]] = {}
        for n in sizes:
            runs[n] = run_size(folder, n, args)
        loads = {} if args.no_browser else page_loads(folder, sizes, runs, args)
        dordrecht = None if args.no_dordrecht else measure_dordrecht(
            args.repeats, args.tiles)
        print_report(sizes, runs, loads, dordrecht, args)
        if args.json:
            args.json.write_text(json.dumps({"header": header, "sizes": sizes, "runs": runs,
                                             "loads": loads, "dordrecht": dordrecht},
                                            indent=1, default=str))
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\ntotal {fmt_s(time.perf_counter() - started)}, load average now {loadavg()}")


def run_size(folder: Path, n: int, args: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    csv = meldingen_csv(folder, n, args.seed)
    generated = time.perf_counter() - start
    config = write_config(folder, csv.name, cell_size=args.cell_size,
                          permutations=args.permutations, workers=args.workers,
                          engine=args.engine, chunk_size=args.chunk_size)
    out = folder / f"maps_{n}"
    shutil.rmtree(out, ignore_errors=True)
    report = folder / f"build_{n}.json"
    report.unlink(missing_ok=True)
    print(f"\n[{n:,} meldingen] csv {fmt_bytes(csv.stat().st_size)} "
          f"(generated in {fmt_s(generated)}); building …", flush=True)
    ok, why = run_child(["--child-build", str(config), str(out), str(report), "--explore"],
                        args.timeout)
    run: dict[str, Any] = {"csv_bytes": csv.stat().st_size, "out": str(out)}
    run["progress"] = progress(report.with_suffix(".log"))
    if ok:
        run["build"] = json.loads(report.read_text())
        print(f"  build {fmt_s(run['build']['build_s'])}, peak "
              f"{fmt_bytes(run['build']['build_peak_rss'])}; join peers …", flush=True)
    else:
        stuck = run["progress"]["open"]
        run["build_error"] = why + (f" in {' › '.join(stuck)}" if stuck else "")
        print(f"  build failed: {run['build_error']}", flush=True)
    peers = folder / f"peers_{n}.json"
    peers.unlink(missing_ok=True)
    repeats = 1 if n >= 1_000_000 else args.repeats
    extra = ["--no-duckdb"] if args.no_duckdb else []
    ok, why = run_child(["--child-peers", str(config), str(peers), "--repeats", str(repeats),
                         *extra], args.timeout)
    if ok:
        run["peers"] = json.loads(peers.read_text())
    else:
        run["peers_error"] = why
        print(f"  join peers failed: {why}", flush=True)
    return run


def progress(log: Path) -> dict[str, Any]:
    """Finished stages (exclusive seconds) and the stages still open, from a child's live log."""
    done: dict[str, float] = {}
    open_stages: list[str] = []
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "start" in entry:
                open_stages.append(entry["start"])
            else:
                done[entry["end"]] = done.get(entry["end"], 0.0) + entry["exclusive"]
                if entry["end"] in open_stages:
                    open_stages.reverse()
                    open_stages.remove(entry["end"])
                    open_stages.reverse()
    return {"done": done, "open": open_stages}


def page_loads(folder: Path, sizes: list[int], runs: dict[int, dict[str, Any]],
               args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    """Load the national overzicht.html and explore.html of every size in Chromium."""
    loads: dict[int, dict[str, Any]] = {}
    built = [n for n in sizes if (Path(runs[n]["out"]) / "overzicht.html").exists()]
    if not built:
        return loads
    # the pages do not depend on the number of meldingen (see the size table), and each load
    # of a national page takes seconds: load those of the largest size only
    print("\nloading the national pages in Chromium …", flush=True)
    with open_browser() as browser:
        warmed = False
        for n in built[-1:]:
            out = Path(runs[n]["out"])
            loads[n] = {}
            for name in ("overzicht.html", "explore.html"):
                page = out / name
                if not page.exists():
                    continue
                if not warmed:
                    load_page(browser, page, repeats=1, tiles=args.tiles)
                    warmed = True
                # national pages are tens of MB: one load each unless asked for more
                result = load_page(browser, page, repeats=args.national_loads,
                                   tiles=args.tiles)
                loads[n][name] = vars(result) | {"path": str(page)}
    return loads


# =============================================================================================
# The report
# =============================================================================================


def print_report(sizes: list[int], runs: dict[int, dict[str, Any]],
                 loads: dict[int, dict[str, Any]], dordrecht: dict[str, Any] | None,
                 args: argparse.Namespace) -> None:
    built = [n for n in sizes if "build" in runs[n]]
    print("\n=== build, per group: wall time (exclusive) and peak RSS while the group ran ===")
    header = f"{'group':<12}" + "".join(f"{f'{n:,}':>24}" for n in sizes)
    print(header)
    print("-" * len(header))
    for group in GROUPS:
        cells = []
        for n in sizes:
            if n not in built:
                cells.append(f"{'failed':>24}")
                continue
            stages = [s for s in runs[n]["build"]["stages"].values() if s["group"] == group]
            seconds = sum(s["exclusive"] for s in stages)
            peak = max((s["peak"] for s in stages), default=0)
            cells.append(f"{fmt_s(seconds):>11} {fmt_bytes(peak):>12}")
        print(f"{group:<12}" + "".join(cells))
    print("-" * len(header))
    for label, key in (("build", "build_s"), ("build CPU", "build_cpu_s")):
        print(f"{label:<12}" + "".join(
            f"{fmt_s(runs[n]['build'][key]):>24}" if n in built else f"{'—':>24}"
            for n in sizes))
    print(f"{'peak RSS':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build']['build_peak_rss']):>24}" if n in built else f"{'—':>24}"
        for n in sizes))
    print(f"{'peak PSS':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build'].get('peak_pss_tree', 0)):>24}" if n in built
        else f"{'—':>24}" for n in sizes))
    print(f"{'workers':<12}" + "".join(
        f"{runs[n]['build'].get('workers', 1):>24}" if n in built else f"{'—':>24}"
        for n in sizes))
    print(f"{'(imports)':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build']['baseline_rss']):>24}" if n in built else f"{'—':>24}"
        for n in sizes))

    print("peak RSS: the build's own process, exact (VmHWM); peak PSS: the build and its worker "
          "processes together, sampled every 0.2 s (shared pages counted once). With more than "
          "one worker the stages run inside workers are timed together under 'workers'; "
          "--workers 1 times each.")

    print("\n=== build, per stage: wall time (exclusive), calls, peak RSS ===")
    names: list[str] = []
    for n in built:
        names += [s for s in runs[n]["build"]["stages"] if s not in names]
    header = f"{'stage':<40}" + "".join(f"{f'{n:,}':>26}" for n in sizes)
    print(header)
    print("-" * len(header))
    for name in names:
        cells = []
        for n in sizes:
            stage = runs[n].get("build", {}).get("stages", {}).get(name)
            if stage is None:
                cells.append(f"{'—':>26}")
                continue
            calls = f"×{stage['calls']}" if stage["calls"] > 1 else ""
            cells.append(f"{fmt_s(stage['exclusive']):>10}{calls:>6}"
                         f"{fmt_bytes(stage['peak']):>10}")
        print(f"{name:<40}" + "".join(cells))

    print("\n=== records ===")
    for n in built:
        b = runs[n]["build"]
        inc = b["incidents"]
        print(f"{n:>10,}: read {inc.get('read')}, used {inc.get('used')}, rejected "
              f"{inc.get('rejected')}; {b['n_buurten']} buurten, {b['n_wijken']} wijken, "
              f"{b['n_cells']} cells of {b['cell_size']:g} m, {b['n_zones']} zones; "
              f"csv {fmt_bytes(runs[n]['csv_bytes'])}")

    if built:
        first = runs[built[0]]["build"]
        probe = first.get("jenks_probe")
        if probe:
            from hotspotkaart.stats.classbreaks import JENKS_MAX_VALUES

            n_values = 2 * first["n_buurten"]
            per_call = probe["c"] * n_values**2
            print(f"mapclassify.FisherJenks as installed (numba: "
                  f"{'yes' if probe['numba'] else 'no'}) costs ≈ {probe['c'] * 1e6:.2f} µs × n²:"
                  f" ≈ {fmt_s(per_call)} for the {n_values:,} buurt counts; overzicht, "
                  f"vergelijking and veldkaart each classify them, ≈ {fmt_s(3 * per_call)} per "
                  f"build. The tool classifies at most {JENKS_MAX_VALUES:,} quantiles of them "
                  f"(classbreaks.jenks_breaks).")

    print("\n=== join: the tool against the raw limit and DuckDB (seconds, best of repeats) ===")
    header = (f"{'size':>10}{'points':>10}{'tool':>9}{'STRtree':>9}{'ratio':>7}"
              f"{'STRtree+zones':>15}{'DuckDB':>9}{'(load)':>9}  matched (tool/STRtree/DuckDB)")
    print(header)
    print("-" * len(header))
    for n in sizes:
        p = runs[n].get("peers")
        if p is None:
            print(f"{n:>10,}  failed: {runs[n].get('peers_error')}")
            continue
        duck = p["duckdb"]
        duck_s = fmt_s(duck["seconds"]) if "seconds" in duck else "n/a"
        duck_load = fmt_s(duck.get("load_s"))
        ratio = p["tool"]["seconds"] / p["strtree"]["seconds"]
        print(f"{n:>10,}{p['points']:>10,}{fmt_s(p['tool']['seconds']):>9}"
              f"{fmt_s(p['strtree']['seconds']):>9}{ratio:>6.1f}×"
              f"{fmt_s(p['strtree_all']['seconds']):>15}{duck_s:>9}{duck_load:>9}  "
              f"{p['tool']['matched']}/{p['strtree']['matched']}/{duck.get('matched', '—')}")
    duck_notes = {json.dumps(runs[n]["peers"]["duckdb"].get("unavailable")
                             or {k: runs[n]["peers"]["duckdb"].get(k)
                                 for k in ("version", "threads", "operator")})
                  for n in sizes if "peers" in runs[n]}
    for note in duck_notes:
        print(f"DuckDB: {note}")
    print("tool = join_incidents (buurt, wijk and three zone kinds, rejections); STRtree = "
          "STRtree(buurten).query(points, 'within'), tree build included; STRtree+zones = one "
          "tree over buurten and zones. DuckDB (load) = building its point and polygon tables.")

    print("\n=== maps: HTML size per size of input (aggregated layers: should not grow) ===")
    page_names = ["overzicht.html", "vergelijking.html", "veldkaart.html", "index.html"]
    header = f"{'page':<22}" + "".join(f"{f'{n:,}':>14}" for n in sizes)
    print(header)
    print("-" * len(header))
    for name in page_names:
        print(f"{name:<22}" + "".join(
            f"{fmt_bytes(runs[n]['build']['pages'].get(name)):>14}" if n in built
            else f"{'—':>14}" for n in sizes))
    print(f"{'wijken/* (total)':<22}" + "".join(
        f"{fmt_bytes(sum(v for k, v in runs[n]['build']['pages'].items() if k.startswith('wijken/'))):>14}"  # noqa: E501
        if n in built else f"{'—':>14}" for n in sizes))
    print(f"{'wijken/* (largest)':<22}" + "".join(
        f"{fmt_bytes(max((v for k, v in runs[n]['build']['pages'].items() if k.startswith('wijken/')), default=0)):>14}"  # noqa: E501
        if n in built else f"{'—':>14}" for n in sizes))
    print(f"{'explore() peer':<22}" + "".join(
        f"{fmt_bytes(runs[n]['build'].get('explore', {}).get('bytes')):>14}" if n in built
        else f"{'—':>14}" for n in sizes))
    for name in ("hotspotkaart.gpkg", "grid.csv", "rejected.csv"):
        print(f"{name:<22}" + "".join(
            f"{fmt_bytes(runs[n]['build']['files'].get(name)):>14}" if n in built
            else f"{'—':>14}" for n in sizes))
    if loads:
        print("\n=== national overview in Chromium (network blocked, tiles stubbed): "
              "ready time, median ===")
        print(f"{'page':<22}" + "".join(f"{f'{n:,}':>14}" for n in sizes))
        for name in ("overzicht.html", "explore.html"):
            print(f"{name:<22}" + "".join(
                f"{fmt_s(loads.get(n, {}).get(name, {}).get('ready_s')):>14}" for n in sizes))
        for n in sizes:
            for name, load in loads.get(n, {}).items():
                if load["errors"] or load["blocked"]:
                    print(f"  {n:,} {name}: {len(load['blocked'])} requests blocked"
                          f"{', served Leaflet locally' if load['served_locally'] else ''}"
                          f"{'; ' + load['errors'][0] if load['errors'] else ''}")
        render = {n: sum(s["inclusive"] for k, s in runs[n]["build"]["stages"].items()
                         if k in ("render: overzicht (folium)",))
                  for n in built}
        print("explore() build+save: " + ", ".join(
            f"{n:,}: {fmt_s(runs[n]['build'].get('explore', {}).get('seconds'))}"
            for n in built) + "; overview_map (folium tree only): " + ", ".join(
            f"{n:,}: {fmt_s(render[n])}" for n in built))

    if dordrecht is not None:
        print("\n=== Dordrecht (bench_maps) ===")
        print_dordrecht(dordrecht, args.tiles, targets=False)
    print("\n=== targets (issue #7) ===")
    print_targets(scale_targets(sizes, runs, dordrecht))


def scale_targets(sizes: list[int], runs: dict[int, dict[str, Any]],
                  dordrecht: dict[str, Any] | None) -> list[tuple[str, str, bool | None]]:
    targets: list[tuple[str, str, bool | None]] = []
    for n in sizes:
        p = runs[n].get("peers")
        if p:
            ratio = p["tool"]["seconds"] / p["strtree"]["seconds"]
            targets.append((f"join ≤ 1.3 × bare STRtree ({n:,})", f"{ratio:.2f} ×",
                            ratio <= 1.3))
    one_m = runs.get(1_000_000)
    if one_m is not None:
        if "build" in one_m:
            b = one_m["build"]
            targets.append(("build 1 M meldingen < 60 s", fmt_s(b["build_s"]),
                            b["build_s"] < 60))
            peak = max(b["build_peak_rss"], b.get("peak_pss_tree", 0))
            targets.append(("build 1 M meldingen peak memory < 3 GB", fmt_bytes(peak),
                            peak < 3 * GB))
        else:
            targets.append(("build 1 M meldingen < 60 s", "failed", False))
    else:
        targets.append(("build 1 M meldingen < 60 s / < 3 GB", "not run (--sizes)", None))
    five_m = runs.get(5_000_000)
    if five_m is not None:
        ok = "build" in five_m
        targets.append(("5 M meldingen completes",
                        fmt_s(five_m["build"]["build_s"]) if ok else five_m["build_error"], ok))
    else:
        targets.append(("5 M meldingen completes", "not run (add 5000000 to --sizes)", None))
    built = [n for n in sizes if "build" in runs[n]]
    if len(built) >= 2:
        worst = ("", 0.0)
        for name in sorted({k for n in built for k in runs[n]["build"]["pages"]}):
            values = [runs[n]["build"]["pages"].get(name) for n in built]
            if None in values:
                continue
            spread = max(values) / min(values) - 1
            if spread > worst[1]:
                worst = (name, spread)
        # aggregated layers: a few per cent of change from the figures in tooltips is expected
        targets.append((f"HTML size independent of meldingen ({built[0]:,}–{built[-1]:,})",
                        f"max change {worst[1]:.1%} ({worst[0] or '—'})", worst[1] <= 0.05))
    if dordrecht is not None:
        targets.extend(dordrecht["targets"])
    return targets


if __name__ == "__main__":
    main()
