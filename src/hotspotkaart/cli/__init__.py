"""The command line: ``hotspotkaart build | check | camera | demo``."""

from hotspotkaart.cli.main import run

__all__ = ["run"]
