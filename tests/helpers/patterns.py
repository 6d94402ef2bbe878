"""Generators of meldingen shaped like real ones, to test what the statistics claim.

Real meldingen cover only part of a municipality (never the Biesbosch or the river), come in
bursts of repeat reports (one incident reported by several neighbours, one resident calling
night after night) and are sparse per grid cell. These generators vary exactly that: which part
is covered, how large the bursts are, how many meldingen there are, and the seed; and they plant
clusters whose fate (persistent, new, ended) is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tests.helpers.project import BUURTEN, incident_section, write_config

YEARS = (2023, 2024)
CATEGORIES = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")


def buurten() -> gpd.GeoDataFrame:
    """Return the real Dordrecht buurten in RD New."""
    return gpd.read_file(BUURTEN).to_crs(28992)


def coverage(kind: str, seed: int) -> shapely.Geometry:
    """Return the part of Dordrecht where meldingen fall.

    ``"built"``: a random 70 % of the buurten smaller than the largest fifth (never the
    Biesbosch); ``"disk"``: a disk of 2–3.5 km radius around a random point of the city,
    cutting through buurten; ``"strip"``: the buurten west of a random north–south line.
    """
    rng = np.random.default_rng(seed)
    frame = buurten()
    area = frame.geometry.area.to_numpy()
    small = frame[area < np.quantile(area, 0.8)]
    if kind == "built":
        chosen = small.sample(frac=0.7, random_state=int(rng.integers(1 << 30)))
        return shapely.union_all(chosen.geometry.to_numpy())
    whole = shapely.union_all(small.geometry.to_numpy())
    minx, miny, maxx, maxy = whole.bounds
    if kind == "disk":
        centre = shapely.Point(rng.uniform(minx + 2000, maxx - 2000),
                               rng.uniform(miny + 2000, maxy - 2000))
        return shapely.intersection(whole, centre.buffer(rng.uniform(2000, 3500)))
    if kind == "strip":
        cut = rng.uniform(minx + 0.4 * (maxx - minx), maxx - 0.2 * (maxx - minx))
        return shapely.intersection(whole, shapely.box(minx, miny, cut, maxy))
    msg = f"unknown coverage {kind!r}"
    raise ValueError(msg)


def uniform_points(rng: np.random.Generator, polygon: shapely.Geometry, n: int) -> np.ndarray:
    """Return ``n`` points spread evenly over ``polygon`` (rejection sampling)."""
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n + 64),
                              rng.uniform(miny, maxy, 4 * n + 64)])
        inside = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:n]


@dataclass(frozen=True)
class Bursts:
    """Repeat reports: every incident is reported ``1 + Geometric`` times.

    Attributes
    ----------
    mean : float
        Mean reports per incident (1 = no repeats).
    nightly : float
        The share of incidents whose repeats come on following nights (a resident who calls
        every night) instead of within the same hours (several neighbours).
    """

    mean: float = 1.0
    nightly: float = 0.0


def meldingen(rng: np.random.Generator, points: np.ndarray, year: int,
              bursts: Bursts = Bursts()) -> pd.DataFrame:
    """Turn incident locations into meldingen of ``year``, with repeat reports.

    Each incident gets a random moment in the year and a category; its repeats are placed
    within a few metres, within hours (or on the following nights) of it.
    """
    n = len(points)
    start = np.datetime64(f"{year}-01-01T00:00")
    minutes = 525_600 + (1440 if year % 4 == 0 else 0)
    when = start + rng.integers(0, minutes - 20 * 1440, n).astype("timedelta64[m]")
    size = np.ones(n, dtype=np.int64)
    if bursts.mean > 1:
        size = rng.geometric(1.0 / bursts.mean, n)
    nightly = rng.random(n) < bursts.nightly
    which = np.repeat(np.arange(n), size)
    step = np.concatenate([np.arange(s) for s in size])
    offset = np.where(nightly[which], step * 1440 + rng.integers(-60, 60, len(which)),
                      step * rng.integers(1, 90, len(which)))
    moment = when[which] + offset.astype("timedelta64[m]")
    xy = points[which] + rng.normal(0, 4, (len(which), 2)) * (step > 0)[:, None]
    category = np.asarray(CATEGORIES, dtype=object)[rng.integers(0, 3, n)][which]
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "moment": moment, "soort": category})


def cluster(rng: np.random.Generator, centre: tuple[float, float], n: int,
            sd: float = 60.0) -> np.ndarray:
    """Return ``n`` incident locations around ``centre`` (normal, ``sd`` metres)."""
    return np.asarray(centre) + rng.normal(0, sd, (n, 2))


def write_project(folder: Path, frames: list[pd.DataFrame], *, extra: str = "",
                  periods: str = "base = 2023\ncompare = 2024") -> Path:
    """Write the meldingen as a Dutch CSV and a config that reads them; return the config.

    ``periods`` is the body of ``[periods]``.
    """
    frame = pd.concat(frames, ignore_index=True)
    csv = pd.DataFrame({
        "id": [f"M{i:07d}" for i in range(len(frame))],
        "datum": pd.to_datetime(frame["moment"]).dt.strftime("%d-%m-%Y %H:%M"),
        "soort": frame["soort"],
        "x": frame["x"].round(1),
        "y": frame["y"].round(1),
    })
    folder.mkdir(parents=True, exist_ok=True)
    csv.to_csv(folder / "meldingen.csv", sep=";", index=False)
    analysis = "[analysis]\n" + extra if "[analysis]" not in extra else extra
    return write_config(folder, incidents=incident_section("meldingen.csv"), periods=periods,
                        extra=analysis + "\n[engine]\nworkers = 1\n")
