"""Size and load time of every map built from the embedded Dordrecht data, and the build time.

Run from the repository root::

    .venv/bin/python benchmarks/bench_maps.py [--repeats 3] [--tiles stub|abort]

What it does:

1. Times ``python -c "import geopandas, folium"`` and the whole demo build
   (``hotspotkaart build --config hotspotkaart.toml --out <tmp>``, a fresh interpreter each time,
   so both include interpreter start-up and imports); median of ``--repeats`` runs each, the
   runs of the two alternating.
2. Lists the size of every HTML page the build wrote (overzicht, vergelijking, veldkaart, every
   wijk map, index) against its budget.
3. Opens every page in headless Debian Chromium (``/usr/bin/chromium`` or
   ``$HOTSPOTKAART_CHROMIUM``, driven by playwright) in a fresh browser context per load, with
   every network request blocked except basemap tiles. Tiles are answered locally with a blank
   PNG (``--tiles stub``, the default: the page does all the work it would do with a tile server,
   independent of this machine's network) or aborted (``--tiles abort``). It reports the time to
   the ``load`` event and the time until every Leaflet map on the page reports ``_loaded`` and
   two frames have been painted ("ready"); median over ``--repeats`` loads.

Targets (issue #7): ``overzicht.html`` ≤ 1.5 MB and ready in ≤ 1 s; ``veldkaart.html`` ≤ 500 KB;
the demo build ≤ 4 × the bare import time. Each is printed as PASS or FAIL. Not part of the test
suite; nothing here asserts.

The browser helpers (:func:`open_browser`, :func:`load_page`) are shared with
``bench_scale.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers.browser import ChromiumMissingError, launch_chromium  # the tests' launcher

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
CONFIG = ROOT / "hotspotkaart.toml"
ASSETS = SRC / "hotspotkaart" / "maps" / "_assets"

KB = 1000
MB = 1000 * 1000

#: Budgets from issue #7 (bytes); pages without a budget are reported only.
SIZE_BUDGETS = {"overzicht.html": 1.5 * MB, "veldkaart.html": 500 * KB}
LOAD_BUDGET_S = {"overzicht.html": 1.0}
BUILD_RATIO_TARGET = 4.0

TILE_HOSTS = frozenset({"service.pdok.nl", "tile.openstreetmap.org"})

#: True once the document has loaded and every Leaflet map on it has been set up.
READY_JS = """() => {
  if (document.readyState !== 'complete') return false;
  if (document.querySelectorAll('.leaflet-container').length === 0) return true;
  if (!window.L) return false;
  const maps = Object.keys(window).filter(
      k => /^map_[0-9a-f]+$/.test(k) && window[k] instanceof window.L.Map);
  return maps.length > 0 && maps.every(k => window[k]._loaded);
}"""
TIMING_JS = """async () => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const nav = performance.getEntriesByType('navigation')[0];
  return {ready_ms: performance.now(), load_ms: nav ? nav.loadEventEnd : NaN,
          maps: document.querySelectorAll('.leaflet-container').length,
          paths: document.querySelectorAll('.leaflet-overlay-pane path').length};
}"""


# -- small helpers ------------------------------------------------------------------------------


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    if n >= MB:
        return f"{n / MB:.2f} MB"
    return f"{n / KB:.0f} KB"


def fmt_s(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # None or NaN
        return "—"
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "FAIL")


def python_env() -> dict[str, str]:
    """The environment for child interpreters: ``src`` importable, quiet, reproducible."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"]
                                    if env.get("PYTHONPATH") else "")
    env.setdefault("SOURCE_DATE_EPOCH", "1735689600")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def wall_time(cmd: list[str], *, cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=python_env(), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    return time.perf_counter() - start


# -- the browser --------------------------------------------------------------------------------


def blank_png(size: int = 256) -> bytes:
    """A white ``size`` × ``size`` PNG, the stand-in for a basemap tile."""
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * size for _ in range(size))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


_TILE = blank_png()


def is_tile(url: str) -> bool:
    parts = urlsplit(url)
    if parts.hostname in TILE_HOSTS:
        return True
    tail = parts.path.rsplit("/", 3)[-3:]
    return (len(tail) == 3 and tail[0].isdigit() and tail[1].isdigit()
            and tail[2].split(".")[0].isdigit())


def vendored_leaflet(url: str) -> tuple[bytes, str] | None:
    """Leaflet's own script or stylesheet from the vendored copy, for pages that link a CDN.

    ``GeoDataFrame.explore()`` writes pages that load Leaflet from a CDN; with the network
    blocked they are served the same Leaflet 1.9.4 that hotspotkaart inlines, so both pages run
    the same library. Other CDN files (jQuery, Bootstrap, Font Awesome) stay blocked.
    """
    path = urlsplit(url).path.lower()
    if "leaflet" not in path or any(p in path for p in ("awesome", "draw", "search", "sync",
                                                         "locate", "fullscreen", "marker")):
        return None
    if path.endswith(".js"):
        return (ASSETS / "leaflet/dist/leaflet.js").read_bytes(), "application/javascript"
    if path.endswith(".css"):
        return (ASSETS / "leaflet/dist/leaflet.css").read_bytes(), "text/css"
    return None


@dataclass
class PageLoad:
    """One page, loaded ``repeats`` times; medians in seconds."""

    path: Path
    load_s: float = float("nan")
    ready_s: float = float("nan")
    maps: int = 0
    paths: int = 0
    tiles: int = 0
    served_locally: int = 0
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def open_browser() -> Iterator[Any]:
    """Headless Debian Chromium, launched as the browser tests launch it."""
    try:
        with launch_chromium() as browser:
            yield browser
    except ChromiumMissingError as exc:
        raise SystemExit(str(exc)) from None


def load_page(browser: Any, path: Path, *, repeats: int = 3, tiles: str = "stub",
              viewport: tuple[int, int] = (1280, 800), timeout_s: float = 180.0) -> PageLoad:
    """Open ``path`` ``repeats`` times, each in a fresh context; network blocked except tiles."""
    result = PageLoad(path)
    loads: list[float] = []
    readies: list[float] = []
    for attempt in range(repeats):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      service_workers="block")
        page = context.new_page()
        first = attempt == 0
        page.route("**/*", _router(result, tiles=tiles, record=first))
        if first:
            page.on("pageerror", lambda error: result.errors.append(str(error)))
        try:
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            page.wait_for_function(READY_JS, timeout=timeout_s * 1000)
            timing = page.evaluate(TIMING_JS)
        except Exception as exc:  # a page that never becomes ready is a result, not a crash
            result.errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            context.close()
            break
        loads.append(float(timing["load_ms"]) / 1000)
        readies.append(float(timing["ready_ms"]) / 1000)
        result.maps, result.paths = int(timing["maps"]), int(timing["paths"])
        context.close()
    if loads:
        result.load_s = statistics.median(loads)
        result.ready_s = statistics.median(readies)
    return result


#: Zoom the first map in on its centre, without animation, and time it until the layers that
#: follow the view are drawn and two frames are painted; then count the buurten drawn.
ZOOM_JS = """async (zoom) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const start = performance.now();
  map.setView(map.getCenter(), zoom, {animate: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  let buurten = 0;
  map.eachLayer(l => { if (l.feature && l.feature.properties.buurtcode !== undefined && l._path)
    buurten += 1; });
  return {ms: performance.now() - start, buurten: buurten};
}"""


def zoom_in(browser: Any, path: Path, zoom: int = 12, *, repeats: int = 3,
            tiles: str = "stub") -> dict[str, float]:
    """Median time to zoom a ready page in to ``zoom`` (buurten drawn), fresh context each."""
    times: list[float] = []
    drawn = 0
    for _ in range(repeats):
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      service_workers="block")
        page = context.new_page()
        page.route("**/*", _router(PageLoad(path), tiles=tiles, record=False))
        page.goto(path.resolve().as_uri(), wait_until="load", timeout=180_000)
        page.wait_for_function(READY_JS, timeout=180_000)
        page.evaluate(TIMING_JS)
        result = page.evaluate(ZOOM_JS, zoom)
        times.append(float(result["ms"]) / 1000)
        drawn = int(result["buurten"])
        context.close()
    return {"zoom": zoom, "seconds": statistics.median(times), "buurten": drawn}


def _router(result: PageLoad, *, tiles: str, record: bool) -> Any:
    """The request handler: local files pass, tiles are stubbed or aborted, the rest blocked."""

    def route(route: Any) -> None:
        first = record
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
            return
        if is_tile(url):
            result.tiles += first
            if tiles == "stub":
                route.fulfill(status=200, body=_TILE, content_type="image/png")
            else:
                route.abort()
            return
        local = vendored_leaflet(url)
        if local is not None:
            result.served_locally += first
            route.fulfill(status=200, body=local[0], content_type=local[1])
            return
        if first:
            result.blocked.append(url)
        route.abort()

    return route


# -- the Dordrecht measurement ------------------------------------------------------------------


def demo_build_times(out: Path, repeats: int) -> dict[str, Any]:
    """Median wall times of the bare import and of the demo build, in fresh interpreters.

    The runs alternate (import, build, import, build, …), so that a machine whose speed drifts
    during the measurement slows both alike and the ratio stays fair.
    """
    import_cmd = [sys.executable, "-c", "import geopandas, folium"]
    build_cmd = [sys.executable, "-m", "hotspotkaart",  # as the hotspotkaart script runs
                 "build", "--config", str(CONFIG), "--out", str(out), "--quiet"]
    imports, builds = [], []
    for _ in range(repeats):
        imports.append(wall_time(import_cmd))
        shutil.rmtree(out, ignore_errors=True)
        builds.append(wall_time(build_cmd))
    import_s, build_s = statistics.median(imports), statistics.median(builds)
    return {"import_s": import_s, "build_s": build_s, "ratio": build_s / import_s,
            "imports": imports, "builds": builds}


def html_pages(out: Path) -> list[Path]:
    first = [out / n for n in ("overzicht.html", "vergelijking.html", "veldkaart.html",
                               "index.html") if (out / n).exists()]
    return first + sorted((out / "wijken").glob("*.html"))


def page_name(out: Path, page: Path) -> str:
    return page.relative_to(out).as_posix()


def measure_dordrecht(repeats: int = 3, tiles: str = "stub", workdir: Path | None = None
                      ) -> dict[str, Any]:
    """Build the embedded demo and measure it; returns sizes, loads, build times and targets."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-maps-", dir=workdir))
    try:
        out = tmp / "maps"
        times = demo_build_times(out, repeats)
        pages = html_pages(out)
        sizes = {page_name(out, p): p.stat().st_size for p in pages}
        with open_browser() as browser:
            load_page(browser, pages[0], repeats=1, tiles=tiles)  # warm the browser up
            loads = {page_name(out, p): vars(load_page(browser, p, repeats=repeats, tiles=tiles))
                     | {"path": page_name(out, p)} for p in pages}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    targets = []
    over = sizes.get("overzicht.html")
    targets.append(("overzicht.html ≤ 1.5 MB (Dordrecht)", fmt_bytes(over),
                    None if over is None else over <= SIZE_BUDGETS["overzicht.html"]))
    ready = loads["overzicht.html"]["ready_s"] if "overzicht.html" in loads else None
    targets.append(("overzicht.html loads in ≤ 1 s (Dordrecht)", fmt_s(ready),
                    None if ready is None or ready != ready else ready <= 1.0))
    field_size = sizes.get("veldkaart.html")
    targets.append(("veldkaart.html ≤ 500 KB (Dordrecht)", fmt_bytes(field_size),
                    None if field_size is None else field_size <= SIZE_BUDGETS["veldkaart.html"]))
    targets.append((f"demo build ≤ {BUILD_RATIO_TARGET:g} × import geopandas, folium",
                    f"{times['ratio']:.1f} × ({fmt_s(times['build_s'])} / "
                    f"{fmt_s(times['import_s'])})", times["ratio"] <= BUILD_RATIO_TARGET))
    return {"sizes": sizes, "loads": loads, "times": times, "targets": targets}


def print_dordrecht(result: dict[str, Any], tiles: str, *, targets: bool = True) -> None:
    sizes, loads = result["sizes"], result["loads"]
    print(f"Dordrecht demo (hotspotkaart.toml); Chromium, network blocked, tiles: {tiles}")
    header = (f"{'page':<24}{'size':>10}{'budget':>10}{'':>6}{'load':>9}{'ready':>9}"
              f"{'budget':>8}{'':>6}{'maps':>6}{'paths':>7}{'tiles':>7}  notes")
    print(header)
    print("-" * len(header))
    for name, size in sizes.items():
        budget = SIZE_BUDGETS.get(name)
        lb = LOAD_BUDGET_S.get(name)
        page = loads[name]
        ready = page["ready_s"]
        load_ok = None if lb is None or ready != ready else ready <= lb
        notes = "; ".join(page["errors"][:1] + ([f"blocked {len(page['blocked'])}"]
                                                if page["blocked"] else []))
        print(f"{name:<24}{fmt_bytes(size):>10}{fmt_bytes(budget):>10}"
              f"{verdict(None if budget is None else size <= budget):>6}"
              f"{fmt_s(page['load_s']):>9}{fmt_s(ready):>9}"
              f"{(fmt_s(lb) if lb else '—'):>8}{verdict(load_ok):>6}"
              f"{page['maps']:>6}{page['paths']:>7}{page['tiles']:>7}  {notes}")
    wijk = [s for n, s in sizes.items() if n.startswith("wijken/")]
    if wijk:
        print(f"{len(wijk)} wijk maps: {fmt_bytes(sum(wijk))} in total, "
              f"{fmt_bytes(min(wijk))}–{fmt_bytes(max(wijk))} each")
    times = result["times"]
    print()
    print(f"import geopandas, folium: median {fmt_s(times['import_s'])} "
          f"({', '.join(f'{t:.2f}' for t in times['imports'])})")
    print(f"hotspotkaart build (demo): median {fmt_s(times['build_s'])} "
          f"({', '.join(f'{t:.2f}' for t in times['builds'])})")
    if targets:
        print()
        print_targets(result["targets"])


def print_targets(targets: list[tuple[str, str, bool | None]]) -> None:
    width = max(len(t[0]) for t in targets) + 2
    print(f"{'target':<{width}}{'measured':<32}result")
    print("-" * (width + 38))
    for label, measured, ok in targets:
        print(f"{label:<{width}}{measured:<32}{verdict(ok)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per timing (median); default 3")
    parser.add_argument("--tiles", choices=("stub", "abort"), default="stub",
                        help="answer tile requests with a blank PNG (stub) or abort them")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    result = measure_dordrecht(args.repeats, args.tiles)
    print(f"bench_maps — {time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    print_dordrecht(result, args.tiles)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
