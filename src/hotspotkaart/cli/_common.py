"""What every command shares: the common options, console logging and the summary report.

Only the command line turns on console output; the library logs to ``hotspotkaart`` loggers
and never prints.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

from hotspotkaart._errors import HotspotkaartWarning

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_USER", "common_options", "report", "setup_logging"]

logger = logging.getLogger("hotspotkaart")

EXIT_OK, EXIT_INTERNAL, EXIT_USER = 0, 1, 2


def common_options() -> argparse.ArgumentParser:
    """Return the parent parser of ``--config``, ``--verbose``, ``--quiet`` and ``--debug``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", type=Path, default=None,
                        help="configuration file (default: ./hotspotkaart.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="show progress details")
    common.add_argument("-q", "--quiet", action="store_true", help="show errors only")
    common.add_argument("--debug", action="store_true",
                        help="show the traceback of internal errors")
    return common


def setup_logging(verbose: bool, quiet: bool) -> None:
    """Send the ``hotspotkaart`` log to stderr at the level the options ask for."""
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


def report(summary: dict[str, object]) -> None:
    """Log the summary of a build: meldingen read, used and rejected, per period."""
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
