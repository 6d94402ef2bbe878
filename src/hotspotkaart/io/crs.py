"""Coordinate reference systems of the input files: which one, which axis order, into RD New.

Exports give coordinates in RD New (EPSG:28992) or WGS84 (EPSG:4326), declared in the file, in
the config, or not at all, and sometimes with the two axes swapped. This module tells from the
values which interpretation fits (:func:`infer_axis_order`), decides how to read a file's
coordinates (:func:`resolve_crs`: a declared CRS that the values contradict is an error, swapped
axes are repaired with a warning), brings them into RD New (:func:`to_rd`) and tells whether
they lie in the Netherlands (:func:`in_netherlands`). Every reader decides its CRS here: the
meldingen and locations directly, the vector layers (boundaries, zones, camera inputs) through
:func:`hotspotkaart.io.vector.vector_to_rd`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from hotspotkaart._errors import InputError

__all__ = [
    "RD",
    "WGS84",
    "CrsChoice",
    "crs_remedy",
    "in_netherlands",
    "infer_axis_order",
    "resolve_crs",
    "to_rd",
]

logger = logging.getLogger(__name__)

RD = "EPSG:28992"
WGS84 = "EPSG:4326"

#: Plausible extents of the Netherlands (with the Wadden and a margin) per interpretation.
_RD_BOX = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
_WGS84_BOX = (3.2, 50.7, 7.3, 53.7)


@dataclass(frozen=True)
class CrsChoice:
    """How to read the coordinates of one file.

    Attributes
    ----------
    crs : str
        The coordinate reference system the values are in.
    swap : bool
        Whether the file has its two axes the wrong way round (latitude in the longitude
        column, or RD y in the x column); swap them before use.

    """

    crs: str
    swap: bool = False


def infer_axis_order(x: np.ndarray, y: np.ndarray) -> str | None:
    """Tell from coordinate values which interpretation fits most points.

    Parameters
    ----------
    x, y : numpy.ndarray
        The first and second coordinate column as read.

    Returns
    -------
    str or None
        ``"rd"`` (RD New metres), ``"rd-swapped"`` (RD with x and y the wrong way round),
        ``"wgs84"`` (x = longitude, y = latitude), ``"wgs84-swapped"`` (x = latitude,
        y = longitude), or None when no interpretation fits more than half of the points.

    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    valid = np.isfinite(x) & np.isfinite(y)
    n = int(valid.sum())
    if n == 0:
        return None
    xs, ys = x[valid], y[valid]
    fits = {
        "rd": _in_box(xs, ys, _RD_BOX).sum(),
        "wgs84": _in_box(xs, ys, _WGS84_BOX).sum(),
        "wgs84-swapped": _in_box(ys, xs, _WGS84_BOX).sum(),
        "rd-swapped": _in_box(ys, xs, _RD_BOX).sum(),
    }
    best = max(fits, key=lambda k: fits[k])
    return best if fits[best] * 2 > n else None


def in_netherlands(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether RD New coordinates lie within the plausible extent of the Netherlands."""
    return _in_box(np.asarray(x, dtype=float), np.asarray(y, dtype=float), _RD_BOX)


def resolve_crs(x: np.ndarray, y: np.ndarray, *, file_crs: str | None, config_crs: str | None,
                path: Path, label: str, warn: Callable[[str], None],
                setting: str | None = "crs") -> CrsChoice:
    """Decide in which CRS, and with which axis order, to read a file's coordinates.

    The CRS the file declares wins over the one in the config, unless the coordinates do not
    fit the file's CRS but do fit the config's (a GeoJSON without a ``crs`` member holding RD
    coordinates is the common case). Without either, the CRS is inferred from the values. A
    declared CRS that the values contradict is an error; swapped axes are repaired with a
    warning.

    Parameters
    ----------
    x, y : numpy.ndarray
        The coordinates as read (for polygons: a representative point per feature).
    file_crs, config_crs : str or None
        The CRS the file declares and the one the config sets.
    path : Path
        The file, for messages.
    label : str
        The source label, for warnings.
    warn : callable
        Receives the warnings (``Ledger.warn``).
    setting : str or None
        The config key with which the user declares the CRS, named in the errors' remedy;
        None for a file whose CRS only the file itself can declare (boundaries, candidate
        areas): the remedy is then to save the file with its CRS.

    Returns
    -------
    CrsChoice
        The CRS and whether the axes must be swapped.

    Raises
    ------
    InputError
        If no CRS is known and the values fit none, or the values contradict the CRS.

    """
    order = infer_axis_order(x, y)
    declared, origin = file_crs, "in the file"
    if file_crs and config_crs and _crs(config_crs) != _crs(file_crs):
        if _fits(file_crs, order) is False and _fits(config_crs, order):
            warn(f"{label}: the file declares {file_crs} but its coordinates are in "
                        f"{config_crs} as the config says; read as {config_crs}")
            declared, origin = config_crs, "in the config"
        else:
            warn(f"{label}: the config says crs = {config_crs!r} but the file declares "
                        f"{file_crs}; using the file's CRS. Remove crs from the config to "
                        "silence this")
    elif not file_crs:
        declared, origin = config_crs, "in the config"
    if declared is None:
        if not (np.isfinite(x) & np.isfinite(y)).any():
            return CrsChoice(RD)  # nothing to place: every record is rejected anyway
        if order is None:
            msg = (f"{path}: cannot tell the coordinate system from the values (neither RD New "
                   f"metres nor WGS84 degrees within the Netherlands); {crs_remedy(setting)}")
            raise InputError(msg)
        guess = RD if order.startswith("rd") else WGS84
        warn(f"{label}: no CRS declared; the coordinates look like "
             f"{'RD New (EPSG:28992)' if guess == RD else 'WGS84 (EPSG:4326)'} and are "
             f"read as such; {crs_remedy(setting)} to make this explicit")
        declared, origin = guess, "inferred"
    crs = _crs(declared)
    hint = (" (a GeoJSON file without a 'crs' member always says WGS84)"
            if origin == "in the file" and path.suffix.lower() in (".geojson", ".json")
            else "")
    if _is_rd(crs) and order in ("wgs84", "wgs84-swapped"):
        msg = (f"{path}: the CRS is declared as {declared} (RD New) {origin} but the coordinates "
               f"look like WGS84 degrees; {crs_remedy(setting, WGS84)}")
        raise InputError(msg)
    if crs.is_geographic and order in ("rd", "rd-swapped"):
        msg = (f"{path}: the CRS is declared as {declared} (degrees) {origin}{hint} but the "
               f"coordinates look like RD New metres; {crs_remedy(setting, RD)}")
        raise InputError(msg)
    swapped = ((crs.is_geographic and order == "wgs84-swapped")
               or (_is_rd(crs) and order == "rd-swapped"))
    if swapped:
        what = "latitude and longitude" if crs.is_geographic else "x and y"
        warn(f"{label}: {what} are swapped in the file; read the other way round. "
                    "Swap the columns in the config to make this explicit")
    return CrsChoice(crs.to_string(), swapped)


def to_rd(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates ``x``, ``y`` in ``crs`` in RD New (unchanged if in RD New)."""
    if _is_rd(CRS.from_user_input(crs)):
        return x, y
    transformer = Transformer.from_crs(crs, RD, always_xy=True)
    with np.errstate(invalid="ignore", over="ignore"):
        rx, ry = transformer.transform(x, y)
    return np.asarray(rx, dtype=float), np.asarray(ry, dtype=float)


def crs_remedy(setting: str | None, crs: str | None = None) -> str:
    """Say how the user makes a file's CRS right: the config key, or the file saved with it.

    ``setting`` is the config key that declares the CRS (None where only the file can), ``crs``
    the CRS the values fit, when known.
    """
    if setting is None:
        return "save the file with its CRS (e.g. as GeoPackage)"
    if crs is None:
        return f"set {setting} in the config"
    return f"set {setting} = '{crs}' or fix the file"


def _crs(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except CRSError:
        msg = f"{value!r} is not a coordinate reference system; use e.g. 'EPSG:28992'"
        raise InputError(msg) from None


def _is_rd(crs: CRS) -> bool:
    if crs.to_epsg() == 28992:
        return True
    return bool(crs.is_compound) and any(sub.to_epsg() == 28992 for sub in crs.sub_crs_list)


def _fits(crs: str, order: str | None) -> bool | None:
    """Whether values of ``order`` fit ``crs``; None when that cannot be told."""
    parsed = _crs(crs)
    if order is None or not (parsed.is_geographic or _is_rd(parsed)):
        return None
    return order.startswith("wgs84") if parsed.is_geographic else order.startswith("rd")


def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    with np.errstate(invalid="ignore"):
        return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
