"""Find the coordinates of individual meldingen in a produced text (a map, a table, JSON).

A melding's location must never leave the tool in an aggregated export or the field map. This
scanner looks for it in every rounding a writer might use:

* RD New metres with 0 to 3 decimals, with a decimal point or comma, with or without thousands
  separators (``105233``, ``105233,4``, ``105.233,4``, ``105,233.40``);
* WGS84 degrees with 4 to 8 decimals, point or comma (``4.6633``, ``51,81381``), longitude and
  latitude in either order (GeoJSON or Leaflet).

A number with more decimals than that is compared after rounding to 3 (RD) or 8 (WGS84). A hit is
an x (longitude) and a y (latitude) of the same melding within ``window`` characters of each
other: one coordinate alone does not locate anyone, and requiring the pair keeps the scanner
from firing on the thousands of unrelated numbers in a map.

Outlines are skipped: an array nested three or more levels deep (``[[[…]]]``, the rings of a
GeoJSON (Multi)Polygon) holds the boundary of an area, and in a dense city some vertex of a buurt
or grid cell lies within a metre of some melding by chance. Points, multi-points, lines and
point lists such as a heat map (``[[lat, lon], …]``) are scanned, as are tables and JSON.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
from pyproj import Transformer

__all__ = ["find_melding_coordinates"]

_TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
_RUN = re.compile(r"\d+(?:[.,]\d+)*")
_OUTLINE = re.compile(r"\[\s*\[\s*\[")
_RD_DECIMALS = range(0, 4)
_WGS84_DECIMALS = range(4, 9)
_MAX_PARTS = 6  # longer runs (a list of numbers without spaces) are read in slices of this


def find_melding_coordinates(text: str, incidents_rd: np.ndarray, *, window: int = 48
                             ) -> list[str]:
    """Return where ``text`` holds the location of a melding of ``incidents_rd``.

    Parameters
    ----------
    text : str
        The content of a produced file.
    incidents_rd : numpy.ndarray
        Shape (n, 2): the x and y of every input melding in RD New (EPSG:28992).
    window : int
        How close (in characters) the two coordinates of one melding must be to count.

    Returns
    -------
    list of str
        One description per hit (melding index, notation, the text found, offset); empty when
        the text holds no melding location.

    """
    points = np.asarray(incidents_rd, dtype=float).reshape(-1, 2)
    lookup = _lookup(points)
    found: dict[tuple[int, str, str], list[tuple[int, str]]] = defaultdict(list)
    for offset, candidate in _candidates(_without_outlines(text)):
        for key in _readings(candidate):
            for melding, system, axis in lookup.get(key, ()):
                found[(melding, system, axis)].append((offset, candidate))
    hits = []
    for (melding, system, axis), places in sorted(found.items()):
        if axis != "a":
            continue
        others = found.get((melding, system, "b"), [])
        for offset, first in places:
            near = [(o, t) for o, t in others if abs(o - offset) <= window]
            if near:
                hits.append(f"melding {melding}: {system} {first} / {near[0][1]} at offset "
                            f"{min(offset, near[0][0])}")
                break
    return hits


def _without_outlines(text: str) -> str:
    """Blank every array nested three or more levels deep, keeping the offsets."""
    parts = []
    position = 0
    for match in _OUTLINE.finditer(text):
        if match.start() < position:
            continue  # inside an outline already blanked
        depth, end = 0, match.start()
        while end < len(text):
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            end += 1
            if depth == 0:
                break
        parts += [text[position:match.start()], " " * (end - match.start())]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def _lookup(points: np.ndarray) -> dict[str, list[tuple[int, str, str]]]:
    """Canonical text of every rounding of every coordinate → (melding, system, axis)."""
    table: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    if len(points) == 0:
        return table
    lon, lat = _TO_WGS84.transform(points[:, 0], points[:, 1])
    for i, (x, y, lo, la) in enumerate(zip(points[:, 0], points[:, 1], lon, lat, strict=True)):
        for d in _RD_DECIMALS:
            table[f"{x:.{d}f}"].append((i, "RD", "a"))
            table[f"{y:.{d}f}"].append((i, "RD", "b"))
        for d in _WGS84_DECIMALS:
            table[f"{lo:.{d}f}"].append((i, "WGS84", "a"))
            table[f"{la:.{d}f}"].append((i, "WGS84", "b"))
    return table


def _candidates(text: str) -> list[tuple[int, str]]:
    """Every number-like slice of ``text`` that starts and ends at a digit-group boundary."""
    out = []
    for run in _RUN.finditer(text):
        parts = re.split(r"([.,])", run.group())
        groups, seps = parts[0::2], parts[1::2]
        starts = [run.start()]
        for group, sep in zip(groups[:-1], seps, strict=True):
            starts.append(starts[-1] + len(group) + len(sep))
        for i in range(len(groups)):
            for j in range(i, min(len(groups), i + _MAX_PARTS)):
                piece = groups[i] + "".join(s + g for s, g in zip(seps[i:j], groups[i + 1:j + 1],
                                                                  strict=True))
                out.append((starts[i], piece))
    return out


def _readings(candidate: str) -> set[str]:
    """The canonical numbers (``105233.4``) a slice may mean, also rounded to 3 and 8 decimals."""
    parts = re.split(r"([.,])", candidate)
    groups, seps = parts[0::2], parts[1::2]
    values: list[tuple[str, str]] = []  # (integer part, fraction)
    if not seps:
        values.append((groups[0], ""))
    elif len(seps) == 1:
        values.append((groups[0], groups[1]))  # decimal point or comma
        if len(groups[1]) == 3:
            values.append((groups[0] + groups[1], ""))  # a thousands separator
    else:
        thousands = all(len(g) == 3 for g in groups[1:-1])
        if thousands and len(set(seps)) == 1 and len(groups[-1]) == 3:
            values.append(("".join(groups), ""))
        if thousands and len(set(seps[:-1])) == 1 and seps[-1] != seps[0]:
            values.append(("".join(groups[:-1]), groups[-1]))
    readings = set()
    for integer, fraction in values:
        text = f"{int(integer)}.{fraction}" if fraction else str(int(integer))
        readings.add(text)
        if len(fraction) > 3:
            readings.add(f"{float(text):.3f}")
        if len(fraction) > 8:
            readings.add(f"{float(text):.8f}")
    return readings
