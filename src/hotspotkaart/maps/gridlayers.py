"""The grid on a map: the tested change per cell, the hot spots per year and their transitions.

Cells are drawn as clusters of touching cells of one class
(:func:`hotspotkaart.maps.layers.cell_clusters`); a hot spot names its cluster of the statistics
(:mod:`hotspotkaart.stats.clustertimes`) and its popup shows the cluster's own hour × weekday
chart (:class:`hotspotkaart.maps.elements.PopupHeat`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import pandas as pd
import shapely

from hotspotkaart._format import nl_float, nl_int
from hotspotkaart.maps.charts import HEAT_COLOURS
from hotspotkaart.maps.data import MapContext
from hotspotkaart.maps.elements import Legend
from hotspotkaart.maps.featurestore import ZoomGate, legible_zoom
from hotspotkaart.maps.layers import (
    CELL_OUTLINE,
    Clusters,
    cell_clusters,
    class_colours,
    fill_style,
    geojson_layer,
    geometry_digest,
    gi_legend,
    significant_changes,
)
from hotspotkaart.maps.popupheat import PopupHeat
from hotspotkaart.maps.timecharts import area_heat_cells
from hotspotkaart.stats.change import CHANGE_COLOURS, DALING, STIJGING
from hotspotkaart.stats.clustertimes import HOTSPOT, cluster_column
from hotspotkaart.stats.hotspots import (
    GI_COLOURS,
    NIET_SIGNIFICANT,
    TRANSITION_CLASSES,
    TRANSITION_COLOURS,
)

__all__ = ["add_grid_layers", "cell_size", "cell_size_text"]


def add_grid_layers(fmap: folium.Map, cells: gpd.GeoDataFrame | None, context: MapContext,
                    times: pd.DataFrame | None = None) -> None:
    """Add the tested change per cell (shown), the hot spots per year and their transitions.

    The map leads with the change that was tested where it happened (the window counts of both
    years, ``change_class``); the transitions between two hot-spot labels are a description only
    and say so in their name. A hot spot names its cluster (``hotspot_<year>``) and, with the
    build's ``times``, its popup shows the cluster's hour × weekday chart.
    """
    if cells is None or cells.empty:
        return
    base, compare = context.years
    shown = f"{context.label(base)}→{context.label(compare)}"
    cellen = f"Cellen van {cell_size_text(cells)}"
    shapes = geometry_digest(cells)  # once for the layers
    changed = cell_clusters(significant_changes(cells, "change_class"), shapes, "_change",
                            f"count_{compare}", "geen")
    per_cell = [_cells_layer(fmap, changed, cells, f"Verandering {shown} per cel (getoetst)",
                             (f"Verandering {shown}", cellen, context.label(compare)),
                             CHANGE_COLOURS, 0.8, show=True)]
    hot = [_hot_spot_layer(fmap, cells, shapes, year, cellen, times, context)
           for year in (base, compare)]
    clusters = cell_clusters(cells, shapes, "transition", f"count_{compare}", "geen")
    per_cell.append(_cells_layer(fmap, clusters, cells, f"Hot spots {shown}: nieuw, "
                                 "blijvend, verdwenen (beschrijving, niet getoetst)",
                                 ("Hot spot", cellen, context.label(compare)),
                                 TRANSITION_COLOURS, 0.85, show=False))
    # bottom left: the right-hand column is full on a laptop screen (800 px high); one legend
    # for the tested change and the described transitions together, each open while one of
    # its layers is on
    change = [(f"{c} (getoetst)", CHANGE_COLOURS[c]) for c in (STIJGING, DALING)]
    described = [(f"hot spot {c} (beschrijving)", TRANSITION_COLOURS[c])
                 for c in TRANSITION_CLASSES if c != "geen"]
    fmap.add_child(Legend(f"Per cel {shown}", change + described,
                          position="bottomleft", layers=per_cell))
    fmap.add_child(Legend("Hotspots (getoetst, FDR)", gi_legend(cells, context.years),
                          position="bottomleft", layers=hot))
    # drawn where a cell takes a few pixels: over a whole country they would be specks
    fmap.add_child(ZoomGate([*per_cell, *hot], legible_zoom(cell_size(cells))))


def _hot_spot_layer(fmap: folium.Map, cells: gpd.GeoDataFrame, shapes: bytes, year: int,
                    cellen: str, times: pd.DataFrame | None,
                    context: MapContext) -> folium.GeoJson:
    """Draw the hot spots of ``year``, each naming its cluster, with the clusters' charts."""
    clusters = cell_clusters(cells, shapes, f"gi_class_{year}", f"count_{year}",
                             NIET_SIGNIFICANT)
    column = cluster_column(year)
    codes = clusters.codes(cells, column) if column in cells else None
    name = context.label(year)
    layer = _cells_layer(fmap, clusters, cells, f"Hot spots {name}",
                         (f"Hot spot {name}", cellen, name), GI_COLOURS, 0.8, show=False,
                         codes=codes)
    charts = area_heat_cells(times, HOTSPOT, sorted(set(codes or ()) - {""}), (year,),
                             context.periods)
    if charts:
        fmap.add_child(PopupHeat([layer], charts, HEAT_COLOURS, key="hotspot",
                                 title="Het hele cluster (alle zekerheden samen), per uur "
                                       "(0–23) en weekdag"))
    return layer


def _cells_layer(fmap: folium.Map, clusters: Clusters, cells: gpd.GeoDataFrame, name: str,
                 aliases: tuple[str, str, str], palette: Mapping[str, str], opacity: float, *,
                 show: bool, codes: Sequence[str] | None = None) -> folium.GeoJson:
    """Draw one layer of cell clusters: class, cells and meldingen of ``year`` per cluster.

    ``aliases`` are the names of the class and cells fields and the label of the period.

    ``codes`` names each polygon's hot-spot cluster of the statistics (field ``hotspot``).
    """
    klasse, cellen, year = aliases
    fields = {"klasse": klasse, "cellen": cellen, "meldingen": f"Meldingen {year}"}
    if codes is not None:
        fields["hotspot"] = "Cluster (hottijden.csv)"
    data = clusters.for_map(cells.crs, fields, None if codes is None else {"hotspot": codes})
    data["_colour"] = class_colours(clusters.klasse, palette)
    return geojson_layer(fmap, data, name, fields, fill_style(opacity, outline=CELL_OUTLINE),
                         show=show)


def cell_size(cells: gpd.GeoDataFrame) -> float:
    """Return the grid's cell size (m) from a cell.

    Grid cells are unclipped squares (:func:`hotspotkaart.engine.grid.make_grid`), so the width
    of any cell is the configured ``cell_size``.
    """
    xmin, _, xmax, _ = shapely.bounds(cells.geometry.iloc[0])
    return round(float(xmax - xmin), 3)


def cell_size_text(cells: gpd.GeoDataFrame) -> str:
    """Give the grid's cell size in Dutch (``100 m``, ``1.000 m``, ``62,5 m``) from a cell."""
    size = cell_size(cells)
    return f"{nl_int(int(size))} m" if size.is_integer() else f"{nl_float(size, 1)} m"
