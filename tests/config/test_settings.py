from __future__ import annotations

from pathlib import Path

import pytest

from hotspotkaart._errors import ConfigError, HotspotkaartWarning
from hotspotkaart.config.settings import load_config
from tests.helpers.project import REPO_ROOT, incident_section, write_config


def _csv(folder: Path) -> str:
    (folder / "m.csv").write_text("id;datum;soort;x;y\n", encoding="utf-8")
    return incident_section("m.csv")


def test_default_config_of_the_repo_is_valid():
    config = load_config(REPO_ROOT / "hotspotkaart.toml")
    assert config.area.municipality_code == "GM0505"
    assert config.periods.years == (2023, 2024)
    assert [z.kind for z in config.zones] == ["cameratoezicht", "alcoholverbod",
                                              "veiligheidsrisicogebied"]
    assert config.synthetic
    assert config.area.buurten.is_file()
    assert config.output_dir == REPO_ROOT / "maps"


def test_paths_are_relative_to_the_config_file(tmp_path):
    config = load_config(write_config(tmp_path, incidents=_csv(tmp_path)))
    assert config.incidents[0].path == (tmp_path / "m.csv").resolve()
    assert config.incidents[0].crs == "EPSG:28992"
    assert not config.synthetic


def test_lon_lat_default_to_wgs84(tmp_path):
    (tmp_path / "m.csv").write_text("id;datum;soort;lon;lat\n", encoding="utf-8")
    section = incident_section("m.csv", crs=None, x="lon", y="lat", coords="lonlat")
    config = load_config(write_config(tmp_path, incidents=section))
    assert config.incidents[0].crs == "EPSG:4326"
    assert config.incidents[0].x == "lon"


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist; pass --config"):
        load_config(tmp_path / "nope.toml")


def test_invalid_toml(tmp_path):
    path = tmp_path / "hotspotkaart.toml"
    path.write_text("[area\nname=1", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)


def test_unknown_key_is_named_with_the_allowed_ones(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path), area_extra='colour = "red"')
    with pytest.raises(ConfigError, match=r"unknown key 'colour' in \[area\]; allowed keys"):
        load_config(path)


def test_unknown_top_level_table(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path), extra="[mapz]\nx = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'mapz' in the top level"):
        load_config(path)


def test_missing_input_file_is_named(tmp_path):
    path = write_config(tmp_path, incidents=incident_section("missing.csv"))
    with pytest.raises(ConfigError, match=r"\[\[incidents\]\] #1 path = 'missing.csv' points at"):
        load_config(path)


def test_bad_municipality_code(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path))
    path.write_text(path.read_text().replace('"GM0505"', '"0505"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="'0505' is not a CBS gemeentecode"):
        load_config(path)


def test_a_list_of_municipality_codes_is_a_region(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path))
    path.write_text(path.read_text().replace('"GM0505"', '["GM0505", "GM0590", "GM0642"]'),
                    encoding="utf-8")
    area = load_config(path).area
    assert area.municipality_codes == ("GM0505", "GM0590", "GM0642")
    assert area.region
    path.write_text(path.read_text().replace('["GM0505", "GM0590", "GM0642"]', '["GM0505"]'),
                    encoding="utf-8")
    one = load_config(path).area  # a list of one is one gemeente, exactly as a text
    assert one.municipality_code == "GM0505"
    assert one.municipality_codes == ("GM0505",)
    assert not one.region


@pytest.mark.parametrize(("value", "message"), [
    ("[]", r"municipality_code = \[\] names no gemeente"),
    ('["GM0505", "GM0590", "GM0505"]', "municipality_code lists GM0505 more than once"),
    ('["GM0505", "0590"]',
     "municipality_code = '0590' is not a CBS gemeentecode; .* or a list of them"),
    ('["GM0505", 590]', "municipality_code = 590 is not a CBS gemeentecode"),
    ("505", "municipality_code = 505 is not a CBS gemeentecode"),
])
def test_bad_municipality_code_lists(tmp_path, value, message):
    path = write_config(tmp_path, incidents=_csv(tmp_path))
    path.write_text(path.read_text().replace('"GM0505"', value), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"hotspotkaart.toml: \[area\] {message}"):
        load_config(path)


def test_periods_must_be_ordered_years(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path))
    path.write_text(path.read_text().replace("base = 2023", "base = 2025"), encoding="utf-8")
    with pytest.raises(ConfigError, match="base = 2025 must come before compare = 2024"):
        load_config(path)
    path.write_text(path.read_text().replace("base = 2025", 'base = "2023"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="base = '2023' is not a year"):
        load_config(path)


def test_unknown_zone_kind(tmp_path):
    (tmp_path / "z.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    extra = '[[zones]]\nkind = "camera"\npath = "z.geojson"\nname = "naam"\n'
    path = write_config(tmp_path, incidents=_csv(tmp_path), extra=extra)
    with pytest.raises(ConfigError, match="kind = 'camera' is not known; allowed: cameratoezicht"):
        load_config(path)


def test_both_xy_and_lonlat(tmp_path):
    section = _csv(tmp_path) + 'lon = "a"\nlat = "b"\n'
    with pytest.raises(ConfigError, match="gives both x/y and lon/lat"):
        load_config(write_config(tmp_path, incidents=section))


def test_bad_crs(tmp_path):
    section = incident_section("m.csv", crs="EPSG:99999999")
    (tmp_path / "m.csv").write_text("id;datum;soort;x;y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'EPSG:99999999' is not a coordinate reference system"):
        load_config(write_config(tmp_path, incidents=section))


def test_analysis_ranges(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path),
                        extra="[analysis]\nmin_valid_days = 0\n")
    with pytest.raises(ConfigError, match="min_valid_days = 0 must be a whole number from 1"):
        load_config(path)


@pytest.mark.parametrize(("value", "expected"), [('"auto"', "auto"), ("1", 1.0), ("2.5", 2.5)])
def test_dispersion_setting(tmp_path, value, expected):
    path = write_config(tmp_path, incidents=_csv(tmp_path),
                        extra=f"[analysis]\ndispersion = {value}\n")
    assert load_config(path).analysis.dispersion == expected


@pytest.mark.parametrize("value", ['"yes"', "0.5", "true"])
def test_dispersion_must_be_auto_or_at_least_one(tmp_path, value):
    path = write_config(tmp_path, incidents=_csv(tmp_path),
                        extra=f"[analysis]\ndispersion = {value}\n")
    with pytest.raises(ConfigError, match=r"dispersion = .* must be .*from 1"):
        load_config(path)


def test_obsolete_permutations_and_seed_are_accepted_with_a_warning(tmp_path):
    path = write_config(tmp_path, incidents=_csv(tmp_path),
                        extra="[analysis]\npermutations = 999\nseed = 7\n")
    with pytest.warns(HotspotkaartWarning, match="permutations is no longer used: the hot "
                                                 "spots are decided by an exact test"):
        config = load_config(path)
    assert not hasattr(config.analysis, "permutations")


def test_no_incidents(tmp_path):
    with pytest.raises(ConfigError, match=r"at least one \[\[incidents\]\] table is required"):
        load_config(write_config(tmp_path))


def test_the_same_export_listed_twice(tmp_path):
    section = _csv(tmp_path)
    with pytest.raises(ConfigError, match=r"\[\[incidents\]\] #2 repeats the file m\.csv of "
                                          r"\[\[incidents\]\] #1"):
        load_config(write_config(tmp_path, incidents=section + "\n" + section))


def test_a_folder_is_not_a_file(tmp_path):
    (tmp_path / "exports").mkdir()
    with pytest.raises(ConfigError, match=r"path = 'exports' points at the folder"):
        load_config(write_config(tmp_path, incidents=incident_section("exports")))


def test_one_geopackage_with_two_layers_may_be_listed_twice(tmp_path):
    (tmp_path / "z.gpkg").write_bytes(b"")
    zones = "".join(f'[[zones]]\nkind = "alcoholverbod"\npath = "z.gpkg"\nname = "naam"\n'
                    f'layer = "{layer}"\n' for layer in ("zones_2023", "zones_2024"))
    config = load_config(write_config(tmp_path, incidents=_csv(tmp_path), extra=zones))
    assert [z.layer for z in config.zones] == ["zones_2023", "zones_2024"]


def test_one_file_listed_with_and_without_its_layer_is_refused(tmp_path):
    section = _csv(tmp_path)
    named = section.replace('path = "m.csv"', 'path = "m.csv"\nlayer = "m"')
    with pytest.raises(ConfigError, match=r"\[\[incidents\]\] #2 repeats the file m\.csv layer "
                                          r"'m' of \[\[incidents\]\] #1; .*without layer"):
        load_config(write_config(tmp_path, incidents=section + "\n" + named))
    other = section.replace('path = "m.csv"', 'path = "m.csv"\nlayer = "n"')
    load_config(write_config(tmp_path, incidents=named + "\n" + other))  # two layers: fine


def test_date_format_is_read_and_must_name_day_month_and_year(tmp_path):
    good = _csv(tmp_path) + 'date_format = "%m/%d/%Y %H:%M"\n'
    config = load_config(write_config(tmp_path, incidents=good))
    assert config.incidents[0].date_format == "%m/%d/%Y %H:%M"
    bad = _csv(tmp_path) + 'date_format = "mm/dd/jjjj"\n'
    with pytest.raises(ConfigError, match=r"#1 date_format = 'mm/dd/jjjj' must name the day, "
                                          "month and year with %d, %m and %Y"):
        load_config(write_config(tmp_path, incidents=bad))


def test_time_window_columns_are_read_both_or_neither(tmp_path):
    windowed = _csv(tmp_path) + 'time_from = "van"\ntime_to = "tot"\n'
    source = load_config(write_config(tmp_path, incidents=windowed)).incidents[0]
    assert (source.date, source.time_from, source.time_to) == ("datum", "van", "tot")
    plain = load_config(write_config(tmp_path, incidents=_csv(tmp_path))).incidents[0]
    assert (plain.time_from, plain.time_to) == (None, None)
    half = _csv(tmp_path) + 'time_to = "tot"\n'
    with pytest.raises(ConfigError, match=r"\[\[incidents\]\] #1 gives time_to = 'tot' without "
                                          r"a column time_from of its own; a time window needs "
                                          r"two columns"):
        load_config(write_config(tmp_path, incidents=half))
    same = _csv(tmp_path) + 'time_from = "tijd"\ntime_to = "tijd"\n'
    with pytest.raises(ConfigError, match=r"#1 gives time_from = 'tijd' without a column "
                                          r"time_to of its own"):
        load_config(write_config(tmp_path, incidents=same))


def test_date_may_be_left_out_only_with_a_time_window(tmp_path):
    undated = _csv(tmp_path).replace('date = "datum"\n', "")
    source = load_config(write_config(
        tmp_path, incidents=undated + 'time_from = "van"\ntime_to = "tot"\n')).incidents[0]
    assert source.date is None
    assert source.time_from == "van"
    with pytest.raises(ConfigError, match=r"\[\[incidents\]\] #1 needs the key 'date'"):
        load_config(write_config(tmp_path, incidents=undated))
