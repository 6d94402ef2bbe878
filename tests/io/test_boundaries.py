from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose

from hotspotkaart._errors import BoundaryError
from hotspotkaart.config.settings import AreaConfig
from hotspotkaart.io.boundaries import read_boundaries
from hotspotkaart.io.ledger import Ledger
from tests.helpers.project import BUURTEN, WIJKEN
from tests.helpers.region import write_region


@pytest.fixture(scope="module")
def real_buurten() -> gpd.GeoDataFrame:
    return gpd.read_file(BUURTEN)


def _national_gpkg(path, buurten: gpd.GeoDataFrame) -> None:
    """A small wijkenbuurten_2024.gpkg like CBS's: two municipalities, secret values."""
    dordrecht = buurten.head(6)
    other = buurten.iloc[6:8].copy()
    other["buurtcode"] = ["BU05990001", "BU05990002"]
    other["wijkcode"] = "WK059900"
    other["gemeentecode"] = "GM0599"
    both = gpd.GeoDataFrame(
        {
            "buurtcode": list(dordrecht["buurtcode"]) + list(other["buurtcode"]),
            "buurtnaam": list(dordrecht["buurtnaam"]) + list(other["buurtnaam"]),
            "wijkcode": list(dordrecht["wijkcode"]) + list(other["wijkcode"]),
            "gemeentecode": list(dordrecht["gemeentecode"]) + list(other["gemeentecode"]),
            "gemeentenaam": ["Dordrecht"] * 6 + ["Rotterdam"] * 2,
            "water": ["NEE"] * 8,
            "aantal_inwoners": [1200, -99997, 800, -99995, 50, 0, 10, 20],
            "aantal_huishoudens": [600, -99997, 400, 10, 20, 0, 5, 10],
        },
        geometry=list(dordrecht.geometry) + list(other.geometry),
        crs="EPSG:28992",
    )
    both.to_file(path, layer="buurten", driver="GPKG")
    wijken = both.dissolve("wijkcode", as_index=False)[["wijkcode", "gemeentecode", "geometry"]]
    wijken["wijknaam"] = ["Wijk 01 Binnenstad", "Wijk 99"]
    wijken["aantal_inwoners"] = [10390, -99997]
    wijken.to_file(path, layer="wijken", driver="GPKG")


def test_national_cbs_geopackage_is_filtered_and_secret_values_become_missing(tmp_path,
                                                                              real_buurten):
    path = tmp_path / "wijkenbuurten_2024_v1.gpkg"
    _national_gpkg(path, real_buurten)
    area = AreaConfig(name="Dordrecht", municipality_code="GM0505", buurten=path, wijken=path)
    result = read_boundaries(area, Ledger())
    buurten = result.buurten
    assert buurten["buurtcode"].tolist() == real_buurten["buurtcode"].head(6).tolist()
    assert_allclose(buurten["aantal_inwoners"].to_numpy(),
                    [1200, np.nan, 800, np.nan, 50, 0])
    assert buurten["wijknaam"].unique().tolist() == ["Wijk 01 Binnenstad"]
    assert result.wijken["wijkcode"].tolist() == ["WK050501"]
    assert result.wijken["aantal_inwoners"].tolist() == [10390]
    assert buurten.crs.to_epsg() == 28992


def test_old_cbs_shapefile_schema_in_another_crs(tmp_path, real_buurten):
    sample = real_buurten.head(4)
    old = gpd.GeoDataFrame(
        {"BU_CODE": sample["buurtcode"], "BU_NAAM": sample["buurtnaam"],
         "WK_CODE": sample["wijkcode"], "GM_CODE": "GM0505", "GM_NAAM": "Dordrecht",
         "AANT_INW": [-99997, 100, 200, 300], "WATER": "NEE"},
        geometry=sample.geometry, crs="EPSG:28992",
    ).to_crs("EPSG:4326")
    path = tmp_path / "buurt_2019.shp"
    old.to_file(path)
    area = AreaConfig(name="Dordrecht", municipality_code="GM0505", buurten=path)
    result = read_boundaries(area, Ledger())
    assert result.buurten["buurtcode"].tolist() == sample["buurtcode"].tolist()
    assert np.isnan(result.buurten["aantal_inwoners"].iloc[0])
    assert result.buurten.crs.to_epsg() == 28992
    assert_allclose(result.buurten.geometry.area.sum(), sample.geometry.area.sum(), rtol=1e-6)
    # wijken dissolved: population unknown when one buurt is secret
    assert result.wijken["wijkcode"].tolist() == ["WK050501"]
    assert np.isnan(result.wijken["aantal_inwoners"].iloc[0])
    assert result.wijken["wijknaam"].tolist() == ["WK050501"]


def test_shipped_boundaries_nest(real_buurten):
    area = AreaConfig(name="Dordrecht", municipality_code="GM0505", buurten=BUURTEN,
                      wijken=WIJKEN)
    result = read_boundaries(area, Ledger())
    assert len(result.buurten) == 132
    assert len(result.wijken) == 13
    assert result.wijken["aantal_inwoners"].sum() == 122070
    assert result.buurten["aantal_inwoners"].isna().all()  # no buurt figures shipped
    for wijk in result.wijken.itertuples():
        members = result.buurten[result.buurten["wijkcode"] == wijk.wijkcode]
        union = shapely.union_all(members.geometry.to_numpy())
        assert_allclose(union.area, wijk.geometry.area, rtol=1e-9)


def test_dissolved_wijken_when_none_configured(real_buurten):
    area = AreaConfig(name="Dordrecht", municipality_code="GM0505", buurten=BUURTEN)
    result = read_boundaries(area, Ledger())
    assert len(result.wijken) == 13
    assert result.wijken.loc[0, "wijknaam"] == "Wijk 01 Binnenstad"


def test_wrong_municipality_lists_what_is_there():
    area = AreaConfig(name="X", municipality_code="GM0363", buurten=BUURTEN)
    with pytest.raises(BoundaryError, match=r"no buurt of municipality_code GM0363 .* GM0505"):
        read_boundaries(area, Ledger())


def test_a_list_of_codes_keeps_those_gemeenten_of_a_national_file(tmp_path):
    buurten, wijken = write_region(tmp_path)  # five gemeenten and one more
    codes = ("GM0642", "GM0505", "GM0482")
    area = AreaConfig(name="Regio", municipality_code=codes, buurten=buurten, wijken=wijken)
    result = read_boundaries(area, Ledger())
    assert set(result.buurten["gemeentecode"]) == set(codes)
    assert set(result.wijken["gemeentecode"]) == set(codes)
    everything = gpd.read_file(buurten)
    assert len(result.buurten) == everything["gemeentecode"].isin(codes).sum()
    # the gemeenten are dissolved from the buurten, in the order of the list
    assert result.gemeenten["gemeentecode"].tolist() == list(codes)
    assert result.gemeenten["gemeentenaam"].tolist() == ["Zwijndrecht", "Dordrecht",
                                                         "Alblasserdam"]
    for code, shape in zip(result.gemeenten["gemeentecode"], result.gemeenten.geometry,
                           strict=True):
        own = result.buurten[result.buurten["gemeentecode"] == code]
        assert_allclose(shape.area, own.geometry.area.sum(), rtol=1e-9)


def test_one_gemeente_is_one_dissolved_gemeente():
    area = AreaConfig(name="Dordrecht", municipality_code="GM0505", buurten=BUURTEN)
    result = read_boundaries(area, Ledger())
    assert result.gemeenten[["gemeentecode", "gemeentenaam"]].values.tolist() == [
        ["GM0505", "Dordrecht"]]
    assert_allclose(result.gemeenten.geometry.area.sum(), result.buurten.area.sum(), rtol=1e-9)


def test_a_listed_gemeente_missing_from_the_file_is_named(tmp_path):
    buurten, _ = write_region(tmp_path)
    area = AreaConfig(name="Regio", municipality_code=("GM0505", "GM0363"), buurten=buurten)
    with pytest.raises(BoundaryError,
                       match=r"regio_buurten.geojson: no buurt of municipality_code GM0363 "
                             r"in the file; it holds GM0482, GM0505"):
        read_boundaries(area, Ledger())


def test_missing_code_column(tmp_path, real_buurten):
    path = tmp_path / "b.geojson"
    real_buurten.rename(columns={"buurtcode": "code"}).to_file(path)
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.raises(BoundaryError, match="no buurtcode column found"):
        read_boundaries(area, Ledger())


def test_duplicate_buurtcode(tmp_path, real_buurten):
    path = tmp_path / "b.geojson"
    doubled = real_buurten.copy()
    doubled.loc[1, "buurtcode"] = doubled.loc[0, "buurtcode"]
    doubled.to_file(path)
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.raises(BoundaryError, match="buurtcode BU05050100 occurs more than once"):
        read_boundaries(area, Ledger())


def test_invalid_polygon_is_repaired_and_overlap_reported(tmp_path, real_buurten):
    broken = real_buurten.head(3).copy()
    bowtie = shapely.Polygon([(105000, 425000), (105100, 425100), (105100, 425000),
                              (105000, 425100)])
    broken.loc[0, "geometry"] = bowtie
    broken.loc[2, "geometry"] = broken.loc[1, "geometry"].buffer(50)
    path = tmp_path / "b.gpkg"
    broken.to_file(path)
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    ledger = Ledger()
    with pytest.warns(UserWarning, match="repaired 1 invalid polygon"):
        result = read_boundaries(area, ledger)
    assert result.buurten.geometry.is_valid.all()
    assert any("overlap" in w for w in ledger.warnings)


def test_geopackage_with_unknown_layers_asks_for_the_layer(tmp_path, real_buurten):
    path = tmp_path / "two.gpkg"
    real_buurten.to_file(path, layer="a")
    real_buurten.to_file(path, layer="b")
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.raises(BoundaryError, match=r"holds several layers .* buurten_layer"):
        read_boundaries(area, Ledger())
    named = AreaConfig(name="X", municipality_code="GM0505", buurten=path, buurten_layer="b")
    assert len(read_boundaries(named, Ledger()).buurten) == 132


# -- hardening (issue 6) --------------------------------------------------------------------------


def test_a_gap_between_buurten_is_reported(tmp_path, real_buurten):
    binnenstad = real_buurten[real_buurten["wijkcode"] == "WK050501"]
    path = tmp_path / "b.gpkg"
    binnenstad[binnenstad["buurtcode"] != "BU05050101"].to_file(path)  # an interior buurt
    ledger = Ledger()
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.warns(UserWarning, match=r"leave 1 gap\(s\) of 86,830 m²"):
        read_boundaries(area, ledger)


def test_rd_boundaries_said_to_be_wgs84_are_refused(tmp_path, real_buurten):
    path = tmp_path / "b.geojson"
    real_buurten.head(5).set_crs("EPSG:4326", allow_override=True).to_file(path)
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.raises(BoundaryError, match=r"b\.geojson: the CRS is declared as EPSG:4326 "
                                            r"\(degrees\) in the file .* but the coordinates "
                                            r"look like RD New metres; save the file with its "
                                            r"CRS"):
        read_boundaries(area, Ledger())


def test_a_buurt_without_code_is_refused(tmp_path, real_buurten):
    path = tmp_path / "b.geojson"
    broken = real_buurten.head(5).copy()
    broken.loc[2, "buurtcode"] = None
    broken.to_file(path)
    area = AreaConfig(name="X", municipality_code="GM0505", buurten=path)
    with pytest.raises(BoundaryError, match=r"feature 3 of municipality GM0505 has no buurtcode"):
        read_boundaries(area, Ledger())
