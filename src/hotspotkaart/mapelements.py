"""Custom Folium map elements, each in folium's plugin shape: a class with a Jinja template.

Every text these elements show is escaped here (Jinja's ``|e`` and ``|tojson``), so a caller may
pass text that came from input data.
"""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["OFFLINE_CSS", "Credits", "InfoPanel", "Legend"]

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
@media (max-width: 480px) { .hk-panel { max-width: 210px; font-size: 12px; } }
"""


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
{% macro script(this, kwargs) %}
(function() {
  var control = L.control({position: {{ this.position|tojson }}});
  control.onAdd = function() {
    var div = L.DomUtil.create('div', 'hk-panel hk-info');
    div.innerHTML = {{ this.html|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

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
        self.html = self._html.render(title=title, lines=list(lines), method=list(method),
                                      synthetic=synthetic).strip()


class Legend(MacroElement):
    """A categorical legend as a Leaflet control.

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
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var legend = L.control({position: {{ this.position|tojson }}});
  legend.onAdd = function() {
    var div = L.DomUtil.create('div', 'hk-panel hk-legend');
    div.innerHTML = {{ this.html|tojson }};
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    _html = Template("""
<details class="hk-collapsible" open><summary>{{ title|e }}</summary>
{% for label, colour in entries %}<div class="hk-legend-row"><span class="hk-swatch
{%- if point %} hk-point{% endif %}" style="background:{{ colour|e }}"></span><span>{{ label|e }}
</span></div>{% endfor %}</details>
""")

    def __init__(self, title: str, entries: Sequence[tuple[str, str]], *, point: bool = False,
                 position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        self.html = self._html.render(title=title, entries=list(entries), point=point).strip()


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
