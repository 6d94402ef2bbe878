"""What each of the program's process tricks earns on the demo build (an ablation).

Run from the repository root::

    .venv/bin/python benchmarks/bench_process.py [--repeats 7]

The ``hotspotkaart`` program does four things to its own process that a library must not:

* ``warm``: the testing stage runs in a worker forked before the pipeline is imported, which
  imports scipy.stats, esda and mapclassify while the build reads
  (:class:`hotspotkaart.runtime.parallel.WarmProcess`);
* ``nogc``: imports run with the cyclic garbage collector paused
  (:func:`hotspotkaart.runtime.parallel.imports_without_gc`);
* ``freeze``: the heap is frozen before exit, out of the interpreter's last collection
  (``gc.freeze`` in :func:`hotspotkaart.cli.main.run`);
* ``libs``: numba and matplotlib are kept out
  (:func:`hotspotkaart.runtime.process.without_unused_libraries`); it only matters where either
  is installed.

Each variant turns one trick off in a fresh interpreter running ``hotspotkaart build`` on the
embedded data; the variants alternate, so drift in the machine's speed affects all alike. It
prints the median wall time of each and its ratio to the program as shipped. Nothing asserts.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_maps import ROOT, python_env

# Each variant is the program with one trick replaced by a no-op, set up before run().
_PRELUDE = "import contextlib, gc, sys\n"
VARIANTS: dict[str, str] = {
    "shipped": "",
    "no warm process": (
        "import hotspotkaart.cli.build as b\n"
        "b._statistics_process = lambda config: contextlib.nullcontext(None)\n"),
    "no paused gc in imports": (
        "import hotspotkaart.cli.build as b\n"
        "b.imports_without_gc = contextlib.nullcontext\n"),
    "no freeze at exit": "gc.freeze = lambda: None\n",
    "numba and matplotlib allowed": (
        "import hotspotkaart.cli.main as m\n"
        "m.without_unused_libraries = lambda: None\n"),
}


def command(variant: str, out: Path) -> list[str]:
    """The interpreter command running ``hotspotkaart build`` with one trick switched off."""
    code = (_PRELUDE + VARIANTS[variant]
            + f"sys.argv = ['hotspotkaart', 'build', '-q', '--out', {str(out)!r}]\n"
            + "from hotspotkaart.cli.main import run\nrun()\n")
    return [sys.executable, "-c", code]


def main() -> int:
    """Time every variant ``--repeats`` times, alternating, and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for variant in VARIANTS:
                start = time.perf_counter()
                subprocess.run(command(variant, Path(tmp) / "maps"), cwd=ROOT, env=python_env(),
                               check=True, stdout=subprocess.DEVNULL)
                times[variant].append(time.perf_counter() - start)
    shipped = statistics.median(times["shipped"])
    present = [name for name in ("numba", "matplotlib") if importlib.util.find_spec(name)]
    print(f"demo build, median of {args.repeats} alternating runs "
          f"(installed here: {', '.join(present) or 'neither numba nor matplotlib'})")
    for variant, values in times.items():
        median = statistics.median(values)
        print(f"  {variant:<30} {median:6.2f} s   {median / shipped:5.2f} x shipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
