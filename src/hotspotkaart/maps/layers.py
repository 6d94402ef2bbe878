"""The data of one map layer: display texts, WGS84 geometry and the GeoJSON folium embeds.

:func:`for_map` turns a layer (EPSG:28992) into a :class:`LayerData`: its fields as escaped
Dutch display text and its geometry reprojected to WGS84 and rounded (:func:`wgs84_geometry`);
:func:`feature_collection` turns that, or a GeoDataFrame, into a GeoJSON FeatureCollection.

Reprojecting is the costly step, and the overview, the comparison and the wijk maps draw many
of the same shapes, so its results are remembered by the content of the geometry (never by
object identity) in a small least-recently-used cache; :func:`geometry_digest` and
:func:`remember` serve the other such caches of the maps too.

:func:`hot_spot_clusters` merges touching grid cells of one Gi* class or transition into the
clusters the maps draw instead of cells (:func:`cell_clusters` gives the same without a frame).

:func:`geojson_layer` adds a layer to a map with its Dutch tooltip and popup, styled by
:func:`fill_style` with the colours of :func:`class_colours`.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._format import display, html_text
from hotspotkaart.io.crs import RD, WGS84
from hotspotkaart.maps.elements import GeoJsonPopup, GeoJsonTooltip
from hotspotkaart.stats.change import DALING, STIJGING
from hotspotkaart.stats.hotspots import GI_CLASSES, GI_COLOURS, NIET_SIGNIFICANT

__all__ = [
    "CELL_OUTLINE",
    "DISPLAY_TOLERANCE_M",
    "Clusters",
    "LayerData",
    "cell_clusters",
    "class_colours",
    "display_zones",
    "feature_collection",
    "fill_style",
    "for_map",
    "geojson_layer",
    "geometry_digest",
    "gi_legend",
    "hot_spot_clusters",
    "prepare_reprojection",
    "remember",
    "rounded",
    "significant_changes",
    "wgs84_geometry",
]

#: Reprojected geometry remembered by the content of its input, not its identity (see
#: :func:`wgs84_geometry`): the overview, the comparison and the wijk maps share layers.
_WGS84_CACHE: OrderedDict[tuple[str, int, bytes], np.ndarray] = OrderedDict()
#: Entries kept by each cache of :func:`remember`.
CACHE_SIZE = 64


@dataclass
class LayerData:
    """The display texts and WGS84 geometry of one GeoJSON layer, as :func:`for_map` makes them.

    A light stand-in for a GeoDataFrame, whose construction costs milliseconds: a national
    build draws thousands of layers. Columns are lists of text, one entry per geometry; feature
    ids are the positions ``0 … n-1``.
    """

    properties: dict[str, list[Any]]
    geometry: np.ndarray

    def __len__(self) -> int:
        return len(self.geometry)

    @property
    def empty(self) -> bool:
        """Whether the layer has no features."""
        return len(self.geometry) == 0

    def __getitem__(self, key: str) -> list[Any]:
        return self.properties[key]

    def __setitem__(self, key: str, values: Sequence[Any]) -> None:
        column = list(values)
        if len(column) != len(self.geometry):
            msg = f"column {key!r} has {len(column)} values for {len(self.geometry)} features"
            raise ValueError(msg)
        self.properties[key] = column

    def take(self, positions: Sequence[int]) -> LayerData:
        """Return a new layer of the features at ``positions``, in that order."""
        rows = np.asarray(positions, dtype=np.intp)
        return LayerData({key: [column[i] for i in rows.tolist()]
                          for key, column in self.properties.items()}, self.geometry[rows])


def for_map(frame: gpd.GeoDataFrame | gpd.GeoSeries, fields: Mapping[str, str] | Sequence[str],
            texts: Mapping[str, Sequence[Any]] | None = None) -> LayerData:
    """Select ``fields``, turn them into escaped display text and reproject to WGS84.

    A field is taken from ``texts`` when it is there (texts made for the map, one per row of
    ``frame``), otherwise from the column of ``frame``.
    """
    texts = texts or {}
    return LayerData(
        {key: [display(v) for v in (texts[key] if key in texts else frame[key].tolist())]
         for key in fields},
        wgs84_geometry(frame),
    )


#: How much (m) the zones are simplified for the maps: detail the screen does not show even at
#: street level. The counts use the exact shapes.
DISPLAY_TOLERANCE_M = 1.0


def display_zones(zones: gpd.GeoDataFrame,
                  tolerance: float = DISPLAY_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Return a copy of ``zones`` with their shapes simplified for drawing (topology kept).

    A zone digitised to the centimetre can hold tens of thousands of corners, each of which a
    page would carry; simplified by :data:`DISPLAY_TOLERANCE_M` it looks the same. A shape
    that simplification would spoil (empty or invalid) keeps its own geometry.
    """
    geoms = np.asarray(zones.geometry.to_numpy(), dtype=object)
    simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    spoilt = (shapely.is_empty(simple) | ~shapely.is_valid(simple)) & ~shapely.is_empty(geoms)
    simple[spoilt] = geoms[spoilt]
    return zones.set_geometry(gpd.GeoSeries(simple, index=zones.index, crs=zones.crs))


def wgs84_geometry(frame: gpd.GeoDataFrame | gpd.GeoSeries, decimals: int = 6) -> np.ndarray:
    """Return the geometry of ``frame`` in WGS84, rounded to ``decimals`` (see :func:`rounded`).

    The overview, the comparison and every wijk map draw the same buurten, zones and clusters
    several times; reprojecting is the costly part, so the result is remembered by the content
    of the geometry (its WKB) and CRS, never by object identity.
    """
    key = (str(frame.crs.srs) if frame.crs is not None else "", decimals,
           geometry_digest(frame))
    cached = _WGS84_CACHE.get(key)
    if cached is None:
        cached = rounded(frame.geometry.to_crs(WGS84).to_numpy(), decimals)
        remember(_WGS84_CACHE, key, cached)
    return cached.copy()


def prepare_reprojection(crs: Any = RD) -> None:
    """Set up the reprojection from ``crs`` to WGS84 in this process.

    The first reprojection in a process reads PROJ's database and builds the transformation,
    which every page worker would otherwise do for its first map. Done once in the build's
    process while its tests run, every page worker forked afterwards inherits it ready.
    """
    gpd.GeoSeries([shapely.Point(0.0, 0.0)], crs=crs).to_crs(WGS84)


def geometry_digest(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> bytes:
    """Digest the geometry of ``frame`` (its WKB, row by row), to remember results by."""
    digest = hashlib.blake2b(digest_size=16)
    for wkb in shapely.to_wkb(np.asarray(frame.geometry.to_numpy(), dtype=object)):
        digest.update(b"\0" if wkb is None else len(wkb).to_bytes(8, "little") + wkb)
    return digest.digest()


def remember(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int = CACHE_SIZE
             ) -> None:
    """Put ``value`` in ``cache``, which keeps the ``size`` entries put in last."""
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)


def feature_collection(frame: gpd.GeoDataFrame | LayerData) -> dict[str, Any]:
    """Return ``frame`` as a GeoJSON FeatureCollection dict, with the index as feature ids.

    The same dict as ``json.loads(frame.to_json(drop_id=False))``, built without a Python-level
    loop over the coordinates: the geometries are written by GEOS and parsed in one go. A
    :class:`LayerData` takes its positions as ids; GeoDataFrames whose properties are not all
    text, or that are not in WGS84, take geopandas' path.
    """
    if isinstance(frame, LayerData):
        return _features(frame.properties, frame.geometry, range(len(frame)))
    columns = [c for c in frame.columns if c != frame.geometry.name]
    values = {c: frame[c].tolist() for c in columns}
    texts = all(all(isinstance(v, str) for v in column) for column in values.values())
    if not texts or (frame.crs is not None and frame.crs.to_epsg() != 4326):
        return dict(json.loads(frame.to_json(show_bbox=False, drop_id=False)))
    return _features(values, frame.geometry.to_numpy(), frame.index)


def _features(values: Mapping[str, Sequence[Any]], geometry: np.ndarray,
              ids: Sequence[Any] | pd.Index) -> dict[str, Any]:
    geoms = np.array(geometry, dtype=object)  # a copy: missing/empty → None
    geoms[shapely.is_missing(geoms) | shapely.is_empty(geoms)] = None
    written = shapely.to_geojson(geoms)
    parsed = json.loads("[" + ",".join("null" if g is None else g for g in written) + "]")
    columns = list(values)
    rows = zip(*values.values(), strict=True) if columns else (() for _ in range(len(geoms)))
    features = [
        {"id": str(fid), "type": "Feature", "properties": dict(zip(columns, row, strict=True)),
         "geometry": geometry}
        for fid, row, geometry in zip(ids, rows, parsed, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def rounded(geoms: np.ndarray, decimals: int = 6) -> np.ndarray:
    """Round coordinates (6 decimals of a degree ≈ 0.1 m)."""
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


# -- hot-spot clusters -----------------------------------------------------------------------


#: Clusters remembered by the content of their input, not its identity (see
#: :func:`hot_spot_clusters`): the overview and the comparison cluster the same cells.
_CLUSTER_CACHE: OrderedDict[tuple[str, bytes], Clusters] = OrderedDict()

#: The outline of every layer of grid cells (hot spots, tested change, transitions): black and
#: 2 px, so a cluster stays visible over every count class beneath it (at least 3:1 against
#: each fill, WCAG 1.4.11), also where its own fill is close to the count's colour.
CELL_OUTLINE: dict[str, Any] = {"color": "#000000", "weight": 2}


def gi_legend(cells: gpd.GeoDataFrame | None,
              years: Sequence[int]) -> list[tuple[str, str]]:
    """Return the hot-spot classes a legend lists, with their colours.

    The hot-spot classes and ``niet significant`` always; a cold-spot class only where a cell
    of one of ``years`` has it: with sparse counts none can occur, and a legend should not offer
    what the map cannot show (the tables keep every class).
    """
    present: set[str] = set()
    if cells is not None:
        for year in years:
            column = f"gi_class_{year}"
            if column in cells:
                present.update(str(v) for v in cells[column].unique())
    return [(c, GI_COLOURS[c]) for c in GI_CLASSES
            if not c.startswith("cold") or c in present]


def significant_changes(cells: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """Return the cells with only their significant changes in ``_change`` (``geen`` otherwise).

    The frame :func:`cell_clusters` merges into the layer "verandering per cel": a copy, the
    cells are not modified.
    """
    classes = cells[column].to_numpy(dtype=object)
    return cells.assign(_change=np.where(np.isin(classes, (STIJGING, DALING)), classes, "geen"))


def hot_spot_clusters(cells: gpd.GeoDataFrame, column: str, count: str, *,
                      skip: str = NIET_SIGNIFICANT) -> gpd.GeoDataFrame:
    """Merge touching grid cells of one class into clusters, with their cell and melding counts.

    Drawing clusters instead of cells keeps the maps small and readable; the per-cell figures
    are in ``grid.csv`` and the ``grid`` layer of the GeoPackage.

    Returns
    -------
    geopandas.GeoDataFrame
        ``klasse``, ``cellen``, ``meldingen`` and one polygon per cluster (EPSG:28992).
    """
    clusters = cell_clusters(cells, geometry_digest(cells), column, count, skip)
    frame = pd.DataFrame(list(zip(clusters.klasse, clusters.cellen, clusters.meldingen,
                                  strict=True)), columns=["klasse", "cellen", "meldingen"])
    return gpd.GeoDataFrame(frame, geometry=list(clusters.geometry), crs=cells.crs)


class Clusters(NamedTuple):
    """The clusters of one class column: per cluster its class, cells, meldingen and polygon.

    ``first_cell`` is the row (position) in the clustered frame of each cluster's first cell.
    """

    klasse: tuple[Any, ...]
    cellen: tuple[int, ...]
    meldingen: tuple[int, ...]
    geometry: tuple[Any, ...]
    first_cell: tuple[int, ...]

    def for_map(self, crs: Any, fields: Mapping[str, str],
                extra: Mapping[str, Sequence[Any]] | None = None) -> LayerData:
        """Make the layer ``for_map(hot_spot_clusters(…), fields)`` makes, without a frame.

        ``extra`` gives further fields, one value per cluster.
        """
        columns = {"klasse": self.klasse, "cellen": self.cellen, "meldingen": self.meldingen,
                   **(extra or {})}
        return for_map(gpd.GeoSeries(list(self.geometry), crs=crs), fields, columns)

    def codes(self, cells: gpd.GeoDataFrame, column: str) -> list[str]:
        """Return per cluster the value of ``column`` of the cells it is made of.

        For the hot-spot clusters of the statistics (``hotspot_<year>``,
        :mod:`hotspotkaart.stats.clustertimes`): a polygon here merges the touching cells of
        one confidence class, all of them within one cluster of any hot class, so its first
        cell names it. ``cells`` is the frame the clusters were made from.
        """
        values = cells[column].to_numpy(dtype=object)
        return [str(values[i]) for i in self.first_cell]


def cell_clusters(cells: gpd.GeoDataFrame, shapes: bytes, column: str, count: str,
                  skip: str) -> Clusters:
    """Return :func:`_hot_spot_clusters`, remembered by content; ``shapes`` digests the cells.

    Building a GeoDataFrame costs milliseconds; the wijk maps draw three cluster layers each
    and need only the values.
    """
    digest = hashlib.blake2b(digest_size=16)
    for part in (shapes, skip.encode(), column.encode(), count.encode(),
                 "\0".join(map(str, cells[column].to_numpy(dtype=object))).encode(),
                 np.asarray(cells[count].to_numpy(), dtype=float).tobytes()):
        digest.update(len(part).to_bytes(8, "little") + part)
    key = (str(cells.crs.srs) if cells.crs is not None else "", digest.digest())
    cached = _CLUSTER_CACHE.get(key)
    if cached is None:
        cached = _hot_spot_clusters(cells, column, count, skip)
        remember(_CLUSTER_CACHE, key, cached)
    return cached


def _hot_spot_clusters(cells: gpd.GeoDataFrame, column: str, count: str,
                       skip: str) -> Clusters:
    """Cluster the cells of each class but ``skip`` (classes in sorted order, missing ones out).

    Works on the columns as arrays: the same groups, in the same order, as
    ``cells[cells[column] != skip].groupby(column, sort=True)``, without a pandas frame per
    class (a wijk map clusters three columns of a few hundred cells, and pandas' overhead per
    frame was most of the time).
    """
    classes = cells[column].to_numpy()
    keep = pd.notna(classes) & (classes != skip)
    geometry = np.asarray(cells.geometry.to_numpy(), dtype=object)
    counts = cells[count].to_numpy()
    rows: list[tuple[Any, int, int, Any, int]] = []
    for klasse in np.unique(classes[keep]):
        members_of_class = np.flatnonzero(keep & (classes == klasse))
        group = geometry[members_of_class]
        parts = shapely.get_parts(shapely.union_all(group))
        cell_idx, part_idx = shapely.STRtree(parts).query(shapely.point_on_surface(group),
                                                          predicate="within")
        group_counts = counts[members_of_class]
        for i, part in enumerate(parts):
            members = cell_idx[part_idx == i]
            rows.append((klasse, len(members), int(group_counts[members].sum()), part,
                         int(members_of_class[members.min()])))
    return Clusters(*(tuple(values) for values in zip(*rows, strict=True))) if rows \
        else Clusters((), (), (), (), ())


# -- drawing a layer -------------------------------------------------------------------------


def geojson_layer(fmap: folium.Map, data: gpd.GeoDataFrame | LayerData, name: str,
                  fields: Mapping[str, str] | Sequence[str],
                  style: Callable[[dict[str, Any]], dict[str, Any]] | None, *, show: bool,
                  marker: folium.CircleMarker | None = None, highlight: bool = True,
                  brief: Sequence[str] | None = None) -> folium.GeoJson:
    """Add ``data`` as one GeoJSON layer with a Dutch tooltip and popup of ``fields``.

    ``brief`` names the fields of the tooltip when it should show fewer than the popup: a
    tooltip follows the pointer, so it stays small enough to leave room beside the panels.
    """
    keys = list(fields)
    # folium inserts aliases as HTML too, and some carry category names from the input
    aliases = [html_text(a) for a in (fields.values() if isinstance(fields, Mapping) else keys)]
    tip = [(k, a) for k, a in zip(keys, aliases, strict=True) if brief is None or k in brief]
    has_features = not data.empty
    layer = folium.GeoJson(
        feature_collection(data), name=name,
        style_function=style,
        highlight_function=(lambda f: {"weight": 3, "color": "#000000"})
        if style and highlight else None,
        tooltip=GeoJsonTooltip(fields=[k for k, _ in tip], aliases=[a for _, a in tip],
                               sticky=True) if has_features else None,
        popup=GeoJsonPopup(fields=keys, aliases=aliases) if has_features else None,
        marker=marker, show=show, smooth_factor=0.5,
    )
    layer.add_to(fmap)
    return layer


def class_colours(classes: Sequence[Any] | pd.Series, palette: Mapping[str, str]) -> list[str]:
    """Give each class its colour of ``palette``; grey for a class the palette lacks."""
    return [palette.get(str(c), "#bdbdbd") for c in classes]


def fill_style(opacity: float, *, outline: Mapping[str, Any] | None = None
               ) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Fill each feature with its ``_colour`` property; a thin grey or the given outline."""
    line = {"color": "#444444", "weight": 1.0} if outline is None else dict(outline)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {"fillColor": feature["properties"]["_colour"], **line, "fillOpacity": opacity}

    return style
