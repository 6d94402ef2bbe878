"""Pages around the maps: the synced side-by-side comparison and the index of every map.

``vergelijking.html`` shows the base year left and the compare year right, synced in position
and zoom (leaflet.sync); on a narrow screen the two maps stack. ``index.html`` links every map
with a one-line summary per wijk; for a region it lists the gemeenten, each with a line of its
own, a link to its overview (``gemeenten/<gemeentecode>.html``) and its wijk pages. Both are
self-contained like the maps themselves.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import folium
import geopandas as gpd
import numpy as np
from branca.element import Element, Figure
from jinja2 import Template
from markupsafe import Markup

from hotspotkaart._format import change_text, html_text, nl_int
from hotspotkaart._naming import gemeente_pages, wijk_pages
from hotspotkaart.maps.controls import SyncMaps
from hotspotkaart.maps.data import MapContext, MapData
from hotspotkaart.maps.elements import OFFLINE_CSS, InfoPanel, Legend, verbatim_macros
from hotspotkaart.maps.layers import (
    CELL_OUTLINE,
    for_map,
    geojson_layer,
    gi_legend,
    hot_spot_clusters,
    remember,
)
from hotspotkaart.maps.overview import (
    add_wijk_outline,
    add_zone_layers,
    base_map,
    buurt_fields,
    overview_map,
    set_page_title,
    wijk_map,
)
from hotspotkaart.maps.timecharts import city_charts
from hotspotkaart.stats.classbreaks import YEAR_PALETTE, bin_labels
from hotspotkaart.stats.hotspots import GI_COLOURS

__all__ = ["comparison_page", "gemeente_overview", "index_page", "render", "wijk_page_map"]

logger = logging.getLogger(__name__)

_STACK_CSS = Template("""
<style>
@media (max-width: 700px), (orientation: portrait) and (max-width: 900px) {
  #{{ left }} { width: 100% !important; height: 50% !important; }
  #{{ right }} { left: 0 !important; top: 50% !important; width: 100% !important;
                 height: 50% !important; }
}
html, body { margin: 0; height: 100%; }
</style>
""")


def render(fmap: folium.Map) -> str:
    """Render a map (or the figure holding it) to a complete HTML page."""
    with verbatim_macros():
        return str(fmap.get_root().render())


def comparison_page(data: MapData, context: MapContext) -> str:
    """Render ``vergelijking.html``: base year left, compare year right, synced.

    Each side shows the meldingen per buurt in shared classes and the Gi* hot spots of its year;
    the zones and wijk boundaries are on both.
    """
    figure = Figure()
    bins = data.count_bins(context.years)
    maps = []
    for i, year in enumerate(context.years):
        fmap = base_map(data.buurten, context, position="absolute", left=f"{50 * i}%",
                        top="0%", width="50%", height="100%")
        figure.add_child(fmap)
        _add_year(fmap, data, context, year, bins)
        add_zone_layers(fmap, data.zones, context)
        add_wijk_outline(fmap, data.wijken, data)
        fmap.add_child(InfoPanel(f"Meldingen {context.label(year)}", (),
                                 context.method if i == 1 else (),
                                 synthetic=context.synthetic,
                                 position="topright"))
        folium.LayerControl(collapsed=True, position="topleft").add_to(fmap)
        maps.append(fmap)
    left, right = maps
    right.add_child(Legend("Meldingen per buurt", bin_labels(bins), position="bottomright"))
    right.add_child(Legend("Hotspots (getoetst, FDR)",
                           gi_legend(data.cells, context.years), position="bottomright"))
    right.add_child(SyncMaps(left, right))
    figure.header.add_child(Element(_STACK_CSS.render(left=left.get_name(),
                                                      right=right.get_name())))
    base, compare = (context.label(y) for y in context.years)
    set_page_title(figure, f"Vergelijking {base} | {compare}: {context.area_name}")
    with verbatim_macros():
        return str(figure.render())


def _add_year(fmap: folium.Map, data: MapData, context: MapContext, year: int,
              bins: np.ndarray) -> None:
    fields = {k: v for k, v in buurt_fields(data, context).items()
              if k in ("buurtnaam", "wijknaam", f"count_{year}")}
    frame = for_map(data.buurten, fields)
    classes = np.searchsorted(bins, data.buurten[f"count_{year}"].to_numpy(), side="left")
    frame["_colour"] = [YEAR_PALETTE[min(int(c), len(YEAR_PALETTE) - 1)] for c in classes]
    name = context.label(year)
    geojson_layer(fmap, frame, f"Meldingen {name} per buurt", fields,
                  lambda f: {"fillColor": f["properties"]["_colour"], "color": "#555555",
                             "weight": 0.8, "fillOpacity": 0.7}, show=True)
    if data.cells is None or data.cells.empty:
        return
    clusters = hot_spot_clusters(data.cells, f"gi_class_{year}", f"count_{year}")
    fields = {"klasse": "Hot spot", "cellen": "Cellen", "meldingen": f"Meldingen {name}"}
    frame = for_map(clusters, fields)
    frame["_colour"] = [GI_COLOURS.get(str(c), "#bdbdbd") for c in clusters["klasse"]]
    geojson_layer(fmap, frame, f"Hot spots {name}", fields,
                  lambda f: {"fillColor": f["properties"]["_colour"], **CELL_OUTLINE,
                             "fillOpacity": 0.8}, show=True)


_INDEX = Template("""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Overlastkaarten {{ area|e }}</title>
<style>{{ css }}
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  margin: 0 auto; padding: 12px; max-width: 980px; color: #1a1a1a; }
a { color: #0b5394; } li { margin: 6px 0; } .hk-table { width: 100%; font-size: 14px; }
.hk-table td, .hk-table th { padding: 6px; }
.hk-table-wrap { overflow-x: auto; }  /* a wide table scrolls on its own, the page does not */
@media (max-width: 480px) { .hk-table { font-size: 13px; }
  .hk-table td, .hk-table th { padding: 4px 3px; } }
</style></head>
<body>
<h1>Overlastkaarten {{ area|e }}: {{ base }} en {{ compare }}</h1>
{% if synthetic %}<p class="hk-demo">Demonstratiedata — geen echte meldingen</p>{% endif %}
<ul>
<li><a href="overzicht.html">Overzicht van de {{ "regio" if gemeenten else "stad" }}</a>:
  verandering per buurt, hot spots, gebieden</li>
<li><a href="vergelijking.html">Vergelijking {{ base }} | {{ compare }}</a>:
  twee kaarten naast elkaar</li>
<li><a href="veldkaart.html">Veldkaart</a>: voor op de telefoon, alleen totalen</li>
</ul>
{% if gemeenten %}<h2>Per gemeente</h2>
<div class="hk-table-wrap"><table class="hk-table hk-gemeenten"><thead><tr><th>Gemeente</th>
<th>{{ base }}</th><th>{{ compare }}</th><th>Verandering</th><th>Beoordeling</th></tr></thead>
<tbody>{% for g in gemeenten %}<tr><td><a href="{{ g.page|e }}">{{ g.name|e }}</a></td>
<td>{{ g.base|e }}</td><td>{{ g.compare|e }}</td><td>{{ g.change|e }}</td>
<td>{{ g.verdict|e }}</td></tr>
{% endfor %}</tbody></table></div>{% endif %}
{% for group in groups %}<h2>{{ group.title|e }}</h2>
{% if group.page %}<p><a href="{{ group.page|e }}">Overzicht van {{ group.name|e }}</a></p>
{% endif %}
<div class="hk-table-wrap"><table class="hk-table"><thead><tr><th>Wijk</th><th>{{ base }}</th>
<th>{{ compare }}</th><th>Verandering</th><th>Beoordeling</th></tr></thead><tbody>
{% for w in group.wijken %}<tr><td><a href="{{ w.page|e }}">{{ w.name|e }}</a></td>
<td>{{ w.base|e }}</td><td>{{ w.compare|e }}</td><td>{{ w.change|e }}</td>
<td>{{ w.verdict|e }}</td></tr>
{% endfor %}</tbody></table></div>
{% endfor %}
<h2>Wanneer</h2>
{{ charts }}
<div class="hk-method">{% for line in method %}<p>{{ line|e }}</p>{% endfor %}
<p>Grenzen: {{ credit|e }}</p></div>
</body></html>
""")


def index_page(data: MapData, context: MapContext) -> str:
    """Render ``index.html``: links to every map, one line per wijk (and gemeente, in a region)."""
    base, compare = (context.label(y) for y in context.years)
    return _INDEX.render(area=context.area_name, base=base, compare=compare,
                         synthetic=context.synthetic, gemeenten=_gemeente_rows(data, context),
                         groups=_wijk_groups(data, context), method=context.method,
                         credit=context.credit, css=OFFLINE_CSS,
                         charts=Markup(city_charts(data, context)))


def gemeente_overview(data: MapData, context: MapContext, gemeentecode: str) -> folium.Map:
    """Build the overview of one gemeente of a region (``gemeenten/<gemeentecode>.html``)."""
    return overview_map(*_gemeente_view(data, context, gemeentecode))


def wijk_page_map(data: MapData, context: MapContext, wijkcode: str) -> folium.Map:
    """Build the map of one wijk (:func:`wijk_map`); in a region, within its own gemeente."""
    if data.gemeenten is not None:
        gemeente = data.wijken.loc[data.wijken["wijkcode"] == wijkcode, "gemeentecode"]
        data, context = _gemeente_view(data, context, str(gemeente.iloc[0]))
    return wijk_map(data, context, wijkcode)


def _gemeente_view(data: MapData, context: MapContext, gemeentecode: str
                   ) -> tuple[MapData, MapContext]:
    """Return the layers of one gemeente of a region and a context named after it."""
    names = {} if data.gemeenten is None else dict(zip(
        data.gemeenten["gemeentecode"].astype(str), data.gemeenten["gemeentenaam"].astype(str),
        strict=True))
    if gemeentecode not in names:
        msg = f"gemeentecode {gemeentecode!r} is not a gemeente of this region"
        raise ValueError(msg)
    views = data.remembered(("gemeente views",), OrderedDict[str, MapData])
    view = views.get(gemeentecode)
    if view is None:
        view = data.for_gemeente(gemeentecode)
        remember(views, gemeentecode, view, size=GEMEENTE_VIEWS)
    return view, replace(context, area_name=names[gemeentecode])


#: The views of gemeenten a process keeps (:func:`_gemeente_view`): a build writes each
#: gemeente's pages in one job (its overview and its wijken), so the last view serves them;
#: at national scale a view with what its maps remember holds some 10 MB, all of them gigabytes.
GEMEENTE_VIEWS = 2


def _wijk_groups(data: MapData, context: MapContext) -> list[dict[str, Any]]:
    """List the wijken of the index: one table ("Per wijk"), or one per gemeente."""
    if data.gemeenten is None:
        return [{"title": "Per wijk", "name": "", "page": "",
                 "wijken": _area_rows(data.wijken, "wijkcode", "wijknaam", context,
                                      wijk_pages(data.wijken["wijkcode"].tolist()))}]
    wijk_names = wijk_pages(data.wijken["wijkcode"].tolist())
    pages = gemeente_pages(data.gemeenten["gemeentecode"].tolist())
    groups = []
    for code, name in zip(data.gemeenten["gemeentecode"].astype(str),
                          data.gemeenten["gemeentenaam"].astype(str), strict=True):
        wijken = data.wijken[data.wijken["gemeentecode"] == code]
        groups.append({"title": f"Wijken van {name}", "name": name, "page": pages[code],
                       "wijken": _area_rows(wijken, "wijkcode", "wijknaam", context,
                                            wijk_names)})
    return groups


def _gemeente_rows(data: MapData, context: MapContext) -> list[dict[str, str]]:
    if data.gemeenten is None:
        return []
    pages = gemeente_pages(data.gemeenten["gemeentecode"].tolist())
    return _area_rows(data.gemeenten, "gemeentecode", "gemeentenaam", context, pages,
                      sort=False)


def _area_rows(areas: gpd.GeoDataFrame, key: str, name: str, context: MapContext,
               pages: dict[str, str], *, sort: bool = True) -> list[dict[str, str]]:
    base, compare = context.years
    rows = []
    for row in (areas.sort_values(key) if sort else areas).itertuples():
        b, c = int(getattr(row, f"count_{base}")), int(getattr(row, f"count_{compare}"))
        code = str(getattr(row, key))
        rows.append({"code": code, "page": pages[code],
                     "name": Markup(html_text(str(getattr(row, name)))), "base": nl_int(b),
                     "compare": nl_int(c), "change": change_text(b, c),
                     "verdict": str(row.change_class)})
    return rows
