"""Read vector files (GeoJSON, GeoPackage, Shapefile, …) for every reader that needs one.

Boundaries, zones, locations, candidate areas and extra point layers are all read here.
:func:`read_vector` opens the file with pyogrio, choosing the layer of a multi-layer file with
:func:`pick_layer`, and turns every failure into one sentence naming the file. Every vector layer
then gets its CRS from :func:`vector_to_rd`, the one decision for all of them: the file's CRS,
the config's, or one inferred from the coordinates (:func:`guess_crs`, with a warning), checked
against the values by :func:`~hotspotkaart.io.crs.resolve_crs`, swapped axes repaired, and the
layer reprojected to RD New.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from hotspotkaart._errors import InputError
from hotspotkaart.io.crs import RD, WGS84, crs_remedy, infer_axis_order, resolve_crs

__all__ = ["feature_centres", "guess_crs", "pick_layer", "read_vector", "reproject_to_rd",
           "vector_to_rd"]

logger = logging.getLogger(__name__)


def read_vector(path: Path, *, layer: str | None = None, wanted: str | None = None,
                geometry: str | None = None, several: str = "name the layer in the config",
                what: str | None = None, error: type[InputError] = InputError,
                start: int = 0, rows: int | None = None) -> gpd.GeoDataFrame:
    """Read one layer of a vector file as it is (CRS, 3D coordinates and all).

    Parameters
    ----------
    path : Path
        The file.
    layer : str, optional
        The layer to read; by default the one :func:`pick_layer` chooses.
    wanted, geometry, several : str
        How to choose the layer of a multi-layer file when ``layer`` is not given; see
        :func:`pick_layer`.
    what : str, optional
        What the file holds (``"candidate"``); when given, a missing or empty file is refused
        with ``the <what> file does not exist`` / ``is empty`` before pyogrio is asked.
    error : type of InputError
        The error to raise (:class:`~hotspotkaart._errors.BoundaryError` for boundaries).
    start, rows : int
        Read ``rows`` features after the first ``start`` (a large file read in pieces); by
        default every feature.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in file order, numbered from 0, in the CRS the file declares (None when it
        declares none; a GeoJSON file without ``crs`` member is WGS84).

    Raises
    ------
    InputError
        If the file is missing or empty (with ``what``), cannot be read, or holds several
        layers of which none is the one wanted.

    """
    path = Path(path)
    if what is not None and not path.is_file():
        msg = f"{path}: the {what} file does not exist"
        raise error(msg)
    if what is not None and path.stat().st_size == 0:
        msg = f"{path}: the {what} file is empty"
        raise error(msg)
    if layer is None:
        layer = pick_layer(path, wanted=wanted, geometry=geometry, several=several, error=error)
    pieces = {} if rows is None else {"skip_features": start, "max_features": rows}
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio", **pieces)
    except Exception as exc:  # pyogrio raises several unrelated types
        raise error(_unreadable(path, exc)) from None


def pick_layer(path: Path, *, wanted: str | None = None, geometry: str | None = None,
               several: str = "name the layer in the config",
               error: type[InputError] = InputError) -> str | None:
    """Choose the layer of a multi-layer file.

    Parameters
    ----------
    path : Path
        The file.
    wanted : str, optional
        The layer's name: the layer of that name (any case) wins, else the only layer whose name
        contains it without its last two letters (``buurten`` → ``buurt``: ``cbs_buurt_2024``).
    geometry : str, optional
        The layer's geometry type: the only layer whose type contains it (``"polygon"``).
    several : str
        The remedy that ends the error when no layer is chosen.
    error : type of InputError
        The error to raise.

    Returns
    -------
    str or None
        The layer's name; None for a file of one layer (or a format without layers).

    Raises
    ------
    InputError
        If the file cannot be read, or holds several layers and none is chosen: a file of
        several layers is never read up to its first one in silence (GDAL's rule: name the
        layer).

    """
    try:
        layers = [(str(name), str(kind or "")) for name, kind in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises several unrelated types
        raise error(_unreadable(path, exc)) from None
    if len(layers) <= 1:
        return None
    names = [name for name, _ in layers]
    if wanted is not None:
        exact = [name for name in names if name.lower() == wanted.lower()]
        if exact:
            return exact[0]
        similar = [name for name in names if wanted[:-2].lower() in name.lower()]
        if len(similar) == 1:
            return similar[0]
    if geometry is not None:
        typed = [name for name, kind in layers if geometry.lower() in kind.lower()]
        if len(typed) == 1:
            return typed[0]
    msg = f"{path}: holds several layers ({', '.join(names)}); {several}"
    raise error(msg)


def feature_centres(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the centre of each geometry's bounding box; NaN for missing or empty ones."""
    values = np.asarray(geoms, dtype=object)
    bounds = np.full((len(values), 4), np.nan)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if present.any():
        bounds[present] = shapely.bounds(values[present])
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def guess_crs(x: np.ndarray, y: np.ndarray, *, path: Path, label: str,
              warn: Callable[[str], None], remedy: str) -> str:
    """Infer the CRS of a file that declares none from its coordinates, with a warning.

    Parameters
    ----------
    x, y : numpy.ndarray
        The coordinates (or feature centres) as read.
    path : Path
        The file, for the error.
    label : str
        The file's name in warnings.
    warn : callable
        Receives the warning.
    remedy : str
        How the user makes the CRS explicit (``"set crs in the config"``).

    Returns
    -------
    str
        ``EPSG:28992`` or ``EPSG:4326``.

    Raises
    ------
    InputError
        If the coordinates fit neither RD New nor WGS84 within the Netherlands.

    """
    order = infer_axis_order(x, y)
    if order is None:
        msg = (f"{path}: the file has no CRS and its coordinates fit neither RD New "
               f"(EPSG:28992) nor WGS84 within the Netherlands; {remedy}")
        raise InputError(msg)
    guessed = RD if order.startswith("rd") else WGS84
    warn(f"{label}: the file has no CRS; its coordinates look like {guessed} and are read as "
         f"such. Save the file with its CRS or {remedy}")
    return guessed


def vector_to_rd(gdf: gpd.GeoDataFrame, path: Path, *, label: str, warn: Callable[[str], None],
                 declared: str | None = None, setting: str | None = "crs") -> gpd.GeoDataFrame:
    """Return a vector layer in EPSG:28992, its CRS decided from the file, config and values.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer as :func:`read_vector` returned it; not changed.
    path : Path
        The file, for errors.
    label : str
        The file's name in warnings.
    warn : callable
        Receives the warnings (a CRS inferred or overridden, swapped axes).
    declared : str, optional
        The CRS the config declares for the file.
    setting : str or None
        The config key that declares the CRS (``"crs"``), named in the remedies; None where
        only the file can declare it (candidate areas).

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame with 2D geometries in EPSG:28992 (a layer without any geometry too).

    Raises
    ------
    InputError
        If no CRS is known and none can be inferred, or the values contradict the CRS
        (:func:`~hotspotkaart.io.crs.resolve_crs`).

    """
    geoms = shapely.force_2d(gdf.geometry.to_numpy())
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return gdf.set_geometry(list(geoms), crs=RD)
    cx, cy = feature_centres(geoms)
    file_crs = gdf.crs.to_string() if gdf.crs is not None else None
    if file_crs is None and declared is None:
        declared = guess_crs(cx, cy, path=path, label=label, warn=warn,
                             remedy=crs_remedy(setting))
    choice = resolve_crs(cx, cy, file_crs=file_crs, config_crs=declared, path=path, label=label,
                         warn=warn, setting=setting)
    if choice.swap:
        geoms = shapely.transform(geoms, lambda c: c[:, ::-1])
    out = reproject_to_rd(gdf.set_geometry(list(geoms), crs=choice.crs), label)
    return out.set_crs(RD, allow_override=True)


def reproject_to_rd(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` (which must have a CRS) in EPSG:28992.

    A frame already in EPSG:28992 is returned as it is; otherwise the result is a new frame and
    ``gdf`` is untouched.
    """
    if gdf.crs is not None and gdf.crs.to_epsg() == 28992:
        return gdf
    logger.info("%s: reprojected from %s to EPSG:28992", label, gdf.crs)
    with np.errstate(invalid="ignore", over="ignore"):
        return gdf.to_crs(RD)


def _unreadable(path: Path, exc: Exception) -> str:
    return f"{path}: cannot be read as a vector file ({' '.join(str(exc).split())})"
