"""Where the panels, tooltips and popups of a map go, so that none hides another.

One element, :class:`PanelPlacement`, in folium's plugin shape; every map adds it
(:func:`hotspotkaart.maps.overview.base_map`).
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["PanelPlacement"]


class PanelPlacement(MacroElement):
    """Keep tooltips clear of the panels and the panels clear of each other.

    Leaflet draws tooltips under its controls and opens them to the left or right of the pointer
    by the map's centre alone, so on a laptop a tooltip can open under the right-hand panels and
    on a phone past the screen's edge. Here every tooltip is moved inside the map and takes the
    first side of the pointer (wanted, right, left, top, bottom) where it then covers no panel,
    or else the side where it covers least; a popup that opens under a panel is moved beside it
    by panning the map; on a map narrower than 600 px (a phone, panels on both sides) the panels
    step back while a popup is open and a long popup scrolls. And where the panels of a top
    corner reach down into those of the bottom corner below (a low laptop screen), the legends
    close from the top down when the page opens or the window is resized; if that is not enough
    the legends scroll, then on the left (where the zoom, search and draw buttons are) the top
    corner's sections close, and only then does a top corner scroll. A legend the user opens, or
    one opened by switching its layer on, is never closed again by this.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var tip = L.Tooltip.prototype;
  if (!tip._hkPlaced) {
    tip._hkPlaced = true;
    var place = tip._setPosition;
    var clip = function(r, a) {
      var w = Math.min(r.right, a.right) - Math.max(r.left, a.left);
      var h = Math.min(r.bottom, a.bottom) - Math.max(r.top, a.top);
      return w > 0 && h > 0 ? w * h : 0;
    };
    // move the tooltip inside the map, then return the area of the panels it covers
    var inside = function(el, box) {
      var r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
      var dx = Math.max(b.left - r.left, 0) || Math.min(b.right - r.right, 0);
      var dy = Math.max(b.top - r.top, 0) || Math.min(b.bottom - r.bottom, 0);
      if (dx || dy) { L.DomUtil.setPosition(el, L.DomUtil.getPosition(el).add([dx, dy])); }
      r = el.getBoundingClientRect();
      var cost = 0;
      box.querySelectorAll(".leaflet-control").forEach(function(c) {
        if (c.offsetParent !== null) { cost += clip(r, c.getBoundingClientRect()); }
      });
      return cost;
    };
    tip._setPosition = function(pos) {
      var el = this._container, map = this._map, wanted = this.options.direction;
      if (!el || !map) { return place.call(this, pos); }
      var best = wanted, least = Infinity;
      var sides = [wanted, "right", "left", "top", "bottom"];
      for (var i = 0; i < sides.length; i++) {
        this.options.direction = sides[i];
        place.call(this, pos);
        var cost = inside(el, map.getContainer());
        if (cost < 1) { this.options.direction = wanted; return; }
        if (cost < least) { least = cost; best = sides[i]; }
      }
      this.options.direction = best;
      place.call(this, pos);
      inside(el, map.getContainer());
      this.options.direction = wanted;
    };
  }
  var map = {{ this._parent.get_name() }}, box = map.getContainer();
  var fit = function(closing) {
    ["left", "right"].forEach(function(side) {
      var top = box.querySelector(".leaflet-top.leaflet-" + side);
      var bottom = box.querySelector(".leaflet-bottom.leaflet-" + side);
      if (!top || !bottom) { return; }
      [top, bottom].forEach(function(c) { c.style.maxHeight = ""; c.style.overflowY = ""; });
      var end = box.getBoundingClientRect().bottom;
      var below = function() {  // the top edge of the bottom corner's panels
        var edge = end;
        bottom.querySelectorAll(".leaflet-control").forEach(function(c) {
          edge = Math.min(edge, c.getBoundingClientRect().top);
        });
        return Math.max(edge, bottom.getBoundingClientRect().top);  // scrolled out: not there
      };
      var gap = function() { return below() - top.getBoundingClientRect().bottom - 8; };
      var open = closing ? Array.prototype.slice.call(bottom.querySelectorAll("details[open]"))
                         : [];
      while (open.length && gap() < 0) { open.shift().removeAttribute("open"); }
      var scroll = function(corner, height) {
        corner.style.maxHeight = Math.max(height, 96) + "px"; corner.style.overflowY = "auto";
      };
      if (gap() < 0 && below() < end) {  // legends the user opened scroll first
        scroll(bottom, end - top.getBoundingClientRect().bottom - 8);
        bottom.scrollTop = bottom.scrollHeight;  // the scale bar at the foot stays in view
      }
      if (closing && side === "left") {  // tools there: close the category switch, keep them
        var tools = Array.prototype.slice.call(top.querySelectorAll("details[open]")).reverse();
        while (tools.length && gap() < 0) { tools.shift().removeAttribute("open"); }
      }
      if (gap() < 0) { scroll(top, below() - top.getBoundingClientRect().top - 8); }
    });
  };
  // a popup that opens under a panel: the map moves it beside the panel, after Leaflet's own
  // pan that brings it inside the map; on a phone, where panels line both sides, the panels
  // step back while it is open and a long popup scrolls within the map's height
  map.on("popupopen", function(event) {
    setTimeout(function() {
      var el = event.popup.getElement();
      if (!el || !map.hasLayer(event.popup)) { return; }
      var b = box.getBoundingClientRect();
      if (b.width < 600) {
        L.DomUtil.addClass(box, "hk-popup-front");
        event.popup.options.maxHeight = Math.max(box.clientHeight - 60, 120);
        event.popup._updateLayout(); event.popup._updatePosition(); event.popup._adjustPan();
        return;
      }
      var r = el.getBoundingClientRect();
      var left = 0, right = 0;  // how far the popup must move to the left, to the right
      box.querySelectorAll(".leaflet-control").forEach(function(c) {
        var a = c.getBoundingClientRect();
        if (c.offsetParent === null || a.right <= r.left || a.left >= r.right
            || a.bottom <= r.top || a.top >= r.bottom) { return; }
        if (a.left > (b.left + b.right) / 2) { left = Math.max(left, r.right - a.left + 8); }
        else { right = Math.max(right, a.right - r.left + 8); }
      });
      if (!(left && right) && (left || right)) { map.panBy([left || -right, 0]); }
    }, 350);
  });
  map.on("popupclose", function() { L.DomUtil.removeClass(box, "hk-popup-front"); });
  var later = function(closing) { setTimeout(function() { fit(closing); }, 0); };
  later(true);
  window.addEventListener("resize", function() { later(true); });
  box.addEventListener("toggle", function() { later(false); }, true);
  map.on("overlayadd overlayremove", function() { later(false); });
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "PanelPlacement"
