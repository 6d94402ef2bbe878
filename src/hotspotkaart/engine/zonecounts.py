"""Meldingen per day, city-wide and in and around each policy zone (the zones' counting step).

The counts add up over parts of the meldingen (chunks, partitions), so the dask engine and the
memory engine give the statistics of :mod:`hotspotkaart.stats.zones` the same tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart._validate import check_rd, period_array
from hotspotkaart.config.settings import ZONE_KINDS, AnalysisConfig, Periods
from hotspotkaart.engine.counting import group_sizes, sum_counts

__all__ = ["INSIDE", "RING", "ZONE_COLUMNS", "ZoneCounts", "check_zone_frame", "sum_zone_counts",
           "zone_counts"]

#: ``where`` in :attr:`ZoneCounts.zones`: in the polygon or on its edge, or in the ring only.
INSIDE, RING = 0, 1


ZONE_COLUMNS = ("zone_id", "kind", "name", "valid_from", "valid_to")


@dataclass(frozen=True)
class ZoneCounts:
    """Meldingen per day, city-wide and in and around each zone (the counting step).

    Attributes
    ----------
    days : pandas.DataFrame
        Columns ``period``, ``day`` (datetime64, midnight) and ``n``: all meldingen per day.
    zones : pandas.DataFrame
        Columns ``zone`` (row position in the zones frame), ``where`` (0 = in the polygon or
        on its edge, 1 = in the ring around it and not in the polygon), ``period``, ``day`` and
        ``n``.

    """

    days: pd.DataFrame
    zones: pd.DataFrame


def sum_zone_counts(parts: Sequence[ZoneCounts]) -> ZoneCounts:
    """Add up the :class:`ZoneCounts` of parts of the meldingen (same zones frame)."""
    return ZoneCounts(days=sum_counts([p.days for p in parts], ["period", "day"]),
                      zones=sum_counts([p.zones for p in parts],
                                       ["zone", "where", "period", "day"]))


def zone_counts(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
) -> ZoneCounts:
    """Count meldingen per day, city-wide and in and around each zone (the counting step).

    Parameters
    ----------
    incidents, zones, periods, config
        As for :func:`hotspotkaart.stats.zones.zone_table`; only ``config.buffer_m`` is used.

    Returns
    -------
    ZoneCounts
        Tables that add up over parts of the meldingen (:func:`sum_zone_counts`).

    Raises
    ------
    InputError
        As :func:`hotspotkaart.stats.zones.zone_table`.

    """
    _check_zones(incidents, zones)
    period = period_array(incidents, periods)
    day = pd.to_datetime(incidents["date"]).dt.normalize().to_numpy(dtype="datetime64[ns]")
    if np.isnat(day).any():
        msg = f"{int(np.isnat(day).sum())} meldingen have no date"
        raise InputError(msg)
    points = np.asarray(incidents.geometry.to_numpy(), dtype=object)
    n_points = len(points)
    inside_z, inside_p, ring_z, ring_p = (np.zeros(0, dtype=np.int64) for _ in range(4))
    geoms = np.asarray(zones.geometry.to_numpy(), dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if n_points and present.any():
        tree = shapely.STRtree(points)
        where = np.flatnonzero(present)
        pairs = tree.query(geoms[where], predicate="intersects")
        inside_z, inside_p = where[pairs[0]].astype(np.int64), pairs[1].astype(np.int64)
        buffer_m = float(config.buffer_m)
        if buffer_m > 0:  # within the distance, by GEOS's distance: no buffer polygon is
            # built, which for a zone of many sharp spikes takes minutes and gigabytes
            pairs = tree.query(geoms[where], predicate="dwithin", distance=buffer_m)
            ring_z, ring_p = where[pairs[0]].astype(np.int64), pairs[1].astype(np.int64)
            in_polygon = np.isin(ring_z * n_points + ring_p, inside_z * n_points + inside_p)
            ring_z, ring_p = ring_z[~in_polygon], ring_p[~in_polygon]
    point_idx = np.concatenate([inside_p, ring_p])
    per_zone = pd.DataFrame({
        "zone": np.concatenate([inside_z, ring_z]),
        "where": np.concatenate([np.full(len(inside_p), INSIDE, dtype=np.int64),
                                 np.full(len(ring_p), RING, dtype=np.int64)]),
        "period": period[point_idx],
        "day": day[point_idx],
    })
    per_day = pd.DataFrame({"period": period, "day": day})
    return ZoneCounts(days=group_sizes(per_day, ["period", "day"]),
                      zones=group_sizes(per_zone, ["zone", "where", "period", "day"]))


def _check_zones(incidents: pd.DataFrame, zones: gpd.GeoDataFrame) -> None:
    check_rd(incidents, "incidents")
    check_zone_frame(zones)
    missing = [c for c in ("date", "period") if c not in incidents.columns]
    if missing:
        msg = f"incidents lack the column(s) {', '.join(missing)}"
        raise InputError(msg)


def check_zone_frame(zones: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    """Check a zones frame (RD, columns, unique ids, known kinds); return its validity dates."""
    check_rd(zones, "zones")
    missing = [c for c in (*ZONE_COLUMNS,) if c not in zones.columns]
    if missing:
        msg = f"zones lack the column(s) {', '.join(missing)}"
        raise InputError(msg)
    if zones["zone_id"].duplicated().any():
        dup = zones.loc[zones["zone_id"].duplicated(), "zone_id"].iloc[0]
        msg = f"zones: zone_id {dup!r} occurs more than once"
        raise InputError(msg)
    unknown = sorted(set(zones["kind"].astype(str)) - set(ZONE_KINDS))
    if unknown:
        msg = f"zones: kind {unknown[0]!r} is not known; allowed: {', '.join(ZONE_KINDS)}"
        raise InputError(msg)
    v_from = pd.to_datetime(zones["valid_from"]).dt.normalize()
    v_to = pd.to_datetime(zones["valid_to"]).dt.normalize()
    backwards = v_from.notna() & v_to.notna() & (v_to < v_from)
    if backwards.any():
        bad = zones.loc[backwards, "zone_id"].iloc[0]
        msg = f"zones: zone {bad!r} has valid_to before valid_from"
        raise InputError(msg)
    return v_from, v_to
