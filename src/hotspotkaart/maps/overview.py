"""Render the interactive Folium maps of the city and of each wijk (in Dutch).

This is the only stage that leaves RD New: layers are reprojected to EPSG:4326 here, just before
they are embedded. Every text that comes from input data is HTML-escaped before it reaches a
tooltip or popup, because folium's ``GeoJsonTooltip`` and ``GeoJsonPopup`` insert
``feature.properties`` unescaped. A page carries only vendored scripts (inlined later by
:mod:`hotspotkaart.maps.offline`), so it opens without a network; only basemap tiles need one.

The building blocks here (base map, choropleths, grid, zones, locations) are shared by the
overview, the wijk maps, the comparison page (:mod:`hotspotkaart.maps.pages`) and the field map
(:mod:`hotspotkaart.maps.fieldmap`); the texts, WGS84 geometry and GeoJSON of each layer are made by
:mod:`hotspotkaart.maps.layers`.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import xyzservices.providers as xyz
from branca.element import Element, Figure
from folium.folium import _default_css, _default_js

from hotspotkaart._format import (
    change_text,
    html_text,
    nl_float,
    nl_int,
    validity_text,
    verdict_text,
)
from hotspotkaart._naming import gemeente_pages
from hotspotkaart.config.settings import ZONE_KINDS
from hotspotkaart.io.crs import WGS84
from hotspotkaart.maps.charts import HEAT_COLOURS
from hotspotkaart.maps.controls import (
    CategorySwitch,
    DrawAreas,
    FullscreenButton,
    MeasureControl,
    SearchControl,
)
from hotspotkaart.maps.data import MapContext, MapData
from hotspotkaart.maps.elements import (
    ChartPanel,
    Credits,
    InfoPanel,
    KeyFigures,
    Legend,
    ScaleBar,
    SkipLink,
    SortableTable,
)
from hotspotkaart.maps.featurestore import StoreLayer
from hotspotkaart.maps.gridlayers import add_grid_layers
from hotspotkaart.maps.layers import (
    LayerData,
    class_colours,
    for_map,
    geojson_layer,
)
from hotspotkaart.maps.levels import (
    CHART_PAGE,
    LEGIBLE_BUURTEN,
    add_gemeente_layer,
    buurt_store,
    display_gemeenten,
    wijk_outline,
)
from hotspotkaart.maps.placement import PanelPlacement
from hotspotkaart.maps.popupheat import PopupHeat
from hotspotkaart.maps.timecharts import area_heat_cells, city_charts, city_level, wijk_charts
from hotspotkaart.stats.change import CHANGE_CLASSES, CHANGE_COLOURS
from hotspotkaart.stats.classbreaks import YEAR_PALETTE, bin_labels

__all__ = [
    "ZONE_COLOURS",
    "ZONE_LABELS",
    "OfflineMap",
    "overview_map",
    "set_page_title",
    "wijk_map",
]

logger = logging.getLogger(__name__)


#: Dutch display names of the zone kinds.
ZONE_LABELS: dict[str, str] = {
    "cameratoezicht": "Cameratoezicht",
    "alcoholverbod": "Alcoholverbod",
    "veiligheidsrisicogebied": "Veiligheidsrisicogebied",
}
#: Zone outlines: colours apart from the hot-spot palettes, and a dash pattern per kind so the
#: kinds stay distinct without colour vision.
ZONE_COLOURS: dict[str, str] = {
    "cameratoezicht": "#0072B2",
    "alcoholverbod": "#7f3b08",
    "veiligheidsrisicogebied": "#542788",
}
ZONE_DASHES: dict[str, str] = {
    "cameratoezicht": "",
    "alcoholverbod": "8 5",
    "veiligheidsrisicogebied": "2 5",
}
_LOCATION_COLOURS = ("#7570b3", "#1b9e77")

BASEMAPS: dict[str, tuple[str, Any]] = {
    "grijs": ("PDOK achtergrondkaart grijs", xyz.nlmaps.grijs),
    "standaard": ("PDOK achtergrondkaart standaard", xyz.nlmaps.standaard),
    "pastel": ("PDOK achtergrondkaart pastel", xyz.nlmaps.pastel),
    "luchtfoto": ("PDOK luchtfoto", xyz.nlmaps.luchtfoto),
}


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that needs Leaflet only (no jQuery, Bootstrap or icon fonts).

    Its resource links are replaced by the vendored files when the page is written, see
    :func:`hotspotkaart.maps.offline.inline_assets`.
    """

    default_js = [item for item in _default_js if item[0] == "leaflet"]  # noqa: RUF012
    default_css = [item for item in _default_css if item[0] == "leaflet_css"]  # noqa: RUF012


def overview_map(data: MapData, context: MapContext) -> folium.Map:
    """Build ``overzicht.html``: the city, base year against compare year.

    Parameters
    ----------
    data : MapData
        The analysed layers.
    context : MapContext
        Titles, credits, method stamp.

    Returns
    -------
    folium.Map
        Opens on the change choropleth per buurt; the year choropleths, the grid hot spots per
        year and their transitions, the zones and the named locations are switchable overlays.
    """
    fmap = base_map(data.buurten, context)
    base, compare = context.years
    layers = add_area_layers(fmap, data, context, data.buurten)
    many = len(data.buurten) > LEGIBLE_BUURTEN  # else the buurten are legible in every view
    if many or data.gemeenten is not None:  # a region's gemeenten, with their test
        gemeenten = data.gemeenten
        if gemeenten is None:
            gemeenten = display_gemeenten(data.buurten, context.years)
        add_gemeente_layer(fmap, gemeenten, layers[0].store if many else None, context)
    add_grid_layers(fmap, data.cells, context, data.times)
    add_zone_layers(fmap, data.zones, context)
    add_location_layers(fmap, data.locations)
    outline = add_wijk_outline(fmap, data.wijken, data)
    title = (f"Overlast in {context.area_name}: {context.label(base)} en "
             f"{context.label(compare)} vergeleken")
    add_panels(fmap, data, context, title, data.buurten, layers)
    fmap.add_child(ChartPanel(f"Wanneer: per {city_level(data)} en per maand",
                              city_charts(data, context)))
    fmap.add_child(SearchControl([layers[0], outline]))
    fmap.add_child(DrawAreas("kandidaatgebied.geojson"))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    return fmap


def wijk_map(data: MapData, context: MapContext, wijkcode: str) -> folium.Map:
    """Build ``wijken/<wijkcode>.html``: the overview content framed on one wijk.

    The map holds the wijk's buurten, the grid cells and zones that touch the wijk, its named
    locations, a sortable table of its buurten and the wijk's own key figures. The counts per
    buurt are classed as on the overview (:func:`shared_bins` of all buurten).
    """
    wijk = data.in_wijk("wijken", wijkcode)
    outline = wijk.geometry.iloc[0]
    buurten = data.in_wijk("buurten", wijkcode)
    cells = None if data.cells is None else data.intersecting("cells", outline)
    local = MapData(buurten=buurten, wijken=wijk, zones=data.intersecting("zones", outline),
                    locations=data.intersecting("locations", outline), cells=cells,
                    categories=data.categories, times=data.times)
    fmap = base_map(buurten, context)
    layers = add_area_layers(fmap, local, context, buurten,
                             _wijk_change_layer(data, context, wijkcode),
                             bins=data.count_bins(context.years))
    add_grid_layers(fmap, cells, context, data.times)
    add_zone_layers(fmap, local.zones, context)
    add_location_layers(fmap, local.locations)
    add_wijk_outline(fmap, wijk, data)
    name = str(wijk["wijknaam"].iloc[0])
    base, compare = (context.label(y) for y in context.years)
    add_panels(fmap, local, context, f"{name}: {base} en {compare}", wijk, layers)
    fmap.add_child(SortableTable(f"Buurten in {name}", *_buurt_table(buurten, context)))
    charts = wijk_charts(data, context, wijkcode, name)
    if charts:
        fmap.add_child(ChartPanel(f"Wanneer: maanden en uren in {name}", charts))
    fmap.add_child(SearchControl([layers[0]], placeholder="Zoek buurt…"))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    return fmap


# -- building blocks shared by the maps ----------------------------------------------------------


def base_map(frame: gpd.GeoDataFrame, context: MapContext, **kwargs: Any) -> folium.Map:
    """Make an :class:`OfflineMap` fitted to ``frame``, with PDOK basemaps, none, the credit.

    Extra keyword arguments go to :class:`folium.Map` (size and position of the map).
    """
    xmin, ymin, xmax, ymax = focus_bounds(frame)
    fmap = OfflineMap(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], tiles=None,
                      zoom_start=12, min_zoom=8, max_zoom=19, **kwargs)
    fmap.add_child(ScaleBar())
    fmap.add_child(SkipLink())
    fmap.add_child(FullscreenButton())
    fmap.add_child(MeasureControl())
    # Fit at once (no zoom animation) and before any basemap is added: otherwise Leaflet
    # fetches the tiles of the opening zoom level, then those of the fitted one.
    fit = folium.FitBounds([[ymin, xmin], [ymax, xmax]])
    fit.options["animate"] = False
    fmap.add_child(fit)
    for key, (name, provider) in BASEMAPS.items():
        # the provider itself: given a URL, folium searches all of xyzservices for it (slow)
        folium.TileLayer(tiles=provider, attr=provider.html_attribution, name=name,
                         max_zoom=19, max_native_zoom=provider.get("max_zoom", 19),
                         overlay=False, show=(key == context.basemap)).add_to(fmap)
    folium.FeatureGroup(name="Geen achtergrond", overlay=False,
                        show=(context.basemap == "geen")).add_to(fmap)
    fmap.add_child(Credits(f"Grenzen: {context.credit}"))
    fmap.add_child(PanelPlacement())
    return fmap


def focus_bounds(areas: gpd.GeoDataFrame, share: float = 0.95) -> np.ndarray:
    """WGS84 bounds of the densest areas that together hold ``share`` of the meldingen.

    A municipality with large empty areas (the Biesbosch for Dordrecht) then opens on the town,
    not on the whole territory. Without counts, the bounds of all areas.
    """
    wgs84 = areas.geometry.to_crs(WGS84)
    bounds = wgs84.bounds
    count_columns = [c for c in areas.columns if c.startswith("count_") and c.count("_") == 1]
    total = areas[count_columns].sum(axis=1).to_numpy(dtype=float) if count_columns else None
    if total is None or total.sum() == 0:
        return np.asarray(wgs84.total_bounds)
    density = total / np.maximum(areas.geometry.area.to_numpy(), 1.0)
    order = np.argsort(-density, kind="stable")
    cumulative = np.cumsum(total[order]) / total.sum()
    keep = order[: int(np.searchsorted(cumulative, share)) + 1]
    chosen = bounds.iloc[keep]
    return np.array([chosen.minx.min(), chosen.miny.min(), chosen.maxx.max(), chosen.maxy.max()])


def add_area_layers(fmap: folium.Map, data: MapData, context: MapContext,
                    buurten: gpd.GeoDataFrame, change: LayerData | None = None, *,
                    bins: np.ndarray | None = None) -> list[StoreLayer]:
    """Add the change choropleth (shown) and one count choropleth per year (hidden).

    The three layers draw from one store of the buurten (:func:`buurt_store`): their shapes and
    texts are on the page once. ``change`` is :func:`_change_layer` of ``buurten`` when the
    caller has it already. The year layers are classed by ``data.count_bins`` (``buurten`` are
    then ``data.buurten``), or by ``bins`` of the whole area (a wijk map takes the overview's
    classes, so a colour means the same on both).
    """
    base, compare = context.years
    shown = {year: context.label(year) for year in context.years}
    fields = buurt_fields(data, context)
    if change is None:
        change = _change_layer(data, context, buurten)
    note = ""
    if bins is None:
        bins = data.count_bins(context.years)
    else:
        note = "Klassen als op het overzicht."
    year_colours = {}
    for year in (base, compare):
        classes = np.searchsorted(bins, buurten[f"count_{year}"].to_numpy(), side="left")
        year_colours[year] = [YEAR_PALETTE[min(int(c), len(YEAR_PALETTE) - 1)] for c in classes]
    chart_pages = _chart_pages(data, buurten)
    store = buurt_store(data, buurten, change, context, year_colours, chart_pages=chart_pages)
    fmap.add_child(store)
    brief = ["buurtnaam", f"count_{base}", f"count_{compare}", "change_class"]
    linked = [] if chart_pages is None else [CHART_PAGE]
    extra = ["zoeknaam", *(k for k in change.properties if k.startswith("_colour_")), *linked]
    change_layer = StoreLayer(store, f"Verandering {shown[base]}→{shown[compare]} per buurt",
                              fields, style=_FILL_LINE | {"fillOpacity": 0.7},
                              colour="_colour", extra=extra, brief=brief, show=True)
    fmap.add_child(change_layer)
    layers = [change_layer]
    for year in (base, compare):
        layer = StoreLayer(store, f"Meldingen {shown[year]} per buurt", fields,
                           style=_FILL_LINE | {"fillOpacity": 0.75}, colour=f"_colour@{year}",
                           extra=linked, brief=brief, show=False)
        fmap.add_child(layer)
        layers.append(layer)
    fmap.add_child(Legend(f"Verandering per buurt {shown[base]}→{shown[compare]}",
                          [(c, CHANGE_COLOURS[c]) for c in CHANGE_CLASSES],
                          layers=layers[:1]))
    fmap.add_child(Legend(f"Meldingen per buurt ({shown[base]} en {shown[compare]})",
                          bin_labels(bins),
                          position="bottomright", note=note, layers=layers[1:]))
    if data.categories:
        options = [("", "Alle meldingen")] + [(category_key(c), c) for c in data.categories]
        fmap.add_child(CategorySwitch([change_layer], options))
    title = "Meldingen per uur (0–23) en weekdag, beide jaren"
    if chart_pages is not None:  # each buurt's chart is on its gemeente's page
        fmap.add_child(PopupHeat(layers, {}, HEAT_COLOURS, key="buurtcode", title=title,
                                 link=(CHART_PAGE, "op de kaart van de gemeente")))
        return layers
    heat = area_heat_cells(data.times, "buurt", [str(c) for c in buurten["buurtcode"]],
                           context.years, context.periods)
    if heat:
        fmap.add_child(PopupHeat(layers, heat, HEAT_COLOURS, key="buurtcode", title=title))
    return layers


def _chart_pages(data: MapData, buurten: gpd.GeoDataFrame) -> list[str] | None:
    """Per buurt the gemeente page with its hour × weekday chart, when the page leaves it there.

    A region whose buurten are too many to be legible at once (a province, the country) would
    carry 14 000 charts, most of the page; each gemeente's page has those of its buurten.
    """
    if data.gemeenten is None or len(buurten) <= LEGIBLE_BUURTEN or data.times is None:
        return None
    pages = gemeente_pages(data.gemeenten["gemeentecode"].tolist())
    return [html_text(pages[str(code)]) for code in buurten["gemeentecode"]]


#: The outline of a buurt in the buurt layers (as :func:`fill_style` draws it).
_FILL_LINE: dict[str, Any] = {"color": "#444444", "weight": 1.0}


def _wijk_change_layer(data: MapData, context: MapContext, wijkcode: str) -> LayerData:
    """Return the change layer of one wijk's buurten, taken from that of all (made once)."""
    layer = data.remembered(("change layer", tuple(context.years), context.fdr_q),
                            lambda: _change_layer(data, context, data.buurten))
    return layer.take(data.rows_in_wijk("buurten", wijkcode))


def _change_layer(data: MapData, context: MapContext, buurten: gpd.GeoDataFrame) -> LayerData:
    """Make the change layer of ``buurten``: tooltip texts, colours per category, WGS84 shapes.

    Every value is made row by row, so the layer of some buurten is that of all, taken at
    their positions (:meth:`LayerData.take`).
    """
    change = for_map(buurten, [*buurt_fields(data, context), "zoeknaam"],
                     _buurt_texts(buurten, data, context))
    change["_colour"] = class_colours(buurten["change_class"], CHANGE_COLOURS)
    for category, slug in data.slugs.items():
        column = f"change_class_{slug}"
        if column in buurten:
            change[f"_colour_{category_key(category)}"] = class_colours(buurten[column],
                                                                   CHANGE_COLOURS)
    return change


def add_zone_layers(fmap: folium.Map, zones: gpd.GeoDataFrame, context: MapContext) -> None:
    """Add one overlay per zone kind (cameratoezicht shown, the others hidden)."""
    present, layers = [], []
    kinds = zones["kind"].to_numpy()
    for kind in ZONE_KINDS:
        rows = np.flatnonzero(kinds == kind)
        if not len(rows):
            continue
        of_kind = zones.iloc[rows]
        present.append(kind)
        fields = {"name": "Naam", "kind_label": "Soort gebied", "valid": "Geldig"}
        texts = {"kind_label": [ZONE_LABELS[kind]] * len(of_kind),
                 "valid": [validity_text(a, b) for a, b in zip(
                     of_kind["valid_from"], of_kind["valid_to"], strict=True)]}
        for year in context.years:
            column = f"inside_{year}"
            if column in of_kind:
                fields[column] = f"Meldingen binnen {context.label(year)}"
        layers.append(geojson_layer(fmap, for_map(of_kind, fields, texts),
                                    f"{ZONE_LABELS[kind]} ({len(of_kind)})", fields,
                                    _outline_style(kind), show=kind == "cameratoezicht"))
    if present:
        fmap.add_child(Legend("Gebieden", [(ZONE_LABELS[k], ZONE_COLOURS[k]) for k in present],
                              position="bottomleft", layers=layers))


def add_location_layers(fmap: folium.Map, locations: gpd.GeoDataFrame) -> None:
    """Add the named overlast locations, one layer per year."""
    years = sorted(int(y) for y in locations["year"].unique()) if len(locations) else []
    layers = []
    for i, year in enumerate(years):
        of_year = locations[locations["year"] == year]
        fields = {"name": "Locatie", "year": "Jaar", "status": "Status"}
        colour = _LOCATION_COLOURS[i % len(_LOCATION_COLOURS)]
        layers.append(geojson_layer(
            fmap, for_map(of_year, fields, {"year": [str(year)] * len(of_year)}),  # not 2.023
            f"Overlastlocaties {year} ({len(of_year)})",
            fields, None, show=True,
            marker=folium.CircleMarker(radius=7, color="#222222", weight=1.5, fill=True,
                                       fill_color=colour, fill_opacity=0.9)))
    if years:
        fmap.add_child(Legend("Overlastlocaties",
                              [(str(y), _LOCATION_COLOURS[i % len(_LOCATION_COLOURS)])
                               for i, y in enumerate(years)], point=True,
                              position="bottomleft", layers=layers))


def add_wijk_outline(fmap: folium.Map, wijken: gpd.GeoDataFrame,
                     data: MapData | None = None) -> StoreLayer:
    """Add the wijk boundaries as a thin overlay, also searchable by name (see wijk_outline).

    With ``data``, the outlines are taken from the simplified coverage of all its wijken.
    """
    return wijk_outline(fmap, wijken, data)


def add_panels(fmap: folium.Map, data: MapData, context: MapContext, title: str,
               areas: gpd.GeoDataFrame, layers: Sequence[folium.map.Layer]) -> None:
    """Add the title/method panel and the key-figures table for ``areas``; title the page."""
    set_page_title(fmap, title)
    fmap.add_child(InfoPanel(title, (), context.method, synthetic=context.synthetic))
    fmap.add_child(KeyFigures("Kerncijfers", *key_figures(data, areas, context),
                              position="topright"))


def set_page_title(element: Element, title: str) -> None:
    """Give the page of ``element`` (a map, or the page itself) a ``<title>`` (escaped)."""
    figure = element.get_root()
    if isinstance(figure, Figure):
        figure.header.add_child(Element(f"<title>{html.escape(title)}</title>"),
                                name="page_title")


def key_figures(data: MapData, areas: gpd.GeoDataFrame, context: MapContext
                ) -> tuple[list[str], list[list[str]]]:
    """Totals per category for both years over ``areas``, with their change."""
    base, compare = context.years
    rows = []
    for label, slug in [("Alle meldingen", None), *data.slugs.items()]:
        suffix = "" if slug is None else f"_{slug}"
        b = int(areas[f"count_{base}{suffix}"].sum()) if f"count_{base}{suffix}" in areas else 0
        c = int(areas[f"count_{compare}{suffix}"].sum()) if f"count_{compare}{suffix}" in areas \
            else 0
        rows.append([label, nl_int(b), nl_int(c), change_text(b, c)])
    return ["", context.label(base), context.label(compare), "verandering"], rows


def buurt_fields(data: MapData, context: MapContext) -> dict[str, str]:
    """Tooltip fields of a buurt: name, counts per year and category, change in words."""
    base, compare = context.years
    shown = {year: context.label(year) for year in context.years}
    fields = {"buurtnaam": "Buurt", "buurtcode": "Buurtcode", "wijknaam": "Wijk",
              f"count_{base}": f"Meldingen {shown[base]}",
              f"count_{compare}": f"Meldingen {shown[compare]}",
              "diff": "Verschil", "pct_text": "Verandering in %",
              "change_class": "Beoordeling", "test_text": "Toets"}
    for category in data.categories:
        fields[f"cat_{category_key(category)}"] = (f"{category} ({shown[base]} → "
                                                   f"{shown[compare]})")
    fields["rate_text"] = "Per 1.000 inwoners"
    return fields


def category_key(category: str) -> str:
    """Return a key for a category that is safe in HTML attributes and JS property names."""
    return "".join(ch if ch.isalnum() else "_" for ch in category.lower())


def _buurt_texts(buurten: gpd.GeoDataFrame, data: MapData, context: MapContext
                 ) -> dict[str, list[str]]:
    """Make the tooltip texts of :func:`buurt_fields` that are not columns of the area table."""
    base, compare = context.years
    count = len(buurten)
    texts = {
        "zoeknaam": [f"{name} (buurt)" for name in buurten["buurtnaam"].astype(str)],
        "pct_text": ["basis te klein" if pd.isna(p) else f"{p:+.0f} %"
                     for p in buurten["pct_change"].tolist()],
        "test_text": [verdict_text(p, q, context.fdr_q) for p, q in zip(
            buurten["p_value"].tolist(), buurten["q_value"].tolist(), strict=True)],
    }
    for category, slug in data.slugs.items():
        b = buurten[f"count_{base}_{slug}"].tolist() if f"count_{base}_{slug}" in buurten \
            else [0] * count
        c = buurten[f"count_{compare}_{slug}"].tolist() if f"count_{compare}_{slug}" in buurten \
            else [0] * count
        texts[f"cat_{category_key(category)}"] = [f"{x} → {y}" for x, y in zip(b, c, strict=True)]
    if f"rate_{base}" in buurten and f"rate_{compare}" in buurten:
        texts["rate_text"] = [
            "onbekend (geen inwonertal)" if pd.isna(a) or pd.isna(b)
            else f"{nl_float(a)} ({context.label(base)}), {nl_float(b)} ({context.label(compare)})"
            for a, b in zip(buurten[f"rate_{base}"].tolist(), buurten[f"rate_{compare}"].tolist(),
                            strict=True)]
    else:
        texts["rate_text"] = ["onbekend (geen inwonertal)"] * count
    return texts


def _outline_style(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    colour, dashes = ZONE_COLOURS[kind], ZONE_DASHES[kind]

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {"color": colour, "weight": 2.5, "fillColor": colour, "fillOpacity": 0.1,
                "dashArray": dashes}

    return style


def _buurt_table(buurten: gpd.GeoDataFrame, context: MapContext
                 ) -> tuple[list[str], list[list[tuple[str, str]]]]:
    base, compare = context.years
    header = ["Buurt", context.label(base), context.label(compare), "Verschil", "Beoordeling"]
    # only the columns shown: walking all columns of the area table cost more than the rest
    table = buurten[["buurtnaam", f"count_{base}", f"count_{compare}", "change_class"]]
    rows = []
    for name, base_count, compare_count, verdict in table.sort_values("buurtnaam").itertuples(
            index=False, name=None):
        b, c = int(base_count), int(compare_count)
        rows.append([(str(name), str(name)), (nl_int(b), str(b)),
                     (nl_int(c), str(c)), (f"{c - b:+d}", str(c - b)),
                     (str(verdict), str(verdict))])
    return header, rows
