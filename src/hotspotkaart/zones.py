"""Read policy zones (cameratoezicht, alcoholverbod, veiligheidsrisicogebied) and named locations.

Zone files come from many hands. A feature without geometry, with an empty one, or with only
points or lines is rejected with a reason; an invalid polygon (a bow-tie, a self-intersection) is
repaired with :func:`shapely.make_valid` and reported; polygons inside a GeometryCollection are
kept. A file in another CRS is reprojected to RD New; a file without CRS is read by the CRS that
its coordinates fit, with a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from hotspotkaart._errors import InputError
from hotspotkaart.accounting import Ledger, Reason
from hotspotkaart.config import LocationSource, ZoneSource
from hotspotkaart.sources import RD, WGS84, infer_axis_order, parse_dates

__all__ = ["read_locations", "read_zones"]

logger = logging.getLogger(__name__)

_POLYGONAL = ("Polygon", "MultiPolygon")


def read_zones(sources: tuple[ZoneSource, ...], ledger: Ledger) -> gpd.GeoDataFrame:
    """Read every zone file into one GeoDataFrame in EPSG:28992.

    Parameters
    ----------
    sources : tuple of ZoneSource
        The ``[[zones]]`` entries of the configuration.
    ledger : Ledger
        Receives the features read, every rejection and every repair.

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone_id`` (``<kind>:<file>:<row>``), ``kind``, ``name``, ``valid_from``, ``valid_to``
        (dates, NaT = open-ended, both inclusive), ``source``, ``row`` and valid (Multi)Polygons.

    """
    frames = [_read_zone_file(source, ledger) for source in sources]
    columns = ["zone_id", "kind", "name", "valid_from", "valid_to", "source", "row", "geometry"]
    frames = [f for f in frames if not f.empty]
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns[:-1]})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    zones = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(zones[columns], geometry="geometry", crs=RD)


def read_locations(sources: tuple[LocationSource, ...], ledger: Ledger) -> gpd.GeoDataFrame:
    """Read the named overlast locations (points per year) into EPSG:28992.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``year`` (int), ``status`` (text, may be empty), ``source``, ``row`` and points.

    """
    frames = []
    for source in sources:
        gdf, raw = _read_vector(source.path, source.layer, source.crs, ledger)
        name = source.path.name
        ledger.register("locations", name, raw)
        _require(gdf, [source.name, source.year], source.path)
        geoms = gdf.geometry
        keep = _reject_geometry(geoms, ("Point",), "locations", name, Reason.NOT_POINT, ledger)
        years = pd.to_numeric(gdf[source.year], errors="coerce")
        bad_year = keep & (years.isna() | (years % 1 != 0))
        ledger.reject("locations", name, gdf.index[bad_year], Reason.YEAR_UNREADABLE,
                      gdf.loc[bad_year, source.year].astype(str))
        keep &= ~bad_year
        if source.status is not None and source.status in gdf.columns:
            status = gdf[source.status].fillna("").astype(str)
        else:
            status = pd.Series("", index=gdf.index)
        frames.append(gpd.GeoDataFrame({
            "name": gdf.loc[keep, source.name].fillna("").astype(str).to_numpy(),
            "year": years[keep].astype("int64").to_numpy(),
            "status": status[keep].to_numpy(),
            "source": name,
            "row": gdf.index[keep].to_numpy(),
        }, geometry=list(geoms[keep].to_numpy()), crs=RD))
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object)
                              for c in ("name", "year", "status", "source", "row")})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=RD)


def _read_zone_file(source: ZoneSource, ledger: Ledger) -> pd.DataFrame:
    gdf, raw = _read_vector(source.path, source.layer, source.crs, ledger)
    name = source.path.name
    ledger.register("zones", name, raw)
    _require(gdf, [c for c in (source.name, source.valid_from, source.valid_to) if c],
             source.path)
    geoms = _polygonal(gdf.geometry, name, ledger)
    gdf = gdf.set_geometry(geoms, crs=RD)
    keep = _reject_geometry(gdf.geometry, _POLYGONAL, "zones", name, Reason.NOT_POLYGON, ledger)
    valid_from, keep = _validity(gdf, source.valid_from, keep, name, ledger)
    valid_to, keep = _validity(gdf, source.valid_to, keep, name, ledger)
    reversed_ = keep & valid_from.notna() & valid_to.notna() & (valid_to < valid_from)
    ledger.reject("zones", name, gdf.index[reversed_], Reason.VALIDITY_REVERSED)
    keep &= ~reversed_
    names = gdf[source.name].fillna("").astype(str).str.strip()
    names = names.where(names != "", source.kind + " " + gdf.index.astype(str).to_series(
        index=gdf.index))
    return pd.DataFrame({
        "zone_id": [f"{source.kind}:{name}:{row}" for row in gdf.index[keep]],
        "kind": source.kind,
        "name": names[keep].to_numpy(),
        "valid_from": valid_from[keep].dt.normalize().to_numpy(),
        "valid_to": valid_to[keep].dt.normalize().to_numpy(),
        "source": name,
        "row": gdf.index[keep].to_numpy(),
        "geometry": gdf.geometry[keep].to_numpy(),
    })


def _read_vector(path: Path, layer: str | None, declared: str | None, ledger: Ledger
                 ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read a vector file, number its features from 1 and bring it to RD New."""
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio raises several unrelated types
        msg = f"{path}: cannot be read as a vector file ({exc})"
        raise InputError(msg) from None
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    raw["geometry_wkt"] = gdf.geometry.to_wkt()
    gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.to_numpy()), crs=gdf.crs)
    crs = _file_crs(gdf, declared, path, ledger)
    if crs is not None and CRS.from_user_input(crs).to_epsg() != 28992:
        gdf = gdf.set_crs(crs, allow_override=True).to_crs(RD)
        logger.info("%s: reprojected from %s to EPSG:28992", path.name, crs)
    return gdf.set_crs(RD, allow_override=True), raw


def _file_crs(gdf: gpd.GeoDataFrame, declared: str | None, path: Path, ledger: Ledger
              ) -> str | None:
    file_crs = gdf.crs.to_string() if gdf.crs is not None else None
    if file_crs and declared and CRS.from_user_input(declared) != gdf.crs:
        ledger.warn(f"{path.name}: the config says crs = {declared!r} but the file declares "
                    f"{file_crs}; using the file's CRS. Remove crs from the config to silence "
                    "this")
    if file_crs:
        return file_crs
    if declared:
        return declared
    valid = gdf.geometry.notna() & ~gdf.geometry.is_empty
    if not valid.any():
        return None
    points = gdf.geometry[valid].representative_point()
    order = infer_axis_order(points.x.to_numpy(), points.y.to_numpy())
    if order in ("wgs84", "rd"):
        guessed = RD if order == "rd" else WGS84
        ledger.warn(f"{path.name}: the file has no CRS; its coordinates look like {guessed} and "
                    "are read as such. Save the file with its CRS or set crs in the config")
        return guessed
    msg = (f"{path}: the file has no CRS and its coordinates fit neither RD New nor WGS84 within "
           "the Netherlands; set crs in the config")
    raise InputError(msg)


def _require(gdf: gpd.GeoDataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        found = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (f"{path}: column(s) {', '.join(repr(m) for m in missing)} named in the config "
               f"are not in the file; found {found or 'no attribute columns'}")
        raise InputError(msg)


def _polygonal(geoms: gpd.GeoSeries, name: str, ledger: Ledger) -> np.ndarray:
    """Repair invalid polygons and take the polygons out of GeometryCollections."""
    values = geoms.to_numpy().copy()
    present = ~(geoms.isna() | geoms.is_empty).to_numpy()
    invalid = present & ~shapely.is_valid(values)
    if invalid.any():
        values[invalid] = shapely.make_valid(values[invalid])
        rows = ", ".join(str(r) for r in geoms.index[invalid][:5])
        ledger.warn(f"{name}: repaired {int(invalid.sum())} invalid geometry/ies (row {rows}) "
                    "with shapely.make_valid; check them in a GIS")
    for i in np.flatnonzero(present):
        geom = values[i]
        if geom.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
            values[i] = shapely.union_all(parts) if parts else geom
    return values


def _reject_geometry(geoms: gpd.GeoSeries, allowed: tuple[str, ...], kind: str, name: str,
                     wrong_type: str, ledger: Ledger) -> pd.Series:
    missing = geoms.isna()
    empty = ~missing & geoms.is_empty
    wrong = ~missing & ~empty & ~geoms.geom_type.isin(allowed)
    ledger.reject(kind, name, geoms.index[missing], Reason.NO_GEOMETRY)
    ledger.reject(kind, name, geoms.index[empty], Reason.EMPTY_GEOMETRY)
    ledger.reject(kind, name, geoms.index[wrong], wrong_type, geoms[wrong].geom_type.astype(str))
    return ~(missing | empty | wrong)


def _validity(gdf: gpd.GeoDataFrame, column: str | None, keep: pd.Series, name: str,
              ledger: Ledger) -> tuple[pd.Series, pd.Series]:
    if column is None:
        return pd.Series(pd.NaT, index=gdf.index, dtype="datetime64[ns]"), keep
    dates, problem = parse_dates(gdf[column].where(gdf[column].notna(), ""))
    bad = keep & problem.isin(["impossible", "unreadable"])
    ledger.reject("zones", name, gdf.index[bad], Reason.VALIDITY_UNREADABLE,
                  gdf.loc[bad, column].astype(str))
    return dates, keep & ~bad
