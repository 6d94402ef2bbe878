"""Run the command line as ``python -m hotspotkaart.cli`` (the same as ``hotspotkaart``)."""

from __future__ import annotations

from hotspotkaart.cli.main import run

if __name__ == "__main__":
    run()
