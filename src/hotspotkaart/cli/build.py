"""The ``hotspotkaart build`` and ``hotspotkaart check`` commands.

Both start the process of the testing stage before the pipeline is imported, so that its
libraries (scipy.stats, esda, mapclassify) are imported there while this process reads.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hotspotkaart.cli._common import EXIT_OK, report
from hotspotkaart.config.settings import Config, load_config
from hotspotkaart.runtime.parallel import WarmProcess, imports_without_gc, resolve_workers

__all__ = ["add_build_parser", "add_check_parser"]

logger = logging.getLogger("hotspotkaart")

MAPS = ("overzicht", "vergelijking", "wijken", "veldkaart")


def add_build_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Add ``hotspotkaart build [--out DIR] [--only MAP] [--wijk WIJKCODE]``."""
    build = subparsers.add_parser(
        "build", parents=list(parents), help="build all maps and tables",
        description="Read, join and analyse the inputs and write the maps, summary.json, "
                    "rejected.csv, the area tables and hotspotkaart.gpkg.")
    build.add_argument("-o", "--out", type=Path, default=None,
                       help="output folder (default: [output] dir of the config, 'maps')")
    build.add_argument("--only", action="append", default=[], metavar="MAP", choices=MAPS,
                       help="build only this map (overzicht, vergelijking, wijken, veldkaart); "
                            "repeatable")
    build.add_argument("--wijk", action="append", default=[], metavar="WIJKCODE",
                       help="build only the map of this wijk, e.g. WK050501; repeatable")
    build.set_defaults(handler=_cmd_build)


def add_check_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Add ``hotspotkaart check``: validate the config and read every input, write nothing."""
    check = subparsers.add_parser(
        "check", parents=list(parents), help="validate the config and inputs",
        description="Validate the configuration and read every input; report what would be "
                    "used and rejected. Writes nothing.")
    check.set_defaults(handler=_cmd_check)


def _cmd_build(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    logger.info("building maps for %s (%s and %s)", config.area.name,
                *(config.periods.label(y) for y in config.periods.years))
    with _statistics_process(config) as statistics:
        with imports_without_gc():
            from hotspotkaart.pipeline import build
        result = build(config, args.out, only=args.only, wijken=args.wijk,
                       statistics=statistics)
    report(result.summary)
    for path in result.outputs:
        logger.info("  %s", path)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with _statistics_process(config) as statistics:
        with imports_without_gc():
            from hotspotkaart.pipeline import analyse
        result = analyse(config, statistics=statistics)
    report(result.summary)
    logger.info("configuration %s is valid; nothing was written", config.path)
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
