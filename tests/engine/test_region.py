"""The gemeente of cells, zones and count rows of a region (hotspotkaart.engine.region)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart.config.settings import AreaConfig
from hotspotkaart.engine.grid import make_grid
from hotspotkaart.engine.region import (
    NO_GEMEENTE,
    gemeente_counts,
    gemeente_lookup,
    gemeente_of_shapes,
)
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.ledger import Ledger
from tests.helpers.region import region_codes, write_region

RD = "EPSG:28992"


def _two_gemeenten() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"gemeentecode": ["GM0001", "GM0002"]},
                            geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
                            crs=RD)


def test_a_shape_takes_the_gemeente_of_its_centre_else_its_largest_overlap():
    shapes = np.array([
        shapely.box(10, 10, 20, 20),     # inside the first
        shapely.box(90, 10, 130, 20),    # centre (110, 15) in the second
        shapely.box(60, 90, 160, 140),   # centre (110, 115) outside both: overlaps 40 and 60
        shapely.box(150, 90, 250, 250),  # centre outside, overlaps the second only
        shapely.box(500, 500, 510, 510),  # touches no gemeente
    ])
    codes = gemeente_of_shapes(shapes, _two_gemeenten())
    assert codes.tolist() == ["GM0001", "GM0002", "GM0002", "GM0002", NO_GEMEENTE]


def test_an_equal_overlap_goes_to_the_gemeente_listed_first():
    shape = np.array([shapely.box(50, 90, 150, 140)])  # 50 in each, centre outside both
    assert gemeente_of_shapes(shape, _two_gemeenten()).tolist() == ["GM0001"]
    assert gemeente_of_shapes(shape, _two_gemeenten().iloc[::-1]).tolist() == ["GM0002"]


def test_every_cell_of_a_region_grid_has_one_of_its_gemeenten(tmp_path):
    buurten, wijken = write_region(tmp_path)
    area = AreaConfig(name="R", municipality_code=tuple(region_codes()), buurten=buurten,
                      wijken=wijken)
    boundaries = read_boundaries(area, Ledger())
    cells = make_grid(boundaries.buurten, 250)
    codes = gemeente_of_shapes(cells.geometry.to_numpy(), boundaries.gemeenten)
    assert set(codes) == set(region_codes())
    # a cell whose centre lies in a gemeente belongs to it
    centres = gpd.GeoDataFrame(geometry=cells.geometry.centroid, crs=RD)
    joined = gpd.sjoin(centres, boundaries.gemeenten[["gemeentecode", "geometry"]],
                       predicate="within")
    assert (codes[joined.index.to_numpy()] == joined["gemeentecode"].to_numpy()).all()


def test_gemeente_counts_add_up_the_wijken():
    wijk_counts = pd.DataFrame({
        "wijkcode": ["WK000101", "WK000102", "WK000201", "WK000101"],
        "period": [2023, 2023, 2023, 2024],
        "category": ["Jeugd", "Jeugd", "Jeugd", "Geluid"],
        "n": [3, 4, 5, 2],
    })
    lookup = {"WK000101": "GM0001", "WK000102": "GM0001", "WK000201": "GM0002"}
    out = gemeente_counts(wijk_counts, lookup)
    assert out.to_dict("records") == [
        {"gemeentecode": "GM0001", "period": 2023, "category": "Jeugd", "n": 7},
        {"gemeentecode": "GM0001", "period": 2024, "category": "Geluid", "n": 2},
        {"gemeentecode": "GM0002", "period": 2023, "category": "Jeugd", "n": 5},
    ]


def test_gemeente_lookup_knows_buurten_and_wijken():
    buurten = pd.DataFrame({"buurtcode": ["BU00010101"], "gemeentecode": ["GM0001"]})
    wijken = pd.DataFrame({"wijkcode": ["WK000201"], "gemeentecode": ["GM0002"]})
    assert gemeente_lookup(buurten, wijken) == {"BU00010101": "GM0001", "WK000201": "GM0002"}
