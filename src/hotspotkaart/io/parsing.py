"""Parse the numbers and dates of Dutch exports, column by column.

Excel in the Netherlands writes decimal commas, sometimes spaces between groups of digits, and
dates as ``dd-mm-jjjj`` with or without a time; other exports use ISO dates with a time zone. The
parsers take a column of text and give numbers or datetimes, and say per value what was wrong,
so that :mod:`hotspotkaart.io.incidents` and :mod:`hotspotkaart.io.zones` can reject a record with
its
reason instead of guessing.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["MIN_DATES_TO_TELL", "date_order", "formatted_dates", "has_time", "parse_dates",
           "parse_numbers", "parse_with_format"]

_DATE_FORMATS = (
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",  # SQL Server's datetime: 2023-06-01 12:00:00.000
    "%d-%m-%Y %H:%M:%S.%f",
)
#: The day and month of a date written with the year last: ``03-07-2023``, ``7/3/2023``.
_YEAR_LAST = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}")

_DATE_SHAPE = re.compile(
    r"^\s*(?:\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$"
)
_TZ_SUFFIX = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
#: Dates outside this range cannot be held by the nanosecond datetimes used downstream.
_EARLIEST = pd.Timestamp.min.ceil("D")
_LATEST = pd.Timestamp.max.floor("D")



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
    plain = _plain_numbers(values)
    if plain is not None:
        return plain
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


#: Digits with at most one decimal point or comma: what an export of coordinates mostly holds.
_PLAIN_NUMBER = r"^[0-9]+(?:[.,][0-9]+)?$"


def _plain_numbers(values: pd.Series) -> pd.Series | None:
    """Return :func:`parse_numbers` of a text column in which every value is a plain number.

    A plain number is digits with at most one decimal point or comma (``70897,5``): the rules
    read its separator as the decimal one either way. Such a column is converted by Arrow in
    one pass; any other (a sign, a space, a group separator, a missing value) returns None.
    Arrow's conversion and pandas' are both correctly rounded, so the numbers are the same.
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or values.empty:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.chunked_array(values.array.__arrow_array__())
    if text.null_count or not pc.all(pc.match_substring_regex(text, _PLAIN_NUMBER)).as_py():
        return None
    numbers = pc.cast(pc.replace_substring(text, ",", "."), pa.float64()).to_numpy()
    return pd.Series(np.where(np.isfinite(numbers), numbers, np.nan), index=values.index,
                     name=values.name)


#: With this many dates written with the year last and not one number above 12, a file is
#: truly ambiguous: dates spread over the days of a month would show a day above 12 in all but
#: (12/30.4)^50 < 1e-20 of such files. Fewer can be a short export (a week in March).
MIN_DATES_TO_TELL = 50


def date_order(values: pd.Series) -> str:
    """Tell from a whole column whether its dates are written day first or month first.

    Only dates with the year last count (``03/07/2023``). A first number above 12 can only be
    a day, and so can a second one: when the first numbers exceed 12 and the second ones do
    not, the column is day first (the Dutch order); the other way round it is month first (a
    US export, ``mm/dd/yyyy``). A few dates of the other kind among many (fewer than 3, and
    under 1 %) are typing errors, not an order: the column keeps its order and they are
    rejected as dates that do not exist.

    Parameters
    ----------
    values : pandas.Series
        The date texts.

    Returns
    -------
    str
        ``"day-first"`` or ``"month-first"``; ``"mixed"`` when both orders occur in earnest;
        ``"either"`` when at least :data:`MIN_DATES_TO_TELL` dates have the year last and not
        one number above 12 (the column cannot tell); ``"unsure"`` when fewer such dates cannot
        tell (a small file: read day first, the Dutch order). A column without such dates (ISO
        dates, datetimes) is ``"day-first"``: it does not depend on the order.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return "day-first"
    parts = _year_last_parts(values.dropna().astype(str))
    if parts.empty:
        return "day-first"
    first_day = int(((parts[0] > 12) & (parts[1] <= 12)).sum())
    second_day = int(((parts[1] > 12) & (parts[0] <= 12)).sum())
    minority, majority = sorted((first_day, second_day))
    if minority >= 3 or (minority and minority >= 0.01 * (minority + majority)):
        return "mixed"
    if majority == 0:
        return "either" if len(parts) >= MIN_DATES_TO_TELL else "unsure"
    return "day-first" if first_day > second_day else "month-first"


#: :data:`_YEAR_LAST` for RE2 on ASCII texts: Python's ``\\s`` and ``\\d`` spelled out.
_YEAR_LAST_ASCII = (r"^[\t\n\x0b\x0c\r \x1c-\x1f]*(?P<day>[0-9]{1,2})[-/.]"
                    r"(?P<month>[0-9]{1,2})[-/.][0-9]{4}")


def _year_last_parts(texts: pd.Series) -> pd.DataFrame:
    """Return the first two numbers (columns 0, 1) of the texts that match :data:`_YEAR_LAST`.

    ASCII texts are matched by arrow (RE2) at once, as :data:`_YEAR_LAST_ASCII`, the same
    pattern there; a column with any other character is matched by Python's ``re``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(texts.to_numpy(dtype=object), type=pa.string())
    if len(array) < _QUICK_FROM or not pc.all(pc.string_is_ascii(array)).as_py():
        return texts.str.extract(_YEAR_LAST).dropna().astype(int)
    found = pc.extract_regex(array, _YEAR_LAST_ASCII).drop_null()
    return pd.DataFrame({0: pc.cast(pc.struct_field(found, 0), pa.int64()).to_numpy(),
                         1: pc.cast(pc.struct_field(found, 1), pa.int64()).to_numpy()})


def parse_with_format(values: pd.Series, fmt: str) -> tuple[pd.Series, pd.Series]:
    """Parse dates written as ``fmt`` (a ``strftime`` format such as ``%m/%d/%Y %H:%M``).

    A value with the date part of ``fmt`` only (the format up to its first space) is read as
    well, as a date without a time. Returns what :func:`parse_dates` returns; a value in
    another shape is ``"unreadable"``.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        return parse_dates(values)
    text = values.where(values.notna(), "").astype(str).str.strip()
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    date_part = fmt.split(" ")[0]
    if date_part != fmt:
        left = parsed.isna() & (text != "")
        parsed[left] = pd.to_datetime(text[left], format=date_part, errors="coerce")
    dates, problem = _classified(parsed, text)
    problem[parsed.isna() & (text != "")] = "unreadable"  # not in the shape of ``fmt``
    return dates, problem


def has_time(values: pd.Series) -> pd.Series:
    """Tell per value whether the source gave a time of day, not only a date.

    A text has a time when it holds one (``01-05-2024 23:15``, ``2024-05-01T00:00``: midnight
    written out is a time). A date field of a vector file carries no time: its values are at
    midnight, so for datetime values exactly 00:00:00 counts as "no time" (a melding at
    midnight to the second is rare; counting it without time keeps date-only fields out of the
    midnight hour).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
        return stamps.notna() & (stamps != stamps.dt.normalize())
    text = values.where(values.notna(), "").astype(str)
    return text.str.contains(r"\d:\d{2}", regex=True).astype(bool)


def parse_dates(values: pd.Series, *, order: str = "day-first") -> tuple[pd.Series, pd.Series]:
    """Parse Dutch and ISO dates; say why a value could not be parsed.

    Accepted: ``dd-mm-jjjj``, ``dd-mm-jjjj hh:mm[:ss[.fff]]`` (also with ``/`` or ``.``), ISO 8601
    dates and times, SQL Server's ``jjjj-mm-dd hh:mm:ss.fff``; a time-zone suffix is converted
    to Dutch local time. Day-first only: ``03-07-2023``
    is 3 July.

    Parameters
    ----------
    values : pandas.Series
        Text or datetimes.
    order : {"day-first", "month-first"}, default "day-first"
        How dates with the year last are read (:func:`date_order` tells it from the column).

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
        formats = _DATE_FORMATS if order == "day-first" else tuple(  # match as many colons
            f.replace("%d", "%?").replace("%m", "%d").replace("%?", "%m") if f[1] == "d" else f
            for f in _DATE_FORMATS)
        for fmt in formats:
            if not todo.any():
                break
            candidates = todo & (colons == fmt.count(":"))
            if not candidates.any():
                continue
            parsed = formatted_dates(text[candidates], fmt)
            ok = parsed.notna()
            work[parsed.index[ok]] = parsed[ok].astype("datetime64[us]")
            todo[parsed.index[ok]] = False
    return _classified(work, text)


#: The width of each directive :func:`formatted_dates` reads quickly, written zero-padded.
_WIDTHS = {"d": 2, "m": 2, "Y": 4, "H": 2, "M": 2, "S": 2}

#: Below this many texts pandas alone is as quick.
_QUICK_FROM = 1000

#: Years read quickly: within them pandas holds every date in nanoseconds too.
_QUICK_YEARS = (1678, 2261)


def formatted_dates(text: pd.Series, fmt: str) -> pd.Series:
    """Return ``pd.to_datetime(text, format=fmt, errors="coerce")`` in microseconds, quicker.

    Arrow's ``strptime`` reads every text at once. A text written exactly in ``fmt``,
    zero-padded (``01-05-2024 09:05``, ASCII digits, nothing around it), whose day and second
    are those arrow read (arrow rolls 31-02 over to March, and second 60 to the next minute,
    where pandas refuses them) and whose year lies in 1678–2261, is taken from arrow: pandas
    reads such a text to the same moment. Every other text (a day of one digit, spaces,
    impossible or far dates, anything unreadable) is read by pandas, as before. Formats with
    other directives than ``%d %m %Y %H %M %S`` are read by pandas alone. Five million Dutch
    ``dd-mm-jjjj hh:mm`` texts took pandas about 15 s.

    Parameters
    ----------
    text : pandas.Series
        Stripped texts.
    fmt : str
        A ``strftime`` format.

    Returns
    -------
    pandas.Series
        ``datetime64[us]``, NaT where the text does not fit ``fmt``; the index of ``text``.
    """
    layout = _layout(fmt)
    if len(text) < _QUICK_FROM or layout is None:
        return _pandas_dates(text, fmt)
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern, offsets = layout
    texts = pa.array(text.to_numpy(dtype=object), type=pa.string())
    read = pc.strptime(texts, format=fmt, unit="s", error_is_null=True)
    year = pc.year(read)
    fits = pc.and_kleene(pc.match_substring_regex(texts, pattern),
                         pc.and_kleene(pc.greater_equal(year, _QUICK_YEARS[0]),
                                       pc.less_equal(year, _QUICK_YEARS[1])))
    taken = fits.fill_null(False).to_numpy(zero_copy_only=False)
    where = np.flatnonzero(taken)
    shown, moment = texts.take(where), read.take(where)
    for directive, part in (("d", pc.day), ("S", pc.second)):
        if directive in offsets:
            at = offsets[directive]
            written = pc.cast(pc.utf8_slice_codeunits(shown, at, at + 2), pa.int64())
            same = pc.equal(written, part(moment)).to_numpy(zero_copy_only=False)
            taken[where[~same]] = False
    stamps = read.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
    out = pd.Series(np.where(taken, stamps, np.datetime64("NaT", "us")), index=text.index,
                    dtype="datetime64[us]")
    if not taken.all():
        rest = ~taken
        out[rest] = _pandas_dates(text[rest], fmt)
    return out


def _layout(fmt: str) -> tuple[str, dict[str, int]] | None:
    """Return the pattern of ``fmt`` zero-padded and where each directive starts, or None.

    None when ``fmt`` holds another directive than those of :data:`_WIDTHS` (or one twice).
    """
    pattern, offsets, at, i = "^", {}, 0, 0
    while i < len(fmt):
        if fmt[i] != "%":
            if fmt[i] in "]\\^[":
                return None
            pattern += fmt[i] if fmt[i].isalnum() else f"[{fmt[i]}]"
            at, i = at + 1, i + 1
            continue
        directive = fmt[i + 1:i + 2]
        if directive not in _WIDTHS or directive in offsets:
            return None
        offsets[directive] = at
        pattern += f"[0-9]{{{_WIDTHS[directive]}}}"
        at, i = at + _WIDTHS[directive], i + 2
    return pattern + "$", offsets


def _pandas_dates(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt, errors="coerce").astype("datetime64[us]")


def _classified(work: pd.Series, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Turn parsed datetimes (NaT where not parsed) into :func:`parse_dates`' two results."""
    too_early = work.notna() & (work < _EARLIEST)
    too_late = work.notna() & (work > pd.Timestamp.max)
    fits = work.notna() & ~too_early & ~too_late
    dates = pd.Series(pd.NaT, index=work.index, dtype="datetime64[ns]")
    dates[fits] = work[fits].astype("datetime64[ns]")
    problem = pd.Series("", index=work.index, dtype=object)
    problem[text == ""] = "missing"
    failed = work.isna() & (text != "")
    shaped = pd.Series(False, index=work.index)
    shaped[failed] = text[failed].str.match(_DATE_SHAPE).astype(bool)
    problem[failed & shaped] = "impossible"
    problem[failed & ~shaped] = "unreadable"
    problem[too_early] = "too_early"
    problem[too_late] = "too_late"
    return dates, problem
