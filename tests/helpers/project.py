"""Helpers shared by the tests: realistic small inputs written into a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

if TYPE_CHECKING:
    from hotspotkaart.config.settings import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
GEO = REPO_ROOT / "geo"
BUURTEN = GEO / "dordrecht_buurten_2024.geojson"
WIJKEN = GEO / "dordrecht_wijken_2024.geojson"

CATEGORIES = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")


def write_config(folder: Path, *, incidents: str = "", extra: str = "",
                 buurten: Path = BUURTEN, area_extra: str = "",
                 periods: str = "base = 2023\ncompare = 2024") -> Path:
    """Write a hotspotkaart.toml with the real Dordrecht buurten and the given sections.

    ``periods`` is the body of ``[periods]``.
    """
    text = f"""
[area]
name = "Dordrecht"
municipality_code = "GM0505"
buurten = "{buurten.as_posix()}"
{area_extra}

[periods]
{periods}

{incidents}
{extra}
"""
    path = folder / "hotspotkaart.toml"
    path.write_text(text, encoding="utf-8")
    return path


def incident_section(path: str, *, crs: str | None = "EPSG:28992", id_col: str | None = "id",
                     x: str = "x", y: str = "y", coords: str = "xy") -> str:
    lines = ["[[incidents]]", f'path = "{path}"', 'date = "datum"', 'category = "soort"']
    if coords == "xy":
        lines += [f'x = "{x}"', f'y = "{y}"']
    elif coords == "lonlat":
        lines += [f'lon = "{x}"', f'lat = "{y}"']
    if crs:
        lines.append(f'crs = "{crs}"')
    if id_col:
        lines.append(f'id = "{id_col}"')
    return "\n".join(lines) + "\n"


def interior_points(n: int, seed: int = 7) -> gpd.GeoSeries:
    """``n`` points strictly inside Dordrecht's buurten (RD New)."""
    buurten = gpd.read_file(BUURTEN)
    rng = np.random.default_rng(seed)
    inner = buurten.geometry.buffer(-5)
    picks = rng.choice(len(buurten), size=n)
    points = [inner.iloc[i].representative_point() for i in picks]
    jitter = gpd.GeoSeries(points, crs=buurten.crs)
    return jitter


def rd_csv(rows: list[tuple[str, str, str, str, str]], *, sep: str = ";",
           decimal_comma: bool = True) -> str:
    """A CSV text with header id;datum;soort;x;y from (id, date, category, x, y) rows."""
    out = [sep.join(["id", "datum", "soort", "x", "y"])]
    for row in rows:
        cells = list(row)
        if decimal_comma:
            cells[3] = cells[3].replace(".", ",")
            cells[4] = cells[4].replace(".", ",")
        out.append(sep.join(cells))
    return "\r\n".join(out) + "\r\n"


def skewed_counts(n: int, seed: int) -> np.ndarray:
    """Skewed integer counts like meldingen per buurt: many zeros, a long tail."""
    rng = np.random.default_rng(seed)
    return rng.negative_binomial(1, 0.04, size=n).astype(float)


# -- a built project for the map tests (see the ``built`` fixture in conftest.py) -------------

#: Planted as a category name: must never reach a page unescaped.
#: Lower-left corner of the synthetic square of test_grid and test_hotspots (RD New).
X0, Y0 = 100_000.0, 400_000.0


def square_areas(size: float = 4000.0) -> gpd.GeoDataFrame:
    """Two buurten side by side filling the square of ``size`` metres at (X0, Y0), RD New."""
    half = size / 2
    return gpd.GeoDataFrame(
        {"buurtcode": ["BU1", "BU2"], "wijkcode": ["WK1", "WK1"]},
        geometry=[shapely.box(X0, Y0, X0 + half, Y0 + size),
                  shapely.box(X0 + half, Y0, X0 + size, Y0 + size)],
        crs="EPSG:28992",
    )


def wgs84_frame() -> gpd.GeoDataFrame:
    """Four text rows in WGS84 (a polygon, a point, a multipolygon, an empty polygon)."""
    return gpd.GeoDataFrame(
        {"naam": ["A &amp; B", "C", "D", "E"], "aantal": ["1", "2.345", "< 5", "onbekend"]},
        geometry=[shapely.box(4.6, 51.8, 4.61, 51.81), shapely.Point(4.65, 51.79),
                  shapely.MultiPolygon([shapely.box(4.7, 51.7, 4.71, 51.71)]),
                  shapely.Polygon()],
        index=[10, 3, 7, 2], crs="EPSG:4326")


INJECTION = "<img src=x onerror=alert(1)>"
PHONE = (360, 740)

MAPS = "Object.values(window).filter(v => v instanceof L.Map)"
COUNT_FEATURES = """(prop) => {
  let n = 0;
  Object.values(window).filter(v => v instanceof L.Map).forEach(map =>
    map.eachLayer(l => { if (l.feature && l.feature.properties[prop] !== undefined && l._path)
      n += 1; }));
  return n;
}"""


def build_map_project(folder: Path) -> Path:
    """Build every map of a small project over the real buurten, with a cluster in both years.

    Returns the output folder.
    """
    from hotspotkaart.pipeline import build

    out = folder / "maps"
    build(map_project_config(folder), out)
    return out


def map_project_config(folder: Path) -> Config:
    """Write the project of :func:`build_map_project` into ``folder`` and load its config."""
    from hotspotkaart.config.settings import load_config

    points = interior_points(400, seed=5)
    rng = np.random.default_rng(5)
    cluster = rng.normal([105300, 425250], 40, size=(160, 2))
    rows = ["id;datum;soort;x;y"]
    for i, p in enumerate(points):
        rows.append(f"A{i};{1 + i % 28:02d}-{1 + i % 12:02d}-{2023 + i % 2};"
                    f"{CATEGORIES[i % 3]};{p.x:.1f};{p.y:.1f}")
    for i, (x, y) in enumerate(cluster):
        category = INJECTION if i == 0 else CATEGORIES[i % 3]
        rows.append(f"C{i};{1 + i % 28:02d}-06-{2023 + i % 2} 22:00;{category};{x:.1f};{y:.1f}")
    (folder / "m.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return load_config(write_config(folder, incidents=incident_section("m.csv")))


def assert_scale_bars_in_metres_and_clear(page: Any, name: str) -> None:
    """Every map on the page has one scale bar, in metres, that its credits do not cover."""
    maps = page.locator(".leaflet-container")
    assert maps.count() >= 1, name
    for i in range(maps.count()):
        one = maps.nth(i)
        line = one.locator(".leaflet-control-scale-line")
        assert line.count() == 1, (name, i)  # no second line in feet
        assert line.inner_text().endswith(("m", "km")), (name, i)
        scale = one.locator(".leaflet-control-scale").bounding_box()
        credits = one.locator(".leaflet-control-attribution").bounding_box()
        assert scale is not None, (name, i)
        assert credits is not None, (name, i)
        apart = (scale["x"] + scale["width"] <= credits["x"]
                 or scale["y"] + scale["height"] <= credits["y"])
        assert apart, (name, i, scale, credits)
