"""Geometry helpers shared by the readers of boundaries, zones and candidate areas."""

from __future__ import annotations

import shapely

__all__ = ["POLYGONAL", "polygonal_part", "polygons_of_collection"]

#: The geometry types that count as an area.
POLYGONAL: tuple[str, ...] = ("Polygon", "MultiPolygon")


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
