"""Read and validate the inputs of the camera assessment (:mod:`hotspotkaart.camera`).

The ``[camera]`` table of the configuration, the candidate areas (a file of polygons, such as the
overview map's draw-tool export) and the optional extra point layers (e.g. horeca). Everything is
checked when it is read, and every problem is one sentence naming the file, the table or the
feature; repairs and inferred CRSs are warnings.

Configuration (``[camera]`` table, read here until :mod:`hotspotkaart.config` knows it)
----------------------------------------------------------------------------------------
``ring_m`` (default 200), ``weights = {density = 1.0, persistent = 1.0, new = 0.5,
increase = 0.5, camera_overlap = 1.0}``, ``name_column`` (candidate name column; default
``name`` or ``naam``), ``suggest_min_cells`` (default 3), ``suggest_radius_m`` (default 250),
``suggest_max`` (default 10) and
``extra_points = [{name = "horeca", path = "…", layer = "…", crs = "…", label = "…"}]``.
"""

from __future__ import annotations

import logging
import math
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from hotspotkaart import _tomlvalues as toml
from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart._geometry import POLYGONAL, polygonal_part, polygons_of_collection
from hotspotkaart._naming import category_slug, unique_names
from hotspotkaart.accounting import Ledger
from hotspotkaart.config import Config
from hotspotkaart.crs import RD, WGS84, infer_axis_order

__all__ = [
    "DEFAULT_RING_M",
    "DEFAULT_WEIGHTS",
    "ZONE_PREFIX",
    "CameraSettings",
    "ExtraPointSource",
    "check_ring",
    "check_weights",
    "load_camera_config",
    "load_camera_settings",
    "parse_camera_settings",
    "read_candidates",
    "read_points",
]

logger = logging.getLogger(__name__)

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

_NAME_COLUMNS = ("name", "naam")
_CAMERA_KEYS = {"ring_m", "weights", "extra_points", "name_column", "suggest_min_cells",
                "suggest_radius_m", "suggest_max"}
_EXTRA_KEYS = {"name", "path", "layer", "crs", "label"}
_GEOJSON_SUFFIXES = (".geojson", ".json")
_RESERVED_SLUGS = {"count", "ring", "cells", "camera", "score", "rank", "name", "share",
                   "per_1000m2", "z", *ZONE_PREFIX.values()}

# -- settings ---------------------------------------------------------------------------------


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


def load_camera_config(path: str | Path | None = None) -> tuple[Config, CameraSettings]:
    """Read a configuration and its ``[camera]`` table (defaults when absent).

    Raises
    ------
    ConfigError
        If the file or any of its tables is invalid.
    """
    from hotspotkaart.config import load_config

    config = load_config(path)
    return config, load_camera_settings(config)


def load_camera_settings(config: Config) -> CameraSettings:
    """Read and validate the ``[camera]`` table of ``config.path`` (defaults when absent)."""
    try:
        with config.path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return CameraSettings()  # load_config already read this file; nothing to add
    return parse_camera_settings(raw.get("camera", {}), config.path)


def parse_camera_settings(table: Any, cfg: Path) -> CameraSettings:
    """Validate a raw ``[camera]`` table; paths are relative to the config file ``cfg``."""
    where = "[camera]"
    table = toml.as_table(table, where, cfg)
    toml.check_keys(table, _CAMERA_KEYS, where, cfg)
    ring = table.get("ring_m", DEFAULT_RING_M)
    ring_m = check_ring(ring, f"{cfg}: {where} ring_m")
    weights = check_weights(table.get("weights", {}), f"{cfg}: {where} weights")
    name_column = toml.text(table, "name_column", where, cfg)
    min_cells = int(toml.number(table, "suggest_min_cells", where, cfg, 3, low=1, high=1000,
                                integer=True))
    max_areas = int(toml.number(table, "suggest_max", where, cfg, 10, low=1, high=100,
                                integer=True))
    radius = table.get("suggest_radius_m", 250.0)
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
    toml.check_keys(item, _EXTRA_KEYS, where, cfg)
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


# -- reading ----------------------------------------------------------------------------------


def read_candidates(path: Path, outline: Any, *, name_column: str | None = None,
                    layer: str | None = None, ledger: Ledger | None = None,
                    area_name: str = "de gemeente") -> gpd.GeoDataFrame:
    """Read candidate areas (GeoJSON, GeoPackage, Shapefile, …) into EPSG:28992.

    The export of the overview map's draw tool — a WGS84 FeatureCollection of Polygon features
    with empty properties — is read as it is; features without a name become
    ``kandidaat <n>`` (``n`` = feature number, from 1).

    Parameters
    ----------
    path : Path
        The candidate file.
    outline : shapely geometry or geopandas.GeoSeries/GeoDataFrame
        The municipality (e.g. ``result.boundaries.outline``) in EPSG:28992.
    name_column : str, optional
        Column with the candidate names; by default ``name`` or ``naam`` (any case) when present.
    layer : str, optional
        Layer of a multi-layer file; by default the only (polygon) layer.
    ledger : Ledger, optional
        Receives the warnings (repairs, inferred CRS); otherwise they are only emitted.
    area_name : str
        Name of the municipality, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (unique), ``feature`` (number in the file), ``source`` (``"bestand"``) and
        valid (Multi)Polygons in EPSG:28992, in file order.

    Raises
    ------
    InputError
        One sentence naming the file and the feature: unreadable or empty file, no features,
        a feature without geometry or that is not a polygon, a CRS that cannot be established,
        a candidate outside the municipality, a missing name column.

    Warns
    -----
    HotspotkaartWarning
        A self-intersecting polygon repaired with :func:`shapely.make_valid`, a CRS inferred
        from the coordinates, a candidate that lies partly outside the municipality.
    """
    path = Path(path)
    gdf = _read_vector(path, layer, "candidate")
    if gdf.empty:
        msg = (f"{path}: the file holds no features; draw or save at least one polygon as "
               "candidate area")
        raise InputError(msg)
    gdf.index = pd.RangeIndex(1, len(gdf) + 1)
    names = _candidate_names(gdf, path, name_column)
    gdf = _to_rd(gdf, path, None, ledger)
    geoms: list[Any] = []
    for number, name, geom in zip(gdf.index, names, gdf.geometry.to_numpy(), strict=True):
        geoms.append(_candidate_geometry(geom, path, int(number), name, ledger))
    out = gpd.GeoDataFrame({"name": unique_names(names), "feature": gdf.index.to_numpy(),
                            "source": "bestand"}, geometry=geoms, crs=RD)
    municipality = _as_geometry(outline)
    for row in out.itertuples():
        geom = row.geometry
        inside = float(shapely.area(shapely.intersection(geom, municipality)))
        share = inside / geom.area
        if share < 1e-6:
            msg = (f"{path}: candidate {row.name!r} (feature {row.feature}) lies outside "
                   f"{area_name}; check the file's CRS or draw it inside the municipality")
            raise InputError(msg)
        if share < 0.9:
            _warn(f"{path.name}: {100 * (1 - share):.0f} % of candidate {row.name!r} (feature "
                  f"{row.feature}) lies outside {area_name}; only meldingen inside count", ledger)
    logger.info("%s: %d candidate area(s)", path.name, len(out))
    return out.reset_index(drop=True)


def read_points(source: ExtraPointSource, ledger: Ledger | None = None) -> gpd.GeoDataFrame:
    """Read an extra point layer (e.g. horeca) into EPSG:28992.

    Returns
    -------
    geopandas.GeoDataFrame
        ``label`` (text; the layer name when no label column is configured) and points;
        MultiPoints are split into their points.

    Raises
    ------
    InputError
        If the file cannot be read, a feature is not a point, or the label column is missing.
    """
    gdf = _read_vector(source.path, source.layer, "point")
    gdf.index = pd.RangeIndex(1, len(gdf) + 1)
    if source.label is not None and source.label not in gdf.columns:
        msg = (f"{source.path}: the label column {source.label!r} named in [camera] extra_points "
               "is not in the file")
        raise InputError(msg)
    present = gdf.geometry.notna() & ~gdf.geometry.is_empty
    gdf = gdf[present]
    if not gdf.empty:
        gdf = _to_rd(gdf, source.path, source.crs, ledger)
    wrong = ~gdf.geometry.geom_type.isin(["Point", "MultiPoint"])
    if wrong.any():
        number = int(gdf.index[wrong][0])
        msg = (f"{source.path}: feature {number} is a {gdf.geometry[number].geom_type}, not a "
               f"point; [camera] extra_points layers must hold points")
        raise InputError(msg)
    if source.label is not None:
        labels = gdf[source.label].fillna("").astype(str)
    else:
        labels = pd.Series(source.name, index=gdf.index)
    frame = gpd.GeoDataFrame({"label": labels.to_numpy()}, geometry=gdf.geometry.to_numpy(),
                             crs=RD).explode(index_parts=False)
    return frame.reset_index(drop=True)


def _read_vector(path: Path, layer: str | None, what: str) -> gpd.GeoDataFrame:
    if not path.is_file():
        msg = f"{path}: the {what} file does not exist"
        raise InputError(msg)
    if path.stat().st_size == 0:
        msg = f"{path}: the {what} file is empty"
        raise InputError(msg)
    try:
        if layer is None:
            layer = _pick_layer(path)
        gdf = gpd.read_file(path, layer=layer)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several unrelated types
        msg = f"{path}: cannot be read as a vector file ({exc})"
        raise InputError(msg) from None
    gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.to_numpy()), crs=gdf.crs)
    return gdf


def _pick_layer(path: Path) -> str | None:
    layers = pyogrio.list_layers(path)
    if len(layers) <= 1:
        return None
    polygonal = [str(name) for name, kind in layers if kind and "polygon" in str(kind).lower()]
    if len(polygonal) == 1:
        return polygonal[0]
    names = ", ".join(str(name) for name, _ in layers)
    msg = f"{path}: holds several layers ({names}); save the candidate areas in a file of their own"
    raise InputError(msg)


def _to_rd(gdf: gpd.GeoDataFrame, path: Path, declared: str | None, ledger: Ledger | None
           ) -> gpd.GeoDataFrame:
    """Establish the CRS (file, declared, GeoJSON's WGS84 or inferred) and reproject to RD."""
    valid = gdf.geometry.notna() & ~gdf.geometry.is_empty
    xy = shapely.get_coordinates(gdf.geometry[valid].to_numpy())
    fit = infer_axis_order(xy[:, 0], xy[:, 1]) if len(xy) else None
    crs = gdf.crs if gdf.crs is not None else (CRS.from_user_input(declared) if declared
                                               else None)
    if crs is None and path.suffix.lower() in _GEOJSON_SUFFIXES:
        crs = CRS.from_user_input(WGS84)  # RFC 7946: GeoJSON without a crs member is WGS84
    if crs is None:
        if fit in ("rd", "wgs84"):
            guessed = RD if fit == "rd" else WGS84
            _warn(f"{path.name}: the file has no CRS; its coordinates look like {guessed} and "
                  "are read as such. Save the file with its CRS to silence this", ledger)
            crs = CRS.from_user_input(guessed)
        else:
            msg = (f"{path}: the file has no CRS and its coordinates fit neither RD New "
                   "(EPSG:28992) nor WGS84 within the Netherlands; save it with its CRS")
            raise InputError(msg)
    elif crs.is_geographic and fit == "rd":
        _warn(f"{path.name}: the file says {crs.to_string()} but its coordinates are RD New "
              "metres (a GeoJSON without a \"crs\" member is WGS84 by specification); read as "
              "EPSG:28992. Save the file with its CRS to silence this", ledger)
        crs = CRS.from_user_input(RD)
    gdf = gdf.set_crs(crs, allow_override=True)
    if crs.to_epsg() != 28992:
        gdf = gdf.to_crs(RD)
    return gdf


def _candidate_names(gdf: gpd.GeoDataFrame, path: Path, name_column: str | None) -> list[str]:
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if name_column is not None:
        if name_column not in columns:
            found = ", ".join(repr(c) for c in columns) or "no attribute columns"
            msg = (f"{path}: the name column {name_column!r} is not in the file; found {found}")
            raise InputError(msg)
        column: str | None = name_column
    else:
        lower = {str(c).lower(): c for c in columns}
        column = next((lower[c] for c in _NAME_COLUMNS if c in lower), None)
    names = []
    for number in gdf.index:
        value = gdf.at[number, column] if column is not None else None
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) \
            else " ".join(str(value).split())
        names.append(text or f"kandidaat {number}")
    return names


def _candidate_geometry(geom: Any, path: Path, number: int, name: str,
                        ledger: Ledger | None) -> Any:
    label = f"candidate {name!r} (feature {number})"
    if geom is None or shapely.is_empty(geom):
        msg = f"{path}: {label} has no geometry; every candidate needs a polygon"
        raise InputError(msg)
    geom = polygons_of_collection(geom)
    if geom.geom_type not in POLYGONAL:
        msg = (f"{path}: {label} is a {geom.geom_type}, not a polygon; candidate areas must be "
               "Polygon or MultiPolygon features")
        raise InputError(msg)
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        geom = polygonal_part(shapely.make_valid(geom))
        _warn(f"{path.name}: {label} was not a valid polygon ({reason}); repaired with "
              "shapely.make_valid — check its outline in a GIS", ledger)
    if geom.is_empty or geom.area < 1.0:
        msg = f"{path}: {label} has no area (less than 1 m²); draw a polygon, not a line"
        raise InputError(msg)
    return geom


def _as_geometry(outline: Any) -> Any:
    if isinstance(outline, gpd.GeoDataFrame | gpd.GeoSeries):
        return shapely.union_all(outline.geometry.to_numpy())
    return outline


def _warn(message: str, ledger: Ledger | None) -> None:
    if ledger is not None:
        ledger.warn(message)
        return
    logger.warning(message)
    warnings.warn(message, HotspotkaartWarning, stacklevel=3)
