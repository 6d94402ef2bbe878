"""Tests of hotspotkaart.io.crs: axis order, CRS resolution and the move into RD New."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from pyproj import Transformer

from hotspotkaart._errors import InputError
from hotspotkaart.io.crs import infer_axis_order
from tests.helpers.incidents import read

TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def test_wgs84_lon_lat_and_swapped_columns(tmp_path):
    lon, lat = TO_WGS84.transform(105233.0, 425683.0)
    path = tmp_path / "m.csv"
    path.write_text(f"id;datum;soort;lon;lat\n1;01-05-2024;Jeugd;{lon:.7f};{lat:.7f}\n",
                    encoding="utf-8")
    frame, _ = read(path, x="lon", y="lat", crs="EPSG:4326")
    assert_allclose([frame.geometry.x[0], frame.geometry.y[0]], [105233.0, 425683.0], atol=0.05)
    swapped = tmp_path / "s.csv"
    swapped.write_text(f"id;datum;soort;lon;lat\n1;01-05-2024;Jeugd;{lat:.7f};{lon:.7f}\n",
                       encoding="utf-8")
    with pytest.warns(UserWarning, match="latitude and longitude are swapped"):
        frame, ledger = read(swapped, x="lon", y="lat", crs="EPSG:4326")
    assert_allclose([frame.geometry.x[0], frame.geometry.y[0]], [105233.0, 425683.0], atol=0.05)
    assert ledger.warnings


def test_crs_is_inferred_when_not_declared(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n1;01-05-2024;Jeugd;4,6633;51,8138\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"look like WGS84 \(EPSG:4326\)"):
        frame, _ = read(path, crs=None)
    assert 100_000 < frame.geometry.x[0] < 110_000


@pytest.mark.parametrize(("values", "declared", "message"), [
    (("4,6633", "51,8138"), "EPSG:28992", "declared as EPSG:28992 .* look like WGS84"),
    (("105233", "425683"), "EPSG:4326", "declared as EPSG:4326 .* look like RD New"),
])
def test_declared_crs_that_does_not_fit_is_an_error(tmp_path, values, declared, message):
    path = tmp_path / "m.csv"
    path.write_text(f"id;datum;soort;x;y\n1;01-05-2024;Jeugd;{values[0]};{values[1]}\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read(path, crs=declared)


def test_infer_axis_order():
    assert infer_axis_order(np.array([105233.0]), np.array([425683.0])) == "rd"
    assert infer_axis_order(np.array([4.66]), np.array([51.81])) == "wgs84"
    assert infer_axis_order(np.array([51.81]), np.array([4.66])) == "wgs84-swapped"
    assert infer_axis_order(np.array([0.0, 1.0]), np.array([0.0, 1.0])) is None


def test_rd_with_x_and_y_swapped_is_repaired_with_a_warning(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;datum;soort;x;y\n1;01-05-2024;Jeugd;425683,9;105233,4\n",
                    encoding="utf-8")
    with pytest.warns(UserWarning, match="x and y are swapped"):
        frame, _ = read(path)
    assert_allclose([frame.geometry.x[0], frame.geometry.y[0]], [105233.4, 425683.9])


def test_geojson_without_crs_member_holding_rd_needs_the_crs_in_the_config(tmp_path):
    path = tmp_path / "m.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                    '"properties": {"id": 1.0, "datum": "2024-05-01", "soort": "Jeugd"}, '
                    '"geometry": {"type": "Point", "coordinates": [105233.4, 425683.9]}}]}',
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"without a 'crs' member always says WGS84\) but the "
                                         r"coordinates look like RD New metres"):
        read(path, x=None, y=None, crs=None)
    with pytest.warns(UserWarning, match="are in EPSG:28992 as the config says"):
        frame, _ = read(path, x=None, y=None, crs="EPSG:28992")
    assert_allclose([frame.geometry.x[0], frame.geometry.y[0]], [105233.4, 425683.9])
    assert frame["melding_id"].tolist() == ["1"]  # not "1.0": the same id as in a CSV
