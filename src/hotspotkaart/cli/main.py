"""The ``hotspotkaart`` command line.

Exit status: 0 on success, 2 when the configuration or an input is wrong (one sentence on
stderr, no traceback), 1 on an unexpected internal error (a bug; ``--debug`` shows the traceback).
Only this module turns on console output.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from hotspotkaart import __version__
from hotspotkaart._errors import HotspotkaartError, HotspotkaartWarning
from hotspotkaart.cli.camera import add_camera_parser
from hotspotkaart.config.settings import Config, load_config
from hotspotkaart.runtime.parallel import WarmProcess, imports_without_gc, resolve_workers

__all__ = ["main", "run"]

logger = logging.getLogger("hotspotkaart")

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return int(args.handler(args))
    except HotspotkaartError as exc:
        print(f"hotspotkaart: error: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("hotspotkaart: interrupted; previous outputs are left as they were", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line unless --debug
        if args.debug:
            raise
        print(f"hotspotkaart: internal error: {type(exc).__name__}: {exc} "
              "(run again with --debug for details and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def run() -> NoReturn:
    """Run the command line as a program: the ``hotspotkaart`` script and ``python -m``.

    The process ends right after :func:`main`. Freezing the objects first leaves them out of
    the interpreter's last garbage collection, which would otherwise walk every object of the
    build and the imported libraries for nothing (about 0.3 s of a 3 s demo build). Objects
    are still released; files are closed and ``atexit`` handlers run as usual.

    esda and mapclassify run without numba and matplotlib (see
    :func:`_without_unused_libraries`).
    """
    _without_unused_libraries()
    status = main()
    gc.freeze()
    sys.exit(status)


#: Set to 1 to let esda and mapclassify use numba when it is installed.
NUMBA_VARIABLE = "HOTSPOTKAART_NUMBA"


def _without_unused_libraries() -> None:
    """Keep numba (unless ``HOTSPOTKAART_NUMBA=1``) and matplotlib out of the program's process.

    With numba installed, esda compiles its permutation functions again in every process of
    every build (they are not cached): about 13 s on this tool's test machine, against 0.15 s
    the compiled permutations save per Gi* test of 10 000 cells, so a 3 s Dordrecht build took
    17 s. With matplotlib installed, importing mapclassify imports ``matplotlib.pyplot`` for a
    plotting function the program never calls (0.15-0.3 s of the testing stage's imports).
    A ``None`` entry in ``sys.modules`` makes the import fail, and esda and mapclassify take
    the fallback they have for a machine without the library. Only the program does this: the
    process is its own.
    """
    unused = ["matplotlib"]
    if os.environ.get(NUMBA_VARIABLE) != "1":
        unused.append("numba")
    for name in unused:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotspotkaart",
        description="Map overlast hotspots per wijk and buurt and compare two periods. "
                    "Reads the boundaries and layers named in the config and writes maps, "
                    "tables and a GeoPackage.",
    )
    parser.add_argument("--version", action="version", version=f"hotspotkaart {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", type=Path, default=None,
                        help="configuration file (default: ./hotspotkaart.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="show progress details")
    common.add_argument("-q", "--quiet", action="store_true", help="show errors only")
    common.add_argument("--debug", action="store_true",
                        help="show the traceback of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", parents=[common], help="build all maps and tables",
                           description="Read, join and analyse the inputs and write the maps, "
                                       "summary.json, rejected.csv, the area tables and "
                                       "hotspotkaart.gpkg.")
    build.add_argument("-o", "--out", type=Path, default=None,
                       help="output folder (default: [output] dir of the config, 'maps')")
    build.add_argument("--only", action="append", default=[], metavar="MAP",
                       choices=["overzicht", "vergelijking", "wijken", "veldkaart"],
                       help="build only this map (overzicht, vergelijking, wijken, veldkaart); "
                            "repeatable")
    build.add_argument("--wijk", action="append", default=[], metavar="WIJKCODE",
                       help="build only the map of this wijk, e.g. WK050501; repeatable")
    build.set_defaults(handler=_cmd_build)

    check = sub.add_parser("check", parents=[common], help="validate the config and inputs",
                           description="Validate the configuration and read every input; "
                                       "report what would be used and rejected. Writes nothing.")
    check.set_defaults(handler=_cmd_check)

    add_camera_parser(sub, parents=[common])

    demo = sub.add_parser("demo", parents=[common], help="regenerate the demonstration layers",
                          description="Regenerate the synthetic demonstration layers (layers/) "
                                      "from the CBS boundaries in geo/.")
    demo.add_argument("--out", type=Path, default=Path("layers"), help="folder (default: layers)")
    demo.add_argument("--geo", type=Path, default=Path("geo"),
                      help="folder with the boundary files (default: geo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if verbose
                                           else "%(message)s"))
    logger.handlers = [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # the ledger logs every warning already; do not print it twice
    warnings.simplefilter("ignore", HotspotkaartWarning)


def _cmd_build(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    logger.info("building maps for %s (%d and %d)", config.area.name, *config.periods.years)
    with _statistics_process(config) as statistics:
        with imports_without_gc():
            from hotspotkaart.pipeline import build
        result = build(config, args.out, only=args.only, wijken=args.wijk,
                       statistics=statistics)
    _report(result.summary)
    for path in result.outputs:
        logger.info("  %s", path)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with _statistics_process(config) as statistics:
        with imports_without_gc():
            from hotspotkaart.pipeline import analyse
        result = analyse(config, statistics=statistics)
    _report(result.summary)
    logger.info("configuration %s is valid; nothing was written", config.path)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from hotspotkaart.demo.layers import DEFAULT_SEED, write_demo_layers

    paths = write_demo_layers(args.out, geo_dir=args.geo,
                              seed=DEFAULT_SEED if args.seed is None else args.seed)
    for path in paths:
        logger.info("wrote %s", path)
    return EXIT_OK


def _statistics_process(config: Config) -> WarmProcess:
    """Start the process of the testing stage, which imports its libraries meanwhile.

    Called before the pipeline is imported: geopandas (imported here) is shared with the
    process; scipy.stats, esda and the rest are imported there while this process imports
    folium and reads the inputs.
    """
    with imports_without_gc():
        from hotspotkaart.stats.testing import PRELOAD
    return WarmProcess(PRELOAD, resolve_workers(config.engine.workers))


def _report(summary: dict[str, object]) -> None:
    incidents = summary["incidents"]
    assert isinstance(incidents, dict)  # internal structure, not user input
    logger.info("meldingen: %d read, %d used, %d rejected", incidents["read"], incidents["used"],
                incidents["rejected"])
    for reason, n in dict(incidents["rejected_by_reason"]).items():
        logger.info("  rejected, %s: %d", reason, n)
    per_period = summary["per_period"]
    assert isinstance(per_period, dict)
    logger.info("per period: %s", ", ".join(f"{y}: {n}" for y, n in per_period.items()))
    if summary.get("demonstration_data"):
        logger.info("NB: these are demonstration data (synthetic), not real meldingen")
