"""Synthetic national input for ``bench_scale.py``: buurten, wijken, zones, locations, meldingen.

A tessellation of Voronoi cells of points denser around 40 towns over a rough outline of the
Netherlands in RD New, with CBS-like codes, the zone layers and named locations as GeoPackages,
per size a Dutch CSV of meldingen (with records the tool must reject) and a
``hotspotkaart.toml`` pointing at them. See the docstring of ``bench_scale.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

AREA_CODE = "GM9999"
YEARS = (2023, 2024)

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


def write_boundaries(folder: Path, *, n_buurten: int, n_wijken: int, seed: int,
                     one_gemeente: bool = False
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
        "gemeentecode": AREA_CODE if one_gemeente else "GM" + gm4,
        "gemeentenaam": "Nederland (synthetisch)" if one_gemeente else "Gemeente " + gm4,
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
            "gemeenten": sorted(str(c) for c in buurten["gemeentecode"].unique()),
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
municipality_code = {area}
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


def write_config(folder: Path, csv_name: str, *, cell_size: float, workers: str,
                 engine: str = "memory", chunk_size: int | None = None,
                 gemeenten: list[str] | None = None) -> Path:
    """Write the build's config: every gemeente of the country listed (or GM9999 alone)."""
    zones = "".join(ZONE_TEMPLATE.format(kind=k) for k in
                    ("cameratoezicht", "alcoholverbod", "veiligheidsrisicogebied"))
    path = folder / f"hotspotkaart-{Path(csv_name).stem}.toml"
    extra = ""
    if engine == "dask":  # one partition per chunk: the chunks bound the memory
        extra = 'kind = "dask"\npartitions = 1\n'
        if chunk_size:
            extra += f"chunk_size = {chunk_size}\n"
    codes = gemeenten or [AREA_CODE]
    area = f'"{codes[0]}"' if len(codes) == 1 else json.dumps(codes)
    path.write_text(CONFIG_TEMPLATE.format(area=area, csv=csv_name, zones=zones,
                                           cell_size=f"{cell_size:g}",
                                           workers=workers if workers.isdigit()
                                           else f'"{workers}"', engine=extra),
                    encoding="utf-8")
    return path


def prepare_inputs(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (or reuse, when the parameters match) the boundaries, zones and locations."""
    params = {"buurten": args.buurten, "wijken": args.wijken, "zones": args.zones,
              "seed": args.seed, "one_gemeente": args.one_gemeente, "version": 2}
    marker = folder / "inputs.json"
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored.get("params") == params:
            return dict(stored["info"])
    start = time.perf_counter()
    info = write_boundaries(folder, n_buurten=args.buurten, n_wijken=args.wijken,
                            seed=args.seed, one_gemeente=args.one_gemeente)
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
