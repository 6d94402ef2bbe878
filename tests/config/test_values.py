"""The TOML keys and defaults of each table come from its settings dataclass."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from hotspotkaart._errors import ConfigError
from hotspotkaart.config._values import default_of, keys_of
from hotspotkaart.config.camera import CameraSettings, ExtraPointSource, parse_camera_settings
from hotspotkaart.config.settings import AnalysisConfig, EngineConfig, MapConfig, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_keys_are_the_dataclass_fields_with_extras_and_exclusions():
    assert keys_of(MapConfig) == {"basemap", "privacy_threshold"}
    assert keys_of(ExtraPointSource, without=("slug",)) == {"name", "path", "layer", "crs",
                                                             "label"}
    assert "lon" in keys_of(AnalysisConfig, extra=("lon",))


def test_default_of_reads_plain_defaults_and_factories():
    assert default_of(AnalysisConfig, "min_count") == AnalysisConfig().min_count
    assert default_of(CameraSettings, "weights") == dict(CameraSettings().weights)
    with pytest.raises(TypeError, match=r"ExtraPointSource\.name has no default"):
        default_of(ExtraPointSource, "name")


def test_an_empty_table_gives_the_dataclass_defaults(tmp_path):
    config = tmp_path / "hotspotkaart.toml"
    text = (REPO_ROOT / "hotspotkaart.toml").read_text(encoding="utf-8")
    minimal = "\n".join(_sections(text, ("area", "periods", "incidents")))
    config.write_text(minimal, encoding="utf-8")
    for name in ("geo", "layers"):
        (tmp_path / name).symlink_to(REPO_ROOT / name)
    loaded = load_config(config)
    assert loaded.analysis == AnalysisConfig()
    assert loaded.maps == MapConfig()
    assert loaded.engine == EngineConfig()
    assert loaded.camera == CameraSettings()
    assert loaded.output_dir == tmp_path / "maps"


def test_every_key_of_the_shipped_config_is_a_dataclass_field():
    raw = tomllib.loads((REPO_ROOT / "hotspotkaart.toml").read_text(encoding="utf-8"))
    fields = {"analysis": AnalysisConfig, "maps": MapConfig, "engine": EngineConfig,
              "camera": CameraSettings}
    for table, cls in fields.items():
        names = {f.name for f in dataclasses.fields(cls)}
        assert set(raw.get(table, {})) <= names, table


def test_a_key_that_is_no_field_is_refused_with_the_fields_listed():
    with pytest.raises(ConfigError, match=r"unknown key 'ringg' in \[camera\]; allowed keys are: "
                                          r"extra_points, name_column, ring_m, suggest_max"):
        parse_camera_settings({"ringg": 1}, Path("x.toml"))


def _sections(text: str, keep: tuple[str, ...]) -> list[str]:
    """The lines of the TOML tables named in ``keep`` (``[name]`` and ``[[name]]``)."""
    out, on = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            on = stripped.strip("[]").strip() in keep
        if on:
            out.append(line)
    return out
