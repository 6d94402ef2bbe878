"""Read and validate overlast meldingen from CSV or vector files.

Real exports are messy: Dutch Excel writes ``;``-separated CSV with decimal commas in cp1252 or
UTF-8 with a byte-order mark, dates as ``dd-mm-jjjj`` with or without a time, and coordinates in
RD New or WGS84 (sometimes with latitude and longitude swapped). This module reads all of that,
places every record in RD New (EPSG:28992), and rejects what cannot be placed or dated — with a
reason in the :class:`~hotspotkaart.accounting.Ledger`, never silently and never by guessing.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from hotspotkaart._errors import InputError
from hotspotkaart.accounting import Ledger, Reason
from hotspotkaart.config import IncidentSource, Periods

__all__ = [
    "RD",
    "WGS84",
    "infer_axis_order",
    "parse_dates",
    "parse_numbers",
    "read_incidents",
]

logger = logging.getLogger(__name__)

RD = "EPSG:28992"
WGS84 = "EPSG:4326"

#: Plausible extents of the Netherlands (with the Wadden and a margin) per interpretation.
_RD_BOX = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
_WGS84_BOX = (3.2, 50.7, 7.3, 53.7)

_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".zip"}
_DELIMITERS = (";", ",", "\t", "|")

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


@dataclass(frozen=True)
class _Parsed:
    """The columns of one source after parsing, indexed by row number."""

    frame: pd.DataFrame  # columns: melding_id, date, category, x, y (float)
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
    frames = [_read_one(source, periods, ledger) for source in sources]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty_incidents()
    combined = pd.concat(frames, ignore_index=True)
    combined = _reject_duplicate_ids(combined, ledger)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=RD)


def _empty_incidents() -> gpd.GeoDataFrame:
    columns = {"source": "str", "row": "int64", "melding_id": "str",
               "date": "datetime64[ns]", "period": "int64", "category": "str"}
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=RD), crs=RD)


def _read_one(source: IncidentSource, periods: Periods, ledger: Ledger) -> pd.DataFrame:
    name = source.path.name
    if source.path.suffix.lower() in _VECTOR_SUFFIXES:
        raw, parsed = _read_vector(source, ledger)
    else:
        raw = _read_csv_text(source.path, _required_columns(source), ledger)
        parsed = _parse_table(raw, source, ledger)
    ledger.register("incidents", name, raw)
    frame = _validate(parsed, source, periods, ledger)
    frame.insert(0, "source", name)
    logger.info("%s: %d records read, %d usable so far", name, len(raw), len(frame))
    return frame


def _required_columns(source: IncidentSource) -> list[str]:
    cols = [source.date, source.category]
    cols += [c for c in (source.x, source.y, source.id) if c]
    return cols


# -- CSV ----------------------------------------------------------------------------------------


def _read_csv_text(path: Path, required: list[str], ledger: Ledger) -> pd.DataFrame:
    """Read a delimited text file into a frame of strings indexed by spreadsheet row number."""
    data = path.read_bytes()
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        msg = f"{path}: the file is empty; expected a header row with {', '.join(required)}"
        raise InputError(msg)
    text = _decode(data, path, ledger)
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    delimiter = _choose_delimiter(header_line, required, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    rows: list[list[str]] = []
    numbers: list[int] = []
    bad: list[int] = []
    for row in reader:
        number = reader.line_num  # spreadsheet row of the record's last line
        if not any(cell.strip() for cell in row):
            if row:
                bad.append(number)
            continue
        if len(row) != len(header):
            bad.append(number)
        rows.append((row + [""] * len(header))[: len(header)])
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(numbers, name="row"), dtype=object)
    frame = frame.fillna("").astype(str)
    frame.attrs["bad_rows"] = bad
    return frame


def _decode(data: bytes, path: Path, ledger: Ledger) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded = []
    cp1252 = 0
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(line.decode("cp1252", errors="replace"))
            cp1252 += 1
    if cp1252 < len(lines):
        ledger.warn(f"{path.name}: {cp1252} line(s) read as cp1252 (Windows) text in an otherwise "
                    "UTF-8 file; save the file as UTF-8 to avoid this")
    else:
        ledger.warn(f"{path.name}: not UTF-8; read as cp1252 (Windows) text")
    return "\n".join(decoded)


def _choose_delimiter(header: str, required: list[str], path: Path) -> str:
    candidates = sorted(_DELIMITERS, key=lambda d: -header.count(d))
    for delimiter in candidates:
        fields = {f.strip().strip('"') for f in next(csv.reader([header], delimiter=delimiter))}
        if all(col in fields for col in required):
            return delimiter
    best = candidates[0]
    found = [f.strip() for f in next(csv.reader([header], delimiter=best))]
    missing = [c for c in required if c not in found]
    shown = ", ".join(repr(f) for f in found[:8]) + (" …" if len(found) > 8 else "")
    msg = (f"{path}: column(s) {', '.join(repr(m) for m in missing)} named in the config are not "
           f"in the header row; found {shown}. Check the column names and the separator "
           "(';' or ',')")
    raise InputError(msg)


def _parse_table(raw: pd.DataFrame, source: IncidentSource, ledger: Ledger) -> _Parsed:
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
    frame.attrs["bad_rows"] = raw.attrs.get("bad_rows", [])
    return _Parsed(*_with_crs(frame, source.crs, source.path, ledger))


# -- vector files ---------------------------------------------------------------------------------


def _read_vector(source: IncidentSource, ledger: Ledger) -> tuple[pd.DataFrame, _Parsed]:
    try:
        gdf = gpd.read_file(source.path, layer=source.layer)
    except Exception as exc:  # pyogrio raises several unrelated types
        msg = f"{source.path}: cannot be read as a vector file ({exc})"
        raise InputError(msg) from None
    gdf.index = pd.RangeIndex(1, len(gdf) + 1, name="row")
    missing = [c for c in (source.date, source.category, source.id) if c and c not in gdf.columns]
    if missing:
        found = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        msg = (f"{source.path}: column(s) {', '.join(repr(m) for m in missing)} named in the "
               f"config are not in the file; found {found}")
        raise InputError(msg)
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    raw["geometry_wkt"] = gdf.geometry.to_wkt()
    frame = pd.DataFrame(index=gdf.index)
    frame["melding_id"] = gdf[source.id].astype(str).str.strip() if source.id else ""
    dates = gdf[source.date]
    frame["date_text"] = dates if pd.api.types.is_datetime64_any_dtype(dates) else dates.astype(str)
    frame["category"] = gdf[source.category].fillna("").astype(str).str.strip()
    geoms = gdf.geometry
    is_point = geoms.notna() & ~geoms.is_empty & (geoms.geom_type == "Point")
    points = shapely.force_2d(geoms.where(is_point).to_numpy())
    frame["x"] = np.where(is_point, shapely.get_x(points), np.nan)
    frame["y"] = np.where(is_point, shapely.get_y(points), np.nan)
    frame["x_text"] = np.where(geoms.isna() | geoms.is_empty, "", "geometry")
    frame["y_text"] = frame["x_text"]
    declared = gdf.crs.to_string() if gdf.crs is not None else source.crs
    return raw, _Parsed(*_with_crs(frame, declared, source.path, ledger))


# -- validation -----------------------------------------------------------------------------------


def _validate(parsed: _Parsed, source: IncidentSource, periods: Periods, ledger: Ledger
              ) -> pd.DataFrame:
    """Apply the record checks in order; each record is rejected for its first failing check."""
    frame = parsed.frame
    name = source.path.name
    keep = pd.Series(True, index=frame.index)

    def reject(mask: pd.Series, reason: str, detail: pd.Series | str = "") -> None:
        nonlocal keep
        hit = mask & keep
        if hit.any():
            details = detail[hit] if isinstance(detail, pd.Series) else detail
            ledger.reject("incidents", name, frame.index[hit], reason, details)
        keep &= ~hit

    bad_rows = frame.index.isin(frame.attrs.get("bad_rows", []))
    reject(pd.Series(bad_rows, index=frame.index), Reason.FIELD_COUNT)
    dates, date_problem = parse_dates(frame["date_text"])
    reject(date_problem == "missing", Reason.DATE_MISSING)
    reject(date_problem == "impossible", Reason.DATE_IMPOSSIBLE, frame["date_text"].astype(str))
    reject(date_problem == "unreadable", Reason.DATE_UNREADABLE, frame["date_text"].astype(str))
    empty_xy = (frame["x_text"].astype(str).str.strip() == "") | (
        frame["y_text"].astype(str).str.strip() == "")
    reject(empty_xy, Reason.COORD_MISSING)
    reject(frame["x"].isna() | frame["y"].isna(), Reason.COORD_UNREADABLE,
           frame["x_text"].astype(str) + " ; " + frame["y_text"].astype(str))
    x, y = _to_rd(frame["x"].to_numpy(float), frame["y"].to_numpy(float), parsed.crs)
    inside_nl = pd.Series(_in_box(x, y, _RD_BOX), index=frame.index)
    reject(~inside_nl, Reason.OUTSIDE_NL,
           f"gelezen als {parsed.crs}: " + frame["x"].astype(str) + ", " + frame["y"].astype(str))
    reject(frame["category"].fillna("") == "", Reason.CATEGORY_MISSING)
    year = dates.dt.year
    reject(~year.isin(periods.years), Reason.OUT_OF_PERIOD,
           dates.dt.strftime("%Y-%m-%d").fillna(""))
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

    ``"105233,4"``, ``"105233.4"``, ``"105.233,4"`` and ``"105,233.4"`` all give 105233.4.
    Anything else becomes NaN; nothing raises.

    Parameters
    ----------
    values : pandas.Series
        Text (or numbers) to parse.

    Returns
    -------
    pandas.Series
        Floats, NaN where the text is not a finite number.

    """
    text = values.astype(str).str.strip().str.replace(" ", "", regex=False)
    has_comma = text.str.contains(",", regex=False)
    has_dot = text.str.contains(".", regex=False)
    comma_last = text.str.rfind(",") > text.str.rfind(".")
    dutch = has_comma & (~has_dot | comma_last)
    english = has_comma & has_dot & ~comma_last
    text = text.mask(dutch, text.str.replace(".", "", regex=False).str.replace(",", ".",
                                                                              regex=False))
    text = text.mask(english, text.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
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
        such day, e.g. 31-02-2024) or ``"unreadable"``.

    """
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        dates = dates.astype("datetime64[ns]")
        problem = pd.Series(np.where(dates.isna(), "missing", ""), index=values.index)
        return dates, problem
    text = values.fillna("").astype(str).str.strip()
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = text != ""
    with_tz = todo & text.str.contains(_TZ_SUFFIX)
    if with_tz.any():
        aware = pd.to_datetime(text[with_tz], format="ISO8601", errors="coerce", utc=True)
        dates[with_tz] = aware.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        todo &= ~with_tz
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        dates[parsed.index[ok]] = parsed[ok]
        todo[parsed.index[ok]] = False
    problem = pd.Series("", index=values.index, dtype=object)
    problem[text == ""] = "missing"
    failed = dates.isna() & (text != "")
    shaped = text.str.match(_DATE_SHAPE)
    problem[failed & shaped] = "impossible"
    problem[failed & ~shaped] = "unreadable"
    return dates, problem


def infer_axis_order(x: np.ndarray, y: np.ndarray) -> str | None:
    """Tell from coordinate values which interpretation fits most points.

    Parameters
    ----------
    x, y : numpy.ndarray
        The first and second coordinate column as read.

    Returns
    -------
    str or None
        ``"rd"`` (RD New metres), ``"wgs84"`` (x = longitude, y = latitude), ``"wgs84-swapped"``
        (x = latitude, y = longitude), or None when no interpretation fits half of the points.

    """
    valid = np.isfinite(x) & np.isfinite(y)
    n = int(valid.sum())
    if n == 0:
        return None
    xs, ys = x[valid], y[valid]
    fits = {
        "rd": _in_box(xs, ys, _RD_BOX).sum(),
        "wgs84": _in_box(xs, ys, _WGS84_BOX).sum(),
        "wgs84-swapped": _in_box(ys, xs, _WGS84_BOX).sum(),
    }
    best = max(fits, key=lambda k: fits[k])
    return best if fits[best] * 2 > n else None


def _with_crs(frame: pd.DataFrame, declared: str | None, where: Path, ledger: Ledger
              ) -> tuple[pd.DataFrame, str]:
    crs, swap = _resolve_crs(frame["x"], frame["y"], declared, where, ledger)
    if swap:
        frame = frame.rename(columns={"x": "y", "y": "x", "x_text": "y_text", "y_text": "x_text"})
    return frame, crs


def _resolve_crs(x: pd.Series, y: pd.Series, declared: str | None, where: Path, ledger: Ledger
                 ) -> tuple[str, bool]:
    """Pick the CRS to read the coordinates in, and whether the two axes must be swapped."""
    order = infer_axis_order(x.to_numpy(float), y.to_numpy(float))
    if declared is None:
        if order is None:
            msg = (f"{where}: cannot tell the coordinate system from the values (neither RD New "
                   "metres nor WGS84 degrees within the Netherlands); set crs in the config")
            raise InputError(msg)
        ledger.warn(f"{where.name}: no CRS declared; the coordinates look like "
                    f"{'RD New (EPSG:28992)' if order == 'rd' else 'WGS84 (EPSG:4326)'} and are "
                    "read as such; set crs in the config to make this explicit")
        declared = RD if order == "rd" else WGS84
    crs = CRS.from_user_input(declared)
    code = crs.to_epsg()
    if code == 28992 and order in ("wgs84", "wgs84-swapped"):
        msg = (f"{where}: the CRS is declared as EPSG:28992 (RD New) but the coordinates look "
               "like WGS84 degrees; set crs = 'EPSG:4326' or fix the file")
        raise InputError(msg)
    if crs.is_geographic and order == "rd":
        msg = (f"{where}: the CRS is declared as {declared} (degrees) but the coordinates look "
               "like RD New metres; set crs = 'EPSG:28992' or fix the file")
        raise InputError(msg)
    if crs.is_geographic and order == "wgs84-swapped":
        ledger.warn(f"{where.name}: latitude and longitude are swapped in the file; read the other "
                    "way round. Swap the columns in the config (lon/lat) to make this explicit")
        return crs.to_string(), True
    return crs.to_string(), False


def _to_rd(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    if CRS.from_user_input(crs).to_epsg() == 28992:
        return x, y
    transformer = Transformer.from_crs(crs, RD, always_xy=True)
    rx, ry = transformer.transform(x, y)
    return np.asarray(rx, dtype=float), np.asarray(ry, dtype=float)


def _in_box(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    xmin, ymin, xmax, ymax = box
    with np.errstate(invalid="ignore"):
        return (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
