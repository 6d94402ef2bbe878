"""Read policy zones (cameratoezicht, alcoholverbod, veiligheidsrisicogebied) and named locations.

Zone files come from many hands. A feature without geometry, with an empty one, far outside the
Netherlands, or with only points or lines is rejected with a reason; an invalid polygon (a bow-tie,
a self-intersection) is repaired with :func:`shapely.make_valid` and reported; polygons inside a
GeometryCollection are kept. A file in another CRS is reprojected to RD New; a file without CRS is
read by the CRS that its coordinates fit, with a warning; a file whose coordinates contradict its
CRS is an error unless the config names the CRS they do fit (a GeoJSON without ``crs`` member
holding RD coordinates). Zones of one kind that overlap while valid at the same time are
reported: a melding there counts once for that kind. A zone of more than
:data:`MAX_ZONE_VERTICES` corners is rejected before anything else is done with it: checking and
repairing such a shape can take GEOS minutes and gigabytes (a zone of many sharp spikes), and no
policy zone needs that detail.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart._format import nl_int
from hotspotkaart._geometry import POLYGONAL, polygons_of_collection, repair_polygons
from hotspotkaart.config.settings import LocationSource, ZoneSource
from hotspotkaart.io.crs import RD, in_netherlands
from hotspotkaart.io.ledger import Ledger, Reason, source_labels
from hotspotkaart.io.parsing import parse_dates
from hotspotkaart.io.vector import read_vector, vector_to_rd

__all__ = ["MAX_ZONE_VERTICES", "read_locations", "read_zones"]

#: The most corners a zone may have (all its rings and parts together).
MAX_ZONE_VERTICES = 100_000


#: Overlaps smaller than this (m²) are digitising noise, not worth a warning.
#: The most overlapping pairs of zones named one by one in the warnings.
_MAX_OVERLAP_WARNINGS = 10
_OVERLAP_M2 = 1.0


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

    Raises
    ------
    InputError
        If a file cannot be read, lacks a configured column, or its coordinates do not fit its
        CRS.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    frames = [_read_zone_file(source, label, ledger)
              for source, label in zip(sources, labels, strict=True)]
    columns = ["zone_id", "kind", "name", "valid_from", "valid_to", "source", "row", "geometry"]
    frames = [f for f in frames if not f.empty]
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns[:-1]})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    zones = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True)[columns], geometry="geometry",
                             crs=RD)
    _warn_overlaps(zones, ledger)
    return zones


def read_locations(sources: tuple[LocationSource, ...], ledger: Ledger) -> gpd.GeoDataFrame:
    """Read the named overlast locations (points per year) into EPSG:28992.

    Parameters
    ----------
    sources : tuple of LocationSource
        The ``[[locations]]`` entries of the configuration.
    ledger : Ledger
        Receives the features read and every rejection.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``year`` (int), ``status`` (text, may be empty), ``source``, ``row`` and points.

    Raises
    ------
    InputError
        If a file cannot be read, lacks a configured column, or its coordinates do not fit its
        CRS.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    frames = []
    for source, label in zip(sources, labels, strict=True):
        gdf, raw = _read_vector(source.path, source.layer, source.crs, label, ledger)
        ledger.register("locations", label, raw)
        if gdf.empty:
            ledger.warn(f"{label}: the file holds no features")
            continue
        _require(gdf, [source.name, source.year], source.path)
        geoms = gpd.GeoSeries(_single_points(gdf.geometry.to_numpy()), index=gdf.index, crs=RD)
        keep = _reject_geometry(geoms, ("Point",), "locations", label, Reason.NOT_POINT, ledger)
        years = pd.to_numeric(gdf[source.year], errors="coerce")
        bad_year = keep & (years.isna() | (years % 1 != 0) | ~np.isfinite(years))
        ledger.reject("locations", label, gdf.index[bad_year], Reason.YEAR_UNREADABLE,
                      gdf.loc[bad_year, source.year].astype(str))
        keep &= ~bad_year
        if source.status is not None and source.status in gdf.columns:
            status = _text(gdf[source.status])
        else:
            status = pd.Series("", index=gdf.index)
        frames.append(gpd.GeoDataFrame({
            "name": _text(gdf.loc[keep, source.name]).to_numpy(),
            "year": years[keep].astype("int64").to_numpy(),
            "status": status[keep].to_numpy(),
            "source": label,
            "row": gdf.index[keep].to_numpy(),
        }, geometry=list(geoms[keep].to_numpy()), crs=RD))
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=object)
                              for c in ("name", "year", "status", "source", "row")})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=RD)


def _read_zone_file(source: ZoneSource, label: str, ledger: Ledger) -> pd.DataFrame:
    gdf, raw = _read_vector(source.path, source.layer, source.crs, label, ledger)
    ledger.register("zones", label, raw)
    if gdf.empty:
        ledger.warn(f"{label}: the file holds no features; no {source.kind} zones from it")
        return pd.DataFrame()
    _require(gdf, [c for c in (source.name, source.valid_from, source.valid_to) if c],
             source.path)
    keep = _reject_geometry(gdf.geometry, (*POLYGONAL, "GeometryCollection"), "zones", label,
                            Reason.NOT_POLYGON, ledger, check_type=False)
    keep &= ~_too_detailed(gdf.geometry, keep, label, ledger)
    gdf = gdf.set_geometry(_polygonal(gdf.geometry, keep, label, ledger), crs=RD)
    wrong = keep & ~gdf.geometry.geom_type.isin(POLYGONAL)
    ledger.reject("zones", label, gdf.index[wrong], Reason.NOT_POLYGON,
                  gdf.geometry[wrong].geom_type.astype(str))
    keep &= ~wrong
    valid_from, keep = _validity(gdf, source.valid_from, keep, label, ledger, end=False)
    valid_to, keep = _validity(gdf, source.valid_to, keep, label, ledger, end=True)
    reversed_ = keep & valid_from.notna() & valid_to.notna() & (valid_to < valid_from)
    ledger.reject("zones", label, gdf.index[reversed_], Reason.VALIDITY_REVERSED)
    keep &= ~reversed_
    names = _text(gdf[source.name]).str.strip()
    names = names.where(names != "", source.kind + " " + gdf.index.astype(str).to_series(
        index=gdf.index))
    return pd.DataFrame({
        "zone_id": [f"{source.kind}:{label}:{row}" for row in gdf.index[keep]],
        "kind": source.kind,
        "name": names[keep].to_numpy(),
        "valid_from": valid_from[keep].dt.normalize().to_numpy(),
        "valid_to": valid_to[keep].dt.normalize().to_numpy(),
        "source": label,
        "row": gdf.index[keep].to_numpy(),
        "geometry": gdf.geometry[keep].to_numpy(),
    })


def _read_vector(path: Path, layer: str | None, declared: str | None, label: str,
                 ledger: Ledger) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read a vector file, number its features from 1 and bring it to RD New."""
    gdf = read_vector(path, layer=layer)
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    raw["geometry_wkt"] = gdf.geometry.to_wkt()
    return vector_to_rd(gdf, path, label=label, warn=ledger.warn, declared=declared), raw


def _require(gdf: gpd.GeoDataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        found = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (f"{path}: column(s) {', '.join(repr(m) for m in missing)} named in the config "
               f"are not in the file; found {found or 'no attribute columns'}")
        raise InputError(msg)


def _text(values: pd.Series) -> pd.Series:
    """Attribute values as display text; missing becomes empty, not 'None' or 'nan'."""
    return values.where(values.notna(), "").astype(str)


def _single_points(geoms: np.ndarray) -> np.ndarray:
    """Turn one-part MultiPoints (common in shapefiles) into Points; leave the rest."""
    out = np.asarray(geoms, dtype=object).copy()
    single = (shapely.get_type_id(out) == 4) & (shapely.get_num_geometries(out) == 1)
    out[single] = shapely.get_geometry(out[single], 0)
    return out


def _too_detailed(geoms: gpd.GeoSeries, keep: pd.Series, label: str, ledger: Ledger
                  ) -> pd.Series:
    """Reject the zones with more than :data:`MAX_ZONE_VERTICES` corners; return which."""
    corners = pd.Series(0, index=geoms.index)
    corners[keep] = shapely.get_num_coordinates(geoms[keep].to_numpy())
    many = keep & (corners > MAX_ZONE_VERTICES)
    if many.any():
        ledger.reject("zones", label, geoms.index[many], Reason.TOO_DETAILED,
                      [f"{nl_int(int(n))} hoekpunten, hoogstens {nl_int(MAX_ZONE_VERTICES)}"
                       for n in corners[many]])
        rows = ", ".join(str(r) for r in geoms.index[many][:5])
        ledger.warn(f"{label}: {int(many.sum())} zone(s) (row {rows}) have more than "
                    f"{MAX_ZONE_VERTICES} corners and are left out; simplify them first (for "
                    "example QGIS Vector > Geometrie > Vereenvoudigen, 0.5 m)")
    return many


def _polygonal(geoms: gpd.GeoSeries, keep: pd.Series, label: str, ledger: Ledger
               ) -> np.ndarray:
    """Repair invalid polygons and take the polygons out of GeometryCollections."""
    todo = keep.to_numpy()
    values, _ = repair_polygons(geoms.to_numpy(), [str(r) for r in geoms.index], where=label,
                                warn=ledger.warn, todo=todo, area_only=False,
                                noun="geometry/ies", prefix="row ")
    for i in np.flatnonzero(todo):
        values[i] = polygons_of_collection(values[i])
    return values


def _reject_geometry(geoms: gpd.GeoSeries, allowed: tuple[str, ...], kind: str, label: str,
                     wrong_type: str, ledger: Ledger, *, check_type: bool = True) -> pd.Series:
    """Reject missing, empty, far-away and (optionally) wrongly typed geometries, in that order.

    Returns
    -------
    pandas.Series
        Boolean mask of the features kept.

    """
    missing = geoms.isna()
    empty = ~missing & geoms.is_empty
    present = ~missing & ~empty
    bounds = np.full((len(geoms), 4), np.nan)
    if present.any():
        bounds[present.to_numpy()] = shapely.bounds(geoms[present].to_numpy())
    inside = in_netherlands((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    far = present & ~inside
    wrong = present & ~far & ~geoms.geom_type.isin(allowed)
    if not check_type:
        wrong &= False
    ledger.reject(kind, label, geoms.index[missing], Reason.NO_GEOMETRY)
    ledger.reject(kind, label, geoms.index[empty], Reason.EMPTY_GEOMETRY)
    ledger.reject(kind, label, geoms.index[far], Reason.OUTSIDE_NL,
                  [_centre_text(b) for b in bounds[far.to_numpy()]])
    ledger.reject(kind, label, geoms.index[wrong], wrong_type, geoms[wrong].geom_type.astype(str))
    return ~(missing | empty | far | wrong)


def _centre_text(bounds: np.ndarray) -> str:
    x, y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    return f"midden {x:.0f}, {y:.0f} (RD)" if np.isfinite([x, y]).all() else "niet te projecteren"


def _validity(gdf: gpd.GeoDataFrame, column: str | None, keep: pd.Series, label: str,
              ledger: Ledger, *, end: bool) -> tuple[pd.Series, pd.Series]:
    """Parse a validity column; an empty value is an open bound.

    A date beyond what the datetimes can hold (the common placeholder ``31-12-9999``, or
    ``01-01-0001``) is read as an open bound when it points away from the periods, and as the
    earliest or latest representable day otherwise.
    """
    if column is None:
        return pd.Series(pd.NaT, index=gdf.index, dtype="datetime64[ns]"), keep
    values = gdf[column]
    dates, problem = parse_dates(values)
    bad = keep & problem.isin(["impossible", "unreadable"])
    ledger.reject("zones", label, gdf.index[bad], Reason.VALIDITY_UNREADABLE,
                  values[bad].astype(str))
    outside = keep & problem.isin(["too_early", "too_late"])
    if outside.any():
        # an end after 2261 or a start before 1678 stays open (NaT); the other way round the
        # bound is the nearest representable day, so the zone is never valid in the periods
        closed = "too_early" if end else "too_late"
        dates[outside & (problem == closed)] = (pd.Timestamp.min.ceil("D") if end
                                                else pd.Timestamp.max.floor("D"))
        example = str(values[outside].iloc[0])
        ledger.warn(f"{label}: {int(outside.sum())} {column} value(s) such as {example!r} lie "
                    "beyond the years 1678-2261; a far-future end or far-past start is read "
                    "as open-ended")
    return dates, keep & ~bad


def _warn_overlaps(zones: gpd.GeoDataFrame, ledger: Ledger) -> None:
    """Warn about zones of one kind that overlap while both valid.

    The first :data:`_MAX_OVERLAP_WARNINGS` pairs are named one by one, the rest in one
    sentence with their number, so that 5 000 overlapping zones give a readable summary instead
    of a warning per pair.
    """
    geoms = zones.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    kinds = zones["kind"].to_numpy(dtype=object)
    keep = (left < right) & (kinds[left] == kinds[right])
    left, right = left[keep], right[keep]
    start = np.maximum(_days(zones["valid_from"], np.iinfo(np.int64).min)[left],
                       _days(zones["valid_from"], np.iinfo(np.int64).min)[right])
    end = np.minimum(_days(zones["valid_to"], np.iinfo(np.int64).max)[left],
                     _days(zones["valid_to"], np.iinfo(np.int64).max)[right])
    left, right = left[start <= end], right[start <= end]
    area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = area >= _OVERLAP_M2
    left, right, area = left[big], right[big], area[big]
    for a, b, shared in list(zip(left, right, area, strict=True))[:_MAX_OVERLAP_WARNINGS]:
        za, zb = zones.iloc[a], zones.iloc[b]
        ledger.warn(f"{za['source']} row {za['row']} ({za['name']}) and {zb['source']} row "
                    f"{zb['row']} ({zb['name']}) overlap by {shared:,.0f} m² while both valid "
                    f"as {za['kind']}; a melding there counts once for {za['kind']}")
    more = len(area) - _MAX_OVERLAP_WARNINGS
    if more > 0:
        ledger.warn(f"{more:,} more pairs of zones of one kind overlap while both valid "
                    f"({float(area[_MAX_OVERLAP_WARNINGS:].sum()):,.0f} m² in all); a melding "
                    "there counts once per kind")


def _days(values: pd.Series, missing: int) -> npt.NDArray[np.int64]:
    """Return the dates as whole days since 1970 (``missing`` for an open end)."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(pd.isna(values).to_numpy(), missing, days)
