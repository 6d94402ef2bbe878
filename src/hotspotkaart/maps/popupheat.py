"""The hour × weekday chart in the popup of each area of a layer, drawn as the popup opens.

A national overview has one for each of 14 000 buurten, so the page carries them packed
(:func:`packed_chart`) and the browser unpacks and draws the one whose popup opens.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from hotspotkaart._format import html_text

__all__ = ["PopupHeat", "packed_chart", "script_json"]


class PopupHeat(MacroElement):
    """A small hour × weekday chart in the popup of each area of a layer, drawn as it opens.

    The page carries only the class of each cell (one digit per hour of the week and year,
    runs of empty hours as one letter, see :func:`packed_chart`) and each distinct text once,
    so a chart per buurt costs some tens of bytes instead of the kilobytes of an SVG; the
    browser draws it when the popup opens. The classes and colours are the heat chart's
    (:func:`hotspotkaart.maps.charts.heat_scale`).

    Parameters
    ----------
    layers : sequence of folium.GeoJson
        The layers whose popups get the chart (the data is on the page once).
    charts : dict of str to dict
        Per area code: ``n`` (number of colours), ``cells`` (per year 168 digits, weekday by
        weekday from Monday, hour 0–23; 0 is no melding, ``k`` the ``k``-th colour),
        ``totals`` (per year the meldingen in words, shown beside the year) and ``label`` (the
        chart in words, for screen readers).
    palette : dict of int to sequence of str
        The colours by number of classes.
    key : str
        The feature property holding the area code.
    title : str
        The line above the chart.
    link : tuple of (str, str), optional
        For an area without a chart here: the feature property holding the (relative) address
        of the page where its chart is, and the text of the link, shown after ``title``. A
        national overview leaves the buurten's charts to the gemeente pages.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var data = {{ this.charts_json }}, palette = {{ this.palette|tojson }};
  var key = {{ this.key|tojson }}, title = {{ this.title|tojson }};
  var days = ["ma", "di", "wo", "do", "vr", "za", "zo"];
  var years = {{ this.years|tojson }}, texts = {{ this.texts|tojson }};
  var unpack = function(packed) {  // a letter is a run of 1-26 hours without a melding
    return packed.replace(/[a-z]/g, function(c) { return "0".repeat(c.charCodeAt(0) - 96); });
  };
  var chartOf = function(code) {  // [n, cells per year, text of the totals per year, top]
    var c = data[code];
    if (!c) { return null; }
    var chart = {n: c[0], cells: {}, totals: {}}, words = [];
    years.forEach(function(year, k) {
      if (c[1][k] === null) { return; }
      chart.cells[year] = unpack(c[1][k]); chart.totals[year] = texts[c[2][k]];
      words.push(year + ": " + texts[c[2][k]]);
    });
    chart.label = typeof c[3] === "string" ? c[3] : "Meldingen per uur en weekdag, "
      + words.join("; ") + "; hoe donkerder, hoe meer (tot " + texts[c[3]] + " in een uur)";
    return chart;
  };
  var link = {{ this.link|tojson }};  // [property, text]: where an area's chart is instead
  var relayout = function(popup) {  // the new size: update() would render it anew, without
    popup._updateLayout(); popup._updatePosition(); popup._adjustPan();
  };
  var draw = function(event) {
    var source = event.popup._source, feature = source && source.feature;
    var chart = feature && chartOf(feature.properties[key]), el = event.popup.getElement();
    var box = el && el.querySelector(".leaflet-popup-content");
    if (!box || box.querySelector(".hk-popup-heat")) { return; }
    var href = !chart && link && feature && feature.properties[link[0]];
    if (href) {
      box.insertAdjacentHTML("beforeend", '<div class="hk-popup-heat"><p class="hk-method">'
        + title + ': <a href="' + href + '">' + link[1] + '</a></p></div>');
      relayout(event.popup);
      return;
    }
    if (!chart) { return; }
    var colours = palette[chart.n], parts = [], shown = Object.keys(chart.cells);
    shown.forEach(function(year, k) {  // one year under the other, 10 px an hour
      var y0 = k * 96, cells = chart.cells[year];
      parts.push('<text x="0" y="' + (y0 + 9) + '" font-weight="600">' + year + ': '
        + chart.totals[year] + '</text>');
      for (var i = 0; i < 168; i++) {
        var c = +cells[i], d = Math.floor(i / 24), h = i % 24;
        parts.push('<rect x="' + (18 + h * 10) + '" y="' + (y0 + 14 + d * 10) + '" width="9" '
          + 'height="9" fill="' + (c ? colours[c - 1] : "#ffffff") + '"'
          + (c ? "" : ' stroke="#cccccc" stroke-width="0.6"') + '/>');
      }
      days.forEach(function(day, d) {
        parts.push('<text x="0" y="' + (y0 + 22 + d * 10) + '">' + day + '</text>');
      });
      [0, 6, 12, 18].forEach(function(h) {
        parts.push('<text x="' + (18 + h * 10) + '" y="' + (y0 + 94) + '">' + h + '</text>');
      });
    });
    var height = shown.length * 96;
    box.insertAdjacentHTML("beforeend", '<div class="hk-popup-heat"><p class="hk-method">'
      + title + '</p><svg class="hk-chart hk-chart-popup" role="img" aria-label="'
      + chart.label + '" width="260" height="' + height + '" viewBox="0 0 260 ' + height
      + '" font-size="8" fill="#1a1a1a">' + parts.join("") + '</svg></div>');
    relayout(event.popup);
  };
  [{% for layer in this.layers %}{{ layer.get_name() }}, {% endfor %}].forEach(function(layer) {
    layer.on("popupopen", draw);
  });
})();
{% endmacro %}
""")

    def __init__(self, layers: Sequence[MacroElement], charts: dict[str, dict[str, Any]],
                 palette: Mapping[int, Sequence[str]], *, key: str, title: str,
                 link: tuple[str, str] | None = None) -> None:
        super().__init__()
        self._name = "PopupHeat"
        self.layers = list(layers)
        self.years = list(dict.fromkeys(str(y) for c in charts.values() for y in c["cells"]))
        texts: dict[str, int] = {}
        self.charts = {str(code): packed_chart(c, self.years, texts)
                       for code, c in charts.items()}
        self.texts = list(texts)
        self.palette = {int(n): list(colours) for n, colours in palette.items()}
        self.key = key
        self.title = html_text(title)
        self.link = None if link is None else [link[0], html_text(link[1])]

    @property
    def charts_json(self) -> Markup:
        """The packed charts as compact JSON for the page's script."""
        return script_json(self.charts)


def script_json(value: Any) -> Markup:
    """Return ``value`` as compact JSON that is safe inside ``<script>``, as Jinja's ``tojson``.

    ``<``, ``>``, ``&`` and ``'`` are written as unicode escapes; without the spaces of
    ``tojson``, which on a page of 14 000 buurten are hundreds of kilobytes.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("'", "\\u0027")):
        text = text.replace(char, escape)
    return Markup(text)


#: The label of a popup chart as :func:`hotspotkaart.maps.timecharts.area_heat_cells` words it;
#: a label of this shape is rebuilt by the page from the totals and the largest count.
_HEAT_LABEL = re.compile(r"Meldingen per uur en weekdag, (?P<years>.*); hoe donkerder, hoe meer "
                         r"\(tot (?P<top>[^()]*) in een uur\)")


def packed_chart(chart: Mapping[str, Any], years: Sequence[str],
                  texts: dict[str, int]) -> list[Any]:
    """Pack one popup chart as ``[n, cells per year, totals per year, top]`` (see PopupHeat).

    The cells are the digits with each run of hours without a melding as letters (``a`` one
    hour … ``z`` 26); the totals and the largest count are numbers of ``texts``, which lists
    each distinct (escaped) text once. A label the page would not rebuild exactly is kept
    whole.
    """
    def number(text: str) -> int:
        return texts.setdefault(html_text(text), len(texts))

    cells = {str(y): str(v) for y, v in chart["cells"].items()}
    totals = {str(y): str(t) for y, t in chart["totals"].items()}
    label = str(chart["label"])
    match = _HEAT_LABEL.fullmatch(label)
    words = "; ".join(f"{y}: {totals[y]}" for y in years if y in cells)
    top: int | str = number(match["top"]) if match and match["years"] == words \
        else html_text(label)
    return [int(chart["n"]), [_zero_runs(cells[y]) if y in cells else None for y in years],
            [number(totals[y]) if y in cells else None for y in years], top]


def _zero_runs(digits: str) -> str:
    """Write each run of zeros as letters: ``a`` is one zero, ``z`` 26 (longer runs: more)."""
    def letters(run: re.Match[str]) -> str:
        length = len(run.group(0))
        return "z" * (length // 26) + (chr(96 + length % 26) if length % 26 else "")

    return re.sub("0+", letters, digits)
