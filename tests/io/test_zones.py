from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart.config.settings import LocationSource, ZoneSource
from hotspotkaart.io.ledger import Ledger, Reason
from hotspotkaart.io.zones import MAX_ZONE_VERTICES, read_locations, read_zones

SQUARE = [[105000, 425000], [105200, 425000], [105200, 425200], [105000, 425200],
          [105000, 425000]]
BOWTIE = [[105000, 425000], [105200, 425200], [105200, 425000], [105000, 425200],
          [105000, 425000]]


def _feature(geometry, **props):
    return {"type": "Feature", "properties": {"naam": "Zone", "geldig_vanaf": None,
                                              "geldig_tot": None, **props},
            "geometry": geometry}


def _write(path, features, crs="EPSG:28992"):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _zone_source(path, **kwargs):
    return ZoneSource(kind="alcoholverbod", path=path, name="naam", valid_from="geldig_vanaf",
                      valid_to="geldig_tot", **kwargs)


def test_messy_zone_file_is_accounted_for(tmp_path):
    features = [
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, naam="Centrum",
                 geldig_vanaf="2023-01-01"),                                            # 1 ok
        _feature(None),                                                                 # 2
        _feature({"type": "Polygon", "coordinates": []}),                               # 3
        _feature({"type": "Point", "coordinates": [105000, 425000]}),                   # 4
        _feature({"type": "Polygon", "coordinates": [BOWTIE]}, naam="Strik"),           # 5 fix
        _feature({"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [105000, 425000]},
            {"type": "Polygon", "coordinates": [SQUARE]}]}, naam="Verzameling"),        # 6 ok
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, geldig_vanaf="morgen"),  # 7
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, geldig_vanaf="2024-07-01",
                 geldig_tot="2024-01-01"),                                              # 8
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, naam="",
                 geldig_vanaf="01-07-2024", geldig_tot="31-12-2024"),                   # 9 ok
    ]
    path = _write(tmp_path / "z.geojson", features)
    ledger = Ledger()
    with pytest.warns(UserWarning, match="repaired 1 invalid"):
        zones = read_zones((_zone_source(path),), ledger)
    assert zones["row"].tolist() == [1, 5, 6, 9]
    assert {r.row: r.reason for r in ledger.rejections} == {
        2: Reason.NO_GEOMETRY, 3: Reason.EMPTY_GEOMETRY, 4: Reason.NOT_POLYGON,
        7: Reason.VALIDITY_UNREADABLE, 8: Reason.VALIDITY_REVERSED,
    }
    assert ledger.counts("zones", used=len(zones))["read"] == 9
    assert zones.geometry.is_valid.all()
    assert set(zones.geom_type) <= {"Polygon", "MultiPolygon"}
    assert zones.loc[0, "valid_from"] == pd.Timestamp("2023-01-01")
    assert pd.isna(zones.loc[0, "valid_to"])
    assert zones.loc[3, "name"] == "alcoholverbod 9"
    assert zones.loc[3, "valid_to"] == pd.Timestamp("2024-12-31")
    assert zones["zone_id"].is_unique


def test_zone_file_in_wgs84_is_reprojected(tmp_path):
    square = gpd.GeoSeries([shapely.Polygon(SQUARE)], crs="EPSG:28992").to_crs("EPSG:4326")
    feature = _feature(json.loads(square.to_json())["features"][0]["geometry"])
    path = _write(tmp_path / "z.geojson", [feature], crs=None)  # GeoJSON default: WGS84
    zones = read_zones((_zone_source(path),), Ledger())
    assert zones.crs.to_epsg() == 28992
    assert abs(zones.geometry.area.iloc[0] - 40_000) < 5


def test_zone_file_without_crs_is_inferred_with_a_warning(tmp_path):
    frame = gpd.GeoDataFrame({"naam": ["A"], "geldig_vanaf": [None], "geldig_tot": [None]},
                             geometry=[shapely.Polygon(SQUARE)])  # no CRS
    path = tmp_path / "z.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(path)
    ledger = Ledger()
    with pytest.warns(UserWarning, match="has no CRS; its coordinates look like EPSG:28992"):
        zones = read_zones((_zone_source(path),), ledger)
    assert len(zones) == 1


def test_zone_missing_name_column(tmp_path):
    path = _write(tmp_path / "z.geojson",
                  [{"type": "Feature", "properties": {"x": 1},
                    "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}])
    with pytest.raises(InputError, match=r"column\(s\) 'naam', 'geldig_vanaf', 'geldig_tot'"):
        read_zones((_zone_source(path),), Ledger())


def test_locations(tmp_path):
    features = [
        {"type": "Feature", "properties": {"naam": "Leerpark", "jaar": 2023,
                                           "status": "afgenomen in 2024"},
         "geometry": {"type": "Point", "coordinates": [105000, 425000]}},
        {"type": "Feature", "properties": {"naam": "X", "jaar": "twee"},
         "geometry": {"type": "Point", "coordinates": [105000, 425000]}},
        {"type": "Feature", "properties": {"naam": "Y", "jaar": 2024},
         "geometry": {"type": "Polygon", "coordinates": [SQUARE]}},
    ]
    path = _write(tmp_path / "l.geojson", features)
    ledger = Ledger()
    locations = read_locations((LocationSource(path=path),), ledger)
    assert locations["name"].tolist() == ["Leerpark"]
    assert locations["year"].tolist() == [2023]
    assert {r.row: r.reason for r in ledger.rejections} == {2: Reason.YEAR_UNREADABLE,
                                                            3: Reason.NOT_POINT}


# -- hardening (issue 6) --------------------------------------------------------------------------


def test_placeholder_end_dates_are_open_and_far_away_zones_rejected(tmp_path):
    features = [
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, geldig_vanaf="01-01-2023",
                 geldig_tot="31-12-9999"),                                               # 1
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, geldig_vanaf="01-01-9999"),  # 2
        _feature({"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 0]]]}),  # 3
    ]
    path = _write(tmp_path / "z.geojson", features)
    ledger = Ledger()
    with pytest.warns(UserWarning, match=r"1 geldig_tot value\(s\) such as '31-12-9999'"):
        zones = read_zones((_zone_source(path),), ledger)
    assert zones["row"].tolist() == [1, 2]
    assert pd.isna(zones.loc[0, "valid_to"])                     # open-ended
    assert zones.loc[1, "valid_from"].year == 2262               # never valid in the periods
    assert {r.row: r.reason for r in ledger.rejections} == {3: Reason.OUTSIDE_NL}


def test_overlapping_zones_valid_at_the_same_time_are_reported(tmp_path):
    shifted = [[x + 100, y] for x, y in SQUARE]
    features = [
        _feature({"type": "Polygon", "coordinates": [SQUARE]}, naam="West",
                 geldig_vanaf="2023-01-01"),
        _feature({"type": "Polygon", "coordinates": [shifted]}, naam="Oost",
                 geldig_vanaf="2024-01-01"),
        _feature({"type": "Polygon", "coordinates": [shifted]}, naam="Vroeger",
                 geldig_tot="2022-12-31"),
    ]
    path = _write(tmp_path / "z.geojson", features)
    ledger = Ledger()
    with pytest.warns(UserWarning, match=r"row 1 \(West\) and z\.geojson row 2 \(Oost\) overlap "
                                         r"by 20,000 m²"):
        read_zones((_zone_source(path),), ledger)
    assert len(ledger.warnings) == 1  # "Vroeger" overlaps West in space, not in time


def test_rd_geojson_without_crs_member_is_an_error_unless_the_config_says_so(tmp_path):
    path = _write(tmp_path / "z.geojson",
                  [_feature({"type": "Polygon", "coordinates": [SQUARE]})], crs=None)
    with pytest.raises(InputError, match=r"z\.geojson: the CRS is declared as EPSG:4326 "
                                         r"\(degrees\) in the file"):
        read_zones((_zone_source(path),), Ledger())
    with pytest.warns(UserWarning, match="are in EPSG:28992 as the config says"):
        zones = read_zones((_zone_source(path, crs="EPSG:28992"),), Ledger())
    assert abs(zones.geometry.area.iloc[0] - 40_000) < 1e-6


def test_an_empty_zone_file_gives_no_zones_and_a_warning(tmp_path):
    path = _write(tmp_path / "z.geojson", [], crs=None)
    ledger = Ledger()
    with pytest.warns(UserWarning, match="holds no features"):
        zones = read_zones((_zone_source(path),), ledger)
    assert zones.empty
    assert ledger.counts("zones", used=0)["read"] == 0


def test_location_names_and_status_stay_empty_when_missing(tmp_path):
    features = [{"type": "Feature", "properties": {"naam": None, "jaar": 2023, "status": None},
                 "geometry": {"type": "MultiPoint", "coordinates": [[105000, 425000]]}}]
    path = _write(tmp_path / "l.geojson", features)
    locations = read_locations((LocationSource(path=path),), Ledger())
    assert locations[["name", "status"]].values.tolist() == [["", ""]]
    assert locations.geom_type.tolist() == ["Point"]


def _circle(corners):
    angles = np.linspace(0, 2 * np.pi, corners - 1, endpoint=False)
    ring = np.column_stack([105100 + 90 * np.cos(angles), 425100 + 90 * np.sin(angles)])
    return {"type": "Polygon", "coordinates": [[*ring.tolist(), ring[0].tolist()]]}


def test_a_zone_with_too_many_corners_is_rejected_before_it_is_checked(tmp_path):
    features = [_feature(_circle(MAX_ZONE_VERTICES), naam="Fijn"),
                _feature(_circle(MAX_ZONE_VERTICES + 1), naam="Te fijn")]
    ledger = Ledger()
    with pytest.warns(UserWarning, match=r"1 zone\(s\) \(row 2\) have more than 100000 corners "
                                         r"and are left out; simplify them first"):
        zones = read_zones((_zone_source(_write(tmp_path / "z.geojson", features)),), ledger)
    assert zones["name"].tolist() == ["Fijn"]
    [rejected] = ledger.rejections
    assert (rejected.row, rejected.reason) == (2, Reason.TOO_DETAILED)
    assert rejected.detail == "100.001 hoekpunten, hoogstens 100.000"
    assert ledger.counts("zones", used=len(zones))["read"] == 2
