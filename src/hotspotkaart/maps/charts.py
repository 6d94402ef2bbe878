"""Charts of meldingen for the pages: inline SVG, two years side by side, offline and printable.

Each function returns an HTML fragment, a ``<figure class="hk-chart-figure …">`` with the title
as ``<figcaption>``, a legend and one ``<svg class="hk-chart hk-chart-<kind>" role="img">`` per
panel (one for the bars, one per category for the monthly lines, one per year for the heat
chart). Every ``<svg>`` carries a ``<title>`` and a ``<desc>`` that give its numbers in Dutch,
referenced by ``aria-labelledby``, so a screen reader or a text-only reader gets the data. With
no meldingen at all the figure holds one Dutch sentence instead of an empty chart.

The fragment is well-formed XML with every style inline: no script, no stylesheet, no font and
no URL, so it opens offline and prints (fills are SVG, which a browser prints without
"background graphics"). Panels are 360 units wide (``viewBox``, ``width="100%"``) and wrap in a
flex row: one per row on a 360 px phone with text of at least 11 px there, two per row on a
wide screen, at most 440 px each.

The base year is Okabe–Ito blue (:data:`BASE_COLOUR`) in solid bars and solid lines with round
markers, the compare year Okabe–Ito vermillion (:data:`COMPARE_COLOUR`) in hatched bars and
dashed lines with square markers, so the years differ without colour too (greyscale print). The
Okabe–Ito orange ``#E69F00`` is not used: it has 2.2:1 against white, under the 3:1 WCAG asks
of graphics. Heat cells use the ColorBrewer YlOrRd classes (:data:`HEAT_COLOURS`), lighter to
darker in greyscale as well.

Text from the data (area and category names) is escaped with
:func:`hotspotkaart._format.html_text`; element ids derive from a hash of the chart's kind,
title and data, or from ``chart_id`` when the same chart is shown twice on one page.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from hotspotkaart._errors import InputError
from hotspotkaart._format import html_text, nl_count, nl_float, nl_int
from hotspotkaart.config.periods import MONTHS, Period, Periods
from hotspotkaart.maps.charttemplates import TEMPLATES

__all__ = [
    "ALL_CATEGORIES",
    "BASE_COLOUR",
    "COMPARE_COLOUR",
    "HEAT_COLOURS",
    "MONTHS",
    "WEEKDAYS",
    "bar_chart_by_area",
    "heat_chart",
    "heat_classes",
    "heat_scale",
    "meldingen_text",
    "monthly_chart",
    "period_names",
]

#: Colour of the base year (Okabe–Ito blue, 5.2:1 against white).
BASE_COLOUR = "#0072B2"
#: Colour of the compare year (Okabe–Ito vermillion, 3.9:1 against white).
COMPARE_COLOUR = "#D55E00"
#: ColorBrewer YlOrRd, by number of classes; a cell without meldingen is white.
HEAT_COLOURS: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
}
#: Dutch weekdays, Monday first (the rows of the heat chart).
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
#: Title of the monthly panel that adds up every category.
ALL_CATEGORIES = "Alle categorieën"

_TEXT = "#1a1a1a"  # 17:1 against white
_MUTED = "#4d4d4d"  # 8.5:1 against white
_GRID = "#d9d9d9"
_ZERO_EDGE = "#bdbdbd"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_WIDTH = 360
_SIZE = 13  # font size in viewBox units: 12 px or more on a 360 px phone
_GLYPH = 0.6 * _SIZE  # generous width of one character, to leave room for labels
_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

class _PanelEnvironment(Environment):
    """Jinja's environment, with ``p.x`` of a dict that holds ``"x"`` read as ``p["x"]`` at once.

    The charts hand their templates dicts; Jinja tries an attribute first and falls back to
    the key only after the ``AttributeError``, for each of the thousands of values a page's
    charts hold.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


_ENV = _PanelEnvironment(loader=DictLoader(TEMPLATES), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True)
_ENV.globals.update(font=_FONT, size=_SIZE, text=_TEXT, muted=_MUTED, grid=_GRID,
                    base=BASE_COLOUR, compare=COMPARE_COLOUR)


def bar_chart_by_area(labels: Sequence[str], base: Sequence[int], compare: Sequence[int],
                      years: tuple[int, int], *, title: str, chart_id: str | None = None,
                      periods: Periods | None = None) -> str:
    """Draw meldingen per area (wijk or buurt) as horizontal bars, base year above compare year.

    Parameters
    ----------
    labels : sequence of str
        Area names, in the order to draw them (from the data; escaped here).
    base, compare : sequence of int
        Meldingen per area in the base and the compare year, non-negative.
    years : tuple of int
        ``(base year, compare year)``.
    title : str
        Title of the figure and of the ``<svg>``.
    chart_id : str, optional
        Prefix of the element ids; by default derived from the title and the data.
    periods : Periods, optional
        Names the years by :meth:`~hotspotkaart.config.settings.Periods.label` (as years
        without).

    Returns
    -------
    str
        A ``<figure>`` with one ``<svg class="hk-chart hk-chart-bar">``: per area its name,
        two bars on one scale and their counts at the bar ends; ``<desc>`` lists
        ``"<name>: <year> <n>, <year> <n>, verschil …"``. Without any melding, a sentence.

    Raises
    ------
    InputError
        If the sequences differ in length, or a count is negative or not a whole number.

    """
    names = [str(label) for label in labels]
    counts = [_counts(base, "base"), _counts(compare, "compare")]
    if not len(names) == len(counts[0]) == len(counts[1]):
        msg = (f"bar chart: {len(names)} labels, {len(counts[0])} base and "
               f"{len(counts[1])} compare counts; give one count per label and year")
        raise InputError(msg)
    ident = _chart_id("bar", chart_id, title, names, counts, years)
    shown = period_names(years, periods)
    top = max((max(c, default=0) for c in counts), default=0)
    if top == 0:
        return _figure("bar", title, [], [], empty=_empty_sentence(shown))
    value_room = max(len(nl_int(v)) for c in counts for v in c) * _GLYPH + 8
    x0, bar, scale = 4.0, 14.0, (_WIDTH - 4 - 4 - value_room) / top
    groups, y = [], 0.0
    for name, pair in zip(names, zip(*counts, strict=True), strict=True):
        bars = []
        for role, year, value, offset in zip(("base", "compare"), shown, pair, (20, 37),
                                             strict=True):
            width = value * scale
            bars.append({"role": role, "y": _n(y + offset), "width": _n(width),
                         "text_x": _n(x0 + width + 5), "text_y": _n(y + offset + bar / 2),
                         "text": nl_int(value), "tip": _safe(f"{name}, {year}: {nl_int(value)}")})
        groups.append({"y": _n(y + 15), "label": _fit(name, _WIDTH - 8), "bars": bars,
                       "axis_top": _n(y + 18), "axis_bottom": _n(y + 53)})
        y += 62
    desc = "; ".join(f"{name}: {_pair_text(shown, a, b)}"
                     for name, a, b in zip(names, *counts, strict=True))
    panel = {"kind": "bar", "id": ident, "width": _WIDTH, "height": _n(y - 6),
             "title": _safe(title), "desc": _safe(f"{desc}."), "x0": _n(x0), "bar": _n(bar),
             "groups": groups}
    return _figure("bar", title, [_ENV.get_template("bar").render(p=panel)],
                   _year_keys("bar", shown, ident))


def monthly_chart(months: Mapping[str, Mapping[int, Sequence[int]]], years: tuple[int, int], *,
                  title: str, chart_id: str | None = None, periods: Periods | None = None) -> str:
    """Draw meldingen per month, both years on one axis, one small panel per category.

    Parameters
    ----------
    months : mapping of str to mapping of int to sequence of int
        ``months[category][year]``: the 12 monthly counts (January first) of a category in a
        year, or with ``periods`` one count per month of the period (its first month first);
        both years of ``years`` are needed for every category. Categories are drawn in
        this order, after a panel :data:`ALL_CATEGORIES` that adds them up (left out when
        there is only one category).
    years : tuple of int
        ``(base year, compare year)``.
    title : str
        Title of the figure; each panel's ``<title>`` is ``"<title>: <category>"``.
    chart_id : str, optional
        Prefix of the element ids; by default derived from the title and the data.
    periods : Periods, optional
        The periods of ``years``: their labels and months (calendar years without). The axis
        shows the months of the longer period (the base's when as long); each point's
        tooltip names its own month.

    Returns
    -------
    str
        A ``<figure>`` with one ``<svg class="hk-chart hk-chart-line">`` per panel: two lines
        on the panel's own scale over the month ticks, every other one labelled (``jan``,
        ``mrt``, … ``nov``: all twelve would crowd a phone); its ``<desc>`` gives every count
        and both year totals. Without any melding, a sentence.

    Raises
    ------
    InputError
        If a category lacks a year or a year has not 12 whole, non-negative counts.

    """
    series: dict[str, list[list[int]]] = {}
    calendar = [_months_of(y, periods) for y in years]
    for category, per_year in months.items():
        missing = [y for y in years if y not in per_year]
        if missing:
            msg = f"monthly chart: category {category!r} has no counts for {missing[0]}"
            raise InputError(msg)
        rows = [_counts(per_year[y], f"{category!r} {y}") for y in years]
        if [len(row) for row in rows] != [len(m) for m in calendar]:
            msg = (f"monthly chart: category {category!r} needs {len(calendar[0])} and "
                   f"{len(calendar[1])} monthly counts for {years[0]} and {years[1]}")
            raise InputError(msg)
        series[str(category)] = rows
    ident = _chart_id("line", chart_id, title, list(series.items()), years)
    shown = period_names(years, periods)
    if not any(v for rows in series.values() for row in rows for v in row):
        return _figure("line", title, [], [], empty=_empty_sentence(shown))
    if len(series) > 1:
        total = [[sum(col) for col in zip(*(r[i] for r in series.values()), strict=True)]
                 for i in range(2)]
        series = {ALL_CATEGORIES: total, **series}
    panels = [_line_panel(f"{ident}-{i}", title, name, rows, shown, calendar)
              for i, (name, rows) in enumerate(series.items())]
    return _figure("line", title, panels, _year_keys("line", shown, ident))


def _line_panel(ident: str, title: str, name: str, rows: list[list[int]], years: Sequence[str],
                calendar: list[list[tuple[str, int]]]) -> str:
    """Render one monthly panel: ticks, month labels, one polyline and markers per period.

    ``calendar`` holds the (month name, year) of every count of each period.
    """
    step = _nice_step(max(max(r) for r in rows), 4)
    top = step * max(1, math.ceil(max(max(r) for r in rows) / step))
    ticks = range(0, top + 1, step)
    x0 = 8 + max(len(nl_int(t)) for t in ticks) * _GLYPH
    x1, y0, y1 = _WIDTH - 4.0, 30.0, 150.0
    axis = sorted(calendar, key=len, reverse=True)[0]  # the longer period's, the base's if tied
    dx = (x1 - x0) / len(axis)

    def at(month: int, value: int) -> tuple[float, float]:
        return x0 + (month + 0.5) * dx, y1 - value / top * (y1 - y0)

    lines = []
    for role, row, days, colour, dash in zip(("base", "compare"), rows, calendar,
                                             (BASE_COLOUR, COMPARE_COLOUR), ("", "7 4"),
                                             strict=True):
        xy = [at(m, v) for m, v in enumerate(row)]
        marks = [(_n(x), _n(y), _n(x - 3.5), _n(y - 3.5),
                  _safe(f"{name}, {days[m][0]} {days[m][1]}: {nl_int(v)}"))
                 for m, ((x, y), v) in enumerate(zip(xy, row, strict=True))]
        lines.append({"role": role, "colour": colour, "dash": dash, "marks": marks,
                      "points": " ".join(f"{_n(x)},{_n(y)}" for x, y in xy)})
    desc = " ".join(
        f"{year}: " + ", ".join(f"{days[m][0]} {nl_int(v)}" for m, v in enumerate(row))
        + f" (totaal {nl_int(sum(row))})."
        for year, row, days in zip(years, rows, calendar, strict=True))
    panel = {"kind": "line", "id": ident, "width": _WIDTH, "height": 176,
             "title": _safe(f"{title}: {name}"), "desc": _safe(f"{name}. {desc}"),
             "heading": _fit(name, _WIDTH - 8, bold=True), "x0": _n(x0), "x1": _n(x1),
             "tick_x": _n(x0 - 5),
             "label_y": _n(y1 + 18),
             "ticks": [{"y": _n(y1 - t / top * (y1 - y0)), "text": nl_int(t)} for t in ticks],
             "tick_top": _n(y1), "tick_bottom": _n(y1 + 4),
             "months": [(_n(x0 + (m + 0.5) * dx), "" if m % 2 else month)
                        for m, (month, _year) in enumerate(axis)],
             "series": lines}
    return _ENV.get_template("line").render(p=panel)


def heat_chart(counts: Mapping[int, Any], *, title: str, hot: Mapping[int, Any] | None = None,
               chart_id: str | None = None, periods: Periods | None = None) -> str:
    """Draw meldingen per hour and weekday as a heat chart, one panel per year.

    Parameters
    ----------
    counts : mapping of int to array-like of shape (7, 24)
        Per year, the meldingen per weekday (rows :data:`WEEKDAYS`, Monday first) and hour
        (columns 0 … 23, the hour a melding starts in; fractions where a time window was spread
        over its hours). Years are drawn in ascending order, all on one colour scale.
    title : str
        Title of the figure; each panel's ``<title>`` is ``"<title>: <year>"``.
    hot : mapping of int to array-like of bool, shape (7, 24), optional
        Per year, the cells of blocks found significant ("hot"); they get a thick black
        outline. A year left out has none.
    chart_id : str, optional
        Prefix of the element ids; by default derived from the title and the data.
    periods : Periods, optional
        Names the years by their labels (as years without).

    Returns
    -------
    str
        A ``<figure>`` with a legend of the classes (equal steps of a round width from 1 up to
        the largest count, at most six; 0 is white) and one ``<svg class="hk-chart
        hk-chart-heat">`` of 168 cells per year, whose ``<desc>`` gives the total, the busiest
        hours, the meldingen per weekday and the hot cells. Without any melding, a sentence.

    Raises
    ------
    InputError
        If an array is not 7 × 24 counts of 0 or more, or ``hot`` names a year without counts.

    """
    grids = {int(y): _grid(counts[y], f"counts {y}") for y in sorted(counts)}
    masks = {int(y): _mask(m, f"hot {y}") for y, m in (hot or {}).items()}
    if set(masks) - set(grids):
        msg = f"heat chart: hot cells given for {sorted(set(masks) - set(grids))}, no counts"
        raise InputError(msg)
    ident = _chart_id("heat", chart_id, title, [(y, g.tolist()) for y, g in grids.items()],
                      [(y, m.tolist()) for y, m in sorted(masks.items())])
    top = max((math.ceil(g.max()) for g in grids.values()), default=0)
    if top == 0:
        return _figure("heat", title, [], [], empty=_empty_sentence(
            period_names(tuple(grids), periods), "meldingen met een tijdstip"))
    step, colours = heat_scale(top)
    panels = [_heat_panel(f"{ident}-{year}", title, shown, grid, masks.get(year), step, colours)
              for (year, grid), shown in zip(grids.items(), period_names(tuple(grids), periods),
                                             strict=True)]
    keys = [{"kind": "cell", "colour": "#ffffff", "edge": _ZERO_EDGE, "stroke": 1, "text": "0"}]
    keys += [{"kind": "cell", "colour": c, "edge": c, "stroke": 1, "text": _class_text(i, step)}
             for i, c in enumerate(colours)]
    if any(m.any() for m in masks.values()):
        keys.append({"kind": "cell", "colour": "#ffffff", "edge": "#000000", "stroke": 2.5,
                     "text": "dik omlijnd: significant meer dan gemiddeld"})
    return _figure("heat", title, panels, keys)


def heat_scale(top: int) -> tuple[int, tuple[str, ...]]:
    """Return the heat chart's class width and colours for counts up to ``top`` (at least 1).

    Classes of equal width, a round number (:func:`_nice_step`), at most six (see
    :func:`heat_classes`); the popups' small charts use the same scale.
    """
    step = _nice_step(top, 6)
    return step, HEAT_COLOURS[math.ceil(top / step)]


def heat_classes(counts: npt.ArrayLike, step: int) -> np.ndarray:
    """Return each count's class on :func:`heat_scale`: 0 for none, ``k`` for ``colours[k-1]``."""
    return np.ceil(np.asarray(counts, dtype=float) / step).astype(np.int64)  # a part is above 0


def _heat_panel(ident: str, title: str, year: str, grid: np.ndarray, mask: np.ndarray | None,
                step: int, colours: tuple[str, ...]) -> str:
    """Render one year of the heat chart: 7 × 24 cells, outlines of hot cells, labels."""
    x0, y0, gap = 30.0, 26.0, 1.0
    cw, ch = (_WIDTH - x0 - 2) / 24, 18.0
    cells, outlines = [], []
    classes = heat_classes(grid, step)
    for d, h in np.ndindex(7, 24):
        value, is_hot = grid[d, h], bool(mask is not None and mask[d, h])
        cell = {"x": _n(x0 + h * cw + gap / 2), "y": _n(y0 + d * ch + gap / 2),
                "fill": "#ffffff" if value == 0 else colours[classes[d, h] - 1],
                "edge": _ZERO_EDGE if value == 0 else "",
                "tip": _safe(f"{WEEKDAYS[d]} {_hour_text(h)}: {nl_count(float(value))}"
                             + (" (hot spot)" if is_hot else ""))}
        cells.append(cell)
        if is_hot:
            outlines.append(cell)
    label_y = y0 + 7 * ch + 16
    panel = {"kind": "heat", "id": ident, "width": _WIDTH, "height": _n(label_y + 6),
             "title": _safe(f"{title}: {year}"), "desc": _safe(_heat_desc(year, grid, mask)),
             "heading": f"{year}: {meldingen_text(round(grid.sum()))}", "day_x": _n(x0 - 5),
             "cw": _n(cw - gap), "ch": _n(ch - gap), "cells": cells, "hot": outlines,
             "label_y": _n(label_y),
             "days": [(_n(y0 + (d + 0.5) * ch), day[:2], day) for d, day in enumerate(WEEKDAYS)],
             "hours": [(_n(x0 + (h + 0.5) * cw), str(h)) for h in range(0, 24, 3)]}
    return _ENV.get_template("heat").render(p=panel)


def _heat_desc(year: str, grid: np.ndarray, mask: np.ndarray | None) -> str:
    """Summarise one year of the heat chart in Dutch sentences."""
    order = sorted(np.ndindex(7, 24), key=lambda dh: (-grid[dh], dh))
    busiest = [f"{WEEKDAYS[d]} {_hour_text(h)} ({nl_count(float(grid[d, h]))})"
               for d, h in order[:5] if grid[d, h] > 0]
    hours = grid.sum(axis=0)
    peak = sorted(range(24), key=lambda h: (-hours[h], h))[:3]
    parts = [f"{year}: {meldingen_text(round(grid.sum()))}.",
             "Drukste uren van de dag: "
             + ", ".join(f"{_hour_text(h)} ({nl_count(hours[h])})" for h in peak) + ".",
             f"Drukste combinaties: {', '.join(busiest)}.",
             "Per dag: " + ", ".join(f"{day} {nl_count(n)}"
                                     for day, n in zip(WEEKDAYS, grid.sum(axis=1), strict=True))
             + "."]
    if mask is not None and mask.any():
        cells = [f"{WEEKDAYS[d]} {_hour_text(h)}" for d, h in zip(*np.nonzero(mask), strict=True)]
        shown = ", ".join(cells[:12]) + (f" en {len(cells) - 12} meer" if len(cells) > 12 else "")
        parts.append(f"Hot spot (significant), {len(cells)} cellen: {shown}.")
    return " ".join(parts)


def _figure(kind: str, title: str, panels: list[str], legend: list[dict[str, Any]], *,
            empty: str = "") -> str:
    """Wrap the panels in a ``<figure>`` with the title and the legend."""
    return _ENV.get_template("figure").render(
        kind=kind, title=_safe(title), panels=[Markup(p) for p in panels], legend=legend,
        empty=empty).strip() + "\n"


def period_names(years: Sequence[int], periods: Periods | None) -> list[str]:
    """Return the names of ``years``: their labels with ``periods``, else the years."""
    return [periods.label(y) if periods else str(y) for y in years]


def _months_of(year: int, periods: Periods | None) -> list[tuple[str, int]]:
    """Return the (month name, year) of each month of period ``year`` (a calendar year without)."""
    period = periods.period(year) if periods else Period.of_year(year)
    return [(MONTHS[m % 100 - 1], m // 100) for m in period.calendar_months()]


def _year_keys(kind: str, years: Sequence[str], ident: str) -> list[dict[str, Any]]:
    """Legend entries of the two years: solid blue and hatched/dashed vermillion."""
    return [{"kind": kind, "colour": BASE_COLOUR, "hatch": "", "dash": "", "square": False,
             "text": years[0]},
            {"kind": kind, "colour": COMPARE_COLOUR, "hatch": f"{ident}-key-hatch",
             "dash": "7 4", "square": True, "text": years[1]}]


def _empty_sentence(years: Sequence[str], what: str = "meldingen") -> str:
    """Return the Dutch sentence shown instead of a chart without meldingen."""
    if not years:
        return f"Geen {what} om te tonen: er zijn geen gegevens."
    shown = " en ".join(years) if len(years) <= 2 else ", ".join(years)
    return f"Geen {what} in {shown}: er is niets om in deze grafiek te tonen."


def _pair_text(years: Sequence[str], a: int, b: int) -> str:
    """``2023 312, 2024 280, verschil -32 (-10,3 %)``."""
    diff = b - a
    sign = "+" if diff >= 0 else "-"
    change = f"verschil {sign}{nl_int(abs(diff))}"
    if a:
        change += f" ({sign}{nl_float(abs(100 * diff / a))} %)"
    return f"{years[0]} {nl_int(a)}, {years[1]} {nl_int(b)}, {change}"


def _class_text(i: int, step: int) -> str:
    """Legend text of heat class ``i``: ``1–5``, or ``3`` for a class of one value."""
    low, high = i * step + 1, (i + 1) * step
    return nl_int(low) if low == high else f"{nl_int(low)}–{nl_int(high)}"


def meldingen_text(count: int) -> str:
    """``1 melding``, ``1.234 meldingen``."""
    return f"{nl_int(count)} {'melding' if count == 1 else 'meldingen'}"


def _hour_text(hour: int) -> str:
    """``22–23 uur``."""
    return f"{hour}–{hour + 1} uur"


def _nice_step(top: int, parts: int) -> int:
    """Return the smallest whole step (1, 2, 2.5 or 5 × 10ⁿ) that splits ``top`` in ``parts``."""
    target = max(top, 1) / parts
    magnitude = 10 ** max(0, math.floor(math.log10(target)))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= target and float(step).is_integer():
            return int(step)
    return 10 * magnitude  # not reached: the loop ends at 10 × magnitude


def _counts(values: Sequence[int], name: str) -> list[int]:
    """Check counts are whole and non-negative; return them as ``int``."""
    array = np.asarray(values, dtype=float).ravel()
    if not (np.isfinite(array).all() and (array >= 0).all() and (array == np.round(array)).all()):
        msg = f"chart counts ({name}) must be whole numbers of 0 or more"
        raise InputError(msg)
    return [int(v) for v in array]


def _grid(values: Any, name: str) -> np.ndarray:
    """Check a 7 × 24 array of counts: whole (int64), or with fractions (a window's parts)."""
    array = np.asarray(values, dtype=float)
    if array.shape != (7, 24) or not (np.isfinite(array).all() and (array >= 0).all()):
        msg = (f"heat chart: {name} (shape {array.shape}) must be 7 weekdays × 24 hours of "
               "counts of 0 or more")
        raise InputError(msg)
    return array.astype(np.int64) if (array == np.round(array)).all() else array


def _mask(values: Any, name: str) -> np.ndarray:
    """Check a 7 × 24 boolean mask."""
    array = np.asarray(values)
    if array.shape != (7, 24) or array.dtype != np.bool_:
        msg = f"heat chart: {name} must be a 7 × 24 array of True/False"
        raise InputError(msg)
    return array


def _chart_id(kind: str, chart_id: str | None, *data: Any) -> str:
    """Return the id prefix of a chart: ``chart_id`` checked, or a hash of the kind and data."""
    if chart_id is not None:
        if not _ID_RE.fullmatch(chart_id):
            msg = (f"chart_id {chart_id!r} must start with a letter and hold only letters, "
                   "digits, '-' and '_' (at most 64)")
            raise InputError(msg)
        return chart_id
    digest = hashlib.sha256(repr((kind, *data)).encode("utf-8")).hexdigest()[:10]
    return f"hk-{kind}-{digest}"


def _fit(text: str, room: float, *, bold: bool = False) -> dict[str, Markup]:
    """Escape a label and shorten it with "…" to fit ``room`` units; the full text as tooltip.

    Widths are estimated generously (capitals and ``m``/``w`` wider), as the font is the
    reader's own.
    """
    def width(part: str) -> float:
        wide = sum(c.isupper() or c in "mwMW@%" for c in part)
        return (len(part) + 0.3 * wide) * _GLYPH * (1.08 if bold else 1.0)

    if width(text) <= room:
        return {"shown": _safe(text), "full": Markup("")}
    cut = len(text)
    while cut > 1 and width(text[:cut] + "…") > room:
        cut -= 1
    return {"shown": _safe(text[:cut].rstrip() + "…"), "full": _safe(text)}


def _safe(text: str) -> Markup:
    """Text from the data, escaped once for the page."""
    return Markup(html_text(text))


def _n(value: float) -> str:
    """Format a coordinate: at most two decimals, with a point (SVG, not shown)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
