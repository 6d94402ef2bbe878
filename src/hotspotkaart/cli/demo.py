"""The ``hotspotkaart demo`` command: regenerate the synthetic demonstration layers."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hotspotkaart.cli._common import EXIT_OK

__all__ = ["add_demo_parser"]

logger = logging.getLogger("hotspotkaart")


def add_demo_parser(subparsers: Any, parents: Sequence[argparse.ArgumentParser]) -> None:
    """Add ``hotspotkaart demo [--out DIR] [--geo DIR] [--seed N]``."""
    demo = subparsers.add_parser(
        "demo", parents=list(parents), help="regenerate the demonstration layers",
        description="Regenerate the synthetic demonstration layers (layers/) from the CBS "
                    "boundaries in geo/.")
    demo.add_argument("--out", type=Path, default=Path("layers"), help="folder (default: layers)")
    demo.add_argument("--geo", type=Path, default=Path("geo"),
                      help="folder with the boundary files (default: geo)")
    demo.add_argument("--seed", type=int, default=None, help="random seed")
    demo.set_defaults(handler=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from hotspotkaart.demo import DEFAULT_SEED, write_demo_layers

    paths = write_demo_layers(args.out, geo_dir=args.geo,
                              seed=DEFAULT_SEED if args.seed is None else args.seed)
    for path in paths:
        logger.info("wrote %s", path)
    return EXIT_OK
