"""Write the tables as one Excel workbook for people: typed cells, filters, explained columns.

The CSVs are for scripts (``;``, decimal point); a planner opens ``hotspotkaart.xlsx``. Each
table gets a sheet with a frozen, filtered header row and widths that fit; numbers are written
as numbers (so a Dutch Excel shows decimal commas), dates as dates, missing values as empty
cells, and every text as text: the writer never turns a string into a formula, a number or a
link (XlsxWriter's ``strings_to_*`` options off, and every string through ``write_string``), so
``=HYPERLINK(…)`` in a melding id stays the text it was. The first sheet, ``toelichting``,
holds the method stamp, the meaning of every column (:mod:`hotspotkaart.io.glossary`) and the
method details of ``summary.json``.

A table longer than Excel's 1 048 575 data rows continues on sheets ``<name> 2``, ``<name> 3``…,
so no row is left out; only a sheet the caller marks the findings of (the grid's cells with a
melding in their window, the hot blocks of the hot times) lists just those once it is longer
than :data:`LONG_SHEET` rows, and the method stamp says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from hotspotkaart._format import nl_int
from hotspotkaart.config.settings import Periods
from hotspotkaart.io.export import output_failure
from hotspotkaart.io.glossary import describe

__all__ = ["LONG_SHEET", "MAX_ROWS", "write_workbook"]

logger = logging.getLogger(__name__)

#: Data rows per sheet: Excel's 1 048 576 rows less the header.
MAX_ROWS = 1_048_575

#: Rows beyond which a sheet lists only the rows with a finding (``findings``).
LONG_SHEET = 50_000

#: Excel's longest cell text.
_MAX_TEXT = 32_767

_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "nan_inf_to_errors": False}

#: Number formats by column name (prefix): Excel shows them in the reader's locale.
_FORMATS = (("p_value", "0.0000"), ("q_value", "0.0000"), ("gi_p", "0.0000"),
            ("gi_q", "0.0000"), ("share", "0.000"), ("gi_z", "0.00"), ("expected", "0.0"),
            ("pct_change", "0.0"), ("rate", "0.0"))

def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame], *,
                   method: Sequence[str] = (), details: Mapping[str, Any] | None = None,
                   categories: Mapping[str, str] | None = None,
                   created: datetime | None = None, periods: Periods | None = None,
                   findings: Mapping[str, tuple[npt.NDArray[np.bool_], str]] | None = None
                   ) -> None:
    """Write ``sheets`` (name to table) and a sheet ``toelichting`` into one workbook.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file to write.
    sheets : mapping of str to pandas.DataFrame
        The tables by sheet name (``buurten``, ``wijken``, ``grid``, ``zones``, ``rejected``); a
        ``geometry`` column is left out.
    method : sequence of str
        The method stamp of the maps, one line each.
    details : mapping, optional
        The ``method`` block of ``summary.json``, listed key by key.
    categories : mapping of str to str, optional
        Category slug to name, for the column notes.
    created : datetime, optional
        The creation time stored in the file (the build's, so rebuilds are identical).
    periods : Periods, optional
        The build's periods, for the column notes (:func:`~hotspotkaart.io.glossary.describe`).
    findings : mapping of str to (array of bool, str), optional
        Per sheet, which rows carry a finding and what they are (``"cellen met een melding in
        hun venster (3 × 3)"``). A sheet longer than :data:`LONG_SHEET` rows lists only those,
        and the method stamp says how many of how many: hundreds of thousands of empty grid
        cells help no reader and take the workbook minutes. The CSV holds every row.

    Raises
    ------
    OSError
        If the file cannot be written (:func:`hotspotkaart.io.export.output_failure`).
    """
    try:
        with xlsxwriter.Workbook(str(path), _OPTIONS) as book:
            book.set_properties({"title": "hotspotkaart",
                                 "created": created or datetime.now()})
            styles = _Styles(book)
            tables = {name: pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
                      for name, frame in sheets.items()}
            tables, method = _long_sheets(tables, findings or {}, method)
            _explanation(book.add_worksheet("toelichting"), styles, tables, method,
                         details or {}, categories or {}, periods)
            for name, table in tables.items():
                for part, start in enumerate(range(0, max(len(table), 1), MAX_ROWS), start=1):
                    sheet = book.add_worksheet(name if part == 1 else f"{name} {part}")
                    _table(sheet, styles, table.iloc[start:start + MAX_ROWS])
    except xlsxwriter.exceptions.FileCreateError as exc:
        raise output_failure(path, exc) from exc


def _long_sheets(tables: dict[str, pd.DataFrame],
                 findings: Mapping[str, tuple[npt.NDArray[np.bool_], str]],
                 method: Sequence[str]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Cut each sheet longer than :data:`LONG_SHEET` rows to its findings, and say so."""
    lines = list(method)
    for name, (rows, what) in findings.items():
        table = tables[name]
        if len(table) > LONG_SHEET:
            kept = table[np.asarray(rows, dtype=bool)]
            lines.append(f"Blad {name}: de {nl_int(len(kept))} van de {nl_int(len(table))} "
                         f"rijen, de {what}; alle rijen staan in {name}.csv.")
            logger.info("workbook sheet %s lists %d of %d rows", name, len(kept), len(table))
            tables = {**tables, name: kept}
    return tables, lines


class _Styles:
    """The cell formats of one workbook, made once."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#DDDDDD", "bottom": 1,
                                       "text_wrap": True, "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.date = book.add_format({"num_format": "dd-mm-yyyy"})
        self.datetime = book.add_format({"num_format": "dd-mm-yyyy hh:mm"})
        self.numbers = {code: book.add_format({"num_format": code})
                        for code in {code for _prefix, code in _FORMATS}}


def _table(sheet: Worksheet, styles: _Styles, table: pd.DataFrame) -> None:
    """One table: header, typed cells row by row (constant memory), filter, frozen header.

    A cell without a format of its own takes its column's (dates, decimals), so each row is
    one ``write_row``: numbers, booleans and dates by type, every string by ``write_string``
    (the workbook's ``strings_to_*`` options are off), missing values as empty cells.
    """
    for col, name in enumerate(table.columns):
        sheet.set_column(col, col, _width(str(name), table[name]),
                         _column_format(table[name], str(name), styles))
        sheet.write_string(0, col, str(name), styles.header)
    columns = [_values(table[name]) for name in table.columns]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(row, 0, values)
    if len(table.columns):
        sheet.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)
    sheet.freeze_panes(1, 1 if len(table.columns) > 1 else 0)


def _values(column: pd.Series) -> list[Any]:
    """Return the cells of one column as Python values; ``None`` where missing."""
    kind = column.dtype.kind
    if kind == "M":
        return [None if pd.isna(v) else v.to_pydatetime() for v in column]
    if kind == "f":
        values = column.to_numpy(dtype=float, na_value=np.nan)
        return [v if math.isfinite(v) else None for v in values.tolist()]
    if kind in "iub" and isinstance(column.dtype, np.dtype):  # not nullable: no NA to check
        return column.tolist()
    return [_cell(v) for v in column.tolist()]


def _cell(value: Any) -> Any:
    """Return a cell of a text or mixed column: text stays text, numbers stay numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        number = value.item() if isinstance(value, np.generic) else value
        return number if not isinstance(number, float) or math.isfinite(number) else None
    if isinstance(value, pd.Timestamp | datetime):
        return value
    text = str(value)
    if len(text) > _MAX_TEXT:
        logger.warning("a text in the workbook is longer than Excel allows (%d characters); it "
                       "is cut at %d, the CSV holds it whole", len(text), _MAX_TEXT)
        return text[:_MAX_TEXT]
    return text


def _column_format(column: pd.Series, name: str, styles: _Styles) -> Format | None:
    """Choose the number or date format of a column once from its dtype and name."""
    kind = column.dtype.kind
    if kind == "f":
        code = next((c for prefix, c in _FORMATS if name.startswith(prefix)), None)
        return styles.numbers[code] if code else None
    if kind == "M":
        times = column.dropna()
        has_time = bool(len(times)) and bool((times != times.dt.normalize()).any())
        return styles.datetime if has_time else styles.date
    if kind == "O" and any(isinstance(v, pd.Timestamp | datetime) for v in column.head(1000)):
        return styles.datetime
    return None


def _width(name: str, column: pd.Series) -> float:
    """Fit the width to the header and the first thousand values, 8 to 50 characters."""
    sample = column.head(1000)
    if column.dtype.kind == "M":
        longest = 16
    elif column.dtype.kind in "iufb":
        longest = max((len(f"{v:.4g}") for v in sample.dropna()), default=0)
    else:
        longest = max((len(str(v)) for v in sample.dropna()), default=0)
    return float(min(max(len(name), longest, 6) + 2, 50))


def _explanation(sheet: Worksheet, styles: _Styles, tables: Mapping[str, pd.DataFrame],
                 method: Sequence[str], details: Mapping[str, Any],
                 categories: Mapping[str, str], periods: Periods | None) -> None:
    """Write ``toelichting``: the method stamp, a row per column, the method details."""
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, 2, 30)
    sheet.set_column(3, 3, 90, styles.wrap)
    sheet.write_string(0, 0, "hotspotkaart – toelichting bij de tabellen", styles.title)
    row = 2
    sheet.write_string(row, 0, "Methode", styles.bold)
    for line in method:
        row += 1
        sheet.write_string(row, 0, line)
    row += 2
    sheet.write_string(row, 0, "Kolommen", styles.bold)
    row += 1
    for col, head in enumerate(("Blad", "Kolom", "Naam", "Betekenis")):
        sheet.write_string(row, col, head, styles.header)
    for table, column, alias, text in _column_rows(tables, categories, periods):
        row += 1
        for col, value in enumerate((table, column, alias, text)):
            if value:
                sheet.write_string(row, col, value)
    row += 2
    sheet.write_string(row, 0, "Details van de methode (zoals in summary.json)", styles.bold)
    for key, value in _flat(details):
        row += 1
        sheet.write_string(row, 1, key)
        sheet.write(row, 3, _cell(value))


def _column_rows(tables: Mapping[str, pd.DataFrame], categories: Mapping[str, str],
                 periods: Periods | None) -> Iterator[tuple[str, str, str, str]]:
    for table, frame in tables.items():
        for column in frame.columns:
            note = describe(table, str(column), categories=categories, periods=periods)
            if note is None:
                logger.debug("no explanation for column %s of %s", column, table)
                yield table, str(column), "", ""
            else:
                yield table, str(column), note.alias, note.description


def _flat(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Key paths and leaf values of a nested mapping; lists as ``; ``-joined text."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flat(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list | tuple):
        yield prefix, "; ".join(str(v) for v in value)
    else:
        yield prefix, "" if value is None else value
