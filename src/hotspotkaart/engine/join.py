"""Spatial joins: each melding gets its buurt, wijk and the zones valid on its date.

The boundary rule: a melding inside a buurt belongs to that buurt. A melding exactly on the shared
boundary of two or more buurten (or inside an overlap of a faulty boundary file) belongs to the
one with the lowest ``buurtcode``, so every melding is counted exactly once. A melding in no buurt
lies outside the municipality and is rejected as such.

The zone rule: a melding is ``in_<kind>`` when it lies inside or on the edge of a zone of that
kind that was valid on the melding's date (``valid_from <= date <= valid_to``, both inclusive, an
empty bound is open).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart.config.settings import ZONE_KINDS
from hotspotkaart.engine.counting import key_column
from hotspotkaart.io.ledger import Ledger, Reason

__all__ = ["assign_areas", "join_incidents"]

logger = logging.getLogger(__name__)


def join_incidents(incidents: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame,
                   zones: gpd.GeoDataFrame, ledger: Ledger) -> gpd.GeoDataFrame:
    """Join meldingen to buurten, wijken and valid zones; reject those outside the municipality.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Candidate meldingen from :func:`hotspotkaart.io.incidents.read_incidents`.
    buurten : geopandas.GeoDataFrame
        Buurten with ``buurtcode`` and ``wijkcode``, same CRS as ``incidents``.
    zones : geopandas.GeoDataFrame
        Zones from :func:`hotspotkaart.io.zones.read_zones`.
    ledger : Ledger
        Receives the rejections of meldingen outside the municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        The used meldingen: the input columns plus ``buurtcode`` and ``wijkcode`` (categorical)
        and one boolean ``in_<kind>`` per zone kind. The input is not modified.

    """
    codes = buurten["buurtcode"].to_numpy(dtype=object)
    wijk = buurten["wijkcode"].to_numpy(dtype=object)
    n_buurten = len(codes)
    # one tree over buurten and zones together: one query instead of four
    polygons = np.concatenate([buurten.geometry.to_numpy(), zones.geometry.to_numpy()])
    point_idx, poly_idx = _covering_pairs(incidents.geometry.to_numpy(), polygons)
    in_buurt = poly_idx < n_buurten
    found = _lowest_code(point_idx[in_buurt], poly_idx[in_buurt], codes, len(incidents))
    outside = found < 0
    if outside.any():
        _reject_outside(incidents, outside, ledger)
    kept = np.flatnonzero(~outside)
    used = incidents.iloc[kept].reset_index(drop=True)  # a new frame: the input stays as is
    used["buurtcode"] = _coded(codes, found[kept])
    used["wijkcode"] = _coded(wijk, found[kept])
    position = np.full(len(incidents), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept))
    in_zone = ~in_buurt & (position[point_idx] >= 0)
    z_points, z_idx = position[point_idx[in_zone]], poly_idx[in_zone] - n_buurten
    day = incidents["date"].dt.normalize().to_numpy()[point_idx[in_zone]]
    valid = _valid_on(day, zones, z_idx)
    kinds = zones["kind"].to_numpy(dtype=object)[z_idx]
    for kind in ZONE_KINDS:
        inside = np.zeros(len(kept), dtype=bool)
        inside[z_points[valid & (kinds == kind)]] = True
        used[f"in_{kind}"] = inside
    return used


def _reject_outside(incidents: gpd.GeoDataFrame, outside: np.ndarray, ledger: Ledger) -> None:
    """Reject the meldingen at ``outside`` as lying outside the municipality, per source."""
    points = incidents.geometry.to_numpy()[outside]
    details = (pd.Series(shapely.get_x(points)).round(1).astype(str) + ", "
               + pd.Series(shapely.get_y(points)).round(1).astype(str) + " (RD)")
    sources = incidents["source"].to_numpy()[outside]
    rows = incidents["row"].to_numpy()[outside]
    for source in pd.unique(sources):
        of_source = sources == source
        ledger.reject("incidents", str(source), rows[of_source].tolist(), Reason.OUTSIDE_AREA,
                      details.to_numpy()[of_source].tolist())


def assign_areas(points: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give every point the ``buurtcode`` and ``wijkcode`` of the buurt it lies in.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Point geometries.
    buurten : geopandas.GeoDataFrame
        Polygons with ``buurtcode`` and ``wijkcode``.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``points`` with ``buurtcode`` and ``wijkcode`` (missing outside every buurt).
        Points on a shared boundary go to the buurt with the lowest code.

    """
    codes = buurten["buurtcode"].to_numpy(dtype=object)
    wijk = buurten["wijkcode"].to_numpy(dtype=object)
    point_idx, area_idx = _covering_pairs(points.geometry.to_numpy(),
                                          buurten.geometry.to_numpy())
    chosen = _lowest_code(point_idx, area_idx, codes, len(points))
    has = chosen >= 0
    out = points.copy()
    out["buurtcode"] = pd.Series(np.where(has, codes[np.maximum(chosen, 0)], None),
                                 index=points.index, dtype=object).where(has, None)
    out["wijkcode"] = pd.Series(np.where(has, wijk[np.maximum(chosen, 0)], None),
                                index=points.index, dtype=object).where(has, None)
    return out


def _coded(codes: np.ndarray, at: np.ndarray) -> pd.Categorical:
    """Return ``codes[at]`` as a categorical of the sorted distinct codes.

    The counts group by area code again and again (:func:`hotspotkaart.engine.counting.
    key_groups`); as categories (:func:`~hotspotkaart.engine.counting.key_column` of the
    areas' codes), a melding's code is a number and no text is hashed.
    """
    return key_column(pd.Series(codes, dtype=str))[at]


def _lowest_code(points: np.ndarray, areas: np.ndarray, codes: np.ndarray, n: int
                 ) -> np.ndarray:
    """Return, per point ``0 .. n-1``, the area with the lowest code among its pairs (or -1).

    Most points lie in one area; only the few on a shared boundary (or in an overlap) compare
    codes, ties going to the area that comes first.
    """
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[points] = areas  # right wherever a point has one area
    several = np.bincount(points, minlength=n) > 1
    if several.any():
        pick = several[points]
        p, a = points[pick], areas[pick]
        order = np.lexsort((a, codes[a].astype(str), p))
        p, a = p[order], a[order]
        first = np.r_[True, p[1:] != p[:-1]]
        chosen[p[first]] = a[first]
    return chosen


def _covering_pairs(points: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (point, polygon) index pairs where the polygon covers the point, in any order.

    For a point, ``intersects`` a polygon is ``covers``: inside or on its boundary.
    """
    if len(points) == 0 or len(polygons) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    pairs = shapely.STRtree(polygons).query(points, predicate="intersects")
    return pairs[0], pairs[1]


def _valid_on(day: np.ndarray, zones: gpd.GeoDataFrame, zone_idx: np.ndarray) -> np.ndarray:
    """Whether zone ``zone_idx[i]`` was valid on ``day[i]`` (inclusive bounds, NaT is open)."""
    start = zones["valid_from"].to_numpy(dtype="datetime64[ns]")[zone_idx]
    end = zones["valid_to"].to_numpy(dtype="datetime64[ns]")[zone_idx]
    return (np.isnat(start) | (day >= start)) & (np.isnat(end) | (day <= end))
