"""The ``hotspotkaart camera`` command: its options and its handler.

Building the parser (every invocation, ``--help`` included) imports nothing heavy; the handler
imports the assessment when it runs.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hotspotkaart.cli._common import EXIT_OK, common_options

__all__ = ["add_camera_parser"]

logger = logging.getLogger(__name__)


def add_camera_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> None:
    """Add ``hotspotkaart camera CANDIDATES [--config FILE] [--out DIR] [--suggest] [--ring M]``.

    Parameters
    ----------
    subparsers
        The object returned by ``parser.add_subparsers()``.
    parents : sequence of argparse.ArgumentParser, optional
        The CLI's shared options (``--config``, ``-v``, ``-q``, ``--debug``); when omitted they
        are added here, so the handler works with :func:`hotspotkaart.cli.main.main` either way.
    """
    camera = subparsers.add_parser(
        "camera", parents=list(parents) or [common_options()],
        help="assess candidate camera areas (art. 151c)",
        description="Assess candidate camera areas: meldingen inside and around, change and "
                    "its test, hot spots covered, overlap with existing zones, a score and a "
                    "rank. Writes camera/<naam>.html, camera/kandidaten.csv and "
                    "camera/rapport.html.")
    camera.add_argument("candidates", type=Path, nargs="?", default=None, metavar="CANDIDATES",
                        help="GeoJSON/GeoPackage/Shapefile with candidate polygons (the draw "
                             "tool's export works as it is); optional with --suggest")
    camera.add_argument("-o", "--out", type=Path, default=None,
                        help="output folder; files go into its camera/ (default: [output] dir)")
    camera.add_argument("--suggest", action="store_true",
                        help="also propose areas from persistent/new hot spots outside the "
                             "camera areas")
    camera.add_argument("--ring", type=float, default=None, metavar="M",
                        help="width of the displacement ring in metres (default: [camera] "
                             "ring_m, 200)")
    camera.set_defaults(handler=_cmd_camera)


def _cmd_camera(args: argparse.Namespace) -> int:
    import pandas as pd

    from hotspotkaart.camera.run import run_camera
    from hotspotkaart.config.settings import load_config

    config = load_config(args.config)
    paths = run_camera(config, args.candidates, args.out, suggest=args.suggest, ring_m=args.ring)
    csv = next((p for p in paths if p.name == "kandidaten.csv"), None)
    if csv is not None:
        table = pd.read_csv(csv, sep=";")
        compare = config.periods.compare
        logger.info("%d candidate area(s) assessed; best first:", len(table))
        for row in table.head(5).itertuples():
            logger.info("  %d. %s: score %.2f, %d meldingen in %s, %.0f %% already under cameras",
                        row.rank, row.name, row.score, getattr(row, f"count_{compare}"),
                        config.periods.label(compare), row.camera_overlap_pct)
    if config.synthetic:
        logger.info("NB: these are demonstration data (synthetic), not real meldingen")
    logger.info("wrote %d files to %s", len(paths), paths[0].parent if paths else "-")
    return EXIT_OK
