"""The SVG templates of :mod:`hotspotkaart.maps.charts` (Jinja, autoescaped there).

``macros`` holds the ``<svg>`` wrapper with its ``<title>`` and ``<desc>``, the shortened label
and the hatch of the compare year; ``figure`` wraps the panels in a ``<figure>`` with the
title and the legend; ``bar``, ``line`` and ``heat`` draw one panel of each chart. The globals
they use (font, size and colours) are set on the environment in :mod:`hotspotkaart.maps.charts`.
"""

from __future__ import annotations

__all__ = ["TEMPLATES"]

_MACROS = """
{%- macro svg(p) -%}
<svg class="hk-chart hk-chart-{{ p.kind }}" role="img" aria-labelledby="{{ p.id }}-title \
{{ p.id }}-desc" viewBox="0 0 {{ p.width }} {{ p.height }}" width="100%" \
preserveAspectRatio="xMinYMin meet" style="flex:1 1 340px;min-width:0;max-width:440px;\
height:auto;break-inside:avoid" font-family="{{ font }}" font-size="{{ size }}" \
fill="{{ text }}">
<title id="{{ p.id }}-title">{{ p.title }}</title>
<desc id="{{ p.id }}-desc">{{ p.desc }}</desc>
{{ caller() }}</svg>
{%- endmacro %}
{%- macro label(t) -%}
{{ t.shown }}{% if t.full %}<title>{{ t.full }}</title>{% endif %}
{%- endmacro %}
{%- macro hatch(id) -%}
<pattern id="{{ id }}" patternUnits="userSpaceOnUse" width="6" height="6" \
patternTransform="rotate(45)"><rect width="6" height="6" fill="{{ compare }}"/>\
<rect width="2" height="6" fill="#ffffff"/></pattern>
{%- endmacro %}
"""

_FIGURE = """{% import "macros" as m %}
<figure class="hk-chart-figure hk-chart-figure-{{ kind }}" style="margin:16px 0;\
color:{{ text }};font:14px/1.4 {{ font }}">
<figcaption style="font-weight:600;font-size:15px;margin:0 0 4px">{{ title }}</figcaption>
{% if empty %}
<p class="hk-chart-empty" style="margin:4px 0">{{ empty }}</p>
{% else %}
<div class="hk-chart-legend" style="display:flex;flex-wrap:wrap;gap:2px 16px;margin:0 0 6px">
{% for key in legend %}<span style="display:inline-flex;align-items:center;gap:6px">\
<svg width="30" height="16" viewBox="0 0 30 16" aria-hidden="true" focusable="false">
{%- if key.kind == "bar" %}{% if key.hatch %}<defs>{{ m.hatch(key.hatch) }}</defs>\
<rect x="1" y="2" width="28" height="12" fill="url(#{{ key.hatch }})" stroke="{{ key.colour }}" \
stroke-width="1.5"/>{% else %}<rect x="1" y="2" width="28" height="12" fill="{{ key.colour }}"/>\
{% endif %}
{%- elif key.kind == "line" %}<line x1="1" y1="8" x2="29" y2="8" stroke="{{ key.colour }}" \
stroke-width="2.5"{% if key.dash %} stroke-dasharray="{{ key.dash }}"{% endif %}/>
{%- if key.square %}<rect x="11.5" y="4.5" width="7" height="7" fill="#ffffff" \
stroke="{{ key.colour }}" stroke-width="2"/>{% else %}<circle cx="15" cy="8" r="3.5" \
fill="{{ key.colour }}"/>{% endif %}
{%- else %}<rect x="6" y="1" width="18" height="14" \
fill="{{ key.colour }}" stroke="{{ key.edge }}" stroke-width="{{ key.stroke }}"/>{% endif -%}
</svg>{{ key.text }}</span>
{% endfor %}</div>
<div class="hk-chart-panels" style="display:flex;flex-wrap:wrap;gap:12px 24px;\
align-items:flex-start">
{% for panel in panels %}{{ panel }}
{% endfor %}</div>
{% endif %}
</figure>
"""

_BAR = """{% import "macros" as m %}{% call m.svg(p) %}\
<defs>{{ m.hatch(p.id ~ "-hatch") }}</defs>
{% for g in p.groups %}<text class="hk-label" x="{{ p.x0 }}" y="{{ g.y }}">\
{{ m.label(g.label) }}</text>
<line x1="{{ p.x0 }}" y1="{{ g.axis_top }}" x2="{{ p.x0 }}" y2="{{ g.axis_bottom }}" \
stroke="{{ muted }}"/>
{% for b in g.bars %}<rect class="hk-bar hk-bar-{{ b.role }}" x="{{ p.x0 }}" y="{{ b.y }}" \
width="{{ b.width }}" height="{{ p.bar }}" {% if b.role == "compare" %}\
fill="url(#{{ p.id }}-hatch)" stroke="{{ compare }}" stroke-width="1.5"{% else %}\
fill="{{ base }}"{% endif %}><title>{{ b.tip }}</title></rect>
<text class="hk-value" x="{{ b.text_x }}" y="{{ b.text_y }}" dominant-baseline="central">\
{{ b.text }}</text>
{% endfor %}{% endfor %}{% endcall %}"""

_LINE = """{% import "macros" as m %}{% call m.svg(p) %}\
<text class="hk-panel-title" x="4" y="16" font-weight="600">{{ m.label(p.heading) }}</text>
{% for t in p.ticks %}<line x1="{{ p.x0 }}" y1="{{ t.y }}" x2="{{ p.x1 }}" y2="{{ t.y }}" \
stroke="{{ grid if t.text != '0' else muted }}"/>
<text x="{{ p.tick_x }}" y="{{ t.y }}" text-anchor="end" dominant-baseline="central" \
fill="{{ muted }}">{{ t.text }}</text>
{% endfor %}{% for x, month in p.months %}<line class="hk-tick" x1="{{ x }}" y1="{{ p.tick_top }}" \
x2="{{ x }}" y2="{{ p.tick_bottom }}" stroke="{{ muted }}"/>
{% if month %}<text x="{{ x }}" y="{{ p.label_y }}" text-anchor="middle" fill="{{ muted }}">\
{{ month }}</text>
{% endif %}{% endfor %}{% for s in p.series %}<polyline class="hk-line hk-line-{{ s.role }}" \
points="{{ s.points }}" fill="none" stroke="{{ s.colour }}" stroke-width="2.5" \
stroke-linejoin="round"{% if s.dash %} stroke-dasharray="{{ s.dash }}"{% endif %}/>
{% for x, y, sx, sy, tip in s.marks %}{% if s.role == "compare" %}<rect class="hk-point \
hk-point-compare" x="{{ sx }}" y="{{ sy }}" width="7" height="7" fill="#ffffff" \
stroke="{{ s.colour }}" stroke-width="2"><title>{{ tip }}</title></rect>{% else %}<circle \
class="hk-point hk-point-base" cx="{{ x }}" cy="{{ y }}" r="3.5" fill="{{ s.colour }}">\
<title>{{ tip }}</title></circle>{% endif %}
{% endfor %}{% endfor %}{% endcall %}"""

_HEAT = """{% import "macros" as m %}{% call m.svg(p) %}\
<text class="hk-panel-title" x="4" y="16" font-weight="600">{{ p.heading }}</text>
{% for y, day, full in p.days %}<text x="{{ p.day_x }}" y="{{ y }}" text-anchor="end" \
dominant-baseline="central">{{ day }}<title>{{ full }}</title></text>
{% endfor %}{% for c in p.cells %}<rect class="hk-cell" x="{{ c.x }}" y="{{ c.y }}" \
width="{{ p.cw }}" height="{{ p.ch }}" fill="{{ c.fill }}"{% if c.edge %} stroke="{{ c.edge }}" \
stroke-width="0.75"{% endif %}><title>{{ c.tip }}</title></rect>
{% endfor %}{% for c in p.hot %}<rect class="hk-hot" x="{{ c.x }}" y="{{ c.y }}" \
width="{{ p.cw }}" height="{{ p.ch }}" fill="none" stroke="#000000" stroke-width="2.5"/>
{% endfor %}{% for x, hour in p.hours %}<text x="{{ x }}" y="{{ p.label_y }}" \
text-anchor="middle" fill="{{ muted }}">{{ hour }}</text>
{% endfor %}<text x="{{ p.day_x }}" y="{{ p.label_y }}" text-anchor="end" \
fill="{{ muted }}">uur</text>
{% endcall %}"""

#: The templates by name, for a :class:`jinja2.DictLoader`.
TEMPLATES: dict[str, str] = {"macros": _MACROS, "figure": _FIGURE, "bar": _BAR, "line": _LINE,
                             "heat": _HEAT}
