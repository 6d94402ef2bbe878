"""Tests of the synthetic demonstration layers (hotspotkaart.demo.layers) and layers/."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from hotspotkaart.demo.layers import (
    DEFAULT_SEED,
    DemoLayers,
    generate_demo_layers,
    write_demo_layers,
)

ROOT = Path(__file__).resolve().parents[2]
GEO = ROOT / "geo"
LAYERS = ROOT / "layers"
CSV_NAME = "overlast_meldingen_demo.csv"
GEOJSON_NAMES = (
    "overlastlocaties_demo.geojson",
    "cameratoezicht_demo.geojson",
    "alcoholverbod_demo.geojson",
    "veiligheidsrisicogebieden_demo.geojson",
)
ZONE_NAMES = GEOJSON_NAMES[1:]
EXPECTED_COUNTS = {
    (2023, "Jeugd"): 707,
    (2023, "Alcohol/drugs"): 693,
    (2023, "Persoon met onbegrepen gedrag"): 1374,
    (2024, "Jeugd"): 643,
    (2024, "Alcohol/drugs"): 760,
    (2024, "Persoon met onbegrepen gedrag"): 1488,
}
CALMED = ("Kloostertuin", "Loswalweg", "Lijnbaan", "Bieshof", "Wantijpark", "Leerpark")
STAYING = ("Kromhout", "Vogelbuurt", "Krispijn", "Binnenstad")
BRON = "Demonstratiedata (synthetisch)"


@pytest.fixture(scope="module")
def buurten() -> gpd.GeoDataFrame:
    return gpd.read_file(GEO / "dordrecht_buurten_2024.geojson")


@pytest.fixture(scope="module")
def wijken() -> gpd.GeoDataFrame:
    return gpd.read_file(GEO / "dordrecht_wijken_2024.geojson")


@pytest.fixture(scope="module")
def municipality(buurten: gpd.GeoDataFrame) -> shapely.Geometry:
    return shapely.union_all(buurten.geometry.to_numpy())


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo_layers(tmp_path_factory.mktemp("layers"), geo_dir=GEO)


@pytest.fixture(scope="module")
def meldingen() -> pd.DataFrame:
    return pd.read_csv(
        LAYERS / CSV_NAME, sep=";", encoding="utf-8-sig", decimal=",", dtype={"locatie": str},
        keep_default_na=False,
    )


@pytest.fixture(scope="module")
def locations() -> gpd.GeoDataFrame:
    return gpd.read_file(LAYERS / "overlastlocaties_demo.geojson")


def _year(frame: pd.DataFrame) -> pd.Series:
    return frame["melding_id"].str.slice(5, 9).astype(int)


def test_regenerated_files_are_byte_identical_to_committed(written: list[Path]) -> None:
    assert [p.name for p in written] == [CSV_NAME, *GEOJSON_NAMES]
    for path in written:
        assert path.read_bytes() == (LAYERS / path.name).read_bytes(), path.name


def test_csv_is_dutch_excel_style() -> None:
    raw = (LAYERS / CSV_NAME).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "melding_id;datum;soort;x;y;locatie;bron"
    assert lines[-1] == ""  # every line, the last one too, ends in CRLF
    assert "\n" not in text.replace("\r\n", "")
    first = lines[1].split(";")
    assert len(first) == 7
    assert "," in first[3]
    assert "." not in first[3]
    assert len(first[3].split(",")[1]) == 1


def test_exact_counts_per_year_and_category(meldingen: pd.DataFrame) -> None:
    counts = meldingen.groupby([_year(meldingen), "soort"]).size().to_dict()
    assert counts == EXPECTED_COUNTS
    assert meldingen["melding_id"].is_unique


def test_dates_parse_and_fall_in_their_year(meldingen: pd.DataFrame) -> None:
    dates = pd.to_datetime(meldingen["datum"], format="%d-%m-%Y %H:%M")
    assert (dates.dt.year == _year(meldingen)).all()
    assert dates.dt.minute.nunique() == 60
    assert (dates.dt.minute == 0).mean() < 0.05
    assert dates[_year(meldingen) == 2024].dt.strftime("%m-%d").eq("02-29").any()


def test_temporal_patterns(meldingen: pd.DataFrame) -> None:
    dates = pd.to_datetime(meldingen["datum"], format="%d-%m-%Y %H:%M")
    jeugd = dates[meldingen["soort"] == "Jeugd"]
    summer = jeugd.dt.month.isin([6, 7, 8]).sum()
    winter = jeugd.dt.month.isin([1, 2, 11]).sum()
    assert summer > 1.2 * winter
    assert jeugd.dt.hour.between(18, 23).mean() > 0.4
    new_year_eve = jeugd[(jeugd.dt.month == 12) & (jeugd.dt.day == 31)]
    assert len(new_year_eve) >= 3 * len(jeugd) / 366


def test_every_melding_strictly_inside_one_buurt(
    meldingen: pd.DataFrame, buurten: gpd.GeoDataFrame
) -> None:
    points = shapely.points(meldingen["x"].to_numpy(), meldingen["y"].to_numpy())
    tree = shapely.STRtree(buurten.geometry.to_numpy())
    point_idx, buurt_idx = tree.query(points, predicate="within")
    assert np.array_equal(np.sort(point_idx), np.arange(len(points)))
    boundaries = shapely.boundary(buurten.geometry.to_numpy())[buurt_idx]
    assert not shapely.intersects(boundaries, points[point_idx]).any()


def test_clusters_are_strong_and_calmed_locations_quieter(meldingen: pd.DataFrame) -> None:
    year = _year(meldingen)
    in_cluster = meldingen["locatie"] != ""
    share = in_cluster.groupby(year).mean()
    assert 0.25 <= share[2024] <= share[2023] <= 0.5
    per_location = meldingen[in_cluster].groupby(["locatie", year]).size().unstack(fill_value=0)
    for name in CALMED:
        assert per_location.loc[name, 2024] < 0.25 * per_location.loc[name, 2023]


def test_locations_per_year_names_and_statuses(
    locations: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame
) -> None:
    assert list(locations.columns) == [
        "naam", "jaar", "status", "precisie", "buurtcode", "bron", "geometry",
    ]
    assert locations.crs.to_epsg() == 28992
    by_year = {y: frame.set_index("naam")["status"] for y, frame in locations.groupby("jaar")}
    assert len(by_year[2023]) == 19
    assert len(by_year[2024]) == 12
    assert by_year[2023].index.is_unique
    assert by_year[2024].index.is_unique
    for name in CALMED:
        assert by_year[2023][name] == "afgenomen in 2024"
        assert name not in by_year[2024]
    for name in STAYING:
        assert by_year[2023][name] == "blijft in 2024"
        assert by_year[2024][name] == "blijvend"
    assert (by_year[2023] == "blijft in 2024").sum() == 10
    assert (by_year[2023] == "afgenomen in 2024").sum() == 9
    assert (by_year[2024] == "nieuw").sum() == 2
    assert (by_year[2024] == "blijvend").sum() == 10
    joined = gpd.sjoin(locations, buurten[["buurtcode", "geometry"]], predicate="within")
    assert len(joined) == len(locations)
    assert (joined["buurtcode_left"] == joined["buurtcode_right"]).all()
    assert set(locations.loc[locations["naam"].isin(["Kloostertuin", "Kromhout"]), "precisie"]) == {
        "indicatief"
    }


@pytest.mark.parametrize("name", ZONE_NAMES)
def test_zones_valid_compact_and_inside_municipality(
    name: str, municipality: shapely.Geometry
) -> None:
    zones = gpd.read_file(LAYERS / name)
    assert zones.crs.to_epsg() == 28992
    assert list(zones.columns) == [
        "naam", "geldig_vanaf", "geldig_tot", "toelichting", "bron", "geometry",
    ]
    assert (zones.geom_type == "Polygon").all()
    assert zones.is_valid.all()
    assert zones.within(municipality).all()
    sizes = zones.bounds.assign(w=lambda b: b.maxx - b.minx, h=lambda b: b.maxy - b.miny)
    assert sizes[["w", "h"]].max().max() < 1500
    assert (zones["toelichting"] == "Illustratief gebied, geen echte aanwijzing").all()


def test_six_camera_areas() -> None:
    assert len(gpd.read_file(LAYERS / "cameratoezicht_demo.geojson")) == 6


def test_alcoholverbod_extended_in_2024() -> None:
    raw = json.loads((LAYERS / "alcoholverbod_demo.geojson").read_text(encoding="utf-8"))
    starts = [f["properties"]["geldig_vanaf"] for f in raw["features"]]
    assert any(s <= "2023-12-31" for s in starts)
    assert any(s.startswith("2024-") for s in starts)


def test_veiligheidsrisicogebieden_have_limited_validity() -> None:
    raw = json.loads((LAYERS / "veiligheidsrisicogebieden_demo.geojson").read_text("utf-8"))
    for feature in raw["features"]:
        start = pd.Timestamp(feature["properties"]["geldig_vanaf"])
        end = pd.Timestamp(feature["properties"]["geldig_tot"])
        assert pd.Timedelta(days=3) <= end - start <= pd.Timedelta(days=200)


def test_everything_is_marked_as_demonstration_data(meldingen: pd.DataFrame) -> None:
    assert (meldingen["bron"] == BRON).all()
    for name in GEOJSON_NAMES:
        raw = json.loads((LAYERS / name).read_text(encoding="utf-8"))
        assert list(raw)[:4] == ["type", "name", "description", "crs"]
        assert raw["description"].startswith("Demonstratiedata (synthetisch) — geen echte")
        assert raw["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::28992"
        assert all(f["properties"]["bron"] == BRON for f in raw["features"])
    readme = (LAYERS / "README.md").read_text(encoding="utf-8")
    assert "Demonstratiedata" in readme
    assert "synthetic" in readme


def test_different_seed_gives_different_points(
    buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame
) -> None:
    other = generate_demo_layers(buurten, wijken, seed=DEFAULT_SEED + 1)
    assert isinstance(other, DemoLayers)
    years = other.incidents["datum"].dt.year
    assert other.incidents.groupby([years, "soort"]).size().to_dict() == EXPECTED_COUNTS
    committed = pd.read_csv(LAYERS / CSV_NAME, sep=";", encoding="utf-8-sig", decimal=",")
    assert not np.array_equal(other.incidents["x"].to_numpy(), committed["x"].to_numpy())


def test_generator_does_not_mutate_its_inputs(
    buurten: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame
) -> None:
    shuffled = buurten.sample(frac=1.0, random_state=1)
    before_buurten, before_wijken = shuffled.copy(deep=True), wijken.copy(deep=True)
    layers = generate_demo_layers(shuffled, wijken)
    assert_geodataframe_equal(shuffled, before_buurten)
    assert_geodataframe_equal(wijken, before_wijken)
    committed = pd.read_csv(LAYERS / CSV_NAME, sep=";", encoding="utf-8-sig", decimal=",")
    assert np.array_equal(layers.incidents["x"].to_numpy(), committed["x"].to_numpy())
