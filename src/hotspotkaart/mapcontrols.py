"""Map controls that act on the layers of a map, each in folium's plugin shape.

A category switch restyles the buurt layers per kind of overlast, a search box finds buurten
and wijken, and two maps side by side move together. Every text they show is escaped
(``|tojson``), so a caller may pass text that came from input data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = ["CategorySwitch", "SearchControl", "SyncMaps"]


class _LayerRefs:
    """Mixin: the JavaScript names of the layers an element refers to."""

    layers: list[MacroElement]

    @property
    def layer_names(self) -> list[str]:
        """JavaScript variable names of :attr:`layers`."""
        return [layer.get_name() for layer in self.layers]


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

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var layers = [{{ this.layer_names|join(', ') }}];
  var control = L.control({position: {{ this.position|tojson }}});
  control.onAdd = function() {
    var div = L.DomUtil.create('div', 'hk-panel hk-categories');
    div.innerHTML = {{ this.html|tojson }};
    if (window.innerWidth < 600) {
      div.querySelectorAll('details').forEach(function(d) { d.removeAttribute('open'); });
    }
    L.DomEvent.disableClickPropagation(div);
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
    return div;
  };
  control.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

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
        return self._html.render(title=self.title, options=self.options,
                                 group=self.group).strip()

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
