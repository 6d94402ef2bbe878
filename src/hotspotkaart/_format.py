"""Dutch display formatting of numbers, dates and test results, escaped for HTML."""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["change_text", "display", "nl_count", "nl_float", "nl_int", "validity_text",
           "verdict_text"]


def verdict_text(p: float, q: float, fdr_q: float) -> str:
    """Put the change test in words for a tooltip."""
    if pd.isna(q):
        return "niet getoetst: te weinig meldingen"
    if q <= fdr_q:
        return f"meer dan toeval (p = {nl_float(p, 3)}, q = {nl_float(q, 3)})"
    return f"kan toeval zijn (p = {nl_float(p, 3)}, q = {nl_float(q, 3)})"


#: Pieces of text that make escaped text look like a resource a page would load
#: (``src=https://…``, ``src=//…``, ``url(…)``, ``@import``, ``fetch(…)``), and the character
#: references the browser shows the same.
_RESOURCE_LOOKALIKES = (  # each with a character it needs: a text without it is left as is
    ("//", re.compile(r"//"), "/&#47;"),
    ("(", re.compile(r"(?i)\b(url|fetch)(\s*)\("), r"\1\2&#40;"),
    ("@", re.compile(r"(?i)@(import)\b"), r"&#64;\1"),
)


def html_text(text: str) -> str:
    """Escape text from the data for a page: HTML-escaped, and never shaped like a resource.

    ``html.escape`` keeps ``<img src=x>`` from running; character references for the ``//``
    of a URL, the ``(`` of ``url(`` and ``fetch(`` and the ``@`` of ``@import`` keep a name such
    as ``src=https://…`` from looking like a network reference to the page's offline check,
    while the page shows the same characters.
    """
    escaped = html.escape(text, quote=True)
    for needed, pattern, replacement in _RESOURCE_LOOKALIKES:
        if needed in escaped:  # a page escapes millions of texts, nearly all without it
            escaped = pattern.sub(replacement, escaped)
    return escaped


def display(value: Any) -> str:
    """Format one value for a Dutch tooltip, escaped for HTML."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "onbekend"
    if isinstance(value, bool | np.bool_):
        return "ja" if value else "nee"
    if isinstance(value, int | np.integer):
        return nl_int(int(value))
    if isinstance(value, float | np.floating):
        return nl_float(float(value))
    return html_text(str(value))


def nl_int(value: int) -> str:
    """Format an integer with a Dutch thousands separator: 12.345."""
    return f"{value:,}".replace(",", ".")


def nl_count(value: float) -> str:
    """Format a count of meldingen: ``12.345``, or a fraction with one decimal: ``2,3``.

    A fraction is a melding with a time window spread over its hours; one below 0,05 reads
    ``< 0,1``, never ``0,0``.
    """
    if float(value).is_integer():
        return nl_int(int(value))
    return "< 0,1" if 0 < value < 0.05 else nl_float(value, 1)


def nl_float(value: float, decimals: int = 1) -> str:
    """Format a number with a Dutch decimal comma."""
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def change_text(base: int, compare: int) -> str:
    """Describe the change between two counts: ``+12 (+4,2 %)``, ``-23.175 (-0,9 %)``."""
    diff = compare - base
    signed = ("+" if diff >= 0 else "-") + nl_int(abs(diff))  # as the counts beside it
    if base == 0:
        return signed
    return f"{signed} ({'+' if diff >= 0 else ''}{nl_float(100 * diff / base)} %)"


def validity_text(start: Any, end: Any) -> str:
    """``01-07-2024 t/m 31-12-2024``, ``vanaf …``, ``tot en met …`` or ``doorlopend``."""
    def day(value: Any) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%d-%m-%Y")

    a, b = day(start), day(end)
    if a and b:
        return f"{a} t/m {b}"
    if a:
        return f"vanaf {a}"
    if b:
        return f"tot en met {b}"
    return "doorlopend"
