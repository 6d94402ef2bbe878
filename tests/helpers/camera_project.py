"""The small camera project shared by the camera tests: planted clusters over real buurten.

The project uses the real Dordrecht buurten with synthetic meldingen: a uniform background, a
planted persistent cluster P (both years) outside every camera area, a smaller persistent
cluster inside an existing camera zone, and a quiet spot without any melding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from tests.helpers.project import BUURTEN, incident_section, write_config

DATA = Path(__file__).resolve().parents[1] / "data" / "camera"
RD_URN = "urn:ogc:def:crs:EPSG::28992"   # the crs member of a GeoJSON in RD New
INJECTION = "<img src=x onerror=alert(1)>"

P_CENTRE = (106400.0, 424300.0)        # the planted persistent cluster, outside camera areas
CAMERA_CENTRE = (104500.0, 424000.0)   # centre of the existing camera zone (400 m square)
QUIET = (107500.0, 423000.0)           # no meldingen within 300 m
RING_M = 200.0

P_BOX = box(P_CENTRE[0] - 150, P_CENTRE[1] - 150, P_CENTRE[0] + 150, P_CENTRE[1] + 150)
CAMERA_ZONE = box(CAMERA_CENTRE[0] - 200, CAMERA_CENTRE[1] - 200, CAMERA_CENTRE[0] + 200,
                  CAMERA_CENTRE[1] + 200)
INSIDE_CAMERA = box(CAMERA_CENTRE[0] - 100, CAMERA_CENTRE[1] - 100, CAMERA_CENTRE[0] + 100,
                    CAMERA_CENTRE[1] + 100)
QUIET_BOX = box(QUIET[0] - 30, QUIET[1] - 30, QUIET[0] + 30, QUIET[1] + 30)
OTHER_BOX = box(105200, 425150, 105400, 425350)   # Centrum, background meldingen only


def planted_meldingen(seed: int = 1) -> pd.DataFrame:
    """Background over the town, cluster P in both years, a cluster in the camera zone."""
    buurten = gpd.read_file(BUURTEN)
    outline = shapely.union_all(buurten.geometry.to_numpy())
    rng = np.random.default_rng(seed)
    xy = rng.uniform([102500, 421000], [109500, 426200], size=(4000, 2))
    xy = xy[shapely.contains_xy(outline, xy[:, 0], xy[:, 1])]
    xy = xy[np.hypot(xy[:, 0] - QUIET[0], xy[:, 1] - QUIET[1]) > 300][:600]
    categories = ("Jeugd", "Alcohol/drugs", "Persoon met onbegrepen gedrag")
    rows = []
    for i, (x, y) in enumerate(xy):
        rows.append((f"B{i}", 2023 + i % 2, categories[i % 3], x, y))
    for year in (2023, 2024):
        for i, (x, y) in enumerate(rng.normal(P_CENTRE, 35, size=(120, 2))):
            rows.append((f"P{year}-{i}", year, categories[i % 2], x, y))
        for i, (x, y) in enumerate(rng.normal(CAMERA_CENTRE, 30, size=(30, 2))):
            rows.append((f"C{year}-{i}", year, "Jeugd", x, y))
    frame = pd.DataFrame(rows, columns=["id", "year", "soort", "x", "y"])
    frame["datum"] = [f"{1 + i % 28:02d}-{1 + i % 12:02d}-{y}"
                      for i, y in enumerate(frame["year"])]
    return frame


def write_geojson(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    """Write ``features`` as a GeoJSON FeatureCollection, with a ``crs`` member when given."""
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def feature(geom: Any, **props: Any) -> dict[str, Any]:
    """Return a GeoJSON Feature of ``geom`` (None: no geometry) with ``props``."""
    return {"type": "Feature", "properties": props,
            "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None}


def write_project(folder: Path) -> dict[str, Any]:
    """Write the config, meldingen and layers of the small project into ``folder``.

    ``[camera]`` has a horeca layer. Returns ``folder``, ``config_path`` and ``meldingen``.
    """
    meldingen = planted_meldingen()
    meldingen[["id", "datum", "soort", "x", "y"]].round(1).to_csv(folder / "m.csv", sep=";",
                                                                 index=False)
    gpd.GeoDataFrame({"naam": ["Centrum camera"], "geldig_vanaf": ["2023-01-01"],
                      "geldig_tot": [None]}, geometry=[CAMERA_ZONE],
                     crs="EPSG:28992").to_file(folder / "camera.geojson")
    horeca = [shapely.Point(P_CENTRE[0] + dx, P_CENTRE[1] + dy)
              for dx, dy in ((0, 0), (40, 20), (-60, 50), (100, -100))]   # 4 inside P_BOX
    horeca += [shapely.Point(P_CENTRE[0] + 250, P_CENTRE[1]),                # 2 in the ring
               shapely.Point(P_CENTRE[0], P_CENTRE[1] - 300)]
    horeca += [shapely.Point(P_CENTRE[0] + 400, P_CENTRE[1]),                # beyond the ring
               shapely.Point(QUIET)]                                          # in 'Leeg'
    gpd.GeoDataFrame({"zaak": [f"Café {i}" for i in range(len(horeca))]}, geometry=horeca,
                     crs="EPSG:28992").to_file(folder / "horeca.geojson")
    extra = """
[[zones]]
kind = "cameratoezicht"
path = "camera.geojson"
name = "naam"
valid_from = "geldig_vanaf"
valid_to = "geldig_tot"

[analysis]

[camera]
ring_m = 200
extra_points = [{name = "horeca", path = "horeca.geojson", label = "zaak"}]
"""
    incidents = incident_section("m.csv").replace('id = "id"', 'id = "id"\nsynthetic = true')
    path = write_config(folder, incidents=incidents, extra=extra)
    return {"folder": folder, "config_path": path, "meldingen": meldingen}
