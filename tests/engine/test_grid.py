"""The grid's size budget: a cell size that would lay too many cells is refused up front."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from numpy.testing import assert_allclose

from hotspotkaart._errors import ConfigError, InputError
from hotspotkaart.engine.grid import MAX_GRID_CELLS, check_grid_size, make_grid

BUURTEN = Path(__file__).resolve().parents[2] / "geo" / "dordrecht_buurten_2024.geojson"


@pytest.fixture(scope="module")
def buurten() -> gpd.GeoDataFrame:
    return gpd.read_file(BUURTEN)


def test_estimate_is_close_to_the_cells_laid(buurten: gpd.GeoDataFrame) -> None:
    # the cells along the edges add about 3 % at 100 m, less where the limit bites
    surface = float(buurten.area.sum())
    for size, rtol in ((100.0, 0.04), (25.0, 0.01)):
        laid = len(make_grid(buurten, size))
        assert_allclose(surface / size**2, laid, rtol=rtol)
        assert laid > surface / size**2
        assert check_grid_size(buurten, size) == size


def test_too_fine_a_grid_is_refused_with_the_smallest_allowed_size(
        buurten: gpd.GeoDataFrame) -> None:
    # Dordrecht's buurten cover about 100 km²: 14 m gives about 509 000 cells, 15 m 443 000
    assert check_grid_size(buurten, 15.0) == 15.0
    with pytest.raises(ConfigError, match=(r"^cfg: \[analysis\] cell_size = 10 would lay about "
                                           r"997,000 grid cells over the 100 km² of the "
                                           r"buurten; a build lays at most 500,000 .* set "
                                           r"cell_size to 15 metres or more$")):
        check_grid_size(buurten, 10.0, key="cfg: [analysis] cell_size")
    with pytest.raises(ConfigError, match="set cell_size to 15 metres or more"):
        make_grid(buurten, 14.0)


def test_limit_follows_the_surface_not_the_bounding_box() -> None:
    # a thin diagonal strip: few cells, but a bounding box of 900 million candidates
    strip = shapely.buffer(shapely.LineString([(0, 300_000), (300_000, 600_000)]), 1.0)
    areas = gpd.GeoDataFrame(geometry=[strip], crs="EPSG:28992")
    assert float(areas.area.sum()) / 100 < MAX_GRID_CELLS
    assert check_grid_size(areas, 10.0) == 10.0
    with pytest.raises(InputError, match="choose a larger cell_size"):
        make_grid(areas, 10.0)


def test_bad_arguments_are_named(buurten: gpd.GeoDataFrame) -> None:
    with pytest.raises(InputError, match="EPSG:28992"):
        check_grid_size(buurten.to_crs(4326), 100.0)
    with pytest.raises(InputError, match="positive number"):
        check_grid_size(buurten, -5.0)
    with pytest.raises(InputError, match="no geometry"):
        check_grid_size(buurten.iloc[:0], 100.0)
