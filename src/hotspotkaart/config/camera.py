"""The ``[camera]`` table: settings of the camera-area assessment, validated with the rest.

``ring_m`` (default 200), ``weights = {density = 1.0, persistent = 1.0, new = 0.5,
increase = 0.5, camera_overlap = 1.0}``, ``name_column`` (candidate name column; default
``name`` or ``naam``), ``suggest_min_cells`` (default 3), ``suggest_radius_m`` (default 250),
``suggest_max`` (default 10) and
``extra_points = [{name = "horeca", path = "…", layer = "…", crs = "…", label = "…"}]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotspotkaart._errors import ConfigError
from hotspotkaart._naming import category_slug
from hotspotkaart.config import _values as toml

__all__ = [
    "DEFAULT_RING_M",
    "DEFAULT_WEIGHTS",
    "ZONE_PREFIX",
    "CameraSettings",
    "ExtraPointSource",
    "check_ring",
    "check_weights",
    "parse_camera_settings",
]


DEFAULT_RING_M = 200.0


#: Weights of the score components; ``camera_overlap`` is subtracted.
DEFAULT_WEIGHTS: dict[str, float] = {
    "density": 1.0,
    "persistent": 1.0,
    "new": 0.5,
    "increase": 0.5,
    "camera_overlap": 1.0,
}


#: Column prefix per zone kind (``camera_overlap_pct``, ``alcoholverbod_overlap_pct``, …).
ZONE_PREFIX: dict[str, str] = {
    "cameratoezicht": "camera",
    "alcoholverbod": "alcoholverbod",
    "veiligheidsrisicogebied": "veiligheidsrisicogebied",
}






_RESERVED_SLUGS = {"count", "ring", "cells", "camera", "score", "rank", "name", "share",
                   "per_1000m2", "z", *ZONE_PREFIX.values()}


@dataclass(frozen=True)
class ExtraPointSource:
    """One optional point layer counted inside and around each candidate (e.g. horeca).

    Attributes
    ----------
    name : str
        Display name, as given in the configuration.
    slug : str
        Column prefix (``<slug>_inside``, ``<slug>_ring``).
    path : Path
        The point file (any OGR format).
    layer, crs, label : str or None
        Layer of a multi-layer file, CRS when the file has none, column with a label per point.
    """

    name: str
    slug: str
    path: Path
    layer: str | None = None
    crs: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class CameraSettings:
    """The ``[camera]`` table of the configuration, validated."""

    ring_m: float = DEFAULT_RING_M
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    extra_points: tuple[ExtraPointSource, ...] = ()
    name_column: str | None = None
    suggest_min_cells: int = 3
    suggest_radius_m: float = 250.0
    suggest_max: int = 10


def parse_camera_settings(table: Any, cfg: Path) -> CameraSettings:
    """Validate a raw ``[camera]`` table; paths are relative to the config file ``cfg``."""
    where = "[camera]"
    table = toml.as_table(table, where, cfg)
    toml.check_keys(table, toml.keys_of(CameraSettings), where, cfg)
    d = CameraSettings()
    ring = table.get("ring_m", d.ring_m)
    ring_m = check_ring(ring, f"{cfg}: {where} ring_m")
    weights = check_weights(table.get("weights", {}), f"{cfg}: {where} weights")
    name_column = toml.text(table, "name_column", where, cfg)
    min_cells = int(toml.number(table, "suggest_min_cells", where, cfg, d.suggest_min_cells,
                                low=1, high=1000, integer=True))
    max_areas = int(toml.number(table, "suggest_max", where, cfg, d.suggest_max, low=1, high=100,
                                integer=True))
    radius = table.get("suggest_radius_m", d.suggest_radius_m)
    if isinstance(radius, bool) or not isinstance(radius, int | float) \
            or not 50 <= radius <= 2000:
        msg = (f"{cfg}: {where} suggest_radius_m = {radius!r} must be a number of metres from "
               "50 to 2000")
        raise ConfigError(msg)
    extras_raw = table.get("extra_points", [])
    if not isinstance(extras_raw, list):
        msg = (f"{cfg}: {where} extra_points must be a list of tables, e.g. "
               'extra_points = [{name = "horeca", path = "horeca.gpkg"}]')
        raise ConfigError(msg)
    extras = tuple(_parse_extra(item, i, cfg) for i, item in enumerate(extras_raw, start=1))
    slugs = [e.slug for e in extras]
    if len(set(slugs)) != len(slugs):
        dup = next(s for s in slugs if slugs.count(s) > 1)
        msg = f"{cfg}: {where} extra_points: two layers both become the column prefix {dup!r}"
        raise ConfigError(msg)
    return CameraSettings(ring_m=ring_m, weights=weights, extra_points=extras,
                          name_column=name_column, suggest_min_cells=min_cells,
                          suggest_radius_m=float(radius), suggest_max=max_areas)


def _parse_extra(item: Any, i: int, cfg: Path) -> ExtraPointSource:
    where = f"[camera] extra_points #{i}"
    item = toml.as_table(item, where, cfg)
    toml.check_keys(item, toml.keys_of(ExtraPointSource, without=("slug",)), where, cfg)
    name = toml.text(item, "name", where, cfg, required=True)
    slug = category_slug(name)
    if slug in _RESERVED_SLUGS:
        msg = f"{cfg}: {where} name = {name!r} clashes with a column of the table; choose another"
        raise ConfigError(msg)
    path = toml.text(item, "path", where, cfg, required=True)
    crs = toml.text(item, "crs", where, cfg)
    if crs is not None:
        toml.check_crs(crs, f"{where} crs", cfg)
    return ExtraPointSource(name=name, slug=slug,
                            path=toml.existing(cfg.parent, path, f"{where} path", cfg),
                            layer=toml.text(item, "layer", where, cfg), crs=crs,
                            label=toml.text(item, "label", where, cfg))


def check_ring(value: Any, what: str = "ring_m") -> float:
    """Validate a ring width in metres (0 < ring ≤ 2000)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 < value <= 2000:
        msg = f"{what} = {value!r} must be a number of metres above 0 and at most 2000"
        raise ConfigError(msg)
    return float(value)


def check_weights(weights: Mapping[str, Any] | None, what: str = "weights") -> dict[str, float]:
    """Complete and validate score weights: known keys, numbers ≥ 0, at least one above 0."""
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, Mapping):
        msg = (f"{what} must be a table such as {{density = 1.0, persistent = 1.0}}, "
               f"got {type(weights).__name__}")
        raise ConfigError(msg)
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        msg = (f"{what}: unknown weight {unknown[0]!r}; known weights are "
               f"{', '.join(DEFAULT_WEIGHTS)}")
        raise ConfigError(msg)
    out = dict(DEFAULT_WEIGHTS)
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or not 0 <= value <= 100:
            msg = f"{what}: {key} = {value!r} must be a number from 0 to 100"
            raise ConfigError(msg)
        out[key] = float(value)
    if not any(v > 0 for v in out.values()):
        msg = f"{what}: at least one weight must be above 0"
        raise ConfigError(msg)
    return out
