"""A generator of meldingen with time windows (``time_from``/``time_to``), as exports give them.

Break-ins are found in the morning: the window runs from the evening before (20:00–23:59) to the
morning (06:00–08:59), and ``datum`` is the report the next morning. Among them, on purpose:
windows over the nights the clocks change (the last Sundays of March and October), windows of
exactly one hour, within one 3-hour block, crossing midnight, start == end (a moment), a week
or more, open at one end, dates without a time, and rows without a window (a moment in
``datum``). Every row says what it is, so a test knows what the counts must be.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The header of :func:`windowed_csv`.
HEADER = "id;datum;van;tot;soort;x;y"

#: Kinds of row, in the order they are drawn (cycling), and whether each fixes an hour.
KINDS = ("night", "night", "dst_march", "dst_october", "one_hour", "in_block", "midnight",
         "moment", "week", "open", "dates_only", "no_window")

#: Kinds whose meldingen are spread over more than one 3-hour block.
SPREAD = {"night", "dst_march", "dst_october", "midnight"}
#: Kinds spread over hours but within one 3-hour block (counted whole in the tests).
IN_BLOCK = {"one_hour", "in_block"}
#: Kinds counted without a time of day (empty weekday and hour).
NO_TIME = {"week", "open", "dates_only"}

_FMT = "%d-%m-%Y %H:%M"
_DST = {2023: ("2023-03-26", "2023-10-29"), 2024: ("2024-03-31", "2024-10-27")}


@dataclass(frozen=True)
class WindowRow:
    """One generated melding: its kind, CSV fields, its year by ``datum`` and by ``van``."""

    kind: str
    datum: str
    van: str
    tot: str
    period: int
    start_year: int


def windowed_rows(rng: np.random.Generator, n: int, years: tuple[int, int] = (2023, 2024),
                  kinds: tuple[str, ...] = KINDS) -> list[WindowRow]:
    """Draw ``n`` meldingen cycling through ``kinds``, over the days of ``years``."""
    first = pd.Timestamp(year=years[0], month=1, day=2)
    days = (pd.Timestamp(year=years[1], month=12, day=18) - first).days  # a week ends in time
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        day = first + pd.Timedelta(days=int(rng.integers(0, days)))
        out.append(_row(kind, day, rng))
    return out


def _row(kind: str, day: pd.Timestamp, rng: np.random.Generator) -> WindowRow:
    minute = pd.Timedelta(minutes=int(rng.integers(0, 60)))
    if kind in ("dst_march", "dst_october"):
        sunday = pd.Timestamp(_DST[day.year][kind == "dst_october"])
        start = sunday - pd.Timedelta(hours=2) + minute  # Saturday 22:xx
        end = sunday + pd.Timedelta(hours=7)
    elif kind == "night":
        start = day + pd.Timedelta(hours=int(rng.integers(20, 24))) + minute
        end = day + pd.Timedelta(days=1, hours=int(rng.integers(6, 9)), minutes=30)
    elif kind == "one_hour":
        start = day + pd.Timedelta(hours=int(rng.integers(0, 23)))
        end = start + pd.Timedelta(hours=1)
    elif kind == "in_block":  # 13:10–14:50 and the like: inside the block 12–15
        start = day + pd.Timedelta(hours=12, minutes=int(rng.integers(0, 60)))
        end = start + pd.Timedelta(minutes=int(rng.integers(1, 180 - start.minute)))
    elif kind == "midnight":
        start = day + pd.Timedelta(hours=23, minutes=30)
        end = start + pd.Timedelta(minutes=75)
    elif kind == "week":
        start = day + pd.Timedelta(hours=9)
        end = start + pd.Timedelta(days=int(rng.integers(7, 12)))
    else:  # moment, open, dates_only, no_window
        start = end = day + pd.Timedelta(hours=int(rng.integers(0, 24))) + minute
    report = end.normalize() + pd.Timedelta(hours=9, minutes=5)
    van, tot = start.strftime(_FMT), end.strftime(_FMT)
    if kind == "open":
        tot = ""
    elif kind == "dates_only":
        van, tot = start.strftime("%d-%m-%Y"), (end + pd.Timedelta(days=1)).strftime("%d-%m-%Y")
    elif kind == "no_window":
        van = tot = ""
        report = start
    return WindowRow(kind, report.strftime(_FMT), van, tot, int(report.year), int(start.year))


def windowed_csv(rows: list[WindowRow], points: list[tuple[float, float]],
                 categories: tuple[str, ...]) -> str:
    """Write the rows as a CSV (:data:`HEADER`) with one point per row, decimal commas."""
    lines = [HEADER]
    for i, (row, (x, y)) in enumerate(zip(rows, points, strict=True)):
        lines.append(f"W{i};{row.datum};{row.van};{row.tot};{categories[i % len(categories)]};"
                     f"{x:.1f};{y:.1f}".replace(".", ","))
    return "\r\n".join(lines) + "\r\n"


def window_section(path: str, *, date: str | None = "datum") -> str:
    """An ``[[incidents]]`` table for :func:`windowed_csv`, with ``date`` or without it."""
    lines = ["[[incidents]]", f'path = "{path}"', 'category = "soort"', 'x = "x"', 'y = "y"',
             'crs = "EPSG:28992"', 'id = "id"', 'time_from = "van"', 'time_to = "tot"']
    if date:
        lines.append(f'date = "{date}"')
    return "\n".join(lines) + "\n"
