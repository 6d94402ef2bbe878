"""Stable column and file names shared by every stage, so that outputs can be scripted against."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspotkaart._errors import InputError

__all__ = ["category_label", "category_slug", "category_slugs", "count_column", "file_stems",
           "gemeente_pages", "unique_names", "wijk_pages"]


def category_slug(category: str) -> str:
    """Turn a category label into a column-safe slug.

    Parameters
    ----------
    category : str
        A category as it appears in the input, e.g. ``"Alcohol/drugs"``.

    Returns
    -------
    str
        Lower-case ASCII words joined by underscores, e.g. ``"alcohol_drugs"``; ``"onbekend"``
        when nothing usable is left.

    Examples
    --------
    >>> category_slug("Persoon met onbegrepen gedrag")
    'persoon_met_onbegrepen_gedrag'

    """
    ascii_text = unicodedata.normalize("NFKD", category).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return slug or "onbekend"


def count_column(year: int, category: str | None = None) -> str:
    """Name of the count column for a period and optionally one category.

    Examples
    --------
    >>> count_column(2023)
    'count_2023'
    >>> count_column(2024, "Alcohol/drugs")
    'count_2024_alcohol_drugs'

    """
    if category is None:
        return f"count_{year}"
    return f"count_{year}_{category_slug(category)}"


def unique_names(names: Sequence[str]) -> list[str]:
    """Make repeated names unique by numbering the repeats, keeping the first as it is.

    Examples
    --------
    >>> unique_names(["Centrum", "Centrum", "Centrum (2)"])
    ['Centrum', 'Centrum (2)', 'Centrum (2) (2)']

    """
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name} ({seen[name]})"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name} ({seen[name]})"
            out.append(candidate)
            seen[candidate] = 1
        else:
            seen[name] = 1
            out.append(name)
    return out


def category_label(value: Any) -> str:
    """Return the label of one category value: its text, or ``"onbekend"`` when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "onbekend"
    return str(value)


def category_slugs(categories: Sequence[Any]) -> dict[str, str]:
    """Map each distinct category to its column slug, sorted by category.

    Parameters
    ----------
    categories : sequence
        Category labels (missing values become ``"onbekend"``).

    Returns
    -------
    dict of str to str
        ``{category: slug}`` in sorted category order.

    Raises
    ------
    InputError
        If two different categories would get the same column name.

    """
    labels = sorted({category_label(c) for c in categories})
    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for label in labels:
        slug = category_slug(label)
        if slug in seen:
            msg = (f"categories {seen[slug]!r} and {label!r} both become the column name "
                   f"{slug!r}; rename one of them in the input")
            raise InputError(msg)
        seen[slug] = label
        result[label] = slug
    return result


#: Names Windows does not allow as a file name, whatever the extension.
_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                           *(f"lpt{i}" for i in range(1, 10))})

#: The longest stem an output name gets (well below every file system's limit).
MAX_STEM = 60


def file_stems(names: Sequence[Any], *, fallback: str, reserved: Collection[str] = (),
               lower: bool = False) -> list[str]:
    """Turn names from the data into safe, unique file-name stems: the one rule for outputs.

    Every output whose name comes from an input (a wijk page, a camera candidate's page) is
    named through this function, so that no code or name can write outside the output folder or
    make a sub-folder (OWASP path traversal): the name is transliterated to ASCII, every run of
    characters other than letters, digits, ``_`` and ``-`` becomes one ``-``, leading and
    trailing ``-``, ``_`` and dots are dropped, and it is cut to :data:`MAX_STEM` characters.
    An empty result becomes ``fallback``; a reserved or Windows device name gets
    ``-<fallback>`` appended; repeats are numbered ``-2``, ``-3``, … in order.

    Parameters
    ----------
    names : sequence
        The names, in output order (missing values become ``fallback``).
    fallback : str
        A safe stem for names that leave nothing (e.g. ``"wijk"``).
    reserved : collection of str, default ()
        Stems taken by the tool's own outputs (compared case-insensitively).
    lower : bool, default False
        Lowercase the stems (the camera pages); wijk pages keep the code's case.

    Returns
    -------
    list of str
        One stem per name, unique case-insensitively.

    Examples
    --------
    >>> file_stems(["WK050501", "../../tmp/x", "WK05/05", "", "rapport"], fallback="wijk",
    ...            reserved={"rapport"})
    ['WK050501', 'tmp-x', 'WK05-05', 'wijk', 'rapport-wijk']

    """
    taken = {r.lower() for r in reserved} | _DEVICE_NAMES
    used: set[str] = set()
    out = []
    for name in names:
        stem = _stem(category_label(name), fallback, lower)
        if stem.lower() in taken:
            stem = f"{stem}-{fallback}"
        candidate, i = stem, 1
        while candidate.lower() in used:
            i += 1
            candidate = f"{stem}-{i}"
        used.add(candidate.lower())
        out.append(candidate)
    return out


def gemeente_pages(codes: Sequence[Any]) -> dict[str, str]:
    """Return the overview page of each gemeente of a region: ``gemeenten/<stem>.html``."""
    return _pages(codes, "gemeenten", fallback="gemeente")


def wijk_pages(codes: Sequence[Any]) -> dict[str, str]:
    """Return the page of each wijk: ``wijken/<stem>.html``, with the stem made safe.

    The wijkcode names the page (``wijken/WK050501.html``) through the one rule for output
    names (:func:`file_stems`), so that a code such as ``../x`` or
    ``WK05/05`` stays a file inside ``wijken/``; ``index`` is reserved.
    """
    return _pages(codes, "wijken", fallback="wijk")


def _pages(codes: Sequence[Any], folder: str, *, fallback: str) -> dict[str, str]:
    """Name each area's page ``<folder>/<stem>.html`` by its code (:func:`file_stems`)."""
    names = [str(c) for c in codes]
    stems = file_stems(names, fallback=fallback, reserved={"index"})
    return {name: f"{folder}/{stem}.html" for name, stem in zip(names, stems, strict=True)}


def _stem(text: str, fallback: str, lower: bool) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text)[:MAX_STEM].strip("-_.")
    stem = stem.lower() if lower else stem
    return stem or fallback
