"""Stable column names shared by every stage, so that outputs can be scripted against."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hotspotkaart._errors import InputError

__all__ = ["category_label", "category_slug", "category_slugs", "count_column", "unique_names"]


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
