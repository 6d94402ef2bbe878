"""The *when* pictures of the pages: counts per wijk, months and the hour × weekday heat chart.

The charts themselves are :mod:`hotspotkaart.maps.charts`; this module picks their numbers
from a build's tables (``MapData.months``, ``times``, ``hot_times``; see
:mod:`hotspotkaart.stats.temporal`): for the city (``index.html``, ``overzicht.html``) the
meldingen per wijk in both years and the city's months per category, and for one wijk its
months and its heat chart, the weekday × 3-hour blocks that hold significantly more meldingen
than the wijk's average outlined.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from hotspotkaart._format import nl_count
from hotspotkaart.config.settings import Periods
from hotspotkaart.engine.aoristic import clock_hours
from hotspotkaart.engine.timecounts import month_keys
from hotspotkaart.maps.charts import (
    WEEKDAYS,
    bar_chart_by_area,
    heat_chart,
    heat_classes,
    heat_scale,
    meldingen_text,
    monthly_chart,
    period_names,
)
from hotspotkaart.maps.data import MapContext, MapData

T = TypeVar("T")

__all__ = ["area_heat_cells", "city_charts", "city_level", "hot_time_lines", "incident_charts",
           "wijk_charts"]


def city_level(data: MapData) -> str:
    """Return the areas :func:`city_charts` counts: ``wijk``, or in a region ``gemeente``."""
    return "wijk" if data.gemeenten is None else "gemeente"


def city_charts(data: MapData, context: MapContext) -> str:
    """Return the city's charts: meldingen per :func:`city_level` area, and per month."""
    base, compare = context.years
    level = city_level(data)
    areas = data.gemeenten  # in the region's order
    if areas is None:
        areas = data.wijken.sort_values("wijkcode")
    name = f"{level}naam"
    bars = bar_chart_by_area(
        [str(n) for n in areas[name]],
        areas[f"count_{base}"].astype(int).tolist(),
        areas[f"count_{compare}"].astype(int).tolist(), context.years,
        title=f"Meldingen per {level}, {context.label(base)} en {context.label(compare)}",
        periods=context.periods)
    months = _months(data, "stad", "", context)
    if not months:
        return bars
    return bars + monthly_chart(months, context.years, periods=context.periods,
                                title=f"Meldingen per maand in {context.area_name}")


def wijk_charts(data: MapData, context: MapContext, wijkcode: str, name: str) -> str:
    """Return one wijk's charts: its months per category and its hour × weekday heat chart."""
    out = []
    months = _months(data, "wijk", wijkcode, context)
    if months:
        out.append(monthly_chart(months, context.years, periods=context.periods,
                                 title=f"Meldingen per maand in {name}"))
    if data.times is not None:
        counts = {year: _weeks(data.times, "wijk", [wijkcode], year)[0]
                  for year in context.years}
        hot = ({year: _hot_mask(data.hot_times, wijkcode, year) for year in context.years}
               if data.hot_times is not None else None)
        out.append(heat_chart(counts, hot=hot, periods=context.periods,
                              title=f"Meldingen per uur en weekdag in {name}"))
    return "".join(out)


def area_heat_cells(times: pd.DataFrame | None, area_type: str, codes: Sequence[str],
                    years: Sequence[int], periods: Periods | None = None
                    ) -> dict[str, dict[str, object]]:
    """Per area of ``codes`` with meldingen with a time in ``years``: its small heat chart.

    For :class:`~hotspotkaart.maps.elements.PopupHeat`: per year, named by
    :func:`~hotspotkaart.maps.charts.period_names` (the key the popup shows), one digit per hour
    of the week
    (Monday 0:00 first), 0 for no melding and else the class on the heat chart's scale of this
    area's own largest count (:func:`~hotspotkaart.maps.charts.heat_scale`; a part of a time
    window spread over its hours is above 0), and the chart in words. ``times`` is
    ``tijden.csv`` (``MapData.times``); ``area_type`` is ``buurt``, or ``hotspot`` for the
    hot-spot clusters, each with the one year it belongs to.
    """
    if times is None or not len(codes):
        return {}
    grid = np.stack([_weeks(times, area_type, codes, year) for year in years], axis=1)
    names = period_names(years, periods)
    out: dict[str, dict[str, object]] = {}
    for i, code in enumerate(codes):
        top = math.ceil(grid[i].max())
        if top == 0:
            continue
        step, colours = heat_scale(top)
        classes = heat_classes(grid[i], step)
        totals = {name: f"{meldingen_text(round(grid[i, k].sum()))} met een tijdstip"
                  for k, name in enumerate(names)}
        label = "; ".join(f"{year}: {text}" for year, text in totals.items())
        out[str(code)] = {"n": len(colours), "totals": totals,
                          "cells": {name: _digits(classes[k]) for k, name in enumerate(names)},
                          "label": f"Meldingen per uur en weekdag, {label}; hoe donkerder, hoe "
                                   f"meer (tot {nl_count(grid[i].max())} in een uur)"}
    return out


def _digits(classes: np.ndarray) -> str:
    """Write the classes of a heat chart (0 … 6) as one digit each, Monday 0:00 first."""
    flat = classes.ravel()
    if len(flat) and (flat.min() < 0 or flat.max() > 9):  # not one digit: never on the scale
        return "".join(str(int(c)) for c in flat)
    return (flat.astype(np.uint8) + ord("0")).tobytes().decode("ascii")


def _months(data: MapData, area_type: str, code: str,
            context: MapContext) -> dict[str, dict[int, list[int]]]:
    """``months[category][year]``: the counts per month of each period, per category."""
    if data.months is None:
        return {}
    months = data.months

    def make() -> dict[str, dict[tuple[str, str], Any]]:
        """Per area, its count per category and month: one grouping for every page."""
        rows = months[(months["area_type"] == area_type) & (months["category"] != "")]
        sums = rows.groupby(["area_code", "category", "month"], sort=False)["count"].sum()
        counts: dict[str, dict[tuple[str, str], Any]] = {}
        for (area, category, month), n in sums.items():
            counts.setdefault(str(area), {})[(str(category), str(month))] = n
        return counts

    counts = _per_table(months, ("months", area_type), make).get(code, {})
    periods = _periods(context)
    return {category: {year: [int(counts.get((category, f"{m // 100}-{m % 100:02d}"), 0))
                              for m in periods.period(year).calendar_months()]
                       for year in context.years}
            for category in data.categories}


def _periods(context: MapContext) -> Periods:
    """Return the periods of the maps: the context's, or the calendar years it names."""
    return context.periods or Periods(*context.years)


def _weeks(times: pd.DataFrame, area_type: str, codes: Sequence[str],
           year: int) -> np.ndarray:
    """Count each area's meldingen with a time in ``year``: (areas, weekday, hour).

    Whole numbers (int64), or fractions where ``tijden.csv`` holds a spread time window. The
    rows of ``area_type`` and ``year`` are found once per table (:func:`_week_rows`): a wijk map
    asks for a few areas, and the national table has millions of rows.
    """
    rows = _week_rows(times, area_type, year)
    out = np.zeros((len(codes), 7, 24), dtype=rows.count.dtype)
    for i, j in enumerate(rows.codes.get_indexer(list(codes))):
        if j >= 0:
            start, end = rows.starts[j], rows.starts[j + 1]
            np.add.at(out[i], (rows.weekday[start:end], rows.hour[start:end]),
                      rows.count[start:end])
    return out


@dataclass(frozen=True)
class _WeekRows:
    """The rows of one area type and period of ``tijden.csv``, ordered by area code."""

    codes: pd.Index  # the area codes, each once, sorted
    starts: npt.NDArray[np.intp]  # the rows of codes[j] are starts[j]:starts[j + 1]
    weekday: npt.NDArray[np.int64]  # 0 = maandag
    hour: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64] | npt.NDArray[np.float64]


def _week_rows(times: pd.DataFrame, area_type: str, year: int) -> _WeekRows:
    """Select the rows of ``area_type`` in ``year`` (all categories, with an hour) once.

    Within an area the rows keep their order in ``times`` (a stable sort), so the counts add
    up in the same order, to the same floating-point sums, as when each area selected them.
    """
    def make() -> _WeekRows:
        rows = times[(times["area_type"] == area_type) & (times["period"] == year)
                     & (times["category"] == "") & times["hour"].notna()]
        code = rows["area_code"].astype(str).to_numpy(dtype=object)
        order = np.argsort(code, kind="stable")
        codes, starts = np.unique(code[order], return_index=True)
        return _WeekRows(codes=pd.Index(codes, dtype=object),
                         starts=np.append(starts, len(order)),
                         weekday=rows["weekday"].to_numpy(dtype=np.int64)[order] - 1,
                         hour=rows["hour"].to_numpy(dtype=np.int64)[order],
                         count=rows["count"].to_numpy()[order])

    return _per_table(times, ("weeks", area_type, str(year)), make)


#: What :func:`_per_table` made, per key, with the table it was made of.
_MADE: dict[tuple[str, ...], tuple[weakref.ref[pd.DataFrame], Any]] = {}


def _per_table(table: pd.DataFrame, key: tuple[str, ...], make: Callable[[], T]) -> T:
    """Return ``make()``, made once for this ``table`` (the same object) and ``key``.

    The pages of one build draw from the same ``MapData`` tables, which nothing changes once
    made; a different table (another build) makes it again. One table is remembered per key.
    """
    known = _MADE.get(key)
    if known is not None and known[0]() is table:
        value: T = known[1]
        return value
    made = make()
    _MADE[key] = (weakref.ref(table), made)
    return made


def _hot_mask(hot_times: pd.DataFrame, wijkcode: str, year: int) -> npt.NDArray[np.bool_]:
    """Mark the hours of the wijk's hot blocks in ``year`` (7 × 24)."""
    def make() -> dict[str, list[tuple[int, int, int]]]:
        rows = hot_times[(hot_times["area_type"] == "wijk") & (hot_times["period"] == year)
                         & hot_times["hot"].astype(bool)]
        blocks: dict[str, list[tuple[int, int, int]]] = {}
        for code, weekday, start, end in rows[["area_code", "weekday", "hour_from",
                                               "hour_to"]].itertuples(index=False):
            blocks.setdefault(str(code), []).append((int(weekday), int(start), int(end)))
        return blocks

    mask = np.zeros((7, 24), dtype=bool)
    for weekday, start, end in _per_table(hot_times, ("hot", str(year)), make).get(wijkcode, []):
        mask[weekday - 1, start:end] = True
    return mask


def hot_time_lines(data: MapData, context: MapContext) -> list[str]:
    """One line per wijk with hot times in the compare year: ``"<wijk>: vrijdag 21–24 uur"``.

    For the field map, which has no room for charts: the blocks are named, the counts are not.
    """
    if data.hot_times is None:
        return []
    compare = context.years[1]
    hot = data.hot_times
    rows = hot[(hot["area_type"] == "wijk") & (hot["period"] == compare)
               & hot["hot"].astype(bool)]
    names = dict(zip(data.wijken["wijkcode"].astype(str), data.wijken["wijknaam"].astype(str),
                     strict=True))
    lines = []
    for code, blocks in rows.groupby("area_code", sort=True):
        when = ", ".join(f"{WEEKDAYS[int(d) - 1]} {int(a)}–{int(b)} uur"
                         for d, a, b in blocks[["weekday", "hour_from", "hour_to"]]
                         .itertuples(index=False))
        lines.append(f"{names.get(str(code), str(code))}: {when}")
    return lines


def incident_charts(incidents: pd.DataFrame, context: MapContext, name: str,
                    categories: list[str]) -> str:
    """Return the months and the hour × weekday chart of some meldingen (a camera candidate's).

    Parameters
    ----------
    incidents : pandas.DataFrame
        The meldingen, with ``date``, ``timed``, ``period`` and ``category`` (and a time window,
        spread over its hours by :func:`~hotspotkaart.engine.aoristic.clock_hours`).
    context : MapContext
        The years.
    name : str
        The area's name, for the titles.
    categories : list of str
        The categories in display order.
    """
    if incidents.empty:
        return ""
    month = month_keys(incidents["date"])
    periods = _periods(context)
    months: dict[str, dict[int, list[int]]] = {}
    for category in categories:
        mine = month[(incidents["category"].astype(str) == category).to_numpy()]
        months[category] = {year: [int((mine == m).sum())
                                   for m in periods.period(year).calendar_months()]
                            for year in context.years}
    hours = clock_hours(incidents)
    period = incidents["period"].to_numpy()[hours.melding]
    counts = {}
    for year in context.years:
        grid = np.zeros((7, 24), dtype=hours.weight.dtype)
        pick = (hours.hour >= 0) & (period == year)
        np.add.at(grid, (hours.weekday[pick] - 1, hours.hour[pick]), hours.weight[pick])
        counts[year] = grid
    return (monthly_chart(months, context.years, periods=context.periods,
                          title=f"Meldingen per maand in {name}")
            + heat_chart(counts, periods=context.periods,
                         title=f"Meldingen per uur en weekdag in {name}"))
