"""Run the stages in order: read → join → test → maps → write (:data:`STAGES`).

:func:`analyse` does everything in memory and returns a :class:`BuildResult`; :func:`build` adds
the maps and writes every output atomically. The command line (:mod:`hotspotkaart.cli.main`) is a
thin layer over these two functions.

Each stage reports its start and its end (or its failure) to the logger
``hotspotkaart.pipeline`` at debug level and, as a :class:`StageEvent`, to the ``on_stage``
callback the caller may pass to :func:`analyse` or :func:`build`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import geopandas as gpd
import pandas as pd

from hotspotkaart import __version__
from hotspotkaart._errors import ConfigError
from hotspotkaart._naming import category_slugs, gemeente_pages, wijk_pages
from hotspotkaart.config.settings import ZONE_KINDS, Config
from hotspotkaart.engine.counting import IncidentTotals, incident_totals
from hotspotkaart.engine.grid import check_grid_size, make_grid
from hotspotkaart.engine.run import join_and_count
from hotspotkaart.engine.tables import CountTables
from hotspotkaart.io.boundaries import Boundaries, read_boundaries
from hotspotkaart.io.export import (
    Staging,
    check_output_folder,
    staged_outputs,
    write_csv,
    write_json,
)
from hotspotkaart.io.geopackage import write_geopackage
from hotspotkaart.io.glossary import layer_descriptions
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.io.workbook import write_workbook
from hotspotkaart.io.zones import read_locations, read_zones
from hotspotkaart.maps.data import MapContext, MapData, method_context
from hotspotkaart.maps.fieldmap import field_map
from hotspotkaart.maps.layers import display_zones, prepare_reprojection
from hotspotkaart.maps.offline import write_html
from hotspotkaart.maps.overview import overview_map
from hotspotkaart.maps.pages import (
    comparison_page,
    gemeente_overview,
    index_page,
    render,
    wijk_page_map,
)
from hotspotkaart.maps.qgis import layer_styles
from hotspotkaart.runtime.parallel import WarmProcess, resolve_workers, run_jobs
from hotspotkaart.stats.classbreaks import CountBreaks
from hotspotkaart.stats.coverage import Coverage, assess_coverage
from hotspotkaart.stats.dispersion import Dispersion
from hotspotkaart.stats.findings import workbook_findings
from hotspotkaart.stats.grid import GridResult
from hotspotkaart.stats.temporal import Timing
from hotspotkaart.stats.testing import run_statistics

__all__ = ["MAP_KINDS", "STAGES", "BuildResult", "JobRunner", "StageEvent", "StageHook",
           "analyse", "build", "map_context", "map_data"]

logger = logging.getLogger(__name__)

#: The stages, in the order they run; :func:`analyse` runs the first three.
#:
#: ``read``
#:     boundaries, zones and locations, validated;
#: ``join``
#:     the meldingen read, validated, joined to buurten and zones and counted, piece by piece
#:     (:func:`hotspotkaart.engine.run.join_and_count`, which logs the time of each part);
#: ``test``
#:     the grid, the tests per buurt, wijk, cell and zone, the class breaks and the accounting
#:     check (in the warm process when one is passed);
#: ``maps``
#:     the map layers and every page and table, rendered and written into the staging folder
#:     (on the page workers when there are several);
#: ``write``
#:     ``summary.json`` and putting the staged files in place.
STAGES: tuple[str, ...] = ("read", "join", "test", "maps", "write")

Phase = Literal["start", "end", "failed"]

T = TypeVar("T")


class JobRunner(Protocol):
    """Where the testing stage runs: anything that calls a job and returns its result.

    The command line passes a worker process started before the inputs are read, which imports
    the statistics meanwhile (:class:`hotspotkaart.runtime.parallel.WarmProcess`; what that
    earns is measured in ``benchmarks/README.md``). A library user passes nothing and the tests
    run in the calling process.
    """

    def run(self, job: Callable[[], T], *, meanwhile: Callable[[], object] | None = None,
            here: bool = False) -> T:
        """Call ``job`` (and ``meanwhile()`` while waiting for it) and return its result.

        ``here``: call it in this process, its data being too large to send elsewhere.
        """
        ...


@dataclass(frozen=True)
class StageEvent:
    """A stage starting, ending or failing (then its exception propagates after the event).

    Attributes
    ----------
    name : str
        One of :data:`STAGES`.
    phase : {"start", "end", "failed"}
        Every ``start`` is followed by the ``end`` or ``failed`` of the same stage.
    seconds : float or None
        Wall time since the stage's start (``perf_counter``), at ``end`` and ``failed``;
        ``None`` at ``start``.
    """

    name: str
    phase: Phase
    seconds: float | None = None


#: What ``on_stage`` is called with: each :class:`StageEvent`, in this process, as it happens.
StageHook = Callable[[StageEvent], None]


@contextmanager
def _stage(name: str, on_stage: StageHook | None) -> Iterator[None]:
    """Report the start and the end (or failure) of stage ``name``; time it."""
    logger.debug("stage %s: start", name)
    if on_stage is not None:
        on_stage(StageEvent(name, "start"))
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        seconds = time.perf_counter() - started
        logger.debug("stage %s: failed after %.3f s", name, seconds)
        if on_stage is not None:
            on_stage(StageEvent(name, "failed", seconds))
        raise
    seconds = time.perf_counter() - started
    logger.debug("stage %s: end, %.3f s", name, seconds)
    if on_stage is not None:
        on_stage(StageEvent(name, "end", seconds))


@dataclass(frozen=True)
class BuildResult:
    """Everything one run computed, before or after it was written."""

    config: Config
    boundaries: Boundaries
    incidents: pd.DataFrame  # the used meldingen; coordinates x, y (RD) instead of points
    zones: gpd.GeoDataFrame
    locations: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    grid: GridResult
    zone_stats: gpd.GeoDataFrame
    ledger: Ledger
    generated_at: datetime
    outputs: list[Path] = field(default_factory=list)
    totals: IncidentTotals | None = None
    engine: dict[str, Any] | None = None
    breaks: CountBreaks | None = None
    dispersion: Dispersion | None = None
    coverage: Coverage | None = None
    timing: Timing | None = None
    gemeenten: gpd.GeoDataFrame | None = None

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (made once; reading it checks the accounting)."""
        return _summary(self)


def analyse(config: Config, *, statistics: JobRunner | None = None,
            on_stage: StageHook | None = None) -> BuildResult:
    """Read, validate, join and analyse the inputs of ``config``; write nothing.

    Parameters
    ----------
    config : Config
        A validated configuration (see :func:`hotspotkaart.config.settings.load_config`).
    statistics : JobRunner, optional
        Where the testing stage runs, e.g. a warm process importing
        :data:`hotspotkaart.stats.testing.PRELOAD` (the command line passes one). In this
        process otherwise.
    on_stage : callable, optional
        Called with a :class:`StageEvent` at the start and end of ``read``, ``join`` and
        ``test`` (see :data:`STAGES`).

    Returns
    -------
    BuildResult
        The joined meldingen, the area tables and the ledger of every input record.
    """
    return _analysed(config, statistics, on_stage)


def _analysed(config: Config, statistics: JobRunner | None, on_stage: StageHook | None,
              meanwhile: Callable[[], object] | None = None) -> BuildResult:
    """Do :func:`analyse`, with ``meanwhile()`` in this process while the tests run."""
    ledger = Ledger()
    with _stage("read", on_stage):
        boundaries = read_boundaries(config.area, ledger)
        check_grid_size(boundaries.buurten, config.analysis.cell_size,
                        key=f"{config.path}: [analysis] cell_size")
        zones = read_zones(config.zones, ledger)
        locations = read_locations(config.locations, ledger)
    zone_frame = zones[["zone_id", "kind", "name", "valid_from", "valid_to", "geometry"]]
    with _stage("join", on_stage):
        incidents, tables, engine = join_and_count(config, ledger, boundaries.buurten, zones,
                                                   zone_frame)
    with _stage("test", on_stage):
        # made here, where nothing else is to be done while the process of the tests imports
        grid = make_grid(boundaries.buurten, config.analysis.cell_size)
        coverage = assess_coverage(tables.totals, config.periods)
        for message in coverage.warnings:  # a cut or empty period is said loudly
            ledger.warn(message)
        job = partial(run_statistics, tables, boundaries, zone_frame, config, grid=grid,
                      coverage=coverage)
        tested = (statistics or WarmProcess([], workers=1)).run(
            job, meanwhile=meanwhile, here=_count_rows(tables) > SHIPPED_ROWS)
        result = BuildResult(config=config, boundaries=boundaries, incidents=incidents,
                             zones=zones, locations=locations, buurten=tested.buurten,
                             wijken=tested.wijken, grid=tested.grid,
                             zone_stats=tested.zone_stats, ledger=ledger,
                             generated_at=_generated_at(), totals=tables.totals, engine=engine,
                             breaks=tested.breaks, dispersion=tested.dispersion,
                             coverage=tested.coverage, timing=tested.timing,
                             gemeenten=tested.gemeenten)
        _ = result.summary  # checks read == used + rejected before anything is written
    return result


#: The most count rows whose tests run in the ``statistics`` runner (a warm process); above
#: it they run in the build's process. The runner's results come back by pickle, which costs
#: more than its early imports save once the when-tables are large (``benchmarks/README.md``).
SHIPPED_ROWS = 100_000


def _count_rows(tables: CountTables) -> int:
    """Count the rows the tests turn into their largest results (the when-tables)."""
    return len(tables.weeks) + len(tables.months) + len(tables.cell_weeks)


MAP_KINDS: tuple[str, ...] = ("overzicht", "vergelijking", "wijken", "veldkaart")


def build(config: Config, out_dir: Path | None = None, *, only: Sequence[str] = (),
          wijken: Sequence[str] = (), statistics: JobRunner | None = None,
          on_stage: StageHook | None = None) -> BuildResult:
    """Analyse the inputs and write every output into ``out_dir``.

    Parameters
    ----------
    config : Config
        A validated configuration.
    out_dir : Path, optional
        Output folder; defaults to ``config.output_dir``.
    only : sequence of str, optional
        Build only these maps (from :data:`MAP_KINDS`); the tables, the GeoPackage and the
        index are then left as they are. ``summary.json`` is always written.
    wijken : sequence of str, optional
        Build only the maps of these wijkcodes (implies ``only=("wijken",)`` when ``only`` is
        empty).
    statistics : JobRunner, optional
        As for :func:`analyse`.
    on_stage : callable, optional
        Called with a :class:`StageEvent` at the start and end of every stage of
        :data:`STAGES`; a stage that raises reports ``failed`` instead of ``end``.

    Returns
    -------
    BuildResult
        The result, with ``outputs`` listing the files written.

    Raises
    ------
    ConfigError
        If ``only`` or ``wijken`` name an unknown map or wijk.
    """
    selected = _selected_maps(only, wijken)
    target = out_dir if out_dir is not None else config.output_dir
    check_output_folder(target)  # before the work, not after it
    # page workers, forked later, inherit the reprojection set up while the tests run
    result = _analysed(config, statistics, on_stage, meanwhile=prepare_reprojection)
    wijk_codes = _selected_wijken(result, wijken)
    with ExitStack() as staged:  # closed inside "write": that puts the staged files in place
        staging = staged.enter_context(staged_outputs(target, prune=not only and not wijken))
        summary = staging.path("summary.json")  # listed first among the outputs
        with _stage("maps", on_stage):
            jobs = _output_jobs(result, staging, selected, wijk_codes,
                                everything=not only and not wijken)
            run_jobs(jobs, resolve_workers(config.engine.workers))
        with _stage("write", on_stage):
            write_json(summary, result.summary)
            names = list(staging.written)
            staged.close()
    result.outputs.extend(target / name for name in names)
    logger.info("wrote %d files to %s", len(names), target)
    return result


def _output_jobs(result: BuildResult, staging: Staging, selected: set[str],
                 wijk_codes: Sequence[str], *, everything: bool) -> list[Callable[[], None]]:
    """One job per page and one for the tables, longest first; their files staged in order."""
    data, context = map_data(result), map_context(result)
    pages: list[tuple[str, Callable[[], str], str | None]] = []  # and the gemeente of a region
    if "overzicht" in selected:
        pages.append(("overzicht.html", partial(_folium_page, overview_map, data, context),
                      None))
    if "vergelijking" in selected:
        pages.append(("vergelijking.html", partial(comparison_page, data, context), None))
    if "veldkaart" in selected:
        pages.append(("veldkaart.html", partial(_folium_page, field_map, data, context,
                                                result.config.maps.privacy_threshold), None))
    if "wijken" in selected:
        names = wijk_pages(result.wijken["wijkcode"].tolist())
        of = dict(zip(result.wijken["wijkcode"].astype(str),
                      result.wijken["gemeentecode"].astype(str), strict=True))
        region = data.gemeenten is not None
        pages.extend((names[str(code)], partial(_folium_page, wijk_page_map, data, context, code),
                      of[str(code)] if region else None) for code in wijk_codes)
    if "overzicht" in selected and data.gemeenten is not None:  # a region: one per gemeente
        gemeenten = gemeente_pages(data.gemeenten["gemeentecode"].tolist())
        pages.extend((page, partial(_folium_page, gemeente_overview, data, context, code),
                      str(code)) for code, page in gemeenten.items())
    if everything:
        pages.append(("index.html", partial(index_page, data, context), None))
    jobs: list[Callable[[], None]] = []
    if everything:  # the GeoPackage and the workbook are the longest jobs, then the tables
        tables, categories = _tables(result), _category_names(result)
        paths = _table_paths(staging, tables)
        jobs.append(partial(_write_tables, result, categories, paths["hotspotkaart.gpkg"]))
        jobs.append(partial(_write_workbook, result, context, tables, categories,
                            staging.path("hotspotkaart.xlsx")))
        jobs.extend(partial(write_csv, paths[f"{n}.csv"], table) for n, table in tables.items())
    return jobs + _page_jobs(staging, pages)


def _page_jobs(staging: Staging, pages: list[tuple[str, Callable[[], str], str | None]]
               ) -> list[Callable[[], None]]:
    """One job per page, but one per gemeente of a region for its overview and wijk pages.

    The pages of a gemeente draw on its view of the layers (:func:`hotspotkaart.maps.pages.
    gemeente_overview`); made in one job, one process makes that view once and need not keep
    it for later (:data:`hotspotkaart.maps.pages.GEMEENTE_VIEWS`).
    """
    jobs: list[Callable[[], None]] = []
    per_gemeente: dict[str, list[tuple[Path, Callable[[], str]]]] = {}
    for name, page, gemeente in pages:
        item = (staging.path(name), page)
        if gemeente is None:
            jobs.append(partial(_write_pages, [item]))
        elif gemeente in per_gemeente:
            per_gemeente[gemeente].append(item)  # into the job made at its first page
        else:
            per_gemeente[gemeente] = [item]
            jobs.append(partial(_write_pages, per_gemeente[gemeente]))
    return jobs


def _folium_page(make: Callable[..., Any], *args: Any) -> str:
    return render(make(*args))


def _write_pages(pages: list[tuple[Path, Callable[[], str]]]) -> None:
    for path, page in pages:
        write_html(path, page())


_TABLES = ("rejected.csv", "buurten.csv", "wijken.csv", "gemeenten.csv", "grid.csv",
           "zones.csv", "tijden.csv", "maanden.csv", "hottijden.csv", "tijdprofiel.csv",
           "hotspotkaart.gpkg")


def _table_paths(staging: Staging, tables: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """Return the staging path of every table file (``gemeenten.csv`` only for a region)."""
    return {name: staging.path(name) for name in _TABLES
            if not name.endswith(".csv") or name[:-4] in tables}


def _write_tables(result: BuildResult, categories: dict[str, str], path: Path) -> None:
    """Write the GeoPackage (its own job: at national scale the longest, beside the CSVs)."""
    layers = {
        "buurten": result.buurten,
        "wijken": result.wijken,
        **({} if result.gemeenten is None else {"gemeenten": result.gemeenten}),
        "grid": result.grid.cells,
        "zones": result.zone_stats,
    }
    if result.engine is None:  # the dask engine keeps no per-melding data
        layers["incidents"] = result.incidents  # points at their x and y
    styles = layer_styles(layers, result.config.periods.years,
                          None if result.breaks is None else result.breaks.shared,
                          categories=categories, periods=result.config.periods)
    write_geopackage(path, layers, descriptions=layer_descriptions(
                         result.config.periods, result.config.analysis.cell_size),
                     styles=styles, categories=categories, created=result.generated_at,
                     periods=result.config.periods)


def _tables(result: BuildResult) -> dict[str, pd.DataFrame]:
    """Return the tables of a build by name, as the CSVs and the workbook's sheets hold them."""
    tables = {"buurten": result.buurten, "wijken": result.wijken,
              **({} if result.gemeenten is None else {"gemeenten": result.gemeenten}),
              "grid": result.grid.cells, "zones": result.zone_stats}
    if result.timing is not None:
        tables.update({"tijden": result.timing.times, "maanden": result.timing.months,
                       "hottijden": result.timing.hot_times,
                       "tijdprofiel": result.timing.profiles})
    return {**tables, "rejected": result.ledger.rejection_table()}


def _write_workbook(result: BuildResult, context: MapContext, tables: dict[str, pd.DataFrame],
                    categories: dict[str, str], path: Path) -> None:
    write_workbook(path, tables, method=context.method, details=_method(result),
                   categories=categories, periods=result.config.periods,
                   findings=workbook_findings(tables, result.config.periods),
                   created=result.generated_at.replace(tzinfo=None))


def _category_names(result: BuildResult) -> dict[str, str]:
    """Category slug to category name, for the column explanations."""
    slugs = category_slugs(_totals(result).counts["category"].unique().tolist())
    return {slug: str(name) for name, slug in slugs.items()}


def _selected_maps(only: Sequence[str], wijken: Sequence[str]) -> set[str]:
    unknown = sorted(set(only) - set(MAP_KINDS))
    if unknown:
        msg = f"--only {unknown[0]!r} is not a map; choose from {', '.join(MAP_KINDS)}"
        raise ConfigError(msg)
    if only:
        return set(only)
    return {"wijken"} if wijken else set(MAP_KINDS)


def _selected_wijken(result: BuildResult, wijken: Sequence[str]) -> list[str]:
    known = list(result.wijken["wijkcode"])
    unknown = [w for w in wijken if w not in known]
    if unknown:
        msg = (f"--wijk {unknown[0]!r} is not a wijk of {result.config.area.name}; "
               f"known wijkcodes: {', '.join(known)}")
        raise ConfigError(msg)
    return list(wijken) or known


def map_data(result: BuildResult) -> MapData:
    """Collect the layers every map draws from a :class:`BuildResult` (zones with their figures).

    Categories are ordered by their number of meldingen, largest first; the zones' shapes are
    simplified for drawing (:func:`hotspotkaart.maps.layers.display_zones`).
    """
    stats = result.zone_stats.drop(columns=["geometry", "kind", "name", "valid_from",
                                            "valid_to"])
    zones = result.zones.merge(stats, on="zone_id", how="left")
    counts = _totals(result).counts  # the categories of the compared periods (no trend-only)
    compared = counts[counts["period"].isin(result.config.periods.years)]
    per_category = compared.groupby("category", dropna=False)["n"].sum()
    categories = sorted(per_category.index, key=lambda c: (-int(per_category[c]), c))
    timing = result.timing
    return MapData(buurten=result.buurten, wijken=result.wijken,
                   zones=display_zones(gpd.GeoDataFrame(zones, geometry="geometry",
                                                        crs=result.zones.crs)),
                   locations=result.locations, cells=result.grid.cells,
                   categories=[str(c) for c in categories], breaks=result.breaks,
                   months=None if timing is None else timing.months,
                   times=None if timing is None else timing.times,
                   hot_times=None if timing is None else timing.hot_times,
                   gemeenten=result.gemeenten)


def _generated_at() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def _summary(result: BuildResult) -> dict[str, Any]:
    config, ledger, totals = result.config, result.ledger, _totals(result)
    years = config.periods.keys  # the trend-only periods too
    counts = totals.counts[totals.counts["n"] > 0]
    per_period = counts.groupby("period")["n"].sum()
    per_category = counts.groupby(["category", "period"])["n"].sum()
    categories = sorted(counts["category"].unique())
    summary: dict[str, Any] = {
        "tool": {"name": "hotspotkaart", "version": __version__},
        "generated_at": result.generated_at.isoformat(),
        "area": {"name": config.area.name, "municipality_code": config.area.municipality_code,
                 **_gemeenten_summary(result), "buurten": len(result.boundaries.buurten),
                 "wijken": len(result.boundaries.wijken),
                 "boundary_edition": config.area.edition, "credit": config.area.credit},
        "periods": config.periods.as_dict(),
        "demonstration_data": config.synthetic,
        "incidents": ledger.counts("incidents", used=int(counts["n"].sum())),
        "per_period": {str(y): int(per_period.get(y, 0)) for y in years},
        "per_category": {c: {str(y): int(per_category.get((c, y), 0)) for y in years}
                         for c in categories},
        "zones": ledger.counts("zones", used=len(result.zones)),
        "zones_per_kind": {k: int((result.zones["kind"] == k).sum()) for k in ZONE_KINDS},
        "locations": ledger.counts("locations", used=len(result.locations)),
        "warnings": list(ledger.warnings),
        "method": _method(result),
    }
    if result.engine is not None:
        summary["engine"] = dict(result.engine)
    return summary


def _gemeenten_summary(result: BuildResult) -> dict[str, Any]:
    """List a region's gemeenten (code, name, buurten) for ``summary.json``."""
    if not result.config.area.region:
        return {}
    gemeenten = result.boundaries.gemeenten
    buurten = result.boundaries.buurten["gemeentecode"].value_counts()
    return {"gemeenten": [{"code": str(code), "name": str(name), "buurten": int(buurten[code])}
                          for code, name in zip(gemeenten["gemeentecode"],
                                                gemeenten["gemeentenaam"], strict=True)]}


def _totals(result: BuildResult) -> IncidentTotals:
    return result.totals if result.totals is not None else incident_totals(result.incidents)


def _method(result: BuildResult) -> dict[str, Any]:
    config = result.config
    totals = _totals(result)
    grid = result.grid.method
    return {
        "periods": config.periods.method_text(),
        "data_period": {
            "first": None if totals.first is None else totals.first.strftime("%Y-%m-%d"),
            "last": None if totals.last is None else totals.last.strftime("%Y-%m-%d"),
        },
        "boundary_edition": config.area.edition,
        "boundary_rule": "punt op een grens: buurt met de laagste buurtcode",
        "change_test": ("exact conditional binomial test, p0 from the number of days per period;"
                        " second reading p0 from the city-wide trend; on the effective counts "
                        "count / dispersion"),
        "dispersion": (result.dispersion or Dispersion(applied=1.0)).as_dict(),
        "coverage": None if result.coverage is None else result.coverage.as_dict(),
        "alpha": config.analysis.alpha,
        "fdr_q": config.analysis.fdr_q,
        "min_count": config.analysis.min_count,
        "cell_size_m": grid.get("cell_size_m", config.analysis.cell_size),
        "neighbours": grid.get("neighbours"),
        "zone_buffer_m": config.analysis.buffer_m,
        "grid": grid,
        "concentration": result.grid.concentration,
        "when": None if result.timing is None else result.timing.as_dict(),
        "fdr_families": _families(result),
        "generated_at": result.generated_at.isoformat(),
    }


def _families(result: BuildResult) -> dict[str, Any]:
    """Count the tests of each FDR family; every family spans the run (a gemeente or region)."""
    codes = result.config.area.municipality_codes
    return {"scope": list(codes), "buurten": len(result.buurten), "wijken": len(result.wijken),
            "gemeenten": None if result.gemeenten is None else len(result.gemeenten),
            "cells": len(result.grid.cells), "zones": len(result.zone_stats)}


def map_context(result: BuildResult) -> MapContext:
    """Collect the titles, credits and method stamp that every map prints."""
    return method_context(result.config, _method(result),
                          result.dispersion or Dispersion(applied=1.0), result.generated_at)
