"""The testing stage: every significance test of a build, run side by side.

From the count tables of either engine (:class:`~hotspotkaart.engine.tables.CountTables`) the
stage makes the buurt and wijk tables (:mod:`hotspotkaart.stats.areas`, their change tests from
:mod:`hotspotkaart.stats.change`),
Gi* per grid cell for each year (:mod:`hotspotkaart.stats.grid`), the figures per zone
(:mod:`hotspotkaart.stats.zones`) and the class breaks the maps share
(:mod:`hotspotkaart.stats.classbreaks`). The jobs run on the build's worker processes
(:func:`hotspotkaart.runtime.parallel.run_jobs`).

Only this stage needs scipy.stats, esda, libpysal and mapclassify: about a second of imports,
longer than the demo takes to read and join its inputs. :data:`PRELOAD` names them, so that the
command line can import them in a process of its own while the build reads
(:class:`hotspotkaart.runtime.parallel.WarmProcess`) and run :func:`run_statistics` there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from hotspotkaart._naming import count_column
from hotspotkaart._validate import period_array
from hotspotkaart.config.settings import Config, Periods
from hotspotkaart.engine.tables import CountTables
from hotspotkaart.io.boundaries import Boundaries
from hotspotkaart.runtime.parallel import resolve_workers, run_jobs
from hotspotkaart.stats.areas import area_positions, area_table_from_counts, sum_per_area
from hotspotkaart.stats.classbreaks import CountBreaks, count_breaks
from hotspotkaart.stats.grid import GridResult, GridTests, analyse_grid_from_counts, grid_tests
from hotspotkaart.stats.zones import zone_table_from_counts

__all__ = ["PRELOAD", "Assessment", "run_statistics"]

logger = logging.getLogger(__name__)

#: The modules :func:`run_statistics` imports, for a process that imports them in advance: the
#: statistics libraries (imported by the tests when first run) and this module.
PRELOAD: tuple[str, ...] = ("scipy.stats", "esda.getisord", "libpysal.graph", "mapclassify",
                            __name__)


@dataclass(frozen=True)
class Assessment:
    """What the testing stage made from the count tables.

    Attributes
    ----------
    buurten, wijken : geopandas.GeoDataFrame
        :func:`~hotspotkaart.stats.areas.area_table_from_counts` per buurt and per wijk.
    grid : GridResult
        The grid cells with Gi* per year
        (:func:`~hotspotkaart.stats.grid.analyse_grid_from_counts`).
    zone_stats : geopandas.GeoDataFrame
        :func:`~hotspotkaart.stats.zones.zone_table_from_counts`.
    breaks : CountBreaks
        The class breaks of the buurt counts (:func:`~hotspotkaart.stats.classbreaks.count_breaks`).
    """

    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    grid: GridResult
    zone_stats: gpd.GeoDataFrame
    breaks: CountBreaks


def run_statistics(tables: CountTables, boundaries: Boundaries, zone_frame: gpd.GeoDataFrame,
           config: Config, *, grid: gpd.GeoDataFrame | None = None) -> Assessment:
    """Run every test of a build on the count tables of either engine.

    The buurt table (thousands of areas at national scale) and Gi*, once per year, take longest
    and go first; the class breaks of the buurt counts need no test and are made beside them.
    The grid's result is put together from the years' tests afterwards.

    Parameters
    ----------
    tables : CountTables
        The counts of the used meldingen.
    boundaries : Boundaries
        The buurten and wijken the counts refer to.
    zone_frame : geopandas.GeoDataFrame
        The zones (``zone_id``, ``kind``, ``name``, ``valid_from``, ``valid_to``, geometry).
    config : Config
        Periods, ``[analysis]``, ``[engine] workers`` and ``[maps] privacy_threshold``.
    grid : geopandas.GeoDataFrame, optional
        ``make_grid(boundaries.buurten, config.analysis.cell_size)`` when made already (a
        build makes it while this stage's libraries are being imported); made here otherwise.

    Returns
    -------
    Assessment
        The area, grid and zone tables with their tests, and the class breaks of the maps.
    """
    analysis, periods = config.analysis, config.periods
    logger.info("grid analysis: %g m cells, Gi* with %d permutations",
                analysis.cell_size, analysis.permutations)
    grid_args = (tables.grid, boundaries.buurten, periods, analysis)
    jobs: list[Callable[[], Any]] = [
        partial(area_table_from_counts, tables.buurten, boundaries.buurten, "buurtcode",
                periods, analysis),
        *(partial(grid_tests, *grid_args, years=(year,), grid=grid) for year in periods.years),
        partial(_count_breaks, tables.buurten, boundaries.buurten, periods,
                config.maps.privacy_threshold),
        partial(area_table_from_counts, tables.wijken, boundaries.wijken, "wijkcode", periods,
                analysis),
        partial(zone_table_from_counts, tables.zones, zone_frame, periods, analysis),
    ]
    buurten, *per_year, breaks, wijken, zone_stats = run_jobs(
        jobs, resolve_workers(config.engine.workers))
    cells = analyse_grid_from_counts(*grid_args, tests=reduce(GridTests.merge, per_year))
    return Assessment(buurten=buurten, wijken=wijken, grid=cells, zone_stats=zone_stats,
                      breaks=breaks)


def _count_breaks(counts: pd.DataFrame, buurten: gpd.GeoDataFrame, periods: Periods,
                  threshold: int) -> CountBreaks:
    """Make the class breaks of the meldingen per buurt and year, straight from the counts.

    The counts per buurt are added up as the buurt table adds them
    (:func:`~hotspotkaart.stats.areas.area_positions`,
    :func:`~hotspotkaart.stats.areas.sum_per_area`),
    every buurt included, so the breaks need not wait for its tests.
    """
    years = period_array(counts, periods)
    idx = area_positions(counts["buurtcode"], buurten["buurtcode"])
    weights = counts["n"].to_numpy(dtype=np.int64)
    table = pd.DataFrame({count_column(y): sum_per_area(idx[years == y], weights[years == y],
                                                        len(buurten)).astype(float)
                          for y in periods.years})
    return count_breaks(table, periods.years, threshold)
