"""``python -m bench``: measure, print a table, write bench/results/<UTC time>.json and latest.json."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import machine, pure
from bench.figures import Figure, fmt, fmt_ratio, fmt_target, from_runs, median, unavailable
from bench.harness import ROOT

GROUPS = ("tour", "baselines", "export", "phone", "validate", "geodata", "load", "long")
# load and long add ~7 minutes on 2 cores to a run that already takes ~7: opt-in (--only load,long or all).
DEFAULT_GROUPS = ("tour", "baselines", "export", "phone", "validate", "geodata")
RESULTS = Path(__file__).resolve().parent / "results"
STORY = ROOT / "stories" / "russia-iran.md"
BASELINES = {"rebuild": "rebuild_app.py", "keep": "keep_app.py"}
EMPTY_APP = "empty_app.py"  # the floor: an empty Streamlit page (first paint only)

NOTES = [
    "Times are medians of the runs (each run a fresh browser context: empty cache, a first visit); "
    "each time is taken in the page with performance.now(), Playwright's round trips excluded.",
    "Tour: the flagship (stories/russia-iran.md) on a running server; key → move with motion on "
    "(Leaflet movestart after the keydown), settled/bytes/remounts over 20 steps with reduced motion "
    "(the map jumps, so 'settled' is the server's answer: step text rendered and script notRunning).",
    "Websocket bytes per step are the payloads both ways as the page sees them (after "
    "permessage-deflate is undone); bytes on the wire per step count what crosses a TCP relay "
    "between the browser and the server during the same 20 steps (frames as sent, compressed).",
    "Baselines are plain st_folium apps over the same Story model and prepared GeoJSON "
    "(bench/baselines/): rebuild = a new folium.Map per step; keep = one map, center/zoom + "
    "feature_group_to_add per step; both with returned_objects=[] (no extra reruns) and Previous/Next as "
    "st.button (measured from the button's click).",
    "Offline: in the baseline runs, Playwright's page.route serves the CDN's leaflet.js/leaflet.css from "
    "the PyPI package django-js-lib-leaflet (the same Leaflet 1.9.4 files) and answers folium's other CDN files (jQuery, Bootstrap, Font Awesome, "
    "awesome-markers; unused by these maps) with an empty 200. Our runs abort any non-local request "
    "(RequestGuard). Routing disables Chromium's HTTP cache in every context alike.",
    "Data: validate = app.validate.check_story on a generated story (200 steps, 50 small layers), "
    "geodata caches cleared before each run; geodata = a generated ~20 MB coverage of many-vertex "
    "district polygons (bench/pure.py) through load_layer + prepare_geojson at zoom 7, cold = caches "
    "cleared, cached = the second call; bytes = compact JSON of prepare_geojson's result.",
    "First map: on a warm server (one visit before the runs: the story cache and the script's imports "
    "are warm), each run a fresh context (empty browser cache), 2 × runs + 1 runs (11; --quick 7). With "
    "the tour and the baselines both selected, the four apps (ours, rebuild, keep, the empty page) are "
    "served at once and measured interleaved: each run visits each app once, in an order that rotates. "
    "The floor is an empty Streamlit page "
    "(bench/baselines/empty_app.py: set_page_config + one st.write), timed to its text in the page; "
    "'over the floor' = our median − the empty page's median, in the same run. 'Script runs before the "
    "first map' counts Streamlit new_session messages (decoded with Streamlit's protobuf classes).",
    "Export step change: the flagship export from file:// with reduced motion (the map jumps), "
    "every step forward then back, a frame between changes; each change timed from goTo to the end "
    "of the style and layout it forces (paint excluded); the run's value is the median change.",
    "Phone (bench/phone.py): the flagship export served over HTTP by a local server, plain and "
    "pre-gzipped (level 9, Content-Encoding: gzip), in Chromium with CDP emulation: 4× CPU slowdown, "
    "1.6 Mbps down, 750 Kbps up, 150 ms RTT, 390×844 viewport, a fresh context per run. Map usable = "
    "the first animation frame in which window.storymap exists, every layer of the first step is on "
    "the map with all its features drawn, and the basemap's land in view is drawn. LCP = the last "
    "largest-contentful-paint entry after load. Arrived = the navigation entry's responseEnd.",
    "Sizes are SI: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes.",
]

SESSION_NOTES = {
    "load": "Load (opt-in, --only load; with long it would take the full run past 10 min): one Streamlit "
    "server, one Chromium with one context per reader (reduced motion), driven at once by Playwright's "
    "async API. Each reader walks the flagship to its last step and back (34 key presses); step latency = keydown → 'Step i of n' rendered and the script "
    "notRunning, in the page. 1 session alone (before the others open), then 20 at once back to back (a "
    "stress: no reading pause), then 20 at once pausing 1.5–4.5 s after each step, then the 1 session "
    "alone again (the two alone samples are pooled; its CPU lines are from the first). Ratios are 20 ÷ 1. "
    "Errors: page errors, failed or ≥ 400 requests, timeouts (60 s), websocket reconnects, sessions that "
    "failed to open, and 'Traceback'/'Exception' lines in the server log. On one machine the readers' "
    "Chromium competes with the server for the same cores; CPU per party is in the 'load:' lines.",
    "long": "Long (opt-in: --only long): one session, 500 step changes (10 × (to the last step, back, to "
    "step 9, back), so every checkpoint is on step 1); after loading, after 50 changes (warm-up) and "
    "every 50 after: server RSS (/proc/<pid>/status VmRSS), the page's JS heap after a forced GC (CDP; the "
    "map frame is a same-origin iframe in the same renderer and heap), DOM nodes of the page and "
    "of the map frame, Leaflet layers on the map, tooltips/labels and JS event listeners. "
    "'Growth' = end − start; 'after warm-up' = end − after 50.",
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="3 runs instead of 5, 3 key presses instead of 5"
    )
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT_GROUPS),
        help=f"comma-separated groups: {', '.join(GROUPS)}, or all (default: all but load and long)",
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5, --quick 3)")
    parser.add_argument(
        "--keep-tmp", action="store_true", help="keep bench/results/tmp/<stamp> (server logs)"
    )
    parser.add_argument("--no-save", action="store_true", help="print only; write no JSON")
    args = parser.parse_args(argv)
    args.groups = [g.strip() for g in args.only.split(",") if g.strip()]
    if "all" in args.groups:
        args.groups = list(GROUPS)
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    args.runs = args.runs or (3 if args.quick else 5)
    args.presses = 3 if args.quick else 5
    return args


def _floor_figures(ours: dict[str, Any] | None, empty: dict[str, Any] | None) -> list[Figure]:
    """The empty Streamlit page's first paint, ours over it, and what crossed the socket before."""
    floor_label = "Tour: empty Streamlit page, text shown (the floor)"
    over_label = "Tour: first map over the floor (ours − empty page)"
    runs_label = "Tour: script runs before the first map"
    boot_label = "Tour: websocket bytes before the first map"
    figures = []
    if empty is None or "error" in empty:
        why = (empty or {}).get("error", "not measured")
        figures.append(unavailable("tour.floor", "tour", floor_label, "ms", why))
        figures.append(unavailable("tour.first_map_over_floor", "tour", over_label, "ms", why))
    else:
        floor = from_runs("tour.floor", "tour", floor_label, "ms", empty["first_map_runs_ms"])
        floor.extra = {"boot": empty.get("boot")}
        figures.append(floor)
        if ours is None or "error" in ours:
            why = (ours or {}).get("error", "not measured")
            figures.append(unavailable("tour.first_map_over_floor", "tour", over_label, "ms", why))
        else:
            over = median(ours["first_map_runs_ms"]) - floor.value
            figures.append(
                Figure("tour.first_map_over_floor", "tour", over_label, "ms", value=over, runs=[over])
            )
    if ours is None or "error" in ours or not ours.get("boot"):
        why = (ours or {}).get("error", "not measured")
        figures += [unavailable("tour.boot_runs", "tour", runs_label, "count", why),
                    unavailable("tour.boot_bytes", "tour", boot_label, "bytes", why)]  # fmt: skip
    else:
        figures.append(
            from_runs("tour.boot_runs", "tour", runs_label, "count", [b["script_runs"] for b in ours["boot"]])
        )
        boot = from_runs(
            "tour.boot_bytes", "tour", boot_label, "bytes", [b["bytes_received"] for b in ours["boot"]]
        )
        boot.extra = {"boot": ours["boot"]}
        figures.append(boot)
    return figures


def _phone_figures(result: dict[str, Any] | None) -> list[Figure]:
    specs = [
        ("phone.usable_plain", "Phone: export → map usable, no compression", "ms", "plain", "usable_runs_ms"),
        ("phone.usable_gzip", "Phone: export → map usable, gzip", "ms", "gzip", "usable_runs_ms"),
        ("phone.lcp_plain", "Phone: largest contentful paint, no compression", "ms", "plain", "lcp_runs_ms"),
        ("phone.lcp_gzip", "Phone: largest contentful paint, gzip", "ms", "gzip", "lcp_runs_ms"),
        ("phone.arrived_plain", "Phone: page arrived (last byte), no compression", "ms", "plain", "arrived_runs_ms"),
        ("phone.arrived_gzip", "Phone: page arrived (last byte), gzip", "ms", "gzip", "arrived_runs_ms"),
    ]  # fmt: skip
    weights = [
        ("export.gzip_bytes", "Export: flagship file gzipped (level 9)", "gzip_bytes"),
        ("export.brotli_bytes", "Export: flagship file, brotli", "brotli_bytes"),
    ]
    if result is None or "error" in result:
        why = (result or {}).get("error", "not measured")
        return [unavailable(f, "phone", lbl, unit, why) for f, lbl, unit, _, _ in specs] + [
            unavailable(f, "export", lbl, "bytes", why) for f, lbl, _ in weights
        ]
    figures = []
    for fid, label, unit, kind, key in specs:
        figure = from_runs(fid, "phone", label, unit, result[kind][key])
        figure.extra = {"visits": result[kind]["visits"], "profile": result["profile"]}
        figures.append(figure)
    for fid, label, key in weights:
        value = result["weight"].get(key)
        if value is None:
            figures.append(unavailable(fid, "export", label, "bytes", "the brotli package is not installed"))
        else:
            figures.append(Figure(fid, "export", label, "bytes", value=value, runs=[value]))
    return figures


def _tour_figures(ours: dict[str, Any] | None, baselines: dict[str, dict[str, Any]]) -> list[Figure]:
    specs = [
        ("tour.key_to_move", "Tour: key press → map starts moving", "ms", "move_runs_ms"),
        ("tour.settled", "Tour: step settled (no flight)", "ms", "settled_runs_ms"),
        ("tour.ws_bytes_per_step", "Tour: websocket bytes per step", "bytes", "ws_bytes_per_step_runs"),
        (
            "tour.wire_bytes_per_step",
            "Tour: bytes on the wire per step (compressed)",
            "bytes",
            "wire_bytes_per_step_runs",
        ),
        ("tour.remounts", "Tour: map remounts in 20 steps", "count", "remount_runs"),
        ("tour.first_map", "Tour: first map painted", "ms", "first_map_runs_ms"),
    ]
    figures = []
    for fid, label, unit, key in specs:
        if ours is None or "error" in ours:
            figure = unavailable(fid, "tour", label, unit, (ours or {}).get("error", "not measured"))
        else:
            figure = from_runs(fid, "tour", label, unit, ours[key])
        for name, result in baselines.items():
            figure.baselines[name] = median(result[key]) if "error" not in result else None
        figures.append(figure)
    return figures


def _export_figures(built: dict[str, Any], measured: dict[str, Any] | None) -> list[Figure]:
    labels = [
        ("export.key_to_move", "Export: key press → first movement", "ms"),
        ("export.size", "Export: file size", "bytes"),
        ("export.tti", "Export: time to interactive", "ms"),
        ("export.step_work", "Export: step change, main-thread work (reduced motion)", "ms"),
    ]
    if not built.get("available"):
        why = "not available: `python -m app export` " + " ".join(built.get("why") or [])
        return [unavailable(fid, "export", label, unit, why.strip()) for fid, label, unit in labels]
    size = Figure("export.size", "export", labels[1][1], "bytes", value=built["bytes"], runs=[built["bytes"]])
    size.extra = {"build_ms": built["build_ms"]}
    if measured is None or "error" in measured:
        why = (measured or {}).get("error", "not measured")
        return [unavailable("export.key_to_move", "export", labels[0][1], "ms", why), size,
                unavailable("export.tti", "export", labels[2][1], "ms", why),
                unavailable("export.step_work", "export", labels[3][1], "ms", why)]  # fmt: skip
    move = from_runs("export.key_to_move", "export", labels[0][1], "ms", measured["move_runs_ms"])
    tti = from_runs("export.tti", "export", labels[2][1], "ms", measured["tti_runs_ms"])
    work = from_runs("export.step_work", "export", labels[3][1], "ms", measured["step_runs_ms"])
    run_keys = ("move_runs_ms", "tti_runs_ms", "step_runs_ms")
    for figure in (move, tti, work):
        figure.extra = {k: v for k, v in measured.items() if k not in run_keys}
    return [move, size, tti, work]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _load_figures(result: dict[str, Any]) -> list[Figure]:
    n = result.get("sessions", 20) if "error" not in result else 20
    specs = [
        ("alone", "1 session"),
        ("burst", f"{n} sessions back to back"),
        ("paced", f"{n} sessions paced"),
    ]
    labels = {"alone": "1 session alone (before + after, pooled)"}
    ids = [(f"load.{k}_{q}", f"Load: step, {label}, {q}", k, q) for k, label in specs for q in ("p50", "p95")]
    ratios = [(f"load.{k}_ratio_{q}", f"Load: {label} ÷ 1 session, {q}", k, q) for k, label in specs[1:] for q in ("p50", "p95")]  # fmt: skip
    if "error" in result:
        why = result["error"]
        return [unavailable(f, "load", lbl, "ms", why) for f, lbl, _, _ in ids] + [
            unavailable(f, "load", lbl, "ratio", why) for f, lbl, _, _ in ratios
        ] + [unavailable("load.errors", "load", f"Load: errors ({n} + 1 sessions)", "count", why)]  # fmt: skip
    figures = []
    for fid, label, phase, q in ids:
        value = result[phase][f"{q}_ms"]
        figure = Figure(fid, "load", label, "ms", value=value, runs=[value] if value is not None else [])
        figure.extra = {k: v for k, v in result[phase].items() if k not in ("per_session_p50_ms",)}
        figures.append(figure)
    for fid, label, phase, q in ratios:
        one, many = result["alone"][f"{q}_ms"], result[phase][f"{q}_ms"]
        value = many / one if one and many is not None else None
        figures.append(Figure(fid, "load", label, "ratio", value=value, runs=[value] if value else []))
    errors = result["error_count"] + result["alone"]["error_count"]
    figures.append(
        Figure(
            "load.errors", "load", f"Load: errors ({n} + 1 sessions)", "count", value=errors, runs=[errors]
        )
    )
    lines = []
    for phase, label in specs:
        data = result[phase]
        cores, per = data["cpu_cores"], data["cpu_ms_per_step"]
        lines.append(
            f"{labels.get(phase, label)}: p50 {_ms(data['p50_ms'])}, p95 {_ms(data['p95_ms'])}, {data['steps_per_s']} steps/s; "
            f"CPU cores used: server {cores['server']}, Chromium {cores['chromium']}, Playwright "
            f"{cores['driver'] + cores['bench']:.2f}, other processes {cores['other']} (machine "
            f"{cores['machine']} of {os.cpu_count()}); CPU per step: server {per['server']:.0f} ms, "
            f"Chromium {per['chromium']:.0f} ms; load average {data['load_average'][0]} → "
            f"{data['load_average'][1]}"
        )
    renderer = result["alone"].get("renderer_main_ms_per_step") or {}
    if renderer:
        lines.append(
            "1 session, renderer main thread per step (CDP): "
            + ", ".join(f"{k.removesuffix('Duration')} {v:.0f} ms" for k, v in renderer.items())
        )
    figures[-1].note = "\n".join(lines)
    figures[-1].extra = {k: v for k, v in result.items() if k not in ("alone", "burst", "paced")}
    return figures


def _long_figures(result: dict[str, Any]) -> list[Figure]:
    specs = [
        ("long.server_rss_growth", "Long: server RSS growth, 500 steps", "bytes", "server_rss", 0),
        ("long.server_rss_growth_warm", "Long: server RSS growth after warm-up (50→500)", "bytes", "server_rss", 1),
        ("long.js_heap_growth", "Long: page JS heap growth, 500 steps", "bytes", "js_heap_used", 0),
        ("long.js_heap_growth_warm", "Long: page JS heap growth after warm-up (50→500)", "bytes", "js_heap_used", 1),
        ("long.leaflet_layers_delta", "Long: Leaflet layers on the map, change", "count", "leaflet_layers", 0),
        ("long.tooltips_delta", "Long: tooltips and labels in the frame, change", "count", "tooltips", 0),
        ("long.frame_nodes_delta", "Long: map frame DOM nodes, change", "count", "frame_dom_nodes", 0),
        ("long.page_nodes_delta", "Long: page DOM nodes, change", "count", "dom_nodes", 0),
        ("long.listeners_delta", "Long: JS event listeners, change after warm-up", "count", "cdp_listeners", 1),
        ("long.errors", "Long: errors in 500 steps", "count", None, 0),
    ]  # fmt: skip
    if "error" in result:
        return [unavailable(f, "long", lbl, unit, result["error"]) for f, lbl, unit, _, _ in specs]
    points = result["checkpoints"]
    figures = []
    for fid, label, unit, key, start in specs:
        if key is None:
            value = result["error_count"] + len(result["server_log"])
            series = []
        else:
            series = [p[key] for p in points]
            value = series[-1] - series[start] if None not in (series[-1], series[start]) else None
        figure = Figure(fid, "long", label, unit, value=value, runs=[value] if value is not None else [])
        figure.extra = {"series": series, "at_changes": [p["changes"] for p in points]}
        figures.append(figure)
    first, warm, last = points[0], points[1], points[-1]
    figures[-1].note = (
        f"server RSS {first['server_rss'] / 1e6:.1f} → {warm['server_rss'] / 1e6:.1f} (50) → "
        f"{last['server_rss'] / 1e6:.1f} MB; JS heap {first['js_heap_used'] / 1e6:.1f} → "
        f"{warm['js_heap_used'] / 1e6:.1f} → {last['js_heap_used'] / 1e6:.1f} MB; Leaflet layers "
        f"{first['leaflet_layers']} → {last['leaflet_layers']}; page/frame DOM nodes {first['dom_nodes']}/"
        f"{first['frame_dom_nodes']} → {last['dom_nodes']}/{last['frame_dom_nodes']}; tooltips "
        f"{first['tooltips']} → {last['tooltips']}; listeners {first['cdp_listeners']:.0f} → "
        f"{warm['cdp_listeners']:.0f} → {last['cdp_listeners']:.0f}; step p50 "
        f"{_ms(result['latency']['p50_ms'])}, p95 {_ms(result['latency']['p95_ms'])}; {result['wall_s']} s; "
        f"load average {result['load_average'][0]} → {result['load_average'][1]}"
    )
    figures[-1].extra = {k: v for k, v in result.items() if k != "checkpoints"} | {"checkpoints": points}
    return figures


def _session_groups(args: argparse.Namespace, tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from bench import sessions
    from bench.harness import copy_project

    project = copy_project(tmp / "sessions", [STORY])
    story = project / "stories" / STORY.name
    steps = len(pure_story_steps(story))
    out: dict[str, Any] = {}
    if "load" in args.groups:
        rounds = 1
        out["load"] = _guard(log, "load", lambda: sessions.measure_load(project, story, steps, rounds, log))
    if "long" in args.groups:
        count = sessions.LONG_STEPS
        out["long"] = _guard(log, "long", lambda: sessions.measure_long(project, story, steps, count, log))
    return out


def _guard(log: Callable[[str], None], what: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return work()
    except Exception as exc:  # one failing group must not lose the others
        log(f"[red]{what} failed: {exc}[/red]")
        return {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-2000:]}


def _browser_groups(args: argparse.Namespace, tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from bench import browser as bb
    from bench.harness import CHROMIUM, CHROMIUM_ARGS, RequestGuard, copy_project, streamlit_server

    project = copy_project(tmp / "project", [STORY])
    story = project / "stories" / STORY.name
    steps = len(pure_story_steps(story))
    out: dict[str, Any] = {"baselines": {}}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        out["chromium"] = browser.version
        try:
            if {"tour", "baselines"} <= set(args.groups):
                out.update(_side_by_side(browser, args, project, story, steps, tmp, log))
            elif "tour" in args.groups:

                def tour() -> dict[str, Any]:
                    with streamlit_server(project / "stories") as url:
                        app = bb.App("ours", f"{url}/?story={story.stem}", steps, RequestGuard)
                        return bb.measure_app(browser, app, args.runs, args.presses, log)

                out["ours"] = _guard(log, "tour", tour)
            elif "baselines" in args.groups:
                for name, script in BASELINES.items():

                    def baseline(name: str = name, script: str = script) -> dict[str, Any]:
                        path = ROOT / "bench" / "baselines" / script
                        with bb.serve(path, {"BENCH_STORY": str(story)}, tmp / "logs") as url:
                            app = bb.App(name, url, steps, bb.CdnRouter)
                            return bb.measure_app(browser, app, args.runs, args.presses, log)

                    out["baselines"][name] = _guard(log, f"baseline {name}", baseline)

                def empty() -> dict[str, Any]:
                    path = ROOT / "bench" / "baselines" / EMPTY_APP
                    with bb.serve(path, {"BENCH_EMPTY_TEXT": bb.EMPTY_TEXT}, tmp / "logs") as url:
                        app = bb.App("empty", url, 0, RequestGuard)
                        return bb.measure_first_map(browser, app, bb.first_map_runs(args.runs), log)

                out["empty"] = _guard(log, "baseline empty", empty)
            if {"export", "phone"} & set(args.groups):
                log("export: building the page")
                built = bb.build_export(story, tmp / "export" / f"{story.stem}.html")
                out["export_build"] = built
                page = tmp / "export" / f"{story.stem}.html"
                if built.get("available") and "export" in args.groups:
                    out["export"] = _guard(
                        log, "export", lambda: bb.measure_export(browser, page, args.runs, args.presses, log)
                    )
                if built.get("available") and "phone" in args.groups:
                    from bench.phone import measure_phone

                    out["phone"] = _guard(log, "phone", lambda: measure_phone(browser, page, args.runs, log))
        finally:
            browser.close()
    return out


def _side_by_side(
    browser,
    args: argparse.Namespace,
    project: Path,
    story: Path,
    steps: int,
    tmp: Path,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """The tour, both baselines and the empty page, all four served at once: their first maps
    are measured interleaved (bench.browser.measure_first_maps), then each app's steps."""
    from bench import browser as bb
    from bench.harness import RequestGuard, streamlit_server

    out: dict[str, Any] = {"baselines": {}}
    with contextlib.ExitStack() as servers:
        try:
            url = servers.enter_context(streamlit_server(project / "stories"))
            apps = [bb.App("ours", f"{url}/?story={story.stem}", steps, RequestGuard)]
            for name, script in BASELINES.items():
                path = ROOT / "bench" / "baselines" / script
                base = servers.enter_context(bb.serve(path, {"BENCH_STORY": str(story)}, tmp / "logs"))
                apps.append(bb.App(name, base, steps, bb.CdnRouter))
            path = ROOT / "bench" / "baselines" / EMPTY_APP
            empty = servers.enter_context(bb.serve(path, {"BENCH_EMPTY_TEXT": bb.EMPTY_TEXT}, tmp / "logs"))
            apps.append(bb.App("empty", empty, 0, RequestGuard))
        except Exception as exc:  # a server that does not start loses the figures, not the run
            log(f"[red]servers failed: {exc}[/red]")
            error = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-2000:]}
            return {"ours": error, "baselines": dict.fromkeys(BASELINES, error), "empty": error}
        first = _guard(
            log, "first map", lambda: bb.measure_first_maps(browser, apps, bb.first_map_runs(args.runs), log)
        )
        for app in apps:
            if "error" in first:
                result = first
            elif app.name == "empty":
                result = dict(first["empty"])
                result.pop("errors")
            else:
                result = _guard(
                    log,
                    app.name,
                    lambda app=app: bb.measure_app(
                        browser, app, args.runs, args.presses, log, first[app.name]
                    ),
                )
            if app.name == "ours":
                out["ours"] = result
            elif app.name == "empty":
                out["empty"] = result
            else:
                out["baselines"][app.name] = result
    return out


def pure_story_steps(story: Path) -> list[Any]:
    from app.validate import load_story

    checked = load_story(story)
    assert checked.story is not None
    return checked.story.steps


def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    status = Console(stderr=True)

    def log(message: str) -> None:
        status.log(message)

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    tmp = RESULTS / "tmp" / stamp
    tmp.mkdir(parents=True, exist_ok=True)
    info = machine.info()
    started = time.perf_counter()
    figures: list[Figure] = []
    raw: dict[str, Any] = {}
    try:
        if {"tour", "baselines", "export", "phone"} & set(args.groups):
            raw = _browser_groups(args, tmp, log)
            info["chromium_playwright"] = raw.pop("chromium", None)
        if "tour" in args.groups or "baselines" in args.groups:
            figures += _tour_figures(
                raw.get("ours") if "tour" in args.groups else None, raw.get("baselines", {})
            )
            if "tour" not in args.groups:
                for figure in figures:
                    figure.error = "tour not selected (--only)"
            if "baselines" in args.groups:
                figures += _floor_figures(
                    raw.get("ours") if "tour" in args.groups else None, raw.get("empty")
                )
        if "export" in args.groups:
            figures += _export_figures(raw.get("export_build", {}), raw.get("export"))
        if "phone" in args.groups:
            built = raw.get("export_build", {})
            phone = raw.get("phone") if built.get("available") else {"error": "the export was not built"}
            figures += _phone_figures(phone)
        if "validate" in args.groups:
            log("validate: 200 steps, 50 layers")
            result = _guard(log, "validate", lambda: pure.measure_validate(tmp / "validate", args.runs))
            raw["validate"] = result
            label = "Validate: 200 steps, 50 layers"
            if "error" in result:
                figures.append(unavailable("validate.200_steps", "data", label, "ms", result["error"]))
            else:
                figures.append(
                    from_runs("validate.200_steps", "data", label, "ms", result["runs_ms"], extra=result)
                )
        if {"load", "long"} & set(args.groups):
            raw.update(_session_groups(args, tmp, log))
            if "load" in raw:
                figures += _load_figures(raw["load"])
            if "long" in raw:
                figures += _long_figures(raw["long"])
        if "geodata" in args.groups:
            log("geodata: generating a ~20 MB polygon layer and preparing it")
            result = _guard(log, "geodata", lambda: pure.measure_geodata(tmp / "geodata", args.runs))
            raw["geodata"] = result
            labels = [
                ("geodata.bytes", "Geodata: 20 MB layer → browser", "bytes"),
                ("geodata.cold", "Geodata: prepare at zoom 7, cold", "ms"),
                ("geodata.cached", "Geodata: prepare, cached", "ms"),
            ]
            if "error" in result:
                figures += [unavailable(f, "data", lbl, u, result["error"]) for f, lbl, u in labels]
            else:
                sent = Figure(labels[0][0], "data", labels[0][1], "bytes", value=result["bytes_sent"])
                sent.runs = [result["bytes_sent"]]
                sent.extra = result
                figures += [
                    sent,
                    from_runs(labels[1][0], "data", labels[1][1], "ms", result["cold_runs_ms"]),
                    from_runs(labels[2][0], "data", labels[2][1], "ms", result["cached_runs_ms"]),
                ]
    finally:
        if not args.keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    info["load_average_end"] = machine.load_average()
    info["duration_s"] = round(time.perf_counter() - started, 1)
    return {
        "schema": 1,
        "machine": info,
        "options": {"runs": args.runs, "presses": args.presses, "quick": args.quick, "only": args.groups},
        "story": str(STORY.relative_to(ROOT)),
        "notes": NOTES + [n for g, n in SESSION_NOTES.items() if g in args.groups],
        "figures": [f.to_json() for f in figures],
        "raw": raw,
        "_figures": figures,
    }


def table(figures: list[Figure], with_baselines: bool) -> Table:
    grid = Table(title="storymap benchmark (medians)", show_lines=False, header_style="bold")
    grid.add_column("figure")
    grid.add_column("ours", justify="right")
    grid.add_column("target", justify="right")
    grid.add_column("met", justify="center")
    if with_baselines:
        grid.add_column("rebuild", justify="right")
        grid.add_column("keep", justify="right")
        grid.add_column("ours ÷ rebuild", justify="right")
        grid.add_column("ours ÷ keep", justify="right")
    for figure in figures:
        if figure.error:
            ours = "[yellow]n/a[/yellow]"
            met = "—"
        else:
            ours = fmt(figure.value, figure.unit)
            met = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "—"}[figure.met]
        row = [figure.label, ours, fmt_target(figure), met]
        if with_baselines:
            row += [
                fmt(figure.baselines.get("rebuild"), figure.unit) if figure.baselines else "",
                fmt(figure.baselines.get("keep"), figure.unit) if figure.baselines else "",
                fmt_ratio(figure, "rebuild") if figure.baselines else "",
                fmt_ratio(figure, "keep") if figure.baselines else "",
            ]
        grid.add_row(*row)
    return grid


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    console = Console()
    if not console.is_terminal:  # a log file or a pipe: do not wrap the table at 80 columns
        console = Console(width=150)
    result = run(args, console)
    figures: list[Figure] = result.pop("_figures")
    with_baselines = any(f.baselines for f in figures)
    console.print(table(figures, with_baselines))
    machine_line = result["machine"]
    console.print(
        f"{machine_line['cpu']} · {machine_line['cores']} cores · {machine_line['ram_gb']} GB RAM · "
        f"Python {machine_line['python']} · {machine_line.get('chromium') or 'Chromium ?'} · "
        f"{machine_line['date']} · load average {machine_line['load_average_start']} → "
        f"{machine_line['load_average_end']} · {result['options']['runs']} runs"
    )
    for figure in figures:
        if figure.error:
            console.print(f"[yellow]{figure.label}: {figure.error.splitlines()[0]}[/yellow]")
    for figure in figures:
        for line in figure.note.splitlines():
            console.print(f"{figure.group}: {line}")
    for note in NOTES:
        console.print(f"• {note}", style="dim")
    for group, note in SESSION_NOTES.items():
        if group in result["options"]["only"]:
            console.print(f"• {note}", style="dim")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.fromisoformat(machine_line["date"]).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
        (RESULTS / f"{stamp}.json").write_text(text + "\n", encoding="utf-8")
        (RESULTS / "latest.json").write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote bench/results/{stamp}.json and bench/results/latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
