"""Helpers shared by the tests: realistic small inputs written into a temporary folder."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
GEO = REPO_ROOT / "geo"
BUURTEN = GEO / "dordrecht_buurten_2024.geojson"
WIJKEN = GEO / "dordrecht_wijken_2024.geojson"

CATEGORIES = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")

#: Tests use fewer Gi* permutations than the default 999 (which the embedded build keeps).
FAST_ANALYSIS = "[analysis]\npermutations = 99\n"


def write_config(folder: Path, *, incidents: str = "", extra: str = "",
                 buurten: Path = BUURTEN, area_extra: str = "") -> Path:
    """Write a hotspotkaart.toml with the real Dordrecht buurten and the given sections."""
    text = f"""
[area]
name = "Dordrecht"
municipality_code = "GM0505"
buurten = "{buurten.as_posix()}"
{area_extra}

[periods]
base = 2023
compare = 2024

{incidents}
{extra}
{"" if "[analysis]" in extra else FAST_ANALYSIS}
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
