"""Shapes and properties of many areas on a page once, drawn by several layers while legible.

A national overview draws 14 000 buurten in three layers (the change and the two years). Each
folium ``GeoJson`` embeds its own copy of every shape and of every tooltip text, and the texts
were most of the page. Here the buurten are put on the page once, as a :class:`FeatureStore`:

- the shapes, simplified for display as a coverage (:func:`display_coverage`: neighbours keep
  their shared edges, so no gaps or slivers open between them), reprojected to WGS84 and
  written as integers of ``10^-decimals`` degree, each coordinate the difference from the one
  before, in a few characters each (:func:`packed_shapes`);
- the properties in columns: a text column as its distinct texts and one number per area
  (:func:`text_column`), and texts such as ``meer dan toeval (p = 0,012, q = 0,034)`` as the
  numbers they are made of and a Dutch pattern the page fills in (:func:`pattern_column`),
  used only where the pattern gives every area exactly the text Python would have written.

A :class:`StoreLayer` is a layer of the layer control that draws the store's areas, each with
the fields it names and its own fill colour column, with folium's own tooltip and popup
(:class:`~hotspotkaart.maps.elements.GeoJsonTooltip`, which build the table in the browser from
the properties). The script (``_assets/hotspotkaart/featurestore.js``) is inlined by
:mod:`hotspotkaart.maps.offline` like the vendored plugins. A layer is drawn while it is
*legible*: while the view shows a part of at most ``legible`` of its store's areas (or, for a
coarser layer such as the gemeenten, while another store's areas are not legible). A layer
switched on in the layer control stays switched on; only its shapes leave the map while they
would be a blur. A store of more areas than ``legible`` draws those in and around the view,
and the browser makes an area's Leaflet layer when it is first drawn (or searched, or
restyled by the category switch), so opening the country costs only the gemeenten.
:class:`ZoomGate` does the same by zoom for other layers (the grid cells, drawn from the zoom
where a cell takes :func:`legible_zoom` pixels).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import Markup

from hotspotkaart._format import html_text
from hotspotkaart.io.crs import WGS84
from hotspotkaart.maps.elements import GeoJsonPopup, GeoJsonTooltip
from hotspotkaart.maps.popupheat import script_json

__all__ = [
    "SHAPE_CHARACTERS",
    "FeatureStore",
    "StoreLayer",
    "ZoomGate",
    "display_coverage",
    "legible_zoom",
    "metres_per_pixel",
    "packed_shapes",
    "pattern_column",
    "pattern_text",
    "resolution_decimals",
    "text_column",
]

#: The script of the stores and their layers, matched by :mod:`hotspotkaart.maps.offline`.
STORE_JS = ("hk_featurestore",
            "https://cdn.jsdelivr.net/npm/hotspotkaart@1/featurestore.js")

#: Web Mercator metres per pixel at zoom 0 on the equator (256-pixel tiles).
_EQUATOR_M_PER_PX = 156_543.034
#: Metres per degree of latitude.
_M_PER_DEGREE = 111_320.0


def metres_per_pixel(zoom: float, latitude: float = 52.0) -> float:
    """Return the ground size of one screen pixel at ``zoom`` (Web Mercator, 256 px tiles)."""
    return _EQUATOR_M_PER_PX * math.cos(math.radians(latitude)) / 2.0 ** zoom


def resolution_decimals(zoom: float, latitude: float = 52.0) -> int:
    """Return the decimals of a degree that resolve half a pixel at ``zoom`` (at most 7).

    Coordinates rounded to these decimals are off by less than half a pixel at ``zoom`` and
    every zoom above it where the layer is not drawn any more.
    """
    half = metres_per_pixel(zoom, latitude) / 2
    return min(7, max(0, math.ceil(-math.log10(half / _M_PER_DEGREE))))


def display_coverage(areas: gpd.GeoDataFrame | gpd.GeoSeries,
                     tolerance: float) -> gpd.GeoSeries:
    """Simplify polygons that tile an area together as a coverage, for drawing (EPSG:28992).

    ``shapely.coverage_simplify`` simplifies each edge shared by two neighbours once, so they
    keep sharing it: no gap or overlap opens between them, as it would when each polygon is
    simplified on its own. An area simplification would spoil (empty or invalid) keeps its own
    shape. When the areas are not a valid coverage (they overlap), each is simplified on its
    own with its topology kept. ``areas`` is not modified.
    """
    geoms = np.asarray(areas.geometry.to_numpy(), dtype=object)
    if tolerance <= 0 or not len(geoms):
        return gpd.GeoSeries(geoms, index=areas.index, crs=areas.crs)
    if bool(shapely.coverage_is_valid(geoms)):
        simple = np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
    else:
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    spoilt = (shapely.is_empty(simple) | ~shapely.is_valid(simple)) & ~shapely.is_empty(geoms)
    simple[spoilt] = geoms[spoilt]
    return gpd.GeoSeries(simple, index=areas.index, crs=areas.crs)


def packed_shapes(shapes: gpd.GeoSeries, decimals: int) -> list[list[list[str]]]:
    """Write polygons as the steps between their vertices, in integers of ``10^-decimals``°.

    Per area a list of polygons, per polygon its rings (the shell first), per ring one string:
    ``dx, dy, dx, dy, …`` from the vertex before it (the first from ``0, 0``), over all rings
    of all areas in order, without the ring's closing vertex (the page closes it). Each step
    is written as a variable-length number (:func:`_step_text`), so a step of a few metres
    takes two or three characters. A shared edge is the same vertices on both sides. The
    shapes are reprojected to WGS84 here.
    """
    wgs84 = np.asarray(shapes.to_crs(WGS84).to_numpy(), dtype=object)
    scale = 10 ** decimals
    layout: list[list[int]] = []  # per area, per polygon: its number of rings
    rings: list[np.ndarray] = []
    for geom in wgs84:
        polygons = [] if geom is None or shapely.is_empty(geom) else \
            list(shapely.get_parts(geom))
        layout.append([])
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                rings.append(np.asarray(ring.coords)[:-1, :2])  # open: the page closes it
            layout[-1].append(1 + len(polygon.interiors))
    if not rings:
        return [[] for _ in layout]
    units = np.round(np.vstack(rings) * scale).astype(np.int64)
    steps = np.diff(units, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    texts = iter(_step_text(steps, np.cumsum([2 * len(r) for r in rings])[:-1]))
    return [[[next(texts) for _ in range(count)] for count in area] for area in layout]


def _step_text(steps: np.ndarray, cuts: np.ndarray) -> list[str]:
    """Write integer ``steps`` as text and cut it into strings before the steps at ``cuts``.

    A step is zigzagged (0, -1, 1, -2 … become 0, 1, 2, 3 …) and written 5 bits a character,
    the lowest first, each character but the last of a number from the upper half of
    :data:`SHAPE_CHARACTERS` (the varints of Protocol Buffers and Google's encoded polylines).
    """
    zigzag = (steps << 1) ^ (steps >> 63)
    shifts = np.arange(0, 64, 5, dtype=np.int64)
    chunks = (zigzag[:, None] >> shifts[None, :]) & 31
    lengths = 1 + ((zigzag[:, None] >> shifts[None, 1:]) > 0).sum(axis=1)
    position = np.arange(len(shifts))[None, :]
    follows = position < (lengths - 1)[:, None]
    alphabet = np.frombuffer(SHAPE_CHARACTERS.encode("ascii"), dtype=np.uint8)
    text = alphabet[chunks + 32 * follows][position < lengths[:, None]].tobytes().decode()
    ends = np.concatenate([[0], np.cumsum(lengths)])
    bounds = [0, *ends[cuts].tolist(), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


#: The characters that write a code of :func:`text_column` (one per area): ASCII that JSON
#: and an inline script keep as one byte, without ``/``, ``=``, ``(`` and ``@``, so no run of
#: codes can look like a resource to the page's offline check
#: (:func:`hotspotkaart.maps.offline.external_references`). The page's script has the same.
CODE_CHARACTERS = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "!#$%*+,-.:;?^_|~")


#: The 64 characters that write the steps of :func:`packed_shapes`, the first of
#: :data:`CODE_CHARACTERS`: the ``k``-th is the 5 bits ``k % 32``, and from 32 on another
#: character of the same number follows.
SHAPE_CHARACTERS = CODE_CHARACTERS[:64]


def text_column(texts: Sequence[str]) -> dict[str, Any]:
    """Write texts as their distinct texts (``values``) and one code per area (``codes``).

    The codes are a string, one character of :data:`CODE_CHARACTERS` per area, when there are
    few distinct texts, else a list of numbers; texts that are nearly all distinct (names,
    codes) are written as they are (``list``).
    """
    numbers: dict[str, int] = {}
    codes = [numbers.setdefault(text, len(numbers)) for text in texts]
    if len(numbers) > max(1, len(codes) // 2):
        return {"list": list(texts)}
    if len(numbers) <= len(CODE_CHARACTERS):
        return {"values": list(numbers), "codes": "".join(CODE_CHARACTERS[c] for c in codes)}
    return {"values": list(numbers), "codes": codes}


def _dutch(units: int, decimals: int) -> str:
    """Python's copy of the page's number text: ``units`` of ``10^-decimals`` in Dutch."""
    sign, text = ("-" if units < 0 else ""), str(abs(units)).rjust(decimals + 1, "0")
    whole, part = (text[:-decimals], "," + text[-decimals:]) if decimals else (text, "")
    return sign + f"{int(whole):,}".replace(",", ".") + part


def pattern_text(patterns: Sequence[str], case: int,
                 numbers: Sequence[tuple[int | None, int]]) -> str:
    """Return the text the page makes of ``patterns[case]`` and ``numbers`` (units, decimals)."""
    words = ["" if units is None else _dutch(units, decimals) for units, decimals in numbers]
    return re.sub(r"\{(\d+)\}", lambda m: words[int(m.group(1))], patterns[case])


def units_of(value: Any, decimals: int) -> int | None:
    """Return ``value`` in ``10^-decimals`` as Python rounds it for text; None when missing.

    ``-0.04`` at one decimal is 0 (Python writes ``-0,0``, the page ``0,0``: the check of
    :func:`pattern_column` then keeps the texts).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = f"{float(value):.{decimals}f}"
    digits = int(text.lstrip("-").replace(".", ""))
    return -digits if text.startswith("-") else digits


def pattern_column(name: str, texts: Sequence[str], patterns: Sequence[str],
                   cases: Sequence[int], numbers: Mapping[str, tuple[Sequence[Any], int]]
                   ) -> dict[str, dict[str, Any]]:
    """Columns that make ``texts`` in the page from numbers, or the texts when they would not.

    ``numbers`` maps a column name to its values and decimals; ``{k}`` in a pattern is the
    ``k``-th of them in Dutch. The page's text of every area is checked against ``texts``
    (:func:`pattern_text`); if any differs, the column holds the texts themselves.

    Returns
    -------
    dict
        The columns to add to a store, in order: the numbers, the case, then ``name``.
    """
    units = {key: [units_of(v, d) for v in values] for key, (values, d) in numbers.items()}
    decimals = [d for _, d in numbers.values()]
    made = [pattern_text(patterns, case, list(zip(row, decimals, strict=True)))
            for case, row in zip(cases, zip(*units.values(), strict=True), strict=True)] \
        if units else [pattern_text(patterns, case, []) for case in cases]
    if made != list(texts):
        return {name: text_column(texts)}
    columns: dict[str, dict[str, Any]] = {key: {"list": values} for key, values in units.items()}
    columns[f"{name}:case"] = {"list": [int(c) for c in cases]}
    columns[name] = {"pattern": list(patterns), "case": f"{name}:case",
                     "numbers": [[key, d] for key, d in zip(units, decimals, strict=True)]}
    return columns


class FeatureStore(JSCSSMixin):
    """The shapes and property columns of a set of areas, on the page once (see the module).

    Parameters
    ----------
    shapes : geopandas.GeoSeries
        The areas, in any CRS (already simplified for display, see :func:`display_coverage`).
    columns : mapping of str to dict
        The property columns: :func:`text_column`, :func:`pattern_column`'s, ``{"list": …}``
        (one JSON value per area) or ``{"from": column, "suffix": text}``.
    decimals : int
        Decimals of a degree the coordinates keep (:func:`resolution_decimals`).
    legible : int
        The most areas in view at which a layer of this store is drawn.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.hkStore({{ this.payload }});
{% endmacro %}
""")

    default_js = [STORE_JS]  # noqa: RUF012

    def __init__(self, shapes: gpd.GeoSeries, columns: Mapping[str, Mapping[str, Any]], *,
                 decimals: int, legible: int) -> None:
        super().__init__()
        self._name = "FeatureStore"
        self.count = len(shapes)
        for key, spec in columns.items():
            size = len(spec.get("codes", spec.get("list", ())))
            if ("codes" in spec or "list" in spec) and size != self.count:
                msg = f"column {key!r} has {size} values for {self.count} areas"
                raise ValueError(msg)
        self.columns = {key: dict(spec) for key, spec in columns.items()}
        self.decimals = decimals
        self.legible = legible
        self._shapes = shapes

    @property
    def payload(self) -> Markup:
        """The store as JSON, safe inside ``<script>`` (``<``, ``>``, ``&`` and ``'`` escaped)."""
        data = {"count": self.count, "scale": 10 ** self.decimals, "legible": self.legible,
                "shapes": packed_shapes(self._shapes, self.decimals), "columns": self.columns}
        return script_json(data)


class StoreLayer(folium.map.Layer):
    """A layer of the layer control drawn from a :class:`FeatureStore` while legible.

    Parameters
    ----------
    store : FeatureStore
        Where the shapes and properties are.
    name : str
        The layer's name in the layer control.
    fields : mapping of str to str
        The properties of each feature (the store's columns) and their Dutch names in the
        popup; ``brief`` names those of the tooltip, when fewer.
    style : mapping
        The Leaflet path style of every feature; the fill colour is the ``colour`` column.
    colour : str, optional
        The store column that fills each area (as ``_colour``).
    extra : sequence of str
        Columns the features carry beyond ``fields`` (``zoeknaam`` for the search, the fill
        colours per category for :class:`~hotspotkaart.maps.controls.CategorySwitch`).
    shown_while : FeatureStore, optional
        Drawn while that store's areas are *not* legible (the gemeenten while the buurten would
        be a blur); by default while this store's areas are.
    highlight : mapping, optional
        The style of an area under the pointer (black, 3 px by default).
    popup : bool
        Whether a click opens the popup of ``fields``.
    zoom_on_click : bool
        Whether a click zooms in on the area.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.hkStoreLayer({{ this.store.get_name() }}, {
  hkFields: {{ this.keys|tojson }}, hkColour: {{ this.colour|tojson }},
  {%- if this.shown_while %}
  hkShown: function(map) { return !{{ this.shown_while.get_name() }}.legible(map); },
  {%- else %}
  hkShown: function(map) { return {{ this.store.get_name() }}.legible(map); },
  {%- endif %}
  smoothFactor: 0.5,
  style: function(feature) {
    return Object.assign({fillColor: feature.properties._colour}, {{ this.style|tojson }});
  },
  onEachFeature: function(feature, layer) {
    layer.on({
      {%- if this.zoom_on_click %}
      click: function(e) { {{ this._parent.get_name() }}.fitBounds(e.target.getBounds()); },
      {%- endif %}
      mouseout: function(e) { {{ this.get_name() }}.resetStyle(e.target); },
      mouseover: function(e) { e.target.setStyle({{ this.highlight|tojson }}); }
    });
  }
});
{% endmacro %}
""")

    def __init__(self, store: FeatureStore, name: str, fields: Mapping[str, str], *,
                 style: Mapping[str, Any], colour: str | None = None,
                 extra: Sequence[str] = (), brief: Sequence[str] | None = None,
                 show: bool = True, shown_while: FeatureStore | None = None,
                 highlight: Mapping[str, Any] | None = None, popup: bool = True,
                 zoom_on_click: bool = False) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "StoreLayer"
        self.store = store
        self.keys = [*fields, *(k for k in extra if k not in fields)]
        missing = [k for k in self.keys if k not in store.columns]
        if colour is not None and colour not in store.columns:
            missing.append(colour)
        if missing:
            msg = f"the store has no column {', '.join(map(repr, missing))}"
            raise ValueError(msg)
        self.detail_keys = tuple(self.keys)
        self.colour = colour
        self.style = dict(style)
        self.shown_while = shown_while
        self.zoom_on_click = zoom_on_click
        self.highlight = dict(highlight) if highlight is not None else \
            {"weight": 3, "color": "#000000"}
        aliases = [html_text(a) for a in fields.values()]  # folium inserts them as HTML
        tip = [(k, a) for k, a in zip(fields, aliases, strict=True) if brief is None or k in brief]
        if store.count:
            self.add_child(GeoJsonTooltip(fields=[k for k, _ in tip],
                                          aliases=[a for _, a in tip], sticky=True))
            if popup:
                self.add_child(GeoJsonPopup(fields=list(fields), aliases=aliases))


def legible_zoom(size_m: float, pixels: float = 3.0, latitude: float = 52.0) -> int:
    """Return the lowest zoom at which ``size_m`` metres take at least ``pixels`` on screen."""
    return max(0, math.ceil(math.log2(metres_per_pixel(0, latitude) * pixels / size_m)))


class ZoomGate(JSCSSMixin):
    """Draw the features of some layers only from ``min_zoom`` on (grid cells, say).

    Each layer stays switched on in the layer control; below ``min_zoom`` its features leave
    the map, where they would be specks. Added after the layers (its script runs after theirs).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{%- for layer in this.layers %}
L.hkGate({{ layer.get_name() }}, function(map) { return map.getZoom() >= {{ this.min_zoom }}; });
{%- endfor %}
{% endmacro %}
""")

    default_js = [STORE_JS]  # noqa: RUF012

    def __init__(self, layers: Sequence[folium.map.Layer], min_zoom: int) -> None:
        super().__init__()
        self._name = "ZoomGate"
        self.layers = list(layers)
        self.min_zoom = int(min_zoom)
