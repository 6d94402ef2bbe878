from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspotkaart.accounting import Ledger, Reason
from hotspotkaart.joins import assign_areas, flag_zones, join_incidents

from ._helpers import BUURTEN


def _squares() -> gpd.GeoDataFrame:
    """Two buurten sharing the edge x = 100, codes deliberately not in file order."""
    return gpd.GeoDataFrame(
        {"buurtcode": ["BU00000002", "BU00000001"], "wijkcode": ["WK000000", "WK000000"]},
        geometry=[shapely.box(100, 0, 200, 100), shapely.box(0, 0, 100, 100)],
        crs="EPSG:28992",
    )


def _points(coords, dates=None) -> gpd.GeoDataFrame:
    dates = dates or ["2024-01-01"] * len(coords)
    return gpd.GeoDataFrame(
        {"source": "m.csv", "row": range(2, 2 + len(coords)),
         "date": pd.to_datetime(dates, format="mixed")},
        geometry=[shapely.Point(c) for c in coords], crs="EPSG:28992",
    )


def test_boundary_rule_counts_every_point_exactly_once():
    points = _points([(50, 50), (150, 50), (100, 50), (100, 100), (100, 0), (300, 50)])
    out = assign_areas(points, _squares())
    assert out["buurtcode"].tolist() == ["BU00000001", "BU00000002", "BU00000001",
                                         "BU00000001", "BU00000001", None]
    assert "buurtcode" not in points  # the input is not modified


def test_outside_points_are_rejected_as_such():
    ledger = Ledger()
    points = _points([(50, 50), (300, 50)])
    ledger.register("incidents", "m.csv", pd.DataFrame(index=[2, 3]))
    empty_zones = gpd.GeoDataFrame({"kind": [], "valid_from": [], "valid_to": []},
                                   geometry=[], crs="EPSG:28992")
    used = join_incidents(points, _squares(), empty_zones, ledger)
    assert used["row"].tolist() == [2]
    assert [(r.row, r.reason) for r in ledger.rejections] == [(3, Reason.OUTSIDE_AREA)]
    assert ledger.counts("incidents", used=len(used))["rejected"] == 1
    assert not used["in_alcoholverbod"].any()


def test_zone_flags_respect_validity_dates_inclusively():
    zones = gpd.GeoDataFrame(
        {"kind": ["alcoholverbod", "cameratoezicht"],
         "valid_from": pd.to_datetime(["2024-07-01", None]),
         "valid_to": pd.to_datetime([None, "2023-12-31"])},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(0, 0, 100, 100)],
        crs="EPSG:28992",
    )
    points = _points([(50, 50), (50, 50), (50, 50), (100, 100), (150, 50)],
                     dates=["2024-06-30 23:59", "2024-07-01 00:00", "2023-12-31 22:00",
                            "2024-08-01", "2024-08-01"])
    flags = flag_zones(points, zones)
    assert flags["in_alcoholverbod"].tolist() == [False, True, False, True, False]
    assert flags["in_cameratoezicht"].tolist() == [False, False, True, False, False]
    assert flags["in_veiligheidsrisicogebied"].tolist() == [False] * 5


@pytest.mark.parametrize("shuffle_seed", [1, 2])
def test_real_buurten_join_is_invariant_under_row_order(shuffle_seed):
    buurten = gpd.read_file(BUURTEN)
    points = _points([tuple(p.coords[0]) for p in
                      buurten.geometry.representative_point().iloc[::7]])
    reference = assign_areas(points, buurten)
    shuffled = buurten.sample(frac=1, random_state=shuffle_seed)
    again = assign_areas(points, shuffled)
    assert again["buurtcode"].tolist() == reference["buurtcode"].tolist()
    assert reference["buurtcode"].tolist() == buurten["buurtcode"].iloc[::7].tolist()
