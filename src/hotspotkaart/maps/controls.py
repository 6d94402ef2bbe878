"""Map controls that act on the layers of a map, each in folium's plugin shape.

A category switch restyles the buurt layers per kind of overlast, a search box finds buurten
and wijken, two maps side by side move together, the drawing tools let a planner draw and
save candidate areas for ``hotspotkaart camera``, a button shows the page on the full screen
and a ruler measures distances (both written here: folium's plugins load them from a CDN).
Every text they show is escaped (``|tojson``), so a caller may pass text that came from input
data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import folium.plugins
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import Markup

from hotspotkaart._format import html_text
from hotspotkaart.maps.elements import panel_script

__all__ = ["CategorySwitch", "DrawAreas", "FullscreenButton", "MeasureControl", "SearchControl",
           "SyncMaps"]


class _LayerRefs:
    """Mixin: the JavaScript names of the layers an element refers to."""

    layers: list[MacroElement]

    @property
    def layer_names(self) -> list[str]:
        """JavaScript variable names of :attr:`layers`."""
        return [layer.get_name() for layer in self.layers]


#: Restyling the layers of a :class:`CategorySwitch` for the category chosen.
_RESTYLE = """\
    div.querySelectorAll('input').forEach(function(input) {
      input.addEventListener('change', function() {
        var key = input.value ? '_colour_' + input.value : '_colour';
        layers.forEach(function(layer) {
          layer.eachLayer(function(f) {
            var colour = f.feature.properties[key] || f.feature.properties._colour;
            f.setStyle({fillColor: colour});
          });
        });
      });
    });
"""


class CategorySwitch(_LayerRefs, MacroElement):
    """Radio buttons that restyle choropleth layers for one category of meldingen.

    Each feature of the given layers carries ``_colour`` (all meldingen) and ``_colour_<key>``
    per category; choosing a category sets every feature's fill colour from that property.

    Parameters
    ----------
    layers : sequence of folium.GeoJson
        The layers to restyle.
    options : sequence of (key, label)
        ``key`` is ``""`` for all meldingen, else the category slug.
    """

    _template = Template(panel_script(
        "hk-categories", before="  var layers = [{{ this.layer_names|join(', ') }}];\n",
        after=_RESTYLE))

    _html = Template("""
<details class="hk-collapsible" open><summary>{{ title|e }}</summary>
{% for key, label in options %}<label class="hk-radio"><input type="radio" name="{{ group|e }}"
 value="{{ key|e }}"{% if loop.first %} checked{% endif %}> {{ label|e }}</label>{% endfor %}
<p class="hk-method">Geldt voor de kaarten per buurt.</p></details>
""")

    def __init__(self, layers: Sequence[MacroElement], options: Sequence[tuple[str, str]], *,
                 title: str = "Soort overlast", position: str = "topleft") -> None:
        super().__init__()
        self._name = "CategorySwitch"
        self.layers = list(layers)
        self.position = position
        self.title = title
        self.options = list(options)

    @property
    def html(self) -> str:
        """The panel's HTML, with a radio group named after this switch's place on the page."""
        options = [(key, Markup(html_text(label))) for key, label in self.options]
        return self._html.render(title=self.title, options=options, group=self.group).strip()

    @property
    def group(self) -> str:
        """The name of this switch's radio group: ``hk-cat-<n>``.

        ``n`` counts the switches of the page (the root element) in document order, so the
        name is the same in every build of the same page and differs between the switches of
        one page (also on the two maps of a side-by-side page).
        """
        switches = [e for e in _descendants(self.get_root()) if isinstance(e, CategorySwitch)]
        number = next(i for i, e in enumerate(switches, start=1) if e is self)
        return f"hk-cat-{number}"


def _descendants(root: Element) -> Iterator[Element]:
    """Yield ``root`` and every element below it, depth first in the order they were added."""
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(reversed(list(element._children.values())))


class SearchControl(_LayerRefs, JSCSSMixin):
    """Search features of one or more GeoJSON layers by a name property (leaflet-search).

    Parameters
    ----------
    layers : sequence of folium.GeoJson
        Layers whose features carry ``property_name``.
    property_name : str
        The feature property to search.
    placeholder : str
        Text in the empty search box.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var group = L.featureGroup([{{ this.layer_names|join(', ') }}]);
  var control = new L.Control.Search({
    layer: group, propertyName: {{ this.property_name|tojson }}, initial: false,
    zoom: null, marker: false, textPlaceholder: {{ this.placeholder|tojson }},
    textErr: 'Niet gevonden', textCancel: 'Annuleren', hideMarkerOnCollapse: true,
    moveToLocation: function(latlng, title, map) {
      if (latlng.layer && latlng.layer.getBounds) { map.fitBounds(latlng.layer.getBounds()); }
      else { map.setView(latlng, 15); }
    }
  });
  control.on('search:locationfound', function(e) {
    // the popup is bound to the parent GeoJSON layer: a propagating click opens it
    if (e.layer) {
      var at = e.layer.getBounds ? e.layer.getBounds().getCenter() : e.latlng;
      e.layer.fire('click', {latlng: at, layer: e.layer}, true);
    }
  });
  {{ this._parent.get_name() }}.addControl(control);
})();
{% endmacro %}
""")

    default_js = [("leaflet_search",  # noqa: RUF012
                   "https://cdn.jsdelivr.net/npm/leaflet-search@4.0.0/dist/leaflet-search.min.js")]
    default_css = [("leaflet_search_css",  # noqa: RUF012
                    "https://cdn.jsdelivr.net/npm/leaflet-search@4.0.0/dist/leaflet-search.min.css")]

    def __init__(self, layers: Sequence[MacroElement], property_name: str = "zoeknaam", *,
                 placeholder: str = "Zoek buurt of wijk…") -> None:
        super().__init__()
        self._name = "SearchControl"
        self.layers = list(layers)
        self.property_name = property_name
        self.placeholder = placeholder


class DrawAreas(folium.plugins.Draw):
    """Leaflet.draw's polygon and rectangle tools in Dutch, with a button that saves the drawing.

    Planners draw candidate camera areas on the overview and save them as GeoJSON
    (``filename``), the input of ``hotspotkaart camera``. folium's own export link sits at a
    fixed place near the top right of the map, under the title panel, and says "Export"; here
    the save button is part of the drawing control. Saving with nothing drawn says so instead
    of writing an empty file.

    Parameters
    ----------
    filename : str
        Name the browser offers for the saved file.
    position : str
        Leaflet control position.
    """

    _template = Template("""
{% macro header(this, kwargs) %}
<style>
.hk-draw { display: flex; flex-direction: column; align-items: flex-start; }
.hk-draw-save { display: block; margin-top: 10px; padding: 4px 8px; background: #fff;
  color: #1a1a1a; border: 2px solid rgba(0,0,0,0.2); border-radius: 4px;
  background-clip: padding-box; font: 12px/1.4 system-ui, -apple-system, "Segoe UI", Roboto,
  Arial, sans-serif; text-decoration: none; white-space: nowrap; }
.hk-draw-save:hover { background-color: #f4f4f4; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }}, words = L.drawLocal;
  words.draw.toolbar.actions = {title: 'Tekenen stoppen', text: 'Stoppen'};
  words.draw.toolbar.finish = {title: 'Het gebied afmaken', text: 'Klaar'};
  words.draw.toolbar.undo = {title: 'Het laatste punt weghalen', text: 'Punt terug'};
  words.draw.toolbar.buttons.polygon = 'Teken een gebied';
  words.draw.toolbar.buttons.rectangle = 'Teken een rechthoek';
  words.draw.handlers.polygon.tooltip = {start: 'Klik om het gebied te beginnen.',
    cont: 'Klik om verder te tekenen.', end: 'Klik op het eerste punt om het gebied te sluiten.'};
  words.draw.handlers.rectangle.tooltip = {start: 'Klik en sleep om een rechthoek te tekenen.'};
  words.draw.handlers.simpleshape.tooltip = {end: 'Laat los om de rechthoek af te maken.'};
  words.edit.toolbar.actions = {
    save: {title: 'De wijzigingen bewaren', text: 'Bewaren'},
    cancel: {title: 'De wijzigingen ongedaan maken', text: 'Annuleren'},
    clearAll: {title: 'Alle getekende gebieden wissen', text: 'Alles wissen'}};
  words.edit.toolbar.buttons = {edit: 'Getekende gebieden wijzigen',
    editDisabled: 'Nog niets getekend', remove: 'Getekende gebieden wissen',
    removeDisabled: 'Nog niets getekend'};
  words.edit.handlers.edit.tooltip = {text: 'Versleep de punten om een gebied te wijzigen.',
    subtext: 'Annuleren zet alles terug.'};
  words.edit.handlers.remove.tooltip = {text: 'Klik op een gebied om het te wissen.'};
  var drawn = new L.FeatureGroup().addTo(map);
  var options = {position: {{ this.position|tojson }}, draw: {{ this.draw_options|tojson }},
                 edit: {{ this.edit_options|tojson }}};
  options.edit.featureGroup = drawn;
  var control = new L.Control.Draw(options).addTo(map);
  map.on(L.Draw.Event.CREATED, function(e) { drawn.addLayer(e.layer); });
  var filename = {{ this.filename|tojson }}, label = 'Tekening opslaan';
  L.DomUtil.addClass(control.getContainer(), 'hk-draw');  // the button does not widen the bars
  var save = L.DomUtil.create('a', 'hk-draw-save', control.getContainer());
  save.href = '#';
  save.setAttribute('role', 'button');
  save.textContent = label;
  save.title = 'Sla de getekende gebieden op als ' + filename + ' (voor hotspotkaart camera)';
  L.DomEvent.disableClickPropagation(save);
  L.DomEvent.on(save, 'click', function(e) {
    if (drawn.getLayers().length === 0) {
      L.DomEvent.preventDefault(e);
      save.textContent = 'Teken eerst een gebied';
      setTimeout(function() { save.textContent = label; }, 2500);
      return;
    }
    save.href = 'data:application/geo+json;charset=utf-8,'
      + encodeURIComponent(JSON.stringify(drawn.toGeoJSON()));
    save.download = filename;
  });
})();
{% endmacro %}
""")

    def __init__(self, filename: str, position: str = "topleft") -> None:
        super().__init__(filename=filename, position=position,
                         draw_options={"polyline": False, "circle": False, "marker": False,
                                       "circlemarker": False},
                         edit_options={"edit": True, "remove": True})
        self._name = "DrawAreas"


class SyncMaps(JSCSSMixin):
    """Keep two maps at the same centre and zoom (leaflet.sync), in both directions."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this.left.get_name() }}.sync({{ this.right.get_name() }});
{{ this.right.get_name() }}.sync({{ this.left.get_name() }});
{% endmacro %}
""")

    default_js = [("leaflet_sync",  # noqa: RUF012
                   "https://cdn.jsdelivr.net/npm/leaflet.sync@0.2.4/L.Map.Sync.js")]

    def __init__(self, left: MacroElement, right: MacroElement) -> None:
        super().__init__()
        self._name = "SyncMaps"
        self.left = left
        self.right = right


#: JavaScript that adds ``button`` to the map's one bar of tool buttons (made by the first).
_TOOL_BUTTON = """
  var bar = map.getContainer().querySelector(".hk-tools");
  if (!bar) {
    var tools = L.control({position: "topleft"});
    tools.onAdd = function() {
      return L.DomUtil.create("div", "leaflet-bar leaflet-control hk-tools");
    };
    tools.addTo(map);
    bar = tools.getContainer();
  }
  var button = L.DomUtil.create("a", "", bar);
  button.href = "#"; button.setAttribute("role", "button");
"""

_ICON = ('<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" '
         'style="vertical-align:middle">{}</svg>')
_FULLSCREEN_ICON = _ICON.format('<path d="M2 7V2h5M11 2h5v5M16 11v5h-5M7 16H2v-5" fill="none" '
                                'stroke="#1a1a1a" stroke-width="2"/>')
_CLOSE_ICON = _ICON.format('<path d="M7 2v5H2M11 2v5h5M16 11h-5v5M7 16v-5H2" fill="none" '
                           'stroke="#1a1a1a" stroke-width="2"/>')
_RULER_ICON = _ICON.format('<path d="M1 12 12 1l5 5L6 17z" fill="none" stroke="#1a1a1a" '
                           'stroke-width="1.6"/><path d="M5 8l2 2M8 5l2 2M11 2l2 2" '
                           'stroke="#1a1a1a" stroke-width="1.6"/>')


class FullscreenButton(MacroElement):
    """A button that shows the page on the whole screen and back (the Fullscreen API).

    Where the browser has no Fullscreen API (Safari on an iPhone) there is no button. The
    whole page goes full screen, so the comparison's two maps stay side by side.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  if (!document.fullscreenEnabled) { return; }
  var map = {{ this._parent.get_name() }};
""" + _TOOL_BUTTON + """
  var label = function() {
    var on = !!document.fullscreenElement;
    button.title = on ? "Volledig scherm sluiten" : "Volledig scherm";
    button.setAttribute("aria-label", button.title);
    button.innerHTML = on ? {{ this.close_icon|tojson }} : {{ this.open_icon|tojson }};
  };
  label();
  L.DomEvent.on(button, "click", function(event) {
    L.DomEvent.stop(event);
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else { document.documentElement.requestFullscreen(); }
  });
  document.addEventListener("fullscreenchange", function() { label(); map.invalidateSize(); });
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "FullscreenButton"
        self.open_icon = _FULLSCREEN_ICON
        self.close_icon = _CLOSE_ICON


class MeasureControl(MacroElement):
    """A ruler: click points on the map and read the length of the line through them.

    The length is the sum of great-circle distances (Leaflet's ``map.distance``), written in
    Dutch (``350 m``, ``1,25 km``). While measuring, clicks place points instead of opening
    popups; the button, Escape or a double click ends it, and the line stays until the next
    measurement.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }}, box = map.getContainer();
  var line = null, points = [], measuring = false;
  var label = L.tooltip({permanent: true, direction: "right", className: "hk-measure"});
  var text = function(metres) {
    return metres < 1000 ? Math.round(metres) + " m"
                         : (metres / 1000).toFixed(2).replace(".", ",") + " km";
  };
  var length = function() {
    var total = 0;
    for (var i = 1; i < points.length; i++) { total += map.distance(points[i - 1], points[i]); }
    return total;
  };
  var stop = function() {
    measuring = false; box.style.cursor = ""; button.classList.remove("hk-active");
    button.setAttribute("aria-pressed", "false");
  };
  var start = function() {
    if (line) { map.removeLayer(line); map.removeLayer(label); }
    points = []; line = L.polyline([], {color: "#000000", weight: 3, dashArray: "6 4"});
    line.addTo(map);
    measuring = true; box.style.cursor = "crosshair"; button.classList.add("hk-active");
    button.setAttribute("aria-pressed", "true");
  };
  // caught before Leaflet sees it: a click on a buurt measures instead of opening its popup
  box.addEventListener("click", function(event) {
    if (!measuring || event.target.closest(".leaflet-control")) { return; }
    event.stopPropagation();
    var at = map.mouseEventToLatLng(event);
    points.push(at); line.setLatLngs(points);
    label.setLatLng(at).setContent("Afstand " + text(length()));
    if (!map.hasLayer(label)) { label.addTo(map); }
  }, true);
  box.addEventListener("dblclick", function(event) {
    if (!measuring || event.target.closest(".leaflet-control")) { return; }
    event.stopPropagation(); stop();
  }, true);
  document.addEventListener("keydown", function(event) {
    if (measuring && event.key === "Escape") { stop(); }
  });
""" + _TOOL_BUTTON + """
  button.className = "hk-measure-button";
  button.title = "Afstand meten"; button.setAttribute("aria-label", button.title);
  button.setAttribute("aria-pressed", "false");
  button.innerHTML = {{ this.icon|tojson }};
  L.DomEvent.on(button, "click", function(event) {
    L.DomEvent.stop(event);
    if (measuring) { stop(); } else { start(); }
  });
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "MeasureControl"
        self.icon = _RULER_ICON
