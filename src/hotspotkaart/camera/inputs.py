"""Read and validate the inputs of the camera assessment (:mod:`hotspotkaart.camera.assess`).

The candidate areas (a file of polygons, such as the overview map's draw-tool export) and the
optional extra point layers (e.g. horeca). Everything is checked when it is read, and every
problem is one sentence naming the file, the table or the feature; repairs and inferred CRSs are
warnings.

The ``[camera]`` table itself is part of the configuration (:mod:`hotspotkaart.config.camera`).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._errors import HotspotkaartWarning, InputError
from hotspotkaart._geometry import POLYGONAL, polygons_of_collection, repair_polygons
from hotspotkaart._naming import unique_names
from hotspotkaart.config.camera import ExtraPointSource
from hotspotkaart.io.crs import RD
from hotspotkaart.io.ledger import Ledger
from hotspotkaart.io.vector import read_vector, vector_to_rd

__all__ = [
    "read_candidates",
    "read_points",
]

logger = logging.getLogger(__name__)


_NAME_COLUMNS = ("name", "naam")
_GEOJSON_SUFFIXES = (".geojson", ".json")

# -- settings ---------------------------------------------------------------------------------


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
    gdf = _to_rd(gdf, path, None, ledger, None)
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
        gdf = _to_rd(gdf, source.path, source.crs, ledger, "[camera] extra_points crs")
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
    gdf = read_vector(path, layer=layer, geometry="polygon", what=what,
                      several="save the candidate areas in a file of their own")
    return gdf.set_geometry(shapely.force_2d(gdf.geometry.to_numpy()), crs=gdf.crs)


def _to_rd(gdf: gpd.GeoDataFrame, path: Path, declared: str | None, ledger: Ledger | None,
           setting: str | None) -> gpd.GeoDataFrame:
    return vector_to_rd(gdf, path, label=path.name, warn=lambda m: _warn(m, ledger),
                        declared=declared, setting=setting)


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
    reason = shapely.is_valid_reason(geom)
    (geom,), repaired = repair_polygons(np.array([geom], dtype=object), [label],
                                        where=path.name, warn=None)
    if repaired[0]:
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
