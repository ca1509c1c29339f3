/* storymap controller: one Leaflet map, many steps.
 *
 * The folium-built document creates the map and every layer once; this controller shows,
 * hides and styles layers per step and flies the view. A step change is a few bytes: an
 * index. Contract (see README): window.storymap = {map, step, steps, goTo(i)} and a
 * `storymap:step` CustomEvent on window with detail.step (0-based) after every change.
 */
(function () {
  "use strict";

  var KEYS = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 };
  var SMALL_MAP = 600;  // px: below this width the legend is compact and the credits fold away
  // An open legend larger than this part of the map's area, or of its height, folds itself.
  var LEGEND_SHARE = 0.2, LEGEND_TALL = 0.5;
  var POINT_R = 5;  // px: the part of a labelled place's point that another label keeps clear of
  var MARGIN = 40;  // px kept clear around every view (room for a point's label; views.FIT_MARGIN)
  var GAP = 8;  // px between a view and what covers the map
  var SUBJECT_GAIN = 1;  // zoom levels a small map may go closer than the author's area to a step's highlights...
  var SUBJECT_SLACK = 0.5;  // ...once it is this far short of the author's zoom (see framing)

  // Whether two boxes ({left, right, top, bottom}) meet, and whether a box meets any of
  // `others`: for placing names.
  function meets(a, b) { return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top; }
  function overlaps(box, others) { return others.some(function (o) { return meets(box, o); }); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function propText(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function fieldTable(feature, fields, labels) {
    var table = el("table", "sm-fields");
    fields.forEach(function (field) {
      var value = feature.properties ? feature.properties[field] : null;
      if (value === null || value === undefined || value === "") return;
      var row = el("tr");
      row.appendChild(el("th", null, labels[field] || field));
      row.appendChild(el("td", null, propText(value)));
      table.appendChild(row);
    });
    return table;
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // Page-level options set before the map script runs (StoryMap.configure), merged over the
  // config the map was built with. E.g. {initial: 2} or {initial: "step-id"} opens a deep link
  // without first showing step 0; {keyboard: false} leaves keys to the page.
  var pageOptions = {};

  function configure(options) {
    Object.keys(options || {}).forEach(function (key) { pageOptions[key] = options[key]; });
    return pageOptions;
  }

  // The offline basemap (config.basemap, from app/basemap.py): land as one filled area without a
  // stroke, borders as separate lines, both in a pane under the story's layers; names in a pane
  // above the land. Each part may carry a zoom band (min_zoom/max_zoom) and is shown only inside
  // it; the mapview sends scales that never overlap, so land is shown at every zoom.
  var LABEL_FONT = { ocean: 15, country: 13, sea: 12, capital: 12, city: 11 };

  // The reader's colour scheme (prefers-color-scheme), which may change while the page is open.
  var schemeQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function darkScheme() { return !!(schemeQuery && schemeQuery.matches); }
  function onSchemeChange(handler) {  // returns what stops listening
    if (!schemeQuery || !schemeQuery.addEventListener) return function () {};
    schemeQuery.addEventListener("change", handler);
    return function () { schemeQuery.removeEventListener("change", handler); };
  }

  // Land and borders arrive as encoded lines (app/basemap.py, encode_collection): per ring or
  // line (separated by spaces), a precision digit, then zig-zag varints of its [lon, lat] deltas,
  // five bits and a "more follows" bit a base64url character. Decoded here straight to Leaflet's LatLngs (no
  // GeoJSON in between: fewer objects for a phone to make and collect before the first map).
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = {};
  for (var a = 0; a < ALPHABET.length; a++) VALUE[ALPHABET.charCodeAt(a)] = a;

  function decodeLine(text) {
    var scale = Math.pow(10, text.charCodeAt(0) - 48);
    var latlngs = [], x = 0, y = 0, value = 0, shift = 1, odd = false;
    for (var i = 1; i < text.length; i++) {
      var bits = VALUE[text.charCodeAt(i)];
      value += (bits & 31) * shift;
      shift *= 32;
      if (bits < 32) {
        var delta = value % 2 ? -(value + 1) / 2 : value / 2;
        if (odd) { y += delta; latlngs.push(new L.LatLng(y / scale, x / scale)); } else x += delta;
        odd = !odd;
        value = 0;
        shift = 1;
      }
    }
    return latlngs;
  }

  // Land and borders are drawn one shape per cell of CELL degrees (by where each polygon or line
  // starts): Leaflet then skips the cells out of view with one bounds test, instead of clipping
  // every ring of the world at each move.
  var CELL = 30;
  var NEAR = 0.5;  // a shape is on the map when it reaches within half the view's size of it
  function byCell(items, first) {
    var cells = {}, order = [];
    items.forEach(function (item) {
      var p = first(item);
      var key = Math.floor(p.lng / CELL) + ":" + Math.floor(p.lat / CELL);
      if (!cells[key]) { cells[key] = []; order.push(key); }
      cells[key].push(item);
    });
    return order.map(function (key) { return cells[key]; });
  }

  // Adds land (polygons of many parts) or borders (polylines of many lines) to `group`; a plain
  // GeoJSON collection is drawn as it is.
  function addBasemapData(group, data, options) {
    if (!data) return;
    if (data.type !== "EncodedLines") {
      L.geoJSON(data, options).eachLayer(function (layer) { group.addLayer(layer); });
      return;
    }
    var lines = data.lines ? data.lines.split(" ").map(decodeLine) : [];
    if (!lines.length) return;
    if (data.geometry !== "MultiPolygon") {
      byCell(lines, function (line) { return line[0]; }).forEach(function (cell) { group.addLayer(L.polyline(cell, options)); });
      return;
    }
    var polygons = [], start = 0;
    data.parts.forEach(function (count) { polygons.push(lines.slice(start, start + count)); start += count; });
    byCell(polygons, function (rings) { return rings[0][0]; }).forEach(function (cell) { group.addLayer(L.polygon(cell, options)); });
  }

  function basemapLayers(map, base) {
    if (!base) return null;
    (map.getPane("smBase") || map.createPane("smBase")).style.zIndex = 250;
    var labelPane = map.getPane("smBaseLabels") || map.createPane("smBaseLabels");
    labelPane.style.zIndex = 390;
    labelPane.style.pointerEvents = "none";
    labelPane.classList.add("leaflet-zoom-hide");
    var landOptions = L.extend({ pane: "smBase", interactive: false }, base.land_style);
    var borderOptions = L.extend({ pane: "smBase", interactive: false }, base.border_style);
    var parts = [
      { layer: L.featureGroup(), band: base.land_band || {} },
      { layer: L.featureGroup(), band: base.border_band || { min_zoom: 2 } },
    ];
    addBasemapData(parts[0].layer, base.land, landOptions);
    addBasemapData(parts[1].layer, base.borders, borderOptions);
    if (map.attributionControl && base.attribution) map.attributionControl.addAttribution(base.attribution);
    // A name from the config: [text, lat, lon, kind, min_zoom]; its element is made when it may show.
    function toLabel(row) {
      return { node: null, text: row[0], latlng: L.latLng(row[1], row[2]), kind: row[3], minZoom: row[4], size: null, shown: false };
    }
    var labels = (base.labels || []).map(toLabel);
    // A name's element is made the first time it may show: most names never do at a story's views.
    function labelNode(label) {
      if (!label.node) {
        label.node = el("div", "sm-base-label sm-base-" + label.kind, label.text);
        label.node.setAttribute("data-kind", label.kind);
        labelPane.appendChild(label.node);
      }
      return label.node;
    }

    function inBand(band, zoom) {
      return zoom >= (band.min_zoom === undefined ? -1 : band.min_zoom) && zoom < (band.max_zoom === undefined ? 99 : band.max_zoom);
    }

    // Each part's group holds all its shapes (one per cell), but only the shapes near the view
    // are on the map: Leaflet projects every point of a shape on the map at each zoom, wherever it
    // lies, so a regional story would otherwise project the world's coastlines to draw its own.
    function showBands(only) {  // every part, or the one given
      var zoom = map.getZoom();
      var near = map.getBounds().pad(NEAR);
      parts.forEach(function (part) {
        if (only && part !== only) return;
        var on = inBand(part.band, zoom);
        part.layer.eachLayer(function (shape) {
          var want = on && near.intersects(shape.getBounds());
          if (want && !map.hasLayer(shape)) map.addLayer(shape);
          if (!want && map.hasLayer(shape)) map.removeLayer(shape);
        });
      });
    }
    function takeOff(part) {
      part.layer.eachLayer(function (shape) { if (map.hasLayer(shape)) map.removeLayer(shape); });
    }

    // Greedy placement, most important first (the config's order): a label is shown when its
    // zoom band has begun, it lies on the map and its box meets no label already placed.
    function placeBaseLabels() {
      var zoom = map.getZoom();
      var size = map.getSize();
      var placed = [];
      // The story's own labels and the map's controls (legend, zoom, credits) come first.
      var c = map.getContainer().getBoundingClientRect();
      map.getContainer().querySelectorAll(".sm-label, .leaflet-control").forEach(function (node) {
        var r = node.getBoundingClientRect();
        if (!r.width || !r.height) return;
        placed.push({ left: r.left - c.left, right: r.right - c.left, top: r.top - c.top, bottom: r.bottom - c.top });
      });
      // A small map is framed at a lower zoom for the same area (app/views.py), so its names
      // start earlier: up to 1.5 zoom levels on a phone; the overlap check keeps them apart.
      var level = zoom + Math.max(0, Math.min(1.5, Math.log2(1280 / Math.max(size.x, 320))));
      // Three passes, so the browser lays the labels out once rather than once per label:
      // style the candidates (writes), measure the new ones (reads), then place (writes).
      var candidates = [];
      labels.forEach(function (label) {
        var p = map.latLngToContainerPoint(label.latlng);
        var show = level >= label.minZoom - 0.01 && p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y;
        if (!show) {
          if (label.shown) label.node.style.display = "none";
          label.shown = false;
          return;
        }
        var font = LABEL_FONT[label.kind] + Math.max(0, Math.min(3, Math.floor(zoom - label.minZoom)));
        if (label.font !== font) {
          labelNode(label).style.fontSize = font + "px";
          label.font = font;
          label.size = null;
        }
        if (!label.size) label.node.style.display = "block";  // to be measured
        candidates.push({ label: label, p: p });
      });
      candidates.forEach(function (c) {
        if (!c.label.size) c.label.size = L.point(c.label.node.offsetWidth, c.label.node.offsetHeight);
      });
      candidates.forEach(function (c) {
        var label = c.label, p = c.p, show = true;
        // Cities read from their dot (at the point); other names are centred on it.
        var anchor = L.point(label.kind === "city" || label.kind === "capital" ? 3 : label.size.x / 2, label.size.y / 2);
        var box = { left: p.x - anchor.x - 2, right: p.x - anchor.x + label.size.x + 2, top: p.y - anchor.y - 1, bottom: p.y - anchor.y + label.size.y + 1 };
        if (box.left < 0 || box.right > size.x || box.top < 0 || box.bottom > size.y) show = false;
        else if (overlaps(box, placed)) show = false;
        if (show) {
          placed.push(box);
          L.DomUtil.setPosition(label.node, map.latLngToLayerPoint(label.latlng).subtract(anchor).round());
        }
        label.shown = show;
        var display = show ? "block" : "none";
        if (label.node.style.display !== display) label.node.style.display = display;
      });
    }

    // Light or dark colours (config from app/basemap.py), following the reader's system live.
    function paint() {
      var palette = darkScheme() && base.dark ? base.dark : base;
      parts[0].layer.setStyle(palette.land_style);
      parts[1].layer.setStyle(palette.border_style);
      if (palette.sea) map.getContainer().style.background = palette.sea;
    }
    var stopPainting = onSchemeChange(paint);
    paint();

    // While a jump is held (hold), the moveend inside it adds no land: the jump's viewreset,
    // which Leaflet fires after moveend, would project and clip all of it a second time. The
    // caller refreshes once the view is final.
    var held = false;
    function refresh() { if (!held) { showBands(); placeBaseLabels(); } }
    function hold(work) {
      held = true;
      try { work(); } finally { held = false; }
    }
    map.on("zoomend moveend resize", refresh);
    // No refresh here: init's first goTo moves the map and refreshes (drawLabels), so the names
    // are measured and placed once, at the first step's view rather than folium's start view.
    // Taken off the map when a new version of the story brings another basemap (author mode).
    function remove() {
      map.off("zoomend moveend resize", refresh);
      stopPainting();
      parts.forEach(takeOff);
      labels.forEach(function (label) { if (label.node) label.node.remove(); });
      if (map.attributionControl && base.attribution) map.attributionControl.removeAttribution(base.attribution);
    }
    // The borders and names a page sends after the map's first frame (StoryMap.later), and the
    // story's whole land where the first view's own land went first (app/basemap.py, first_land),
    // as tasks (see applyLate): each decoded off the map, then drawn near the view; then named.
    function more(late) {
      var land = late.land ? L.featureGroup() : null;
      return [
        function () { if (land) addBasemapData(land, late.land, landOptions); },
        function () { addBasemapData(parts[1].layer, late.borders, borderOptions); },  // on the map only through showBands
        function () {
          if (land) {
            base.land = late.land;  // the config says what is drawn
            takeOff(parts[0]);
            parts[0].layer.clearLayers();
            land.eachLayer(function (shape) { parts[0].layer.addLayer(shape); });
          }
          paint();
          if (!held) showBands(parts[0]);
        },
        function () { if (!held) showBands(parts[1]); },
        function () {
          (late.labels || []).forEach(function (row) { labels.push(toLabel(row)); });
          if (!held) placeBaseLabels();
        },
      ];
    }
    return { parts: parts, labels: labels, refresh: refresh, hold: hold, remove: remove, more: more };
  }

  function init(map, layerVars, config) {
    config = L.extend({}, config, pageOptions);
    var base = basemapLayers(map, config.basemap);
    var steps = config.steps;
    var WORDS = { legend: "Legend", map_credits: "Map credits", map: "Map: {title}", time_scrubber: "Date shown: {layer}", time_back: "Back to the step’s date", time_shown: "{layer}: {date}" };
    var words = L.extend({}, WORDS, config.strings);  // in the story's language
    // What the map shows, in words: read out politely on every step change (screen readers).
    var description = el("p", "sm-map-description");
    description.id = "sm-map-description-" + L.Util.stamp(map);
    description.setAttribute("role", "status");
    description.setAttribute("aria-live", "polite");
    map.getContainer().parentNode.insertBefore(description, map.getContainer().nextSibling);
    var defs = config.layers;
    var layers = {};
    var labelGroup = L.layerGroup().addTo(map);
    var current = -1;
    var visible = {};
    var highlighted = {};
    var overrides = {};  // the current step's style changes, by layer

    function styleFor(id, feature) {
      var def = defs[id];
      var s = L.extend({}, def.style, overrides[id] || {});
      var color = s.color;
      var fill = s.fill_color || s.color;
      if (s.by && s.categories) {
        var cat = s.categories[propText(feature.properties && feature.properties[s.by])];  // lookup only: order is def.legend_entries
        if (cat) { color = cat.color; fill = cat.color; }
      }
      var hl = highlighted[id];
      var fid = feature.properties ? propText(feature.properties[def.id_field]) : "";
      var on = hl && hl[fid];
      var dim = hl && !on;
      var dark = darkScheme();  // outlines that read on the dark basemap
      var style = {
        color: def.kind === "polygon" ? (dark ? "#1c1d1f" : "#ffffff") : color,
        fillColor: fill,
        weight: on ? s.weight + 2 : s.weight,
        opacity: dim ? s.opacity * 0.45 : s.opacity,
        fillOpacity: dim ? s.fill_opacity * 0.45 : on ? Math.min(1, s.fill_opacity + 0.25) : s.fill_opacity,
        dashArray: s.dash || null,
        fill: def.kind !== "line",
      };
      if (def.kind === "point") {
        style.color = on ? (dark ? "#ffffff" : "#000000") : dark ? "#bdbdbd" : "#ffffff";
        style.fillColor = fill;
        style.fillOpacity = dim ? 0.45 : 0.95;
        style.weight = on ? 3 : 1.5;
        style.radius = on ? s.radius * 1.5 : s.radius;
      }
      if (def.kind === "polygon" && on) style.color = dark ? "#f2f2f2" : "#111111";
      return style;
    }

    // Tooltips, popups and clicks of one layer's features, from its definition (again after a
    // reload: the definition or the features may have changed).
    function bindLayer(id) {
      var layer = layers[id];
      var def = defs[id];
      if (!layer.eachLayer || !def || !def.tooltip) return;  // an overlay (tiles or an image): nothing to bind
      layer.eachLayer(function (child) {
        var feature = child.feature;
        if (child._smClick) { child.off("click", child._smClick); child._smClick = null; }
        if (child.getTooltip && child.getTooltip()) child.unbindTooltip();
        if (child.getPopup && child.getPopup()) child.unbindPopup();
        if (def.step_of) {
          // A click on a feature the story highlights goes to the first step that does.
          var target = def.step_of[propText(feature.properties && feature.properties[def.id_field])];
          if (target !== undefined) {
            child._smClick = function () { goTo(target, { source: "click" }); };
            child.on("click", child._smClick);
            if (child.getElement && child.getElement()) child.getElement().style.cursor = "pointer";
          }
        }
        if (def.tooltip.length) {
          child.bindTooltip(function () { return fieldTable(feature, def.tooltip, def.field_labels); }, { sticky: def.kind !== "point", className: "sm-tooltip" });
        }
        if (def.popup.length) {
          child.bindPopup(function () { return fieldTable(feature, def.popup, def.field_labels); }, { className: "sm-popup" });
        }
      });
    }

    Object.keys(layerVars).forEach(function (id) {
      layers[id] = layerVars[id];
      map.removeLayer(layerVars[id]);
      bindLayer(id);
    });

    onSchemeChange(function () { Object.keys(visible).forEach(function (id) { if (visible[id]) restyle(id); }); });

    // Time-aware layers (config.layers[id].time): every snapshot's features are in the document
    // once, each marked with its snapshot's index; a group per snapshot is shown or hidden.
    // Built again after a reload (author mode), when the features may have changed.
    var time = {};
    function bindTime(only) {  // every time-aware layer, or the ids in `only`
      Object.keys(time).forEach(function (id) {
        if (only && only.indexOf(id) < 0) return;
        var t = time[id];
        stopTime(id);
        if (t.fade) t.fade();
        if (t.shown !== null) map.removeLayer(t.groups[t.shown]);
        delete time[id];
      });
      (only || Object.keys(defs)).forEach(function (id) {
        var def = defs[id];
        if (!def || !def.time || !layers[id] || !layers[id].eachLayer) return;
        var groups = def.time.frames.map(function () { return L.featureGroup(); });
        layers[id].eachLayer(function (child) {
          var props = child.feature && child.feature.properties;
          (groups[props ? props._sm_frame : 0] || groups[0]).addLayer(child);
        });
        time[id] = { groups: groups, shown: null, fade: null, timers: [] };
      });
    }
    bindTime();

    function fadeTo(group, value, ms) {
      group.eachLayer(function (child) {
        var node = child.getElement && child.getElement();
        if (!node) return;
        node.style.transition = ms ? "opacity " + ms + "ms linear" : "";
        node.style.opacity = value === null ? "" : String(value);
      });
    }

    function settled(id) {
      var t = time[id];
      var frame = defs[id].time.frames[t.shown];
      map.getContainer().setAttribute("data-time-" + id, String(t.shown));
      if (current >= 0 && steps[current].highlights.some(function (hl) { return hl.layer === id; })) drawLabels(steps[current]);
      window.dispatchEvent(new CustomEvent("storymap:time", { detail: { layer: id, frame: t.shown, label: frame.label, step: current } }));
    }

    // Shows snapshot `index` of a time-aware layer: the old one fades out and the new one in over
    // `seconds` (CSS opacity on each shape, so styles set by the step are untouched); 0 jumps.
    function setFrame(id, index, seconds) {
      var t = time[id];
      if (t.fade) t.fade();
      if (t.shown === index) { settled(id); return; }
      var old = t.shown === null ? null : t.groups[t.shown];
      var next = t.groups[index];
      t.shown = index;
      next.addTo(map);
      restyle(id);
      next.bringToFront();
      if (current >= 0) drawLegend(steps[current]);
      if (scrub.id === id) showScrubValue(id);  // the slider and the legend change together
      if (!old || !(seconds > 0) || reducedMotion()) {
        if (old) map.removeLayer(old);
        settled(id);
        return;
      }
      var ms = Math.round(seconds * 1000);
      fadeTo(next, 0, 0);
      map.getContainer().getBoundingClientRect();  // the start opacity is applied before the fade
      fadeTo(next, 1, ms);
      fadeTo(old, 0, ms);
      var timer = setTimeout(function () { if (t.fade) t.fade(); }, ms);
      t.fade = function () {
        clearTimeout(timer);
        t.fade = null;
        map.removeLayer(old);
        fadeTo(old, null, 0);
        fadeTo(next, null, 0);
        settled(id);
      };
    }

    function stopTime(id) {
      var t = time[id];
      t.timers.forEach(clearTimeout);
      t.timers = [];
    }

    function showTime(step, animate) {
      Object.keys(time).forEach(function (id) {
        stopTime(id);
        var t = time[id];
        if (!visible[id]) {
          if (t.fade) t.fade();
          if (t.shown !== null) map.removeLayer(t.groups[t.shown]);
          t.shown = null;
          return;
        }
        var target = step.frames[id];
        var seq = step.sequence && step.sequence.layer === id ? step.sequence : null;
        if (!seq || !animate) {
          setFrame(id, target, animate ? Math.max(0.4, step.duration) : 0);
          return;
        }
        // A sequence plays its snapshots at its pace, then settles on the step's own date.
        var list = seq.frames.concat([target]);
        var pace = seq.pace * 1000;
        setFrame(id, list[0], t.shown === null ? 0 : seq.pace / 2);
        list.slice(1).forEach(function (frame, i) {
          t.timers.push(setTimeout(function () { setFrame(id, frame, seq.pace / 2); }, (i + 1) * pace));
        });
      });
    }

    function restyle(id) {
      var layer = layers[id];
      if (!layer.eachLayer || !defs[id].style) return;  // overlays keep their own opacity
      layer.eachLayer(function (child) {
        var style = styleFor(id, child.feature);
        if (child.setRadius && style.radius) child.setRadius(style.radius);
        if (child.setStyle) child.setStyle(style);
      });
    }

    // A step whose view runs past 180° (a Pacific crossing) shows its features in the copy of the
    // world it looks at: a marker, or a line or shape by its middle, moves by whole turns to the
    // copy nearest the view's centre (Leaflet draws each only where its coordinates say).
    function nearestWorld(step) {
      var view = step.view.bounds || step.view.area;
      var centre = (view[0][1] + view[1][1]) / 2;
      function turns(lng) { return 360 * Math.round((centre - lng) / 360); }
      function moved(latlngs, by) {
        return latlngs.map(function (ll) { return L.Util.isArray(ll) ? moved(ll, by) : L.latLng(ll.lat, ll.lng + by); });
      }
      step.layers.forEach(function (id) {
        if (!layers[id] || !layers[id].eachLayer) return;
        layers[id].eachLayer(function (child) {
          var by;
          if (child.getLatLng && child.setLatLng) {
            var at = child.getLatLng();
            by = turns(at.lng);
            if (by) child.setLatLng([at.lat, at.lng + by]);
          } else if (child.getBounds && child.setLatLngs) {
            var box = child.getBounds();
            by = turns((box.getWest() + box.getEast()) / 2);
            if (by) child.setLatLngs(moved(child.getLatLngs(), by));
          }
        });
      });
    }

    function drawLabels(step) {
      labelGroup.clearLayers();
      step.highlights.forEach(function (hl) {
        var def = defs[hl.layer];
        if (!def || !def.labels || !layers[hl.layer]) return;
        var wanted = {};
        hl.ids.forEach(function (fid) { wanted[fid] = true; });
        layers[hl.layer].eachLayer(function (child) {
          var props = child.feature && child.feature.properties;
          if (!props || !wanted[propText(props[def.id_field])]) return;
          if (time[hl.layer] && !map.hasLayer(child)) return;  // another snapshot's feature
          var at = child.getLatLng ? child.getLatLng() : child.getBounds().getCenter();
          var tip = L.tooltip({ permanent: true, direction: SIDES[0][0], offset: SIDES[0][1], className: "sm-label", interactive: false })
            .setLatLng(at)
            .setContent(el("span", null, propText(props[def.labels])));
          labelGroup.addLayer(tip);
        });
      });
      // A label with no side clear of the open legend: the legend folds (see padding) and the
      // labels are placed again.
      if (placeLabels() && legendFoldable()) {
        setLegendOpen(false);
        placeLabels();
      }
      if (base) base.refresh();
    }

    // Each label reads beside its point: right, left, above or below, else up or down on
    // either side (two places a few pixels apart). The places are chosen together so that the
    // labels stay on the map, out from under its controls (zoom, legend, credits), and clear of
    // each other and of the other labelled points; when no choice does all that, the least bad
    // one (off the map or under a control costs more than touching another label or point).
    var SIDES = [
      ["right", [10, 0]], ["left", [-10, 0]], ["top", [0, -8]], ["bottom", [0, 8]],
      ["right", [8, -14]], ["right", [8, 14]], ["left", [-8, -14]], ["left", [-8, 14]],
    ];
    var SEARCH_ALL = 5;  // up to this many labels, every combination is weighed; more, one at a time

    // Where a label of size w × h sits for a side, from its point (Leaflet's tooltip rules and
    // the 6 px margin its direction classes add), as a box in page pixels.
    function sideBox(at, w, h, side) {
      var dir = side[0], off = side[1];
      var left = dir === "right" ? 6 : dir === "left" ? -w - 6 : -Math.round(w / 2);
      var top = dir === "top" ? -h - 6 : dir === "bottom" ? 6 : -Math.round(h / 2);
      left += at.x + off[0]; top += at.y + off[1];
      return { left: left, top: top, right: left + w, bottom: top + h };
    }

    function placeLabels() {
      var frame = map.getContainer().getBoundingClientRect();
      var controls = coverings().map(function (r) {  // a label may touch a control's edge
        return { left: frame.left + r.left + 3, right: frame.left + r.right - 3, top: frame.top + r.top + 3, bottom: frame.top + r.bottom - 3, node: r.node };
      });
      var legendRect = controls.filter(function (r) { return r.node === legendBox; });
      // Each label measured once where it is; its box at every side follows from its size.
      var labels = [];
      labelGroup.eachLayer(function (tip) {
        var node = tip.getElement && tip.getElement();
        if (!node) return;
        var p = map.latLngToContainerPoint(tip.getLatLng());
        labels.push({ tip: tip, node: node, at: L.point(frame.left + p.x, frame.top + p.y) });
      });
      labels.forEach(function (label) {
        label.now = label.node.getBoundingClientRect();
        label.w = label.node.offsetWidth;
        label.h = label.node.offsetHeight;
      });
      labels.forEach(function (label) {
        var w = label.w, h = label.h, o = L.point(label.tip.options.offset);
        var was = sideBox(label.at, w, h, [label.tip.options.direction, [o.x, o.y]]);
        var dx = label.now.left - was.left, dy = label.now.top - was.top;  // Leaflet's rounding
        var points = labels.filter(function (other) { return other !== label; }).map(function (other) {
          return { left: other.at.x - POINT_R, right: other.at.x + POINT_R, top: other.at.y - POINT_R, bottom: other.at.y + POINT_R };
        });
        label.boxes = SIDES.map(function (side) {
          var b = sideBox(label.at, w, h, side);
          b = { left: b.left + dx, right: b.right + dx, top: b.top + dy, bottom: b.bottom + dy };
          var inside = b.left >= frame.left && b.right <= frame.right && b.top >= frame.top && b.bottom <= frame.bottom;
          b.cost = (inside ? 0 : 2) + (overlaps(b, controls) ? 2 : 0) + (overlaps(b, points) ? 1 : 0);
          return b;
        });
      });
      // The cost of label k at side c, given the sides chosen for the labels before it.
      var chosen = [];
      function costAt(k, c) {
        var box = labels[k].boxes[c], cost = box.cost;
        for (var j = 0; j < k; j++) if (meets(box, labels[j].boxes[chosen[j]])) cost += 1;
        return cost;
      }
      if (labels.length <= SEARCH_ALL) {
        // Every combination, cheapest first; among equals, the earlier sides (right, then left…).
        var best = Infinity, bestChoice = null;
        (function search(k, cost) {
          if (cost >= best) return;
          if (k === labels.length) { best = cost; bestChoice = chosen.slice(); return; }
          for (var c = 0; c < SIDES.length && best > 0; c++) {
            var extra = costAt(k, c);
            chosen[k] = c;
            search(k + 1, cost + extra);
          }
        })(0, 0);
        chosen = bestChoice;
      } else {
        // One at a time, each clear of those before it.
        labels.forEach(function (label, k) {
          var bestCost = Infinity;
          for (var c = 0; c < SIDES.length && bestCost > 0; c++) {
            var cost = costAt(k, c);
            if (cost < bestCost) { bestCost = cost; chosen[k] = c; }
          }
        });
      }
      var underLegend = false;
      labels.forEach(function (label, k) {
        var side = SIDES[chosen[k]];
        // Leaflet keeps a label by its point as the map moves; only a new side needs an update.
        if (label.tip.options.direction !== side[0] || label.tip.options.offset !== side[1]) setSide(label.tip, side);
        if (overlaps(label.boxes[chosen[k]], legendRect)) underLegend = true;
      });
      return underLegend;
    }

    function setSide(tip, side) {
      tip.options.direction = side[0];
      tip.options.offset = side[1];
      if (tip.isOpen && tip.isOpen()) tip.update();
    }
    map.on("moveend resize", placeLabels);

    // The legend sits where the story says (default top-right, top-left in RTL) and folds away
    // behind a button; it starts folded on narrow maps (phones), and folds itself when it would
    // cover what a step points at (a small embed), until the reader opens or closes it.
    var legendPosition = config.legend_position || (config.dir === "rtl" ? "topleft" : "topright");
    var legend = L.control({ position: legendPosition });
    var legendBox, legendBody, legendToggle, setLegendOpen, legendChosen = false;
    legend.onAdd = function () {
      legendBox = el("div", "sm-legend leaflet-bar");
      legendBox.setAttribute("role", "region");
      legendBox.setAttribute("aria-label", words.legend);
      legendToggle = el("button", "sm-legend-toggle", words.legend);
      legendToggle.type = "button";
      legendBody = el("div", "sm-legend-body");
      legendBody.id = "sm-legend-body-" + L.Util.stamp(legendBox);
      legendToggle.setAttribute("aria-controls", legendBody.id);
      var open = map.getSize().x >= 420;
      function setOpen(value) {
        open = value;
        legendToggle.setAttribute("aria-expanded", String(open));
        legendBody.hidden = !open;
        legendBox.classList.toggle("sm-legend-closed", !open);
      }
      legendToggle.addEventListener("click", function () { legendChosen = true; setOpen(!open); });
      setOpen(open);
      setLegendOpen = setOpen;
      legendBox.appendChild(legendToggle);
      legendBox.appendChild(legendBody);
      L.DomEvent.disableClickPropagation(legendBox);
      L.DomEvent.disableScrollPropagation(legendBox);
      return legendBox;
    };
    legend.addTo(map);

    // The time scrubber: a native range input over a layer's snapshots (arrow keys, Home, End)
    // and a button back to the step's date. Its value is read out as the snapshot's label, and
    // the map's live region says what the map now shows.
    var scrub = { id: null };
    // In a corner of its own (not the legend's, the zoom buttons' or the credits'): a thin strip
    // along the top edge costs the view little.
    var scrubCorners = (config.dir === "rtl" ? ["topright", "bottomright"] : ["topright", "bottomleft"]).filter(function (c) { return c !== legendPosition; });
    var scrubber = L.control({ position: scrubCorners[0] });
    scrubber.onAdd = function () {
      var box = el("div", "sm-scrubber leaflet-bar");
      box.setAttribute("role", "group");
      scrub.label = el("label", "sm-scrubber-label");
      scrub.input = el("input", "sm-scrubber-input");
      scrub.input.type = "range";
      scrub.input.min = "0";
      scrub.input.step = "1";
      scrub.input.id = "sm-scrubber-" + L.Util.stamp(box);
      scrub.label.htmlFor = scrub.input.id;
      scrub.value = el("output", "sm-scrubber-value");
      scrub.value.setAttribute("for", scrub.input.id);
      scrub.back = el("button", "sm-scrubber-back", "↺");
      scrub.back.type = "button";
      scrub.back.setAttribute("aria-label", words.time_back);
      scrub.back.title = words.time_back;
      scrub.input.addEventListener("input", function () { scrubTo(Number(scrub.input.value), true); });
      scrub.back.addEventListener("click", function () {
        scrubTo(steps[current].frames[scrub.id], false);
        description.textContent = steps[current].description || "";
      });
      box.appendChild(scrub.label);
      box.appendChild(scrub.input);
      box.appendChild(scrub.value);
      box.appendChild(scrub.back);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      scrub.box = box;
      return box;
    };
    scrubber.addTo(map);

    function scrubTo(index, announce) {
      var id = scrub.id;
      if (id === null || !time[id]) return;
      stopTime(id);
      setFrame(id, index, 0.3);
      showScrubValue(id);
      if (announce) {
        description.textContent = words.time_shown.replace("{layer}", defs[id].label).replace("{date}", defs[id].time.frames[index].label);
      }
    }

    function showScrubValue(id) {
      var index = time[id].shown === null ? steps[current].frames[id] : time[id].shown;
      var label = defs[id].time.frames[index].label;
      scrub.input.value = String(index);
      scrub.input.setAttribute("aria-valuetext", label);
      scrub.value.textContent = label;
      scrub.back.disabled = index === steps[current].frames[id];
    }

    function drawScrubber(step) {
      var id = null;
      step.layers.forEach(function (lid) { if (id === null && defs[lid] && defs[lid].time && defs[lid].time.scrubber && time[lid]) id = lid; });
      scrub.id = id;
      scrub.box.style.display = id === null ? "none" : "";
      if (id === null) return;
      scrub.label.textContent = words.time_scrubber.replace("{layer}", defs[id].label);
      scrub.input.max = String(defs[id].time.frames.length - 1);
      showScrubValue(id);
    }
    window.addEventListener("storymap:time", function (event) {
      if (scrub.id === event.detail.layer) showScrubValue(scrub.id);
    });

    // Small maps (phones, small embeds): a compact legend, and the credits line folded behind
    // an ⓘ button so that it never wraps over the map.
    var creditsOpen = false;
    var creditsButton = el("button", "sm-credits-toggle", "i");
    creditsButton.type = "button";
    creditsButton.setAttribute("aria-label", words.map_credits);
    creditsButton.addEventListener("click", function () { setCredits(!creditsOpen); });
    var creditsControl = L.control({ position: config.dir === "rtl" ? "bottomleft" : "bottomright" });
    creditsControl.onAdd = function () {
      var box = el("div", "sm-credits-control");
      box.appendChild(creditsButton);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    if (map.attributionControl) creditsControl.addTo(map);
    function setCredits(open) {
      creditsOpen = open;
      creditsButton.setAttribute("aria-expanded", String(open));
      map.getContainer().classList.toggle("sm-credits-open", open);
    }
    function fitToSize() {
      var small = map.getSize().x < SMALL_MAP;
      map.getContainer().classList.toggle("sm-small-map", small);
      if (legendBox) {
        legendBox.classList.toggle("sm-legend-compact", small);
        legendBox.style.maxHeight = small ? Math.round(map.getSize().y * 0.6) + "px" : "";
      }
    }
    setCredits(false);
    fitToSize();
    map.on("resize", fitToSize);

    function drawLegend(step) {
      legendBody.textContent = "";
      var shown = 0;
      step.layers.forEach(function (id) {
        var def = defs[id];
        if (!def || !def.legend) return;
        shown += 1;
        var block = el("div", "sm-legend-layer");
        var title = el("div", "sm-legend-title", def.label);
        var entries = def.legend_entries;
        if (def.time) {
          // A time-aware layer says which date it shows, and lists that snapshot's categories.
          var shownFrame = time[id] && time[id].shown !== null ? time[id].shown : step.frames[id];
          var frame = def.time.frames[shownFrame];
          if (frame) {
            title.appendChild(document.createTextNode(" — "));
            title.appendChild(el("span", "sm-legend-date", frame.label));
            entries = frame.legend_entries;
          }
        }
        // A layer of one colour is one row, its swatch beside its name; a layer of several, its
        // name and then a row per category.
        var single = entries.length === 1 && !entries[0].label;
        if (!single) block.appendChild(title);
        entries.forEach(function (entry) {
          var row = el("div", "sm-legend-row");
          // The swatch draws like the layer: a point, a line (solid or dashed) or an area.
          var swatch = el("span", "sm-swatch sm-swatch-" + def.kind + (def.style.dash ? " sm-swatch-dashed" : ""));
          swatch.style.background = def.kind === "line" ? "transparent" : entry.color;
          swatch.style.borderColor = entry.color;
          row.appendChild(swatch);
          if (single) row.appendChild(title);
          else if (entry.label) row.appendChild(el("span", null, entry.label));
          block.appendChild(row);
        });
        legendBody.appendChild(block);
      });
      legendBox.style.display = shown ? "" : "none";
    }

    // What covers the map (legend, zoom buttons, credits), as rectangles in map pixels.
    function coverings() {
      var box = map.getContainer().getBoundingClientRect();
      var nodes = map.getContainer().querySelectorAll(".leaflet-control");
      var rects = [];
      Array.prototype.forEach.call(nodes, function (node) {
        if (node.offsetWidth === 0 || node.offsetHeight === 0) return;  // hidden (display: none)
        var r = node.getBoundingClientRect();
        rects.push({ left: r.left - box.left, top: r.top - box.top, right: r.right - box.left, bottom: r.bottom - box.top, node: node });
      });
      return rects;
    }

    // Padding that keeps `bounds` clear of everything covering the map: for each covering, pad
    // its side or its edge, whichever costs less zoom (Leaflet's getBoundsZoom decides).
    function clearPadding(bounds) {
      var size = map.getSize(), covered = [];
      var pad = { left: MARGIN, top: MARGIN, right: MARGIN, bottom: MARGIN };
      // A padding that leaves too little map (a wide legend on a narrow map) is no option:
      // Leaflet's zoom for a negative size is NaN, and the map would jump to its max zoom.
      function zoomWith(p) {
        var free = L.point(size.x - p.left - p.right, size.y - p.top - p.bottom);
        if (free.x < Math.min(160, size.x / 3) || free.y < Math.min(120, size.y / 3)) return -Infinity;
        return map.getBoundsZoom(bounds, false, L.point(p.left + p.right, p.top + p.bottom));
      }
      coverings().forEach(function (r) {
        var sideways = L.extend({}, pad), upright = L.extend({}, pad);
        if (r.left + r.right < size.x) sideways.left = Math.max(pad.left, r.right + GAP);
        else sideways.right = Math.max(pad.right, size.x - r.left + GAP);
        if (r.top + r.bottom < size.y) upright.top = Math.max(pad.top, r.bottom + GAP);
        else upright.bottom = Math.max(pad.bottom, size.y - r.top + GAP);
        var side = zoomWith(sideways), up = zoomWith(upright);
        if (side === -Infinity && up === -Infinity) { covered.push(r.node); return; }  // keep clear of the others only
        pad = side >= up ? sideways : upright;
      });
      return { paddingTopLeft: [pad.left, pad.top], paddingBottomRight: [pad.right, pad.bottom], covered: covered };
    }

    // The padding for `bounds`. An open legend folds first if it cannot be kept clear of or
    // is too large for the map (a small embed's short map), unless the reader opened or closed it.
    function legendFoldable() { return !legendChosen && !!legendBox && !legendBody.hidden; }
    function legendTooBig() {
      var size = map.getSize(), w = legendBox.offsetWidth, h = legendBox.offsetHeight;
      return w * h > LEGEND_SHARE * size.x * size.y || h > LEGEND_TALL * size.y;
    }
    function padding(bounds) {
      var pad = clearPadding(bounds);
      if (legendFoldable() && (legendTooBig() || pad.covered.indexOf(legendBox) >= 0)) {
        setLegendOpen(false);
        pad = clearPadding(bounds);
      }
      delete pad.covered;
      return pad;
    }

    // Every view is an area: a fit's bounds, or the area the author's center + zoom shows on
    // the reference map. Each screen fits that area into the part of the map nothing covers,
    // never closer than the author's zoom, so the subject is in sight on any screen size.
    //
    // A map too small for the author's area at the author's zoom (a phone, a small embed) would
    // show the whole area from further out, the step's highlighted places crowded together and
    // their names over each other. There the view zooms in on them (`subject`, their bounds):
    // up to SUBJECT_GAIN zoom levels closer than the area's fit, and one level for every level the
    // map is short of the author's zoom beyond SUBJECT_SLACK, never closer than the author's
    // zoom, and as near the area's middle as keeps them all in view. Author mode keeps the area
    // (Copy this view solves for it).
    function framing(view) {
      var bounds = L.latLngBounds(view.bounds || view.area);
      var pad = padding(bounds), maxZoom = view.bounds ? view.max_zoom || 10 : view.zoom;
      var closer = view.subject && !config.author ? subjectFraming(bounds, L.latLngBounds(view.subject), pad, maxZoom) : null;
      return closer || { bounds: bounds, options: L.extend(pad, { maxZoom: maxZoom }) };
    }

    function subjectFraming(area, subject, pad, maxZoom) {
      var tl = L.point(pad.paddingTopLeft), br = L.point(pad.paddingBottomRight);
      var free = map.getSize().subtract(tl).subtract(br);
      var areaZoom = map.getBoundsZoom(area, false, tl.add(br));
      var gain = Math.min(SUBJECT_GAIN, maxZoom - areaZoom - SUBJECT_SLACK);
      var zoom = Math.min(maxZoom, areaZoom + gain, map.getBoundsZoom(subject, false, tl.add(br)));
      if (!(zoom > areaZoom + 0.01)) return null;
      // In pixels at that zoom: the free part of the map, centred on the area's middle, moved
      // just enough to take in the subject.
      var a = L.bounds(map.project(area.getSouthWest(), zoom), map.project(area.getNorthEast(), zoom));
      var s = L.bounds(map.project(subject.getSouthWest(), zoom), map.project(subject.getNorthEast(), zoom));
      function clamp(middle, low, high, half) { return Math.min(Math.max(middle, high - half), low + half); }
      var mid = a.getCenter();
      var c = L.point(clamp(mid.x, s.min.x, s.max.x, free.x / 2), clamp(mid.y, s.min.y, s.max.y, free.y / 2));
      var half = free.divideBy(2);
      var shown = L.latLngBounds(map.unproject(c.subtract(half), zoom), map.unproject(c.add(half), zoom));
      return { bounds: shown, options: L.extend(pad, { maxZoom: zoom }) };
    }

    function move(step, animate) {
      var seconds = animate ? step.duration : 0;
      var frame = framing(step.view), bounds = frame.bounds, opts = frame.options;
      // flyToBounds and fitBounds stop a running flight themselves; an explicit map.stop() would
      // fire viewreset (zoomSnap 0) and redraw every layer before the move starts.
      if (seconds > 0) map.flyToBounds(bounds, L.extend({ duration: seconds }, opts));
      else map.fitBounds(bounds, L.extend({ animate: false }, opts));
    }

    // The step's layers above the others, in the step's order (a time-aware layer: its snapshot shown).
    function bringToFront(step) {
      step.layers.forEach(function (id) {
        var shown = time[id] && time[id].shown !== null ? time[id].groups[time[id].shown] : time[id] ? null : layers[id];
        if (shown && shown.bringToFront) shown.bringToFront();
      });
    }

    function goTo(index, options) {
      options = options || {};
      if (typeof index === "string" && config.ids.indexOf(index) >= 0) index = config.ids.indexOf(index);
      index = Number(index);
      if (!isFinite(index)) return current;
      index = Math.max(0, Math.min(steps.length - 1, Math.round(index)));
      if (index === current && !options.force) return current;
      var step = steps[index];
      var animate = options.animate !== false && current !== -1 && !reducedMotion();
      current = index;
      highlighted = {};
      step.highlights.forEach(function (hl) {
        var set = highlighted[hl.layer] || (highlighted[hl.layer] = {});
        hl.ids.forEach(function (fid) { set[fid] = true; });
      });
      overrides = step.style || {};
      var want = {};
      step.layers.forEach(function (id) { want[id] = true; });
      Object.keys(layers).forEach(function (id) {
        if (time[id]) { visible[id] = !!want[id]; if (want[id]) restyle(id); return; }
        if (want[id] && !visible[id]) { layers[id].addTo(map); visible[id] = true; }
        if (!want[id] && visible[id]) { map.removeLayer(layers[id]); visible[id] = false; }
        if (want[id]) restyle(id);
      });
      showTime(step, animate);
      bringToFront(step);
      drawScrubber(step);
      // The legend and the scrubber are drawn first: the view is framed clear of them.
      drawLegend(step);
      // A jump adds the land it needs once it has landed (see basemapLayers' hold).
      if (base && !animate) base.hold(function () { move(step, false); });
      else move(step, animate);
      nearestWorld(step);
      drawLabels(step);
      description.textContent = step.description || "";
      map.getContainer().setAttribute("data-step", String(index));
      window.dispatchEvent(new CustomEvent("storymap:step", { detail: { step: index, id: step.id, title: step.title, source: options.source || "api" } }));
      return index;
    }

    function onKey(event) {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
      // With the map focused, the arrow keys pan it (Leaflet); Page Up/Down, Home and End still
      // move between steps, and Tab leaves the map as from any other control.
      if (/^Arrow/.test(event.key) && map.getContainer().contains(event.target)) return;
      var delta = KEYS[event.key];
      var target = null;
      if (delta) target = current + delta;
      else if (event.key === "Home") target = 0;
      else if (event.key === "End") target = steps.length - 1;
      if (target === null) return;
      event.preventDefault();
      goTo(target, { source: "key" });
    }
    if (config.keyboard !== false) document.addEventListener("keydown", onKey);

    // The rest of the map's data (StoryMap.later): the basemap's borders and names, and the
    // features of the layers the first step does not show (their layers exist, empty, from the
    // start). Added where they belong; the step on the map is drawn again without moving it.
    var loaded = false;
    // The work as tasks (see applyLate): the layers, with the step on the map drawn again with
    // them; the basemap's; then the map says it is whole.
    function more(late) {
      var tasks = [function () {
        var ids = Object.keys(late.layers || {}).filter(function (id) { return layers[id] && layers[id].addData; });
        ids.forEach(function (id) {
          layers[id].addData(late.layers[id]);
          bindLayer(id);
        });
        var timed = ids.filter(function (id) { return defs[id] && defs[id].time; });
        if (timed.length) bindTime(timed);
        if (current >= 0 && ids.length) {
          var step = steps[current];
          ids.forEach(function (id) { if (visible[id] && !time[id]) restyle(id); });
          if (timed.length) showTime(step, false);
          bringToFront(step);
          nearestWorld(step);
          drawLabels(step);
        }
      }];
      if (base && late.basemap) tasks = tasks.concat(base.more(late.basemap));
      tasks.push(function () {
        loaded = true;
        window.dispatchEvent(new CustomEvent("storymap:loaded", { detail: { step: current } }));
      });
      return tasks;
    }

    // A new version of the story on the same map (author mode): `next` is the config a fresh
    // document would start with (app/mapview.py controller_config), `data` the GeoJSON of each
    // layer whose data changed (by id; layers not named keep theirs). Layers the new version
    // drops leave the map, new ones are made here; then the step is shown again, at once.
    function reload(next, data, options) {
      options = options || {};
      flushLate();  // the first version's late data goes in first
      data = data || {};
      var oldBase = config.basemap || null;
      // A version with the same views leaves the basemap out: the map keeps the one it has.
      config = L.extend({ basemap: oldBase }, next, pageOptions);
      steps = config.steps;
      defs = config.layers;
      words = L.extend({}, WORDS, config.strings);
      Object.keys(layers).forEach(function (id) {
        if (defs[id]) return;
        if (visible[id]) map.removeLayer(layers[id]);
        delete layers[id];
        delete visible[id];
      });
      Object.keys(data).forEach(function (id) {
        var def = defs[id];
        if (!def || !data[id]) return;
        var layer = layers[id];
        if (!layer) {
          // A layer new in this version (its credit line, if any, shows from the next page view).
          layer = L.geoJSON(null, {
            pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: def.style.radius }); },
          });
          layers[id] = layer;
          visible[id] = false;
        } else if (layer.clearLayers) {
          layer.clearLayers();
        }
        if (layer.addData) layer.addData(data[id]);
      });
      Object.keys(layers).forEach(bindLayer);
      bindTime();
      if ((config.basemap || null) !== oldBase) {
        if (base) base.remove();
        base = basemapLayers(map, config.basemap);
        api.basemap = base;
      }
      map.getContainer().setAttribute("aria-label", words.map.replace("{title}", config.title || ""));
      var target = typeof options.step === "number" ? options.step : current;
      goTo(Math.max(0, Math.min(steps.length - 1, target)), { animate: false, force: true, source: "reload" });
      window.dispatchEvent(new CustomEvent("storymap:reload", { detail: { step: current, steps: steps.length } }));
      return current;
    }

    var api = {
      map: map,
      layers: layers,
      basemap: base,
      reload: reload,
      goTo: function (i, options) { return goTo(i, options); },
      next: function () { return goTo(current + 1, { source: "button" }); },
      prev: function () { return goTo(current - 1, { source: "button" }); },
      framing: framing,  // for author.js
      coverings: coverings,
      visibleLayers: function () { return Object.keys(visible).filter(function (id) { return visible[id]; }); },
      // Time-aware layer id → the index of the snapshot on the map (null when hidden).
      snapshots: function () { var out = {}; Object.keys(time).forEach(function (id) { out[id] = time[id].shown; }); return out; },
      handleKey: onKey,
      destroy: function () { document.removeEventListener("keydown", onKey); },
    };
    Object.defineProperty(api, "step", { get: function () { return current; }, enumerable: true });
    Object.defineProperty(api, "steps", { get: function () { return steps.length; }, enumerable: true });
    // True once the whole map is there: the late data (StoryMap.later) added, or none to wait for.
    Object.defineProperty(api, "loaded", { get: function () { return loaded || !lateExpected; }, enumerable: true });
    Object.defineProperty(api, "ids", { get: function () { return config.ids.slice(); }, enumerable: true });
    // The steps and layer definitions of the version shown (read-only); config.mode and
    // config.author come from StoryMap.configure (author mode's document sets them).
    Object.defineProperty(api, "config", { get: function () { return config; }, enumerable: true });
    window.storymap = api;
    map.getContainer().setAttribute("aria-label", words.map.replace("{title}", config.title || ""));
    map.getContainer().setAttribute("aria-describedby", description.id);
    goTo(config.initial || 0, { animate: false, force: true, source: "init" });
    window.dispatchEvent(new CustomEvent("storymap:ready", { detail: { steps: steps.length } }));
    lateTarget = more;
    lateExpected = !!config.late;
    if (lateData) scheduleLate();
    return api;
  }

  // A page's late data (app/mapview.py, MapParts.late) comes in a script after the map's. It is
  // added once the map's first frame is on screen: after the next animation frame, or a moment
  // later in a tab that draws no frames (hidden). The work is a few tasks, one per turn of the
  // event loop, so a reader's tap or key in the meantime waits for one of them, not all.
  var lateTarget = null, lateData = null, lateExpected = false, lateTasks = [];
  function later(data) {
    lateData = data;
    if (lateTarget) scheduleLate();
  }
  function applyLate() {
    var data = lateData;
    if (!data || !lateTarget) return;
    lateData = null;
    lateTasks = lateTarget(typeof data === "string" ? JSON.parse(data) : data);  // JSON text, parsed only now
    nextLate();
  }
  function nextLate() {
    var task = lateTasks.shift();
    if (task) task();
    if (lateTasks.length) setTimeout(nextLate, 0);
  }
  function flushLate() {  // all of it, now
    applyLate();
    while (lateTasks.length) lateTasks.shift()();
  }
  function scheduleLate() {
    var run = function () { setTimeout(applyLate, 0); };
    if (window.requestAnimationFrame) window.requestAnimationFrame(run);
    setTimeout(applyLate, 100);
  }

  // Dates in the text (step cards, the story header) are written by the server as
  // <time datetime="YYYY-MM-DD"> with an English or ISO fallback; here they are read in the
  // language of the nearest [lang] element. One implementation for the exported page and the
  // tour (whose page calls it through the map frame).
  var DATE_OPTIONS = { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" };
  function localizeDates(scope) {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var formats = {};
    Array.prototype.forEach.call(scope.querySelectorAll("time[datetime]:not([data-sm-localized])"), function (node) {
      var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(node.getAttribute("datetime"));
      if (!m) return;
      var holder = node.closest("[lang]");
      var lang = (holder && holder.getAttribute("lang")) || "";
      try {
        if (!formats[lang]) {
          formats[lang] = new Intl.DateTimeFormat(lang || undefined, DATE_OPTIONS);
        }
        node.textContent = formats[lang].format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
        node.setAttribute("data-sm-localized", "");
      } catch (e) { /* an unknown language tag keeps the server's text */ }
    });
  }

  // The first date formatter of a browser process loads ICU's data: ~100-200 ms on a phone's
  // main thread (4x CPU slowdown), right after the map appears. A worker makes that first
  // formatter, off the main thread, and the page's own are then quick; without a worker (none,
  // a policy blocks it, or no answer within WARM_WAIT ms) the dates are localized anyway.
  var WARM_WAIT = 3000;
  var warmed = false, waiting = null;  // the scopes to localize once the worker has answered
  function localizeDatesSoon(scope) {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    if (warmed) { localizeDates(scope); return; }
    if (waiting) { if (waiting.indexOf(scope) < 0) waiting.push(scope); return; }  // the tour asks at each change of its page
    waiting = [scope];
    var worker = null, url = null;
    function finish() {
      if (warmed) return;
      warmed = true;
      if (worker) worker.terminate();
      if (url) URL.revokeObjectURL(url);
      var scopes = waiting;
      waiting = null;
      scopes.forEach(localizeDates);
    }
    try {
      var code = "onmessage=function(e){try{new Intl.DateTimeFormat(e.data||undefined," + JSON.stringify(DATE_OPTIONS) +
        ").format(0)}catch(x){}postMessage(0)}";
      url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      worker = new Worker(url);
      worker.onmessage = finish;
      worker.onerror = finish;
      worker.postMessage(document.documentElement.getAttribute("lang") || "");
      setTimeout(finish, WARM_WAIT);
    } catch (e) {
      finish();
    }
  }

  window.StoryMap = { init: init, configure: configure, later: later, localizeDates: localizeDates, localizeDatesSoon: localizeDatesSoon };
})();
