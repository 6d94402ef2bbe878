"""The field map (``veldkaart.html``) for handhavers and wijkagenten on a phone.

Aggregated only: counts per buurt and per grid cell, never an individual melding, never free text
from a melding. A count below the privacy threshold is shown as ``< 5`` (for threshold 5), and no
figure is derived from a hidden count. The file stays small for a phone on a poor connection:

* the buurten are simplified as one coverage (:func:`shapely.coverage_simplify`), so neighbouring
  buurten keep sharing their edges — no gaps or slivers appear between them;
* coordinates are rounded to 5 decimals (about 1 m), enough for the zoom levels used;
* only grid cells that are a hot spot in one of the years are drawn;
* the zones are simplified, and more than :data:`MAX_FIELD_ZONES` are merged per kind and
  period of validity.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure

from hotspotkaart._format import html_text
from hotspotkaart.maps.data import MapContext, MapData
from hotspotkaart.maps.elements import InfoPanel, Legend
from hotspotkaart.maps.layers import (
    CELL_OUTLINE,
    display_zones,
    geojson_layer,
    hot_spot_clusters,
    rounded,
    significant_changes,
)
from hotspotkaart.maps.overview import (
    add_zone_layers,
    base_map,
    set_page_title,
)
from hotspotkaart.maps.timecharts import hot_time_lines
from hotspotkaart.stats.change import CHANGE_COLOURS, DALING, STIJGING
from hotspotkaart.stats.classbreaks import YEAR_PALETTE
from hotspotkaart.stats.hotspots import GI_COLOURS, HOT_90, HOT_95, HOT_99

__all__ = ["field_map", "suppress"]

logger = logging.getLogger(__name__)

#: Simplification tolerance in metres (RD New) for the buurt coverage.
SIMPLIFY_TOLERANCE_M = 20.0

#: More zones than this are merged per kind and validity on the field map.
MAX_FIELD_ZONES = 200

#: Decimals of a degree kept in the field map (≈ 1.1 m north-south).
FIELD_DECIMALS = 5
_HOT = (HOT_99, HOT_95, HOT_90)

_PHONE_CSS = """
<style>
.leaflet-control-layers-expanded { max-height: 60vh; overflow-y: auto; }
.leaflet-control-layers label { min-height: 32px; line-height: 32px; font-size: 15px; }
.leaflet-control-layers input { width: 20px; height: 20px; vertical-align: middle; }
.leaflet-bar a, .leaflet-control-locate a { width: 44px !important; height: 44px !important;
  line-height: 44px !important; }
.leaflet-popup-content { font-size: 15px; }
</style>
"""


def suppress(count: Any, threshold: int) -> str:
    """Show a count, or ``"< threshold"`` when it is below the threshold.

    Examples
    --------
    >>> suppress(3, 5), suppress(12, 5)
    ('< 5', '12')
    """
    value = int(count)
    return f"< {threshold}" if value < threshold else str(value)


def field_map(data: MapData, context: MapContext, threshold: int) -> folium.Map:
    """Build ``veldkaart.html``: counts per buurt, hot-spot cells and the tested change.

    Parameters
    ----------
    data : MapData
        The analysed layers.
    context : MapContext
        Titles, credits, method stamp.
    threshold : int
        Counts below this are shown as ``< threshold``.

    Returns
    -------
    folium.Map
        A map with a locate-me button, a compact layer switcher and, per year, the buurt counts
        and the hot-spot cells; the compare year is shown first, with the cells whose meldingen
        changed significantly between the years (``change_class``) on top.
    """
    base, compare = context.years
    buurten = _simplified(data.buurten)
    fmap = base_map(buurten, context)
    breaks = data.field_breaks(context.years, threshold)
    for year in (compare, base):
        _add_buurt_counts(fmap, buurten, year, context.label(year), threshold, breaks,
                          show=year == compare)
    _add_hot_cells(fmap, data.cells, context, threshold)
    _add_changed_cells(fmap, data.cells, context, threshold)
    add_zone_layers(fmap, _simplified_zones(data.zones), context)
    set_page_title(fmap, f"Veldkaart {context.area_name}")
    fmap.add_child(InfoPanel(f"Veldkaart {context.area_name}",
                             [f"Aantallen onder {threshold} staan als '< {threshold}'."],
                             context.method[:1], synthetic=context.synthetic,
                             position="topright"))
    hot_times = hot_time_lines(data, context)
    if hot_times:
        fmap.add_child(InfoPanel(f"Hot times {context.label(compare)} per wijk", hot_times,
                                 ["Blokken van 3 uur met significant meer meldingen dan "
                                  "gemiddeld in de wijk (FDR)"], position="bottomleft"))
    fmap.add_child(Legend("Meldingen per buurt", _break_labels(breaks, threshold),
                          position="bottomright"))
    fmap.add_child(Legend(f"Verandering {context.label(base)}→{context.label(compare)} "
                          "(getoetst)", [(c, CHANGE_COLOURS[c]) for c in (STIJGING, DALING)],
                          position="bottomright"))
    folium.plugins.LocateControl(
        position="topleft", flyTo=True, keepCurrentZoomLevel=False,
        strings={"title": "Toon mijn locatie", "popup": "U bent hier (binnen {distance} m)"},
    ).add_to(fmap)
    figure = fmap.get_root()
    if isinstance(figure, Figure):
        figure.header.add_child(Element(_PHONE_CSS))
    folium.LayerControl(collapsed=True, position="topleft").add_to(fmap)
    return fmap


def _simplified_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify the zones to what a phone shows (zones overlap, so each one on its own).

    A zone drawn with hundreds of thousands of vertices would make the page megabytes for
    detail no one sees at street level; a zone that simplification would spoil keeps its shape.
    More than :data:`MAX_FIELD_ZONES` zones are merged per kind and period of validity
    (:func:`_merged_zones`): a phone cannot tell thousands of zones apart anyway, and each
    costs the page half a kilobyte.
    """
    if zones.empty:
        return zones
    if len(zones) > MAX_FIELD_ZONES:
        zones = _merged_zones(zones)
    return display_zones(zones, SIMPLIFY_TOLERANCE_M / 4)


def _merged_zones(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One zone per kind and period of validity: their union, named by how many it holds."""
    rows = []
    keys = ["kind", "valid_from", "valid_to"]
    for (kind, start, end), group in zones.groupby(keys, dropna=False, sort=True):
        rows.append({"kind": kind, "valid_from": start, "valid_to": end,
                     "name": f"{len(group)} gebieden samen (samengevoegd op de veldkaart)",
                     "geometry": shapely.union_all(group.geometry.to_numpy())})
    logger.info("veldkaart: %d zones drawn as %d merged ones", len(zones), len(rows))
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=zones.crs)


def _simplified(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplify the buurten as a coverage, keeping shared edges shared."""
    geoms = buurten.geometry.to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        simple = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_M)
    valid = shapely.is_valid(simple) & ~shapely.is_empty(simple)
    simple = np.where(valid, simple, geoms)
    return buurten.set_geometry(list(simple), crs=buurten.crs)


def _break_labels(breaks: np.ndarray, threshold: int) -> list[tuple[str, str]]:
    labels = [(f"minder dan {threshold}", YEAR_PALETTE[0])]
    low = threshold
    for i, high in enumerate(breaks[1:], start=1):
        text = f"{low}" if low == int(high) else f"{low}–{int(high)}"
        labels.append((text, YEAR_PALETTE[min(i, len(YEAR_PALETTE) - 1)]))
        low = int(high) + 1
    return labels


def _add_buurt_counts(fmap: folium.Map, buurten: gpd.GeoDataFrame, year: int, name: str,
                      threshold: int, breaks: np.ndarray, *, show: bool) -> None:
    """Draw the meldingen per buurt of period ``year``, called ``name`` on the map."""
    counts = buurten[f"count_{year}"].to_numpy()
    classes = np.searchsorted(breaks, counts, side="left")
    frame = gpd.GeoDataFrame(
        {"buurt": buurten["buurtnaam"].astype(str).map(_escape).to_numpy(),
         "meldingen": [suppress(c, threshold) for c in counts],
         "_colour": [YEAR_PALETTE[min(int(c), len(YEAR_PALETTE) - 1)] for c in classes]},
        geometry=rounded(buurten.to_crs("EPSG:4326").geometry.to_numpy(), FIELD_DECIMALS),
        crs="EPSG:4326",
    )
    geojson_layer(fmap, frame, f"Meldingen {name} per buurt",
                  {"buurt": "Buurt", "meldingen": f"Meldingen {name}"},
                  lambda f: {"fillColor": f["properties"]["_colour"], "color": "#444444",
                             "weight": 1, "fillOpacity": 0.65}, show=show)


def _add_hot_cells(fmap: folium.Map, cells: gpd.GeoDataFrame | None, context: MapContext,
                   threshold: int) -> None:
    if cells is None or cells.empty:
        return
    base, compare = context.years
    for year in (compare, base):
        column = f"gi_class_{year}"
        clusters = hot_spot_clusters(cells[cells[column].isin(_HOT)], column, f"count_{year}")
        name = context.label(year)
        _cluster_layer(fmap, clusters, f"Hot spots {name}", ("hot", "Hot spot"), name,
                       threshold, GI_COLOURS,
                       {**CELL_OUTLINE, "fillOpacity": 0.85},
                       show=year == compare)


def _add_changed_cells(fmap: folium.Map, cells: gpd.GeoDataFrame | None, context: MapContext,
                       threshold: int) -> None:
    if cells is None or cells.empty:
        return
    base, compare = context.years
    clusters = hot_spot_clusters(significant_changes(cells, "change_class"), "_change",
                                 f"count_{compare}", skip="geen")
    _cluster_layer(fmap, clusters,
                   f"Verandering {context.label(base)}→{context.label(compare)} (getoetst)",
                   ("verandering", "Verandering"), context.label(compare), threshold,
                   CHANGE_COLOURS,
                   {**CELL_OUTLINE, "fillOpacity": 0.6}, show=True)


def _cluster_layer(fmap: folium.Map, clusters: gpd.GeoDataFrame, name: str,
                   field: tuple[str, str], year: str, threshold: int,
                   colours: dict[str, str], outline: dict[str, Any], *, show: bool) -> None:
    """Draw the cell clusters of one class column that hold at least ``threshold`` meldingen.

    A smaller cluster is left out: its squares would show where the few meldingen are that its
    count (``< threshold``) hides, the smaller the cells the more precisely. ``year`` is the
    label of the period the counts belong to.
    """
    key, alias = field
    clusters = clusters[clusters["meldingen"].to_numpy() >= threshold]
    frame = gpd.GeoDataFrame(
        {key: clusters["klasse"].to_numpy(),
         "meldingen": [suppress(c, threshold) for c in clusters["meldingen"]],
         "_colour": [colours[c] for c in clusters["klasse"]]},
        geometry=rounded(clusters.to_crs("EPSG:4326").geometry.to_numpy(), FIELD_DECIMALS),
        crs="EPSG:4326",
    )
    geojson_layer(fmap, frame, name, {key: alias, "meldingen": f"Meldingen {year}"},
                  lambda f: {"fillColor": f["properties"]["_colour"], **outline}, show=show)


def _escape(text: str) -> str:
    return html_text(text) if pd.notna(text) else "onbekend"
