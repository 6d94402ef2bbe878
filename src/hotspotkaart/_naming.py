"""Stable column names shared by every stage, so that outputs can be scripted against."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["category_slug", "count_column"]


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
