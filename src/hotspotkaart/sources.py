"""Read and validate overlast meldingen from CSV or vector files.

Real exports are messy: Dutch Excel writes ``;``-separated CSV with decimal commas in cp1252,
UTF-8 with a byte-order mark or UTF-16 ("Unicode-tekst"), dates as ``dd-mm-jjjj`` with or
without a time, and coordinates in RD New or WGS84 (sometimes with the two axes swapped). This
module reads all of that, places every record in RD New (EPSG:28992) with the CRS that
:mod:`hotspotkaart.crs` decides on, and rejects what cannot be placed or dated — with a reason
in the :class:`~hotspotkaart.accounting.Ledger`, never silently and never by guessing. A stray
quote in one record costs that record only: the reader resynchronises on the next line instead
of swallowing the rest of the file.
"""

from __future__ import annotations

import csv
import functools
import itertools
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart._naming import category_slug
from hotspotkaart.accounting import Ledger, Reason, source_labels
from hotspotkaart.config import IncidentSource, Periods
from hotspotkaart.crs import RD, in_netherlands, resolve_crs, to_rd

__all__ = [
    "check_category_slugs",
    "parse_dates",
    "parse_numbers",
    "read_incidents",
]

logger = logging.getLogger(__name__)

_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".zip", ".gdb"}
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip (xlsx, ods), OLE (xls)
_DELIMITERS = (";", ",", "\t", "|")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SEP_HINT = re.compile(r"\ufeff?\"?sep=(.)\"?")

_DATE_FORMATS = (
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S.%f",
)
_DATE_SHAPE = re.compile(
    r"^\s*(?:\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)
_TZ_SUFFIX = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
#: Dates outside this range cannot be held by the nanosecond datetimes used downstream.
_EARLIEST = pd.Timestamp.min.ceil("D")
_LATEST = pd.Timestamp.max.floor("D")
#: The dtype of ``astype(str)``: pandas' default string type.
_STR = pd.Series([""]).astype(str).dtype


@dataclass(frozen=True)
class _Parsed:
    """The columns of one source after parsing, indexed by row number."""

    frame: pd.DataFrame  # columns: melding_id, date_text, category, x, y (float), x/y_text
    crs: str



def read_incidents(sources: tuple[IncidentSource, ...], periods: Periods, ledger: Ledger
                   ) -> gpd.GeoDataFrame:
    """Read every incident source into one GeoDataFrame of candidate meldingen in RD New.

    Parameters
    ----------
    sources : tuple of IncidentSource
        The ``[[incidents]]`` entries of the configuration.
    periods : Periods
        The two periods; meldingen dated in neither are rejected.
    ledger : Ledger
        Receives the records read and every rejection.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``source``, ``row``, ``melding_id``, ``date``, ``period``, ``category`` and
        point geometry in EPSG:28992; one row per record that could be placed and dated.

    Raises
    ------
    InputError
        If a file cannot be read at all, lacks a configured column, or its coordinates do not
        fit its declared CRS.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    frames = [_read_one(source, label, periods, ledger)
              for source, label in zip(sources, labels, strict=True)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty_incidents()
    combined = pd.concat(frames, ignore_index=True)
    combined = _reject_duplicate_ids(combined, ledger)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=RD)


def check_category_slugs(incidents: pd.DataFrame, sources: tuple[IncidentSource, ...]) -> None:
    """Refuse two different categories that would get the same output column name.

    The outputs have a column per category named by :func:`~hotspotkaart._naming.category_slug`
    (e.g. ``count_2024_drugs_overlast``), so ``"Drugs overlast"`` and ``"drugs-overlast"``
    cannot be kept apart. The error names the file, column and row where each of them first
    occurs, so that the user can rename one.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen as returned by :func:`read_incidents` (columns ``source``, ``row`` and
        ``category``, in config and row order).
    sources : tuple of IncidentSource
        The ``[[incidents]]`` entries the meldingen were read from.

    Raises
    ------
    InputError
        If two different categories have the same slug.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    by_label = dict(zip(labels, sources, strict=True))
    firsts = incidents.drop_duplicates("category")
    by_slug: dict[str, list[tuple[str, str, int]]] = {}
    for category, label, row in zip(firsts["category"].astype(str), firsts["source"],
                                    firsts["row"], strict=True):
        by_slug.setdefault(category_slug(category), []).append((category, str(label), int(row)))
    for slug, found in by_slug.items():
        if len(found) < 2:
            continue
        files = {label for _, label, _ in found}
        if len(files) == 1:
            source = by_label[found[0][1]]
            where = f"{_describe(source)}: the categories "
            named = [f"{category!r} (row {row})" for category, _, row in found]
            column = f" in column {source.category!r}"
        else:
            where, column = "the categories ", ""
            named = [f"{category!r} ({_describe(by_label[label])}, column "
                     f"{by_label[label].category!r}, row {row})"
                     for category, label, row in found]
        listed = ", ".join(named[:-1]) + f" and {named[-1]}"
        verb = "both become" if len(found) == 2 else "all become"
        msg = (f"{where}{listed}{column} {verb} the output column name {slug!r}; rename one "
               "of them in the input so that they differ in more than upper/lower case, "
               "accents or punctuation")
        raise InputError(msg)


def _describe(source: IncidentSource) -> str:
    """Name the file (and layer) of ``source`` as error messages do."""
    return f"{source.path} (layer {source.layer!r})" if source.layer else str(source.path)


def _empty_incidents() -> gpd.GeoDataFrame:
    columns = {"source": "str", "row": "int64", "melding_id": "str",
               "date": "datetime64[ns]", "period": "int64", "category": "str"}
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=RD), crs=RD)


def _read_one(source: IncidentSource, label: str, periods: Periods, ledger: Ledger
              ) -> pd.DataFrame:
    suffix = source.path.suffix.lower()
    if suffix in _SPREADSHEET_SUFFIXES:
        msg = (f"{source.path}: is a spreadsheet workbook, not a CSV or vector file; save it "
               "from Excel as 'CSV (gescheiden door lijstscheidingsteken)' and point the "
               "config at that file")
        raise InputError(msg)
    if suffix in _VECTOR_SUFFIXES or source.path.is_dir():
        raw, parsed = _read_vector(source, label, ledger)
    else:
        raw = _read_csv_text(source.path, _required_columns(source), label, ledger)
        parsed = _parse_table(raw, source, label, ledger)
    ledger.register("incidents", label, raw)
    if raw.empty:
        ledger.warn(f"{label}: the file holds no records; check that it is the right export")
    frame = _validate(parsed, label, periods, ledger)
    frame.insert(0, "source", label)
    logger.info("%s: %d records read, %d usable so far", label, len(raw), len(frame))
    return frame


def _required_columns(source: IncidentSource) -> list[str]:
    cols = [source.date, source.category]
    cols += [c for c in (source.x, source.y, source.id) if c]
    return cols


# -- CSV ----------------------------------------------------------------------------------------


def _read_csv_text(path: Path, required: list[str], label: str, ledger: Ledger
                   ) -> pd.DataFrame:
    """Read a delimited text file into a frame of strings indexed by spreadsheet row number.

    A line without any cell is not a record; a line whose cells are all blank is a record
    rejected as an empty row; a line with the wrong number of cells is a record rejected for
    its field count. The frame's ``attrs`` list those rows.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror or exc})"
        raise InputError(msg) from None
    if data.startswith(_BINARY_MAGIC):
        msg = (f"{path}: is a spreadsheet workbook or other binary file, not CSV text; save it "
               "from Excel as 'CSV (gescheiden door lijstscheidingsteken)'")
        raise InputError(msg)
    text = _decode(data, label, ledger)
    if not text.strip(" \t\r\n\ufeff"):
        msg = f"{path}: the file is empty; expected a header row with {', '.join(required)}"
        raise InputError(msg)
    head = _head_lines(text)
    first = 0
    while not head[first][0].strip(" \t\r\n\ufeff"):
        first += 1  # leading blank lines
    hint = _SEP_HINT.fullmatch(head[first][0].rstrip("\r\n"))
    if hint and first + 1 < len(head):
        first += 1  # Excel's "sep=;" line names the separator
    header_line = head[first][0].rstrip("\r\n")
    delimiter = _choose_delimiter(header_line, required, path,
                                  only=hint.group(1) if hint else None)
    header = _unique_header(_split_line(header_line, delimiter), required, path)
    fast = _fast_records(text[head[first][1]:], first + 2, delimiter, len(header))
    if fast is not None:
        return _string_frame(fast, header)
    lines = _LINE.findall(text)
    rows: list[list[str]] = []
    numbers: list[int] = []
    empty: list[int] = []
    bad: dict[int, str] = {}
    for number, cells in _records(lines, first + 1, delimiter, len(header)):
        if not cells:
            continue  # a line without any cell is not a record
        if not any(cell.strip() for cell in cells):
            empty.append(number)
        elif len(cells) != len(header):
            bad[number] = f"{len(cells)} velden, de kopregel heeft er {len(header)}"
        rows.append((cells + [""] * len(header))[: len(header)])
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(numbers, name="row"), dtype=object)
    frame = frame.fillna("").astype(str)
    frame.attrs["empty_rows"] = empty
    frame.attrs["bad_rows"] = bad
    return frame


def _head_lines(text: str) -> list[tuple[str, int]]:
    """Return the first lines of ``text``, up to its second non-blank line.

    Each line comes with the offset just past its line break, so that the caller can take the
    rest of the text from there without splitting all of it the slow way.
    """
    head: list[tuple[str, int]] = []
    seen = 0  # non-blank lines
    for match in _LINE.finditer(text):
        line = match.group()
        head.append((line, match.end()))
        seen += bool(line.strip(" \t\r\n\ufeff"))
        if seen == 2:
            break
    return head


@dataclass(frozen=True)
class _Records:
    """The records of a delimited text, column by column."""

    columns: list[Any]  # per column a list of str or a pyarrow string array
    numbers: list[int]
    empty: list[int]
    bad: dict[int, str]


def _fast_records(body: str, number: int, delimiter: str, n_fields: int) -> _Records | None:
    r"""Split the records after the header row when no quoted cell can span lines.

    This gives exactly what :func:`_records` gives, but splits plain lines with ``str.split``
    and parses only the lines holding a quote with the CSV module. It applies when every line
    ends in ``\n`` or ``\r\n``, no line holds a NUL, and every line that holds a quote is
    one complete record under the CSV module's strict rules (then no record spans lines and no
    quote is stray). Otherwise it returns None and the caller takes the resynchronising path.

    Parameters
    ----------
    body : str
        The text after the header row's line break.
    number : int
        The spreadsheet row number of the first line of ``body``.
    delimiter : str
        The cell separator.
    n_fields : int
        The number of header cells.

    """
    if "\x00" in body or body.count("\r") != body.count("\r\n"):
        return None
    if _pyarrow() is not None:
        return _arrow_records(body.replace("\r\n", "\n"), number, delimiter, n_fields)
    lines = body.replace("\r\n", "\n").split("\n")
    if lines and not lines[-1]:
        lines.pop()  # the final line break ends the last line; it does not start a new one
    cells = [line.split(delimiter) for line in lines]
    if '"' in body:
        for i, line in enumerate(lines):
            if '"' in line:
                row = _strict_row(line, delimiter)
                if row is None:
                    return None
                cells[i] = row
    numbers = list(range(number, number + len(lines)))
    if not all(lines):  # a line without any cell is not a record
        kept = [i for i, line in enumerate(lines) if line]
        cells = [cells[i] for i in kept]
        numbers = [numbers[i] for i in kept]
    blank = [not "".join(row).strip() for row in cells]
    empty = list(itertools.compress(numbers, blank))
    bad: dict[int, str] = {}
    for i, row in enumerate(cells):
        if len(row) != n_fields:
            if not blank[i]:
                bad[numbers[i]] = f"{len(row)} velden, de kopregel heeft er {n_fields}"
            cells[i] = (row + [""] * n_fields)[:n_fields]
    columns = ([list(column) for column in zip(*cells, strict=True)] if cells
               else [[] for _ in range(n_fields)])
    return _Records(columns, numbers, empty, bad)


def _strict_row(line: str, delimiter: str) -> list[str] | None:
    """Parse ``line`` as one record under the CSV module's strict rules.

    Parameters
    ----------
    line : str
        One line without its line break.
    delimiter : str
        The cell separator.

    Returns
    -------
    list of str or None
        The cells, or None when the line is not exactly one complete record (a stray quote, a
        quoted cell left open, or anything else the strict parser rejects).

    """
    try:
        parsed = list(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return None
    if len(parsed) != 1:
        return None
    return parsed[0]


def _pyarrow() -> Any:
    """Return the ``pyarrow`` module, or None when it is not installed."""
    try:
        import pyarrow as pa  # optional dependency
    except ImportError:
        return None
    return pa


def _arrow_records(body: str, number: int, delimiter: str, n_fields: int) -> _Records | None:
    r"""Do what :func:`_fast_records` does, with pyarrow: split column-wise in C++.

    ``body`` has ``\n`` line breaks only and no NUL. Lines with the header's number of cells
    and no quote are split by pyarrow; the few others (quoted, short, long) one by one in
    Python exactly as :func:`_fast_records` does.
    """
    import pyarrow as pa  # optional dependency
    import pyarrow.compute as pc

    try:
        text = pa.array([body], pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException):  # e.g. a lone surrogate
        return None
    lines = pc.split_pattern(text, "\n").flatten()
    if len(lines) and not lines[len(lines) - 1].as_py():
        lines = lines.slice(0, len(lines) - 1)  # the final line break ends the last line
    numbers = np.arange(number, number + len(lines), dtype=np.int64)
    present = pc.not_equal(lines, "").to_numpy(zero_copy_only=False)
    if not present.all():  # a line without any cell is not a record
        lines = lines.filter(pa.array(present))
        numbers = numbers[present]
    cells = pc.split_pattern(lines, delimiter)
    counts = pc.list_value_length(cells).to_numpy(zero_copy_only=False)
    quoted = pc.match_substring(lines, '"').to_numpy(zero_copy_only=False)
    blank = pc.match_substring_regex(lines, _blank_pattern(delimiter)).to_numpy(
        zero_copy_only=False).copy()
    regular = (counts == n_fields) & ~quoted
    odd = np.flatnonzero(~regular)
    odd_rows: list[list[str]] = []
    bad: dict[int, str] = {}
    for i in odd.tolist():
        line = lines[i].as_py()
        row = line.split(delimiter)
        if quoted[i]:
            strict = _strict_row(line, delimiter)
            if strict is None:
                return None
            row = strict
        blank[i] = not "".join(row).strip()
        if len(row) != n_fields and not blank[i]:
            bad[int(numbers[i])] = f"{len(row)} velden, de kopregel heeft er {n_fields}"
        odd_rows.append((row + [""] * n_fields)[:n_fields])
    plain = cells.filter(pa.array(regular))
    columns: list[Any] = [pc.list_element(plain, k) for k in range(n_fields)]
    if len(odd):
        order = pa.array(np.argsort(np.concatenate([np.flatnonzero(regular), odd]),
                                    kind="stable"))
        columns = [pa.concat_arrays([column.cast(pa.large_string()),
                                     pa.array([r[k] for r in odd_rows], pa.large_string())]
                                    ).take(order)
                   for k, column in enumerate(columns)]
    return _Records(columns, numbers.tolist(), numbers[blank].tolist(), bad)


@functools.cache
def _blank_pattern(delimiter: str) -> str:
    """Return an RE2 pattern for a line of only delimiters and (Python's) white space."""
    # every character for which str.isspace() holds lies below U+3001 (Unicode White_Space)
    chars = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + delimiter
    return "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]*$"


def _string_frame(records: _Records, header: list[str]) -> pd.DataFrame:
    """Build the frame of strings that :func:`_read_csv_text` returns from ``records``."""
    index = pd.Index(records.numbers, name="row", dtype="int64")
    if not records.numbers:
        frame = pd.DataFrame([], columns=header, index=index, dtype=object)
        frame = frame.fillna("").astype(str)
    else:
        frame = pd.DataFrame({i: pd.array(column, dtype=_STR)
                              for i, column in enumerate(records.columns)}, index=index)
        frame.columns = pd.Index(header)
    frame.attrs["empty_rows"] = records.empty
    frame.attrs["bad_rows"] = records.bad
    return frame


def _records(lines: list[str], start: int, delimiter: str, n_fields: int
             ) -> list[tuple[int, list[str]]]:
    """Split ``lines[start:]`` into (row number, cells); row 1 is the file's first line.

    A quoted cell may span lines. When such a record does not have ``n_fields`` cells, or the
    CSV parser gives up on it, the quote was most likely a stray one: the record's first line
    is taken on its own and parsing resumes on the next line, so one bad quote cannot swallow
    the rest of the file.
    """
    records: list[tuple[int, list[str]]] = []
    while start < len(lines):
        reader = csv.reader((lines[i] for i in range(start, len(lines))), delimiter=delimiter)
        done = 0  # physical lines consumed by complete records
        resync: int | None = None
        try:
            for cells in reader:
                first, last = start + done, start + reader.line_num - 1
                done = reader.line_num
                if last > first and len(cells) != n_fields:
                    resync = first
                    break
                records.append((last + 1, cells))
        except csv.Error:
            resync = start + done
        if resync is None:
            break
        records.append((resync + 1, _split_line(lines[resync], delimiter)))
        start = resync + 1
    return records


def _split_line(line: str, delimiter: str) -> list[str]:
    text = line.rstrip("\r\n")
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:  # e.g. a cell longer than the csv module's field limit
        return text.split(delimiter)


def _unique_header(cells: list[str], required: list[str], path: Path) -> list[str]:
    """Clean header names; name blank ones ``kolom_<n>`` and number repeated ones."""
    names = [cell.strip().strip("\ufeff").strip() for cell in cells]
    counts = Counter(names)
    for column in required:
        if counts[column] > 1:
            msg = (f"{path}: the column {column!r} named in the config occurs "
                   f"{counts[column]} times in the header row; rename the extra column(s)")
            raise InputError(msg)
    taken = set(names)
    unique: list[str] = []
    for i, name in enumerate(names, start=1):
        if name and name not in unique:
            unique.append(name)
            continue
        options = (f"{name}_{k}" if name else f"kolom_{i}" + (f"_{k}" if k > 1 else "")
                   for k in itertools.count(2 if name else 1))
        unique.append(next(c for c in options if c not in unique and c not in taken))
    return unique


def _decode(data: bytes, label: str, ledger: Ledger) -> str:
    encoding = ("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff"))
                else _utf16_without_bom(data))
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded = []
    cp1252 = utf8 = 0  # lines that need cp1252; lines with non-ASCII that are valid UTF-8
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            utf8 += not line.isascii()
        except UnicodeDecodeError:
            decoded.append(line.decode("cp1252", errors="replace"))
            cp1252 += 1
    if utf8:
        ledger.warn(f"{label}: {cp1252} line(s) read as cp1252 (Windows) text in an otherwise "
                    "UTF-8 file; save the file as UTF-8 to avoid this")
        return "\n".join(decoded)
    ledger.warn(f"{label}: not UTF-8; read as cp1252 (Windows) text")
    return data.decode("cp1252", errors="replace")


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise UTF-16 without byte-order mark: ASCII text with every other byte zero."""
    sample = data[:2000]
    half = len(sample) // 2
    if half < 4:
        return None
    even, odd = sample[0:2 * half:2].count(0), sample[1:2 * half:2].count(0)
    if odd >= 0.9 * half and even <= 0.1 * half:
        return "utf-16-le"
    if even >= 0.9 * half and odd <= 0.1 * half:
        return "utf-16-be"
    return None


def _choose_delimiter(header: str, required: list[str], path: Path, *, only: str | None = None
                      ) -> str:
    candidates = [only] if only else sorted(_DELIMITERS, key=lambda d: -header.count(d))
    for delimiter in candidates:
        fields = {f.strip().strip('"').strip("\ufeff") for f in _split_line(header, delimiter)}
        if all(col in fields for col in required):
            return delimiter
    best = candidates[0]
    found = [f.strip() for f in _split_line(header, best)]
    missing = [c for c in required if c not in found]
    shown = ", ".join(repr(f) for f in found[:8]) + (" …" if len(found) > 8 else "")
    msg = (f"{path}: column(s) {', '.join(repr(m) for m in missing)} named in the config are not "
           f"in the header row (found {shown}); check the column names and the separator "
           "(';' or ',')")
    raise InputError(msg)


def _parse_table(raw: pd.DataFrame, source: IncidentSource, label: str, ledger: Ledger
                 ) -> _Parsed:
    frame = pd.DataFrame(index=raw.index)
    frame["melding_id"] = raw[source.id].str.strip() if source.id else ""
    frame["date_text"] = raw[source.date]
    frame["category"] = raw[source.category].str.strip()
    if source.x and source.y:
        frame["x_text"] = raw[source.x]
        frame["y_text"] = raw[source.y]
    else:
        msg = (f"{source.path}: a CSV file needs coordinate columns; "
               "set x/y or lon/lat in the config")
        raise InputError(msg)
    frame["x"] = parse_numbers(frame["x_text"])
    frame["y"] = parse_numbers(frame["y_text"])
    frame.attrs["empty_rows"] = raw.attrs.get("empty_rows", [])
    frame.attrs["bad_rows"] = raw.attrs.get("bad_rows", {})
    choice = resolve_crs(frame["x"].to_numpy(float), frame["y"].to_numpy(float),
                         file_crs=None, config_crs=source.crs, path=source.path, label=label,
                         ledger=ledger)
    return _Parsed(_swapped(frame, choice.swap), choice.crs)


def _swapped(frame: pd.DataFrame, swap: bool) -> pd.DataFrame:
    if not swap:
        return frame
    return frame.rename(columns={"x": "y", "y": "x", "x_text": "y_text", "y_text": "x_text"})


# -- vector files ---------------------------------------------------------------------------------


def _read_vector(source: IncidentSource, label: str, ledger: Ledger
                 ) -> tuple[pd.DataFrame, _Parsed]:
    try:
        gdf = gpd.read_file(source.path, layer=source.layer)
    except Exception as exc:  # pyogrio raises several unrelated types
        msg = f"{source.path}: cannot be read as a vector file ({_one_line(exc)})"
        raise InputError(msg) from None
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    attributes = [c for c in gdf.columns if c != gdf.geometry.name]
    missing = [c for c in (source.date, source.category, source.id) if c and c not in gdf.columns]
    if missing and not (gdf.empty and not attributes):  # an empty GeoJSON has no schema
        found = ", ".join(repr(c) for c in attributes)
        msg = (f"{source.path}: column(s) {', '.join(repr(m) for m in missing)} named in the "
               f"config are not in the file (found {found or 'no attribute columns'})")
        raise InputError(msg)
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    raw["geometry_wkt"] = gdf.geometry.to_wkt()
    frame = pd.DataFrame(index=gdf.index)
    if gdf.empty:
        for column in ("melding_id", "date_text", "category", "x_text", "y_text"):
            frame[column] = pd.Series(dtype=object)
        frame["x"] = frame["y"] = pd.Series(dtype=float)
        frame["geom_type"] = pd.Series(dtype=object)
        return raw, _Parsed(frame, source.crs or RD)
    frame["melding_id"] = _id_text(gdf[source.id]) if source.id else ""
    dates = gdf[source.date]
    frame["date_text"] = (dates if pd.api.types.is_datetime64_any_dtype(dates)
                          else dates.where(dates.notna(), "").astype(str))
    frame["category"] = gdf[source.category].where(gdf[source.category].notna(), "").astype(
        str).str.strip()
    geoms = pd.Series(_single_points(gdf.geometry.to_numpy()), index=gdf.index)
    present = geoms.notna() & ~shapely.is_empty(geoms.to_numpy())
    is_point = present & (shapely.get_type_id(geoms.to_numpy()) == 0)
    points = shapely.force_2d(np.where(is_point, geoms.to_numpy(), None))
    frame["x"] = np.where(is_point, shapely.get_x(points), np.nan)
    frame["y"] = np.where(is_point, shapely.get_y(points), np.nan)
    frame["x_text"] = np.where(present, "geometry", "")
    frame["y_text"] = frame["x_text"]
    frame["geom_type"] = [g.geom_type if p and not q else ""
                          for g, p, q in zip(geoms, present, is_point, strict=True)]
    file_crs = gdf.crs.to_string() if gdf.crs is not None else None
    choice = resolve_crs(frame["x"].to_numpy(float), frame["y"].to_numpy(float),
                         file_crs=file_crs, config_crs=source.crs, path=source.path,
                         label=label, ledger=ledger)
    return raw, _Parsed(_swapped(frame, choice.swap), choice.crs)


def _single_points(geoms: np.ndarray) -> np.ndarray:
    """Turn one-part MultiPoints (common in shapefiles) into Points; leave the rest."""
    out = geoms.copy()
    multi = shapely.get_type_id(geoms) == 4  # GEOS type id of MultiPoint
    single = multi & (shapely.get_num_geometries(geoms) == 1)
    out[single] = shapely.get_geometry(geoms[single], 0)
    return out


def _id_text(values: pd.Series) -> pd.Series:
    """Melding ids as text: missing stays empty, whole numbers lose a trailing ``.0``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & np.isfinite(values) & (values % 1 == 0)
        text = values.astype(str)
        text[whole] = values[whole].astype("int64").astype(str)
    else:
        text = values.astype(str)
    return text.where(values.notna(), "").str.strip()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".")


# -- validation -----------------------------------------------------------------------------------


def _validate(parsed: _Parsed, label: str, periods: Periods, ledger: Ledger) -> pd.DataFrame:
    """Apply the record checks in order; each record is rejected for its first failing check."""
    frame = parsed.frame
    keep = pd.Series(True, index=frame.index)

    def reject(mask: pd.Series, reason: str,
               detail: pd.Series | str | Callable[[pd.Series], pd.Series] = "") -> None:
        nonlocal keep
        hit = mask & keep
        if hit.any():
            if callable(detail):  # built for the rejected rows only
                detail = detail(hit)
            details = detail[hit] if isinstance(detail, pd.Series) else detail
            ledger.reject("incidents", label, frame.index[hit], reason, details)
        keep &= ~hit

    def rows(key: str) -> pd.Series:
        return pd.Series(frame.index.isin(list(frame.attrs.get(key, []))), index=frame.index)

    reject(rows("empty_rows"), Reason.EMPTY_ROW)
    counts = pd.Series(frame.attrs.get("bad_rows", {}), dtype=object)
    reject(rows("bad_rows"), Reason.FIELD_COUNT, counts.reindex(frame.index).fillna(""))
    dates, date_problem = parse_dates(frame["date_text"])
    date_text = frame["date_text"].astype(str)
    reject(date_problem == "missing", Reason.DATE_MISSING)
    reject(date_problem == "impossible", Reason.DATE_IMPOSSIBLE, date_text)
    reject(date_problem == "unreadable", Reason.DATE_UNREADABLE, date_text)
    empty_xy = (frame["x_text"].astype(str).str.strip() == "") | (
        frame["y_text"].astype(str).str.strip() == "")
    reject(empty_xy, Reason.COORD_MISSING)
    if "geom_type" in frame:
        reject(frame["geom_type"] != "", Reason.NOT_POINT, frame["geom_type"].astype(str))
    reject(frame["x"].isna() | frame["y"].isna(), Reason.COORD_UNREADABLE,
           lambda hit: (frame.loc[hit, "x_text"].astype(str) + " ; "
                        + frame.loc[hit, "y_text"].astype(str)))
    x, y = to_rd(frame["x"].to_numpy(float), frame["y"].to_numpy(float), parsed.crs)
    inside_nl = pd.Series(in_netherlands(x, y), index=frame.index)
    reject(~inside_nl, Reason.OUTSIDE_NL,
           lambda hit: (f"gelezen als {parsed.crs}: " + frame.loc[hit, "x"].astype(str) + ", "
                        + frame.loc[hit, "y"].astype(str)))
    reject(frame["category"].fillna("") == "", Reason.CATEGORY_MISSING)
    year = dates.dt.year
    reject(~year.isin(periods.years), Reason.OUT_OF_PERIOD,
           lambda hit: dates[hit].dt.strftime("%Y-%m-%d").where(dates[hit].notna(),
                                                                date_text[hit]))
    out = pd.DataFrame({
        "row": frame.index[keep].astype("int64"),
        "melding_id": frame.loc[keep, "melding_id"].astype(str).to_numpy(),
        "date": dates[keep].to_numpy(),
        "period": year[keep].astype("int64").to_numpy(),
        "category": frame.loc[keep, "category"].astype(str).to_numpy(),
        "geometry": shapely.points(x[keep.to_numpy()], y[keep.to_numpy()]),
    })
    return out


def _reject_duplicate_ids(frame: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    ids = frame["melding_id"]
    has_id = ids.fillna("") != ""
    dup = has_id & ids.duplicated(keep="first")
    if dup.any():
        first = frame[has_id].drop_duplicates("melding_id").set_index("melding_id")
        for source, group in frame[dup].groupby("source", sort=False):
            details = [f"eerder in {first.at[i, 'source']} rij {first.at[i, 'row']}"
                       for i in group["melding_id"]]
            ledger.reject("incidents", str(source), group["row"], Reason.DUPLICATE_ID, details)
    return frame[~dup].reset_index(drop=True)


# -- parsing helpers (public: the property tests exercise them) ----------------------------------


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers written with a decimal point or a Dutch decimal comma.

    ``"105233,4"``, ``"105233.4"``, ``"105.233,4"`` and ``"105,233.4"`` all give 105233.4;
    spaces (also non-breaking ones) between digit groups are ignored. Anything else becomes
    NaN; nothing raises.

    Parameters
    ----------
    values : pandas.Series
        Text (or numbers) to parse.

    Returns
    -------
    pandas.Series
        Floats, NaN where the text is not a finite number.

    """
    text = values.astype(str).str.strip()
    for space in (" ", "\u00a0", "\u202f"):  # literal replaces stay vectorised on arrow strings
        text = text.str.replace(space, "", regex=False)
    has_comma = text.str.contains(",", regex=False)
    has_dot = text.str.contains(".", regex=False)
    comma_last = text.str.contains(r",[^.]*$")  # the last comma comes after the last dot
    dutch = has_comma & (~has_dot | comma_last)
    english = has_comma & has_dot & ~comma_last
    text = text.mask(dutch, text.str.replace(".", "", regex=False).str.replace(",", ".",
                                                                              regex=False))
    text = text.mask(english, text.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)"
                                                          r"(?:[eE][+-]?\d+)?")),
                            errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers))


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse Dutch and ISO dates; say why a value could not be parsed.

    Accepted: ``dd-mm-jjjj``, ``dd-mm-jjjj hh:mm[:ss]`` (also with ``/`` or ``.``), ISO 8601 dates
    and times; a time-zone suffix is converted to Dutch local time. Day-first only: ``03-07-2023``
    is 3 July.

    Parameters
    ----------
    values : pandas.Series
        Text or datetimes.

    Returns
    -------
    dates : pandas.Series
        Naive local datetimes (NaT where not parsed).
    problem : pandas.Series
        ``""`` where parsed, else ``"missing"``, ``"impossible"`` (the shape of a date but no
        such day, e.g. 31-02-2024), ``"unreadable"``, or ``"too_early"`` / ``"too_late"`` for a
        real date before 1677-09-22 or after 2262-04-11 (e.g. the placeholder 31-12-9999),
        which the nanosecond datetimes cannot hold.

    """
    if pd.api.types.is_datetime64_any_dtype(values):
        work = values
        if getattr(work.dt, "tz", None) is not None:
            work = work.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        work = work.astype("datetime64[us]")
        text = pd.Series(np.where(work.isna(), "", "datum"), index=values.index)
    else:
        text = values.where(values.notna(), "").astype(str).str.strip()
        work = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        todo = text != ""
        with_tz = todo & text.str.contains(_TZ_SUFFIX)
        if with_tz.any():
            aware = pd.to_datetime(text[with_tz], format="ISO8601", errors="coerce", utc=True)
            local = aware.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
            work[with_tz] = local.astype("datetime64[us]")
            todo &= ~with_tz
        colons = text.str.count(":")  # no directive used here matches ':', so a text can only
        for fmt in _DATE_FORMATS:     # match a format with as many (saves failing on all rows)
            if not todo.any():
                break
            candidates = todo & (colons == fmt.count(":"))
            if not candidates.any():
                continue
            parsed = pd.to_datetime(text[candidates], format=fmt, errors="coerce")
            ok = parsed.notna()
            work[parsed.index[ok]] = parsed[ok].astype("datetime64[us]")
            todo[parsed.index[ok]] = False
    too_early = work.notna() & (work < _EARLIEST)
    too_late = work.notna() & (work > pd.Timestamp.max)
    fits = work.notna() & ~too_early & ~too_late
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    dates[fits] = work[fits].astype("datetime64[ns]")
    problem = pd.Series("", index=values.index, dtype=object)
    problem[text == ""] = "missing"
    failed = work.isna() & (text != "")
    shaped = pd.Series(False, index=values.index)
    shaped[failed] = text[failed].str.match(_DATE_SHAPE).astype(bool)
    problem[failed & shaped] = "impossible"
    problem[failed & ~shaped] = "unreadable"
    problem[too_early] = "too_early"
    problem[too_late] = "too_late"
    return dates, problem
