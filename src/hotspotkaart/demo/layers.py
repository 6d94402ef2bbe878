"""Synthetic, deterministic demonstration layers for Dordrecht (GM0505).

Real overlast meldingen are personal data, so the default inputs in ``layers/`` are generated
here, calibrated to the published figures of the *Tussentijdse evaluatie IVP Dordrecht* (package
data ``_demo/kerncijfers_ivp.csv``): meldingen per year and type, 19 and 12 overlast locations,
6 cameratoezichtgebieden. Positions, times and zone outlines are illustrative, never real.

Spatial model: background meldingen are spread over the wijken in proportion to their
inhabitants, over the buurten of a wijk by the square root of their area, and uniformly within a
buurt; on top come Gaussian clusters around the overlast locations of that year. Temporal model:
seasonality (more in summer), a jaarwisseling peak for youth nuisance, and hour-of-day and weekend
profiles per type. All computation is in EPSG:28992 (RD New, metres).

Regenerate with ``python -m hotspotkaart.demo --out layers --geo geo`` (byte-identical per seed).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Final, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient

__all__ = ["DEFAULT_SEED", "DemoLayers", "generate_demo_layers", "write_demo_layers"]

logger = logging.getLogger(__name__)

DEFAULT_SEED: Final = 20230505
BASE_YEAR: Final = 2023
COMPARE_YEAR: Final = 2024
RD_CRS: Final = "EPSG:28992"
BRON: Final = "Demonstratiedata (synthetisch)"
ZONE_TOELICHTING: Final = "Illustratief gebied, geen echte aanwijzing"

#: kerncijfers_ivp.csv indicator -> ``soort`` label in the meldingen file.
CATEGORIES: Final = {
    "melding_overlast_jeugd": "Jeugd",
    "overlast_alcohol_drugs": "Alcohol/drugs",
    "overlast_onbegrepen_gedrag": "Persoon met onbegrepen gedrag",
}
CSV_COLUMNS: Final = ("melding_id", "datum", "soort", "x", "y", "locatie", "bron")
DATE_FORMAT: Final = "%d-%m-%Y %H:%M"
LOCATION_COLUMNS: Final = ("naam", "jaar", "status", "precisie", "buurtcode", "bron")
ZONE_COLUMNS: Final = ("naam", "geldig_vanaf", "geldig_tot", "toelichting", "bron")

# The 7-parameter Helmert transformation "Amersfoort to WGS 84 (4)" (about 1 m), pinned so the
# generated coordinates do not depend on whether the RDNAPTRANS grids happen to be installed.
_WGS84_TO_RD: Final = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
    "+step +proj=cart +ellps=WGS84 +step +inv +proj=helmert +x=565.4171 +y=50.3319 +z=465.5524 "
    "+rx=0.398957388243134 +ry=-0.343987817378283 +rz=1.87740163998045 +s=4.0725 "
    "+convention=coordinate_frame +step +inv +proj=cart +ellps=bessel +step +proj=pop +v_3 "
    "+step +proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 "
    "+x_0=155000 +y_0=463000 +ellps=bessel"
)
_CRS_MEMBER: Final = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
#: GeoJSON layer -> what its features are not (for the "description" member).
_GEOJSON_LAYERS: Final = {
    "overlastlocaties": "overlastlocaties", "cameratoezicht": "cameratoezichtgebieden",
    "alcoholverbod": "alcoholverbodgebieden",
    "veiligheidsrisicogebieden": "veiligheidsrisicogebieden",
}

_CLUSTER_SHARE: Final = {BASE_YEAR: 0.40, COMPARE_YEAR: 0.30}  # of all meldingen of a year
_RESIDUAL: Final = 0.06  # cluster weight of a location in the year it is not an overlast location
_MARGIN_M: Final = 1.0  # minimum distance of a melding to any buurt boundary



@dataclass(frozen=True)
class _Location:
    """One overlast location: ``anchor`` is a places.csv name or an indicative RD point."""

    naam: str
    trend: str  # "afgenomen" (2023 only), "blijvend" (both years) or "nieuw" (2024 only)
    anchor: str | tuple[float, float]
    weight: float  # relative cluster strength
    profile: tuple[float, float, float]  # preference for Jeugd, Alcohol/drugs, Onbegrepen gedrag
    sd: float  # cluster spread in metres


_LOCATIONS: Final = (
    # Named in the evaluation as places where overlast went down, plus Leerpark (suswachten).
    _Location("Kloostertuin", "afgenomen", (105660, 425330), 0.9, (1.0, 1.4, 1.0), 90),
    _Location("Loswalweg", "afgenomen", (107250, 425900), 0.8, (1.5, 1.0, 0.5), 110),
    _Location("Lijnbaan", "afgenomen", "Lijnbaan", 1.0, (1.0, 1.3, 1.1), 120),
    _Location("Bieshof", "afgenomen", (109700, 422800), 0.8, (1.5, 0.7, 0.8), 100),
    _Location("Wantijpark", "afgenomen", "Wantijpark", 1.0, (1.6, 1.1, 0.6), 150),
    _Location("Leerpark", "afgenomen", "Leerpark", 1.2, (1.8, 0.8, 0.6), 130),
    _Location("Crabbehof", "afgenomen", "Crabbehof", 0.8, (1.3, 0.9, 1.0), 120),
    _Location("Stadspolders", "afgenomen", "Stadspolders", 0.7, (1.4, 0.8, 0.8), 120),
    _Location("Reeland", "afgenomen", "Reeland", 0.7, (1.1, 1.0, 1.0), 110),
    # Focus areas 2025-2026 and other persistent locations.
    _Location("Kromhout", "blijvend", (106450, 423950), 1.1, (1.4, 0.9, 1.0), 120),
    _Location("Vogelbuurt", "blijvend", "Vogelbuurt", 1.2, (1.2, 1.2, 1.0), 130),
    _Location("Krispijn", "blijvend", "Krispijn", 1.2, (1.2, 1.0, 1.2), 140),
    _Location("Binnenstad", "blijvend", "Binnenstad", 1.6, (0.6, 1.4, 1.2), 150),
    _Location("Station Dordrecht", "blijvend", "Station Dordrecht", 1.5, (0.7, 1.2, 1.6), 90),
    _Location("Statenplein", "blijvend", (105380, 425150), 1.0, (0.8, 1.5, 0.9), 80),
    _Location("Spuiboulevard", "blijvend", (105230, 424930), 0.9, (0.8, 1.2, 1.2), 90),
    _Location("Winkelcentrum Sterrenburg", "blijvend", (105700, 421650), 0.9, (1.5, 0.8, 0.9), 100),
    _Location("Wielwijk", "blijvend", "Wielwijk", 1.0, (1.3, 1.0, 1.0), 130),
    _Location("Oud-Krispijn", "blijvend", "Oud-Krispijn", 0.9, (1.1, 1.0, 1.1), 120),
    # New in 2024.
    _Location("Stadswerven", "nieuw", (106300, 425850), 0.9, (1.5, 1.0, 0.6), 120),
    _Location("Amstelwijck", "nieuw", (104400, 421380), 0.8, (1.5, 0.8, 0.7), 110),
)

#: trend -> (status in 2023, status in 2024); None means "not an overlast location that year".
_STATUS: Final = {"afgenomen": ("afgenomen in 2024", None),
                   "blijvend": ("blijft in 2024", "blijvend"), "nieuw": (None, "nieuw")}


@dataclass(frozen=True)
class _Zone:
    """An illustrative zone: a chamfered rectangle around an anchor (location name or RD point)."""

    naam: str
    anchor: str | tuple[float, float]
    length: float
    width: float
    angle: float  # degrees, counter-clockwise from east
    geldig_vanaf: str
    geldig_tot: str | None = None


_ZONES: Final = {
    "cameratoezicht": (
        _Zone("Binnenstad Grote Markt–Groenmarkt", (105260, 425500), 460, 240, 25, "2023-01-01"),
        _Zone("Binnenstad Spuiboulevard–Statenplein", (105300, 425050), 480, 200, 53, "2023-01-01"),
        _Zone("Stationsgebied", "Station Dordrecht", 380, 220, 20, "2023-01-01"),
        _Zone("Vogelbuurt", "Vogelbuurt", 500, 340, 10, "2023-01-01"),
        _Zone("Krispijn", (104900, 424010), 600, 300, 0, "2023-01-01"),
        _Zone("Leerpark", "Leerpark", 440, 340, 15, "2023-01-01"),
    ),
    "alcoholverbod": (
        _Zone("Binnenstad", (105250, 425250), 820, 560, 35, "2023-01-01"),
        _Zone("Wantijpark", "Wantijpark", 520, 300, 30, "2023-01-01"),
        _Zone("Stationsomgeving", "Station Dordrecht", 420, 300, 20, "2023-01-01"),
        _Zone("Lijnbaan", "Lijnbaan", 460, 260, 10, "2023-01-01"),
        _Zone("Leerpark", "Leerpark", 520, 420, 15, "2024-07-01"),
        _Zone("Krispijn", (104900, 424010), 660, 360, 0, "2024-07-01"),
        _Zone("Winkelcentrum Sterrenburg", "Winkelcentrum Sterrenburg", 360, 260, 0, "2024-07-01"),
    ),
    "veiligheidsrisicogebieden": (
        _Zone("Krispijn (jaarwisseling 2022-2023)", (104950, 424000), 720, 420, 0,
              "2022-12-27", "2023-01-02"),
        _Zone("Wielwijk (na explosies)", "Wielwijk", 600, 420, 20, "2023-09-18", "2023-12-17"),
        _Zone("Krispijn (jaarwisseling 2023-2024)", (104950, 424000), 720, 420, 0,
              "2023-12-27", "2024-01-02"),
        _Zone("Vogelbuurt (na explosies)", "Vogelbuurt", 460, 360, 10, "2024-04-08", "2024-07-07"),
        _Zone("Binnenstad (jaarwisseling 2024-2025)", (105200, 425300), 700, 480, 35,
              "2024-12-27", "2025-01-02"),
    ),
}

# Hour-of-day weights (0..23 h) per soort.
_HOURS: Final = {
    "Jeugd": (3, 2, 1.5, 1, 0.5, 0.3, 0.3, 0.5, 0.8, 1, 1.2, 1.5,
              2, 2.5, 3, 4, 5, 6, 7, 8, 8.5, 7.5, 6, 4.5),
    "Alcohol/drugs": (6, 5, 4, 3, 1.5, 0.8, 0.5, 0.5, 0.7, 1, 1.3, 1.6,
                      2, 2.2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 7.5, 7),
    "Persoon met onbegrepen gedrag": (2, 1.6, 1.3, 1.1, 1, 1, 1.4, 2.2, 3, 3.6, 4, 4.2,
                                      4.3, 4.3, 4.2, 4.2, 4.2, 4.1, 4, 3.8, 3.5, 3.2, 2.8, 2.4),
}
# Per soort: seasonal amplitude (peak mid-July), weekend factor, jaarwisseling factor.
_RHYTHM: Final = {"Jeugd": (0.30, 1.7, 20.0), "Alcohol/drugs": (0.25, 2.0, 3.0),
                  "Persoon met onbegrepen gedrag": (0.08, 1.05, 1.0)}


@dataclass(frozen=True)
class DemoLayers:
    """The generated demonstration layers, all in EPSG:28992.

    Attributes
    ----------
    incidents : pandas.DataFrame
        One row per melding: ``melding_id``, ``datum`` (datetime), ``soort``, ``x``, ``y``,
        ``locatie`` (empty for background meldingen) and ``bron``.
    locations : geopandas.GeoDataFrame
        Overlast locations, one point per (location, year).
    cameratoezicht, alcoholverbod, veiligheidsrisicogebieden : geopandas.GeoDataFrame
        Illustrative zone polygons with their validity period.

    """

    incidents: pd.DataFrame
    locations: gpd.GeoDataFrame
    cameratoezicht: gpd.GeoDataFrame
    alcoholverbod: gpd.GeoDataFrame
    veiligheidsrisicogebieden: gpd.GeoDataFrame


def generate_demo_layers(
    buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame, *, seed: int = DEFAULT_SEED
) -> DemoLayers:
    """Generate the synthetic meldingen, overlast locations and zones.

    Parameters
    ----------
    buurten : geopandas.GeoDataFrame
        CBS buurten with ``buurtcode`` and ``wijkcode``; reprojected to EPSG:28992 if needed.
    wijken : geopandas.GeoDataFrame
        CBS wijken with ``wijkcode`` and ``aantal_inwoners``.
    seed : int, optional
        Seed of the ``numpy.random.default_rng`` that drives every random choice.

    Returns
    -------
    DemoLayers
        The layers; the inputs are not modified.

    Raises
    ------
    ValueError
        When the demo specification does not match the published figures.

    """
    counts, published = _read_calibration()
    index = _BuurtIndex(buurten)
    places = _read_places()
    sites = {loc.naam: _site(loc, places) for loc in _LOCATIONS}
    locations = _build_locations(sites, index)
    zones = {kind: _build_zones(specs, sites, index.municipality) for kind, specs in _ZONES.items()}
    for year in (BASE_YEAR, COMPARE_YEAR):
        found = int((locations["jaar"] == year).sum())
        if found != published[("overlastlocaties_openbare_ruimte", year)]:
            raise ValueError(f"{found} demo overlast locations in {year}, published figure differs")
    if len(zones["cameratoezicht"]) != published[("cameratoezichtgebieden", COMPARE_YEAR)]:
        raise ValueError("number of demo camera areas differs from the published figure")

    rng = np.random.default_rng(seed)
    incidents = _build_incidents(counts, sites, index, wijken, rng)
    logger.info("generated %d demo meldingen (seed %d)", len(incidents), seed)
    return DemoLayers(incidents=incidents, locations=locations, **zones)


def write_demo_layers(out_dir: Path, *, geo_dir: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the demonstration layers from the boundaries in ``geo_dir`` and write them.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder to write into; created when missing. Existing files are overwritten.
    geo_dir : pathlib.Path
        Folder with ``dordrecht_buurten_2024.geojson`` and ``dordrecht_wijken_2024.geojson``.
    seed : int, optional
        Seed of the generator; the same seed gives byte-identical files.

    Returns
    -------
    list of pathlib.Path
        The written files, meldingen CSV first.

    """
    buurten = gpd.read_file(geo_dir / "dordrecht_buurten_2024.geojson")
    wijken = gpd.read_file(geo_dir / "dordrecht_wijken_2024.geojson")
    layers = generate_demo_layers(buurten, wijken, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {"overlast_meldingen_demo.csv": _incidents_csv(layers.incidents)}
    for layer, what in _GEOJSON_LAYERS.items():
        columns = LOCATION_COLUMNS if layer == "overlastlocaties" else ZONE_COLUMNS
        gdf = layers.locations if layer == "overlastlocaties" else getattr(layers, layer)
        outputs[f"{layer}_demo.geojson"] = _geojson(gdf, f"{layer}_demo", what, columns)
    paths = [out_dir / name for name in outputs]
    for path, data in zip(paths, outputs.values(), strict=True):
        path.write_bytes(data)
        logger.info("wrote %s", path)
    return paths


def _read_calibration() -> tuple[dict[tuple[int, str], int], dict[tuple[str, int], int]]:
    """Meldingen per (year, soort) and the other published figures per (indicator, year)."""
    table = _package_csv("kerncijfers_ivp.csv", dtype=str).set_index("indicator")
    years = (BASE_YEAR, COMPARE_YEAR)
    published = {
        (str(indicator), year): int(float(value))
        for indicator, row in table.iterrows()
        for year in years
        if isinstance(value := row[str(year)], str) and value.strip()
    }
    counts = {(year, soort): published[(ind, year)] for ind, soort in CATEGORIES.items()
              for year in years}
    return counts, published


def _package_csv(name: str, **options: Any) -> pd.DataFrame:
    """Read a CSV file from the package data folder ``hotspotkaart/demo/_data``."""
    data = resources.files("hotspotkaart").joinpath(f"demo/_data/{name}")
    with data.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, **options)


class _Site(NamedTuple):
    """A point in RD New (rounded to 0.1 m) with its Dutch ``precisie`` label."""

    x: float
    y: float
    precisie: str


def _read_places() -> dict[str, _Site]:
    """Read places.csv and project its points to RD New with the pinned transformation."""
    places = _package_csv("places.csv")
    x, y = Transformer.from_pipeline(_WGS84_TO_RD).transform(
        places["lon"].to_numpy(float), places["lat"].to_numpy(float)
    )
    return {
        str(name): _Site(round(float(px), 1), round(float(py), 1), _precision_label(str(note)))
        for name, px, py, note in zip(places["name"], x, y, places["precision"], strict=True)
    }


def _site(location: _Location, places: dict[str, _Site]) -> _Site:
    """Where a location lies: its places.csv point, or its indicative point."""
    if isinstance(location.anchor, str):
        return places[location.anchor]
    return _Site(*location.anchor, precisie="indicatief")


def _precision_label(precision: str) -> str:
    """Shorten a places.csv precision note to a Dutch ``precisie`` value."""
    text = precision.lower()
    size = re.search(r"~\s*[\d\-–]+\s*m\b", text)
    for kind in ("station", "campus"):
        if kind in text and size:
            return f"{kind} ({size.group(0)})"
    if "label point" in text:
        return "CBS-buurt/wijk (labelpunt" + (", onzeker)" if "low confidence" in text else ")")
    return precision


class _BuurtIndex:
    """Buurt polygons with a spatial index to test 'strictly inside a buurt'."""

    def __init__(self, buurten: gpd.GeoDataFrame) -> None:
        rd = buurten.to_crs(RD_CRS) if buurten.crs != RD_CRS else buurten
        ordered = rd.sort_values("buurtcode")
        self.codes = ordered["buurtcode"].astype(str).to_numpy()
        self.wijkcodes = ordered["wijkcode"].astype(str).to_numpy()
        self.geoms = np.asarray(ordered.geometry.to_numpy(), dtype=object)
        self.boundaries = shapely.boundary(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.municipality = shapely.union_all(self.geoms)

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the buurt that holds each point at least ``_MARGIN_M`` inside, else -1."""
        points = shapely.points(x, y)
        found = np.full(len(points), -1)
        point_idx, buurt_idx = self.tree.query(points, predicate="within")
        clear = ~shapely.dwithin(self.boundaries[buurt_idx], points[point_idx], _MARGIN_M)
        found[point_idx[clear]] = buurt_idx[clear]
        return found


def _build_locations(sites: dict[str, _Site], index: _BuurtIndex) -> gpd.GeoDataFrame:
    """One point per (location, year) with its status, precision and buurt."""
    rows = []
    for loc in _LOCATIONS:
        site = sites[loc.naam]
        (where,) = index.locate(np.array([site.x]), np.array([site.y]))
        if where < 0:
            raise ValueError(f"overlast location {loc.naam!r} is not inside a buurt")
        for year, status in zip((BASE_YEAR, COMPARE_YEAR), _STATUS[loc.trend], strict=True):
            if status is not None:
                rows.append({"naam": loc.naam, "jaar": year, "status": status,
                             "precisie": site.precisie, "buurtcode": index.codes[where],
                             "bron": BRON, "geometry": shapely.Point(site.x, site.y)})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=RD_CRS)
    return frame.sort_values(["jaar", "naam"], ignore_index=True)


def _build_zones(
    specs: Iterable[_Zone], sites: dict[str, _Site], municipality: shapely.Geometry
) -> gpd.GeoDataFrame:
    """Compact, valid zone polygons inside the municipality, rounded to 0.1 m."""
    rows = []  # zones may cross buurt boundaries; they only have to lie inside the municipality
    for zone in specs:
        centre = sites[zone.anchor][:2] if isinstance(zone.anchor, str) else zone.anchor
        shape = _chamfered_rectangle(centre, zone)
        if not municipality.contains(shape):
            logger.warning("zone %r clipped to the municipality", zone.naam)
            parts = shapely.get_parts(shape.intersection(municipality))
            shape = _rounded(max(parts, key=lambda part: part.area))
        if not shape.is_valid:
            raise ValueError(f"zone {zone.naam!r} is not a valid polygon")
        rows.append({"naam": zone.naam, "geldig_vanaf": zone.geldig_vanaf,
                     "geldig_tot": zone.geldig_tot, "toelichting": ZONE_TOELICHTING, "bron": BRON,
                     "geometry": shape})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=RD_CRS)
    return frame.sort_values(["geldig_vanaf", "naam"], ignore_index=True)


def _chamfered_rectangle(centre: tuple[float, float], zone: _Zone) -> Polygon:
    """Build a rotated rectangle with cut corners, a simple stand-in for a street block."""
    (cx, cy), a, b = centre, zone.length / 2, zone.width / 2
    c = 0.3 * min(a, b)
    local = [(a - c, b), (c - a, b), (-a, b - c), (-a, c - b), (c - a, -b), (a - c, -b),
             (a, c - b), (a, b - c)]
    cos, sin = math.cos(math.radians(zone.angle)), math.sin(math.radians(zone.angle))
    return _rounded(Polygon([(cx + u * cos - v * sin, cy + u * sin + v * cos) for u, v in local]))


def _rounded(shape: shapely.Geometry) -> Polygon:
    """Vertices rounded to 0.1 m, exterior counter-clockwise."""
    return orient(Polygon(np.round(shapely.get_coordinates(shape.exterior), 1)), sign=1.0)


def _build_incidents(
    counts: dict[tuple[int, str], int],
    sites: dict[str, _Site],
    index: _BuurtIndex,
    wijken: gpd.GeoDataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """All meldingen of both years, sorted by time, with ``DEMO-<jaar>-<nr>`` ids."""
    buurt_p = _background_weights(index, wijken)
    frames = []
    for (year, soort), total in sorted(counts.items()):
        n_cluster = round(_CLUSTER_SHARE[year] * total)
        cluster_xy, names = _cluster_points(year, soort, n_cluster, sites, index, rng)
        background_xy = _background_points(total - n_cluster, buurt_p, index, rng)
        xy = np.concatenate([cluster_xy, background_xy], axis=1)
        frames.append(pd.DataFrame({
            "datum": _sample_times(year, soort, total, rng), "soort": soort, "x": xy[0], "y": xy[1],
            "locatie": np.concatenate([names, np.full(total - n_cluster, "", dtype=object)]),
        }))
    incidents = pd.concat(frames, ignore_index=True)
    incidents = incidents.sort_values(["datum", "soort", "x", "y"], ignore_index=True)
    years = incidents["datum"].dt.year
    serial = incidents.groupby(years).cumcount() + 1
    ids = [f"DEMO-{year}-{n:06d}" for year, n in zip(years, serial, strict=True)]
    incidents.insert(0, "melding_id", ids)
    incidents["bron"] = BRON
    return incidents


def _background_weights(index: _BuurtIndex, wijken: gpd.GeoDataFrame) -> np.ndarray:
    """Probability per buurt: wijk share of inhabitants, split over its buurten by sqrt(area)."""
    inhabitants = wijken.set_index("wijkcode")["aantal_inwoners"].astype(float)
    root_area = np.sqrt(shapely.area(index.geoms))
    per_wijk = pd.Series(root_area).groupby(index.wijkcodes).transform("sum").to_numpy()
    weights = inhabitants.reindex(index.wijkcodes).fillna(0.0).to_numpy() * root_area / per_wijk
    return weights / weights.sum()


def _cluster_points(
    year: int, soort: str, n: int, sites: dict[str, _Site], index: _BuurtIndex,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around the overlast locations, weighted by their activity that year."""
    column = list(CATEGORIES.values()).index(soort)
    active = [_STATUS[loc.trend][year - BASE_YEAR] is not None for loc in _LOCATIONS]
    weights = np.array([loc.weight * loc.profile[column] * (1.0 if on else _RESIDUAL)
                        for loc, on in zip(_LOCATIONS, active, strict=True)])
    per_location = rng.multinomial(n, weights / weights.sum())
    xy = np.concatenate([
        _rejection_sample(int(k), partial(_gaussian, rng, sites[loc.naam], loc.sd), index, None)
        for loc, k in zip(_LOCATIONS, per_location, strict=True)
    ], axis=1)
    return xy, np.repeat(np.array([loc.naam for loc in _LOCATIONS], dtype=object), per_location)


def _background_points(
    n: int, buurt_p: np.ndarray, index: _BuurtIndex, rng: np.random.Generator
) -> np.ndarray:
    """Points uniform within buurten drawn with probability ``buurt_p``, as a (2, n) array."""
    per_buurt = rng.multinomial(n, buurt_p)
    return np.concatenate([
        _rejection_sample(int(per_buurt[i]), partial(_uniform, rng, index.geoms[i].bounds),
                          index, int(i))
        for i in np.flatnonzero(per_buurt)
    ], axis=1)


def _gaussian(rng: np.random.Generator, centre: _Site, sd: float, m: int) -> np.ndarray:
    return np.stack([rng.normal(centre.x, sd, m), rng.normal(centre.y, sd, m)])


def _uniform(rng: np.random.Generator, bounds: tuple[float, ...], m: int) -> np.ndarray:
    return np.stack([rng.uniform(bounds[0], bounds[2], m), rng.uniform(bounds[1], bounds[3], m)])


def _rejection_sample(
    n: int, draw: Callable[[int], np.ndarray], index: _BuurtIndex, buurt: int | None
) -> np.ndarray:
    """Draw until ``n`` points (rounded to 0.1 m) lie clearly inside a buurt (or ``buurt``)."""
    kept = np.empty((2, 0))
    for _ in range(1000):
        if kept.shape[1] >= n:
            return kept[:, :n]
        xy = np.round(draw(max(2 * (n - kept.shape[1]), 8)), 1)
        where = index.locate(xy[0], xy[1])
        kept = np.concatenate([kept, xy[:, where >= 0 if buurt is None else where == buurt]], 1)
    raise RuntimeError("could not place demo meldingen inside the buurten")


def _sample_times(year: int, soort: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Timestamps (minute resolution) from a day-by-hour intensity grid for one year."""
    amplitude, weekend_factor, new_year_factor = _RHYTHM[soort]
    days = np.arange(f"{year}-01-01", f"{year + 1}-01-01", dtype="datetime64[D]")
    weekday = ((days.astype(np.int64) + 3) % 7)[:, None]  # Monday = 0
    hours = np.arange(24)
    season = 1 + amplitude * np.cos(2 * np.pi * (np.arange(len(days)) - 196) / len(days))
    grid = np.outer(season, np.asarray(_HOURS[soort], dtype=float))
    weekend = ((weekday == 4) & (hours >= 18)) | (weekday == 5) | ((weekday == 6) & (hours < 18))
    grid *= np.where(weekend, weekend_factor, 1.0)
    if soort == "Jeugd":  # school hours on weekdays are quiet
        grid *= np.where((weekday < 5) & (hours >= 8) & (hours < 15), 0.6, 1.0)
    grid[-1, 18:] *= new_year_factor  # oudejaarsavond
    grid[0, :3] *= 3 * new_year_factor  # nieuwjaarsnacht, fireworks until about 3 h
    cells = rng.choice(grid.size, size=n, p=(grid / grid.sum()).ravel())
    minutes = rng.integers(0, 60, size=n)
    stamps = (days[cells // 24].astype("datetime64[m]") + (cells % 24) * 60 + minutes)
    return stamps.astype("datetime64[s]")


def _incidents_csv(incidents: pd.DataFrame) -> bytes:
    """Format the meldingen as Dutch Excel does: ';', decimal comma, UTF-8 BOM, CRLF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    columns = (
        incidents["melding_id"],
        incidents["datum"].dt.strftime(DATE_FORMAT),
        incidents["soort"],
        [_decimal_comma(v) for v in incidents["x"].to_numpy(float)],
        [_decimal_comma(v) for v in incidents["y"].to_numpy(float)],
        incidents["locatie"],
        incidents["bron"],
    )
    writer.writerows(zip(*columns, strict=True))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _decimal_comma(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _geojson(gdf: gpd.GeoDataFrame, name: str, what: str, columns: Iterable[str]) -> bytes:
    """Write a FeatureCollection by hand: fixed key order, one feature per line, 0.1 m."""
    header = {
        "type": "FeatureCollection",
        "name": name,
        "description": f"{BRON} — geen echte {what}; alleen voor demonstratie van hotspotkaart.",
        "crs": _CRS_MEMBER,
    }
    lines = ["{"] + [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},"
                     for k, v in header.items()]
    table = gdf[list(columns)].astype(object)
    records = table.where(table.notna(), None).to_dict("records")  # plain Python values
    features = [
        json.dumps({"type": "Feature", "properties": properties, "geometry": _geometry_json(shape)},
                   ensure_ascii=False, sort_keys=False)
        for properties, shape in zip(records, gdf.geometry, strict=True)
    ]
    lines += ['"features": [', ",\n".join(features), "]", "}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _geometry_json(shape: shapely.Geometry) -> dict[str, Any]:
    def rounded(coords: Any) -> Any:
        if isinstance(coords[0], float | int):
            return [round(float(c), 1) for c in coords]
        return [rounded(part) for part in coords]

    return {"type": shape.geom_type, "coordinates": rounded(mapping(shape)["coordinates"])}

