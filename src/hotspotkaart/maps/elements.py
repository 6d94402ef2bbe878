"""Custom Folium map elements, each in folium's plugin shape: a class with a Jinja template.

Every text these elements show is escaped here (Jinja's ``|e`` and ``|tojson``), so a caller may
pass text that came from input data.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import branca.element
import folium
from branca.element import Element, Figure, MacroElement
from folium.features import GeoJsonDetail
from jinja2 import Template
from markupsafe import Markup

from hotspotkaart._format import html_text

__all__ = [
    "OFFLINE_CSS",
    "ChartPanel",
    "Credits",
    "GeoJsonPopup",
    "GeoJsonTooltip",
    "InfoPanel",
    "KeyFigures",
    "Legend",
    "ScaleBar",
    "SkipLink",
    "SortableTable",
    "verbatim_macros",
]

#: Styles shared by the panels; inlined in the page header, no external fonts.
OFFLINE_CSS = """
.hk-panel { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 13px/1.35 system-ui, -apple-system, "Segoe UI",
  Roboto, Arial, sans-serif; color: #1a1a1a; max-width: 320px; }
.hk-panel h2 { font-size: 15px; margin: 0 0 4px; }
.hk-panel h3 { font-size: 13px; margin: 6px 0 3px; }
.hk-panel p { margin: 2px 0; }
.hk-legend-row { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.hk-swatch { width: 16px; height: 16px; flex: 0 0 16px; border: 1px solid #555;
  border-radius: 2px; }
.hk-swatch.hk-point { border-radius: 50%; }
.hk-demo { background: #b35806; color: #fff; font-weight: 600; padding: 2px 6px;
  border-radius: 3px; display: inline-block; margin: 2px 0; }
.hk-method { font-size: 11px; color: #444; }
.hk-collapsible > summary { cursor: pointer; font-weight: 600; min-height: 24px; }
.leaflet-top.leaflet-right { display: flex; flex-direction: column; align-items: flex-end; }
.leaflet-top.leaflet-right .leaflet-control-layers { order: -1; }
.hk-table { border-collapse: collapse; font-size: 12px; }
.hk-table th, .hk-table td { padding: 2px 5px; border-bottom: 1px solid #ddd; text-align: right; }
.hk-table th:first-child, .hk-table td:first-child { text-align: left; }
.hk-sortable th { cursor: pointer; user-select: none; }
.hk-sortable th[data-dir="asc"]::after { content: " ▲"; }
.hk-sortable th[data-dir="desc"]::after { content: " ▼"; }
.hk-scroll { max-height: 40vh; overflow: auto; }
.hk-chart-box { width: min(440px, calc(100cqw - 44px)); }  /* charts readable on a phone */
.leaflet-control .hk-panel.hk-charts:has(details[open]), .hk-panel.hk-charts:has(details[open]) {
  max-width: none; }  /* an open chart panel takes the width its charts need */
.hk-radio { display: block; min-height: 28px; line-height: 28px; cursor: pointer; }
.hk-radio input { width: 18px; height: 18px; vertical-align: middle; }
.leaflet-tooltip { font: 12px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; max-width: min(340px, 55cqw); white-space: normal; }
.leaflet-tooltip th, .leaflet-tooltip td { padding: 1px 8px 1px 0; vertical-align: top; }
.leaflet-popup-content { font: 13px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; margin: 10px 14px; }
.leaflet-popup-content th, .leaflet-popup-content td { padding: 1px 8px 1px 0;
  vertical-align: top; }
.leaflet-container { container-type: inline-size; }  /* cqw: the map's own width */
/* a phone with a popup open: the panels and tooltips step back until it closes */
.hk-popup-front .leaflet-control:not(.leaflet-control-attribution),
.hk-popup-front .leaflet-tooltip-pane { visibility: hidden; }
.hk-tools a.hk-active { background: #ffe08a; }
.leaflet-tooltip.hk-measure { font-weight: 600; white-space: nowrap; max-width: none; }
.leaflet-control-attribution { max-width: calc(100cqw - 120px); }  /* clear of the scale bar */
.leaflet-container .leaflet-control-attribution { background: rgba(255,255,255,0.94); }
.leaflet-container .leaflet-control-attribution a { color: #0b5394; }  /* 4.5:1 on any map */
@media (max-width: 480px) {
  .hk-panel { max-width: 220px; font-size: 12px; }
  .leaflet-bottom .hk-panel { max-width: calc(50vw - 30px); }  /* both bottom corners fit */
  .leaflet-control-layers-toggle { width: 44px; height: 44px; }
  .leaflet-control-attribution { font-size: 10px; }
  .leaflet-touch .leaflet-bar a { width: 40px; height: 40px; line-height: 40px; }
}
"""


#: The ``script`` macro every panel shares (see :func:`panel_script`).
_PANEL_SCRIPT = string.Template("""
{% macro script(this, kwargs) %}
(function() {
$before  var control = L.control({position: {{ this.position|tojson }}});
  control.onAdd = function() {
    var div = L.DomUtil.create('div', 'hk-panel $css_class');
    div.innerHTML = {{ this.html|tojson }};
    if (window.innerWidth < 600) {
      div.querySelectorAll('details').forEach(function(d) { d.removeAttribute('open'); });
    }
$events$after    return div;
  };
  control.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")


def panel_script(css_class: str, *, clicks: bool = True, scroll: bool = False, before: str = "",
                 after: str = "") -> str:
    """Return the ``script`` macro of a panel: a Leaflet control that holds ``this.html``.

    Every panel of the maps is one: a ``div.hk-panel`` at ``this.position`` whose ``<details>``
    start closed on a narrow screen. ``clicks`` and ``scroll`` keep those events on the panel,
    off the map. ``before`` is JavaScript run before the control is made, ``after`` JavaScript
    run on its ``div`` before it is shown.
    """
    events = [event for event, kept in (("Click", clicks), ("Scroll", scroll)) if kept]
    return _PANEL_SCRIPT.substitute(
        css_class=css_class, before=before, after=after,
        events="".join(f"    L.DomEvent.disable{e}Propagation(div);\n" for e in events))

class InfoPanel(MacroElement):
    """A Leaflet control with the map's title, a demonstration-data warning and a method stamp.

    Parameters
    ----------
    title : str
        Heading of the panel.
    lines : sequence of str
        Short paragraphs under the title.
    method : sequence of str
        Lines of the method stamp (period, boundary edition, …), shown small.
    synthetic : bool
        Show the "Demonstratiedata" warning.
    position : str
        Leaflet control position.
    """

    _template = Template("""
{% macro header(this, kwargs) %}
<style>{{ this.css }}</style>
{% endmacro %}
""" + panel_script("hk-info", scroll=True))

    _html = Template("""
<details class="hk-collapsible" open><summary>{{ title|e }}</summary>
{% if synthetic %}<p class="hk-demo">Demonstratiedata — geen echte meldingen</p>{% endif %}
{% for line in lines %}<p>{{ line|e }}</p>{% endfor %}
{% if method %}<div class="hk-method">{% for line in method %}<p>{{ line|e }}</p>{% endfor %}</div>
{% endif %}</details>
""")

    def __init__(self, title: str, lines: Sequence[str] = (), method: Sequence[str] = (), *,
                 synthetic: bool = False, position: str = "topright") -> None:
        super().__init__()
        self._name = "InfoPanel"
        self.position = position
        self.css = OFFLINE_CSS
        self.html = self._html.render(title=_text(title), lines=_text(list(lines)),
                                      method=_text(list(method)), synthetic=synthetic).strip()


class Legend(MacroElement):
    """A categorical legend as a Leaflet control, open on a desktop screen.

    Parameters
    ----------
    title : str
        Legend heading.
    entries : sequence of (label, colour)
        One row per class, in display order.
    point : bool
        Draw round swatches (for point layers).
    position : str
        Leaflet control position.
    layers : sequence of folium layers, optional
        The layers the legend explains: it is then open exactly while one of them is on the
        map, so switching a layer on in the layer control opens its legend (on a desktop
        screen; on a phone the legend stays as the user left it).
    note : str
        A small line under the entries.
    """

    _template = Template(panel_script("hk-legend", clicks=False, after="""
    var hkLayers = {{ this.layer_names|tojson }}.map(function(n) { return window[n]; });
    if (hkLayers.length) {
      var map = {{ this._parent.get_name() }}, details = div.querySelector("details");
      var follow = function() {
        var on = hkLayers.some(function(l) { return l && map.hasLayer(l); });
        if (!on) { details.removeAttribute("open"); }
        else if (window.innerWidth >= 600) { details.setAttribute("open", ""); }
      };
      if (!hkLayers.some(function(l) { return l && map.hasLayer(l); })) {
        details.removeAttribute("open");
      }
      map.on("overlayadd overlayremove", follow);
    }
"""))

    _html = Template("""
<details class="hk-collapsible" open><summary>{{ title|e }}</summary>
{% for label, colour in entries %}<div class="hk-legend-row"><span class="hk-swatch
{%- if point %} hk-point{% endif %}" style="background:{{ colour|e }}"></span><span>{{ label|e }}
</span></div>{% endfor %}{% if note %}<p class="hk-method">{{ note|e }}</p>{% endif %}</details>
""")

    def __init__(self, title: str, entries: Sequence[tuple[str, str]], *, point: bool = False,
                 position: str = "bottomright", layers: Sequence[MacroElement] = (),
                 note: str = "") -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.layer_names = [layer.get_name() for layer in layers]
        self.html = self._html.render(title=_text(title), entries=_text(list(entries)),
                                      point=point, note=_text(note)).strip()


class SkipLink(MacroElement):
    """A "skip to the map controls" link, first in the keyboard order of the page (WCAG 2.4.1).

    Hundreds of buurt shapes can take the keyboard focus before the zoom buttons and panels; the
    link, shown when it has the focus, jumps over them to the zoom buttons.
    """

    _template = Template("""
{% macro header(this, kwargs) %}
<style>.hk-skip { position: absolute; left: 8px; top: -60px; z-index: 2000; padding: 8px 12px;
  background: #ffffff; color: #0b5394; border: 2px solid #0b5394;
  font: 15px system-ui, sans-serif; }
.hk-skip:focus { top: 8px; }</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function() {
  if (document.querySelector(".hk-skip")) { return; }  // one per page, also with two maps
  var link = document.createElement("a");
  link.href = "#"; link.className = "hk-skip"; link.textContent = "Naar de kaartbediening";
  link.addEventListener("click", function(event) {
    event.preventDefault();
    var target = document.querySelector(".leaflet-control-zoom-in, .leaflet-control a, "
                                        + ".leaflet-control summary");
    if (target) { target.focus(); }
  });
  document.body.insertBefore(link, document.body.firstChild);
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "SkipLink"


class ScaleBar(MacroElement):
    """Leaflet's scale control in metres and kilometres only (folium's also shows feet).

    It sits at the bottom left; :data:`OFFLINE_CSS` keeps the credits at the bottom right from
    growing over it on a narrow map (a phone, a half of the comparison page).
    """

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ScaleBar"


class Credits(MacroElement):
    """Add fixed credits (e.g. the CBS boundary credit) to the map's attribution control.

    The text is escaped; it stays visible whatever basemap (or none) is chosen.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }};
  var span = document.createElement('span');
  span.textContent = {{ this.text|tojson }};
  map.attributionControl.addAttribution(span.outerHTML);
})();
{% endmacro %}
""")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Credits"
        self.text = text


class KeyFigures(MacroElement):
    """A table of key figures (city or wijk totals per category and period) as a panel.

    Parameters
    ----------
    title : str
        Heading of the table.
    header : sequence of str
        Column headings.
    rows : sequence of sequence of str
        Table cells, already formatted for display.
    position : str
        Leaflet control position.
    """

    _template = Template(panel_script("hk-keyfigures"))

    _html = Template("""
<details class="hk-collapsible"{% if open %} open{% endif %}><summary>{{ title|e }}</summary>
<table class="hk-table"><thead><tr>{% for h in header %}<th>{{ h|e }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell|e }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></details>
""")

    def __init__(self, title: str, header: Sequence[str], rows: Sequence[Sequence[str]], *,
                 position: str = "topright", open_: bool = True) -> None:
        super().__init__()
        self._name = "KeyFigures"
        self.position = position
        self.html = self._html.render(title=_text(title), header=_text(list(header)),
                                      rows=_text([list(r) for r in rows]), open=open_).strip()


#: Sorting the rows of a :class:`SortableTable` by the column clicked.
_SORT_ROWS = """\
    var table = div.querySelector('table');
    table.querySelectorAll('th').forEach(function(th, col) {
      th.addEventListener('click', function() {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = th.getAttribute('data-dir') !== 'asc';
        table.querySelectorAll('th').forEach(function(h) { h.removeAttribute('data-dir'); });
        th.setAttribute('data-dir', asc ? 'asc' : 'desc');
        rows.sort(function(a, b) {
          var x = a.cells[col].getAttribute('data-sort');
          var y = b.cells[col].getAttribute('data-sort');
          var nx = parseFloat(x), ny = parseFloat(y);
          var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, 'nl');
          return asc ? cmp : -cmp;
        });
        rows.forEach(function(r) { body.appendChild(r); });
      });
    });
"""


class SortableTable(MacroElement):
    """A collapsible panel with a table whose columns sort on a click on their heading.

    Numbers sort numerically: give each cell as ``(text, sort_key)``.
    """

    _template = Template(panel_script("hk-sortable", scroll=True, after=_SORT_ROWS))

    _html = Template("""
<details class="hk-collapsible"><summary>{{ title|e }}</summary>
<div class="hk-scroll"><table class="hk-table"><thead><tr>
{% for h in header %}<th title="Klik om te sorteren">{{ h|e }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for text, key in row -%}
<td data-sort="{{ key|e }}">{{ text|e }}</td>
{% endfor %}</tr>{% endfor %}</tbody></table></div></details>
""")

    def __init__(self, title: str, header: Sequence[str],
                 rows: Sequence[Sequence[tuple[str, str]]], *,
                 position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "SortableTable"
        self.position = position
        self.html = self._html.render(title=_text(title), header=_text(list(header)),
                                      rows=_text([list(r) for r in rows])).strip()


class ChartPanel(MacroElement):
    """A collapsible panel with charts (inline SVG from :mod:`hotspotkaart.maps.charts`).

    The charts escape every text from the data themselves; ``html`` is put in as it is.
    """

    _template = Template(panel_script("hk-charts", scroll=True))

    _html = Template("""
<details class="hk-collapsible"><summary>{{ title|e }}</summary>
<div class="hk-scroll hk-chart-box">{{ charts }}</div></details>
""")

    def __init__(self, title: str, charts: str, *, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "ChartPanel"
        self.position = position
        self.html = self._html.render(title=_text(title), charts=Markup(charts)).strip()


#: The table style folium 0.20 writes for each GeoJSON tooltip and popup, character for character.
_DETAIL_STYLE = Template(
    '\n'
    '                    <style>\n'
    '                        .{{ this.class_name }} {\n'
    '                            {{ this.style }}\n'
    '                        }\n'
    '                       .{{ this.class_name }} table{\n'
    '                            margin: auto;\n'
    '                        }\n'
    '                        .{{ this.class_name }} tr{\n'
    '                            text-align: left;\n'
    '                        }\n'
    '                        .{{ this.class_name }} th{\n'
    '                            padding: 2px; padding-right: 8px;\n'
    '                        }\n'
    '                    </style>\n'
    '            '
)


class _Text(Element):
    """Literal text in the page.

    A plain :class:`~branca.element.Element` compiles its text as a Jinja template, which renders
    it unchanged (but for one trailing newline) and costs a compile per element.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._text = text[:-1] if text.endswith("\n") else text  # as Jinja renders it

    def render(self, **kwargs: Any) -> str:
        """Return the text."""
        return self._text


@contextmanager
def verbatim_macros() -> Iterator[None]:
    """Render with every element's macro output kept as literal text.

    branca's ``MacroElement.render`` wraps the rendered ``header``, ``html`` and ``script``
    macros of each element in a new ``Element(text)``, whose constructor compiles that text as
    a Jinja template and renders it a second time. Any ``{{ … }}`` or ``{% … %}`` in the data
    (a buurt name, a category, a zone name in a GeoJSON layer) would then be evaluated while the
    map is built: template injection. Inside this block branca builds :class:`_Text` instead,
    which returns the text as it is; the pages come out identical for ordinary data.
    """
    original = branca.element.Element
    branca.element.Element = _Text  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        branca.element.Element = original  # type: ignore[misc]


class _StyleOnce(GeoJsonDetail):
    """Render a folium ``GeoJsonTooltip``/``GeoJsonPopup`` without compiling templates per map.

    folium compiles its table-style template anew for every tooltip and popup it renders, and
    then compiles the resulting CSS once more; a map has two per GeoJSON layer and there is a
    map per wijk. This does what ``GeoJsonDetail.render`` does with the style compiled once.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement
        """Add the table style to the page header, then render as any macro element."""
        parent = self._parent
        stored = getattr(parent, "detail_keys", None)  # a layer that makes its features itself
        if stored is None and not isinstance(parent, folium.GeoJson):
            super().render(**kwargs)  # TopoJson and others: folium's own way
            return
        if stored is None and isinstance(parent, folium.GeoJson):
            features = parent.data["features"]
            keys = tuple(features[0]["properties"].keys() if features else [])
            keys = tuple(k for k in keys if k not in ("style", "highlight"))
            self.warn_for_geometry_collections()
        else:
            keys = tuple(stored or ())
        for value in self.fields:  # as folium checks them
            assert value in keys, f"The field {value} is not available in the data: {keys}."
        figure = self.get_root()
        assert isinstance(figure, Figure)  # folium asserts the same
        figure.header.add_child(_Text(_DETAIL_STYLE.render(this=self)),
                                name=self.get_name() + "tablestyle")
        MacroElement.render(self)


class GeoJsonTooltip(_StyleOnce, folium.GeoJsonTooltip):
    """:class:`folium.GeoJsonTooltip`, rendered with its style template compiled once."""


class GeoJsonPopup(_StyleOnce, folium.GeoJsonPopup):
    """:class:`folium.GeoJsonPopup`, rendered with its style template compiled once."""


def _text(value: Any) -> Any:
    """Escape the text of a panel once, as :func:`hotspotkaart._format.html_text` does.

    Strings (also inside lists and tuples) become markup-safe escaped text, so the templates'
    ``|e`` leaves them and a name such as ``src=https://…`` from the data cannot look like a
    resource to the offline check; other values are returned as they are.
    """
    if isinstance(value, str):
        return Markup(html_text(value))
    if isinstance(value, list | tuple):
        return type(value)(_text(v) for v in value)
    return value
