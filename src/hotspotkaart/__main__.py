"""Run the command line as ``python -m hotspotkaart`` (the same as the ``hotspotkaart`` script)."""

from __future__ import annotations

from hotspotkaart.cli.main import run

if __name__ == "__main__":
    run()
