"""What an overview shows at each zoom: gemeenten, then wijken, then buurten, as each is legible.

The buurten are written once per page, in a :class:`~hotspotkaart.maps.featurestore.FeatureStore`
(:func:`buurt_store`), which the change layer and the layers per year draw from; each draws its
buurten while the view holds a part of at most :data:`LEGIBLE_BUURTEN` of them, so a city is
drawn as always and the whole country only once one zooms in. While the buurten would be a
blur, the gemeenten are drawn instead (:func:`add_gemeente_layer`), dissolved from the buurten
by :func:`display_gemeenten` (or a ``gemeenten`` table of the build, with its change test, when
there is one). The wijk outlines are drawn while at most :data:`LEGIBLE_WIJKEN` are in view
(:func:`wijk_outline`). Each level is simplified as a coverage and rounded to what the screen
resolves at the deepest zoom where it is drawn (:data:`BUURT_DETAIL_ZOOM`,
:data:`GEMEENTE_DETAIL_ZOOM`). A build of a city or a region of at most
:data:`LEGIBLE_BUURTEN` buurten has no gemeente layer: its buurten are legible in every view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspotkaart._format import change_text, display, html_text, nl_int
from hotspotkaart.maps.data import MapContext, MapData
from hotspotkaart.maps.featurestore import (
    CODE_CHARACTERS,
    FeatureStore,
    StoreLayer,
    display_coverage,
    metres_per_pixel,
    pattern_column,
    resolution_decimals,
    text_column,
)
from hotspotkaart.maps.layers import LayerData, class_colours
from hotspotkaart.stats.change import CHANGE_COLOURS

__all__ = [
    "BUURT_DETAIL_ZOOM",
    "CHART_PAGE",
    "GEMEENTE_DETAIL_ZOOM",
    "LEGIBLE_BUURTEN",
    "LEGIBLE_WIJKEN",
    "add_gemeente_layer",
    "buurt_store",
    "display_gemeenten",
    "wijk_outline",
]

#: The buurt store's column naming the page with a buurt's hour × weekday chart, when the
#: overview leaves the charts to the gemeente pages.
CHART_PAGE = "_chart_page"
#: The most buurten a view may hold a part of for the buurt layers to be drawn: more are a blur
#: of outlines at that zoom (and slow to draw); the gemeenten are drawn instead.
LEGIBLE_BUURTEN = 2500
#: The most wijken a view may hold a part of for their outlines to be drawn.
LEGIBLE_WIJKEN = 600
#: The zoom to which buurt shapes keep their detail (street level); deeper zooms draw them so.
BUURT_DETAIL_ZOOM = 17
#: The deepest zoom at which the gemeenten are drawn in practice: beyond it a view holds fewer
#: than :data:`LEGIBLE_BUURTEN` buurten anywhere in the Netherlands.
GEMEENTE_DETAIL_ZOOM = 11


def detail(zoom: int) -> tuple[float, int]:
    """Return the simplification tolerance (m, half a pixel) and decimals for ``zoom``."""
    return metres_per_pixel(zoom) / 2, resolution_decimals(zoom)


def buurt_store(data: MapData, buurten: gpd.GeoDataFrame, texts: LayerData,
                context: MapContext, year_colours: Mapping[int, Sequence[str]], *,
                chart_pages: Sequence[str] | None = None) -> FeatureStore:
    """Put the buurten on the page once: their display shapes and every layer's properties.

    ``texts`` holds the display text of every field (the change layer's, made row by row); the
    test and the rate per 1.000 inwoners are written as their numbers and a pattern
    (:func:`~hotspotkaart.maps.featurestore.pattern_column`), the search name as the name and
    ``(buurt)``. ``year_colours`` gives the fill per buurt of each year's layer
    (column ``_colour@<year>``); ``chart_pages`` the page with each buurt's hour × weekday
    chart (column :data:`CHART_PAGE`), when the overview does not carry them.
    """
    tolerance, decimals = detail(BUURT_DETAIL_ZOOM)
    columns: dict[str, dict[str, Any]] = {}
    for key, values in texts.properties.items():
        if key not in ("test_text", "rate_text", "zoeknaam"):
            columns[key] = text_column(values)
    columns.update(_test_columns(buurten, texts["test_text"], context))
    columns.update(_rate_columns(buurten, texts["rate_text"], context))
    columns["zoeknaam"] = _suffix_column("buurtnaam", texts["buurtnaam"], " (buurt)",
                                         texts["zoeknaam"])
    for year, colours in year_colours.items():
        columns[f"_colour@{year}"] = text_column(list(colours))
    if chart_pages is not None:
        columns[CHART_PAGE] = text_column(list(chart_pages))
    return FeatureStore(_display_rows(data, "buurten", "buurtcode", buurten, tolerance),
                        columns, decimals=decimals,
                        legible=LEGIBLE_BUURTEN)


def _suffix_column(source: str, names: Sequence[str], suffix: str,
                   texts: Sequence[str]) -> dict[str, Any]:
    """Write ``texts`` as the page makes them, ``source`` and ``suffix``, when that is exact."""
    if list(texts) == [f"{name}{suffix}" for name in names]:
        return {"from": source, "suffix": suffix}
    return text_column(texts)


def wijk_outline(fmap: folium.Map, wijken: gpd.GeoDataFrame,
                 data: MapData | None = None) -> StoreLayer:
    """Add the wijk boundaries as a thin overlay, searchable by name, while legible.

    The wijken are simplified as a coverage to what the screen resolves at
    :data:`BUURT_DETAIL_ZOOM`: with ``data``, as one coverage of all its wijken (made once).
    """
    tolerance, decimals = detail(BUURT_DETAIL_ZOOM)
    fields = {"wijknaam": "Wijk", "wijkcode": "Wijkcode"}
    columns = {key: text_column([display(v) for v in wijken[key].tolist()]) for key in fields}
    names = wijken["wijknaam"].astype(str).tolist()
    columns["zoeknaam"] = _suffix_column("wijknaam", columns_texts(columns["wijknaam"]),
                                         " (wijk)", [display(f"{n} (wijk)") for n in names])
    shapes = _display_rows(data, "wijken", "wijkcode", wijken, tolerance)
    store = FeatureStore(shapes, columns, decimals=decimals, legible=LEGIBLE_WIJKEN)
    fmap.add_child(store)
    layer = StoreLayer(store, "Wijkgrenzen", fields, extra=["zoeknaam"],
                       style={"color": "#222222", "weight": 2.5, "fill": False}, highlight={})
    fmap.add_child(layer)
    return layer


def columns_texts(column: Mapping[str, Any]) -> list[str]:
    """Return the text per area of a :func:`text_column`."""
    if "list" in column:
        return list(column["list"])
    codes = column["codes"]
    values = column["values"]
    if isinstance(codes, str):
        return [values[CODE_CHARACTERS.index(c)] for c in codes]
    return [values[c] for c in codes]


def _display_rows(data: MapData | None, layer: str, key: str, areas: gpd.GeoDataFrame,
                  tolerance: float) -> gpd.GeoSeries:
    """Return ``areas`` simplified as part of one coverage of ``data``'s ``layer`` (made once).

    A wijk map's buurten are taken from the coverage of all buurten, so their edges are the
    overview's. Areas not in ``data`` (or without it) are simplified as a coverage of their own.
    """
    if data is None:
        return display_coverage(areas, tolerance)
    every_area = getattr(data, layer)
    rows = pd.Index(every_area[key]).get_indexer(areas[key])
    if (rows < 0).any() or not every_area[key].is_unique:
        return display_coverage(areas, tolerance)
    every = data.remembered((f"display {layer}", tolerance),
                            lambda: display_coverage(every_area, tolerance))
    return gpd.GeoSeries(every.to_numpy()[rows], index=areas.index, crs=areas.crs)


def _test_columns(buurten: gpd.GeoDataFrame, texts: Sequence[str],
                  context: MapContext) -> dict[str, dict[str, Any]]:
    """Write the change test in words as p, q and a pattern (as verdict_text words it)."""
    p = buurten["p_value"].to_numpy(dtype=float)
    q = buurten["q_value"].to_numpy(dtype=float)
    cases = np.where(np.isnan(q), 0, np.where(q <= context.fdr_q, 1, 2)).tolist()
    patterns = ["niet getoetst: te weinig meldingen", "meer dan toeval (p = {0}, q = {1})",
                "kan toeval zijn (p = {0}, q = {1})"]
    return pattern_column("test_text", texts, patterns, cases,
                          {"_p": (p.tolist(), 3), "_q": (q.tolist(), 3)})


def _rate_columns(buurten: gpd.GeoDataFrame, texts: Sequence[str],
                  context: MapContext) -> dict[str, dict[str, Any]]:
    """Write the meldingen per 1.000 inwoners of both years as numbers and a pattern."""
    base, compare = context.years
    if f"rate_{base}" not in buurten or f"rate_{compare}" not in buurten:
        return {"rate_text": text_column(texts)}
    a = buurten[f"rate_{base}"].to_numpy(dtype=float)
    b = buurten[f"rate_{compare}"].to_numpy(dtype=float)
    cases = np.where(np.isnan(a) | np.isnan(b), 0, 1).tolist()
    patterns = ["onbekend (geen inwonertal)",
                f"{{0}} ({html_text(context.label(base))}), "
                f"{{1}} ({html_text(context.label(compare))})"]
    return pattern_column("rate_text", texts, patterns, cases,
                          {"_rate_a": (a.tolist(), 1), "_rate_b": (b.tolist(), 1)})


# -- gemeenten -----------------------------------------------------------------------------------


def display_gemeenten(buurten: gpd.GeoDataFrame, years: Sequence[int]) -> gpd.GeoDataFrame:
    """Dissolve the buurten into their gemeenten, with the meldingen of ``years`` summed.

    The gemeente is the buurten's ``gemeentecode``; when all buurten carry one code (a build of
    one municipality, or the national benchmark under one code), the four digits of the
    buurtcode (``BU<gm4><wk2><bu2>``) name it, ``GM`` and those digits. Returns
    ``gemeentecode``, ``gemeentenaam``, ``count_<year>`` and the shapes (EPSG:28992), one row
    per gemeente in the order of their codes; ``buurten`` is not modified.
    """
    codes = buurten["gemeentecode"].astype(str) if "gemeentecode" in buurten else None
    if codes is None or codes.nunique() <= 1:
        codes = "GM" + buurten["buurtcode"].astype(str).str[2:6]
    names = buurten["gemeentenaam"].astype(str) if "gemeentenaam" in buurten and \
        buurten["gemeentecode"].astype(str).nunique() > 1 else codes
    groups = pd.Series(np.arange(len(buurten))).groupby(codes.to_numpy(), sort=True)
    geoms = np.asarray(buurten.geometry.to_numpy(), dtype=object)
    rows = []
    for code, positions in groups:
        members = geoms[positions.to_numpy()]
        shape = shapely.coverage_union_all(members) if bool(shapely.coverage_is_valid(members)) \
            else shapely.union_all(members)
        row: dict[str, Any] = {"gemeentecode": str(code),
                               "gemeentenaam": str(names.iloc[positions.iloc[0]])}
        for year in years:
            column = f"count_{year}"
            if column in buurten:
                row[column] = int(buurten[column].iloc[positions.to_numpy()].sum())
        rows.append((row, shape))
    frame = pd.DataFrame([row for row, _ in rows])
    return gpd.GeoDataFrame(frame, geometry=[shape for _, shape in rows], crs=buurten.crs)


def add_gemeente_layer(fmap: folium.Map, gemeenten: gpd.GeoDataFrame,
                       buurten: FeatureStore | None, context: MapContext) -> StoreLayer:
    """Draw the gemeenten while the buurten are not legible; a click zooms in on one.

    With the change test of a gemeenten table (``change_class``) each is filled by its change,
    as the buurten are; without one only outlined, with the meldingen of both years. Without
    ``buurten`` (a region whose buurten are legible in every view) the gemeenten are an
    overlay of their own, off when the page opens, to compare the gemeenten with each other.
    """
    base, compare = context.years
    tolerance, decimals = detail(GEMEENTE_DETAIL_ZOOM)
    b = gemeenten[f"count_{base}"].to_numpy(dtype=np.int64)
    c = gemeenten[f"count_{compare}"].to_numpy(dtype=np.int64)
    fields = {"gemeentenaam": "Gemeente", "gemeentecode": "Gemeentecode",
              f"count_{base}": f"Meldingen {context.label(base)}",
              f"count_{compare}": f"Meldingen {context.label(compare)}",
              "change": "Verandering"}
    columns = {key: text_column([display(v) for v in gemeenten[key].tolist()])
               for key in ("gemeentenaam", "gemeentecode", f"count_{base}", f"count_{compare}")}
    columns["change"] = text_column([change_text(int(x), int(y)) for x, y in zip(b, c,
                                                                             strict=True)])
    columns["hint"] = text_column(["klik om in te zoomen op de buurten"] * len(gemeenten))
    fields["hint"] = ""
    filled = "change_class" in gemeenten
    if filled:
        fields["change_class"] = "Beoordeling"
        columns["change_class"] = text_column([display(v) for v in gemeenten["change_class"]])
        colours = class_colours(gemeenten["change_class"], CHANGE_COLOURS)
    else:
        colours = ["#ffffff"] * len(gemeenten)
    columns["_colour"] = text_column(colours)
    store = FeatureStore(display_coverage(gemeenten, tolerance), columns, decimals=decimals,
                         legible=len(gemeenten))
    fmap.add_child(store)
    total = nl_int(len(gemeenten))
    name = (f"Gemeenten ({total}; buurten bij inzoomen)" if buurten is not None else
            f"Verandering per gemeente {context.label(base)}→{context.label(compare)}")
    layer = StoreLayer(store, name, fields,
                       style={"color": "#333333", "weight": 1.5,
                              "fillOpacity": 0.7 if filled else 0.05},
                       colour="_colour", shown_while=buurten, show=buurten is not None,
                       popup=False, zoom_on_click=True)
    fmap.add_child(layer)
    return layer
