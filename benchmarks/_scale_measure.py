"""Measurements for ``bench_scale.py``, run inside its child interpreters.

``child_build`` runs one ``hotspotkaart.pipeline.build`` with a :class:`StageClock` as its
``on_stage`` hook: wall time and exact peak RSS per stage of ``pipeline.STAGES``, and the
sampled PSS of the build and its workers. ``child_peers`` times the join against bare STRtree
and DuckDB. Both write their figures as JSON for the parent.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# =============================================================================================
# Per-stage time and peak memory (runs inside the child interpreter)
# =============================================================================================


def _status_kb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


class TreeMemory:
    """Samples the proportional set size (PSS) of this process and its worker processes.

    The build's workers are forked: their resident sets share most pages with this process,
    so adding RSS would count those pages several times. PSS divides every shared page among
    the processes that map it, so the sum over the tree is the memory the build really holds.
    Sampled every ``interval`` seconds in a thread; a short spike between samples is missed.
    """

    def __init__(self, interval: float = 0.2) -> None:
        import threading

        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, sum(_pss(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text(encoding="ascii").split()
        except OSError:
            continue
        for child in children:
            pids += _tree(int(child))
    return pids


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0



@dataclass
class StageRecord:
    """Totals of one stage over all its calls (stages do not nest: inclusive == exclusive)."""

    calls: int = 0
    inclusive: float = 0.0
    exclusive: float = 0.0
    peak: int = 0
    failed: bool = False


#: The time of ``build`` outside every stage (choosing maps and wijken, the staging folder).
GLUE = "build (pipeline glue)"


@dataclass
class StageClock:
    """The ``on_stage`` hook of the build: wall time and exact peak RSS per stage.

    The seconds are the pipeline's own (``StageEvent.seconds``). At every stage boundary the
    kernel's high-water mark (``VmHWM``) is read, credited to the stage open at that moment, and
    reset (``/proc/self/clear_refs``), so each stage's peak is the true maximum of the resident
    set of this process while it ran (the page workers' memory is in the sampled PSS instead).
    """

    records: dict[str, StageRecord] = field(default_factory=dict)
    open: dict[str, int] = field(default_factory=dict)
    peak: int = 0
    exact: bool = True
    log: Any = None

    def note(self, **entry: Any) -> None:
        """Append one line to the live log, so a build that times out still tells where."""
        if self.log is not None:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def boundary(self) -> None:
        high = _status_kb("VmHWM") if self.exact else _status_kb("VmRSS")
        for name, peak in self.open.items():
            self.open[name] = max(peak, high)
        self.peak = max(self.peak, high)
        if self.exact:
            self.exact = _reset_peak()

    def __call__(self, event: Any) -> None:
        """Take one ``hotspotkaart.pipeline.StageEvent``."""
        self.boundary()
        if event.phase == "start":
            self.open[event.name] = _status_kb("VmRSS")
            self.note(start=event.name)
            return
        peak = self.open.pop(event.name, 0)
        seconds = float(event.seconds or 0.0)
        record = self.records.setdefault(event.name, StageRecord())
        record.calls += 1
        record.inclusive += seconds
        record.exclusive += seconds
        record.peak = max(record.peak, peak)
        record.failed = record.failed or event.phase == "failed"
        self.note(end=event.name, seconds=round(seconds, 3), exclusive=round(seconds, 3),
                  peak=peak, phase=event.phase)

    def stages(self, build_s: float) -> dict[str, dict[str, Any]]:
        """Every stage's figures, its group its own name, and the glue under ``other``."""
        out = {name: vars(record) | {"group": name} for name, record in self.records.items()}
        glue = max(0.0, build_s - sum(r.inclusive for r in self.records.values()))
        out[GLUE] = vars(StageRecord(1, build_s, glue, self.peak)) | {"group": "other"}
        return out


def jenks_probe() -> dict[str, Any]:
    """Time ``mapclassify.FisherJenks`` (k = 5) on 500 and 1000 values; fit ``c · n²``.

    Without numba, mapclassify runs its O(n² k) Fisher–Jenks loop in pure Python; the maps call
    it on the buurt counts of both years (2 × the number of buurten values).
    """
    import warnings

    import mapclassify

    rng = np.random.default_rng(0)
    fits = []
    for n in (500, 1000):
        values = rng.poisson(8, n) + rng.random(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            mapclassify.FisherJenks(values, k=5)
            fits.append((time.perf_counter() - start) / n**2)
    try:
        import numba  # noqa: F401

        has_numba = True
    except ImportError:
        has_numba = False
    return {"c": max(fits), "numba": has_numba}


def child_build(config_path: Path, out: Path, report: Path, *, explore: bool) -> None:
    """Run one build timed through its stage hook (in a fresh interpreter); write JSON."""
    import warnings

    warnings.simplefilter("ignore")
    start = time.perf_counter()
    import geopandas  # noqa: F401

    import hotspotkaart.pipeline as pipeline
    from hotspotkaart.config.settings import load_config
    from hotspotkaart.runtime.parallel import WarmProcess, resolve_workers
    from hotspotkaart.stats.testing import PRELOAD

    import_s = time.perf_counter() - start
    probe = jenks_probe()
    baseline = _status_kb("VmRSS")
    clock = StageClock()
    clock.exact = _reset_peak()
    clock.log = open(report.with_suffix(".log"), "w", encoding="utf-8")  # noqa: SIM115
    config = load_config(config_path)
    cpu0 = time.process_time()
    start = time.perf_counter()
    # the tests in a warm process, as ``hotspotkaart build`` runs them
    with TreeMemory() as tree, WarmProcess(PRELOAD, resolve_workers(config.engine.workers)
                                           ) as statistics:
        result = pipeline.build(config, out, on_stage=clock, statistics=statistics)
    build_s = time.perf_counter() - start
    build_cpu = time.process_time() - cpu0
    clock.boundary()
    build_peak = clock.peak
    summary = result.summary
    pages = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.rglob("*.html"))}
    files = {p.relative_to(out).as_posix(): p.stat().st_size for p in sorted(out.glob("*"))
             if p.is_file() and p.suffix != ".html"}
    data: dict[str, Any] = {
        "import_s": import_s, "build_s": build_s, "build_cpu_s": build_cpu,
        "baseline_rss": baseline, "build_peak_rss": build_peak, "exact_peaks": clock.exact,
        "peak_pss_tree": tree.peak, "workers": resolve_workers(config.engine.workers),
        "worker_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "stages": clock.stages(build_s),
        "pages": pages, "files": files,
        "incidents": summary["incidents"], "per_period": summary["per_period"],
        "n_buurten": len(result.buurten), "n_wijken": len(result.wijken),
        "n_cells": len(result.grid.cells), "n_zones": len(result.zones),
        "cell_size": config.analysis.cell_size,
        "jenks_probe": probe,
    }
    if explore:
        data["overview_map_s"] = overview_seconds(result)
        try:
            data["explore"] = explore_peer(result, out / "explore.html")
        except ImportError as exc:  # explore() needs matplotlib, which hotspotkaart does not
            data["explore"] = {"unavailable": str(exc).split(". ")[0]}
    data["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report.write_text(json.dumps(data, indent=1, default=str))


def explore_peer(result: Any, path: Path) -> dict[str, Any]:
    """The overview's layers drawn with ``GeoDataFrame.explore()`` (folium defaults)."""
    import folium

    start = time.perf_counter()
    years = result.config.periods.years
    buurten = result.buurten
    fields = [c for c in ("buurtcode", "buurtnaam", "wijknaam", f"count_{years[0]}",
                          f"count_{years[1]}", "change_class") if c in buurten.columns]
    layer = buurten[[*fields, "geometry"]]
    fmap = layer.explore(column="change_class", name="Verandering per buurt", tooltip=fields,
                         cmap="RdBu_r")
    for year in years:
        layer.explore(m=fmap, column=f"count_{year}", scheme="Quantiles", k=5, cmap="YlOrRd",
                      name=f"Meldingen {year} per buurt", tooltip=fields, show=False)
    cells = result.grid.cells
    for year in years:
        hot = cells[cells[f"gi_class_{year}"] != "niet significant"]
        if not hot.empty:
            hot[["cell_id", f"count_{year}", f"gi_class_{year}", "geometry"]].explore(
                m=fmap, column=f"gi_class_{year}", name=f"Hot en cold spots {year}",
                show=False)
    moved = cells[cells["transition"] != "geen"]
    if not moved.empty:
        moved[["cell_id", "transition", "geometry"]].explore(m=fmap, column="transition",
                                                            name="Hot spots: overgang",
                                                            show=False)
    zones = result.zones
    if not zones.empty:
        zones[["kind", "name", "geometry"]].explore(m=fmap, column="kind", name="Zones")
    locations = result.locations
    if not locations.empty:
        cols = [c for c in ("name", "year", "status") if c in locations.columns]
        locations[[*cols, "geometry"]].explore(m=fmap, name="Locaties",
                                               marker_type="circle_marker")
    result.wijken[["wijkcode", "wijknaam", "geometry"]].explore(
        m=fmap, name="Wijken", style_kwds={"fill": False, "weight": 2, "color": "#333"})
    folium.LayerControl().add_to(fmap)
    fmap.save(str(path))
    return {"seconds": time.perf_counter() - start, "bytes": path.stat().st_size}


def overview_seconds(result: Any) -> float:
    """``overview_map`` of the build's result (the folium tree only), timed after the build."""
    from hotspotkaart.maps.overview import overview_map
    from hotspotkaart.pipeline import map_context, map_data

    data, context = map_data(result), map_context(result)
    start = time.perf_counter()
    overview_map(data, context)
    return time.perf_counter() - start


# =============================================================================================
# Join peers (runs inside a second child interpreter)
# =============================================================================================


#: Quick peers repeat until they have run this long (as timeit's autorange), so that the best
#: of a join of a few milliseconds is not one scheduler hiccup away from the truth.
_MIN_TOTAL_S = 0.5
_MAX_REPEATS = 50


def _best(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times: list[float] = []
    value = None
    while len(times) < repeats or (sum(times) < _MIN_TOTAL_S and len(times) < _MAX_REPEATS):
        gc.collect()
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return min(times), value


def child_peers(config_path: Path, report: Path, *, repeats: int, duckdb_peer: bool) -> None:
    import warnings

    warnings.simplefilter("ignore")
    import shapely

    from hotspotkaart.config.settings import load_config
    from hotspotkaart.engine.join import join_incidents
    from hotspotkaart.io.boundaries import read_boundaries
    from hotspotkaart.io.incidents import read_incidents
    from hotspotkaart.io.ledger import Ledger
    from hotspotkaart.io.zones import read_zones

    config = load_config(config_path)
    ledger = Ledger()
    buurten = read_boundaries(config.area, ledger).buurten
    zones = read_zones(config.zones, ledger)
    candidates = read_incidents(config.incidents, config.periods, ledger)
    points = candidates.geometry.to_numpy()
    polygons = buurten.geometry.to_numpy()
    zone_polygons = zones.geometry.to_numpy()
    data: dict[str, Any] = {"points": len(points), "buurten": len(polygons),
                            "zones": len(zone_polygons), "repeats": repeats}

    tool_s, joined = _best(lambda: join_incidents(candidates, buurten, zones, Ledger()),
                           repeats)
    data["tool"] = {"seconds": tool_s, "matched": len(joined)}
    del joined

    def bare() -> Any:
        return shapely.STRtree(polygons).query(points, predicate="within")

    bare_s, pairs = _best(bare, repeats)
    data["strtree"] = {"seconds": bare_s, "matched": len(np.unique(pairs[0]))}
    del pairs

    everything = np.concatenate([polygons, zone_polygons])

    def one_pass() -> Any:
        return shapely.STRtree(everything).query(points, predicate="intersects")

    one_s, pairs = _best(one_pass, repeats)
    data["strtree_all"] = {"seconds": one_s,
                           "matched": len(np.unique(pairs[0][pairs[1] < len(polygons)]))}
    del pairs
    data["duckdb"] = (duckdb_join(points, polygons, repeats) if duckdb_peer
                      else {"unavailable": "skipped (--no-duckdb)"})
    data["duckdb_pipeline"] = (duckdb_pipeline(config) if duckdb_peer
                               else {"unavailable": "skipped (--no-duckdb)"})
    report.write_text(json.dumps(data, indent=1, default=str))


def _duckdb_connect() -> tuple[Any, dict[str, Any] | None]:
    """A DuckDB connection with the spatial extension loaded from its wheel (offline).

    Returns the connection and None, or None and the reason why DuckDB is unavailable.
    """
    try:
        import duckdb
    except ImportError:
        return None, {"unavailable": "duckdb is not installed (pip install duckdb)"}
    version = duckdb.__version__
    try:
        import duckdb_extension_spatial

        package = Path(duckdb_extension_spatial.__file__).parent
        found = sorted(package.glob(f"extensions/v{version}/spatial.duckdb_extension"))
        if not found:
            return None, {"unavailable": f"duckdb-extension-spatial has no build for duckdb "
                                         f"{version}"}
        extension = found[0]
    except ImportError:
        extension = None
    con = duckdb.connect()
    try:
        if extension is not None:
            con.execute(f"LOAD '{extension}'")
        else:
            con.execute("LOAD spatial")  # works only if already installed; no download here
    except duckdb.Error as exc:
        return None, {"unavailable": "spatial extension not loadable offline "
                                     f"({str(exc).splitlines()[0]}); pip install "
                                     f"duckdb-extension-spatial=={version}"}
    return con, None


def duckdb_join(points: np.ndarray, polygons: np.ndarray, repeats: int) -> dict[str, Any]:
    """DuckDB spatial join of the same points and buurten; the extension loads from its wheel."""
    con, unavailable = _duckdb_connect()
    if unavailable is not None:
        return unavailable
    import duckdb
    import pandas as pd
    import shapely

    version = duckdb.__version__
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    start = time.perf_counter()
    xy = pd.DataFrame({"i": np.arange(len(points)), "x": shapely.get_x(points),
                       "y": shapely.get_y(points)})
    wkb = pd.DataFrame({"j": np.arange(len(polygons)),
                        "wkb": shapely.to_wkb(polygons, output_dimension=2)})
    con.register("xy", xy)
    con.register("wkb", wkb)
    con.execute("CREATE TABLE pts AS SELECT i, ST_Point(x, y) AS geom FROM xy")
    con.execute("CREATE TABLE bu AS SELECT j, ST_GeomFromWKB(wkb) AS geom FROM wkb")
    load_s = time.perf_counter() - start
    query = ("SELECT pts.i, bu.j FROM pts JOIN bu ON ST_Within(pts.geom, bu.geom)")
    plan = "\n".join(str(row[1]) for row in con.execute(f"EXPLAIN {query}").fetchall())
    operator = "SPATIAL_JOIN" if "SPATIAL_JOIN" in plan else "other (no spatial join operator)"

    def run() -> Any:
        return con.execute(query).fetchnumpy()

    join_s, result = _best(run, repeats)
    matched = len(np.unique(result["i"]))
    con.close()
    return {"seconds": join_s, "load_s": load_s, "matched": matched, "version": version,
            "threads": threads[0] if threads else None, "operator": operator}


#: The whole of the build's counting in DuckDB: read the meldingen CSV (Dutch: ``;``, decimal
#: comma, ``dd-mm-jjjj hh:mm``) and the buurten GeoPackage, keep the meldingen of the two
#: periods, join them to the buurten (DuckDB's ``SPATIAL_JOIN`` operator) and count them per
#: buurt × period × category, in one statement.
DUCKDB_PIPELINE = """
CREATE TABLE counts AS
WITH m AS (
  SELECT {category} AS category, year({date}) AS period, ST_Point({x}, {y}) AS geom
  FROM read_csv('{csv}', delim = ';', header = true, decimal_separator = ',',
                timestampformat = '%d-%m-%Y %H:%M', columns = {columns})
  WHERE year({date}) IN ({years})
), b AS (SELECT buurtcode, geom FROM ST_Read('{buurten}'))
SELECT b.buurtcode, m.period, m.category, count(*) AS n
FROM m JOIN b ON ST_Within(m.geom, b.geom)
GROUP BY ALL
"""


def duckdb_pipeline(config: Any) -> dict[str, Any]:
    """Read, join and count the build's meldingen in DuckDB, in one run (the build's peer).

    The same CSV and buurten as the build, from a fresh connection: the seconds are from
    connecting (extension loaded) to the count table made. The build does much more (the
    ledger, zones, wijken, tests, maps), so the ratio build / DuckDB is what the tool's
    national build costs over the raw read-join-count of a database engine.
    """
    start = time.perf_counter()
    con, unavailable = _duckdb_connect()
    if unavailable is not None:
        return unavailable
    source = config.incidents[0]
    names = [source.id, source.date, source.category, source.x, source.y]
    types = ["VARCHAR", "TIMESTAMP", "VARCHAR", "DOUBLE", "DOUBLE"]
    columns = "{" + ", ".join(f"'{n}': '{t}'" for n, t in zip(names, types, strict=True)) + "}"
    con.execute(DUCKDB_PIPELINE.format(
        category=source.category, date=source.date, x=source.x, y=source.y,
        csv=source.path, columns=columns, buurten=config.area.buurten,
        years=", ".join(str(y) for y in config.periods.years)))
    seconds = time.perf_counter() - start
    rows, matched = con.execute("SELECT count(*), sum(n) FROM counts").fetchone()
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    con.close()
    return {"seconds": seconds, "rows": int(rows), "matched": int(matched or 0),
            "threads": threads[0] if threads else None}
