"""The export on a mid-tier phone, and its weight on the wire.

The exported page is served over HTTP by a tiny local server, once as it is and once as a
pre-gzipped body (``Content-Encoding: gzip``), to Chromium emulating a mid-tier phone through
the DevTools protocol: 4× CPU slowdown (``Emulation.setCPUThrottlingRate``), 1.6 Mbps down,
750 Kbps up and 150 ms round trip (``Network.emulateNetworkConditions``), a 390×844 viewport.

*Map usable* is the first animation frame (measured in the page with ``performance.now()``,
i.e. from navigation start) in which all of these hold: ``window.storymap`` exists (the
controller has run and reached its first step), every story layer of the first step is on the
map with each of its features drawn (an SVG path or marker element in the document), and the
basemap's land in view is drawn. *Largest contentful paint* is the last ``largest-contentful-paint``
entry (``PerformanceObserver``, buffered) once the page has loaded. *Arrived* is the navigation
entry's ``responseEnd``: the last byte of the page.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.harness import LOCAL_HOSTS, http_serving

# The phone profile (the mid-tier phone).
CPU_SLOWDOWN = 4
NETWORK = {
    "offline": False,
    "latency": 150,  # ms, round trip
    "downloadThroughput": 1.6e6 / 8,  # bytes/s
    "uploadThroughput": 750e3 / 8,
}
VIEWPORT = {"width": 390, "height": 844}
GZIP_LEVEL = 9
TIMEOUT = 120_000

PHONE_JS = r"""
(() => {
  if (window !== window.top) return;
  const p = window.__phone = {usableAt: null, lcp: null, lcpNode: null};
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        p.lcp = e.startTime;
        p.lcpNode = e.element ? (e.element.className || e.element.tagName) + '' : null;
      }
    }).observe({type: 'largest-contentful-paint', buffered: true});
  } catch (e) {}
  const drawn = (layer) => {
    if (!layer.eachLayer) {
      const node = layer._path || layer._icon || (layer.getElement && layer.getElement());
      return Boolean(node && node.isConnected);
    }
    let ok = true;
    layer.eachLayer((f) => { if (!drawn(f)) ok = false; });
    return ok;
  };
  const usable = () => {
    const s = window.storymap;
    if (!s || !s.map || !s.config || s.step < 0) return false;
    const step = s.config.steps[s.step];
    for (const id of step.layers) {
      const layer = s.layers[id];
      if (!layer) continue;  // a raster overlay, not a drawn layer
      if (!s.map.hasLayer(layer) || !drawn(layer)) return false;
    }
    if (s.basemap && s.basemap.parts && s.basemap.parts.length) {
      // The land in view is drawn (the page keeps shapes far from the view off the map).
      const view = s.map.getBounds();
      let ok = true;
      s.basemap.parts[0].layer.eachLayer((shape) => {
        if (view.intersects(shape.getBounds()) && !(s.map.hasLayer(shape) && drawn(shape))) ok = false;
      });
      if (!ok) return false;
    }
    return true;
  };
  const tick = () => {
    if (p.usableAt !== null) return;
    if (usable()) { p.usableAt = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def weight(page: Path) -> dict[str, Any]:
    """The page's bytes as written, gzipped (level 9) and, if the package is installed, brotli."""
    body = page.read_bytes()
    out: dict[str, Any] = {"bytes": len(body), "gzip_bytes": len(gzip.compress(body, GZIP_LEVEL))}
    try:
        import brotli  # optional: not a dependency
    except ImportError:
        out["brotli_bytes"] = None
    else:
        out["brotli_bytes"] = len(brotli.compress(body))
    return out


class _Handler(http.server.BaseHTTPRequestHandler):
    body: bytes = b""
    encoding: str | None = None

    def do_GET(self) -> None:  # the standard library's name
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "no-store")
        if self.encoding:
            self.send_header("Content-Encoding", self.encoding)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@contextlib.contextmanager
def serving(page: Path, compress: bool) -> Iterator[str]:
    """``page`` at ``http://127.0.0.1:<port>/``; ``compress`` sends it pre-gzipped."""
    body = page.read_bytes()
    handler = type(
        "Handler",
        (_Handler,),
        {
            "body": gzip.compress(body, GZIP_LEVEL) if compress else body,
            "encoding": "gzip" if compress else None,
        },
    )
    with http_serving(handler) as base:
        yield base + "/"


def phone_visit(browser, url: str) -> dict[str, Any]:
    """One first visit (fresh context, empty cache) on the phone profile; times in ms from navigation."""
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        reduced_motion="no-preference",
    )
    outside: list[str] = []
    errors: list[str] = []
    try:
        context.add_init_script(PHONE_JS)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "request",
            lambda req: (
                outside.append(req.url)
                if urlparse(req.url).scheme in ("http", "https")
                and urlparse(req.url).hostname not in LOCAL_HOSTS
                else None
            ),
        )
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.goto(url, wait_until="load", timeout=TIMEOUT)
        page.wait_for_function("() => window.__phone && window.__phone.usableAt !== null", timeout=TIMEOUT)
        # Two frames after load, so the last LCP candidate has been reported.
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        found = page.evaluate(
            """() => { const n = performance.getEntriesByType('navigation')[0];
                       return {usable: window.__phone.usableAt, lcp: window.__phone.lcp,
                               lcp_element: window.__phone.lcpNode,
                               arrived: n.responseEnd, first_byte: n.responseStart,
                               transfer: n.transferSize, encoded: n.encodedBodySize,
                               decoded: n.decodedBodySize, load: n.loadEventEnd}; }"""
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    finally:
        context.close()
    return {**found, "outside_requests": outside, "page_errors": errors}


def measure_phone(browser, page: Path, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Map usable, LCP and arrival of the export on the phone profile, plain and gzipped."""
    out: dict[str, Any] = {"profile": {"cpu_slowdown": CPU_SLOWDOWN, **NETWORK, "viewport": VIEWPORT}}
    out["weight"] = weight(page)
    for compress in (False, True):
        name = "gzip" if compress else "plain"
        visits = []
        with serving(page, compress) as url:
            for run in range(runs):
                log(f"export on a phone ({name}): run {run + 1}/{runs}")
                visits.append(phone_visit(browser, url))
        out[name] = {
            "usable_runs_ms": [v["usable"] for v in visits],
            "lcp_runs_ms": [v["lcp"] for v in visits if v["lcp"] is not None],
            "arrived_runs_ms": [v["arrived"] for v in visits],
            "visits": visits,
        }
    return out
