/* storymap author tools: only in the map document of ?mode=author (app/mapview.py map_document
 * with options {"author": true}); the tour, presentation, embed and export never load this file.
 *
 * - "Copy this view": the map block of the current step, with the view the author panned and
 *   zoomed to, written so that the pasted block shows the same view again. A step's
 *   center + zoom is an area (the one a map of the reference size shows, app/views.py) that
 *   the controller fits into the uncovered part of the map (storymap.js framing); the center
 *   and zoom written here are solved through that same framing, rounded, and the map snaps
 *   to the rounded view so what the author sees is what the block gives.
 * - A click on the map copies [lat, lon]; a click on a feature copies its layer/id (for fit)
 *   and shows a highlight line. These clicks replace popups and link_steps while authoring.
 * - Checks of the current step, as badges on the map: the story's own (no sources, no as-of
 *   date, an image without alt text, from app/author_tools.py) and, live, whether the step's subject
 *   is out of view or under the legend or controls at this size.
 * Author text is only ever written with textContent or into a textarea's value.
 */
(function () {
  "use strict";

  var PLAIN = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
  var RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  // A YAML scalar that reads back as the same text (double quotes are JSON's, which YAML reads).
  function scalar(text) {
    text = String(text);
    return PLAIN.test(text) && !RESERVED.test(text) ? text : JSON.stringify(text);
  }

  function number(value, decimals) {
    return String(Number(value.toFixed(decimals)) || 0);  // no trailing zeros, no "-0"
  }

  function wrapLng(lng) {
    return ((((lng + 180) % 360) + 360) % 360) - 180;
  }

  // Enough decimals for the rounding to move the view by less than a pixel.
  function decimalsFor(zoom) {
    return zoom >= 16 ? 6 : zoom >= 13 ? 5 : 4;
  }

  function start(api, cfg) {
    var map = api.map;
    var words = cfg.strings;
    var reference = L.point(cfg.reference_size[0], cfg.reference_size[1]);

    // The tools sit over the map but outside Leaflet's controls: the framing (which keeps views
    // clear of the legend and controls) must be the readers', not the author's.
    var panel = el("section", "sm-author-panel");
    panel.setAttribute("aria-label", words.tools);
    panel.setAttribute("data-testid", "storymap-author");
    var legendAt = api.config.legend_position || (api.config.dir === "rtl" ? "topleft" : "topright");
    panel.classList.add(/left$/.test(legendAt) ? "sm-author-right" : "sm-author-left");  // clear of the legend
    var bar = el("div", "sm-author-bar");
    var copyButton = el("button", "sm-author-copy", words.copy_view);
    copyButton.type = "button";
    var more = el("button", "sm-author-more", words.tools);
    more.type = "button";
    var body = el("div", "sm-author-body");
    body.id = "sm-author-body";
    more.setAttribute("aria-controls", body.id);
    bar.append(copyButton, more);
    var help = el("p", "sm-author-help", words.copy_view_help);
    var label = el("label", "sm-author-label");
    var labelText = el("span");
    var output = el("textarea", "sm-author-output");
    output.readOnly = true;
    output.rows = 6;
    output.spellcheck = false;
    label.append(labelText, output);
    body.append(help, label);
    var toast = el("p", "sm-author-toast");
    toast.setAttribute("role", "status");
    toast.setAttribute("aria-live", "polite");
    panel.append(toast, bar, body);
    function setOpen(open) {
      more.setAttribute("aria-expanded", String(open));
      body.hidden = !open;
    }
    more.addEventListener("click", function () { setOpen(body.hidden); });
    setOpen(map.getSize().x >= 700 && map.getSize().y >= 600);  // folded on small maps
    var checks = el("section", "sm-author-checks");
    var checksTitle = el("h2", "sm-author-checks-title");
    checksTitle.id = "sm-author-checks-title";
    checks.setAttribute("aria-labelledby", checksTitle.id);
    var badges = el("ul", "sm-author-badges");
    checks.append(checksTitle, badges);
    document.body.append(checks, panel);

    var toastTimer = null;
    function say(text) {
      toast.textContent = text;
      toast.classList.add("sm-author-toast-on");
      clearTimeout(toastTimer);
      toastTimer = setTimeout(function () { toast.classList.remove("sm-author-toast-on"); }, 4000);
    }

    function copy(text, shown, what) {
      output.value = shown;
      function done() { say(fill(words.copied, { what: what })); }
      function fallback() {
        setOpen(true);
        output.value = text;
        output.focus();
        output.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        output.value = shown;
        if (ok) done(); else say(words.copy_failed);
      }
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    }

    // The area a center + zoom means (app/views.py view_bounds): the reference map's pixels
    // around the center, stopped at Mercator's top and bottom.
    function areaOf(center, zoom) {
      var p = map.project(center, zoom);
      var world = 256 * Math.pow(2, zoom);
      var half = reference.divideBy(2);
      var sw = map.unproject(L.point(p.x - half.x, Math.min(world, p.y + half.y)), zoom);
      var ne = map.unproject(L.point(p.x + half.x, Math.max(0, p.y - half.y)), zoom);
      return [[sw.lat, sw.lng], [ne.lat, ne.lng]];
    }

    // Where the controller would put the map for a step written with this center and zoom.
    function shownFor(center, zoom) {
      var frame = api.framing({ center: [center.lat, center.lng], zoom: zoom, area: areaOf(center, zoom) });
      return map._getBoundsCenterZoom(frame.bounds, frame.options);  // what fitBounds and flyToBounds use
    }

    // The center and zoom whose framing is the live view: a few corrections converge, since
    // the framing moves a view by a fixed offset and zooms it by a fixed step at one map size.
    // With ``fixedZoom`` (the rounded zoom) only the center is solved: the middle of the map stays.
    function solve(fixedZoom) {
      var liveCenter = map.getCenter(), liveZoom = map.getZoom();
      var goal = map.project(liveCenter, liveZoom);
      var center = liveCenter, zoom = fixedZoom === undefined ? liveZoom : fixedZoom;
      for (var i = 0; i < 12; i++) {
        var shown = shownFor(center, zoom);
        var shift = goal.subtract(map.project(shown.center, liveZoom));
        var dz = fixedZoom === undefined ? liveZoom - shown.zoom : 0;
        if (Math.abs(dz) < 1e-6 && Math.abs(shift.x) < 0.01 && Math.abs(shift.y) < 0.01) break;
        center = map.unproject(map.project(center, liveZoom).add(shift), liveZoom);
        zoom += dz;
      }
      return { center: center, zoom: zoom };
    }

    function copyView() {
      var index = api.step;
      var zoom = Math.max(0, Math.min(22, Math.round(solve().zoom * 10) / 10));
      var solved = solve(zoom);
      var decimals = decimalsFor(zoom);
      var lat = Math.max(-85, Math.min(85, Number(solved.center.lat.toFixed(decimals))));
      var lng = Number(solved.center.lng.toFixed(decimals));
      // Snap to the rounded view (in the world copy the map is looking at).
      var snapped = shownFor(L.latLng(lat, lng), zoom);
      map.setView(snapped.center, snapped.zoom, { animate: false });
      var center = "[" + number(lat, decimals) + ", " + number(wrapLng(lng), decimals) + "]";
      var yaml = "center: " + center + "\nzoom: " + number(zoom, 2) + "\n" + cfg.steps[index].block;
      labelText.textContent = fill(words.output, { n: index + 1 });
      copy(yaml, yaml, fill(words.copied_view, { n: index + 1, center: center, zoom: number(zoom, 2) }));
    }
    copyButton.addEventListener("click", copyView);

    map.on("click", function (event) {
      var decimals = decimalsFor(map.getZoom());
      var point = "[" + number(event.latlng.lat, decimals) + ", " + number(wrapLng(event.latlng.lng), decimals) + "]";
      labelText.textContent = words.copied_point.replace("{point}", "").trim();
      copy(point, point, fill(words.copied_point, { point: point }));
    });

    // A click on a feature copies its layer/id; the controller's popups and link_steps clicks
    // are taken off while authoring (the arrows and buttons still move between steps).
    function takeClicks() {
      Object.keys(api.layers).forEach(takeLayerClicks);
    }
    function takeLayerClicks(layerId) {
      var layer = api.layers[layerId], def = api.config.layers[layerId];
      if (!layer.eachLayer || !def || !def.id_field) return;
      layer.eachLayer(function (child) {
        var props = child.feature && child.feature.properties;
        if (!props || props[def.id_field] === undefined || props[def.id_field] === null) return;
        var id = String(props[def.id_field]);
        child.off("click");
        if (child.unbindPopup) child.unbindPopup();
        child.on("click", function (event) {
          L.DomEvent.stopPropagation(event);  // not also a [lat, lon]
          var ref = layerId + "/" + id;
          var shown = "fit: " + scalar(ref) + "\nhighlight: {layer: " + scalar(layerId) + ", ids: [" + scalar(id) + "]}\n";
          labelText.textContent = ref;
          copy(ref, shown, fill(words.copied_feature, { ref: ref }));
        });
      });
    }
    takeClicks();

    // --- Checks -----------------------------------------------------------------------------

    function nameOf(def, props, ref) {
      var name = def.labels && props[def.labels];
      return name ? name + " (" + ref + ")" : ref;
    }

    // What the step points at, as boxes in map pixels, each with a name and a point to test.
    function subjects(step) {
      var out = [];
      step.subjects.forEach(function (subject) {
        var layer = api.layers[subject.layer], def = api.config.layers[subject.layer];
        if (!layer || !layer.eachLayer || !def) return;
        if (subject.ids === null) {
          var whole = layer.getBounds();
          if (whole.isValid()) out.push(boxOf(whole, def.label + " (" + subject.layer + ")"));
          return;
        }
        var wanted = {};
        subject.ids.forEach(function (id) { wanted[id] = true; });
        layer.eachLayer(function (child) {
          var props = child.feature && child.feature.properties;
          if (!props || !wanted[String(props[def.id_field])]) return;
          var name = nameOf(def, props, subject.layer + "/" + String(props[def.id_field]));
          if (child.getLatLng) {
            var p = map.latLngToContainerPoint(child.getLatLng());
            out.push({ name: name, min: p, max: p, at: p });
          } else out.push(boxOf(child.getBounds(), name));
        });
      });
      return out;
    }

    function boxOf(bounds, name) {
      var a = map.latLngToContainerPoint(bounds.getNorthWest()), b = map.latLngToContainerPoint(bounds.getSouthEast());
      return { name: name, min: a, max: b, at: a.add(b).divideBy(2) };
    }

    function coveringName(node) {
      return node.querySelector(".sm-legend") || node.classList.contains("sm-legend") ? words.legend : words.controls;
    }

    function liveChecks(step) {
      var size = map.getSize(), covers = api.coverings(), found = [];
      subjects(step).forEach(function (s) {
        var inside = s.min.x >= -1 && s.min.y >= -1 && s.max.x <= size.x + 1 && s.max.y <= size.y + 1;
        if (!inside) {
          found.push({ kind: "out_of_view", text: fill(words.out_of_view, { what: s.name }) });
          return;
        }
        var over = covers.filter(function (r) { return s.at.x >= r.left && s.at.x <= r.right && s.at.y >= r.top && s.at.y <= r.bottom; })[0];
        if (over) found.push({ kind: "covered", text: fill(words.covered, { what: s.name, covering: coveringName(over.node) }) });
      });
      return found;
    }

    var moving = false;
    function render() {
      var index = api.step;
      if (index < 0) return;
      var step = cfg.steps[index];
      if (!step) return;
      var items = step.checks.concat(moving ? [] : liveChecks(step));
      checksTitle.textContent = fill(words.checks, { n: index + 1 });
      badges.textContent = "";
      checks.classList.toggle("sm-author-clean", items.length === 0);
      if (!items.length) badges.appendChild(el("li", "sm-author-ok", words.no_problems));
      items.forEach(function (item) {
        var badge = el("li", "sm-author-badge", item.text);
        badge.tabIndex = 0;  // reachable with Tab, read as text
        badge.setAttribute("data-kind", item.kind);
        badges.appendChild(badge);
      });
      if (!output.value || output.getAttribute("data-step") !== String(index)) {
        output.setAttribute("data-step", String(index));
        labelText.textContent = fill(words.output, { n: index + 1 });
        output.value = "";
      }
    }

    map.on("movestart", function () { moving = true; });
    map.on("moveend", function () { moving = false; render(); });
    map.on("resize", render);
    window.addEventListener("storymap:step", render);
    // A new version of the story on the live map (author mode's reload): its tools' config
    // comes in the controller config, and the controller has bound its own clicks again.
    window.addEventListener("storymap:reload", function () {
      if (api.config.author_tools) cfg = api.config.author_tools;
      takeClicks();
      render();
    });
    render();
    // update(config): a new author config (MapParts.author, e.g. after the story file was
    // saved) replaces the checks and blocks without rebuilding the map.
    api.author = {
      copyView: copyView,
      refresh: render,
      update: function (next) { cfg = next; render(); },
    };
  }

  function boot() {
    var node = document.getElementById("sm-author-config");
    if (!node || !window.storymap || !window.storymap.map) return;
    start(window.storymap, JSON.parse(node.textContent));
  }
  window.addEventListener("storymap:ready", boot, { once: true });
})();
