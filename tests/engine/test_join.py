from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from hotspotkaart.engine.join import assign_areas, join_incidents
from hotspotkaart.io.ledger import Ledger, Reason
from tests.helpers.project import BUURTEN


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


def _no_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": [], "valid_from": [], "valid_to": []},
                            geometry=[], crs="EPSG:28992")


def test_join_applies_the_boundary_rule_where_three_buurten_meet():
    buurten = pd.concat([_squares(), gpd.GeoDataFrame(
        {"buurtcode": ["BU00000000"], "wijkcode": ["WK000001"]},
        geometry=[shapely.box(100, 100, 200, 200)], crs="EPSG:28992")], ignore_index=True)
    coords = [(50, 50), (150, 50), (100, 50), (100, 100), (150, 100), (150, 150), (300, 50)]
    points = _points(coords)
    ledger = Ledger()
    ledger.register("incidents", "m.csv", pd.DataFrame(index=range(2, 2 + len(coords))))
    used = join_incidents(points, buurten, _no_zones(), ledger)
    # (100, 100) and (150, 100) touch BU00000000, the lowest code, which is last in the file
    assert used["buurtcode"].tolist() == ["BU00000001", "BU00000002", "BU00000001",
                                          "BU00000000", "BU00000000", "BU00000000"]
    assert used["wijkcode"].tolist() == ["WK000000"] * 3 + ["WK000001"] * 3
    assert used["buurtcode"].tolist() == \
        assign_areas(points, buurten)["buurtcode"].dropna().tolist()
    assert [r.row for r in ledger.rejections] == [8]
    # the codes are categories of the buurten's sorted codes: counted without hashing text
    assert isinstance(used["buurtcode"].dtype, pd.CategoricalDtype)
    assert used["buurtcode"].cat.categories.tolist() == sorted(buurten["buurtcode"])
    assert used["wijkcode"].cat.categories.tolist() == ["WK000000", "WK000001"]


def test_outside_points_are_rejected_as_such():
    ledger = Ledger()
    points = _points([(50, 50), (300, 50)])
    ledger.register("incidents", "m.csv", pd.DataFrame(index=[2, 3]))
    used = join_incidents(points, _squares(), _no_zones(), ledger)
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
    ledger = Ledger()
    ledger.register("incidents", "m.csv", pd.DataFrame(index=range(2, 7)))
    flags = join_incidents(points, _squares(), zones, ledger)
    assert not ledger.rejections
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
