"""Split the text of a delimited file into a table of strings, the first step of reading a CSV.

Bytes become text (:mod:`hotspotkaart.io.decoding`: UTF-8 with or without a byte-order mark, UTF-16,
cp1252, or UTF-8 with a few cp1252 lines, the last two with a warning). The header row chooses
the delimiter among ``;``, ``,``, tab and ``|`` (unless Excel's ``sep=`` line names it) and
must hold the configured columns. The records are split into cells with ``str.split`` or
pyarrow when no quoted cell can span lines, else with the CSV module; a stray quote in one
record costs that record only, as the reader resynchronises on the next line instead of
swallowing the rest of the file. Nothing is interpreted here: :mod:`hotspotkaart.io.incidents`
parses numbers and dates and validates the records.
"""

from __future__ import annotations

import csv
import functools
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hotspotkaart._errors import InputError
from hotspotkaart.io.decoding import decode_text, scan_encoding, text_blocks, utf16_without_bom
from hotspotkaart.io.ledger import Ledger

__all__ = ["iter_csv_text", "read_csv_text"]

logger = logging.getLogger(__name__)

_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip (xlsx, ods), OLE (xls)
_DELIMITERS = (";", ",", "\t", "|")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SEP_HINT = re.compile(r"\ufeff?\"?sep=(.)\"?")
#: The dtype of ``astype(str)``: pandas' default string type.
_STR = pd.Series([""]).astype(str).dtype


def read_csv_text(path: Path, required: list[str], label: str, ledger: Ledger
                  ) -> pd.DataFrame:
    """Read a delimited text file into a frame of strings indexed by spreadsheet row number.

    A line without any cell is not a record; a line whose cells are all blank is a record
    rejected as an empty row; a line with the wrong number of cells is a record rejected for
    its field count. The frame's ``attrs`` list those rows.

    Parameters
    ----------
    path : Path
        The file.
    required : list of str
        The columns named in the config; the header row must hold each of them once.
    label : str
        The source label, for warnings.
    ledger : Ledger
        Receives the warnings about the encoding.

    Returns
    -------
    pandas.DataFrame
        One string column per header cell (blank and repeated names numbered), indexed by
        spreadsheet row number (``row``); ``attrs["empty_rows"]`` lists the blank records and
        ``attrs["bad_rows"]`` maps each record with the wrong number of cells to a detail.

    Raises
    ------
    InputError
        If the file cannot be read, is a workbook or other binary file, is empty, or its header
        row lacks a required column or holds one twice.

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
    text = decode_text(data, label, ledger)
    if not text.strip(" \t\r\n\ufeff"):
        msg = f"{path}: the file is empty; expected a header row with {', '.join(required)}"
        raise InputError(msg)
    layout = _layout(text, required, path)
    fast = _fast_records(text[layout.body:], layout.number, layout.delimiter, len(layout.header))
    if fast is not None:
        return _string_frame(fast, layout.header)
    return _slow_frame(_LINE.findall(text), layout.number - 1, layout)


def iter_csv_text(path: Path, required: list[str], label: str, ledger: Ledger, rows: int
                  ) -> Iterator[pd.DataFrame]:
    """Read a delimited text file piece by piece, about ``rows`` records at a time.

    The pieces are :func:`read_csv_text`'s frame cut into consecutive row ranges: the same
    rows, numbers, cells, ``attrs`` (per piece) and warnings, while only one piece of the file
    is in memory. That holds as long as every line is a whole record. From the first piece in
    which a quoted cell may span lines (or a NUL or a lone carriage return occurs) to the end,
    the file is read in one piece with the resynchronising path, as :func:`read_csv_text` would.
    UTF-16 files, and files of about one piece, are read in one piece.

    Parameters
    ----------
    path, required, label, ledger
        As for :func:`read_csv_text`.
    rows : int
        Records per piece (at least 1).

    Yields
    ------
    pandas.DataFrame
        One piece of :func:`read_csv_text`'s frame.

    Raises
    ------
    InputError
        As :func:`read_csv_text`.

    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror or exc})"
        raise InputError(msg) from None
    piece = _piece_bytes(head, rows)
    if (size <= piece or head.startswith(_BINARY_MAGIC) or head.startswith((b"\xff\xfe",
                                                                            b"\xfe\xff"))
            or utf16_without_bom(head) is not None
            or not head.strip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").strip()):
        yield read_csv_text(path, required, label, ledger)
        return
    encoding = scan_encoding(path, label, ledger)
    # blocks of an eighth of a piece: a piece then holds from rows to 9/8 × rows lines
    blocks = text_blocks(path, encoding, max(piece // _BLOCKS_PER_PIECE, _MIN_BLOCK))
    first = next(blocks)
    while sum(bool(line.strip(" \t\r\n\ufeff")) for line, _ in _head_lines(first)) < 2:
        more = next(blocks, None)  # the header row (or sep= line and header) in one block
        if more is None:
            break
        first += more
    layout = _layout(first, required, path)
    number, held = layout.number, [first[layout.body:]]
    lines = held[0].count("\n")
    for block in itertools.chain(blocks, [None]):
        if block is not None and lines < rows:
            held.append(block)
            lines += block.count("\n")
            continue
        pending = "".join(held)
        if not pending:
            return
        fast = _fast_records(pending, number, layout.delimiter, len(layout.header))
        if fast is None:  # a record may span lines from here on: the rest in one piece
            rest = pending + "".join(b for b in itertools.chain([block], blocks) if b)
            logger.info("%s: read from row %d on in one piece (a quoted cell may span lines)",
                        label, number)
            yield _slow_frame(_LINE.findall(rest), 0, layout, offset=number - 1)
            return
        yield _string_frame(fast, layout.header)
        number += lines
        held = [block] if block else []
        lines = block.count("\n") if block else 0
        if block is None:
            return


#: Bytes read to recognise a file and to estimate its line length.
_HEAD_BYTES = 1 << 16
#: Fewest bytes read at a time (the first block must hold the header row and the line after).
_MIN_BLOCK = 1 << 12
#: Blocks read per piece of about ``rows`` lines.
_BLOCKS_PER_PIECE = 8


def _piece_bytes(head: bytes, rows: int) -> int:
    """Estimate the bytes that hold ``rows`` lines from the lines of ``head``."""
    lines = max(head.count(b"\n"), 1)
    return max(int(len(head) / lines * rows), 1)


@dataclass(frozen=True)
class _Layout:
    """Where the records of a text start and how they are split."""

    body: int  # offset of the text just past the header row's line break
    number: int  # spreadsheet row number of the first line after the header row
    delimiter: str
    header: list[str]


def _layout(text: str, required: list[str], path: Path) -> _Layout:
    """Find the header row (after blank lines and Excel's ``sep=`` line) and the delimiter."""
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
    return _Layout(head[first][1], first + 2, delimiter, header)


def _slow_frame(lines: list[str], start: int, layout: _Layout, offset: int = 0) -> pd.DataFrame:
    """Split ``lines[start:]`` with the resynchronising parser (:func:`_records`) into a frame.

    ``offset`` is the number of file lines before ``lines[0]``.
    """
    header = layout.header
    rows: list[list[str]] = []
    numbers: list[int] = []
    empty: list[int] = []
    bad: dict[int, str] = {}
    for number, cells in _records(lines, start, layout.delimiter, len(header)):
        if not cells:
            continue  # a line without any cell is not a record
        number += offset
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
    """Build the frame of strings that :func:`read_csv_text` returns from ``records``."""
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
