"""National-scale benchmark: per-stage time and peak memory of ``build``, against the raw limit.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scale.py                       # 10 k, 100 k, 1 M meldingen
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000,100000,1000000,5000000

What it does (issue #7):

1. Generates synthetic national input in a work folder (a temporary one unless ``--workdir``):
   a tessellation of ``--buurten`` (≈ 14 000) buurt polygons over a rough outline of the
   Netherlands in RD New (Voronoi cells of points that are denser around 40 towns, clipped to
   the outline), with CBS-like codes ``BU<gm4><wk2><bu2>`` grouped into ``--wijken`` wijken and
   municipality blocks, each a gemeente of its own (``GM<gm4>``) and all listed in the
   config's ``municipality_code`` (``--one-gemeente``: all under ``GM9999``, one area as
   before lists were allowed); the wijken dissolved from them;
   cameratoezicht, alcoholverbod and veiligheidsrisicogebied zones and named locations as
   GeoPackages; and per size N meldingen over 2023–2024 as a Dutch CSV (``;``, decimal comma,
   ``dd-mm-jjjj hh:mm``, UTF-8 with BOM) with ≈ 1 % dated 2022 (out of period) and ≈ 0.3 % at
   sea (outside the area), plus a ``hotspotkaart.toml`` pointing at them. The grid uses
   ``--cell-size`` (1000 m by default, ≈ 38 000 cells; 500 m gives ≈ 154 000 cells and a 100 m
   grid over the whole country ≈ 3.8 M cells, beyond what esda's Gi* does in minutes here; see
   the README). The maps classify the buurt counts with
   ``mapclassify.FisherJenks`` on at most 1000 quantiles of the values
   (:func:`hotspotkaart.stats.classbreaks.jenks_breaks`); without numba it is an O(n²) pure-Python
   loop,
   and the report prints what it would cost on all 2 × 14 000 values.
2. Per size, in a fresh interpreter (so peak memory is per size), runs
   ``hotspotkaart.pipeline.build`` with a stage hook (``on_stage``; nothing is patched). Wall
   time and peak resident memory (Linux ``VmHWM``, reset at every stage boundary through
   ``/proc/self/clear_refs``, so the peaks are exact, not sampled) are reported per stage of
   ``pipeline.STAGES``: read (with validation and the ledger), join (with the counting), test,
   maps (pages and tables, on the workers), write; and the glue between them as "other".
3. In a second fresh interpreter per size, the peers on the same points and polygons: the
   tool's ``join_incidents`` against a bare ``shapely.STRtree(buurten).query(points,
   predicate="within")`` (the raw limit), one STRtree pass over buurten and zones together,
   and DuckDB's spatial join (``duckdb`` with the ``duckdb-extension-spatial`` wheel from PyPI,
   loaded from its file, offline); and DuckDB doing the build's read, join and count of the
   same CSV and buurten in one statement, against which the build's time is printed as a ratio
   (issue #20 item 3). Without those packages the DuckDB rows say "unavailable".
4. The overview map against ``GeoDataFrame.explore()`` of the same layers (buurten by change
   class and by count per year, hot-spot cells per year and their transitions, zones, locations,
   wijk outlines): HTML size, and load time in headless Chromium with the network blocked
   (Leaflet served from the vendored copy to the explore page, tiles answered with a blank PNG),
   and the time from a ready overview to its view zoomed in to zoom 12 (a region: the buurten
   drawn), with the targets of issue #20 item 2 (national overview ≤ 5 MB, ready ≤ 1.5 s).
5. The Dordrecht figures of ``bench_maps.py`` (overview size and load time, demo build against
   ``import geopandas, folium``) unless ``--no-dordrecht``.

The generator is in ``_scale_data.py``, the measurements (run in the child interpreters) in
``_scale_measure.py``; this file runs them and prints the report.

It prints the tables, the ratios and every target of issue #7 as PASS or FAIL. Nothing asserts;
not part of the test suite. Time and memory are those of this machine (2 cores, 24 GB); the load
average is printed, because other processes on the machine inflate wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scale_data import meldingen_csv, prepare_inputs, write_config
from _scale_measure import GLUE, child_build, child_peers
from bench_maps import (
    MB,
    fmt_bytes,
    fmt_s,
    load_page,
    measure_dordrecht,
    open_browser,
    print_dordrecht,
    print_targets,
    python_env,
    zoom_in,
)

ROOT = Path(__file__).resolve().parent.parent
GB = 1000 * MB


# =============================================================================================
# The parent: generate, run the children, load the pages, print
# =============================================================================================


def run_child(args: list[str], timeout: float) -> tuple[bool, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    try:
        done = subprocess.run(cmd, env=python_env(), cwd=ROOT, timeout=timeout,
                              capture_output=True, text=True, check=False)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return False, f"exit {done.returncode}: {' | '.join(tail)}"
    return True, ""


def loadavg() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="numbers of meldingen, comma-separated (add 5000000 for the 5 M run)")
    parser.add_argument("--cell-size", type=float, default=1000.0,
                        help="grid cell size in metres for the national grid (default 1000; "
                             "500 gives ≈ 154 000 cells and ≈ 75 s of Gi* per build)")
    parser.add_argument("--buurten", type=int, default=14_000,
                        help="buurt polygons in the tessellation (default 14000)")
    parser.add_argument("--wijken", type=int, default=150,
                        help="target number of wijken (default 150, which gives ≈ 250 because "
                             "a wijkcode holds at most 99 buurten; real NL has ≈ 3300: every "
                             "wijk gets its own map, so this drives the render time)")
    parser.add_argument("--zones", type=lambda s: tuple(int(v) for v in s.split(",")),
                        default=(300, 200, 50),
                        help="cameratoezicht,alcoholverbod,veiligheidsrisicogebied zones "
                             "(default 300,200,50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one-gemeente", action="store_true",
                        help="put every buurt under one gemeentecode (GM9999), as before "
                             "several gemeenten could be built in one run")
    parser.add_argument("--workers", default="auto",
                        help="[engine] workers of the build (default auto: one per CPU)")
    parser.add_argument("--engine", choices=("memory", "dask"), default="memory",
                        help="[engine] kind of the build (default memory); dask reads the "
                             "meldingen in chunks, one partition each")
    parser.add_argument("--chunk-size", type=int, default=None,
                        help="[engine] chunk_size for --engine dask (default the tool's)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats of each join peer (best of, more until 0.5 s) and page "
                             "load (median); sizes of 1 M and more use 1 join repeat")
    parser.add_argument("--workdir", type=Path,
                        help="keep generated input and outputs here (reused when it matches)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before a child build is given up (default 1800)")
    parser.add_argument("--national-loads", type=int, default=1,
                        help="loads of each national page in Chromium (median; default 1)")
    parser.add_argument("--no-browser", action="store_true", help="skip the page loads")
    parser.add_argument("--no-dordrecht", action="store_true",
                        help="skip the Dordrecht figures (bench_maps)")
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB peer")
    parser.add_argument("--tiles", choices=("stub", "abort"), default="stub")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--report-from", type=Path, metavar="JSON",
                        help="print the report of an earlier run's --json file; run nothing")
    # internal: the child modes
    parser.add_argument("--child-build", nargs=3, metavar=("CONFIG", "OUT", "REPORT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-peers", nargs=2, metavar=("CONFIG", "REPORT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--explore", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.child_build:
        config, out, report = (Path(p) for p in args.child_build)
        child_build(config, out, report, explore=args.explore)
        return
    if args.child_peers:
        config, report = (Path(p) for p in args.child_peers)
        child_peers(config, report, repeats=args.repeats, duckdb_peer=not args.no_duckdb)
        return

    if args.report_from:
        saved = json.loads(args.report_from.read_text())
        runs = {int(k): v for k, v in saved["runs"].items()}
        loads = {int(k): v for k, v in saved["loads"].items()}
        print(saved.get("header", ""))
        print_report(saved["sizes"], runs, loads, saved["dordrecht"], args)
        return
    sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    header = (f"bench_scale — {time.strftime('%Y-%m-%d %H:%M')}, Python "
              f"{sys.version.split()[0]}, {os.cpu_count()} cores, load average {loadavg()}")
    print(header)
    print(f"work folder {folder}{'' if args.workdir else ' (removed at the end)'}")
    try:
        info = prepare_inputs(folder, args)
        header += (f"\ninput: {info['buurten']} buurten in {info['wijken']} wijken and "
                   f"{len(info['gemeenten'])} gemeenten over "
                   f"{info['area_km2']} km², {info['cameratoezicht']}/{info['alcoholverbod']}/"
                   f"{info['veiligheidsrisicogebied']} zones, {info['locations']} locations; "
                   f"grid {args.cell_size:g} m")
        print(header.splitlines()[-1])
        runs: dict[int, dict[str, Any]] = {}
        for n in sizes:
            runs[n] = run_size(folder, n, args, info["gemeenten"])
        loads = {} if args.no_browser else page_loads(folder, sizes, runs, args)
        dordrecht = None if args.no_dordrecht else measure_dordrecht(
            args.repeats, args.tiles)
        print_report(sizes, runs, loads, dordrecht, args)
        if args.json:
            args.json.write_text(json.dumps({"header": header, "sizes": sizes, "runs": runs,
                                             "loads": loads, "dordrecht": dordrecht},
                                            indent=1, default=str))
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"\ntotal {fmt_s(time.perf_counter() - started)}, load average now {loadavg()}")


def run_size(folder: Path, n: int, args: argparse.Namespace,
             gemeenten: list[str]) -> dict[str, Any]:
    start = time.perf_counter()
    csv = meldingen_csv(folder, n, args.seed)
    generated = time.perf_counter() - start
    config = write_config(folder, csv.name, cell_size=args.cell_size, workers=args.workers,
                          engine=args.engine, chunk_size=args.chunk_size, gemeenten=gemeenten)
    out = folder / f"maps_{n}"
    shutil.rmtree(out, ignore_errors=True)
    report = folder / f"build_{n}.json"
    report.unlink(missing_ok=True)
    print(f"\n[{n:,} meldingen] csv {fmt_bytes(csv.stat().st_size)} "
          f"(generated in {fmt_s(generated)}); building …", flush=True)
    ok, why = run_child(["--child-build", str(config), str(out), str(report), "--explore"],
                        args.timeout)
    run: dict[str, Any] = {"csv_bytes": csv.stat().st_size, "out": str(out)}
    run["progress"] = progress(report.with_suffix(".log"))
    if ok:
        run["build"] = json.loads(report.read_text())
        print(f"  build {fmt_s(run['build']['build_s'])}, peak "
              f"{fmt_bytes(run['build']['build_peak_rss'])}; join peers …", flush=True)
    else:
        stuck = run["progress"]["open"]
        run["build_error"] = why + (f" in {' › '.join(stuck)}" if stuck else "")
        print(f"  build failed: {run['build_error']}", flush=True)
    peers = folder / f"peers_{n}.json"
    peers.unlink(missing_ok=True)
    repeats = 1 if n >= 1_000_000 else args.repeats
    extra = ["--no-duckdb"] if args.no_duckdb else []
    ok, why = run_child(["--child-peers", str(config), str(peers), "--repeats", str(repeats),
                         *extra], args.timeout)
    if ok:
        run["peers"] = json.loads(peers.read_text())
    else:
        run["peers_error"] = why
        print(f"  join peers failed: {why}", flush=True)
    return run


def progress(log: Path) -> dict[str, Any]:
    """Finished stages (exclusive seconds) and the stages still open, from a child's live log."""
    done: dict[str, float] = {}
    open_stages: list[str] = []
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "start" in entry:
                open_stages.append(entry["start"])
            else:
                done[entry["end"]] = done.get(entry["end"], 0.0) + entry["exclusive"]
                if entry["end"] in open_stages:
                    open_stages.reverse()
                    open_stages.remove(entry["end"])
                    open_stages.reverse()
    return {"done": done, "open": open_stages}


def page_loads(folder: Path, sizes: list[int], runs: dict[int, dict[str, Any]],
               args: argparse.Namespace) -> dict[int, dict[str, Any]]:
    """Load the national overzicht.html and explore.html of every size in Chromium."""
    loads: dict[int, dict[str, Any]] = {}
    built = [n for n in sizes if (Path(runs[n]["out"]) / "overzicht.html").exists()]
    if not built:
        return loads
    # the pages do not depend on the number of meldingen (see the size table), and each load
    # of a national page takes seconds: load those of the largest size only
    print("\nloading the national pages in Chromium …", flush=True)
    with open_browser() as browser:
        warmed = False
        for n in built[-1:]:
            out = Path(runs[n]["out"])
            loads[n] = {}
            for name in ("overzicht.html", "explore.html"):
                page = out / name
                if not page.exists():
                    continue
                if not warmed:
                    load_page(browser, page, repeats=1, tiles=args.tiles)
                    warmed = True
                # national pages are tens of MB: one load each unless asked for more
                result = load_page(browser, page, repeats=args.national_loads,
                                   tiles=args.tiles)
                loads[n][name] = vars(result) | {"path": str(page)}
                if name == "overzicht.html":  # from the country to a region of buurten
                    loads[n]["zoom"] = zoom_in(browser, page, repeats=args.national_loads,
                                               tiles=args.tiles)
    return loads


# =============================================================================================
# The report
# =============================================================================================


def print_report(sizes: list[int], runs: dict[int, dict[str, Any]],
                 loads: dict[int, dict[str, Any]], dordrecht: dict[str, Any] | None,
                 args: argparse.Namespace) -> None:
    built = [n for n in sizes if "build" in runs[n]]
    # the stages of the pipeline's hook (the groups of patched timings in older --json files)
    groups = [*dict.fromkeys(s["group"] for n in built
                             for s in runs[n]["build"]["stages"].values()
                             if s["group"] != "other"), "other"]
    print("\n=== build, per stage: wall time (exclusive) and peak RSS while the stage ran ===")
    header = f"{'stage':<12}" + "".join(f"{f'{n:,}':>24}" for n in sizes)
    print(header)
    print("-" * len(header))
    for group in groups:
        cells = []
        for n in sizes:
            if n not in built:
                cells.append(f"{'failed':>24}")
                continue
            stages = [s for s in runs[n]["build"]["stages"].values() if s["group"] == group]
            seconds = sum(s["exclusive"] for s in stages)
            peak = max((s["peak"] for s in stages), default=0)
            cells.append(f"{fmt_s(seconds):>11} {fmt_bytes(peak):>12}")
        print(f"{group:<12}" + "".join(cells))
    print("-" * len(header))
    for label, key in (("build", "build_s"), ("build CPU", "build_cpu_s")):
        print(f"{label:<12}" + "".join(
            f"{fmt_s(runs[n]['build'][key]):>24}" if n in built else f"{'—':>24}"
            for n in sizes))
    print(f"{'peak RSS':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build']['build_peak_rss']):>24}" if n in built else f"{'—':>24}"
        for n in sizes))
    print(f"{'peak PSS':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build'].get('peak_pss_tree', 0)):>24}" if n in built
        else f"{'—':>24}" for n in sizes))
    print(f"{'largest':<12}" + "".join(
        f"{fmt_bytes(largest_process(runs[n]['build'])):>24}" if n in built else f"{'—':>24}"
        for n in sizes))
    print(f"{'workers':<12}" + "".join(
        f"{runs[n]['build'].get('workers', 1):>24}" if n in built else f"{'—':>24}"
        for n in sizes))
    print(f"{'(imports)':<12}" + "".join(
        f"{fmt_bytes(runs[n]['build']['baseline_rss']):>24}" if n in built else f"{'—':>24}"
        for n in sizes))

    print("peak RSS: the build's own process, exact (VmHWM); peak PSS: the build and its worker "
          "processes together, sampled every 0.2 s (shared pages counted once); largest: the "
          "peak RSS of the largest process (the build's or its largest worker's). The stages are "
          "the pipeline's (its on_stage hook); 'maps' includes the page and table jobs on the "
          f"worker processes; 'other' ({GLUE}) is the build outside every stage.")

    names: list[str] = []
    for n in built:
        names += [k for k, s in runs[n]["build"]["stages"].items()
                  if k not in names and s["group"] not in (k, "other")]
    if names:  # finer than a stage: only in --json files of the patched timings
        print_stages(sizes, runs, names)
    print("\n=== records ===")
    for n in built:
        b = runs[n]["build"]
        inc = b["incidents"]
        print(f"{n:>10,}: read {inc.get('read')}, used {inc.get('used')}, rejected "
              f"{inc.get('rejected')}; {b['n_buurten']} buurten, {b['n_wijken']} wijken, "
              f"{b['n_cells']} cells of {b['cell_size']:g} m, {b['n_zones']} zones; "
              f"csv {fmt_bytes(runs[n]['csv_bytes'])}")

    if built:
        first = runs[built[0]]["build"]
        probe = first.get("jenks_probe")
        if probe:
            from hotspotkaart.stats.classbreaks import JENKS_MAX_VALUES

            n_values = 2 * first["n_buurten"]
            per_call = probe["c"] * n_values**2
            print(f"mapclassify.FisherJenks as installed (numba: "
                  f"{'yes' if probe['numba'] else 'no'}) costs ≈ {probe['c'] * 1e6:.2f} µs × n²:"
                  f" ≈ {fmt_s(per_call)} for the {n_values:,} buurt counts; overzicht, "
                  f"vergelijking and veldkaart each classify them, ≈ {fmt_s(3 * per_call)} per "
                  f"build. The tool classifies at most {JENKS_MAX_VALUES:,} quantiles of them "
                  f"(classbreaks.jenks_breaks).")

    print("\n=== join: the tool against the raw limit and DuckDB (seconds, best of repeats) ===")
    header = (f"{'size':>10}{'points':>10}{'tool':>9}{'STRtree':>9}{'ratio':>7}"
              f"{'STRtree+zones':>15}{'DuckDB':>9}{'(load)':>9}  matched (tool/STRtree/DuckDB)")
    print(header)
    print("-" * len(header))
    for n in sizes:
        p = runs[n].get("peers")
        if p is None:
            print(f"{n:>10,}  failed: {runs[n].get('peers_error')}")
            continue
        duck = p["duckdb"]
        duck_s = fmt_s(duck["seconds"]) if "seconds" in duck else "n/a"
        duck_load = fmt_s(duck.get("load_s"))
        ratio = p["tool"]["seconds"] / p["strtree"]["seconds"]
        print(f"{n:>10,}{p['points']:>10,}{fmt_s(p['tool']['seconds']):>9}"
              f"{fmt_s(p['strtree']['seconds']):>9}{ratio:>6.1f}×"
              f"{fmt_s(p['strtree_all']['seconds']):>15}{duck_s:>9}{duck_load:>9}  "
              f"{p['tool']['matched']}/{p['strtree']['matched']}/{duck.get('matched', '—')}")
    duck_notes = {json.dumps(runs[n]["peers"]["duckdb"].get("unavailable")
                             or {k: runs[n]["peers"]["duckdb"].get(k)
                                 for k in ("version", "threads", "operator")})
                  for n in sizes if "peers" in runs[n]}
    for note in duck_notes:
        print(f"DuckDB: {note}")
    print("tool = join_incidents (buurt, wijk and three zone kinds, rejections); STRtree = "
          "STRtree(buurten).query(points, 'within'), tree build included; STRtree+zones = one "
          "tree over buurten and zones. DuckDB (load) = building its point and polygon tables.")
    print_duckdb_pipeline(sizes, runs)

    print("\n=== maps: HTML size per size of input (aggregated layers: should not grow) ===")
    page_names = ["overzicht.html", "vergelijking.html", "veldkaart.html", "index.html"]
    header = f"{'page':<22}" + "".join(f"{f'{n:,}':>14}" for n in sizes)
    print(header)
    print("-" * len(header))
    for name in page_names:
        print(f"{name:<22}" + "".join(
            f"{fmt_bytes(runs[n]['build']['pages'].get(name)):>14}" if n in built
            else f"{'—':>14}" for n in sizes))
    for folder in ("wijken/", "gemeenten/"):  # the wijk pages; a region's gemeente overviews
        sizes_in = {n: [v for k, v in runs[n]["build"]["pages"].items() if k.startswith(folder)]
                    for n in sizes if n in built}
        for label, pick in (("total", sum), ("largest", lambda v: max(v, default=0))):
            print(f"{f'{folder}* ({label})':<22}" + "".join(
                f"{fmt_bytes(pick(sizes_in[n])):>14}" if n in built else f"{'—':>14}"
                for n in sizes))
    print(f"{'explore() peer':<22}" + "".join(
        f"{fmt_bytes(runs[n]['build'].get('explore', {}).get('bytes')):>14}" if n in built
        else f"{'—':>14}" for n in sizes))
    for name in ("hotspotkaart.gpkg", "grid.csv", "rejected.csv"):
        print(f"{name:<22}" + "".join(
            f"{fmt_bytes(runs[n]['build']['files'].get(name)):>14}" if n in built
            else f"{'—':>14}" for n in sizes))
    if loads:
        print("\n=== national overview in Chromium (network blocked, tiles stubbed): "
              "ready time, median ===")
        print(f"{'page':<22}" + "".join(f"{f'{n:,}':>14}" for n in sizes))
        for name in ("overzicht.html", "explore.html"):
            print(f"{name:<22}" + "".join(
                f"{fmt_s(loads.get(n, {}).get(name, {}).get('ready_s')):>14}" for n in sizes))
        print(f"{'zoom in to 12':<22}" + "".join(
            f"{fmt_s(loads.get(n, {}).get('zoom', {}).get('seconds')):>14}" for n in sizes)
            + "  (overzicht: from ready to drawn at zoom 12 on its centre; buurten drawn: "
            + ", ".join(f"{loads[n]['zoom']['buurten']:,}" for n in sizes
                        if "zoom" in loads.get(n, {})) + ")")
        for n in sizes:
            for name, load in loads.get(n, {}).items():
                if name == "zoom":
                    continue
                if load["errors"] or load["blocked"]:
                    print(f"  {n:,} {name}: {len(load['blocked'])} requests blocked"
                          f"{', served Leaflet locally' if load['served_locally'] else ''}"
                          f"{'; ' + load['errors'][0] if load['errors'] else ''}")
        render = {n: runs[n]["build"].get("overview_map_s", sum(
            s["inclusive"] for k, s in runs[n]["build"]["stages"].items()
            if k == "render: overzicht (folium)")) for n in built}
        print("explore() build+save: " + ", ".join(
            f"{n:,}: {fmt_s(runs[n]['build'].get('explore', {}).get('seconds'))}"
            for n in built) + "; overview_map (folium tree only): " + ", ".join(
            f"{n:,}: {fmt_s(render[n])}" for n in built))

    if dordrecht is not None:
        print("\n=== Dordrecht (bench_maps) ===")
        print_dordrecht(dordrecht, args.tiles, targets=False)
    print("\n=== targets (issue #7; issue #20 item 2: the national overview) ===")
    print_targets(scale_targets(sizes, runs, dordrecht, loads))


def largest_process(build: dict[str, Any]) -> int:
    """The peak resident set of the largest process: the build's own or its largest worker's."""
    return max(build["build_peak_rss"], build.get("worker_maxrss", 0))


def print_duckdb_pipeline(sizes: list[int], runs: dict[int, dict[str, Any]]) -> None:
    """The whole build against DuckDB reading, joining and counting the same CSV in one run."""
    print("\n=== build against DuckDB: read + join + count of the same CSV in one run ===")
    header = (f"{'size':>10}{'build':>10}{'DuckDB':>10}{'ratio':>8}{'count rows':>12}"
              f"  matched (build used / DuckDB)")
    print(header)
    print("-" * len(header))
    for n in sizes:
        duck = runs[n].get("peers", {}).get("duckdb_pipeline")
        build = runs[n].get("build")
        if duck is None or build is None or "seconds" not in duck:
            why = (duck or {}).get("unavailable") or runs[n].get("peers_error") or "not run"
            print(f"{n:>10,}  {why}")
            continue
        ratio = build["build_s"] / duck["seconds"]
        print(f"{n:>10,}{fmt_s(build['build_s']):>10}{fmt_s(duck['seconds']):>10}"
              f"{ratio:>7.1f}×{duck['rows']:>12,}  {build['incidents'].get('used')} / "
              f"{duck['matched']}")
    print("DuckDB: read_csv (';', decimal comma, dd-mm-jjjj hh:mm) and ST_Read of the buurten, "
          "the two periods kept, ST_Within (its SPATIAL_JOIN), count per buurt × period × "
          "category, one statement from a fresh connection. The build does all of that and "
          "the ledger, wijken, zones, grid, tests, pages and tables besides.")


def print_stages(sizes: list[int], runs: dict[int, dict[str, Any]], names: list[str]) -> None:
    print("\n=== build, per patched timing: wall time (exclusive), calls, peak RSS ===")
    header = f"{'stage':<40}" + "".join(f"{f'{n:,}':>26}" for n in sizes)
    print(header)
    print("-" * len(header))
    for name in names:
        cells = []
        for n in sizes:
            stage = runs[n].get("build", {}).get("stages", {}).get(name)
            if stage is None:
                cells.append(f"{'—':>26}")
                continue
            calls = f"×{stage['calls']}" if stage["calls"] > 1 else ""
            cells.append(f"{fmt_s(stage['exclusive']):>10}{calls:>6}"
                         f"{fmt_bytes(stage['peak']):>10}")
        print(f"{name:<40}" + "".join(cells))


def scale_targets(sizes: list[int], runs: dict[int, dict[str, Any]],
                  dordrecht: dict[str, Any] | None,
                  loads: dict[int, dict[str, Any]] | None = None
                  ) -> list[tuple[str, str, bool | None]]:
    targets: list[tuple[str, str, bool | None]] = []
    built = [n for n in sizes if "build" in runs[n]]
    if built:  # issue #20 item 2: the overview of the whole country stays light
        size = runs[built[-1]]["build"]["pages"].get("overzicht.html")
        if size is not None:
            targets.append(("national overzicht.html ≤ 5 MB", fmt_bytes(size), size <= 5 * MB))
        ready = (loads or {}).get(built[-1], {}).get("overzicht.html", {}).get("ready_s")
        if ready is not None:
            targets.append(("national overzicht.html ready ≤ 1.5 s", fmt_s(ready),
                            ready <= 1.5))
    for n in sizes:
        p = runs[n].get("peers")
        if p:
            ratio = p["tool"]["seconds"] / p["strtree"]["seconds"]
            targets.append((f"join ≤ 1.3 × bare STRtree ({n:,})", f"{ratio:.2f} ×",
                            ratio <= 1.3))
    one_m = runs.get(1_000_000)
    if one_m is not None:
        if "build" in one_m:
            b = one_m["build"]
            targets.append(("build 1 M meldingen < 60 s", fmt_s(b["build_s"]),
                            b["build_s"] < 60))
            peak = max(b["build_peak_rss"], b.get("peak_pss_tree", 0))
            targets.append(("build 1 M meldingen peak memory < 3 GB", fmt_bytes(peak),
                            peak < 3 * GB))
        else:
            targets.append(("build 1 M meldingen < 60 s", "failed", False))
    else:
        targets.append(("build 1 M meldingen < 60 s / < 3 GB", "not run (--sizes)", None))
    five_m = runs.get(5_000_000)
    if five_m is not None:
        ok = "build" in five_m
        targets.append(("5 M meldingen completes",
                        fmt_s(five_m["build"]["build_s"]) if ok else five_m["build_error"], ok))
        if ok:  # issue #20 item 3: national scale on one machine
            b = five_m["build"]
            targets.append(("build 5 M meldingen ≤ 60 s", fmt_s(b["build_s"]),
                            b["build_s"] <= 60))
            peak = largest_process(b)
            targets.append(("build 5 M largest process ≤ 3 GB", fmt_bytes(peak),
                            peak <= 3 * GB))
    else:
        targets.append(("5 M meldingen completes", "not run (add 5000000 to --sizes)", None))
    built = [n for n in sizes if "build" in runs[n]]
    if len(built) >= 2:
        worst = ("", 0.0)
        for name in sorted({k for n in built for k in runs[n]["build"]["pages"]}):
            values = [runs[n]["build"]["pages"].get(name) for n in built]
            if None in values:
                continue
            spread = max(values) / min(values) - 1
            if spread > worst[1]:
                worst = (name, spread)
        # aggregated layers: a few per cent of change from the figures in tooltips is expected
        targets.append((f"HTML size independent of meldingen ({built[0]:,}–{built[-1]:,})",
                        f"max change {worst[1]:.1%} ({worst[0] or '—'})", worst[1] <= 0.05))
    if dordrecht is not None:
        targets.extend(dordrecht["targets"])
    return targets


if __name__ == "__main__":
    main()
