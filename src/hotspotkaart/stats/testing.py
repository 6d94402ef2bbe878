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
from dataclasses import dataclass, replace
from functools import partial, reduce
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from hotspotkaart._naming import count_column
from hotspotkaart.config.settings import AnalysisConfig, Config, Periods
from hotspotkaart.engine.counting import half_days, stack
from hotspotkaart.engine.region import gemeente_counts, gemeente_lookup, gemeente_of_shapes
from hotspotkaart.engine.tables import CountTables
from hotspotkaart.io.boundaries import Boundaries
from hotspotkaart.runtime.parallel import resolve_workers, run_jobs
from hotspotkaart.stats.areas import area_table_from_counts, area_year_counts
from hotspotkaart.stats.classbreaks import CountBreaks, count_breaks
from hotspotkaart.stats.clustertimes import (
    cluster_column,
    cluster_hot_times,
    cluster_time_rows,
    cluster_weeks,
    label_clusters,
)
from hotspotkaart.stats.coverage import Coverage, assess_coverage
from hotspotkaart.stats.dispersion import Dispersion, Split, choose_dispersion
from hotspotkaart.stats.grid import GridResult, GridTests, analyse_grid_from_counts, grid_tests
from hotspotkaart.stats.temporal import (
    Timing,
    area_trends,
    is_region,
    make_timing,
    positions_in,
    timing_jobs,
    with_area_codes,
)
from hotspotkaart.stats.zones import zone_table_from_counts

__all__ = ["PRELOAD", "Assessment", "build_dispersion", "run_statistics"]

logger = logging.getLogger(__name__)

#: The modules :func:`run_statistics` imports, for a process that imports them in advance: the
#: statistics libraries (imported by the tests when first run) and this module.
PRELOAD: tuple[str, ...] = ("scipy.stats", "scipy.special", "esda.getisord", "libpysal.graph",
                            "mapclassify", __name__)


@dataclass(frozen=True)
class Assessment:
    """What the testing stage made from the count tables.

    Attributes
    ----------
    buurten, wijken : geopandas.GeoDataFrame
        :func:`~hotspotkaart.stats.areas.area_table_from_counts` per buurt and per wijk.
    gemeenten : geopandas.GeoDataFrame or None
        The same per gemeente of a region (None for one gemeente), the counts of its wijken
        added up.
    grid : GridResult
        The grid cells with Gi* per year
        (:func:`~hotspotkaart.stats.grid.analyse_grid_from_counts`).
    zone_stats : geopandas.GeoDataFrame
        :func:`~hotspotkaart.stats.zones.zone_table_from_counts`.
    breaks : CountBreaks
        The class breaks of the buurt counts (:func:`~hotspotkaart.stats.classbreaks.count_breaks`).
    dispersion : Dispersion
        The overdispersion factor every test used (:mod:`hotspotkaart.stats.dispersion`).
    coverage : Coverage
        The days of each period the daily-rate tests used (:mod:`hotspotkaart.stats.coverage`).
    timing : Timing
        When overlast happens: time and month tables, hot times and profile changes
        (:mod:`hotspotkaart.stats.temporal`).

    Every table carries ``gemeentecode`` (:func:`_with_gemeentecode`).
    """

    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    grid: GridResult
    zone_stats: gpd.GeoDataFrame
    breaks: CountBreaks
    dispersion: Dispersion
    coverage: Coverage
    timing: Timing
    gemeenten: gpd.GeoDataFrame | None = None


def run_statistics(tables: CountTables, boundaries: Boundaries, zone_frame: gpd.GeoDataFrame,
           config: Config, *, grid: gpd.GeoDataFrame | None = None,
           coverage: Coverage | None = None) -> Assessment:
    """Run every test of a build on the count tables of either engine.

    The tests run as jobs side by side, longest first: the time table (millions of rows at
    national scale), Gi* once per year, the hot times, then the class breaks of the buurt
    counts (they need no test), the buurt table and the rest. The grid's result and the *when*
    of the build are put together from their parts afterwards.

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
    coverage : Coverage, optional
        The days each period's data cover (:func:`~hotspotkaart.stats.coverage.assess_coverage`
        of ``tables.totals``, made here when None): the daily-rate tests use them.

    Returns
    -------
    Assessment
        The area, grid and zone tables with their tests, and the class breaks of the maps.
    """
    analysis, periods = config.analysis, config.periods
    covered = coverage or assess_coverage(tables.totals, periods)
    exposure = (covered.days(periods.base), covered.days(periods.compare))
    windows = {y: covered.window(y) if covered.days(y) else None for y in periods.years}
    disp = build_dispersion(tables.halves, boundaries.buurten, config)
    phi = disp.applied
    logger.info("grid analysis: %g m cells; dispersion %.2f (%s)", analysis.cell_size, phi,
                disp.source)
    grid_args = (tables.grid, boundaries.buurten, periods, analysis)
    grid_kw: dict[str, Any] = {"area_counts": tables.buurten, "dispersion": phi}
    area_kw: dict[str, Any] = {"dispersion": disp, "exposure": exposure}
    when_jobs = timing_jobs(tables.weeks, tables.months, boundaries.buurten, periods, covered,
                            analysis, phi)
    grid_jobs = {year: partial(grid_tests, *grid_args, years=(year,), grid=grid, **grid_kw)
                 for year in periods.years}
    jobs: dict[Any, Callable[[], Any]] = {  # longest first: a free worker takes the next one
        "times": when_jobs["times"], **grid_jobs, "hot_times": when_jobs["hot_times"],
        "breaks": partial(_count_breaks, tables.buurten, boundaries.buurten, periods,
                          config.maps.privacy_threshold),
        "buurtcode": partial(area_table_from_counts, tables.buurten, boundaries.buurten,
                             "buurtcode", periods, analysis, **area_kw),
        "profiles": when_jobs["profiles"], "months": when_jobs["months"],
        "wijkcode": partial(area_table_from_counts, tables.wijken, boundaries.wijken,
                            "wijkcode", periods, analysis, **area_kw),
        "gemeentecode": partial(_gemeente_table, tables.wijken, boundaries, periods, analysis,
                                **area_kw),
        "zones": partial(zone_table_from_counts, tables.zones, zone_frame, periods, analysis,
                         dispersion=phi, windows=windows),
    }
    done = dict(zip(jobs, run_jobs(list(jobs.values()), resolve_workers(config.engine.workers)),
                    strict=True))
    # taken out of done: replaced with their clusters' rows below, they need not stay alive
    when = make_timing({key: done.pop(key) for key in when_jobs}, covered, periods,
                       tables.windows)
    per_year = [done[year] for year in grid_jobs]
    cells = analyse_grid_from_counts(*grid_args, tests=reduce(GridTests.merge, per_year),
                                     exposure=exposure, quarters=tables.quarters,
                                     quarter_days=when.quarter_days, **grid_kw)
    areas = _with_trends({key: done[key] for key in ("buurtcode", "wijkcode", "gemeentecode")},
                         tables, boundaries, config, when, phi)
    cells, when = _with_clusters(cells, tables, config, when, covered, phi)
    assessment = Assessment(buurten=areas["buurtcode"], wijken=areas["wijkcode"], grid=cells,
                            zone_stats=done["zones"], breaks=done["breaks"], dispersion=disp,
                            coverage=covered, timing=when, gemeenten=areas["gemeentecode"])
    return _with_gemeentecode(assessment, boundaries, periods.years)


def _gemeente_table(wijk_counts: pd.DataFrame, boundaries: Boundaries, periods: Periods,
                    analysis: AnalysisConfig, **kwargs: Any) -> gpd.GeoDataFrame | None:
    """Test each gemeente of a region on the counts of its wijken; None for one gemeente."""
    if not is_region(boundaries.buurten):
        return None
    counts = gemeente_counts(wijk_counts, gemeente_lookup(boundaries.buurten, boundaries.wijken))
    return area_table_from_counts(counts, boundaries.gemeenten, "gemeentecode", periods,
                                  analysis, **kwargs)


def _with_trends(areas: dict[str, gpd.GeoDataFrame | None], tables: CountTables,
                 boundaries: Boundaries, config: Config, when: Timing,
                 phi: float) -> dict[str, gpd.GeoDataFrame | None]:
    """Add the trend over the quarters to each area table by its key (before the geometry)."""
    months = with_area_codes(tables.months, boundaries.buurten)
    out: dict[str, gpd.GeoDataFrame | None] = {}
    for key, table in areas.items():
        if table is None:
            out[key] = None
            continue
        trends = area_trends(months, table[key].astype(str).tolist(), key, config.periods,
                             when.quarter_days, config.analysis, phi)
        geometry = table.geometry.name
        frame = pd.concat([pd.DataFrame(table.drop(columns=geometry)),
                           trends.set_index(table.index)], axis=1)
        out[key] = gpd.GeoDataFrame(frame, geometry=table.geometry, crs=table.crs)
    return out


def _with_gemeentecode(assessment: Assessment, boundaries: Boundaries,
                      years: tuple[int, ...]) -> Assessment:
    """Give the grid, the zones and the *when* tables the ``gemeentecode`` of each row.

    A cell or a zone takes the gemeente of its centre, else the one it overlaps most
    (:func:`~hotspotkaart.engine.region.gemeente_of_shapes`); a row of the *when* tables the
    gemeente of its buurt, wijk or hot-spot cluster, and the city rows the gemeente of a
    one-gemeente run (empty for a region, whose city rows are the region).
    """
    cells = assessment.grid.cells
    cell_codes = gemeente_of_shapes(cells.geometry.to_numpy(), boundaries.gemeenten)
    zones = assessment.zone_stats
    zone_codes = gemeente_of_shapes(zones.geometry.to_numpy(), boundaries.gemeenten)
    lookup = gemeente_lookup(boundaries.buurten, boundaries.wijken)
    lookup.update({str(c): str(c) for c in boundaries.gemeenten["gemeentecode"]})
    lookup.update(_cluster_gemeenten(cells, cell_codes, years))
    city = "" if is_region(boundaries.buurten) else str(boundaries.gemeenten["gemeentecode"][0])
    when = assessment.timing
    tables = {name: _insert_after(getattr(when, name), "area_code", "gemeentecode",
                                  _when_codes(getattr(when, name), lookup, city))
              for name in ("times", "months", "hot_times", "profiles")}
    grid = replace(assessment.grid, cells=_insert_after(cells, "cell_id", "gemeentecode",
                                                        cell_codes))
    return replace(assessment, grid=grid,
                   zone_stats=_insert_after(zones, "zone_id", "gemeentecode", zone_codes),
                   timing=replace(when, **tables))


def _when_codes(table: pd.DataFrame, lookup: dict[str, str], city: str) -> pd.Categorical:
    """Return the gemeentecode of each row of a *when* table (``city`` for the city rows).

    Each distinct area code is looked up once (:func:`~hotspotkaart.stats.temporal.
    positions_in`); a code without a gemeente gets the empty code. The codes are a categorical
    of the sorted gemeentecodes, as the table's other texts (:func:`~hotspotkaart.engine.
    counting.compact`).
    """
    named = {**lookup, "": city}
    position = positions_in(table["area_code"], list(named))
    codes, inverse = np.unique(np.array([*named.values(), ""], dtype=object),
                               return_inverse=True)  # the last: the empty code, for -1
    return pd.Categorical.from_codes(inverse[position], categories=codes.astype(str))


def _cluster_gemeenten(cells: gpd.GeoDataFrame, cell_codes: np.ndarray,
                       years: tuple[int, ...]) -> dict[str, str]:
    """Hot-spot cluster → the gemeente of most of its cells (the lowest code on a tie)."""
    out: dict[str, str] = {}
    for year in years:
        frame = pd.DataFrame({"cluster": cells[cluster_column(year)].astype("string"),
                              "code": cell_codes})
        frame = frame[frame["cluster"].notna() & (frame["cluster"] != "")]
        sizes = frame.groupby(["cluster", "code"], sort=True).size().reset_index(name="n")
        sizes = sizes.sort_values(["cluster", "n"], ascending=[True, False], kind="stable")
        first = sizes.drop_duplicates("cluster")
        out.update(zip(first["cluster"].astype(str), first["code"].astype(str), strict=True))
    return out


def _insert_after(table: pd.DataFrame, after: str, column: str,
                  values: np.ndarray | ExtensionArray) -> pd.DataFrame:
    """Return ``table`` with ``column`` inserted right after ``after`` (``table`` is kept).

    The columns are shared, not copied (the *when* tables hold millions of rows): nothing
    writes into either frame afterwards, and pandas 3 copies a column on write anyway.
    """
    out = table.copy(deep=False)
    out.insert(out.columns.get_loc(after) + 1, column, values)
    return out


def _with_clusters(grid: GridResult, tables: CountTables, config: Config, when: Timing,
                   coverage: Coverage, phi: float) -> tuple[GridResult, Timing]:
    """Name the hot-spot clusters of each year in the grid; add their times and hot times.

    See :mod:`hotspotkaart.stats.clustertimes`. Each ``hotspot_<year>`` column comes after
    that year's ``gi_class_<year>``.
    """
    cells, size = grid.cells, config.analysis.cell_size
    clusters = label_clusters(cells, config.periods.years, size)
    frame = pd.DataFrame(cells.drop(columns=cells.geometry.name))
    for year, codes in clusters.items():
        frame.insert(frame.columns.get_loc(f"gi_class_{year}") + 1, cluster_column(year), codes)
    labelled = gpd.GeoDataFrame(frame, geometry=cells.geometry, crs=cells.crs)
    weeks = cluster_weeks(tables.cell_weeks, cells, clusters, size)
    hot = cluster_hot_times(weeks, clusters, coverage, config.analysis, phi)
    times = stack([when.times, cluster_time_rows(weeks)])
    hot_times = stack([when.hot_times, hot])  # no clusters' hot times: the table as it was
    return (replace(grid, cells=labelled),
            replace(when, times=times, hot_times=hot_times))


def build_dispersion(halves: pd.DataFrame, buurten: gpd.GeoDataFrame,
                     config: Config) -> Dispersion:
    """Decide the overdispersion factor of a build from the split meldingen per buurt.

    Parameters
    ----------
    halves : pandas.DataFrame
        :func:`~hotspotkaart.engine.counting.half_counts` (``CountTables.halves``).
    buurten : geopandas.GeoDataFrame
        The buurten.
    config : Config
        ``[analysis] dispersion`` and ``min_count``, and the periods.

    Returns
    -------
    Dispersion
        φ overall and per category (:func:`~hotspotkaart.stats.dispersion.choose_dispersion`).
    """
    periods = config.periods
    share = {y: half_days(periods.days(y)) / periods.days(y) for y in periods.years}
    in_half = halves[halves["half"] == 1]

    def split(category: str | None) -> Split:
        total = area_year_counts(halves, buurten, "buurtcode", periods, category=category)
        half = area_year_counts(in_half, buurten, "buurtcode", periods, category=category)
        return (np.concatenate([half[y] for y in periods.years]),
                np.concatenate([total[y] for y in periods.years]),
                np.concatenate([np.full(len(buurten), share[y]) for y in periods.years]))

    labels = sorted({str(c) for c in halves["category"].unique()})
    return choose_dispersion(config.analysis.dispersion, split(None),
                             min_count=int(config.analysis.min_count),
                             categories={label: split(label) for label in labels})


def _count_breaks(counts: pd.DataFrame, buurten: gpd.GeoDataFrame, periods: Periods,
                  threshold: int) -> CountBreaks:
    """Make the class breaks of the meldingen per buurt and year, straight from the counts.

    The counts per buurt are added up as the buurt table adds them
    (:func:`~hotspotkaart.stats.areas.area_year_counts`), every buurt included, so the breaks
    need not wait for its tests.
    """
    per_year = area_year_counts(counts, buurten, "buurtcode", periods)
    table = pd.DataFrame({count_column(y): per_year[y].astype(float) for y in periods.years})
    return count_breaks(table, periods.years, threshold)
