/* hotspotkaart's feature stores and their layers (EUPL-1.2); see maps/featurestore.py */
(function () {
  "use strict";

  var dutch = function (units, decimals) {  // an integer of 10^-decimals as Dutch text
    var sign = units < 0 ? "-" : "", abs = Math.abs(units), text = String(abs);
    while (text.length <= decimals) { text = "0" + text; }
    var whole = decimals ? text.slice(0, text.length - decimals) : text;
    var part = decimals ? "," + text.slice(text.length - decimals) : "";
    return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".") + part;
  };

  var pattern = function (text, numbers) {  // "{0}" … replaced by the Dutch numbers
    return text.replace(/\{(\d+)\}/g, function (_, k) { return numbers[+k]; });
  };

  var steps = function (text) {  // SHAPE_CHARACTERS: 5 bits each, lowest first; 32 up: more
    var out = [], value = 0, factor = 1;
    for (var i = 0; i < text.length; i++) {
      var digit = NUMBER[text[i]];
      value += (digit % 32) * factor;
      if (digit >= 32) { factor *= 32; continue; }
      out.push(value % 2 ? -(value + 1) / 2 : value / 2);  // zigzag: 0, -1, 1, -2 …
      value = 0; factor = 1;
    }
    return out;
  };

  var decode = function (packed, scale) {  // open rings of steps from the vertex before
    var x = 0, y = 0, shapes = [], boxes = [];
    packed.forEach(function (polygons) {
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      var parts = polygons.map(function (rings) {
        return rings.map(function (text) {
          var ring = [], deltas = steps(text);
          for (var i = 0; i < deltas.length; i += 2) {
            x += deltas[i]; y += deltas[i + 1];
            var lon = x / scale, lat = y / scale;
            ring.push([lon, lat]);
            if (lon < box[0]) { box[0] = lon; } if (lon > box[2]) { box[2] = lon; }
            if (lat < box[1]) { box[1] = lat; } if (lat > box[3]) { box[3] = lat; }
          }
          if (ring.length) { ring.push(ring[0].slice()); }  // closed, as GeoJSON has it
          return ring;
        });
      });
      shapes.push(parts.length === 1 ? {type: "Polygon", coordinates: parts[0]}
                                     : {type: "MultiPolygon", coordinates: parts});
      boxes.push(box);
    });
    return {shapes: shapes, boxes: boxes};
  };

  // the characters of a code string, as CODE_CHARACTERS in featurestore.py
  var CODES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%*+,-.:;?^_|~";
  var NUMBER = {};
  for (var k = 0; k < CODES.length; k++) { NUMBER[CODES[k]] = k; }

  var column = function (spec, i, row) {
    if (spec.values) {
      var code = typeof spec.codes === "string" ? NUMBER[spec.codes[i]] : spec.codes[i];
      return spec.values[code];
    }
    if (spec.pattern) {  // a text from numbers: the case chooses the pattern
      var numbers = spec.numbers.map(function (n) {
        var units = row[n[0]];
        return units === null ? "" : dutch(units, n[1]);
      });
      return pattern(spec.pattern[spec.case === undefined ? 0 : row[spec.case]], numbers);
    }
    if (spec.suffix !== undefined) { return row[spec.from] + spec.suffix; }
    return spec.list[i];
  };

  function HkStore(data) {
    this.data = data;
    this.count = data.count;
    this._decoded = null;
    this._rows = null;
  }
  HkStore.prototype.shapes = function () {
    if (!this._decoded) { this._decoded = decode(this.data.shapes, this.data.scale); }
    return this._decoded;
  };
  HkStore.prototype.row = function (i) {  // every property of area i, made when first asked
    if (!this._rows) { this._rows = new Array(this.count); }
    if (!this._rows[i]) {
      var columns = this.data.columns, row = {};
      Object.keys(columns).forEach(function (name) { row[name] = column(columns[name], i, row); });
      this._rows[i] = row;
    }
    return this._rows[i];
  };
  HkStore.prototype.feature = function (i, fields, colour) {  // area i as a GeoJSON feature
    var row = this.row(i), properties = {};
    fields.forEach(function (name) { properties[name] = row[name]; });
    if (colour) { properties._colour = row[colour]; }
    return {type: "Feature", id: String(i), properties: properties,
            geometry: this.shapes().shapes[i]};
  };
  HkStore.prototype.inView = function (map) {  // how many shapes the view shows a part of
    var view = map.getBounds(), boxes = this.shapes().boxes, n = 0;
    var w = view.getWest(), s = view.getSouth(), e = view.getEast(), north = view.getNorth();
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b[0] <= e && b[2] >= w && b[1] <= north && b[3] >= s) { n += 1; }
    }
    return n;
  };
  HkStore.prototype.legible = function (map) { return this.inView(map) <= this.data.legible; };
  HkStore.prototype.near = function (bounds) {  // per area: whether it meets ``bounds``
    var boxes = this.shapes().boxes, out = new Array(boxes.length);
    var w = bounds.getWest(), s = bounds.getSouth(), e = bounds.getEast(), n = bounds.getNorth();
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      out[i] = b[0] <= e && b[2] >= w && b[1] <= n && b[3] >= s;
    }
    return out;
  };

  /* An L.GeoJSON whose features come from a store when first needed, drawn while ``shown(map)``
   * holds: added to the map (and ticked in the layer control) it stays so, but its shapes are
   * on the map only at the views where they can be read. */
  var StoreLayer = L.GeoJSON.extend({
    initialize: function (store, options) {
      var self = this, each = options.onEachFeature;
      options.onEachFeature = function (feature, layer) {  // the layer addData makes
        self._hkMade = layer;
        if (each) { each(feature, layer); }
      };
      L.GeoJSON.prototype.initialize.call(this, null, options);
      this._hkStore = store;
      this._hkFeatures = new Array(store.count);
      this._hkFilled = false;
      this._hkOn = false;
    },
    _hkFeature: function (i) {  // the layer of area i, made when first needed, off the map
      if (!this._hkFeatures[i]) {
        var map = this._map;
        this._map = null;  // made while off the map: the gate adds it
        this.addData(this._hkStore.feature(i, this.options.hkFields, this.options.hkColour));
        this._map = map;
        this._hkFeatures[i] = this._hkMade;
      }
      return this._hkFeatures[i];
    },
    _hkFill: function () {  // every area's layer (the search and the category switch)
      if (this._hkFilled) { return; }
      for (var i = 0; i < this._hkStore.count; i++) { this._hkFeature(i); }
      this._hkFilled = true;
    },
    eachLayer: function (method, context) {  // search and restyling see every feature
      if (!this._hkQuiet) { this._hkFill(); }
      return L.GeoJSON.prototype.eachLayer.call(this, method, context);
    },
    _hkMade: null,
    _hkQuiet: false,
    _hkBuilt: function (call) {  // Leaflet's own walks over the features: only those made
      this._hkQuiet = true;
      try { return call(); } finally { this._hkQuiet = false; }
    },
    openTooltip: function (layer, latlng) {
      var self = this;
      return this._hkBuilt(function () {
        return L.GeoJSON.prototype.openTooltip.call(self, layer, latlng);
      });
    },
    _hkTakeOff: function (map) {
      var self = this;
      this.closeTooltip();
      this._hkBuilt(function () { L.GeoJSON.prototype.onRemove.call(self, map); });
    },
    _addFocusListeners: function () {},  // per feature as the gate adds it (see _hkAdd)
    onAdd: function (map) {
      map.on("zoomend moveend", this._hkGate, this);
      this._hkGate();
    },
    onRemove: function (map) {
      map.off("zoomend moveend", this._hkGate, this);
      if (this._hkOn) { this._hkTakeOff(map); }
      this._hkOn = false;
    },
    _hkAdd: function (map, feature) {
      map.addLayer(feature);
      if (this._tooltip && this._addFocusListenersOnLayer) {  // the tooltip on keyboard focus
        this._addFocusListenersOnLayer(feature);
      }
    },
    _hkGate: function () {
      var map = this._map;
      if (!map) { return; }
      if (!this.options.hkShown(map)) {
        if (this._hkOn) { this._hkTakeOff(map); }
        this._hkOn = false;
        return;
      }
      var store = this._hkStore, features = this._hkFeatures;
      // a store of few areas is drawn whole; of many, the areas in and around the view
      var near = store.count <= store.data.legible ? null : store.near(map.getBounds().pad(0.5));
      this._hkOn = true;
      for (var i = 0; i < store.count; i++) {
        if (near === null || near[i]) {
          var feature = this._hkFeature(i);
          if (!map.hasLayer(feature)) { this._hkAdd(map, feature); }
        } else if (features[i] && map.hasLayer(features[i])) { map.removeLayer(features[i]); }
      }
    },
    isDrawn: function () { return this._hkOn; }
  });

  /* Gate any layer group (a folium GeoJson) so that its features are on the map only while
   * ``shown(map)`` holds; switched on in the layer control, it stays so. */
  L.hkGate = function (layer, shown) {
    var map0 = layer._map, base = Object.getPrototypeOf(layer), on = false;
    if (map0) { map0.removeLayer(layer); }
    var gate = function () {
      var map = layer._map;
      if (!map) { return; }
      var want = shown(map);
      if (want && !on) { on = true; base.onAdd.call(layer, map); }
      else if (!want && on) { on = false; layer.closeTooltip(); base.onRemove.call(layer, map); }
    };
    layer.onAdd = function (map) { map.on("zoomend", gate); gate(); };
    layer.onRemove = function (map) {
      map.off("zoomend", gate);
      if (on) { on = false; base.onRemove.call(layer, map); }
    };
    if (map0) { map0.addLayer(layer); }
    return layer;
  };

  L.hkStore = function (data) { return new HkStore(data); };
  L.hkStoreLayer = function (store, options) { return new StoreLayer(store, options); };
  L.HkStoreLayer = StoreLayer;
  L.hkDutch = dutch;
})();
