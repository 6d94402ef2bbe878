"""Exceptions and warnings of hotspotkaart.

Every error a user can cause derives from :class:`HotspotkaartError`; the CLI turns it into one
sentence on stderr and exit status 2. Recoverable spatial problems (a repaired geometry, a
reprojected file, an inferred CRS) are reported as :class:`HotspotkaartWarning` and also land in
``summary.json``.
"""

from __future__ import annotations


class HotspotkaartError(Exception):
    """Base class of every error caused by input or configuration."""


class ConfigError(HotspotkaartError):
    """The configuration file is missing, unreadable or invalid."""


class InputError(HotspotkaartError):
    """An input file cannot be used as a whole (unreadable, wrong columns, wrong CRS, empty)."""


class BoundaryError(InputError):
    """The wijk/buurt boundary file cannot be used."""


class OutputError(HotspotkaartError):
    """An output could not be written."""


class BuildError(HotspotkaartError):
    """The build could not finish for a reason outside the inputs (a worker process died)."""


class HotspotkaartWarning(UserWarning):
    """A recoverable problem that was repaired; the message says what was done."""


__all__ = [
    "BoundaryError",
    "BuildError",
    "ConfigError",
    "HotspotkaartError",
    "HotspotkaartWarning",
    "InputError",
    "OutputError",
]
