"""Meldingen inside, around and outside the policy zones, honouring when each zone was valid.

How validity is handled
-----------------------
A zone is valid on every calendar day ``d`` with ``valid_from <= d <= valid_to`` (both dates
inclusive; times of day are ignored; a missing ``valid_from`` means "since always", a missing
``valid_to`` "still valid"). For each period (a calendar year) the zone's *valid days* are the
days of that year on which it was valid.

* ``inside_<year>`` counts the meldingen of that year whose date is a valid day of the zone and
  whose location lies in the zone polygon (points on the boundary count as inside).
* ``ring_<year>`` counts the meldingen on valid days in the ring between the polygon and its
  ``config.buffer_m`` buffer (the polygon itself excluded).
* ``outside_<year>`` counts the other meldingen of the city on valid days.
* ``share_inside_<year>`` is ``inside / (inside + ring + outside)``: the share of the city's
  meldingen *during the zone's valid days* that fell inside it (NaN without valid days).

Meldingen on days the zone was not valid are not counted anywhere in the zone's row.

The change test compares ``inside_<base>`` with ``inside_<compare>`` using the exact conditional
binomial test of :func:`hotspotkaart.analysis.change_test` with
``p0 = valid_days_<compare> / (valid_days_<base> + valid_days_<compare>)``, so a zone valid for
only part of a year is compared on its exposure. Zones with fewer than ``config.min_count``
meldingen inside (both years together) get ``te weinig meldingen``; a zone without valid days in
one of the two years cannot be compared and gets ``niet vergelijkbaar``. Both are left out of the
Benjamini–Hochberg family.

A zone whose ``valid_from`` falls inside the compare year after 1 January (e.g. an alcoholverbod
from 2024-07-01) is also tested on that year alone: ``before_<compare>`` counts the meldingen in
its polygon from 1 January up to the day before ``valid_from`` (``days_before_<compare>`` days),
``after_<compare>`` those from ``valid_from`` on while it was valid (``days_after_<compare>``
days, equal to ``valid_days_<compare>``), tested with ``p0 = days_after / (days_before +
days_after)`` in ``p_value_split``. Note that this split does not isolate the effect of the zone:
seasonal patterns fall into it as well.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from hotspotkaart._checks import check_rd, period_array
from hotspotkaart._errors import InputError
from hotspotkaart.analysis import (
    CHANGE_CLASSES,
    change_test,
    classify_change,
    fdr,
)
from hotspotkaart.config import ZONE_KINDS, AnalysisConfig, Periods
from hotspotkaart.counting import group_sizes, sum_counts

__all__ = ["NIET_VERGELIJKBAAR", "ZONE_CHANGE_CLASSES", "ZoneCounts", "sum_zone_counts",
           "valid_days", "zone_counts", "zone_table", "zone_table_from_counts"]

logger = logging.getLogger(__name__)

NIET_VERGELIJKBAAR = "niet vergelijkbaar"

#: Change classes of zones: the area classes plus "not comparable" (no valid days in a year).
ZONE_CHANGE_CLASSES: tuple[str, ...] = (*CHANGE_CLASSES, NIET_VERGELIJKBAAR)

_ZONE_COLUMNS = ("zone_id", "kind", "name", "valid_from", "valid_to")
_INSIDE, _RING = 0, 1


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


def valid_days(valid_from: Any, valid_to: Any, year: int) -> int:
    """Count the days of a calendar year on which a zone was valid.

    Parameters
    ----------
    valid_from, valid_to : datetime-like or NaT
        Inclusive validity dates; NaT/None means open-ended.
    year : int
        The calendar year.

    Returns
    -------
    int
        The number of valid days in ``year`` (0 if none).

    Examples
    --------
    >>> valid_days(pd.Timestamp("2024-07-01"), None, 2024)
    184
    """
    start, end = _year_bounds(year)
    lo = start if pd.isna(valid_from) else max(start, pd.Timestamp(valid_from).normalize())
    hi = end if pd.isna(valid_to) else min(end, pd.Timestamp(valid_to).normalize())
    return max(0, (hi - lo).days + 1)


def zone_table(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
) -> gpd.GeoDataFrame:
    """Count meldingen in, around and outside each zone on its valid days and test the change.

    See the module docstring for exactly how validity is handled.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Point meldingen in EPSG:28992 with ``date`` (naive local datetime) and ``period``. Not
        modified.
    zones : geopandas.GeoDataFrame
        Zones in EPSG:28992 with ``zone_id`` (unique), ``kind``, ``name``, ``valid_from`` and
        ``valid_to``. Not modified.
    periods : Periods
        The base and compare year.
    config : AnalysisConfig
        ``buffer_m`` (ring width), ``min_count`` and ``fdr_q``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone in input order with ``zone_id``, ``kind``, ``name``, ``valid_from``,
        ``valid_to``; per year ``valid_days_<year>``, ``inside_<year>``, ``ring_<year>``,
        ``outside_<year>``, ``share_inside_<year>``; then ``diff`` (inside compare − base;
        nullable integer, missing where the zone is not comparable),
        ``p_value``, ``q_value``, ``change_class`` (one of :data:`ZONE_CHANGE_CLASSES`);
        the split of the compare year ``before_<C>``, ``after_<C>``, ``days_before_<C>``,
        ``days_after_<C>``, ``p_value_split``, ``q_value_split`` and ``change_class_split``
        (NaN/None for zones that did not start inside the compare year); and ``geometry``.

    Raises
    ------
    InputError
        If a frame is not in EPSG:28992, a column is missing, zone ids are not unique, a kind is
        unknown, a zone ends before it starts, or a period is not one of the two years.
    """
    counts = zone_counts(incidents, zones, periods, config)
    return zone_table_from_counts(counts, zones, periods, config)


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
        As for :func:`zone_table`; only ``config.buffer_m`` is used.

    Returns
    -------
    ZoneCounts
        Tables that add up over parts of the meldingen (:func:`sum_zone_counts`).

    Raises
    ------
    InputError
        As :func:`zone_table`.

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
        if buffer_m > 0:
            rings = shapely.difference(shapely.buffer(geoms[where], buffer_m), geoms[where])
            pairs = tree.query(rings, predicate="intersects")
            ring_z, ring_p = where[pairs[0]].astype(np.int64), pairs[1].astype(np.int64)
            in_polygon = np.isin(ring_z * n_points + ring_p, inside_z * n_points + inside_p)
            ring_z, ring_p = ring_z[~in_polygon], ring_p[~in_polygon]
    point_idx = np.concatenate([inside_p, ring_p])
    per_zone = pd.DataFrame({
        "zone": np.concatenate([inside_z, ring_z]),
        "where": np.concatenate([np.full(len(inside_p), _INSIDE, dtype=np.int64),
                                 np.full(len(ring_p), _RING, dtype=np.int64)]),
        "period": period[point_idx],
        "day": day[point_idx],
    })
    per_day = pd.DataFrame({"period": period, "day": day})
    return ZoneCounts(days=group_sizes(per_day, ["period", "day"]),
                      zones=group_sizes(per_zone, ["zone", "where", "period", "day"]))


def _check_zones(incidents: pd.DataFrame, zones: gpd.GeoDataFrame) -> None:
    check_rd(incidents, "incidents")
    _check_zone_frame(zones)
    missing = [c for c in ("date", "period") if c not in incidents.columns]
    if missing:
        msg = f"incidents lack the column(s) {', '.join(missing)}"
        raise InputError(msg)


def _check_zone_frame(zones: gpd.GeoDataFrame) -> tuple[pd.Series, pd.Series]:
    check_rd(zones, "zones")
    missing = [c for c in (*_ZONE_COLUMNS,) if c not in zones.columns]
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


def zone_table_from_counts(
    counts: ZoneCounts,
    zones: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
) -> gpd.GeoDataFrame:
    """Build the zone table from :class:`ZoneCounts` (the testing step of :func:`zone_table`).

    Parameters
    ----------
    counts : ZoneCounts
        From :func:`zone_counts` with the same ``zones`` (or the sum of several).
    zones, periods, config
        As for :func:`zone_table`.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly what :func:`zone_table` returns for the meldingen behind ``counts``.

    """
    v_from, v_to = _check_zone_frame(zones)
    base_year, compare_year = periods.years
    n_zones = len(zones)
    day_period = period_array(counts.days, periods)
    day_day = counts.days["day"].to_numpy(dtype="datetime64[ns]")
    day_n = counts.days["n"].to_numpy(dtype=np.int64)
    table = counts.zones
    z_zone = table["zone"].to_numpy(dtype=np.int64)
    if len(z_zone) and (z_zone.min() < 0 or z_zone.max() >= n_zones):
        msg = "the zone counts were made with a different zones frame"
        raise InputError(msg)
    order = np.argsort(z_zone, kind="stable")
    bounds = np.searchsorted(z_zone[order], np.arange(n_zones + 1))
    z_where = table["where"].to_numpy(dtype=np.int64)[order]
    z_period = period_array(table, periods)[order]
    z_day = table["day"].to_numpy(dtype="datetime64[ns]")[order]
    z_n = table["n"].to_numpy(dtype=np.int64)[order]

    cols: dict[str, Any] = {}
    for year in (base_year, compare_year):
        for name in ("valid_days", "inside", "ring", "outside"):
            cols[f"{name}_{year}"] = np.zeros(n_zones, dtype=np.int64)
    split_cols = {f"{name}_{compare_year}": np.full(n_zones, np.nan)
                  for name in ("before", "after", "days_before", "days_after")}
    c_start, c_end = _year_bounds(compare_year)

    for i in range(n_zones):
        rows = slice(bounds[i], bounds[i + 1])
        where, period, day, n = z_where[rows], z_period[rows], z_day[rows], z_n[rows]
        inside_rows = where == _INSIDE
        ring_rows = where == _RING
        lo, hi = v_from.iloc[i], v_to.iloc[i]
        valid = _valid_mask(day, lo, hi)
        valid_city = _valid_mask(day_day, lo, hi)
        for year in (base_year, compare_year):
            in_year = (period == year) & valid
            inside = int(n[in_year & inside_rows].sum())
            ring = int(n[in_year & ring_rows].sum())
            cols[f"valid_days_{year}"][i] = valid_days(lo, hi, year)
            cols[f"inside_{year}"][i] = inside
            cols[f"ring_{year}"][i] = ring
            city = int(day_n[(day_period == year) & valid_city].sum())
            cols[f"outside_{year}"][i] = city - inside - ring
        if pd.notna(lo) and c_start < lo <= c_end:
            in_compare = (period == compare_year) & inside_rows
            split_cols[f"before_{compare_year}"][i] = int(
                n[in_compare & (day < np.datetime64(lo))].sum())
            split_cols[f"after_{compare_year}"][i] = int(n[in_compare & valid].sum())
            split_cols[f"days_before_{compare_year}"][i] = (lo - c_start).days
            split_cols[f"days_after_{compare_year}"][i] = valid_days(lo, hi, compare_year)

    for year in (base_year, compare_year):
        total = (cols[f"inside_{year}"] + cols[f"ring_{year}"] + cols[f"outside_{year}"])
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[f"share_inside_{year}"] = np.where(
                (cols[f"valid_days_{year}"] > 0) & (total > 0),
                cols[f"inside_{year}"] / np.maximum(total, 1), np.nan,
            )

    b_in, c_in = cols[f"inside_{base_year}"], cols[f"inside_{compare_year}"]
    b_days, c_days = cols[f"valid_days_{base_year}"], cols[f"valid_days_{compare_year}"]
    comparable = (b_days > 0) & (c_days > 0)
    p0 = np.where(comparable, c_days / np.maximum(b_days + c_days, 1), np.nan)
    cols["diff"] = _nullable_int(np.where(comparable, c_in - b_in, np.nan))
    p = change_test(b_in, c_in, p0, min_total=int(config.min_count))
    q = fdr(p)
    classes = classify_change(b_in, c_in, q, p0, min_count=int(config.min_count),
                              fdr_q=config.fdr_q)
    classes[~comparable] = NIET_VERGELIJKBAAR
    cols["p_value"], cols["q_value"], cols["change_class"] = p, q, classes

    cols.update({name: _nullable_int(values) for name, values in split_cols.items()})
    before = split_cols[f"before_{compare_year}"]
    has_split = np.isfinite(before)
    p_split = np.full(n_zones, np.nan)
    q_split = np.full(n_zones, np.nan)
    classes_split = np.full(n_zones, None, dtype=object)
    if has_split.any():
        after = split_cols[f"after_{compare_year}"][has_split]
        d_before = split_cols[f"days_before_{compare_year}"][has_split]
        d_after = split_cols[f"days_after_{compare_year}"][has_split]
        p0_split = d_after / (d_before + d_after)
        p_split[has_split] = change_test(before[has_split], after, p0_split,
                                         min_total=int(config.min_count))
        q_split[has_split] = fdr(p_split[has_split])
        classes_split[has_split] = classify_change(
            before[has_split], after, q_split[has_split], p0_split, min_count=int(config.min_count),
            fdr_q=config.fdr_q,
        )
    cols["p_value_split"], cols["q_value_split"] = p_split, q_split
    cols["change_class_split"] = classes_split

    head = pd.DataFrame({
        "zone_id": zones["zone_id"].to_numpy(),
        "kind": zones["kind"].to_numpy(),
        "name": zones["name"].to_numpy(),
        "valid_from": v_from.to_numpy(),
        "valid_to": v_to.to_numpy(),
    }, index=zones.index)
    ordered = {}
    for year in (base_year, compare_year):
        for name in ("valid_days", "inside", "ring", "outside", "share_inside"):
            ordered[f"{name}_{year}"] = cols.pop(f"{name}_{year}")
    ordered.update(cols)
    frame = pd.concat([head, pd.DataFrame(ordered, index=zones.index)], axis=1)
    result = gpd.GeoDataFrame(frame, geometry=zones.geometry.to_numpy(), crs=zones.crs)
    logger.info("zone table: %d zones, %d with a start inside %d", n_zones, int(has_split.sum()),
                compare_year)
    return result


# -- helpers ----------------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(year=int(year), month=1, day=1), pd.Timestamp(year=int(year), month=12,
                                                                      day=31)


def _nullable_int(values: npt.NDArray[np.float64]) -> pd.api.extensions.ExtensionArray:
    return pd.array([int(v) if np.isfinite(v) else pd.NA for v in values], dtype="Int64")


def _valid_mask(day: npt.NDArray[np.datetime64], lo: Any, hi: Any) -> npt.NDArray[np.bool_]:
    valid = np.ones(len(day), dtype=bool)
    if pd.notna(lo):
        valid &= day >= np.datetime64(lo)
    if pd.notna(hi):
        valid &= day <= np.datetime64(hi)
    return valid
