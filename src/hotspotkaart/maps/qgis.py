"""QGIS styles for the GeoPackage layers: the maps' classes and colours, as QML and SLD.

A GIS colleague who opens ``hotspotkaart.gpkg`` in QGIS gets each layer drawn as the overview
draws it (:func:`layer_styles`): buurten and wijken by their tested change (the colours of
:data:`~hotspotkaart.stats.change.CHANGE_COLOURS`), the buurten also by count per year with
the overview's shared class breaks and palette; grid cells by their tested change, and per year
by hot-spot class (:data:`~hotspotkaart.stats.hotspots.GI_COLOURS`); zones by kind with the
overview's outline colours and dash patterns; meldingen as small points with the Temporal
Controller set to their date. Field aliases are part of every QML document, so QGIS shows the
Dutch names even where it does not read ``gpkg_data_columns``.

The QML follows what QGIS 3.22 writes (symbol layer properties both as ``<Option>`` maps and as
legacy ``<prop>`` elements), so QGIS 3.22 and later read it alike.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotspotkaart.config.settings import Periods
from hotspotkaart.io.geopackage import LayerStyle, attribute_columns
from hotspotkaart.io.glossary import describe
from hotspotkaart.maps.charts import period_names
from hotspotkaart.maps.overview import ZONE_COLOURS, ZONE_DASHES, ZONE_LABELS
from hotspotkaart.stats.change import CHANGE_CLASSES, CHANGE_COLOURS, NIET_VERGELIJKBAAR
from hotspotkaart.stats.classbreaks import bin_labels
from hotspotkaart.stats.hotspots import GI_CLASSES, GI_COLOURS, NIET_SIGNIFICANT

__all__ = ["layer_styles"]

_GREY = "#bdbdbd"
_OUTLINE = "#232323"

#: QGIS's layerGeometryType: 0 point, 2 polygon.
_GEOMETRY = {"marker": "0", "fill": "2"}


@dataclass(frozen=True)
class _Class:
    """One legend row: the attribute value (or range), its label and colour."""

    label: str
    colour: str
    value: str | None = None
    low: float | None = None
    high: float | None = None
    shown: bool = True


def layer_styles(layers: Mapping[str, pd.DataFrame], years: tuple[int, int],
                 breaks: Sequence[float] | np.ndarray | None, *,
                 categories: Mapping[str, str] | None = None,
                 periods: Periods | None = None) -> dict[str, list[LayerStyle]]:
    """Return the QGIS styles of each GeoPackage layer, the default first.

    Parameters
    ----------
    layers : mapping of str to pandas.DataFrame
        The layers as written (``buurten``, ``wijken``, ``grid``, ``zones``, ``incidents``);
        their columns become the QML's field aliases.
    years : tuple of int
        Base and compare year.
    breaks : sequence of float, optional
        The shared upper class bounds of the buurt counts (``CountBreaks.shared``); without
        them the buurten get no count styles.
    categories : mapping of str to str, optional
        Category slug to name, for the aliases.
    periods : Periods, optional
        Names the years in the style names and the aliases by their labels (as years
        without).
    """
    base, compare = years
    name = dict(zip(years, period_names(years, periods), strict=True))
    change = _change_classes()
    plans: dict[str, list[tuple[str, str, str, list[_Class]]]] = {
        "buurten": [(f"Verandering {name[base]}–{name[compare]}", "change_class", "fill",
                     change),
                    *[(f"Meldingen {name[year]}", f"count_{year}", "fill",
                       _count_classes(breaks)) for year in (compare, base) if breaks is not None]],
        "wijken": [(f"Verandering {name[base]}–{name[compare]}", "change_class", "fill",
                    change)],
        "grid": [("Verandering per cel (getoetst)", "change_class", "fill",
                  _tested_only(change)),
                 *[(f"Hot spots {name[year]}", f"gi_class_{year}", "fill", _hot_classes())
                   for year in (compare, base)]],
        "zones": [("Zones per soort", "kind", "fill", _zone_classes())],
        "incidents": [("Meldingen", "", "marker", [_Class("Melding", "#4d4d4d")])],
    }
    styles: dict[str, list[LayerStyle]] = {}
    for table, plan in plans.items():
        if table not in layers:
            continue
        aliases = _aliases(table, layers[table], categories or {}, periods)
        styles[table] = [
            LayerStyle(name=name, qml=_qml(attr, geometry, classes, aliases, table),
                       sld=_sld(table, name, attr, geometry, classes), default=i == 0)
            for i, (name, attr, geometry, classes) in enumerate(plan)]
    return styles


def _change_classes() -> list[_Class]:
    classes = [_Class(c[:1].upper() + c[1:], CHANGE_COLOURS[c], value=c) for c in CHANGE_CLASSES]
    return [*classes, _Class("Niet vergelijkbaar", _GREY, value=NIET_VERGELIJKBAAR)]


def _tested_only(classes: list[_Class]) -> list[_Class]:
    """Cells: only a significant change is drawn, as on the overview."""
    return [_Class(c.label, c.colour, value=c.value, shown=c.colour not in (_GREY, "#f7f7f7"))
            for c in classes]


def _count_classes(breaks: Sequence[float] | np.ndarray | None) -> list[_Class]:
    if breaks is None:
        return []
    rows = bin_labels(np.asarray(breaks))
    bounds = [-0.5, *[float(b) + 0.5 for b in breaks]]
    return [_Class(label, colour, low=bounds[i], high=bounds[i + 1])
            for i, (label, colour) in enumerate(rows)]


def _hot_classes() -> list[_Class]:
    return [_Class(c[:1].upper() + c[1:], GI_COLOURS[c], value=c, shown=c != NIET_SIGNIFICANT)
            for c in GI_CLASSES]


def _zone_classes() -> list[_Class]:
    return [_Class(ZONE_LABELS[k], ZONE_COLOURS[k], value=k) for k in ZONE_COLOURS]


def _aliases(table: str, layer: pd.DataFrame, categories: Mapping[str, str],
             periods: Periods | None) -> list[tuple[int, str, str]]:
    """``(index, column, alias)`` of every field with an alias (QGIS counts from 0 after fid)."""
    fields = attribute_columns(layer)
    out = []
    for index, column in enumerate(fields, start=1):
        note = describe(table, column, categories=categories, periods=periods)
        if note is not None:
            out.append((index, column, note.alias))
    return out


# -- QML --------------------------------------------------------------------------------------


def _qml(attr: str, geometry: str, classes: list[_Class],
         aliases: list[tuple[int, str, str]], table: str) -> str:
    root = ET.Element("qgis", version="3.22.0", styleCategories="Symbology|Fields|Temporal")
    if table == "incidents":
        ET.SubElement(root, "temporal", enabled="1", mode="1", startField="date", endField="",
                      durationUnit="min", fixedDuration="0", accumulate="0",
                      startExpression="", endExpression="", durationField="", limitMode="0")
    if not attr:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0",
                                 enableorderby="0", forceraster="0")
    else:
        kind = "graduatedSymbol" if classes[0].value is None else "categorizedSymbol"
        renderer = ET.SubElement(root, "renderer-v2", type=kind, attr=attr, symbollevels="0",
                                 enableorderby="0", forceraster="0",
                                 graduatedMethod="GraduatedColor")
        _qml_classes(renderer, classes, kind)
    symbols = ET.SubElement(renderer, "symbols")
    for i, item in enumerate(classes):
        _qml_symbol(symbols, str(i), geometry, item, zone=table == "zones")
    names = ET.SubElement(root, "aliases")
    for index, column, alias in aliases:
        ET.SubElement(names, "alias", field=column, index=str(index), name=alias)
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY[geometry]
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode")


def _qml_classes(renderer: ET.Element, classes: list[_Class], kind: str) -> None:
    if kind == "categorizedSymbol":
        parent = ET.SubElement(renderer, "categories")
        for i, item in enumerate(classes):
            ET.SubElement(parent, "category", symbol=str(i), value=str(item.value),
                          label=item.label, render="true" if item.shown else "false")
        return
    parent = ET.SubElement(renderer, "ranges")
    for i, item in enumerate(classes):
        ET.SubElement(parent, "range", symbol=str(i), lower=f"{item.low:g}",
                      upper=f"{item.high:g}", label=item.label,
                      render="true" if item.shown else "false")


def _qml_symbol(parent: ET.Element, name: str, geometry: str, item: _Class, *,
                zone: bool) -> None:
    """One symbol; a zone is its kind's outline (dashed as on the map) over a light fill."""
    symbol = ET.SubElement(parent, "symbol", type=geometry, name=name, alpha="1",
                           clip_to_extent="1", force_rhr="0")
    if geometry == "marker":
        props = {"name": "circle", "color": _rgba(item.colour), "size": "1.6",
                 "size_unit": "MM", "outline_color": "255,255,255,255", "outline_width": "0.2"}
        klass = "SimpleMarker"
    else:
        dash = ZONE_DASHES.get(str(item.value), "") if zone else ""
        props = {"color": _rgba(item.colour, 40 if zone else 255),
                 "style": "solid", "outline_color": _rgba(item.colour if zone else _OUTLINE),
                 "outline_width": "0.8" if zone else "0.26", "outline_width_unit": "MM",
                 "outline_style": "solid" if not dash else "dash",
                 "joinstyle": "bevel"}
        if dash:
            props.update({"customdash": ";".join(dash.split()), "use_custom_dash": "1",
                          "customdash_unit": "Pixel"})
        klass = "SimpleFill"
    layer = ET.SubElement(symbol, "layer", attrib={"class": klass, "enabled": "1",
                                                   "locked": "0", "pass": "0"})
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)


def _rgba(colour: str, alpha: int = 255) -> str:
    code = colour.lstrip("#")
    return ",".join(str(int(code[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


# -- SLD --------------------------------------------------------------------------------------

_SLD = "http://www.opengis.net/sld"
_OGC = "http://www.opengis.net/ogc"
_SE = "http://www.opengis.net/se"


def _sld(table: str, title: str, attr: str, geometry: str, classes: Iterable[_Class]) -> str:
    """Write the classes as an SLD 1.1 document: one rule per shown class."""
    ET.register_namespace("", _SLD)
    ET.register_namespace("ogc", _OGC)
    ET.register_namespace("se", _SE)
    root = ET.Element(f"{{{_SLD}}}StyledLayerDescriptor", version="1.1.0")
    named = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ET.SubElement(named, f"{{{_SE}}}Name").text = table
    user = ET.SubElement(named, f"{{{_SLD}}}UserStyle")
    ET.SubElement(user, f"{{{_SE}}}Name").text = title
    fts = ET.SubElement(user, f"{{{_SE}}}FeatureTypeStyle")
    for item in classes:
        if item.shown:
            _sld_rule(fts, attr, geometry, item)
    return ET.tostring(root, encoding="unicode")


def _sld_rule(parent: ET.Element, attr: str, geometry: str, item: _Class) -> None:
    rule = ET.SubElement(parent, f"{{{_SE}}}Rule")
    ET.SubElement(rule, f"{{{_SE}}}Name").text = item.label
    if attr:
        flt = ET.SubElement(rule, f"{{{_OGC}}}Filter")
        if item.value is not None:
            cmp = ET.SubElement(flt, f"{{{_OGC}}}PropertyIsEqualTo")
            ET.SubElement(cmp, f"{{{_OGC}}}PropertyName").text = attr
            ET.SubElement(cmp, f"{{{_OGC}}}Literal").text = str(item.value)
        else:
            cmp = ET.SubElement(flt, f"{{{_OGC}}}PropertyIsBetween")
            ET.SubElement(cmp, f"{{{_OGC}}}PropertyName").text = attr
            for bound, value in (("LowerBoundary", item.low), ("UpperBoundary", item.high)):
                edge = ET.SubElement(cmp, f"{{{_OGC}}}{bound}")
                ET.SubElement(edge, f"{{{_OGC}}}Literal").text = f"{value:g}"
    if geometry == "marker":
        graphic = ET.SubElement(ET.SubElement(rule, f"{{{_SE}}}PointSymbolizer"),
                                f"{{{_SE}}}Graphic")
        mark = ET.SubElement(graphic, f"{{{_SE}}}Mark")
        ET.SubElement(mark, f"{{{_SE}}}WellKnownName").text = "circle"
        _sld_fill(mark, item.colour)
        ET.SubElement(graphic, f"{{{_SE}}}Size").text = "6"
        return
    symbolizer = ET.SubElement(rule, f"{{{_SE}}}PolygonSymbolizer")
    _sld_fill(symbolizer, item.colour)
    stroke = ET.SubElement(symbolizer, f"{{{_SE}}}Stroke")
    ET.SubElement(stroke, f"{{{_SE}}}SvgParameter", name="stroke").text = _OUTLINE
    ET.SubElement(stroke, f"{{{_SE}}}SvgParameter", name="stroke-width").text = "1"


def _sld_fill(parent: ET.Element, colour: str) -> None:
    fill = ET.SubElement(parent, f"{{{_SE}}}Fill")
    ET.SubElement(fill, f"{{{_SE}}}SvgParameter", name="fill").text = colour
