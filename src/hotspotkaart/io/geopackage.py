"""Write the GeoPackage so that QGIS opens it as the map: styles, Dutch aliases, real dates.

A GIS colleague drags ``hotspotkaart.gpkg`` into QGIS and should see what the maps show. So the
file is written

* as **GeoPackage 1.2** (GDAL's ``VERSION=1.2``): QGIS 3.22 / GDAL 3.6, still on many municipal
  desktops, read 1.4 with a warning and their validator rejects its R-tree triggers;
* with **dates as dates**: a date column is a ``DATE`` field, a date with time a ``DATETIME`` in
  UTC (the GeoPackage rule; local time is converted, so QGIS's Temporal Controller can use it);
* with a **description per layer** (``gpkg_contents.description``) and a **Dutch alias and
  description per field** (the schema extension's ``gpkg_data_columns``, from
  :mod:`hotspotkaart.io.glossary`);
* with a **style per layer** in QGIS's ``layer_styles`` table (QML, and SLD for other clients),
  made by the maps from the same classes and colours (:mod:`hotspotkaart.maps.qgis`); the one
  marked default is what QGIS draws when the layer is opened.

Features go to GDAL through pyogrio's Arrow stream (pyarrow), which is also what writes a
``DATE`` field; the extra tables are added with :mod:`sqlite3` after GDAL has closed the file.
A layer of points may come as a plain frame with coordinates ``x`` and ``y`` (the millions of
meldingen a build keeps so): its geometries are written as WKB made from the numbers, without
a shapely point for each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pyogrio.errors

from hotspotkaart._geometry import COORDINATES
from hotspotkaart.config.settings import Periods
from hotspotkaart.io.export import output_failure
from hotspotkaart.io.glossary import describe

__all__ = ["GPKG_VERSION", "LayerStyle", "attribute_columns", "write_geopackage"]

#: The GeoPackage version written: what GDAL 3.6's ``validate_gpkg.py`` accepts without a word.
GPKG_VERSION = "1.2"

#: Local time of the meldingen, converted to UTC for ``DATETIME`` fields.
LOCAL_TIME = "Europe/Amsterdam"


@dataclass(frozen=True)
class LayerStyle:
    """One style of a layer for QGIS's ``layer_styles`` table.

    Attributes
    ----------
    name : str
        The style's name as QGIS lists it (Dutch).
    qml : str
        The QGIS style document (``<qgis>…</qgis>``).
    sld : str
        The same classes as OGC Styled Layer Descriptor, for other clients.
    default : bool
        Whether QGIS draws the layer with this style when it is opened (one per layer).
    """

    name: str
    qml: str
    sld: str = ""
    default: bool = False


def write_geopackage(path: Path, layers: Mapping[str, pd.DataFrame], *,
                     descriptions: Mapping[str, str] | None = None,
                     styles: Mapping[str, Sequence[LayerStyle]] | None = None,
                     categories: Mapping[str, str] | None = None,
                     created: datetime | None = None, periods: Periods | None = None) -> None:
    """Write ``layers`` into one GeoPackage 1.2 with descriptions, aliases and styles.

    Parameters
    ----------
    path : Path
        The ``.gpkg`` file to write (a new file).
    layers : mapping of str to geopandas.GeoDataFrame or pandas.DataFrame
        The layers by name, in EPSG:28992; a plain frame is a layer of points at its
        :data:`~hotspotkaart._geometry.COORDINATES`. Not modified.
    descriptions : mapping of str to str, optional
        A Dutch description per layer.
    styles : mapping of str to sequence of LayerStyle, optional
        The QGIS styles per layer.
    categories : mapping of str to str, optional
        Category slug to name, for the field aliases.
    created : datetime, optional
        The time the layers and styles are stamped with (the build's, so rebuilds are
        identical); when not given, the styles now and the layers as GDAL wrote them.
    periods : Periods, optional
        The build's periods, for the field aliases (:func:`~hotspotkaart.io.glossary.describe`).

    Raises
    ------
    OSError
        If the file cannot be written (:func:`hotspotkaart.io.export.output_failure`).
    """
    descriptions = descriptions or {}
    try:
        with _sqlite_options():
            for number, (name, layer) in enumerate(layers.items()):
                _write_layer(path, name, layer, first=number == 0,
                             description=descriptions.get(name, ""))
        with closing(sqlite3.connect(path)) as db, db:
            _data_columns(db, layers, categories or {}, periods)
            if styles:
                _layer_styles(db, layers, styles, created or datetime.now(tz=UTC))
            if created is not None:  # GDAL stamps each layer as it writes it
                db.execute("UPDATE gpkg_contents SET last_change = ?", (_stamp(created),))
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError,
            sqlite3.Error) as exc:
        raise output_failure(path, exc) from exc


def _write_layer(path: Path, name: str, layer: pd.DataFrame, *, first: bool,
                 description: str) -> None:
    """Write one layer through GDAL (the first one creates the file as GeoPackage 1.2)."""
    options = {"dataset_options": {"VERSION": GPKG_VERSION} if first else None,
               "layer_options": {"DESCRIPTION": description, "IDENTIFIER": name}}
    if isinstance(layer, gpd.GeoDataFrame):
        _typed(layer).to_file(path, layer=name, driver="GPKG", engine="pyogrio",
                              use_arrow=True, **options)
    else:
        pyogrio.write_arrow(_point_table(layer), path, layer=name, driver="GPKG",
                            geometry_name="geom", geometry_type="Point", crs="EPSG:28992",
                            **options)


#: GDAL's SQLite settings while it writes the layers, each unless the user set it: a page cache
#: of 128 MB (the R-tree of millions of meldingen is built a quarter faster than in SQLite's
#: default 2 MB, for some 60 MB more) and no journal or waiting for the disk — the file is
#: written in the build's staging folder and only put in place whole (``benchmarks/README.md``).
SQLITE_OPTIONS = {"OGR_SQLITE_CACHE": "128", "OGR_SQLITE_JOURNAL": "OFF",
                  "OGR_SQLITE_SYNCHRONOUS": "OFF"}


@contextmanager
def _sqlite_options() -> Iterator[None]:
    """Set :data:`SQLITE_OPTIONS` for GDAL while the layers are written.

    GDAL's configuration is the process's: an option the user set (as an environment variable
    or a GDAL option) is left alone, and those set here are taken back afterwards.
    """
    unset = {key: value for key, value in SQLITE_OPTIONS.items()
             if pyogrio.get_gdal_config_option(key) is None}
    pyogrio.set_gdal_config_options(unset)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(unset))


def _stamp(moment: datetime) -> str:
    """Write ``moment`` as the GeoPackage writes its times (UTC, milliseconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def attribute_columns(layer: pd.DataFrame) -> list[str]:
    """Return the columns of ``layer`` written as fields: not its geometry or coordinates."""
    if isinstance(layer, gpd.GeoDataFrame):
        return [str(c) for c in layer.columns if c != layer.geometry.name]
    return [str(c) for c in layer.columns if c not in COORDINATES]


def _point_table(layer: pd.DataFrame) -> pa.Table:
    """Return a frame of points at ``x`` and ``y`` as an Arrow table with WKB geometries."""
    frame = _typed(layer[attribute_columns(layer)])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    wkb = np.empty(len(layer), dtype=[("order", "u1"), ("type", "<u4"), ("x", "<f8"),
                                      ("y", "<f8")])  # 21 bytes, packed: a WKB Point
    wkb["order"], wkb["type"] = 1, 1  # little endian, Point
    x, y = COORDINATES
    wkb["x"], wkb["y"] = layer[x].to_numpy(float), layer[y].to_numpy(float)
    points = pa.FixedSizeBinaryArray.from_buffers(pa.binary(wkb.itemsize), len(wkb),
                                                  [None, pa.py_buffer(wkb)])
    return table.append_column("geom", points.cast(pa.binary()))


def _typed(layer: pd.DataFrame) -> pd.DataFrame:
    """Give every column the GeoPackage type it holds: text, dates, UTC datetimes."""
    frame = layer.copy()
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for column in frame.columns:
        values = frame[column]
        if column == geometry:
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):  # each category's text taken by
            text = pd.array(values.cat.categories, dtype="string")  # Arrow, not one by one
            frame[column] = pd.Series(text.take(values.cat.codes.to_numpy(), allow_fill=True),
                                      index=values.index)
        elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            frame[column] = values.astype("string")
        elif pd.api.types.is_datetime64_any_dtype(values):
            frame[column] = _date_or_datetime(values)
    return frame


def _date_or_datetime(values: pd.Series) -> pd.Series:
    """Dates without a time of day as ``DATE``; others as UTC datetimes (``DATETIME``).

    Naive values are local time: the hour that occurs twice when summer time ends is read as
    summer time, a time that does not exist when it begins is moved forward.
    """
    if values.dt.tz is None:
        known = values.dropna()
        if not len(known) or bool((known == known.dt.normalize()).all()):
            days = pa.array(values.to_numpy(dtype="datetime64[D]"), type=pa.date32(),
                            from_pandas=True)  # NaT is null
            return pd.Series(pd.arrays.ArrowExtensionArray(days), index=values.index)
        values = values.dt.tz_localize(LOCAL_TIME, ambiguous=True,
                                       nonexistent="shift_forward")
    return values.dt.tz_convert("UTC")


_SCHEMA_EXTENSION = "http://www.geopackage.org/spec120/#extension_schema"


def _data_columns(db: sqlite3.Connection, layers: Mapping[str, pd.DataFrame],
                  categories: Mapping[str, str], periods: Periods | None) -> None:
    """Fill ``gpkg_data_columns`` with the Dutch alias (name, title) and description per field.

    The alias is unique per table (the 1.2 schema requires it); a repeated one gets its column
    name in brackets.
    """
    db.executescript("""
        CREATE TABLE IF NOT EXISTS gpkg_data_columns (
            table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
            description TEXT, mime_type TEXT, constraint_name TEXT,
            CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
            CONSTRAINT gdc_tn UNIQUE (table_name, name));
        CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
            constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
            min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
            description TEXT,
            CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
    """)
    db.executemany("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, NULL, 'gpkg_schema', ?, "
                   "'read-write')", [("gpkg_data_columns", _SCHEMA_EXTENSION),
                                     ("gpkg_data_column_constraints", _SCHEMA_EXTENSION)])
    rows = []
    for table, layer in layers.items():
        seen: set[str] = set()
        for column in attribute_columns(layer):
            note = describe(table, column, categories=categories, periods=periods)
            if note is None:
                continue
            alias = note.alias if note.alias not in seen else f"{note.alias} ({column})"
            seen.add(alias)
            rows.append((table, str(column), alias, alias, note.description))
    db.executemany("INSERT INTO gpkg_data_columns (table_name, column_name, name, title, "
                   "description) VALUES (?, ?, ?, ?, ?)", rows)


def _layer_styles(db: sqlite3.Connection, layers: Mapping[str, pd.DataFrame],
                  styles: Mapping[str, Sequence[LayerStyle]], created: datetime) -> None:
    """Create QGIS's ``layer_styles`` table (as QGIS does) with the styles of every layer."""
    db.executescript("""
        CREATE TABLE layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
            f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
            styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
            description TEXT, owner TEXT(30), ui TEXT(30),
            update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
        INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
            VALUES ('layer_styles', 'attributes', 'layer_styles',
                    'Stijlen van de lagen voor QGIS');
    """)
    geometry = {row[0]: row[1] for row in db.execute(
        "SELECT table_name, column_name FROM gpkg_geometry_columns")}
    stamp = _stamp(created)
    rows = [("", "", table, geometry.get(table, "geom"), style.name, style.qml, style.sld,
             style.default, style.name, "hotspotkaart", stamp)
            for table, table_styles in styles.items() if table in layers
            for style in table_styles]
    db.executemany("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                   "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                   "description, owner, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   rows)
