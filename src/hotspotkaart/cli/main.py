"""The ``hotspotkaart`` command line: ``build``, ``check``, ``camera`` and ``demo``.

One command per module (:mod:`~hotspotkaart.cli.build`, :mod:`~hotspotkaart.cli.camera`,
:mod:`~hotspotkaart.cli.demo`), their shared options in :mod:`~hotspotkaart.cli._common`.

Exit status: 0 on success, 2 when the configuration or an input is wrong (one sentence on
stderr, no traceback), 1 on an unexpected internal error (a bug; ``--debug`` shows the traceback).
Only the command line turns on console output.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import NoReturn

from hotspotkaart import __version__
from hotspotkaart._errors import HotspotkaartError
from hotspotkaart.cli._common import EXIT_INTERNAL, EXIT_USER, common_options, setup_logging
from hotspotkaart.cli.build import add_build_parser, add_check_parser
from hotspotkaart.cli.camera import add_camera_parser
from hotspotkaart.cli.demo import add_demo_parser
from hotspotkaart.runtime.process import without_unused_libraries

__all__ = ["main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.quiet)
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

    The process is the program's own, so it may do what a library must not: keep numba and
    matplotlib out (:func:`~hotspotkaart.runtime.process.without_unused_libraries`), and freeze
    the objects before exiting, which leaves them out of the interpreter's last garbage
    collection (objects are still released, files closed and ``atexit`` handlers run).
    """
    without_unused_libraries()
    status = main()
    gc.freeze()
    sys.exit(status)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hotspotkaart",
        description="Map overlast hotspots per wijk and buurt and compare two periods. "
                    "Reads the boundaries and layers named in the config and writes maps, "
                    "tables and a GeoPackage.",
    )
    parser.add_argument("--version", action="version", version=f"hotspotkaart {__version__}")
    common = [common_options()]
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_build_parser(sub, common)
    add_check_parser(sub, common)
    add_camera_parser(sub, common)
    add_demo_parser(sub, common)
    return parser
