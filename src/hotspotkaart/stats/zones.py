"""Meldingen inside, around and outside the policy zones, honouring when each zone was valid.

How validity is handled
-----------------------
A zone is valid on every calendar day ``d`` with ``valid_from <= d <= valid_to`` (both dates
inclusive; times of day are ignored; a missing ``valid_from`` means "since always", a missing
``valid_to`` "still valid"). For each period (a calendar year, or a range of months:
:class:`~hotspotkaart.config.settings.Periods`) the zone's *valid days* are the days of that
period on which it was valid.

* ``inside_<year>`` counts the meldingen of that year whose date is a valid day of the zone and
  whose location lies in the zone polygon (points on the boundary count as inside).
* ``ring_<year>`` counts the meldingen on valid days within ``config.buffer_m`` of the polygon
  but not in it (the distance itself, not a buffer polygon that approximates it).
* ``outside_<year>`` counts the other meldingen of the city on valid days.
* ``share_inside_<year>`` is ``inside / (inside + ring + outside)``: the share of the city's
  meldingen *during the zone's valid days* that fell inside it (NaN without valid days).

Meldingen on days the zone was not valid are not counted anywhere in the zone's row.

The change test compares ``inside_<base>`` with ``inside_<compare>`` using the exact conditional
binomial test of :mod:`hotspotkaart.stats.change` with
``p0 = valid_days_<compare> / (valid_days_<base> + valid_days_<compare>)``
(:func:`~hotspotkaart.stats.change.p0_from_days`), so a zone valid for only part of a year is
compared on its exposure. Zones with fewer than ``config.min_count``
meldingen inside (both years together) get ``te weinig meldingen``; a zone without valid days in
one of the two years cannot be compared and gets ``niet vergelijkbaar``. A zone valid on fewer
than ``config.min_valid_days`` days in either year gets ``te kort geldig`` and is not tested:
a few days in one year against a whole other year compares seasons (a festival week, the
summer) more than the zone, however the exposure is weighed; ``diff`` still gives the raw
difference of those unequal windows. All three are left out of the Benjamini–Hochberg family.
The tests count every melding as ``1 / dispersion`` of an independent one
(:mod:`hotspotkaart.stats.dispersion`).

A zone whose ``valid_from`` falls inside the compare period after its first day (1 January of
a calendar year; e.g. an alcoholverbod from 2024-07-01) is also tested on that period alone:
``before_<compare>`` counts the meldingen in its polygon from the period's first day up to the
day before ``valid_from`` (``days_before_<compare>`` days),
``after_<compare>`` those from ``valid_from`` on while it was valid (``days_after_<compare>``
days, equal to ``valid_days_<compare>``), tested with ``p0 = days_after / (days_before +
days_after)`` in ``p_value_split``; a side shorter than ``min_valid_days`` days is ``te kort
geldig`` there too. Note that this split does not isolate the effect of the zone:
seasonal patterns fall into it as well.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart._validate import period_array
from hotspotkaart.config.settings import AnalysisConfig, Periods
from hotspotkaart.engine.zonecounts import (
    INSIDE,
    RING,
    ZoneCounts,
    check_zone_frame,
    zone_counts,
)
from hotspotkaart.stats.change import (
    CHANGE_CLASSES,
    NIET_VERGELIJKBAAR,
    p0_from_days,
    significance_columns,
)

__all__ = ["NIET_VERGELIJKBAAR", "TE_KORT_GELDIG", "ZONE_CHANGE_CLASSES", "valid_days",
           "zone_table", "zone_table_from_counts"]

logger = logging.getLogger(__name__)

TE_KORT_GELDIG = "te kort geldig"

#: Change classes of zones: the area classes plus "valid too short" (fewer than
#: ``min_valid_days`` in a year) and "not comparable" (no valid day in a year).
ZONE_CHANGE_CLASSES: tuple[str, ...] = (*CHANGE_CLASSES, TE_KORT_GELDIG, NIET_VERGELIJKBAAR)


def valid_days(valid_from: Any, valid_to: Any, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Count the days from ``start`` to ``end`` (a period, both inclusive) a zone was valid.

    Parameters
    ----------
    valid_from, valid_to : datetime-like or NaT
        Inclusive validity dates; NaT/None means open-ended.
    start, end : pandas.Timestamp
        The first and the last day of the period (midnight), e.g.
        :meth:`~hotspotkaart.config.settings.Periods.start` and ``end``.

    Returns
    -------
    int
        The number of valid days from ``start`` to ``end`` (0 if none).

    Examples
    --------
    >>> valid_days(pd.Timestamp("2024-07-01"), None, pd.Timestamp("2024-01-01"),
    ...            pd.Timestamp("2024-12-31"))
    184
    """
    lo = start if pd.isna(valid_from) else max(start, pd.Timestamp(valid_from).normalize())
    hi = end if pd.isna(valid_to) else min(end, pd.Timestamp(valid_to).normalize())
    return max(0, (hi - lo).days + 1)


def zone_table(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    *,
    dispersion: float = 1.0,
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
        The periods of the build (base, compare and any trend-only ones).
    config : AnalysisConfig
        ``buffer_m`` (ring width), ``min_count``, ``min_valid_days`` and ``fdr_q``.
    dispersion : float, default 1.0
        The overdispersion factor of the tests.

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
    return zone_table_from_counts(counts, zones, periods, config, dispersion=dispersion)


def zone_table_from_counts(
    counts: ZoneCounts,
    zones: gpd.GeoDataFrame,
    periods: Periods,
    config: AnalysisConfig,
    *,
    dispersion: float = 1.0,
    windows: Mapping[int, tuple[pd.Timestamp, pd.Timestamp] | None] | None = None,
) -> gpd.GeoDataFrame:
    """Build the zone table from :class:`ZoneCounts` (the testing step of :func:`zone_table`).

    Parameters
    ----------
    counts : ZoneCounts
        From :func:`zone_counts` with the same ``zones`` (or the sum of several).
    zones, periods, config, dispersion
        As for :func:`zone_table`.
    windows : mapping of int to (first, last) or None, optional
        Per year the days its data cover (:mod:`hotspotkaart.stats.coverage`; None for a
        period without meldingen): a zone's valid days are counted within them, so a cut
        export compares like with like. The whole periods when None.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly what :func:`zone_table` returns for the meldingen behind ``counts``.

    """
    v_from, v_to = check_zone_frame(zones)
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
    c_start, c_end = periods.start(compare_year), periods.end(compare_year)

    for i in range(n_zones):
        rows = slice(bounds[i], bounds[i + 1])
        where, period, day, n = z_where[rows], z_period[rows], z_day[rows], z_n[rows]
        inside_rows = where == INSIDE
        ring_rows = where == RING
        lo, hi = v_from.iloc[i], v_to.iloc[i]
        valid = _valid_mask(day, lo, hi)
        valid_city = _valid_mask(day_day, lo, hi)
        for year in (base_year, compare_year):
            in_year = (period == year) & valid
            inside = int(n[in_year & inside_rows].sum())
            ring = int(n[in_year & ring_rows].sum())
            cols[f"valid_days_{year}"][i] = _exposed_days(lo, hi, year, periods, windows)
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
            split_cols[f"days_after_{compare_year}"][i] = _exposed_days(lo, hi, compare_year,
                                                                        periods, windows)

    for year in (base_year, compare_year):
        total = (cols[f"inside_{year}"] + cols[f"ring_{year}"] + cols[f"outside_{year}"])
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[f"share_inside_{year}"] = np.where(
                (cols[f"valid_days_{year}"] > 0) & (total > 0),
                cols[f"inside_{year}"] / np.maximum(total, 1), np.nan,
            )

    b_in, c_in = cols[f"inside_{base_year}"], cols[f"inside_{compare_year}"]
    days_b, days_c = cols[f"valid_days_{base_year}"], cols[f"valid_days_{compare_year}"]
    p0 = p0_from_days(days_b, days_c)
    comparable = np.isfinite(p0)
    cols["diff"] = _nullable_int(np.where(comparable, c_in - b_in, np.nan))
    tests = _tests(b_in, c_in, p0, _too_short(days_b, days_c, comparable, config), config,
                   dispersion, suffix="")
    tests["change_class"][~comparable] = NIET_VERGELIJKBAAR
    cols.update(tests)

    cols.update({name: _nullable_int(values) for name, values in split_cols.items()})
    has_split = np.isfinite(split_cols[f"before_{compare_year}"])
    cols.update(_split_tests(split_cols, compare_year, has_split, config, dispersion))

    result = _assemble(zones, v_from, v_to, cols, (base_year, compare_year))
    logger.info("zone table: %d zones, %d with a start inside %d", n_zones, int(has_split.sum()),
                compare_year)
    return result


# -- helpers ----------------------------------------------------------------------------------


def _split_tests(split_cols: dict[str, npt.NDArray[np.float64]], compare_year: int,
                 has_split: npt.NDArray[np.bool_], config: AnalysisConfig,
                 dispersion: float) -> dict[str, Any]:
    """Test the compare year before against after ``valid_from``, for the zones that split it.

    ``p0 = days_after / (days_before + days_after)``
    (:func:`~hotspotkaart.stats.change.p0_from_days`), FDR over the zones with a split whose
    sides both last ``min_valid_days`` days or more.
    """
    n_zones = len(has_split)
    cols: dict[str, Any] = {"p_value_split": np.full(n_zones, np.nan),
                            "q_value_split": np.full(n_zones, np.nan),
                            "change_class_split": np.full(n_zones, None, dtype=object)}
    if has_split.any():
        before = split_cols[f"before_{compare_year}"][has_split]
        after = split_cols[f"after_{compare_year}"][has_split]
        days_before = split_cols[f"days_before_{compare_year}"][has_split]
        days_after = split_cols[f"days_after_{compare_year}"][has_split]
        p0 = p0_from_days(days_before, days_after)
        short = _too_short(days_before, days_after, np.isfinite(p0), config)
        tests = _tests(before, after, p0, short, config, dispersion, suffix="_split")
        for name, values in tests.items():
            cols[name][has_split] = values
    return cols


def _exposed_days(lo: Any, hi: Any, year: int, periods: Periods,
                  windows: Mapping[int, tuple[pd.Timestamp, pd.Timestamp] | None] | None) -> int:
    """Return the valid days of a zone in period ``year`` that the period's data cover."""
    window = (periods.start(year), periods.end(year)) if windows is None else windows.get(year)
    return 0 if window is None else valid_days(lo, hi, *window)


def _too_short(days_a: npt.ArrayLike, days_b: npt.ArrayLike, comparable: npt.ArrayLike,
               config: AnalysisConfig) -> npt.NDArray[np.bool_]:
    """Return which comparable windows have a side of fewer than ``min_valid_days`` days."""
    least = np.minimum(np.asarray(days_a, dtype=float), np.asarray(days_b, dtype=float))
    return np.asarray(comparable, dtype=bool) & (least < int(config.min_valid_days))


def _tests(before: npt.ArrayLike, after: npt.ArrayLike, p0: npt.ArrayLike,
           short: npt.NDArray[np.bool_], config: AnalysisConfig, dispersion: float, *,
           suffix: str) -> dict[str, Any]:
    """Test the windows that are long enough; ``te kort geldig`` for the rest.

    A NaN ``p0`` keeps a unit out of the test and out of the FDR family.
    """
    tests = significance_columns(before, after, np.where(short, np.nan, p0),
                                 min_count=int(config.min_count), fdr_q=config.fdr_q,
                                 suffix=suffix, dispersion=dispersion)
    tests[f"change_class{suffix}"][short] = TE_KORT_GELDIG
    return tests


def _assemble(zones: gpd.GeoDataFrame, v_from: pd.Series, v_to: pd.Series, cols: dict[str, Any],
              years: tuple[int, int]) -> gpd.GeoDataFrame:
    """Put the zone's identity first, then the figures per year, then the tests, then geometry."""
    head = pd.DataFrame({
        "zone_id": zones["zone_id"].to_numpy(),
        "kind": zones["kind"].to_numpy(),
        "name": zones["name"].to_numpy(),
        "valid_from": v_from.to_numpy(),
        "valid_to": v_to.to_numpy(),
    }, index=zones.index)
    rest = dict(cols)
    ordered = {}
    for year in years:
        for name in ("valid_days", "inside", "ring", "outside", "share_inside"):
            ordered[f"{name}_{year}"] = rest.pop(f"{name}_{year}")
    ordered.update(rest)
    frame = pd.concat([head, pd.DataFrame(ordered, index=zones.index)], axis=1)
    return gpd.GeoDataFrame(frame, geometry=zones.geometry.to_numpy(), crs=zones.crs)


def _nullable_int(values: npt.NDArray[np.float64]) -> pd.api.extensions.ExtensionArray:
    return pd.array([int(v) if np.isfinite(v) else pd.NA for v in values], dtype="Int64")


def _valid_mask(day: npt.NDArray[np.datetime64], lo: Any, hi: Any) -> npt.NDArray[np.bool_]:
    valid = np.ones(len(day), dtype=bool)
    if pd.notna(lo):
        valid &= day >= np.datetime64(lo)
    if pd.notna(hi):
        valid &= day <= np.datetime64(hi)
    return valid
