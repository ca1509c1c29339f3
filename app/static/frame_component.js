// Streamlit Components v2 module: hosts the story's map document in one iframe and keeps it
// alive across reruns. Steps move in the browser first (buttons, keys); Python hears of them
// afterwards through a trigger value and only renders the step's text.
const READY = "storymap:ready";

function frameApi(root) {
  const frame = root.querySelector("iframe");
  const win = frame && frame.contentWindow;
  return win && win.storymap ? win.storymap : null;
}

function installProxy(root) {
  // The same contract in the Streamlit page as in the map frame itself.
  const proxy = {
    get map() { const api = frameApi(root); return api ? api.map : null; },
    get step() { const api = frameApi(root); return api ? api.step : -1; },
    get steps() { const api = frameApi(root); return api ? api.steps : 0; },
    get ids() { const api = frameApi(root); return api ? api.ids : []; },
    get ready() { return !!frameApi(root); },
    get loaded() { const api = frameApi(root); return !!(api && api.loaded); },
    get mode() { return root.dataset.mode; },
    visibleLayers() { const api = frameApi(root); return api ? api.visibleLayers() : []; },
    goTo(i, options) { const api = frameApi(root); return api ? api.goTo(i, options) : -1; },
    reload(config, layers, options) { const api = frameApi(root); return api && api.reload ? api.reload(config, layers, options) : -1; },
    frame: root.querySelector("iframe"),
  };
  window.storymap = proxy;
}

function onKey(event) {
  const root = document.querySelector(".sm-frame-root");
  const api = root && frameApi(root);
  if (api) api.handleKey(event);
}

function stepLink(slug, step, mode) {
  const url = new URL(window.location.href);
  url.search = "";
  url.hash = "";
  url.searchParams.set("story", slug);
  url.searchParams.set("step", String(step + 1));
  if (mode) url.searchParams.set("mode", mode);
  return url.toString();
}

function escapeAttr(text) {
  return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// "Embed this step": built in the browser, so it follows the reader without a server round trip.
function buildShare(data) {
  const words = data.words;
  const details = document.createElement("details");
  details.className = "sm-share";
  const summary = document.createElement("summary");
  summary.textContent = words.share_step;
  const label = document.createElement("label");
  label.textContent = words.share_paste;
  const code = document.createElement("textarea");
  code.readOnly = true;
  code.rows = 3;
  code.setAttribute("data-testid", "storymap-embed-code");
  label.appendChild(code);
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = words.share_copy;
  copy.addEventListener("click", () => {
    code.select();
    if (navigator.clipboard) navigator.clipboard.writeText(code.value).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
    copy.textContent = words.share_copied;
    setTimeout(() => { copy.textContent = words.share_copy; }, 1500);
  });
  const present = document.createElement("a");
  present.textContent = words.share_present;
  present.target = "_blank";
  present.rel = "noopener";
  details.append(summary, label, copy, present);
  return {
    element: details,
    update(step) {
      const src = stepLink(data.slug, step, "embed");
      code.value = `<iframe src="${escapeAttr(src)}" title="${escapeAttr(data.title || "Story map")}" width="100%" height="720" style="border:0" loading="lazy" allow="fullscreen"></iframe>`;
      present.href = stepLink(data.slug, step, "present");
    },
  };
}

// A button's label beside an arrow that points the way it goes (flipped in right-to-left text).
function navButton(arrow, text, name, arrowFirst) {
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", name);
  const mark = document.createElement("span");
  mark.className = "sm-arrow";
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = arrow;
  const label = document.createElement("span");
  label.textContent = text;
  if (arrowFirst) button.append(mark, " ", label);
  else button.append(label, " ", mark);
  return button;
}

function build(root, data, setTriggerValue) {
  const words = data.words;  // the interface's words in the story's language (app/i18n.py)
  root.textContent = "";
  root.dataset.hash = data.hash;
  root.dataset.mode = data.mode;
  root.lang = data.lang;
  root.dir = data.dir;
  root._revision = data.revision ? data.revision.n : 0;  // a new document already holds it
  const frame = document.createElement("iframe");
  frame.title = data.frame_title;
  frame.className = "sm-frame";
  frame.setAttribute("data-testid", "storymap-frame");
  const nav = document.createElement("div");
  nav.className = "sm-nav";
  nav.setAttribute("role", "group");
  nav.setAttribute("aria-label", words.step_navigation);
  const prev = navButton("‹", words.previous, words.previous_step, true);
  const progress = document.createElement("span");
  progress.className = "sm-progress";
  progress.setAttribute("aria-hidden", "true");
  const next = navButton("›", words.next, words.next_step, false);
  nav.append(prev, progress, next);
  root.append(frame, nav);
  const share = data.mode === "tour" ? buildShare(data) : null;
  if (share) root.append(share.element);

  const update = (step, steps) => {
    progress.textContent = `${step + 1} / ${steps}`;
    if (share) share.update(step);
    prev.disabled = step <= 0;
    next.disabled = step >= steps - 1;
  };
  prev.addEventListener("click", () => { const api = frameApi(root); if (api) api.goTo(api.step - 1, { source: "button" }); });
  next.addEventListener("click", () => { const api = frameApi(root); if (api) api.goTo(api.step + 1, { source: "button" }); });

  const start = (win) => {
    installProxy(root);
    const api = win.storymap;
    if (data.initial > 0) api.goTo(data.initial, { animate: false, source: "server" });
    update(api.step, api.steps);
    const room = presentationRoom(data, api);
    win.addEventListener("storymap:step", (event) => {
      const detail = event.detail;
      update(detail.step, win.storymap.steps);
      window.dispatchEvent(new CustomEvent("storymap:step", { detail }));
      if (detail.source !== "server" && detail.source !== "init" && detail.source !== "reload") root._trigger("step", detail.step);
      if (room) room.moved(detail);
    });
    root.dataset.ready = "true";
    applyRevision(root);
    window.dispatchEvent(new CustomEvent(READY, { detail: { steps: api.steps } }));
    // The rest of the map (borders, names, later steps' layers) goes in after its first frame.
    const loaded = () => window.dispatchEvent(new CustomEvent("storymap:loaded", { detail: { step: api.step } }));
    if (api.loaded) loaded();
    else win.addEventListener("storymap:loaded", loaded, { once: true });
  };
  const whenReady = (win) => {
    if (win.storymap) start(win);
    else win.addEventListener(READY, () => start(win), { once: true });
  };
  // The map's document is written into the frame's first, empty document (document.write) rather
  // than given as srcdoc: a srcdoc is a navigation, which sends the ~0.5 MB document through the
  // browser process and back and builds a second document before the map's script can start.
  const win = frame.contentWindow;
  if (!win) {  // not in a document yet: fall back to a navigation
    frame.addEventListener("load", () => whenReady(frame.contentWindow), { once: true });
    frame.srcdoc = data.doc;
    return;
  }
  const doc = frame.contentDocument;
  doc.open();  // this erases the window's listeners: ours goes on after it
  whenReady(win);
  doc.write(data.doc);
  doc.close();
}

// Author mode: a new version of the story comes as a revision (controller config + the GeoJSON of
// changed layers, see app/author.py) and goes to the live map's controller, so the iframe and its
// L.Map stay. One waiting before the map is ready is applied when it is.
function applyRevision(root) {
  const revision = root._pending;
  const api = frameApi(root);
  if (!revision || !api || root.dataset.ready !== "true") return;
  root._pending = null;
  if (revision.n === root._revision) return;
  root._revision = revision.n;
  api.reload(revision.config, revision.layers, { step: revision.step });
}

// Presentation windows of one story (?mode=present on the projector, ?mode=presenter on the
// speaker's screen) follow each other over a BroadcastChannel, with no server round trip: a
// step taken in either moves both. B (a clicker's "blank" key) blanks the audience's screen.
function presentationRoom(data, api) {
  if (data.mode !== "present" && data.mode !== "presenter") return null;
  const channel = "BroadcastChannel" in window ? new BroadcastChannel(`storymap:${data.slug}`) : null;
  const blank = document.createElement("div");
  blank.className = "sm-blank";
  blank.hidden = true;
  document.body.append(blank);
  const setBlank = (on) => { blank.hidden = !on || data.mode !== "present"; };
  if (channel) {
    channel.onmessage = (event) => {
      const message = event.data || {};
      if (typeof message.step === "number" && message.step !== api.step) api.goTo(message.step, { source: "remote" });
      if (typeof message.blank === "boolean") setBlank(message.blank);
    };
  }
  let blanked = false;
  const onBlankKey = (event) => {
    if (event.key !== "b" && event.key !== "B" && event.key !== ".") return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    blanked = !blanked;
    setBlank(blanked);
    if (channel) channel.postMessage({ blank: blanked });
  };
  document.addEventListener("keydown", onBlankKey);
  api.map.getContainer().ownerDocument.addEventListener("keydown", onBlankKey);
  if (data.mode === "presenter") startClock();
  return {
    moved(detail) {
      if (channel && detail.source !== "remote") channel.postMessage({ step: detail.step });
    },
  };
}

// The presenter's clock: time since the presentation window opened.
function startClock() {
  const clock = document.createElement("p");
  clock.className = "sm-clock";
  clock.setAttribute("data-testid", "storymap-clock");
  clock.setAttribute("aria-label", "Elapsed time");
  const opened = Date.now();
  const tick = () => {
    const seconds = Math.floor((Date.now() - opened) / 1000);
    clock.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  setInterval(tick, 1000);
  document.body.append(clock);
}

// The step card and story header (st.html) carry <time> elements: the map frame's controller
// localizes them as the exported page does, whenever Streamlit puts new ones in the page.
function followDates() {
  if (window.__storymapDates) return;
  window.__storymapDates = true;
  const localize = () => {
    const frame = document.querySelector(".sm-frame-root iframe");
    const lib = frame && frame.contentWindow && frame.contentWindow.StoryMap;
    if (lib && lib.localizeDatesSoon && document.querySelector("time[datetime]:not([data-sm-localized])")) lib.localizeDatesSoon(document);
  };
  new MutationObserver(localize).observe(document.body, { childList: true, subtree: true });
  window.addEventListener(READY, localize);
}

// ?mode=embed inside another page's iframe: tell the host the page's height by the same protocol
// as the exported page (@newswire/frames' documented messages: embed-size, answering frames-init),
// whenever the content's height changes. The map's height then follows the width, not the
// window's height (which is the host's answer to ours).
function reportHeight() {
  if (window.__storymapHeight || window.parent === window) return;
  window.__storymapHeight = true;
  document.documentElement.classList.add("sm-embed-fit");
  let sent = -1;
  const block = () => document.querySelector('[data-testid="stMainBlockContainer"]');
  const send = (always) => {
    const node = block();
    if (!node) return;
    const height = Math.ceil(node.getBoundingClientRect().bottom + window.scrollY);
    if (height === sent && !always) return;
    sent = height;
    window.parent.postMessage({ sentinel: "amp", type: "embed-size", height }, "*");
  };
  new ResizeObserver(() => send(false)).observe(block() || document.body);
  window.addEventListener("message", (event) => {
    const message = event.data;
    if (event.source === window.parent && message && message.sentinel === "amp" && message.type === "frames-init") send(true);
  });
  send(true);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !data.doc) return;
  let root = parentElement.querySelector(".sm-frame-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "sm-frame-root";
    parentElement.appendChild(root);
  }
  root._trigger = setTriggerValue;
  root.classList.toggle("sm-present", data.mode === "present");
  root.classList.toggle("sm-embed", data.mode === "embed");
  // The page's own listeners first: the map's document runs as it is written (build), so it
  // may be ready before build returns.
  followDates();
  if (data.mode === "embed") reportHeight();
  if (!window.__storymapKeys) {
    window.__storymapKeys = true;
    document.addEventListener("keydown", onKey);
  }
  if (root.dataset.hash !== data.hash) build(root, data, setTriggerValue);
  else if (data.revision && data.revision.n !== root._revision) {
    root._pending = data.revision;
    applyRevision(root);
  }
}
