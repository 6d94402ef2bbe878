"""Run the command line as ``python -m hotspotkaart`` (the same as the ``hotspotkaart`` script)."""

from __future__ import annotations

import sys

from hotspotkaart.cli import main

if __name__ == "__main__":
    sys.exit(main())
