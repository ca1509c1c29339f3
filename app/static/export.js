/* Export page: layouts, deep links, buttons and announcements around the step controller.
 *
 * The controller (storymap.js) owns the map and the current step; this script only calls
 * window.storymap.goTo and listens to `storymap:step`, so a host page driving an embedded
 * export (iframe.contentWindow.storymap.goTo) and a reader scrolling it stay in step.
 *
 * Layouts: "scroll" (step cards beside a sticky map; a card crossing the trigger line calls
 * goTo, and goTo scrolls its card into place) and "slides" (one card at a time). The layout
 * comes from <html data-layout> and can be switched with the hash: #layout=slides.
 * Deep links: #step=3 (1-based), #<step-id>, combinable: #layout=slides&step=2.
 * Embeds: #embed (or a host that speaks @newswire/frames' protocol) sizes the page to its
 * content and tells the host its height; see "embedded" below.
 * Runs before the map script, so StoryMap.configure can set the first step from the hash.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.add("sm-js");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".sm-step[data-step]"));
  var triggers = Array.prototype.slice.call(document.querySelectorAll("[data-trigger]"));
  var ids = cards.map(function (card) { return card.getAttribute("data-step-id"); });
  var count = cards.length;
  var story = document.getElementById("sm-story");
  var stage = document.getElementById("sm-stage");
  var live = document.getElementById("sm-live");
  var counter = document.getElementById("sm-counter");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-sm-go]"));
  var defaultLayout = root.getAttribute("data-layout") === "slides" ? "slides" : "scroll";
  var layout = defaultLayout;
  var observer = null;
  var pending = null; // the card a programmatic smooth scroll is heading for
  var pendingTimer = null;
  var deepLinked = false;
  var userScrolled = false;
  var fitted = false; // embedded in a host that sizes the frame to the page (see below)

  function media(query) {
    return window.matchMedia ? window.matchMedia(query) : { matches: false };
  }
  var reduceMotion = media("(prefers-reduced-motion: reduce)");

  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  function stepFrom(value) {
    if (/^\d+$/.test(value)) return Math.max(0, Math.min(count - 1, Number(value) - 1));
    var at = ids.indexOf(value);
    return at >= 0 ? at : null;
  }

  function readHash() {
    var found = { layout: null, step: null, embed: false };
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf("=");
      if (part === "embed" && ids.indexOf("embed") < 0) {
        found.embed = true;
        return;
      }
      if (eq < 0) {
        var step = stepFrom(decode(part));
        if (step !== null) found.step = step;
        return;
      }
      var key = decode(part.slice(0, eq));
      var value = decode(part.slice(eq + 1));
      if (key === "layout" && (value === "scroll" || value === "slides")) found.layout = value;
      else if (key === "step" && stepFrom(value) !== null) found.step = stepFrom(value);
    });
    return found;
  }

  function writeHash(index) {
    var parts = [];
    if (fitted) parts.push("embed");
    else if (layout !== defaultLayout) parts.push("layout=" + layout);
    parts.push(encodeURIComponent(ids[index]));
    var hash = "#" + parts.join("&");
    if (location.hash === hash) return;
    try {
      history.replaceState(history.state, "", hash); // no hashchange, no scroll jump
    } catch (e) { /* sandboxed frames may refuse; the page still works */ }
  }

  function api() { return window.storymap; }

  function go(index, source) {
    var sm = api();
    if (sm) sm.goTo(index, { source: source });
  }

  /* ---- scroll layout ---- */

  function triggerFraction() {
    var value = parseFloat(getComputedStyle(root).getPropertyValue("--sm-trigger"));
    return value > 0 && value < 1 ? value : 0.5;
  }
  var BAND = 0.01; // the observer's band at the trigger line, as a fraction of the viewport's height

  function topInset() {
    // On phones the map is a sticky band at the top; cards must be placed below it.
    var rect = stage.getBoundingClientRect();
    return rect.height < window.innerHeight * 0.9 && rect.top <= 1 ? rect.bottom : 0;
  }

  function clearPending() {
    pending = null;
    if (pendingTimer) { clearTimeout(pendingTimer); pendingTimer = null; }
  }

  // The cards are laid out as they near the screen (export.css: content-visibility), with a
  // guessed height until then (and their own height once seen). A scroll target computed from
  // guesses would land off the card, so before a scroll to a card, it and every card above it
  // are laid out for real; before a scroll to the last, the whole page, whose end bounds it.
  // A reader who only scrolls never waits for cards far off the screen to be laid out.
  function layOutCards(upTo) {
    if (upTo >= cards.length - 1) { root.classList.add("sm-laid-out"); return; }
    for (var i = 0; i <= upTo; i++) cards[i].classList.add("sm-laid");
  }

  function scrollToCard(index, smooth) {
    var card = cards[index];
    if (!card) return;
    layOutCards(index);
    var height = window.innerHeight;
    var line = height * triggerFraction();
    var rect = card.getBoundingClientRect();
    // Centre the card on the trigger line, but keep its top visible; it always covers the line.
    var top = Math.min(Math.max(line - rect.height / 2, topInset() + 16), line - 8);
    var y = window.pageYOffset + rect.top - top;
    y = Math.round(Math.max(0, Math.min(y, root.scrollHeight - height)));
    if (Math.abs(y - window.pageYOffset) < 2) { clearPending(); return; }
    var animate = smooth && !reduceMotion.matches;
    if (animate) {
      pending = index;
      if (pendingTimer) clearTimeout(pendingTimer);
      pendingTimer = setTimeout(clearPending, 3000);
    } else {
      clearPending();
    }
    window.scrollTo({ top: y, left: 0, behavior: animate ? "smooth" : "auto" });
  }

  // An entry tells where a trigger was at the last frame, but a goTo or a key may have scrolled
  // the page since (a reader holding an arrow key, a host page stepping through): only a trigger
  // still in the band at the line moves the story, or the map would go back a step and return.
  function inBand(node) {
    var height = window.innerHeight;
    var line = height * triggerFraction();
    var rect = node.getBoundingClientRect();
    return rect.bottom >= line - 1 && rect.top <= line + height * BAND + 1;
  }

  function onIntersect(entries) {
    if (layout !== "scroll") return;
    entries.forEach(function (entry) {
      if (!entry.isIntersecting || !inBand(entry.target)) return;
      var index = Number(entry.target.getAttribute("data-trigger"));
      if (pending !== null) {
        if (index === pending) clearPending();
        return; // cards passed on the way to a goTo target do not fire
      }
      var sm = api();
      if (sm && index !== sm.step) go(index, "scroll");
    });
  }

  function observe() {
    if (observer) observer.disconnect();
    observer = null;
    if (!("IntersectionObserver" in window)) return;
    var fraction = triggerFraction();
    // A band BAND of the viewport high at the trigger line.
    var margin = "-" + (fraction * 100).toFixed(2) + "% 0px -" + ((1 - fraction - BAND) * 100).toFixed(2) + "% 0px";
    // root: document makes the band relative to this document's viewport, also inside an iframe.
    try {
      observer = new IntersectionObserver(onIntersect, { root: document, rootMargin: margin, threshold: 0 });
    } catch (e) {
      observer = new IntersectionObserver(onIntersect, { rootMargin: margin, threshold: 0 });
    }
    triggers.forEach(function (node) { observer.observe(node); });
  }

  /* ---- both layouts ---- */

  function setDisabled(button, disabled) {
    // aria-disabled keeps focus on the button at either end (a disabled button drops it).
    if (disabled) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }

  function announce(index) {
    if (!live) return;
    var words = { n: index + 1, total: count, title: cards[index].querySelector("h2").textContent };
    // The sentence comes from the page, in the story's language: "Step {n} of {total}: {title}".
    live.textContent = (live.getAttribute("data-announce") || "{n}/{total}: {title}").replace(/\{(n|total|title)\}/g, function (all, key) { return String(words[key]); });
  }

  function onStep(event) {
    var index = event.detail.step;
    var source = event.detail.source;
    cards.forEach(function (card, k) {
      card.classList.toggle("sm-active", k === index);
      if (k === index) card.setAttribute("aria-current", "step");
      else card.removeAttribute("aria-current");
    });
    root.classList.toggle("sm-at-start", index === 0);
    root.classList.toggle("sm-at-end", index === count - 1);
    if (counter) counter.textContent = index + 1 + " / " + count;
    buttons.forEach(function (button) {
      var delta = Number(button.getAttribute("data-sm-go"));
      setDisabled(button, delta < 0 ? index <= 0 : index >= count - 1);
    });
    if (source !== "init") {
      announce(index);
      writeHash(index);
    }
    if (layout === "scroll") {
      if (source === "init") { if (deepLinked) scrollToCard(index, false); }
      else if (source !== "scroll") scrollToCard(index, source !== "layout");
    } else if (story) {
      story.scrollTop = 0;
    }
  }

  function applyLayout(name) {
    layout = name;
    root.classList.toggle("sm-layout-scroll", name === "scroll");
    root.classList.toggle("sm-layout-slides", name === "slides");
    var sm = api();
    if (!sm) return;
    sm.map.invalidateSize({ animate: false, pan: false });
    // In the scroll layout the wheel scrolls the page, not the map.
    // So does it in a fitted embed, where the page is the host's to scroll.
    if (name === "scroll" || fitted) sm.map.scrollWheelZoom.disable();
    else sm.map.scrollWheelZoom.enable();
  }

  function switchLayout(name) {
    if (name === layout) return;
    clearPending();
    applyLayout(name);
    if (name === "slides") window.scrollTo(0, 0);
    var sm = api();
    if (sm) sm.goTo(sm.step, { force: true, animate: false, source: "layout" });
  }

  function onHashChange() {
    var found = readHash();
    if (!fitted) switchLayout(found.layout || defaultLayout);
    var sm = api();
    if (sm && found.step !== null && found.step !== sm.step) go(found.step, "hash");
  }

  /* ---- embedded: the host sizes the frame to the page ----
   * The messages are @newswire/frames' documented protocol (also AMP's amp-iframe resizing):
   * the page posts {sentinel: "amp", type: "embed-size", height} to its parent whenever its
   * height changes, and answers the parent's {sentinel: "amp", type: "frames-init"} (sent by
   * observeIframe when a host starts listening) with its height at once. A host loads the
   * package itself; this page needs none of its code. Fitted, the page shows the slides layout
   * with nothing sized by the viewport's height, which is the host's answer to the page's own:
   * a scrolling story inside a frame as tall as the story would have no viewport to stick to. */

  var sentHeight = -1;

  function sendHeight(always) {
    if (!fitted) return;
    var height = root.offsetHeight; // what the package's own child code measures
    if (height === sentHeight && !always) return;
    sentHeight = height;
    window.parent.postMessage({ sentinel: "amp", type: "embed-size", height: height }, "*");
  }

  function fit() {
    if (fitted) return;
    fitted = true;
    root.classList.add("sm-fit");
    if (api()) switchLayout("slides");
    else layout = "slides";
    if ("ResizeObserver" in window) new ResizeObserver(function () { sendHeight(false); }).observe(document.body);
    window.addEventListener("load", function () { sendHeight(false); });
    window.addEventListener("storymap:step", function () { sendHeight(false); });
    sendHeight(true);
  }

  if (window.parent !== window) {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source !== window.parent || !data || data.sentinel !== "amp" || data.type !== "frames-init") return;
      fit();
      sendHeight(true);
    });
  }

  function onReady() {
    applyLayout(layout);
    observe();
    var narrow = media("(max-width: 700px)");
    var relayout = function () { observe(); };
    if (narrow.addEventListener) narrow.addEventListener("change", relayout);
    window.addEventListener("resize", function () { if (api()) api().map.invalidateSize({ pan: false }); });
    window.addEventListener("hashchange", onHashChange);
    window.addEventListener("scrollend", clearPending);
    window.addEventListener("wheel", function () { userScrolled = true; }, { passive: true });
    window.addEventListener("touchmove", function () { userScrolled = true; }, { passive: true });
    window.addEventListener("load", function () {
      // Images decode late and move cards: put a deep-linked card back in place.
      if (deepLinked && !userScrolled && layout === "scroll" && api()) scrollToCard(api().step, false);
    });
  }

  // A YouTube or Vimeo link becomes its player in place when the reader clicks it: nothing is
  // requested from the video site before that. Only the privacy-enhanced player hosts qualify.
  var PLAYERS = ["https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/"];
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.sm-embed[data-embed]");
    if (!link) return;
    var address = link.getAttribute("data-embed");
    if (!PLAYERS.some(function (host) { return address.indexOf(host) === 0; })) return;
    event.preventDefault();
    var frame = document.createElement("iframe");
    frame.src = address + (address.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
    frame.title = link.getAttribute("data-title") || "Video";
    frame.className = "sm-player";
    frame.setAttribute("allow", "autoplay; fullscreen; picture-in-picture");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    link.replaceWith(frame);
    frame.focus();
  });

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var sm = api();
      if (sm) go(sm.step + Number(button.getAttribute("data-sm-go")), "button");
    });
  });

  var start = readHash();
  if (start.layout) layout = start.layout;
  if (start.embed && window.parent !== window) fit();
  root.classList.toggle("sm-layout-scroll", layout === "scroll");
  root.classList.toggle("sm-layout-slides", layout === "slides");
  if (start.step !== null) {
    deepLinked = true;
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    if (window.StoryMap && window.StoryMap.configure) window.StoryMap.configure({ initial: start.step });
  }
  window.addEventListener("storymap:step", onStep);
  window.addEventListener("storymap:ready", onReady);
  // Dates are put in the story's language after the map's first frame, Intl's first formatter
  // made in a worker (storymap.js: localizeDatesSoon); the server's fallback text reads well till then.
  window.addEventListener("storymap:ready", function () {
    requestAnimationFrame(function () {
      setTimeout(function () { if (window.StoryMap) window.StoryMap.localizeDatesSoon(document); }, 0);
    });
  });
})();
