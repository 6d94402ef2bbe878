"""The GeoPackage as QGIS 3.22 / GDAL 3.6 read it: version, dates, aliases, styles (#19 item 3)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from osgeo_utils.samples import validate_gpkg
from shapely.geometry import Point

from hotspotkaart.io.geopackage import LayerStyle, write_geopackage


def _layers(n: int = 30, seed: int = 2) -> dict[str, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    points = [Point(xy) for xy in rng.uniform([100_000, 420_000], [106_000, 426_000], (n, 2))]
    # local times across both summer-time changes of 2024 (31 March, 27 October)
    stamps = pd.to_datetime(["2024-03-31 01:30", "2024-03-31 02:30", "2024-10-27 02:30",
                             "2024-07-01 12:00"] * (n // 4 + 1))[:n]
    incidents = gpd.GeoDataFrame({"melding_id": [f"=M{i}" for i in range(n)], "date": stamps,
                                  "period": 2024, "in_cameratoezicht": rng.uniform(size=n) < .5},
                                 geometry=points, crs="EPSG:28992")
    zones = gpd.GeoDataFrame({"zone_id": ["a", "b"], "kind": ["cameratoezicht", "alcoholverbod"],
                              "valid_from": pd.to_datetime(["2023-01-01", "2024-07-01"]),
                              "valid_to": pd.to_datetime([None, "2024-12-31"]),
                              "inside_2024": [3, 4]},
                             geometry=[points[0].buffer(300), points[1].buffer(200)],
                             crs="EPSG:28992")
    return {"incidents": incidents, "zones": zones}


def _sql(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


def test_gdal_36_validator_is_silent_and_the_version_is_1_2(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "t.gpkg"
    style = LayerStyle("Zones", "<qgis/>", default=True)
    write_geopackage(path, _layers(), descriptions={"zones": "Zones"}, styles={"zones": [style]})
    errors = validate_gpkg.check(str(path), abort_at_first_error=False, extra_checks=True,
                                 warning_msg=True)
    assert errors == []
    assert capsys.readouterr().out == ""  # no warning either
    assert _sql(path, "PRAGMA user_version") == [(10200,)]


def test_dates_are_dates_and_times_are_utc(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    layers = _layers()
    write_geopackage(path, layers)
    types = {row[1]: row[2] for row in _sql(path, "PRAGMA table_info(zones)")}
    assert types["valid_from"] == "DATE"
    assert types["valid_to"] == "DATE"
    assert {row[1]: row[2] for row in _sql(path, "PRAGMA table_info(incidents)")}["date"] \
        == "DATETIME"
    stored = [r[0] for r in _sql(path, "SELECT date FROM incidents ORDER BY fid LIMIT 4")]
    # CET is UTC+1, CEST UTC+2; 02:30 on 31 March does not exist (moved to 03:00 CEST), on
    # 27 October it occurs twice (read as summer time)
    assert stored == ["2024-03-31T00:30:00.000Z", "2024-03-31T01:00:00.000Z",
                      "2024-10-27T00:30:00.000Z", "2024-07-01T10:00:00.000Z"]
    back = gpd.read_file(path, layer="zones")
    assert back["valid_to"].isna().tolist() == [True, False]
    assert _sql(path, "SELECT valid_from, valid_to FROM zones ORDER BY fid") == [
        ("2023-01-01", None), ("2024-07-01", "2024-12-31")]
    assert layers["incidents"]["date"].dt.tz is None  # the caller's frame is not changed


def test_fields_have_unique_dutch_aliases_and_layers_a_description(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    write_geopackage(path, _layers(), descriptions={"incidents": "Gebruikte meldingen"})
    rows = _sql(path, "SELECT table_name, column_name, name, title, description "
                      "FROM gpkg_data_columns")
    aliases = {(t, c): (n, d) for t, c, n, _title, d in rows}
    assert aliases[("zones", "inside_2024")][0] == "Binnen 2024"
    assert aliases[("incidents", "in_cameratoezicht")][0] == "In cameratoezicht"
    assert all(n == title for _t, _c, n, title, _d in rows)
    assert ("gpkg_data_columns", "gpkg_schema") in {
        (r[0], r[2]) for r in _sql(path, "SELECT * FROM gpkg_extensions")}
    assert ("incidents", "Gebruikte meldingen") in _sql(
        path, "SELECT table_name, description FROM gpkg_contents")


def test_layer_styles_as_qgis_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    styles = {"zones": [LayerStyle("a", "<qgis>a</qgis>", "<sld/>", default=True),
                        LayerStyle("b", "<qgis>b</qgis>")],
              "elders": [LayerStyle("c", "<qgis/>", default=True)]}  # no such layer: left out
    write_geopackage(path, _layers(), styles=styles)
    rows = _sql(path, "SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, "
                      "useAsDefault FROM layer_styles ORDER BY id")
    assert rows == [("zones", "geom", "a", "<qgis>a</qgis>", "<sld/>", 1),
                    ("zones", "geom", "b", "<qgis>b</qgis>", "", 0)]
    assert "layer_styles" in dict(pyogrio.list_layers(path))  # registered, as QGIS does


def test_a_builds_geopackage_passes_the_validator(built: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = built / "hotspotkaart.gpkg"
    assert validate_gpkg.check(str(path), abort_at_first_error=False, extra_checks=True) == []
    assert capsys.readouterr().out == ""
    described = dict(_sql(path, "SELECT table_name, description FROM gpkg_contents"))
    assert all(described[t] for t in ("buurten", "wijken", "grid", "zones", "incidents"))
    fields = {(t, c) for t, c in _sql(path, "SELECT table_name, column_name "
                                            "FROM gpkg_data_columns")}
    for table in ("buurten", "grid", "incidents"):
        columns = pyogrio.read_info(path, layer=table)["fields"]
        assert {(table, str(c)) for c in columns} <= fields  # every field has its alias


def test_every_layer_is_stamped_with_the_builds_time(tmp_path: Path) -> None:
    path = tmp_path / "t.gpkg"
    created = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    write_geopackage(path, _layers(), created=created,
                     styles={"zones": [LayerStyle("Zones", "<qgis/>", default=True)]})
    stamps = {name: stamp for name, stamp in _sql(path, "SELECT table_name, last_change "
                                                         "FROM gpkg_contents")}
    assert set(stamps) == {"incidents", "zones", "layer_styles"}
    assert set(stamps.values()) == {"2025-01-01T09:30:00.000Z"}


def test_points_given_by_coordinates_are_written_as_the_same_points(tmp_path: Path) -> None:
    layers = _layers(n=41, seed=5)
    as_points, as_numbers = tmp_path / "points.gpkg", tmp_path / "numbers.gpkg"
    write_geopackage(as_points, layers, descriptions={"incidents": "Meldingen"})
    points = layers["incidents"]
    numbers = pd.DataFrame(points.drop(columns="geometry")).assign(
        x=points.geometry.x, y=points.geometry.y)
    kept = numbers.copy()
    write_geopackage(as_numbers, {**layers, "incidents": numbers},
                     descriptions={"incidents": "Meldingen"})
    pd.testing.assert_frame_equal(numbers, kept)  # not modified
    pd.testing.assert_frame_equal(pyogrio.read_dataframe(as_points, layer="incidents"),
                                  pyogrio.read_dataframe(as_numbers, layer="incidents"))
    for query in ("SELECT * FROM gpkg_geometry_columns", "SELECT * FROM gpkg_data_columns",
                  "SELECT * FROM gpkg_extensions",
                  "SELECT table_name, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents",
                  "SELECT COUNT(*) FROM rtree_incidents_geom"):
        assert _sql(as_numbers, query) == _sql(as_points, query), query
    assert _errors_of(as_numbers) == []


def _errors_of(path: Path) -> list[object]:
    return validate_gpkg.check(str(path), abort_at_first_error=False, extra_checks=True,
                               warning_msg=False)


@pytest.mark.parametrize("users", [None, "64"])
def test_the_layers_are_written_with_faster_sqlite_options_unless_the_user_set_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, users: str | None) -> None:
    from hotspotkaart.io import geopackage

    if users is not None:
        monkeypatch.setenv("OGR_SQLITE_CACHE", users)
    seen: list[dict[str, object]] = []
    real = geopackage._write_layer

    def write_layer(*args: object, **kwargs: object) -> None:
        seen.append({key: pyogrio.get_gdal_config_option(key)
                     for key in geopackage.SQLITE_OPTIONS})
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(geopackage, "_write_layer", write_layer)
    write_geopackage(tmp_path / "a.gpkg", _layers())
    cache = 128 if users is None else int(users)
    # pyogrio reads "OFF" back as False
    assert seen == [{"OGR_SQLITE_CACHE": cache, "OGR_SQLITE_JOURNAL": False,
                     "OGR_SQLITE_SYNCHRONOUS": False}] * 2  # both layers
    after = {key: pyogrio.get_gdal_config_option(key) for key in geopackage.SQLITE_OPTIONS}
    assert after == {"OGR_SQLITE_CACHE": None if users is None else int(users),
                     "OGR_SQLITE_JOURNAL": None, "OGR_SQLITE_SYNCHRONOUS": None}
    assert _errors_of(tmp_path / "a.gpkg") == []


def test_categorical_text_is_written_as_the_same_text(tmp_path: Path) -> None:
    layers = _layers(n=23, seed=9)
    points = layers["incidents"]
    numbers = pd.DataFrame(points.drop(columns="geometry")).assign(
        x=points.geometry.x, y=points.geometry.y,
        buurtcode=np.where(np.arange(23) % 5 == 0, None, "BU05050101"))
    categorical = numbers.astype({"melding_id": "category", "buurtcode": "category"})
    as_text, as_categories = tmp_path / "text.gpkg", tmp_path / "categories.gpkg"
    write_geopackage(as_text, {**layers, "incidents": numbers})
    write_geopackage(as_categories, {**layers, "incidents": categorical})
    read = pyogrio.read_dataframe(as_categories, layer="incidents")
    pd.testing.assert_frame_equal(read, pyogrio.read_dataframe(as_text, layer="incidents"))
    assert read["buurtcode"].isna().sum() == 5  # a missing code stays missing
