"""Read and validate overlast meldingen from CSV or vector files.

Real exports are messy: Dutch Excel writes ``;``-separated CSV with decimal commas in cp1252,
UTF-8 with a byte-order mark or UTF-16 ("Unicode-tekst"), dates as ``dd-mm-jjjj`` with or
without a time, and coordinates in RD New or WGS84 (sometimes with the two axes swapped). This
module reads all of that (a CSV file's text split into cells by :mod:`hotspotkaart.io.csvtext`),
places every record in RD New (EPSG:28992) with the CRS that :mod:`hotspotkaart.io.crs` decides
on, and rejects what cannot be placed or dated — with a reason in the
:class:`~hotspotkaart.io.ledger.Ledger`, never silently and never by guessing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart._geometry import COORDINATES, with_points
from hotspotkaart._naming import category_slug
from hotspotkaart.config.settings import NO_PERIOD, IncidentSource, Periods
from hotspotkaart.io.crs import RD, CrsChoice, in_netherlands, resolve_crs, to_rd
from hotspotkaart.io.csvtext import iter_csv_text, read_csv_text
from hotspotkaart.io.incidentdates import (
    DateReader,
    date_columns,
    date_texts,
    source_name,
    text_columns,
)
from hotspotkaart.io.ledger import Ledger, Reason, source_labels
from hotspotkaart.io.parsing import parse_numbers
from hotspotkaart.io.vector import read_vector

__all__ = [
    "check_category_slugs",
    "iter_incidents",
    "read_incidents",
]

logger = logging.getLogger(__name__)

_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb", ".gml", ".kml", ".zip", ".gdb"}
_SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}



@dataclass(frozen=True)
class _Parsed:
    """The columns of one source after parsing, indexed by row number."""

    frame: pd.DataFrame  # melding_id, date_text (from_text, to_text), category, x, y, x/y_text
    choice: CrsChoice



def read_incidents(sources: tuple[IncidentSource, ...], periods: Periods, ledger: Ledger
                   ) -> gpd.GeoDataFrame:
    """Read every incident source into one GeoDataFrame of candidate meldingen in RD New.

    Parameters
    ----------
    sources : tuple of IncidentSource
        The ``[[incidents]]`` entries of the configuration.
    periods : Periods
        The periods; meldingen dated in none of them are rejected, those of a trend-only
        period are kept (they count for the trend).
    ledger : Ledger
        Receives the records read and every rejection.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``source``, ``row``, ``melding_id``, ``date``, ``period`` (the key of the
        period the date falls in, :meth:`~hotspotkaart.config.settings.Periods.period_of`),
        ``category`` and point geometry in EPSG:28992; one row per record that could be placed
        and dated.

    Raises
    ------
    InputError
        If a file cannot be read at all, lacks a configured column, or its coordinates do not
        fit its declared CRS.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    frames = [frame for source, label in zip(sources, labels, strict=True)
              for frame, _records in _read_one(source, label, periods, ledger)
              if not frame.empty]
    if not frames:
        return with_points(_empty_incidents(), RD)
    return _candidates([_reject_duplicate_ids(pd.concat(frames, ignore_index=True), ledger)])


def iter_incidents(sources: tuple[IncidentSource, ...], periods: Periods, ledger: Ledger,
                   rows: int, *, points: bool = True) -> Iterator[pd.DataFrame]:
    """Read every incident source piece by piece, about ``rows`` records at a time.

    Put together, the pieces are what :func:`read_incidents` returns, and the ledger receives
    the same records, rejections and warnings, while only one piece of a file is in memory
    (a CSV file: see :func:`hotspotkaart.io.csvtext.iter_csv_text`; a vector file: ``rows``
    features at a time, through OGR's ``skip_features``, which GeoPackage and shapefile seek
    directly and GeoJSON by parsing the file again). A melding id seen in an
    earlier piece is rejected as a duplicate, as in one piece. The CRS and axis order of a file
    are decided on its first piece, where :func:`read_incidents` decides them on the whole
    file; for an export in one coordinate system that is the same choice.

    Parameters
    ----------
    sources, periods, ledger
        As for :func:`read_incidents`.
    rows : int
        Records per piece (at least 1).
    points : bool, default True
        Give each melding a point geometry, as :func:`read_incidents`; with False a piece is a
        plain frame with the coordinates in RD New in the columns ``x`` and ``y`` instead,
        for a caller that sends the pieces elsewhere (a point pickles to some 60 bytes and
        takes as long to make as to send; its two numbers take 16 and no time).

    Yields
    ------
    geopandas.GeoDataFrame or pandas.DataFrame
        Candidate meldingen, read from at least ``rows`` records at a time (the pieces of
        small files together) but the last, as :func:`read_incidents` returns them; one empty
        frame when nothing can be placed and dated.

    Raises
    ------
    InputError
        As :func:`read_incidents`.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    seen = _SeenIds()
    held: list[pd.DataFrame] = []  # pieces of small files go out together
    records = 0  # read into the held pieces: what a piece is measured by, not the used ones
    given = False
    for source, label in zip(sources, labels, strict=True):
        for frame, read in _read_one(source, label, periods, ledger, rows):
            records += read
            if not frame.empty:
                held.append(_reject_duplicate_ids(frame.reset_index(drop=True), ledger, seen))
            if records >= rows and held:
                yield _candidates(held, points=points)
                held, records, given = [], 0, True
    if held or not given:
        yield _candidates(held, points=points)


def _candidates(frames: list[pd.DataFrame], *, points: bool = True) -> pd.DataFrame:
    """Put read meldingen together as the candidates :func:`read_incidents` returns.

    With ``points`` their coordinates become a point geometry; else they stay as they are.
    """
    frames = [f for f in frames if not f.empty]
    frame = pd.concat(frames, ignore_index=True) if frames else _empty_incidents()
    return with_points(frame, RD) if points else frame


#: The most categories a build keeps apart: five columns each in the buurt and wijk tables, and
#: SQLite (the GeoPackage) allows 2000 columns.
MAX_CATEGORIES = 300


def check_category_slugs(incidents: pd.DataFrame, sources: tuple[IncidentSource, ...]) -> None:
    """Refuse two different categories that would get the same output column name.

    The outputs have a column per category named by :func:`~hotspotkaart._naming.category_slug`
    (e.g. ``count_2024_drugs_overlast``), so ``"Drugs overlast"`` and ``"drugs-overlast"``
    cannot be kept apart. The error names the file, column and row where each of them first
    occurs, so that the user can rename one.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Meldingen with columns ``source``, ``row`` and ``category``, in config and row order:
        a build passes the used ones (after the join), since only they get output columns, so
        a category that occurs only in rejected meldingen clashes with nothing.
    sources : tuple of IncidentSource
        The ``[[incidents]]`` entries the meldingen were read from.

    Raises
    ------
    InputError
        If two different categories have the same slug, or there are more than
        :data:`MAX_CATEGORIES`.

    """
    labels = source_labels([(s.path, s.layer) for s in sources])
    by_label = dict(zip(labels, sources, strict=True))
    firsts = incidents.drop_duplicates("category")
    if len(firsts) > MAX_CATEGORIES:
        msg = (f"the meldingen have {len(firsts)} different categories; the tables get five "
               f"columns per category and a GeoPackage holds at most 2000, so at most "
               f"{MAX_CATEGORIES} can be kept apart: map the categories onto fewer (e.g. the "
               "main groups of the export) before building")
        raise InputError(msg)
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
            where = f"{source_name(source)}: the categories "
            named = [f"{category!r} (row {row})" for category, _, row in found]
            column = f" in column {source.category!r}"
        else:
            where, column = "the categories ", ""
            named = [f"{category!r} ({source_name(by_label[label])}, column "
                     f"{by_label[label].category!r}, row {row})"
                     for category, label, row in found]
        listed = ", ".join(named[:-1]) + f" and {named[-1]}"
        verb = "both become" if len(found) == 2 else "all become"
        msg = (f"{where}{listed}{column} {verb} the output column name {slug!r}; rename one "
               "of them in the input so that they differ in more than upper/lower case, "
               "accents or punctuation")
        raise InputError(msg)


def _empty_incidents() -> pd.DataFrame:
    columns = {"source": "str", "row": "int64", "melding_id": "str",
               "date": "datetime64[ns]", "timed": "bool", "period": "int64",
               "category": "str", COORDINATES[0]: "float64", COORDINATES[1]: "float64"}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _read_one(source: IncidentSource, label: str, periods: Periods, ledger: Ledger,
              rows: int | None = None) -> Iterator[tuple[pd.DataFrame, int]]:
    """Read, place and validate one source: in one piece, or ``rows`` records at a time.

    Yields each piece's usable meldingen with the number of records it was read from.
    """
    suffix = source.path.suffix.lower()
    if suffix in _SPREADSHEET_SUFFIXES:
        msg = (f"{source.path}: is a spreadsheet workbook, not a CSV or vector file; save it "
               "from Excel as 'CSV (gescheiden door lijstscheidingsteken)' and point the "
               "config at that file")
        raise InputError(msg)
    pieces: Iterator[tuple[pd.DataFrame, _Parsed]]
    if suffix in _VECTOR_SUFFIXES or source.path.is_dir():
        pieces = _vector_pieces(source, label, ledger, rows)
    else:
        pieces = _csv_pieces(source, label, ledger, rows)
    read = used = 0
    dates = DateReader(source)  # the date order, decided on the first piece of the file
    for number, (raw, parsed) in enumerate(pieces):
        if number:
            ledger.register_more("incidents", label, raw)
        else:
            ledger.register("incidents", label, raw)
        frame = _validate(parsed, label, periods, ledger, dates)
        frame.insert(0, "source", label)
        read, used = read + len(raw), used + len(frame)
        yield frame, len(raw)
    dates.finish(label, ledger)
    if not read:
        ledger.warn(f"{label}: the file holds no records; check that it is the right export")
    logger.info("%s: %d records read, %d usable so far", label, read, used)


def _csv_pieces(source: IncidentSource, label: str, ledger: Ledger, rows: int | None
                ) -> Iterator[tuple[pd.DataFrame, _Parsed]]:
    """Split and parse a CSV file: whole, or ``rows`` at a time with the first piece's CRS."""
    required = _required_columns(source)
    if rows is None:
        raw = read_csv_text(source.path, required, label, ledger)
        yield raw, _parse_table(raw, source, label, ledger)
        return
    choice: CrsChoice | None = None
    for raw in iter_csv_text(source.path, required, label, ledger, rows):
        parsed = _parse_table(raw, source, label, ledger, choice)
        choice = parsed.choice
        yield raw, parsed


def _required_columns(source: IncidentSource) -> list[str]:
    cols = [*date_columns(source), source.category]
    cols += [c for c in (source.x, source.y, source.id) if c]
    return cols


# -- CSV ----------------------------------------------------------------------------------------


def _parse_table(raw: pd.DataFrame, source: IncidentSource, label: str, ledger: Ledger,
                 choice: CrsChoice | None = None) -> _Parsed:
    frame = pd.DataFrame(index=raw.index)
    frame["melding_id"] = raw[source.id].str.strip() if source.id else ""
    for column, texts in date_texts(raw, source).items():
        frame[column] = texts
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
    if choice is None:  # a later piece of a file keeps the choice made on its first
        choice = resolve_crs(frame["x"].to_numpy(float), frame["y"].to_numpy(float),
                             file_crs=None, config_crs=source.crs, path=source.path,
                             label=label, warn=ledger.warn)
    return _Parsed(_swapped(frame, choice.swap), choice)


def _swapped(frame: pd.DataFrame, swap: bool) -> pd.DataFrame:
    if not swap:
        return frame
    return frame.rename(columns={"x": "y", "y": "x", "x_text": "y_text", "y_text": "x_text"})


# -- vector files ---------------------------------------------------------------------------------


def _vector_pieces(source: IncidentSource, label: str, ledger: Ledger, rows: int | None
                   ) -> Iterator[tuple[pd.DataFrame, _Parsed]]:
    """Read and parse a vector file: whole, or ``rows`` features at a time.

    Later pieces keep the CRS and axis order decided on the first, as for a CSV file.
    """
    choice: CrsChoice | None = None
    start = 0
    while True:
        gdf = _read_features(source, start, rows)
        raw, parsed = _parse_vector(gdf, start, source, label, ledger, choice)
        choice = parsed.choice
        yield raw, parsed
        start += len(gdf)
        if rows is None or len(gdf) < rows:
            return


def _read_features(source: IncidentSource, start: int, rows: int | None) -> gpd.GeoDataFrame:
    """Read all features of a vector file, or ``rows`` of them after the first ``start``."""
    return read_vector(source.path, layer=source.layer, start=start, rows=rows,
                       several='name it with layer = "…" in its [[incidents]] table, one '
                               "table per layer")


def _parse_vector(gdf: gpd.GeoDataFrame, start: int, source: IncidentSource, label: str,
                  ledger: Ledger, choice: CrsChoice | None) -> tuple[pd.DataFrame, _Parsed]:
    gdf.index = pd.RangeIndex(start + 1, start + len(gdf) + 1, name="row")
    attributes = [c for c in gdf.columns if c != gdf.geometry.name]
    missing = [c for c in (*date_columns(source), source.category, source.id)
               if c and c not in gdf.columns]
    if missing and not (gdf.empty and not attributes):  # an empty GeoJSON has no schema
        found = ", ".join(repr(c) for c in attributes)
        msg = (f"{source.path}: column(s) {', '.join(repr(m) for m in missing)} named in the "
               f"config are not in the file (found {found or 'no attribute columns'})")
        raise InputError(msg)
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    raw["geometry_wkt"] = gdf.geometry.to_wkt()
    frame = pd.DataFrame(index=gdf.index)
    if gdf.empty:
        for column in ("melding_id", *text_columns(source), "category", "x_text", "y_text"):
            frame[column] = pd.Series(dtype=object)
        frame["x"] = frame["y"] = pd.Series(dtype=float)
        frame["geom_type"] = pd.Series(dtype=object)
        return raw, _Parsed(frame, choice or CrsChoice(source.crs or RD))
    frame["melding_id"] = _id_text(gdf[source.id]) if source.id else ""
    for column, texts in date_texts(gdf, source, _date_text).items():
        frame[column] = texts
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
    if choice is None:  # a later piece of a file keeps the choice made on its first
        file_crs = gdf.crs.to_string() if gdf.crs is not None else None
        choice = resolve_crs(frame["x"].to_numpy(float), frame["y"].to_numpy(float),
                             file_crs=file_crs, config_crs=source.crs, path=source.path,
                             label=label, warn=ledger.warn)
    return raw, _Parsed(_swapped(frame, choice.swap), choice)


def _single_points(geoms: np.ndarray) -> np.ndarray:
    """Turn one-part MultiPoints (common in shapefiles) into Points; leave the rest."""
    out = geoms.copy()
    multi = shapely.get_type_id(geoms) == 4  # GEOS type id of MultiPoint
    single = multi & (shapely.get_num_geometries(geoms) == 1)
    out[single] = shapely.get_geometry(geoms[single], 0)
    return out


def _date_text(values: pd.Series) -> pd.Series:
    """Return a date field of a vector file as datetimes, or as text (missing stays empty)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return values.where(values.notna(), "").astype(str)


def _id_text(values: pd.Series) -> pd.Series:
    """Melding ids as text: missing stays empty, whole numbers lose a trailing ``.0``."""
    if pd.api.types.is_float_dtype(values):
        whole = values.notna() & np.isfinite(values) & (values % 1 == 0)
        text = values.astype(str)
        text[whole] = values[whole].astype("int64").astype(str)
    else:
        text = values.astype(str)
    return text.where(values.notna(), "").str.strip()


# -- validation -----------------------------------------------------------------------------------


def _validate(parsed: _Parsed, label: str, periods: Periods, ledger: Ledger,
              reader: DateReader) -> pd.DataFrame:
    """Apply the record checks in order; each record is rejected for its first failing check."""
    frame = parsed.frame
    when = reader.read(frame, ledger)
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
    dates, date_problem = when.date, when.problem
    date_text = frame["date_text"].astype(str)
    reject(date_problem == "missing", Reason.DATE_MISSING)
    reject(date_problem == "impossible", Reason.DATE_IMPOSSIBLE, date_text)
    reject(date_problem == "unreadable", Reason.DATE_UNREADABLE, date_text)
    for mask, reason, detail in when.rejected:
        reject(mask, reason, detail)
    empty_xy = (frame["x_text"].astype(str).str.strip() == "") | (
        frame["y_text"].astype(str).str.strip() == "")
    reject(empty_xy, Reason.COORD_MISSING)
    if "geom_type" in frame:
        reject(frame["geom_type"] != "", Reason.NOT_POINT, frame["geom_type"].astype(str))
    reject(frame["x"].isna() | frame["y"].isna(), Reason.COORD_UNREADABLE,
           lambda hit: (frame.loc[hit, "x_text"].astype(str) + " ; "
                        + frame.loc[hit, "y_text"].astype(str)))
    crs = parsed.choice.crs
    x, y = to_rd(frame["x"].to_numpy(float), frame["y"].to_numpy(float), crs)
    inside_nl = pd.Series(in_netherlands(x, y), index=frame.index)
    reject(~inside_nl, Reason.OUTSIDE_NL,
           lambda hit: (f"gelezen als {crs}: " + frame.loc[hit, "x"].astype(str) + ", "
                        + frame.loc[hit, "y"].astype(str)))
    reject(frame["category"].fillna("") == "", Reason.CATEGORY_MISSING)
    period = pd.Series(periods.period_of(dates), index=frame.index)
    reject(period == NO_PERIOD, Reason.OUT_OF_PERIOD,
           lambda hit: dates[hit].dt.strftime("%Y-%m-%d").where(dates[hit].notna(),
                                                                date_text[hit]))
    out = pd.DataFrame({
        "row": frame.index[keep].astype("int64"),
        "melding_id": frame.loc[keep, "melding_id"].astype(str).to_numpy(),
        "date": dates[keep].to_numpy(),
        "timed": when.timed[keep].to_numpy(dtype=bool),
        **when.columns(keep),
        "period": period[keep].to_numpy(dtype=np.int64),
        "category": frame.loc[keep, "category"].astype(str).to_numpy(),
        COORDINATES[0]: x[keep.to_numpy()],
        COORDINATES[1]: y[keep.to_numpy()],
    })
    reader.tally(when, keep)
    return out


@dataclass
class _SeenIds:
    """The melding ids of earlier pieces, with the source and row of each one's first melding.

    An id is kept as two 64-bit hashes (SipHash with two keys: a chance of 2⁻¹²⁸ that two ids
    are taken for one) in arrays sorted by the first, so that millions of ids take about 26
    bytes each and a piece is looked up at once.
    """

    first: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    second: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    source: np.ndarray = field(default_factory=lambda: np.empty(0, np.int16))
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    labels: list[str] = field(default_factory=list)

    def find(self, first: np.ndarray, second: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return, per id (its :func:`_id_hashes`), whether it was seen, and where it was first."""
        order = np.argsort(first, kind="stable")  # sorted queries: a sequential search
        queries = first[order]
        left = np.searchsorted(self.first, queries, side="left")
        inside = left < len(self.first)
        candidate = np.zeros(len(queries), dtype=bool)
        candidate[inside] = self.first[left[inside]] == queries[inside]
        position = np.full(len(queries), -1, dtype=np.int64)
        for i in np.flatnonzero(candidate).tolist():  # the ids seen before: few
            j = int(left[i])
            while j < len(self.first) and self.first[j] == queries[i]:
                if self.second[j] == second[order[i]]:
                    position[i] = j
                    break
                j += 1
        unsorted = np.empty_like(position)
        unsorted[order] = position
        found = unsorted >= 0
        at = unsorted[found]
        return found, np.array(self.labels, dtype=object)[self.source[at]], self.rows[at]

    def add(self, frame: pd.DataFrame, first: np.ndarray, second: np.ndarray) -> None:
        """Remember the ids of ``frame`` (none seen before, none repeated), hashed as given."""
        where, distinct = pd.factorize(frame["source"])  # one file per piece, mostly
        self.labels.extend(str(s) for s in distinct if str(s) not in self.labels)
        codes = pd.Index(self.labels).get_indexer(distinct.astype(str))[where]
        order = np.argsort(first, kind="stable")
        at = np.searchsorted(self.first, first[order], side="right")
        self.first = np.insert(self.first, at, first[order])
        self.second = np.insert(self.second, at, second[order])
        self.source = np.insert(self.source, at, codes.astype(np.int16)[order])
        self.rows = np.insert(self.rows, at, frame["row"].to_numpy(dtype=np.int64)[order])


def _id_hashes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    values = ids.to_numpy(dtype=object)
    return (pd.util.hash_array(values, hash_key="hotspotkaart-ids", categorize=False),
            pd.util.hash_array(values, hash_key="melding-id-check", categorize=False))


def _reject_duplicate_ids(frame: pd.DataFrame, ledger: Ledger,
                          seen: _SeenIds | None = None) -> pd.DataFrame:
    """Reject every melding whose id came before, in ``frame`` or in ``seen``.

    ``seen`` holds the ids of earlier pieces; the ids first met in ``frame`` are added to it.
    """
    ids = frame["melding_id"]
    has_id = ids.fillna("") != ""
    earlier = pd.Series(False, index=frame.index)
    where: dict[str, tuple[str, int]] = {}
    if seen is not None:
        first_hash, second_hash = _id_hashes(ids[has_id])
        found, sources, rows = seen.find(first_hash, second_hash)
        earlier[has_id[has_id].index[found]] = True
        where.update(zip(ids[earlier], zip(sources, rows.tolist(), strict=True), strict=True))
    dup = has_id & (ids.duplicated(keep="first") | earlier)
    if dup.any():
        first = frame[has_id & ~earlier].drop_duplicates("melding_id").set_index("melding_id")
        for i in set(ids[dup & ~earlier]):
            where[i] = (first.at[i, "source"], first.at[i, "row"])
        for source, group in frame[dup].groupby("source", sort=False):
            details = [f"eerder in {where[i][0]} rij {where[i][1]}" for i in group["melding_id"]]
            ledger.reject("incidents", str(source), group["row"], Reason.DUPLICATE_ID, details)
    if seen is not None:
        new = ~dup[has_id].to_numpy()
        seen.add(frame[has_id & ~dup], first_hash[new], second_hash[new])
    return frame[~dup].reset_index(drop=True)
