"""Load and long sessions: many readers on one server, one reader for a long time.

Both drive real Chromium through Playwright's *async* API (the sync API is single-threaded;
here one asyncio loop drives every page at once), all pages in one browser, one context per
reader, reduced motion (the map jumps, so a step is settled when the server has answered).

* load: the flagship's walk (to the last step and back, 34 changes) in 1 session alone, then
  in 20 sessions at once on the same server, back to back (no reading pause: a stress, not
  20 real readers), then the 20 pausing 1.5–4.5 s after each step (still brisker than
  reading), then the 1 session alone again (the machine may be shared). Step latency = ``keydown`` (ArrowRight/ArrowLeft) → the step's progress
  line "Step i of n" rendered and Streamlit's ``[data-test-script-state]`` ``notRunning``,
  timed in the page with ``performance.now()``. CPU is accounted from /proc/<pid>/stat
  (utime + stime) of the Streamlit server, the Chromium processes, Playwright's driver, this
  process, and the whole machine (/proc/stat) for everything else.
* long: one session, 500 step changes (10 × (to the last step, back, to step 9, back); every
  checkpoint is on step 1), measured after loading, after 50 changes and after each further
  50: server RSS (/proc/<pid>/status VmRSS), the page's JS heap after a forced GC (CDP
  ``HeapProfiler.collectGarbage`` + ``Performance.getMetrics``; the map frame is a same-origin
  iframe, same renderer and isolate, so the page's heap includes it), DOM nodes
  of the page and of the map frame, Leaflet layers on the map, tooltips and labels, and
  event listeners.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.browser import VIEWPORT, walk
from bench.harness import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS
from bench.machine import load_average

SESSIONS = 20
LONG_STEPS = 500
CHECK_EVERY = 50
STEP_TIMEOUT_MS = 60_000
OPEN_TIMEOUT_MS = 180_000
CLK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# In the top page: stamp the key press, resolve a promise when the step's text is rendered
# and the script has finished (a MutationObserver; no polling from Playwright).
SETTLE_JS = r"""
(() => {
  if (window !== window.top) return;
  const s = window.__load = {armed: null};
  const done = (a) => {
    const p = document.querySelector('[data-testid="storymap-progress"]');
    const st = document.querySelector('[data-test-script-state]');
    return p && p.textContent.trim() === a.want && st &&
           st.getAttribute('data-test-script-state') === 'notRunning' &&
           window.storymap && window.storymap.step === a.index;
  };
  const check = () => {
    const a = s.armed;
    if (!a || a.inputAt === null || a.doneAt !== null) return;
    if (done(a)) { a.doneAt = performance.now(); if (a.resolve) a.resolve(); }
  };
  window.addEventListener('keydown', () => {
    const a = s.armed;
    if (a && a.inputAt === null) { a.inputAt = performance.now(); check(); }
  }, true);
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-test-script-state'],
  });
  s.arm = (index, want) => { s.armed = {index, want, inputAt: null, doneAt: null, resolve: null}; };
  s.wait = (ms) => new Promise((resolve) => {
    const a = s.armed;
    const result = () => ({ms: a.doneAt - a.inputAt, timeout: false});
    if (a.doneAt !== null) return resolve(result());
    const timer = setTimeout(() => resolve({ms: null, timeout: true}), ms);
    a.resolve = () => { clearTimeout(timer); resolve(result()); };
    check();
  });
})();
"""

# Leak probes, top page and map frame (a same-origin iframe: its document is readable).
PROBE_JS = r"""
() => {
  const sm = window.storymap;
  const frame = document.querySelector('iframe[data-testid="storymap-frame"]');
  const doc = frame && frame.contentDocument;
  const map = sm && sm.map;
  let mapListeners = 0;
  if (map && map._events) for (const k in map._events) mapListeners += (map._events[k] || []).length;
  const count = (sel) => doc ? doc.querySelectorAll(sel).length : null;
  return {
    step: sm ? sm.step : null,
    progress: (document.querySelector('[data-testid="storymap-progress"]') || {}).textContent || null,
    dom_nodes: document.getElementsByTagName('*').length,
    frame_dom_nodes: doc ? doc.getElementsByTagName('*').length : null,
    leaflet_layers: map ? Object.keys(map._layers).length : null,
    map_listeners: mapListeners,
    tooltips: count('.leaflet-tooltip'),
    labels: count('.sm-label'),
    popups: count('.leaflet-popup'),
    svg_paths: count('path.leaflet-interactive'),
    legend_nodes: doc ? (doc.querySelector('.sm-legend') || {getElementsByTagName: () => []})
      .getElementsByTagName('*').length : null,
    frames: document.querySelectorAll('iframe[data-testid="storymap-frame"]').length,
  };
}
"""


# ------------------------------------------------------------------ processes (/proc)


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, utime + stime in ticks, comm) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), comm


def _processes() -> dict[int, tuple[int, int, str]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat:
                out[int(entry)] = stat
    return out


def _descendants(procs: dict[int, tuple[int, int, str]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])
    idle = values[3] + values[4]
    return total - idle, total


def cpu_snapshot(server_pid: int) -> dict[str, Any]:
    """CPU ticks so far of the server, the browser, Playwright's driver, this process, the machine."""
    procs = _processes()
    mine = _descendants(procs, os.getpid())
    server = {server_pid} | _descendants(procs, server_pid)
    parts = {"server": 0, "chromium": 0, "driver": 0, "bench": procs.get(os.getpid(), (0, 0, ""))[1]}
    for pid in mine:
        _, ticks, comm = procs[pid]
        if pid in server:
            parts["server"] += ticks
        elif comm.startswith("node"):
            parts["driver"] += ticks
        else:
            parts["chromium"] += ticks
    busy, total = _machine_ticks()
    return {"ticks": parts, "busy": busy, "total": total, "t": time.perf_counter()}


def cpu_between(start: dict[str, Any], end: dict[str, Any]) -> dict[str, float]:
    """Average cores used by each party between two snapshots; "other" = the rest of the machine.

    Processes that ended in between (e.g. closed renderers) lose their ticks: a lower bound.
    """
    wall = end["t"] - start["t"]
    out = {k: (end["ticks"][k] - start["ticks"].get(k, 0)) / CLK / wall for k in end["ticks"]}
    cores = os.cpu_count() or 1
    machine = (end["busy"] - start["busy"]) / max(1, end["total"] - start["total"]) * cores
    out["machine"] = machine
    out["other"] = max(0.0, machine - sum(out[k] for k in ("server", "chromium", "driver", "bench")))
    out["wall_s"] = wall
    return {k: round(v, 3) for k, v in out.items()}


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def chromium_rss(server_pid: int) -> int:
    """Summed RSS of this process's Chromium descendants (shared pages counted per process)."""
    procs = _processes()
    server = {server_pid} | _descendants(procs, server_pid)
    total = 0
    for pid in _descendants(procs, os.getpid()) - server:
        if not procs[pid][2].startswith("node"):
            total += rss_bytes(pid) or 0
    return total


def server_log_problems(log: Path, start: int = 0) -> list[str]:
    """Lines of the server log (from byte ``start``) that name a traceback or an exception."""
    try:
        with log.open("rb") as handle:
            handle.seek(start)
            text = handle.read().decode("utf-8", "replace")
    except OSError as exc:
        return [f"server log unreadable: {exc}"]
    return [line for line in text.splitlines() if re.search(r"Traceback|Exception", line)]


def _size(log: Path) -> int:
    try:
        return log.stat().st_size
    except OSError:
        return 0


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0–100)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


# ------------------------------------------------------------------ one reader


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about", "file") or parsed.hostname in LOCAL_HOSTS


class Reader:
    """One browser context and page on the tour, with its errors."""

    def __init__(self, name: str, steps: int) -> None:
        self.name = name
        self.steps = steps
        self.current = 0
        self.context = None
        self.page = None
        self.page_errors: list[str] = []
        self.failed: list[str] = []
        self.bad_status: list[str] = []
        self.console_errors: list[str] = []
        self.outside: list[str] = []
        self.timeouts = 0
        self.sockets = 0
        self.latencies: list[float] = []  # in the page: keydown → settled (ms)
        self.client: list[float] = []  # from Python: press → settled seen (ms), Playwright included

    async def open(self, browser, url: str) -> None:
        self.context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")

        async def abort(route) -> None:
            self.outside.append(route.request.url)
            await route.abort()

        await self.context.route(lambda u: not _local(u), abort)
        await self.context.add_init_script(SETTLE_JS)
        page = self.page = await self.context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)[:300]))
        page.on(
            "requestfailed",
            lambda req: None if not _local(req.url) else self.failed.append(f"{req.url} {req.failure}"),
        )
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("websocket", self._socket)
        await page.goto(url, wait_until="commit", timeout=OPEN_TIMEOUT_MS)
        await page.wait_for_selector(
            '[data-test-script-state="notRunning"]', state="attached", timeout=OPEN_TIMEOUT_MS
        )
        await page.wait_for_function(
            "window.storymap && window.storymap.ready === true && "
            "(document.querySelector('[data-testid=storymap-progress]') || {}).textContent === "
            f"'Step 1 of {self.steps}'",
            timeout=OPEN_TIMEOUT_MS,
            polling=100,
        )
        self.current = 0

    def _response(self, response) -> None:
        if response.status >= 400:
            self.bad_status.append(f"{response.status} {response.url}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text[:300])

    def _socket(self, ws) -> None:
        self.sockets += 1

    async def go(self, index: int) -> float | None:
        """Press ArrowRight/ArrowLeft towards ``index`` (one step away); wait until it has settled."""
        page = self.page
        key = "ArrowRight" if index > self.current else "ArrowLeft"
        await page.evaluate(
            "([i, want]) => window.__load.arm(i, want)", [index, f"Step {index + 1} of {self.steps}"]
        )
        start = time.perf_counter()
        await page.keyboard.press(key)
        result = await page.evaluate("(ms) => window.__load.wait(ms)", STEP_TIMEOUT_MS)
        took = (time.perf_counter() - start) * 1000
        if result["timeout"]:
            self.timeouts += 1
            self.current = int(await page.evaluate("window.storymap ? window.storymap.step : 0"))
            return None
        self.current = index
        self.latencies.append(float(result["ms"]))
        self.client.append(took)
        return float(result["ms"])

    async def walk(self, indices: list[int]) -> None:
        for index in indices:
            if abs(index - self.current) != 1:  # after a timeout: a jump would not be a key step
                continue
            await self.go(index)

    async def close(self) -> None:
        if self.context is not None:
            await self.context.close()

    def errors(self) -> dict[str, Any]:
        return {
            "page_errors": self.page_errors,
            "failed_requests": self.failed,
            "http_errors": self.bad_status,
            "timeouts": self.timeouts,
            "websockets": self.sockets,
            "console_errors": self.console_errors,
            "outside_requests": self.outside,
        }


def _error_count(readers: list[Reader]) -> int:
    return sum(
        len(r.page_errors) + len(r.failed) + len(r.bad_status) + r.timeouts + max(0, r.sockets - 1)
        for r in readers
    )


def _stats(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values) if values else None,
        "mean_ms": statistics.fmean(values) if values else None,
    }


# ------------------------------------------------------------------ load


RENDERER_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


async def _phase(
    readers: list[Reader], walks: list[int], rounds: int, pid: int, log: Path, pace_s: float = 0.0
) -> dict[str, Any]:
    """Every reader walks ``rounds`` times at once; with ``pace_s`` each pauses a random
    0.5–1.5 × pace_s after every settled step (and before its first), like a reader reading."""
    log_at = _size(log)
    rss_before = rss_bytes(pid)
    before, load_before = cpu_snapshot(pid), load_average()

    async def drive(reader: Reader, seed: int) -> None:
        pick = random.Random(seed)
        if not pace_s:
            for _ in range(rounds):
                await reader.walk(walks)
            return
        await asyncio.sleep(pick.uniform(0, pace_s))
        for _ in range(rounds):
            for index in walks:
                if abs(index - reader.current) == 1:
                    await reader.go(index)
                    await asyncio.sleep(pick.uniform(0.5, 1.5) * pace_s)

    first = {id(r): len(r.latencies) for r in readers}
    started = time.perf_counter()
    await asyncio.gather(*(drive(r, i) for i, r in enumerate(readers)))
    wall = time.perf_counter() - started
    after = cpu_snapshot(pid)
    pooled = [v for r in readers for v in r.latencies[first[id(r)] :]]
    client = [v for r in readers for v in r.client[first[id(r)] :]]
    problems = server_log_problems(log, log_at)
    return {
        **_stats(pooled),
        "client": _stats(client),
        "per_session_p50_ms": [percentile(r.latencies[first[id(r)] :], 50) for r in readers]
        if len(readers) > 1
        else None,
        "pace_s": pace_s,
        "wall_s": round(wall, 1),
        "steps_per_s": round(len(pooled) / wall, 2) if wall else None,
        "cpu_cores": cpu_between(before, after),
        "cpu_ms_per_step": {
            k: round(v * wall * 1000 / max(1, len(pooled)), 1)
            for k, v in cpu_between(before, after).items()
            if k in ("server", "chromium", "driver", "bench")
        },
        "load_average": [load_before, load_average()],
        "server_rss_bytes": [rss_before, rss_bytes(pid)],
        "server_log": problems[:20],
        "server_log_count": len(problems),
    }


def _errors(readers: list[Reader]) -> dict[str, Any]:
    """Each reader's problems, readers without any left out."""
    out = {}
    for reader in readers:
        found = reader.errors()
        if found["websockets"] > 1 or any(v for k, v in found.items() if k != "websockets"):
            out[reader.name] = found
    return out


async def _load(
    url: str, pid: int, log: Path, steps: int, rounds: int, pace_s: float, say: Callable[[str], None]
) -> dict:
    from playwright.async_api import async_playwright

    one_walk = walk(steps, 2 * (steps - 1))  # to the last step and back to the first
    out: dict[str, Any] = {"sessions": SESSIONS, "walk_changes": len(one_walk), "server_pid": pid}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm = Reader("warm", steps)
            await warm.open(browser, url)  # warms the server (story cache, script)
            await warm.walk(one_walk[:4])
            await warm.close()

            # One session alone, before the others open and again after they have finished (the
            # machine may be shared: two samples of the baseline); it stays open, idle, meanwhile.
            # The renderer's main-thread time per step from CDP beside it.
            alone_rounds = rounds + 1
            say(f"load: 1 session alone, {alone_rounds} × {len(one_walk)} step changes")
            alone = Reader("alone", steps)
            await alone.open(browser, url)
            cdp = await alone.context.new_cdp_session(alone.page)
            await cdp.send("Performance.enable")
            await asyncio.sleep(0.5)
            m0 = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
            before = await _phase([alone], one_walk, alone_rounds, pid, log)
            m1 = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
            before["renderer_main_ms_per_step"] = {
                k: round((m1[k] - m0[k]) * 1000 / max(1, before["n"]), 1) for k in RENDERER_METRICS if k in m1
            }

            say(f"load: opening {SESSIONS} sessions at once")
            readers = [Reader(f"s{i}", steps) for i in range(SESSIONS)]
            opened = time.perf_counter()
            results = await asyncio.gather(*(r.open(browser, url) for r in readers), return_exceptions=True)
            out["open_s"] = round(time.perf_counter() - opened, 1)
            out["open_errors"] = [
                f"{r.name}: {type(e).__name__}: {e}"[:300]
                for r, e in zip(readers, results, strict=True)
                if e is not None
            ]
            live = [r for r, e in zip(readers, results, strict=True) if e is None]
            await asyncio.sleep(1.0)
            for name, pace in (("burst", 0.0), ("paced", pace_s)):
                how = "back to back" if not pace else f"pausing ~{pace:g} s after each step"
                say(f"load: {len(live)} sessions at once, {how}, {rounds} × {len(one_walk)} changes each")
                phase = await _phase(live, one_walk, rounds, pid, log, pace)
                out[name] = phase
            out["chromium_rss_bytes"] = chromium_rss(pid)
            out["errors"] = _errors(live)
            out["error_count"] = (
                _error_count(live)
                + len(out["open_errors"])
                + out["burst"]["server_log_count"]
                + out["paced"]["server_log_count"]
            )
            out["console_errors"] = sum(len(r.console_errors) for r in live)
            out["outside_requests"] = sorted({u for r in live for u in r.outside})
            await asyncio.gather(*(r.close() for r in live), return_exceptions=True)

            await asyncio.sleep(1.0)
            say(f"load: 1 session alone again, {alone_rounds} × {len(one_walk)} step changes")
            after = await _phase([alone], one_walk, alone_rounds, pid, log)
            out["alone"] = {
                **_stats(alone.latencies),  # both samples pooled
                "client": _stats(alone.client),
                "before": before,
                "after": after,
                "renderer_main_ms_per_step": before["renderer_main_ms_per_step"],
                "cpu_cores": before["cpu_cores"],
                "cpu_ms_per_step": before["cpu_ms_per_step"],
                "steps_per_s": before["steps_per_s"],
                "load_average": [before["load_average"][0], after["load_average"][1]],
                "errors": _errors([alone]),
                "error_count": _error_count([alone]) + before["server_log_count"] + after["server_log_count"],
            }
            await alone.close()
        finally:
            await browser.close()
    out["server_log_all"] = server_log_problems(log)[:20]
    return out


def measure_load(
    project: Path,
    story: Path,
    steps: int,
    rounds: int,
    say: Callable[[str], None],
    pace_s: float = 3.0,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """1 session alone vs 20 at once on one server (see the module docstring)."""
    from bench.harness import streamlit_server

    with streamlit_server(project / "stories", extra_env) as url:
        return asyncio.run(_load(f"{url}/?story={story.stem}", url.pid, url.log, steps, rounds, pace_s, say))


# ------------------------------------------------------------------ long


def long_walk(steps: int, count: int) -> list[int]:
    """``count`` changes in cycles of 50 that start and end on the first step: as far up as
    the story (or the rest of the cycle) allows and back, again until the cycle is full (for
    the flagship, 18 steps: to step 18 and back, then to step 9 and back)."""
    last = steps - 1
    cycle: list[int] = []
    while (up := min(last, (CHECK_EVERY - len(cycle)) // 2)) > 0:
        cycle += list(range(1, up + 1)) + list(range(up - 1, -1, -1))
    out: list[int] = []
    while cycle and len(out) < count:
        out += cycle
    return out[:count]


async def _long(url: str, pid: int, log: Path, steps: int, count: int, say: Callable[[str], None]) -> dict:
    from playwright.async_api import async_playwright

    indices = long_walk(steps, count)
    out: dict[str, Any] = {"changes": count, "server_pid": pid, "checkpoints": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            reader = Reader("long", steps)
            await reader.open(browser, url)
            cdp = await reader.context.new_cdp_session(reader.page)
            await cdp.send("Performance.enable")
            targets = await cdp.send("Target.getTargets")
            out["oopif_targets"] = [
                t["type"] for t in targets.get("targetInfos", []) if t["type"] == "iframe"
            ]
            await asyncio.sleep(1.0)

            async def checkpoint(done: int) -> dict[str, Any]:
                await asyncio.sleep(0.3)  # trailing messages of the last step
                for _ in range(2):
                    await cdp.send("HeapProfiler.collectGarbage")
                metrics = {
                    m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]
                }
                probe = await reader.page.evaluate(PROBE_JS)
                point = {
                    "changes": done,
                    "server_rss": rss_bytes(pid),
                    "chromium_rss": chromium_rss(pid),
                    "js_heap_used": metrics.get("JSHeapUsedSize"),
                    "js_heap_total": metrics.get("JSHeapTotalSize"),
                    "cdp_nodes": metrics.get("Nodes"),
                    "cdp_listeners": metrics.get("JSEventListeners"),
                    "cdp_documents": metrics.get("Documents"),
                    "cdp_frames": metrics.get("Frames"),
                    **probe,
                }
                out["checkpoints"].append(point)
                return point

            started = time.perf_counter()
            load_before = load_average()
            await checkpoint(0)
            for start in range(0, count, CHECK_EVERY):
                await reader.walk(indices[start : start + CHECK_EVERY])
                point = await checkpoint(min(count, start + CHECK_EVERY))
                say(
                    f"long: {point['changes']}/{count} changes · server RSS "
                    f"{point['server_rss'] / 1e6:.1f} MB · JS heap {point['js_heap_used'] / 1e6:.1f} MB · "
                    f"layers {point['leaflet_layers']}"
                )
            out["wall_s"] = round(time.perf_counter() - started, 1)
            out["load_average"] = [load_before, load_average()]
            out["latency"] = _stats(reader.latencies)
            out["errors"] = reader.errors()
            out["error_count"] = _error_count([reader])
            await reader.close()
        finally:
            await browser.close()
    out["server_log"] = server_log_problems(log)[:20]
    return out


def measure_long(
    project: Path,
    story: Path,
    steps: int,
    count: int,
    say: Callable[[str], None],
    extra_env: dict[str, str] | None = None,
) -> dict:
    """One session, ``count`` step changes, memory and leak probes every 50 (module docstring)."""
    from bench.harness import streamlit_server

    with streamlit_server(project / "stories", extra_env) as url:
        return asyncio.run(_long(f"{url}/?story={story.stem}", url.pid, url.log, steps, count, say))
