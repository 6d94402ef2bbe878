"""Render the interactive Folium maps (in Dutch).

This is the only stage that leaves RD New: layers are reprojected to EPSG:4326 here, just before
they are embedded. Every text that comes from input data is HTML-escaped before it reaches a
tooltip or popup, because folium's ``GeoJsonTooltip`` and ``GeoJsonPopup`` insert
``feature.properties`` unescaped. The rendered page carries only Leaflet (inlined later by
:mod:`hotspotkaart.offline`), so it opens without a network; only basemap tiles need one.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import shapely
import xyzservices.providers as xyz
from folium.folium import _default_css, _default_js

from hotspotkaart.config import ZONE_KINDS
from hotspotkaart.mapelements import Credits, InfoPanel, Legend

__all__ = [
    "CHANGE_COLOURS",
    "ZONE_LABELS",
    "MapContext",
    "OfflineMap",
    "overview_map",
]

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"

#: Dutch display names of the zone kinds.
ZONE_LABELS: dict[str, str] = {
    "cameratoezicht": "Cameratoezicht",
    "alcoholverbod": "Alcoholverbod",
    "veiligheidsrisicogebied": "Veiligheidsrisicogebied",
}
#: Okabe–Ito colours, distinguishable with colour-blindness.
ZONE_COLOURS: dict[str, str] = {
    "cameratoezicht": "#0072B2",
    "alcoholverbod": "#E69F00",
    "veiligheidsrisicogebied": "#CC79A7",
}
#: ColorBrewer RdBu ends for rise/fall; greys for the rest (colour-blind safe).
CHANGE_COLOURS: dict[str, str] = {
    "significante stijging": "#b2182b",
    "significante daling": "#2166ac",
    "geen significante verandering": "#f7f7f7",
    "te weinig meldingen": "#bdbdbd",
}
_YEAR_PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
_LOCATION_COLOURS = ("#7570b3", "#1b9e77")

_BASEMAPS: dict[str, tuple[str, Any]] = {
    "grijs": ("PDOK achtergrondkaart grijs", xyz.nlmaps.grijs),
    "standaard": ("PDOK achtergrondkaart standaard", xyz.nlmaps.standaard),
    "pastel": ("PDOK achtergrondkaart pastel", xyz.nlmaps.pastel),
    "luchtfoto": ("PDOK luchtfoto", xyz.nlmaps.luchtfoto),
}


class OfflineMap(folium.Map):
    """A :class:`folium.Map` that needs Leaflet only (no jQuery, Bootstrap or icon fonts).

    Its two resource links are replaced by the vendored files when the page is written, see
    :func:`hotspotkaart.offline.inline_assets`.
    """

    default_js = [item for item in _default_js if item[0] == "leaflet"]  # noqa: RUF012
    default_css = [item for item in _default_css if item[0] == "leaflet_css"]  # noqa: RUF012


@dataclass(frozen=True)
class MapContext:
    """What every map prints around its layers.

    Attributes
    ----------
    area_name : str
        Municipality name for titles.
    years : tuple of int
        Base and compare year.
    credit : str
        The boundary credit required by CBS/Kadaster.
    method : sequence of str
        Method-stamp lines.
    key_figures : sequence of str
        Lines with the city totals.
    synthetic : bool
        Whether the data are demonstration data.
    basemap : str
        Default basemap key (``grijs``, ``standaard``, ``pastel``, ``luchtfoto`` or ``geen``).

    """

    area_name: str
    years: tuple[int, int]
    credit: str
    method: Sequence[str]
    key_figures: Sequence[str]
    synthetic: bool
    basemap: str = "grijs"


def overview_map(buurten: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
                 locations: gpd.GeoDataFrame, context: MapContext) -> folium.Map:
    """Build the city map that compares the two periods per buurt.

    Parameters
    ----------
    buurten : geopandas.GeoDataFrame
        One row per buurt in EPSG:28992 with ``buurtcode``, ``buurtnaam``, ``wijknaam``,
        ``count_<year>`` for both years, ``diff`` and ``change_class``.
    zones : geopandas.GeoDataFrame
        Zones with ``kind``, ``name``, ``valid_from``, ``valid_to``.
    locations : geopandas.GeoDataFrame
        Named overlast locations with ``name``, ``year``, ``status``.
    context : MapContext
        Titles, credits, method stamp.

    Returns
    -------
    folium.Map
        The map, not yet rendered.

    """
    fmap = _base_map(buurten, context)
    base, compare = context.years
    _add_change_layer(fmap, buurten, context)
    bins = _shared_bins(buurten, context.years)
    for year in (base, compare):
        _add_year_layer(fmap, buurten, year, bins, show=False)
    for kind in ZONE_KINDS:
        _add_zone_layer(fmap, zones[zones["kind"] == kind], kind)
    for i, year in enumerate(sorted(locations["year"].unique()) if len(locations) else []):
        _add_location_layer(fmap, locations[locations["year"] == year], int(year),
                            _LOCATION_COLOURS[i % len(_LOCATION_COLOURS)])
    title = f"Overlast in {context.area_name}: {base} en {compare} vergeleken"
    fmap.add_child(InfoPanel(title, context.key_figures, context.method,
                             synthetic=context.synthetic))
    fmap.add_child(Legend(f"Verandering per buurt {base}→{compare}",
                          list(CHANGE_COLOURS.items())))
    fmap.add_child(Legend(f"Meldingen per buurt ({base} en {compare})",
                          _bin_labels(bins), position="bottomleft"))
    present = [k for k in ZONE_KINDS if (zones["kind"] == k).any()]
    if present:
        fmap.add_child(Legend("Gebieden", [(ZONE_LABELS[k], ZONE_COLOURS[k]) for k in present],
                              position="bottomleft"))
    folium.LayerControl(collapsed=True, position="topleft").add_to(fmap)
    return fmap


# -- building blocks shared by the maps ----------------------------------------------------------


def _base_map(frame: gpd.GeoDataFrame, context: MapContext) -> folium.Map:
    xmin, ymin, xmax, ymax = frame.to_crs(WGS84).total_bounds
    fmap = OfflineMap(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], tiles=None,
                      zoom_start=12, min_zoom=8, max_zoom=19, control_scale=True,
                      prefer_canvas=False)
    order = [context.basemap] + [k for k in _BASEMAPS if k != context.basemap]
    for key in order:
        if key not in _BASEMAPS:
            continue
        name, provider = _BASEMAPS[key]
        folium.TileLayer(tiles=provider.build_url(), attr=provider.html_attribution, name=name,
                         max_zoom=19, max_native_zoom=provider.get("max_zoom", 19),
                         overlay=False, show=(key == context.basemap)).add_to(fmap)
    folium.FeatureGroup(name="Geen achtergrond", overlay=False,
                        show=(context.basemap == "geen")).add_to(fmap)
    fmap.add_child(Credits(f"Grenzen: {context.credit}"))
    fmap.fit_bounds([[ymin, xmin], [ymax, xmax]])
    return fmap


def _add_change_layer(fmap: folium.Map, buurten: gpd.GeoDataFrame, context: MapContext) -> None:
    base, compare = context.years
    fields = _buurt_fields(buurten, context.years)
    data = _for_map(buurten, fields)
    data["_colour"] = buurten["change_class"].map(CHANGE_COLOURS).fillna("#bdbdbd").to_numpy()
    _geojson(fmap, data, f"Verandering {base}→{compare} per buurt", fields,
             lambda f: {"fillColor": f["properties"]["_colour"], "color": "#444444",
                        "weight": 1, "fillOpacity": 0.7}, show=True)


def _add_year_layer(fmap: folium.Map, buurten: gpd.GeoDataFrame, year: int,
                    bins: np.ndarray, *, show: bool) -> None:
    fields = _buurt_fields(buurten, (year,))
    data = _for_map(buurten, fields)
    classes = np.searchsorted(bins, buurten[f"count_{year}"].to_numpy(), side="left")
    data["_colour"] = [_YEAR_PALETTE[min(int(c), len(_YEAR_PALETTE) - 1)] for c in classes]
    _geojson(fmap, data, f"Meldingen {year} per buurt", fields,
             lambda f: {"fillColor": f["properties"]["_colour"], "color": "#555555",
                        "weight": 0.8, "fillOpacity": 0.75}, show=show)


def _add_zone_layer(fmap: folium.Map, zones: gpd.GeoDataFrame, kind: str) -> None:
    label = ZONE_LABELS[kind]
    if zones.empty:
        return
    fields = {"name": "Naam", "kind_label": "Soort gebied", "valid": "Geldig"}
    frame = zones.assign(kind_label=label, valid=[
        _validity_text(a, b) for a, b in zip(zones["valid_from"], zones["valid_to"], strict=True)
    ])
    data = _for_map(frame, fields)
    colour = ZONE_COLOURS[kind]
    _geojson(fmap, data, f"{label} ({len(zones)})", fields,
             lambda f: {"color": colour, "weight": 2.5, "fillColor": colour,
                        "fillOpacity": 0.12, "dashArray": "6 4"}, show=kind == "cameratoezicht")


def _add_location_layer(fmap: folium.Map, locations: gpd.GeoDataFrame, year: int,
                        colour: str) -> None:
    fields = {"name": "Locatie", "year": "Jaar", "status": "Status"}
    data = _for_map(locations, fields)
    _geojson(fmap, data, f"Overlastlocaties {year} ({len(locations)})", fields, None,
             show=True, marker=folium.CircleMarker(radius=7, color="#222222", weight=1.5,
                                                   fill=True, fill_color=colour,
                                                   fill_opacity=0.9))


def _geojson(fmap: folium.Map, data: gpd.GeoDataFrame, name: str, fields: Mapping[str, str],
             style: Callable[[dict[str, Any]], dict[str, Any]] | None, *, show: bool,
             marker: folium.CircleMarker | None = None) -> folium.GeoJson:
    keys, aliases = list(fields), list(fields.values())
    layer = folium.GeoJson(
        data,
        name=name,
        style_function=style,
        highlight_function=(lambda f: {"weight": 3, "color": "#000000"}) if style else None,
        tooltip=folium.GeoJsonTooltip(fields=keys, aliases=aliases, sticky=True),
        popup=folium.GeoJsonPopup(fields=keys, aliases=aliases),
        marker=marker,
        show=show,
        smooth_factor=0.5,
    )
    layer.add_to(fmap)
    return layer


def _buurt_fields(buurten: gpd.GeoDataFrame, years: Sequence[int]) -> dict[str, str]:
    fields = {"buurtnaam": "Buurt", "buurtcode": "Buurtcode", "wijknaam": "Wijk"}
    fields.update({f"count_{y}": f"Meldingen {y}" for y in years})
    if len(years) == 2:
        fields["diff"] = "Verschil"
        if "change_class" in buurten:
            fields["change_class"] = "Verandering"
    return fields


def _for_map(frame: gpd.GeoDataFrame, fields: Mapping[str, str]) -> gpd.GeoDataFrame:
    """Select ``fields``, turn them into escaped display text and reproject to WGS84."""
    out = gpd.GeoDataFrame(
        {key: [_display(v) for v in frame[key]] for key in fields},
        geometry=_rounded(frame.to_crs(WGS84).geometry.to_numpy()),
        crs=WGS84,
    )
    return out


def _display(value: Any) -> str:
    """Format one value for a Dutch tooltip, escaped for HTML."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "onbekend"
    if isinstance(value, bool | np.bool_):
        return "ja" if value else "nee"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}".replace(",", ".")
    if isinstance(value, float | np.floating):
        return f"{float(value):,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return html.escape(str(value), quote=True)


def _rounded(geoms: np.ndarray, decimals: int = 6) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, decimals))


def _validity_text(start: Any, end: Any) -> str:
    def day(value: Any) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%d-%m-%Y")

    a, b = day(start), day(end)
    if a and b:
        return f"{a} t/m {b}"
    if a:
        return f"vanaf {a}"
    if b:
        return f"tot en met {b}"
    return "doorlopend"


def _shared_bins(buurten: gpd.GeoDataFrame, years: Sequence[int]) -> np.ndarray:
    """Class breaks shared by both year layers, so their colours compare."""
    values = np.concatenate([buurten[f"count_{y}"].to_numpy(dtype=float) for y in years])
    unique = np.unique(values)
    if len(unique) <= len(_YEAR_PALETTE):
        return unique
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        return np.asarray(mapclassify.FisherJenks(values, k=len(_YEAR_PALETTE)).bins)


def _bin_labels(bins: np.ndarray) -> list[tuple[str, str]]:
    labels = []
    low = 0
    for i, high in enumerate(bins):
        high_i = int(high)
        text = f"{low}" if low == high_i else f"{low}–{high_i}"
        labels.append((f"{text} meldingen", _YEAR_PALETTE[min(i, len(_YEAR_PALETTE) - 1)]))
        low = high_i + 1
    return labels
