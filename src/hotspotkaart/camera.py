"""Evidence for designating camera areas (art. 151c Gemeentewet), per candidate area.

``hotspotkaart camera CANDIDATES`` reads one or more candidate polygons, puts the figures a
planner needs for a council proposal next to each other — computed the same way every time —
and writes ``camera/<naam>.html`` (a map per candidate), ``camera/kandidaten.csv`` (one row per
candidate, best first) and ``camera/rapport.html`` (a printable summary with method and caveats).
``--suggest`` adds candidate areas made from the grid's persistent and new hot spots that lie
outside the existing camera areas. The pages are rendered by :mod:`hotspotkaart.camerareport`.

What is counted
---------------
* A melding is *inside* a candidate when it lies in the polygon or on its edge (as for zones).
* ``count_<year>``, ``count_<year>_<slug>``: meldingen inside per period and per category.
* ``per_1000m2_<year>``: ``1000 · count / area``; ``share_city_<year>``: ``count / city total``
  (0..1).
* ``share_wijk_<year>``: ``count`` divided by the meldingen of the wijk(en) the candidate lies
  in — every wijk holding at least 1 % of the candidate's area, and always the wijk holding the
  largest part (0..1). Counting the whole wijken (not area-weighted parts) keeps the denominator a
  number a gebiedsregisseur recognises from the wijk map.
* ``p_value``/``q_value``/``change_class``: the exact conditional binomial test of
  :func:`hotspotkaart.analysis.change_test` with ``p0`` from the days per period, FDR
  (Benjamini–Hochberg) over the candidates of the run, classes as in the area tables;
  ``*_trend``: the same against the city-wide trend. ``pct_change`` is NaN when the base count
  is below ``min_count``.
* ``cells_blijvend``/``cells_nieuw``/``cells_verdwenen``: grid cells with that hot-spot
  transition of which at least half the area lies in the candidate; ``share_city_persistent_pct``
  is ``100 · cells_blijvend / all blijvend cells of the city``.
* ``camera_overlap_pct``, ``alcoholverbod_overlap_pct``, ``veiligheidsrisicogebied_overlap_pct``:
  the percentage of the candidate's area inside zones of that kind that were valid on at least
  one day of the compare year; ``<prefix>_zones`` names them.
* ``buurten``/``wijken``: the areas the candidate lies in with their share of its area, as text
  (``Naam (62 %); …``); ``buurten_list``/``wijken_list`` hold the same as a list of
  ``{"code", "name", "share"}`` (share 0..1; areas below 1 % left out unless it is the largest).
* ``ring_<year>``: meldingen in the ring from the candidate's edge to ``ring_m`` metres around it
  (inside the municipality), the displacement check; ``ring_per_1000m2_<year>`` likewise.
* ``<layer>_inside``, ``<layer>_ring``: points of each extra layer (e.g. horeca) inside and in
  the ring.

The score
---------
``score = w_density·z(density) + w_persistent·z(persistent) + w_new·z(new)
+ w_increase·z(increase) − w_camera_overlap·z(camera_overlap)`` where ``density`` is
``per_1000m2_<compare>``, ``persistent`` = ``cells_blijvend``, ``new`` = ``cells_nieuw``,
``increase`` is +1 for ``significante stijging``, −1 for ``significante daling`` and 0 otherwise,
``camera_overlap`` = ``camera_overlap_pct``, and ``z(x) = (x − mean) / sd`` over the candidates
of the run (population sd; 0 for every candidate when all values are equal). Scores therefore
rank the candidates *of one run*; they are not comparable between runs. ``rank`` 1 is the highest
score (ties: more meldingen in the compare year first, then by name). The weights come from
``[camera] weights`` in the configuration (defaults :data:`DEFAULT_WEIGHTS`).

Configuration (``[camera]`` table, read here until :mod:`hotspotkaart.config` knows it)
----------------------------------------------------------------------------------------
``ring_m`` (default 200), ``weights = {density = 1.0, persistent = 1.0, new = 0.5,
increase = 0.5, camera_overlap = 1.0}``, ``name_column`` (candidate name column; default
``name`` or ``naam``), ``suggest_min_cells`` (default 3), ``suggest_radius_m`` (default 250),
``suggest_max`` (default 10) and
``extra_points = [{name = "horeca", path = "…", layer = "…", crs = "…", label = "…"}]``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import tomllib
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from hotspotkaart._errors import ConfigError, HotspotkaartWarning, InputError
from hotspotkaart._naming import category_slug
from hotspotkaart.accounting import Ledger
from hotspotkaart.analysis import (
    DALING,
    STIJGING,
    category_slugs,
    change_test,
    classify_change,
    fdr,
    period_days,
)
from hotspotkaart.config import ZONE_KINDS, Config, EngineConfig
from hotspotkaart.grid import BLIJVEND, NIEUW, VERDWENEN
from hotspotkaart.sources import RD, WGS84, infer_axis_order
from hotspotkaart.zonestats import valid_days

__all__ = [
    "DEFAULT_RING_M",
    "DEFAULT_WEIGHTS",
    "ZONE_PREFIX",
    "CameraSettings",
    "ExtraPointSource",
    "assess",
    "load_camera_config",
    "load_camera_settings",
    "read_candidates",
    "read_points",
    "run_camera",
    "suggest",
]

if TYPE_CHECKING:
    from hotspotkaart.pipeline import BuildResult

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

#: Smallest share of a candidate's area for a buurt or wijk to be listed as touched.
MIN_AREA_SHARE = 0.01
#: A grid cell counts as covered when at least this share of it lies in the candidate.
MIN_CELL_SHARE = 0.5
#: Percentage of camera overlap from which a candidate is an existing camera area.
EXISTING_CAMERA_PCT = 95.0

STATUS_NEW = "nieuw gebied"
STATUS_PARTLY = "deels al onder cameratoezicht"
STATUS_EXISTING = "bestaand cameragebied (voortzetting)"

_NAME_COLUMNS = ("name", "naam")
_POLYGONAL = ("Polygon", "MultiPolygon")
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
    if not isinstance(table, dict):
        msg = f"{cfg}: {where} must be a table of keys, got {type(table).__name__}"
        raise ConfigError(msg)
    unknown = sorted(set(table) - _CAMERA_KEYS)
    if unknown:
        msg = (f"{cfg}: unknown key {unknown[0]!r} in {where}; allowed keys are: "
               f"{', '.join(sorted(_CAMERA_KEYS))}")
        raise ConfigError(msg)
    ring = table.get("ring_m", DEFAULT_RING_M)
    ring_m = check_ring(ring, f"{cfg}: {where} ring_m")
    weights = check_weights(table.get("weights", {}), f"{cfg}: {where} weights")
    name_column = table.get("name_column")
    if name_column is not None and (not isinstance(name_column, str) or not name_column.strip()):
        msg = f"{cfg}: {where} name_column = {name_column!r} must be a non-empty text in quotes"
        raise ConfigError(msg)
    min_cells = _whole(table, "suggest_min_cells", 3, 1, 1000, f"{cfg}: {where}")
    max_areas = _whole(table, "suggest_max", 10, 1, 100, f"{cfg}: {where}")
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


def _whole(table: Mapping[str, Any], key: str, default: int, low: int, high: int,
           where: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        msg = f"{where} {key} = {value!r} must be a whole number from {low} to {high}"
        raise ConfigError(msg)
    return int(value)


def _parse_extra(item: Any, i: int, cfg: Path) -> ExtraPointSource:
    where = f"[camera] extra_points #{i}"
    if not isinstance(item, dict):
        msg = f"{cfg}: {where} must be a table such as {{name = \"horeca\", path = \"…\"}}"
        raise ConfigError(msg)
    unknown = sorted(set(item) - _EXTRA_KEYS)
    if unknown:
        msg = (f"{cfg}: unknown key {unknown[0]!r} in {where}; allowed keys are: "
               f"{', '.join(sorted(_EXTRA_KEYS))}")
        raise ConfigError(msg)
    values: dict[str, str | None] = {}
    for key in _EXTRA_KEYS:
        value = item.get(key)
        if value is None and key in ("name", "path"):
            msg = f"{cfg}: {where} needs the key {key!r}"
            raise ConfigError(msg)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            msg = f"{cfg}: {where} {key} = {value!r} must be a non-empty text in quotes"
            raise ConfigError(msg)
        values[key] = value
    name = str(values["name"])
    slug = category_slug(name)
    if slug in _RESERVED_SLUGS:
        msg = f"{cfg}: {where} name = {name!r} clashes with a column of the table; choose another"
        raise ConfigError(msg)
    path = (cfg.parent / str(values["path"])).resolve()
    if not path.exists():
        msg = f"{cfg}: {where} path = {values['path']!r} points at {path}, which does not exist"
        raise ConfigError(msg)
    crs = values["crs"]
    if crs is not None:
        try:
            CRS.from_user_input(crs)
        except Exception:  # pyproj raises CRSError, but be safe on odd input
            msg = f"{cfg}: {where} crs = {crs!r} is not a coordinate reference system"
            raise ConfigError(msg) from None
    return ExtraPointSource(name=name, slug=slug, path=path, layer=values["layer"], crs=crs,
                            label=values["label"])


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
    out = gpd.GeoDataFrame({"name": _unique(names), "feature": gdf.index.to_numpy(),
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
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
        geom = shapely.union_all(parts) if parts else geom
    if geom.geom_type not in _POLYGONAL:
        msg = (f"{path}: {label} is a {geom.geom_type}, not a polygon; candidate areas must be "
               "Polygon or MultiPolygon features")
        raise InputError(msg)
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal_part(shapely.make_valid(geom))
        _warn(f"{path.name}: {label} was not a valid polygon ({reason}); repaired with "
              "shapely.make_valid — check its outline in a GIS", ledger)
    if geom.is_empty or geom.area < 1.0:
        msg = f"{path}: {label} has no area (less than 1 m²); draw a polygon, not a line"
        raise InputError(msg)
    return geom


def _polygonal_part(geom: Any) -> Any:
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            candidate = f"{name} ({seen[name]})"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name} ({seen[name]})"
            out.append(candidate)
            seen[candidate] = 1
        else:
            seen[name] = 1
            out.append(name)
    return out


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


# -- assessment -------------------------------------------------------------------------------


def assess(result: BuildResult, candidates: gpd.GeoDataFrame, *, ring_m: float = DEFAULT_RING_M,
           extra_points: Mapping[str, gpd.GeoDataFrame] | None = None,
           weights: Mapping[str, float] | None = None) -> gpd.GeoDataFrame:
    """Compute the evidence, the score and the rank of every candidate area.

    Parameters
    ----------
    result : BuildResult
        The analysed run (:func:`hotspotkaart.pipeline.analyse`).
    candidates : geopandas.GeoDataFrame
        ``name`` and polygons in EPSG:28992 (from :func:`read_candidates` or :func:`suggest`);
        an optional ``source`` column is kept.
    ring_m : float, default 200
        Width of the displacement ring in metres.
    extra_points : dict of str to geopandas.GeoDataFrame, optional
        Point layers in EPSG:28992 by column prefix (e.g. ``{"horeca": points}``).
    weights : dict of str to float, optional
        Score weights (see :data:`DEFAULT_WEIGHTS`); missing keys take the default.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per candidate in input order with the columns described in the module
        docstring, ``score``, ``rank`` and the standardised components ``z_<component>``.

    Raises
    ------
    InputError
        If the candidates are not polygons in EPSG:28992 with unique names.
    ConfigError
        If ``ring_m`` or ``weights`` are invalid.
    """
    ring_m = check_ring(ring_m)
    weights = check_weights(weights)
    cands = _check_candidates(candidates)
    config = result.config
    base, compare = config.periods.years
    years = (base, compare)
    min_count = int(config.analysis.min_count)

    incidents = result.incidents
    tree = shapely.STRtree(np.asarray(incidents.geometry.to_numpy(), dtype=object))
    period = pd.to_numeric(incidents["period"]).to_numpy(dtype=np.int64)
    labels = np.array(["onbekend" if pd.isna(c) else str(c) for c in incidents["category"]],
                      dtype=object)
    slugs = category_slugs(list(labels))
    totals = {y: int((period == y).sum()) for y in years}
    outline = result.boundaries.outline
    wijk_counts = result.wijken.set_index("wijkcode")
    cells = result.grid.cells
    cell_geoms = np.asarray(cells.geometry.to_numpy(), dtype=object)
    cell_tree = shapely.STRtree(cell_geoms)
    transition = cells["transition"].to_numpy(dtype=object)
    city_persistent = int((transition == BLIJVEND).sum())
    zone_unions = _valid_zone_unions(result.zones, compare)
    extra_trees = {slug: shapely.STRtree(np.asarray(points.geometry.to_numpy(), dtype=object))
                   for slug, points in (extra_points or {}).items()}

    rows: list[dict[str, Any]] = []
    for geom in cands.geometry.to_numpy():
        row: dict[str, Any] = {}
        area = float(geom.area)
        inside = _hits(tree, geom)
        ring = ring_geometry(geom, ring_m, outline)
        ring_idx = np.setdiff1d(_hits(tree, ring), inside)
        ring_area = float(ring.area)
        buurten = _area_shares(geom, result.boundaries.buurten, "buurtcode", "buurtnaam")
        wijken = _area_shares(geom, result.boundaries.wijken, "wijkcode", "wijknaam")
        row["area_m2"] = area
        for y in years:
            row[f"count_{y}"] = int((period[inside] == y).sum())
        for y in years:
            for label, slug in slugs.items():
                row[f"count_{y}_{slug}"] = int(((period[inside] == y)
                                                & (labels[inside] == label)).sum())
        for y in years:
            row[f"per_1000m2_{y}"] = 1000.0 * row[f"count_{y}"] / area
        for y in years:
            row[f"share_city_{y}"] = row[f"count_{y}"] / totals[y] if totals[y] else np.nan
        for y in years:
            codes = [w["code"] for w in wijken]
            denominator = float(wijk_counts.loc[codes, f"count_{y}"].sum()) if codes else 0.0
            row[f"share_wijk_{y}"] = row[f"count_{y}"] / denominator if denominator else np.nan
        for y in years:
            row[f"ring_{y}"] = int((period[ring_idx] == y).sum())
        for y in years:
            row[f"ring_per_1000m2_{y}"] = (1000.0 * row[f"ring_{y}"] / ring_area
                                           if ring_area > 0 else np.nan)
        row["ring_area_m2"] = ring_area
        row.update(_cell_figures(geom, cell_tree, cell_geoms, transition, city_persistent))
        for kind in ZONE_KINDS:
            prefix = ZONE_PREFIX[kind]
            union, zones = zone_unions[kind]
            covered = float(shapely.intersection(geom, union).area) if union is not None else 0.0
            row[f"{prefix}_overlap_pct"] = min(100.0, 100.0 * covered / area)
            touching = [name for name, zone in zones
                        if shapely.intersection(geom, zone).area > 1e-6 * area]
            row[f"{prefix}_zones"] = "; ".join(dict.fromkeys(touching))
        row["buurten"] = _shares_text(buurten)
        row["wijken"] = _shares_text(wijken)
        row["buurten_list"] = buurten
        row["wijken_list"] = wijken
        for slug, extra_tree in extra_trees.items():
            row[f"{slug}_inside"] = len(_hits(extra_tree, geom))
            row[f"{slug}_ring"] = len(np.setdiff1d(_hits(extra_tree, ring),
                                                   _hits(extra_tree, geom)))
        rows.append(row)

    frame = pd.DataFrame(rows, index=cands.index)
    b = frame[f"count_{base}"].to_numpy(dtype=np.int64)
    c = frame[f"count_{compare}"].to_numpy(dtype=np.int64)
    frame["diff"] = c - b
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["pct_change"] = np.where(b >= max(min_count, 1),
                                       100.0 * (c - b) / np.maximum(b, 1), np.nan)
    p0_days = period_days(compare) / (period_days(base) + period_days(compare))
    grand = totals[base] + totals[compare]
    p0_trend = totals[compare] / grand if grand and 0 < totals[compare] < grand else np.nan
    for suffix, p0 in (("", p0_days), ("_trend", p0_trend)):
        p = change_test(b, c, p0, min_total=min_count)
        q = fdr(p)
        frame[f"p_value{suffix}"] = p
        frame[f"q_value{suffix}"] = q
        frame[f"change_class{suffix}"] = classify_change(b, c, q, p0, min_count=min_count,
                                                         fdr_q=config.analysis.fdr_q)
    overlap = frame["camera_overlap_pct"].to_numpy(dtype=float)
    frame["status"] = np.where(overlap >= EXISTING_CAMERA_PCT, STATUS_EXISTING,
                               np.where(overlap > 5.0, STATUS_PARTLY, STATUS_NEW))

    components = score_components(frame, compare)
    score = np.zeros(len(frame))
    for key, values in components.items():
        z = standardise(values)
        frame[f"z_{key}"] = z
        sign = -1.0 if key == "camera_overlap" else 1.0
        score += sign * weights[key] * z
    frame["score"] = np.round(score, 6)
    names = cands["name"].astype(str).to_numpy()
    order = np.lexsort((names, -c, -frame["score"].to_numpy()))
    ranks = np.empty(len(frame), dtype=np.int64)
    ranks[order] = np.arange(1, len(frame) + 1)
    frame["rank"] = ranks

    head = pd.DataFrame({"name": names, "source": cands.get("source", pd.Series(
        "bestand", index=cands.index)).to_numpy()}, index=cands.index)
    lead = ["rank", "score", "status"]
    frame = pd.concat([head, frame[lead], frame.drop(columns=lead)], axis=1)
    out = gpd.GeoDataFrame(frame, geometry=cands.geometry.to_numpy(), crs=RD)
    return out.reset_index(drop=True)


def score_components(table: pd.DataFrame, compare: int) -> dict[str, npt.NDArray[np.float64]]:
    """Return the raw score components per candidate, before standardisation."""
    classes = table["change_class"].to_numpy(dtype=object)
    increase = np.where(classes == STIJGING, 1.0, np.where(classes == DALING, -1.0, 0.0))
    return {
        "density": table[f"per_1000m2_{compare}"].to_numpy(dtype=float),
        "persistent": table["cells_blijvend"].to_numpy(dtype=float),
        "new": table["cells_nieuw"].to_numpy(dtype=float),
        "increase": increase,
        "camera_overlap": table["camera_overlap_pct"].to_numpy(dtype=float),
    }


def standardise(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``(x − mean) / sd`` with the population sd; zeros when the sd is 0 (or NaN values)."""
    x = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    sd = float(x.std()) if len(x) else 0.0
    if len(x) < 2 or sd <= 1e-12:
        return np.zeros(len(x))
    return np.asarray((x - x.mean()) / sd, dtype=float)


def _check_candidates(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(candidates, gpd.GeoDataFrame) or "name" not in candidates.columns:
        msg = "candidates must be a GeoDataFrame with a 'name' column (see read_candidates)"
        raise InputError(msg)
    if candidates.crs is None or candidates.crs.to_epsg() != 28992:
        msg = f"candidates must be in EPSG:28992 (RD New), got {candidates.crs}"
        raise InputError(msg)
    if candidates["name"].duplicated().any():
        dup = candidates["name"][candidates["name"].duplicated()].iloc[0]
        msg = f"candidate name {dup!r} occurs more than once; every candidate needs its own name"
        raise InputError(msg)
    types = candidates.geometry.geom_type
    if not types.isin(_POLYGONAL).all():
        bad = candidates["name"][~types.isin(_POLYGONAL)].iloc[0]
        msg = f"candidate {bad!r} is not a polygon"
        raise InputError(msg)
    return candidates


def _hits(tree: shapely.STRtree, geom: Any) -> npt.NDArray[np.intp]:
    if geom is None or shapely.is_empty(geom):
        return np.zeros(0, dtype=np.intp)
    return np.unique(np.asarray(tree.query(geom, predicate="intersects"), dtype=np.intp))


def _area_shares(geom: Any, areas: gpd.GeoDataFrame, code: str, name: str
                 ) -> list[dict[str, Any]]:
    area_geoms = areas.geometry.to_numpy()
    idx = shapely.STRtree(area_geoms).query(geom, predicate="intersects")
    shares = []
    for i in idx:
        share = float(shapely.intersection(geom, area_geoms[i]).area) / geom.area
        if share > 0:
            shares.append({"code": str(areas[code].iloc[i]), "name": str(areas[name].iloc[i]),
                           "share": share})
    shares.sort(key=lambda s: (-s["share"], s["code"]))
    return [s for i, s in enumerate(shares) if i == 0 or s["share"] >= MIN_AREA_SHARE]


def _shares_text(shares: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{s['name']} ({100 * s['share']:.0f} %)" for s in shares)


def _cell_figures(geom: Any, tree: shapely.STRtree, cell_geoms: npt.NDArray[np.object_],
                  transition: npt.NDArray[np.object_], city_persistent: int) -> dict[str, Any]:
    idx = tree.query(geom, predicate="intersects")
    if len(idx):
        share = shapely.area(shapely.intersection(cell_geoms[idx], geom)) \
            / shapely.area(cell_geoms[idx])
        idx = idx[share >= MIN_CELL_SHARE]
    kinds = transition[idx]
    blijvend = int((kinds == BLIJVEND).sum())
    return {
        "cells_covered": len(idx),
        "cells_blijvend": blijvend,
        "cells_nieuw": int((kinds == NIEUW).sum()),
        "cells_verdwenen": int((kinds == VERDWENEN).sum()),
        "share_city_persistent_pct": 100.0 * blijvend / city_persistent if city_persistent
        else np.nan,
    }


def _valid_zone_unions(zones: gpd.GeoDataFrame, year: int
                       ) -> dict[str, tuple[Any, list[tuple[str, Any]]]]:
    """Per kind: the union of the zones valid on at least one day of ``year``, and the zones."""
    out: dict[str, tuple[Any, list[tuple[str, Any]]]] = {}
    for kind in ZONE_KINDS:
        of_kind = zones[zones["kind"] == kind]
        valid = [valid_days(a, b, year) > 0
                 for a, b in zip(of_kind["valid_from"], of_kind["valid_to"], strict=True)]
        chosen = of_kind[np.asarray(valid, dtype=bool)] if len(of_kind) else of_kind
        geoms = chosen.geometry.to_numpy()
        union = shapely.union_all(geoms) if len(geoms) else None
        out[kind] = (union, list(zip(chosen["name"].astype(str), geoms, strict=True)))
    return out


def camera_union(result: BuildResult) -> Any:
    """Return the camera zones valid on at least one day of the compare year, as one geometry."""
    union, _ = _valid_zone_unions(result.zones, result.config.periods.compare)["cameratoezicht"]
    return union if union is not None else shapely.Polygon()


# -- suggestions ------------------------------------------------------------------------------


def suggest(result: BuildResult, *, min_cells: int = 3, radius_m: float = 250.0,
            max_areas: int = 10, classes: Sequence[str] = (BLIJVEND, NIEUW)
            ) -> gpd.GeoDataFrame:
    """Propose compact candidate areas from clusters of persistent and new hot-spot cells.

    Cells with a transition in ``classes`` of which less than half lies in a camera area (valid
    in the compare year) are grouped into clusters when they share an edge or a corner. Areas
    grow from the busiest cell: the cell with the most meldingen in the compare year that is
    not used yet takes every unused cell of its cluster whose centre lies within ``radius_m``
    of its own; this repeats until ``max_areas`` areas are made or no cell is left, so a large
    cluster is split into several areas of a size a camera area can have. An area of fewer than
    ``min_cells`` cells is dropped. Its polygon is the union of its cells, closed with a round
    buffer of 0.4 cell (which bridges corner contacts but not a gap of a whole cell), minus the
    existing camera areas, clipped to the municipality.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (``voorstel 1`` … in order of persistent cells, then meldingen in the compare
        year), ``source`` (``"voorstel"``), ``cells``, ``cells_blijvend`` and the polygons
        (EPSG:28992); empty when there is nothing to propose.
    """
    config = result.config
    compare = config.periods.compare
    cells = result.grid.cells
    size = float(result.grid.method.get("cell_size_m", config.analysis.cell_size))
    camera = camera_union(result)
    hot = cells[cells["transition"].isin(list(classes))]
    if len(hot) and not camera.is_empty:
        covered = shapely.area(shapely.intersection(hot.geometry.to_numpy(), camera)) \
            / shapely.area(hot.geometry.to_numpy())
        hot = hot[covered < MIN_CELL_SHARE]
    columns = ["name", "source", "cells", "cells_blijvend"]
    if hot.empty:
        return gpd.GeoDataFrame(pd.DataFrame({c: [] for c in columns}),
                                geometry=gpd.GeoSeries([], crs=RD), crs=RD)
    outline = result.boundaries.outline
    closing = 0.4 * size
    geoms = hot.geometry.to_numpy()
    centres = shapely.get_coordinates(shapely.centroid(geoms))
    groups = shapely.get_parts(shapely.union_all(shapely.buffer(geoms, closing / 2)))
    cell_idx, group_idx = shapely.STRtree(groups).query(shapely.centroid(geoms),
                                                       predicate="within")
    cluster = np.full(len(hot), -1, dtype=np.int64)
    cluster[cell_idx] = group_idx
    counts = hot[f"count_{compare}"].to_numpy(dtype=np.int64)
    order = np.lexsort((hot["cell_id"].to_numpy(dtype=str), -counts))
    free = np.ones(len(hot), dtype=bool)
    proposals: list[dict[str, Any]] = []
    for seed in order:
        if len(proposals) >= max_areas:
            break
        if not free[seed]:
            continue
        near = np.hypot(*(centres - centres[seed]).T) <= radius_m + 1e-6
        members = np.flatnonzero(free & near & (cluster == cluster[seed]))
        free[members] = False
        if len(members) < min_cells:
            continue
        union = shapely.union_all(geoms[members])
        closed = shapely.buffer(shapely.buffer(union, closing), -closing)
        shape = _polygonal_part(shapely.intersection(shapely.difference(closed, camera),
                                                     outline))
        parts = [p for p in shapely.get_parts(shape) if p.area >= 0.5 * size * size]
        if not parts:
            continue
        member_rows = hot.iloc[members]
        proposals.append({
            "cells": len(members),
            "cells_blijvend": int((member_rows["transition"] == BLIJVEND).sum()),
            "meldingen": int(counts[members].sum()),
            "geometry": shapely.simplify(shapely.union_all(parts), 0.5),
        })
    proposals.sort(key=lambda p: (-p["cells_blijvend"], -p["meldingen"], -p["cells"]))
    frame = pd.DataFrame({
        "name": [f"voorstel {i}" for i in range(1, len(proposals) + 1)],
        "source": "voorstel",
        "cells": [p["cells"] for p in proposals],
        "cells_blijvend": [p["cells_blijvend"] for p in proposals],
    })
    logger.info("suggested %d candidate area(s) from hot-spot clusters", len(proposals))
    return gpd.GeoDataFrame(frame, geometry=[p["geometry"] for p in proposals], crs=RD)


def ring_geometry(geom: Any, ring_m: float, outline: Any) -> Any:
    """Return the ring from the edge of ``geom`` to ``ring_m`` around it, inside ``outline``."""
    ring = shapely.difference(shapely.buffer(geom, ring_m), geom)
    return _polygonal_part(shapely.intersection(ring, outline))


# -- the run ----------------------------------------------------------------------------------


def run_camera(config: Config, candidates_path: Path | None, out_dir: Path | None = None, *,
               suggest: bool = False, settings: CameraSettings | None = None,
               ring_m: float | None = None) -> list[Path]:
    """Analyse, read or suggest candidates, assess them and write ``out_dir/camera/``.

    Parameters
    ----------
    config : Config
        A validated configuration.
    candidates_path : Path or None
        The candidate file; may be None when ``suggest`` is true.
    out_dir : Path, optional
        Output folder (default ``config.output_dir``); the files go into its ``camera/``.
    suggest : bool
        Add candidate areas made from the hot-spot clusters (:func:`suggest`); they are named
        ``voorstel 1`` … in the order of their final rank.
    settings : CameraSettings, optional
        The ``[camera]`` settings; read from ``config.path`` when omitted.
    ring_m : float, optional
        Overrides ``settings.ring_m``.

    Returns
    -------
    list of Path
        The files written: one page per candidate, ``kandidaten.csv``, ``kandidaten.gpkg`` and
        ``rapport.html``.

    Raises
    ------
    ConfigError
        If neither a candidate file nor ``suggest`` is given, or a setting is invalid.
    InputError
        If the candidate file or an extra point layer cannot be used.
    """
    from hotspotkaart.camerareport import write_outputs
    from hotspotkaart.pipeline import analyse

    if candidates_path is None and not suggest:
        msg = "give a file with candidate areas (CANDIDATES) or --suggest, or both"
        raise ConfigError(msg)
    if candidates_path is not None and not Path(candidates_path).is_file():
        msg = f"{candidates_path}: the candidate file does not exist"
        raise InputError(msg)
    settings = settings if settings is not None else load_camera_settings(config)
    ring = check_ring(ring_m if ring_m is not None else settings.ring_m, "--ring")
    # the assessment needs every melding; the dask engine keeps none, so use the memory engine
    result = analyse(dataclasses.replace(config, engine=EngineConfig()))
    frames = []
    if candidates_path is not None:
        frames.append(read_candidates(Path(candidates_path), result.boundaries.outline,
                                      name_column=settings.name_column, ledger=result.ledger,
                                      area_name=config.area.name))
    if suggest:
        proposals = suggest_areas(result, min_cells=settings.suggest_min_cells,
                                  radius_m=settings.suggest_radius_m,
                                  max_areas=settings.suggest_max)
        if proposals.empty:
            logger.warning("no persistent or new hot spots outside the camera areas to propose")
        frames.append(proposals)
    candidates = _combine(frames)
    if candidates.empty:
        msg = ("there is no candidate area to assess: the file is missing and --suggest found "
               "no hot-spot cluster outside the camera areas")
        raise InputError(msg)
    extras = {source.slug: read_points(source, result.ledger) for source in settings.extra_points}
    table = assess(result, candidates, ring_m=ring, extra_points=extras,
                   weights=settings.weights)
    if suggest:
        table = _renumber_suggestions(table)
    target = (out_dir if out_dir is not None else config.output_dir) / "camera"
    return write_outputs(result, table, target, settings=settings, ring_m=ring, extras=extras)


suggest_areas = suggest  # run_camera's ``suggest`` flag shadows the function's name


def _renumber_suggestions(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Name the suggested areas ``voorstel 1 …`` in the order of their final rank."""
    table = table.copy()
    ranked = table.sort_values("rank", kind="stable")
    proposed = ranked.index[ranked["source"] == "voorstel"]
    own = set(table.loc[table["source"] != "voorstel", "name"])
    number = 0
    for index in proposed:
        number += 1
        while f"voorstel {number}" in own:
            number += 1
        table.at[index, "name"] = f"voorstel {number}"
    return table


def _combine(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    kept = [f[["name", "source", "geometry"]] for f in frames if not f.empty]
    if not kept:
        return gpd.GeoDataFrame({"name": [], "source": []}, geometry=gpd.GeoSeries([], crs=RD),
                                crs=RD)
    combined = pd.concat(kept, ignore_index=True)
    combined["name"] = _unique(list(combined["name"].astype(str)))
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=RD)
