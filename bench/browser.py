"""The browser figures: the tour, the export and the two baselines, in a real Chromium.

Every time is taken inside the page with ``performance.now()`` of the top document, so
Playwright's own round trips are not counted:

* input → move: a capturing ``keydown``/``click`` listener on ``window`` stamps the input;
  Leaflet's ``movestart`` on the map stamps the move. A baseline that builds a new map
  counts the moment the new map exists (``window.map`` is set in st_folium's frame).
* settled: the step's progress line ("Step i of n") is rendered, Streamlit's
  ``[data-test-script-state]`` is ``notRunning`` (a MutationObserver checks both) and the
  map's ``moveend`` has fired (or the new map exists); the later of the two.
* websocket bytes: Playwright's ``framesent``/``framereceived`` payload sizes over 20 steps.
* remounts: a probe property is put on the map frame element and on the Leaflet map object;
  a step after which either has lost it counts once.
* first map / time to interactive: ``performance.now()`` (i.e. since navigation start) at
  ``storymap:ready`` (the tour, the export) or when st_folium's map exists (baselines); for the
  empty Streamlit page (the floor), when its one line of text is in the document. Each is the
  moment the content exists in the page; the browser paints it in its next frame.
* messages before the first map: every websocket message from navigation until the first map
  is seen, decoded with Streamlit's own protobuf classes (``ForwardMsg``/``BackMsg``), so the
  script runs (``new_session``) and the bytes sent before the first paint are counted.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from app.assets import leaflet_dist
from app.serve import running
from bench.figures import median
from bench.harness import LOCAL_HOSTS, ROOT, RequestGuard, WireCounter, wait_for_app

VIEWPORT = {"width": 1280, "height": 860}
EMPTY_TEXT = "An empty Streamlit page."  # what bench/baselines/empty_app.py writes (BENCH_EMPTY_TEXT)
STEP_WALK = 20  # step changes per reduced-motion run (ws bytes, remounts, settled)
TIMEOUT = 60_000

TOP_JS = r"""
(() => {
  if (window !== window.top) return;
  const now = () => performance.now();
  const b = window.__bench = {armed: null, readyAt: null, firstMapAt: null, maps: 0};
  const check = () => {
    const a = b.armed;
    if (!a || a.inputAt === null || a.settledAt !== null) return;
    if (a.textAt === null) {
      if (a.progress === null) a.textAt = a.inputAt;
      else {
        const p = document.querySelector('[data-testid="storymap-progress"]');
        const s = document.querySelector('[data-test-script-state]');
        if (p && p.textContent.trim() === a.progress && s &&
            s.getAttribute('data-test-script-state') === 'notRunning') a.textAt = now();
      }
    }
    if (a.textAt !== null && (!a.needMap || a.mapDoneAt !== null)) {
      a.settledAt = Math.max(a.textAt, a.mapDoneAt || 0);
    }
  };
  const stamp = () => { const a = b.armed; if (a && a.inputAt === null) { a.inputAt = now(); check(); } };
  window.addEventListener('keydown', stamp, true);
  window.addEventListener('click', stamp, true);
  window.addEventListener('storymap:ready', () => { if (b.readyAt === null) b.readyAt = now(); });
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-test-script-state'],
  });
  window.__benchArm = (opts) => {
    b.armed = {progress: opts.progress === undefined ? null : opts.progress, needMap: !!opts.needMap,
               inputAt: null, moveAt: null, mapDoneAt: null, textAt: null, settledAt: null};
  };
  window.__benchHook = (map) => {
    if (!map || map.__benchHooked) return;
    map.__benchHooked = true;
    map.on('movestart', () => {
      const a = b.armed;
      if (a && a.inputAt !== null && a.moveAt === null) a.moveAt = now();
    });
    map.on('moveend', () => {
      const a = b.armed;
      if (a && a.moveAt !== null && a.mapDoneAt === null) { a.mapDoneAt = now(); check(); }
    });
  };
  window.__benchMapSet = (map) => {
    const t = now();
    if (b.firstMapAt === null) b.firstMapAt = t;
    b.maps += 1;
    window.__benchHook(map);
    const a = b.armed;
    if (a && a.inputAt !== null) {
      if (a.moveAt === null) a.moveAt = t;
      if (a.mapDoneAt === null) a.mapDoneAt = t;
      check();
    }
  };
  window.__benchProbe = (kind) => {
    let frame = null, map = null;
    if (kind === 'ours') {
      frame = document.querySelector('[data-testid="storymap-frame"]');
      map = window.storymap ? window.storymap.map : null;
    } else {
      frame = document.querySelector('iframe[data-testid="stCustomComponentV1"]') ||
              document.querySelector('iframe[title*="st_folium"]');
      try { map = frame && frame.contentWindow ? frame.contentWindow.map : null; } catch (e) { map = null; }
    }
    const kept = {frame: !!(frame && frame.__benchProbe), map: !!(map && map.__benchProbe),
                  found: !!frame && !!map};
    if (frame) frame.__benchProbe = true;
    if (map) map.__benchProbe = true;
    return kept;
  };
})();
"""

# The empty Streamlit page (bench/baselines/empty_app.py): when its one line of text exists.
EMPTY_JS = r"""
(() => {
  if (window !== window.top) return;
  const b = window.__benchEmpty = {contentAt: null};
  const obs = new MutationObserver(() => {
    if (b.contentAt !== null) return;
    for (const n of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
      if (n.textContent.trim() === TEXT) { b.contentAt = performance.now(); obs.disconnect(); return; }
    }
  });
  obs.observe(document, {subtree: true, childList: true, characterData: true});
})();
"""

# In st_folium's frame: tell the top page when `window.map` (the Leaflet map) is set.
FRAME_JS = r"""
(() => {
  if (window === window.top) return;
  let current;
  try {
    Object.defineProperty(window, 'map', {
      configurable: true,
      get() { return current; },
      set(value) { current = value; try { window.top.__benchMapSet(value); } catch (e) {} },
    });
  } catch (e) {}
})();
"""


class CdnRouter:
    """Baselines: Leaflet from the CDN is served from the PyPI package django-js-lib-leaflet (the
    same Leaflet 1.9.4 files our pages inline); other CDN files folium names (jQuery, Bootstrap,
    Font Awesome, awesome-markers) get an empty 200 (the maps here do not use them). Local
    requests pass; nothing leaves the machine."""

    def __init__(self) -> None:
        self.mapped: set[str] = set()
        self.stubbed: set[str] = set()
        self.leaflet = leaflet_dist()

    def __call__(self, route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "file") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
            return
        name = parsed.path.rsplit("/", 1)[-1]
        if name in ("leaflet.js", "leaflet.css"):
            self.mapped.add(url)
            kind = "text/css" if name.endswith(".css") else "application/javascript"
            route.fulfill(status=200, body=(self.leaflet / name).read_bytes(), content_type=kind)
            return
        self.stubbed.add(url)
        kind = "text/css" if name.endswith(".css") else "application/javascript"
        route.fulfill(status=200, body="", content_type=kind)


def message_type(payload: str | bytes, sent: bool) -> str:
    """The type of one Streamlit websocket message (``BackMsg`` sent, ``ForwardMsg`` received)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if isinstance(payload, str):
        return "text"
    try:
        msg = (BackMsg if sent else ForwardMsg).FromString(payload)
    except Exception:  # a payload that is not a Streamlit message
        return "unknown"
    kind = msg.WhichOneof("type") or "none"
    if kind == "delta" and not sent:
        kind = "delta." + (msg.delta.WhichOneof("type") or "none")
    return kind


class WsCounter:
    """Websocket payload bytes, counted only while ``on``; ``log`` keeps each message while ``logging``."""

    def __init__(self) -> None:
        self.on = False
        self.sent = 0
        self.received = 0
        self.frames = 0
        self.logging = False
        self.log: list[tuple[str, str, int]] = []  # (direction, message type, bytes)

    def attach(self, page) -> None:
        page.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        ws.on("framesent", lambda payload: self._add("sent", payload))
        ws.on("framereceived", lambda payload: self._add("received", payload))

    def _add(self, direction: str, payload: str | bytes) -> None:
        if self.logging:
            size = len(payload.encode() if isinstance(payload, str) else payload)
            self.log.append((direction, message_type(payload, direction == "sent"), size))
        if not self.on:
            return
        size = len(payload.encode() if isinstance(payload, str) else payload)
        setattr(self, direction, getattr(self, direction) + size)
        self.frames += 1


def serve(script: Path, env: dict[str, str], log_dir: Path) -> contextlib.AbstractContextManager[str]:
    """``streamlit run script`` on a free port with the tour's settings (:func:`app.serve.running`)."""
    return running(script, env=env, log_path=log_dir / f"streamlit-{script.stem}-{{port}}.log", cwd=ROOT)


def walk(steps: int, count: int) -> list[int]:
    """``count`` step indices from step 0, forward to the end and back again."""
    out: list[int] = []
    position, direction = 0, 1
    while len(out) < count:
        if not 0 <= position + direction < steps:
            direction = -direction
        position += direction
        out.append(position)
    return out


@dataclass
class App:
    """One app under test: ours (the tour) or a baseline (st_folium)."""

    name: str  # "ours", "rebuild", "keep", "empty"
    url: str
    steps: int
    router: Callable[[], Any]  # makes a request router per context (RequestGuard or CdnRouter)
    outside: set[str] = field(default_factory=set)  # requests aborted (ours) or stubbed (baselines)
    mapped: set[str] = field(default_factory=set)  # CDN requests served from the Leaflet package

    @property
    def folium(self) -> bool:
        return self.name not in ("ours", "empty")


class Session:
    """A fresh browser context and page (an empty cache, like a first visit)."""

    def __init__(self, browser, app: App, motion: str) -> None:
        self.app = app
        self.router = app.router()
        self.context = browser.new_context(viewport=VIEWPORT, reduced_motion=motion)
        self.context.route("**/*", self.router)
        self.context.add_init_script(TOP_JS)
        if app.folium:
            self.context.add_init_script(FRAME_JS)
        if app.name == "empty":
            self.context.add_init_script(EMPTY_JS.replace("TEXT", json.dumps(EMPTY_TEXT)))
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.ws = WsCounter()
        self.ws.attach(self.page)
        self.current = 0

    def close(self) -> None:
        self.context.close()
        if isinstance(self.router, CdnRouter):
            self.app.mapped |= self.router.mapped
            self.app.outside |= self.router.stubbed
        else:
            self.app.outside |= set(self.router.outside)

    def open(self) -> float:
        """Load the app; returns navigation start → first map (ms).

        The websocket messages until the first map is seen are kept in ``self.ws.log``.
        """
        page = self.page
        self.ws.log, self.ws.logging = [], True
        page.goto(self.app.url, wait_until="commit")
        if self.app.name == "empty":
            page.wait_for_function(
                "() => window.__benchEmpty && window.__benchEmpty.contentAt !== null", timeout=TIMEOUT
            )
            self.ws.logging = False
            return float(page.evaluate("() => window.__benchEmpty.contentAt"))
        if self.app.folium:
            page.wait_for_function(
                "() => window.__bench && window.__bench.firstMapAt !== null", timeout=TIMEOUT
            )
            first = page.evaluate("() => window.__bench.firstMapAt")
            self.ws.logging = False
            self._wait_text(0)
        else:
            page.wait_for_function("() => window.__bench && window.__bench.readyAt !== null", timeout=TIMEOUT)
            first = page.evaluate("() => window.__bench.readyAt")
            self.ws.logging = False
            wait_for_app(page)
            page.evaluate("() => window.__benchHook(window.storymap.map)")
        self.current = 0
        return float(first)

    def _wait_text(self, index: int) -> None:
        self.page.wait_for_function(
            """(want) => { const p = document.querySelector('[data-testid="storymap-progress"]');
                           const s = document.querySelector('[data-test-script-state]');
                           return p && p.textContent.trim() === want && s &&
                                  s.getAttribute('data-test-script-state') === 'notRunning'; }""",
            arg=f"Step {index + 1} of {self.app.steps}",
            timeout=TIMEOUT,
        )

    def go(self, index: int) -> dict[str, float]:
        """Move to ``index`` (key press on the tour, button click on a baseline); wait until settled."""
        page = self.page
        forward = index > self.current
        page.evaluate(
            "(o) => window.__benchArm(o)",
            {"progress": f"Step {index + 1} of {self.app.steps}", "needMap": True},
        )
        if self.app.folium:
            page.get_by_role("button", name="Next" if forward else "Previous", exact=True).click()
        else:
            page.keyboard.press("ArrowRight" if forward else "ArrowLeft")
        page.wait_for_function(
            "() => window.__bench.armed && window.__bench.armed.settledAt !== null", timeout=TIMEOUT
        )
        self.current = index
        armed = page.evaluate("() => window.__bench.armed")
        return {
            "move": armed["moveAt"] - armed["inputAt"],
            "settled": armed["settledAt"] - armed["inputAt"],
            "text": armed["textAt"] - armed["inputAt"],
        }

    def probe(self) -> dict[str, bool]:
        return self.page.evaluate("(kind) => window.__benchProbe(kind)", self.app.name)


def boot_messages(log: list[tuple[str, str, int]]) -> dict[str, Any]:
    """What crossed the websocket before the first map: script runs, message counts and bytes."""
    counts: dict[str, int] = {}
    for direction, kind, _ in log:
        key = f"{direction}:{kind}"
        counts[key] = counts.get(key, 0) + 1
    return {
        "script_runs": counts.get("received:new_session", 0),
        "rerun_requests": counts.get("sent:rerun_script", 0),
        "bytes_received": sum(size for d, _, size in log if d == "received"),
        "bytes_sent": sum(size for d, _, size in log if d == "sent"),
        "largest_received": max((size for d, _, size in log if d == "received"), default=0),
        "messages": counts,
    }


def measure_first_map(
    browser, app: App, runs: int, log: Callable[[str], None], errors: list[str] | None = None
) -> dict[str, Any]:
    """Navigation → first map (or, for the empty page, its text) of one app: the one-app case of
    :func:`measure_first_maps`; the pages' errors go to ``errors``."""
    out = measure_first_maps(browser, [app], runs, log)[app.name]
    page_errors = out.pop("errors")
    if errors is not None:
        errors += page_errors
    return out


def first_map_runs(runs: int) -> int:
    """Runs of the first-map figure: more than the others (it is the noisiest, a whole page boot)."""
    return 2 * runs + 1


def measure_first_maps(
    browser, apps: list[App], runs: int, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Navigation → first map (or, for the empty page, its text) for several apps, interleaved.

    One visit per app first warms its server (the story cache, the script's imports): the figure
    is a running server's, as a reader meets it. Every run is a new browser context (empty cache)
    per app; each run visits every app once, in an order that rotates from run to run, so a
    minute in which the machine is busier weighs on every app alike (the apps are compared with
    each other, and with the empty page, in the same run). Each app's page errors are in its
    ``errors``.
    """
    for app in apps:
        warm = Session(browser, app, "no-preference")
        try:
            warm.open()
        finally:
            warm.close()
    out = {app.name: {"app": app.name, "first_map_runs_ms": [], "boot": [], "errors": []} for app in apps}
    for run in range(runs):
        log(f"{', '.join(app.name for app in apps)}: first map, run {run + 1}/{runs}")
        shift = run % len(apps)
        for app in apps[shift:] + apps[:shift]:
            session = Session(browser, app, "no-preference")
            try:
                out[app.name]["first_map_runs_ms"].append(session.open())
                out[app.name]["boot"].append(boot_messages(session.ws.log))
                out[app.name]["errors"] += session.errors
            finally:
                session.close()
    return out


def measure_app(
    browser,
    app: App,
    runs: int,
    presses: int,
    log: Callable[[str], None],
    first: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """First map (unless ``first`` holds it, from :func:`measure_first_maps`), input → move
    (motion on), settled / ws bytes / remounts (reduced motion)."""
    errors: list[str] = []
    if first is None:
        out: dict[str, Any] = measure_first_map(browser, app, first_map_runs(runs), log, errors)
    else:
        out = dict(first)
        errors += out.pop("errors")

    move_runs, move_all = [], []
    for run in range(runs):
        log(f"{app.name}: input → move with motion, run {run + 1}/{runs}")
        session = Session(browser, app, "no-preference")
        try:
            session.open()
            values = [session.go(index)["move"] for index in range(1, presses + 1)]
            move_all.append(values)
            move_runs.append(median(values))
            errors += session.errors
        finally:
            session.close()
    out["move_runs_ms"] = move_runs
    out["move_presses_ms"] = move_all

    settled_runs, ws_runs, wire_runs, remount_runs, detail = [], [], [], [], []
    for run in range(runs):
        log(f"{app.name}: {STEP_WALK} steps with reduced motion, run {run + 1}/{runs}")
        wire = WireCounter(app.url)  # the page and its websocket go through the relay
        session = Session(browser, replace(app, url=wire.url), "reduce")
        try:
            session.open()
            session.probe()
            session.page.wait_for_timeout(300)  # let the load's last messages pass
            session.ws.on = wire.on = True
            steps, remounts, frames, maps = [], 0, 0, 0
            for index in walk(app.steps, STEP_WALK):
                steps.append(session.go(index))
                kept = session.probe()
                if not (kept["frame"] and kept["map"]):
                    remounts += 1
                frames += not kept["frame"]
                maps += not kept["map"]
            session.page.wait_for_timeout(500)  # trailing messages of the last step
            session.ws.on = wire.on = False
            settled_runs.append(median([s["settled"] for s in steps]))
            ws_runs.append((session.ws.sent + session.ws.received) / STEP_WALK)
            wire_runs.append((wire.up + wire.down) / STEP_WALK)
            remount_runs.append(remounts)
            detail.append(
                {
                    "settled_ms": [s["settled"] for s in steps],
                    "move_ms": [s["move"] for s in steps],
                    "text_ms": [s["text"] for s in steps],
                    "ws_sent": session.ws.sent,
                    "ws_received": session.ws.received,
                    "ws_frames": session.ws.frames,
                    "wire_up": wire.up,
                    "wire_down": wire.down,
                    "frame_remounts": frames,
                    "map_remounts": maps,
                }
            )
            errors += session.errors
        finally:
            session.close()
            wire.close()
    out.update(
        settled_runs_ms=settled_runs,
        ws_bytes_per_step_runs=ws_runs,
        wire_bytes_per_step_runs=wire_runs,
        remount_runs=remount_runs,
        walk_detail=detail,
        page_errors=errors[:10],
        cdn_served_locally=sorted(app.mapped),
        outside_requests=sorted(app.outside),  # ours: aborted; baselines: answered with an empty 200
    )
    return out


# Main-thread work of one step change in the export, with reduced motion (the map jumps, so the
# whole change happens in goTo): goTo to the end of the style and layout it forces, every step
# forward then back, a frame between changes. Paint and compositing are not in it.
STEP_WORK_JS = """async () => {
  const s = window.storymap, times = [];
  const order = [...Array(s.steps).keys()].slice(1);
  for (const i of order.concat(order.slice(0, -1).reverse(), [0])) {
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    const start = performance.now();
    s.goTo(i);
    document.body.getBoundingClientRect();
    times.push(performance.now() - start);
  }
  return times;
}"""


def measure_export(
    browser, page_file: Path, runs: int, presses: int, log: Callable[[str], None]
) -> dict[str, Any]:
    """Time to interactive and key → first movement of the exported page, from file://."""
    url = page_file.resolve().as_uri()

    def session(motion: str):
        guard = RequestGuard()
        context = browser.new_context(viewport=VIEWPORT, reduced_motion=motion)
        context.route("**/*", guard)
        context.add_init_script(TOP_JS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__bench && window.__bench.readyAt !== null", timeout=TIMEOUT)
        return context, page, guard, errors

    context, _, _, _ = session("no-preference")  # warm the disk cache once
    context.close()
    outside: list[str] = []
    errors: list[str] = []

    def visits(what: str, motion: str, work: Callable[[Any], Any]) -> list[Any]:
        """``work(page)`` in a fresh session per run."""
        values = []
        for run in range(runs):
            log(f"export: {what}, run {run + 1}/{runs}")
            context, page, guard, errs = session(motion)
            values.append(work(page))
            outside.extend(guard.outside)
            errors.extend(errs)
            context.close()
        return values

    def presses_to_move(page) -> list[float]:
        page.evaluate("() => window.__benchHook(window.storymap.map)")
        values = []
        for _ in range(presses):
            page.evaluate("() => window.__benchArm({progress: null, needMap: true})")
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "() => window.__bench.armed && window.__bench.armed.settledAt !== null", timeout=TIMEOUT
            )
            armed = page.evaluate("() => window.__bench.armed")
            values.append(armed["moveAt"] - armed["inputAt"])
        return values

    tti = visits(
        "time to interactive",
        "no-preference",
        lambda page: float(page.evaluate("() => window.__bench.readyAt")),
    )
    move_all = visits("key → move", "no-preference", presses_to_move)
    step_all = visits("step change work", "reduce", lambda page: page.evaluate(STEP_WORK_JS))
    move_runs = [median(values) for values in move_all]
    step_runs = [median(values) for values in step_all]
    return {
        "tti_runs_ms": tti,
        "move_runs_ms": move_runs,
        "step_runs_ms": step_runs,
        "step_changes_ms": step_all,
        "move_presses_ms": move_all,
        "outside_requests": sorted(set(outside)),
        "page_errors": errors[:10],
    }


def build_export(story: Path, out: Path) -> dict[str, Any]:
    """Run ``python -m app export``; ``available`` is False when the command does not exist."""
    probe = subprocess.run(
        [sys.executable, "-m", "app", "export", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    if probe.returncode != 0:
        return {"available": False, "why": (probe.stderr or probe.stdout).strip().splitlines()[-1:]}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", "export", str(story), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    took = (time.perf_counter() - start) * 1000
    if done.returncode != 0 or not out.exists():
        return {
            "available": False,
            "why": [f"export failed ({done.returncode}): {done.stderr.strip()[-300:]}"],
        }
    return {"available": True, "build_ms": took, "bytes": out.stat().st_size}
