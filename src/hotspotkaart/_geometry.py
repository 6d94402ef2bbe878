"""Geometry helpers shared by the readers, and the meldingen's coordinates after the join.

The readers of boundaries, zones and candidate areas repair polygons here; the meldingen a
build keeps after the join hold coordinates instead of points (:func:`without_points`), and
a piece of meldingen sent to another process travels so (:func:`with_points` makes its points).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["COORDINATES", "POLYGONAL", "polygonal_part", "polygons_of_collection",
           "repair_polygons", "with_points", "without_points"]

#: The geometry types that count as an area.
POLYGONAL: tuple[str, ...] = ("Polygon", "MultiPolygon")

#: The columns that hold a point's RD coordinates in a frame without geometry.
COORDINATES: tuple[str, str] = ("x", "y")


def polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the area of ``geom``: itself when polygonal, else the union of its polygonal parts.

    What :func:`shapely.make_valid` returns for a broken polygon can be a collection of
    polygons, lines and points; only the polygons are an area. Without any polygonal part the
    result is an empty polygon.
    """
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def polygons_of_collection(geom: shapely.Geometry) -> shapely.Geometry:
    """Return a GeometryCollection's polygonal parts as one geometry; anything else unchanged.

    A collection without polygons is returned as it is, so that the caller can name its type
    when rejecting it.
    """
    if geom.geom_type != "GeometryCollection":
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    return shapely.union_all(parts) if parts else geom


def repair_polygons(geoms: np.ndarray, names: Sequence[str], *, where: str,
                    warn: Callable[[str], None] | None, todo: np.ndarray | None = None,
                    area_only: bool = True, noun: str = "polygon(s)", prefix: str = ""
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Repair the invalid polygons among ``geoms`` with :func:`shapely.make_valid`.

    Parameters
    ----------
    geoms : numpy.ndarray
        The geometries; not modified.
    names : sequence of str
        How to name each geometry in the warning (a buurtcode, ``row 3``), aligned with
        ``geoms``.
    where : str
        The file, at the start of the warning.
    warn : callable or None
        Receives one warning naming the first five repaired geometries; None to stay silent
        (the caller words its own).
    todo : numpy.ndarray of bool, optional
        Which geometries to look at; by default all. Missing ones must be left out.
    area_only : bool
        Keep only the polygonal part of a repaired geometry (:func:`polygonal_part`); otherwise
        make_valid's result is kept as it is, lines and all.
    noun, prefix : str
        The warning's word for the geometries, and what precedes the list of their names
        (``"geometry/ies"``, ``"row "``: ``repaired 2 invalid geometry/ies (row 1, 2)``).

    Returns
    -------
    repaired : numpy.ndarray
        A copy of ``geoms`` with the invalid ones repaired.
    invalid : numpy.ndarray of bool
        Which geometries were repaired.

    """
    values = np.asarray(geoms, dtype=object).copy()
    mask = np.ones(len(values), dtype=bool) if todo is None else np.asarray(todo, dtype=bool)
    invalid = np.zeros(len(values), dtype=bool)
    invalid[mask] = ~shapely.is_valid(values[mask])  # only those asked for: checks can be slow
    if not invalid.any():
        return values, invalid
    fixed = shapely.make_valid(values[invalid])
    if area_only:
        fixed = np.array([polygonal_part(g) for g in fixed] + [None], dtype=object)[:-1]
    values[invalid] = fixed
    if warn is not None:
        shown = [str(n) for n, bad in zip(names, invalid, strict=True) if bad][:5]
        warn(f"{where}: repaired {int(invalid.sum())} invalid {noun} ({prefix}"
             f"{', '.join(shown)}) with shapely.make_valid; check them in a GIS")
    return values, invalid


def with_points(frame: pd.DataFrame, crs: str) -> gpd.GeoDataFrame:
    """Return ``frame`` with its :data:`COORDINATES` (in ``crs``) as a point geometry instead.

    The inverse of :func:`without_points`; ``frame`` is not modified.
    """
    x, y = COORDINATES
    points = shapely.points(frame[x].to_numpy(float), frame[y].to_numpy(float))
    return gpd.GeoDataFrame(frame.drop(columns=[x, y]), geometry=points, crs=crs)


def without_points(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return ``points`` with the coordinates in :data:`COORDINATES` instead of a geometry.

    A shapely point holds some 200 bytes, its two coordinates 16: the millions of meldingen a
    build keeps after the join (for the GeoPackage and the camera assessment) are kept so; the
    GeoPackage writes its points from the numbers, the camera assessment makes the points it
    needs. ``points`` is not modified.
    """
    geoms = points.geometry.to_numpy()
    frame = pd.DataFrame(points.drop(columns=points.geometry.name))
    x, y = COORDINATES
    frame[x] = shapely.get_x(geoms)
    frame[y] = shapely.get_y(geoms)
    return frame

