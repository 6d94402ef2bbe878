"""The count tables: everything the testing stage needs, counted from the used meldingen.

The in-memory engine counts all joined meldingen at once (:func:`count_incidents`); the dask
engine (:mod:`hotspotkaart.engine.partitioned`) counts chunks and partitions and adds their
tables up (:func:`sum_tables`). Both hand the statistics the same :class:`CountTables`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspotkaart._validate import period_array
from hotspotkaart.config.settings import (
    AnalysisConfig,
    Periods,
)
from hotspotkaart.engine.aoristic import WindowCounts, clock_hours
from hotspotkaart.engine.counting import (
    HALF_COLUMNS,
    IncidentTotals,
    area_counts,
    compact,
    half_counts,
    incident_totals,
    plain,
    sum_counts,
    sum_incident_totals,
)
from hotspotkaart.engine.grid import (
    CELL_WEEK_KEYS,
    cell_week_counts,
    grid_counts,
    quarter_counts,
)
from hotspotkaart.engine.timecounts import MONTH_COLUMNS, WEEK_KEYS, month_counts, week_counts
from hotspotkaart.engine.zonecounts import ZoneCounts, sum_zone_counts, zone_counts

__all__ = ["CountTables", "compact_tables", "count_incidents", "plain_tables", "sum_tables"]

logger = logging.getLogger(__name__)

_AREA_KEYS = ["period", "category"]


@dataclass(frozen=True)
class CountTables:
    """Everything the testing step needs, counted from the used meldingen.

    Attributes
    ----------
    used : int
        The number of used meldingen (joined inside the municipality).
    buurten, wijken : pandas.DataFrame
        :func:`~hotspotkaart.engine.counting.area_counts` per ``buurtcode`` and per ``wijkcode``.
    grid : pandas.DataFrame
        :func:`~hotspotkaart.engine.grid.grid_counts` for ``cell_size``.
    zones : ZoneCounts
        :func:`~hotspotkaart.engine.zonecounts.zone_counts` for the zones of the build.
    totals : IncidentTotals
        Per period and category, and the first and last date.
    halves : pandas.DataFrame
        :func:`~hotspotkaart.engine.counting.half_counts` per buurt: the split that measures
        repeat reports.
    weeks, months : pandas.DataFrame
        :func:`~hotspotkaart.engine.timecounts.week_counts` and
        :func:`~hotspotkaart.engine.timecounts.month_counts` per buurt: when overlast happens.
    quarters : pandas.DataFrame
        :func:`~hotspotkaart.engine.grid.quarter_counts` per cell, for the trend per cell.
    cell_weeks : pandas.DataFrame
        :func:`~hotspotkaart.engine.grid.cell_week_counts`: per cell by weekday and hour, for
        the hot times of the hot spots.
    windows : WindowCounts
        The meldingen spread over the hours of their time window
        (:mod:`hotspotkaart.engine.aoristic`), and those within one 3-hour block.
    partitions : int
        How many partitions were counted (the in-memory engine: one per chunk).
    chunks : int
        In how many chunks the meldingen were read (``[engine] chunk_size`` records each).

    """

    used: int
    buurten: pd.DataFrame
    wijken: pd.DataFrame
    grid: pd.DataFrame
    zones: ZoneCounts
    totals: IncidentTotals
    halves: pd.DataFrame
    weeks: pd.DataFrame
    months: pd.DataFrame
    quarters: pd.DataFrame
    cell_weeks: pd.DataFrame
    windows: WindowCounts = field(default_factory=WindowCounts)
    partitions: int = 1
    chunks: int = 1


def count_incidents(incidents: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, periods: Periods,
                    analysis: AnalysisConfig) -> CountTables:
    """Count joined meldingen into the tables of :class:`CountTables` (one partition).

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Joined meldingen (:func:`hotspotkaart.engine.join.join_incidents`). Not modified.
    zones : geopandas.GeoDataFrame
        The zones as passed to :func:`hotspotkaart.stats.zones.zone_table`.
    periods : Periods
        The periods of the build (base, compare and any trend-only ones).
    analysis : AnalysisConfig
        ``cell_size`` and ``buffer_m`` are used.

    Returns
    -------
    CountTables
        The count tables of these meldingen. The meldingen of a trend-only period
        (:attr:`~hotspotkaart.config.settings.Periods.trend_only`) are counted in ``totals``,
        ``months`` and ``quarters`` only: they feed the trend, never a comparison.

    """
    compared = _compared(incidents, periods)
    hours = clock_hours(compared)  # the weekday and hour tables share the spread windows
    return CountTables(
        used=len(incidents),
        buurten=area_counts(compared, "buurtcode", periods),
        wijken=area_counts(compared, "wijkcode", periods),
        grid=grid_counts(compared, periods, analysis.cell_size),
        zones=zone_counts(compared, zones, periods, analysis),
        totals=incident_totals(incidents),
        halves=half_counts(compared, periods),
        weeks=week_counts(compared, periods, hours),
        months=month_counts(incidents, periods),
        quarters=quarter_counts(incidents, periods, analysis.cell_size),
        cell_weeks=cell_week_counts(compared, periods, analysis.cell_size, hours),
        windows=hours.windows,
    )


def _compared(incidents: gpd.GeoDataFrame, periods: Periods) -> gpd.GeoDataFrame:
    """Return the meldingen of the base and the compare period (all of them without a trend)."""
    if not periods.trend_only:
        return incidents
    return incidents[np.isin(period_array(incidents, periods), periods.years)]


def compact_tables(tables: CountTables) -> CountTables:
    """Return the tables with their text keys coded, to travel between processes.

    See :func:`~hotspotkaart.engine.counting.compact`; :func:`plain_tables` and
    :func:`sum_tables` give the keys as text again.
    """
    return _each_frame(tables, compact)


def plain_tables(tables: CountTables) -> CountTables:
    """Return the tables with coded keys as text again (undoes :func:`compact_tables`)."""
    return _each_frame(tables, plain)


def _each_frame(tables: CountTables, change: Callable[[pd.DataFrame], pd.DataFrame]
                ) -> CountTables:
    frames = {f.name: change(getattr(tables, f.name)) for f in dataclasses.fields(tables)
              if isinstance(getattr(tables, f.name), pd.DataFrame)}
    return dataclasses.replace(tables, **frames)


def sum_tables(parts: Sequence[CountTables]) -> CountTables:
    """Add up the count tables of parts of the meldingen (chunks or partitions).

    The key columns of the sums are text, also where the parts' were coded
    (:func:`compact_tables`).
    """
    return CountTables(
        used=sum(p.used for p in parts),
        buurten=sum_counts([p.buurten for p in parts], ["buurtcode", *_AREA_KEYS]),
        wijken=sum_counts([p.wijken for p in parts], ["wijkcode", *_AREA_KEYS]),
        grid=sum_counts([p.grid for p in parts], ["ix", "iy", *_AREA_KEYS]),
        zones=sum_zone_counts([p.zones for p in parts]),
        totals=sum_incident_totals([p.totals for p in parts]),
        halves=sum_counts([p.halves for p in parts], list(HALF_COLUMNS[:-1])),
        weeks=sum_counts([p.weeks for p in parts], list(WEEK_KEYS)),
        months=sum_counts([p.months for p in parts], list(MONTH_COLUMNS[:-1])),
        quarters=sum_counts([p.quarters for p in parts], ["ix", "iy", "quarter"]),
        cell_weeks=sum_counts([p.cell_weeks for p in parts], list(CELL_WEEK_KEYS)),
        windows=sum((p.windows for p in parts), WindowCounts()),
        partitions=sum(p.partitions for p in parts),
    )


