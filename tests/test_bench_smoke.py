"""The benchmark's pure-Python figures run and return sane structures (no timing assertions)."""

from __future__ import annotations

import pytest

import bench
from bench.figures import Figure, fmt


def test_validate_figure_checks_a_generated_200_step_story(tmp_path):
    result = bench.measure_validate(tmp_path, runs=1)
    assert result["steps"] == 200
    assert result["layers"] == 50
    assert result["errors"] == 0, result["problems"]
    assert len(result["runs_ms"]) == 1
    assert all(isinstance(t, float) for t in result["runs_ms"])


def test_geodata_figure_prepares_a_generated_layer(tmp_path):
    result = bench.measure_geodata(tmp_path, runs=1, target_bytes=1_000_000)
    assert 500_000 < result["file_bytes"] < 2_000_000
    assert result["features_sent"] == result["features"]
    assert 0 < result["vertices_sent"] < result["vertices"]
    assert 0 < result["bytes_sent"] < result["file_bytes"]
    assert result["bytes_as_embedded"] >= result["bytes_sent"]
    assert len(result["cold_runs_ms"]) == len(result["cached_runs_ms"]) == 1


def test_figures_compare_with_targets_and_baselines():
    figure = Figure("tour.remounts", "tour", "remounts", "count", value=0, baselines={"rebuild": 20})
    assert figure.met is True
    assert figure.to_json()["target"] == 0
    slow = Figure("tour.settled", "tour", "settled", "ms", value=300.0, baselines={"keep": 600.0})
    assert slow.met is False
    assert slow.ratio("keep") == 0.5
    assert fmt(1_500_000, "bytes") == "1.50 MB"


def test_long_walk_moves_one_step_at_a_time_and_checkpoints_on_the_first_step():
    from bench.sessions import CHECK_EVERY, long_walk

    for steps in (18, 5, 2):
        indices = long_walk(steps, 500)
        assert len(indices) == 500
        assert all(0 <= i < steps for i in indices)
        assert all(abs(b - a) == 1 for a, b in zip([0, *indices], indices, strict=False))
        assert all(indices[k - 1] == 0 for k in range(CHECK_EVERY, 501, CHECK_EVERY)), steps
    assert set(long_walk(18, 50)) == set(range(18))


def test_session_figures_are_built_from_results(tmp_path):
    from bench.cli import _load_figures, _long_figures
    from bench.sessions import percentile, server_log_problems

    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([], 95) is None
    log = tmp_path / "server.log"
    log.write_text("ok\nTraceback (most recent call last):\nValueError\n", encoding="utf-8")
    assert server_log_problems(log) == ["Traceback (most recent call last):"]

    cores = {"server": 0.5, "chromium": 1.0, "driver": 0.1, "bench": 0.0, "machine": 1.7, "other": 0.1}
    phase = {
        "p50_ms": 100.0,
        "p95_ms": 200.0,
        "steps_per_s": 5.0,
        "cpu_cores": cores,
        "cpu_ms_per_step": {"server": 10.0, "chromium": 90.0},
        "load_average": [[1.0, 1.0, 1.0], [2.0, 1.0, 1.0]],
    }
    load = {
        "sessions": 20,
        "alone": {**phase, "error_count": 0},
        "burst": {**phase, "p50_ms": 400.0, "p95_ms": 600.0},
        "paced": {**phase, "p50_ms": 150.0, "p95_ms": 300.0},
        "error_count": 0,
    }
    figures = {f.id: f for f in _load_figures(load)}
    assert figures["load.burst_ratio_p50"].value == 4.0
    assert figures["load.paced_ratio_p95"].met is True
    assert figures["load.errors"].value == 0
    assert all(f.error for f in _load_figures({"error": "boom"}))

    point = {
        "changes": 0,
        "server_rss": 100 * 10**6,
        "js_heap_used": 20 * 10**6,
        "leaflet_layers": 168,
        "tooltips": 1,
        "frame_dom_nodes": 214,
        "dom_nodes": 381,
        "cdp_listeners": 469.0,
    }
    points = [point, {**point, "changes": 50, "cdp_listeners": 479.0}, {**point, "changes": 100}]
    long = {
        "checkpoints": points,
        "error_count": 0,
        "server_log": [],
        "latency": {"p50_ms": 60.0, "p95_ms": 90.0},
        "wall_s": 10.0,
        "load_average": [None, None],
    }
    figures = {f.id: f for f in _long_figures(long)}
    assert figures["long.server_rss_growth"].value == 0
    assert figures["long.listeners_delta"].value == -10
    assert figures["long.leaflet_layers_delta"].met is True


def test_the_baselines_build_every_step_of_the_flagship():
    """The st_folium baselines share the story model: a change to it must not break them quietly."""
    from bench.baselines import common

    prepared = common.prepare()
    for index in range(len(prepared.story.steps)):
        fmap = common.base_map(prepared, index)
        for layer_id in common.step_layers(prepared, index):
            common.layer(prepared, layer_id, index).add_to(fmap)
        assert common.step_html(prepared, index)


def test_floor_and_phone_figures_are_built_from_results() -> None:
    from bench.cli import _floor_figures, _phone_figures

    boot = {"script_runs": 1, "bytes_received": 480_000}
    ours = {"first_map_runs_ms": [1500.0, 1600.0, 1700.0], "boot": [boot, boot, {**boot, "script_runs": 2}]}
    empty = {"first_map_runs_ms": [1300.0, 1400.0, 1200.0], "boot": []}
    figures = {f.id: f for f in _floor_figures(ours, empty)}
    assert figures["tour.floor"].value == 1300.0
    assert figures["tour.first_map_over_floor"].value == 300.0
    assert figures["tour.first_map_over_floor"].met is True
    assert figures["tour.boot_runs"].value == 1
    assert figures["tour.boot_bytes"].value == 480_000
    assert all(f.error for f in _floor_figures({"error": "boom"}, {"error": "boom"}))

    visits = [{"usable": 1.0}]
    kind = {"usable_runs_ms": [2600.0, 2400.0, 2450.0], "lcp_runs_ms": [900.0], "arrived_runs_ms": [2000.0]}
    phone = {
        "profile": {},
        "weight": {"bytes": 474_000, "gzip_bytes": 189_000, "brotli_bytes": None},
        "plain": {**kind, "visits": visits},
        "gzip": {**kind, "usable_runs_ms": [1600.0], "visits": visits},
    }
    figures = {f.id: f for f in _phone_figures(phone)}
    assert figures["phone.usable_plain"].value == 2450.0 and figures["phone.usable_plain"].met is True
    assert figures["phone.usable_gzip"].met is False
    assert figures["export.gzip_bytes"].value == 189_000
    assert figures["export.brotli_bytes"].error
    assert all(f.error for f in _phone_figures({"error": "boom"}))


def test_boot_messages_are_decoded_with_streamlits_own_classes() -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from bench.browser import boot_messages, message_type

    new = ForwardMsg()
    new.new_session.name = "run-1"
    rerun = BackMsg()
    rerun.rerun_script.query_string = "story=x"
    assert message_type(new.SerializeToString(), sent=False) == "new_session"
    assert message_type(rerun.SerializeToString(), sent=True) == "rerun_script"
    log = [
        ("sent", "rerun_script", 20),
        ("received", "new_session", 100),
        ("received", "delta.new_element", 5000),
    ]
    found = boot_messages(log)
    assert found["script_runs"] == 1 and found["rerun_requests"] == 1
    assert found["bytes_received"] == 5100 and found["largest_received"] == 5000


def test_the_phone_server_sends_the_page_as_it_is_or_gzipped(tmp_path) -> None:
    import gzip
    import urllib.request

    from bench.phone import serving, weight

    page = tmp_path / "page.html"
    page.write_bytes(b"<!doctype html><title>t</title>" + b"<p>words words words</p>" * 200)
    sizes = weight(page)
    assert sizes["bytes"] == page.stat().st_size > sizes["gzip_bytes"] > 0
    for compress in (False, True):
        with serving(page, compress) as url:
            request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                encoding = response.headers.get("Content-Encoding")
        assert encoding == ("gzip" if compress else None)
        assert (gzip.decompress(body) if compress else body) == page.read_bytes()


def test_the_wire_counter_relays_and_counts_only_while_on(tmp_path) -> None:
    import urllib.request

    from bench.harness import WireCounter
    from bench.phone import serving

    page = tmp_path / "page.html"
    page.write_bytes(b"x" * 5000)
    with serving(page, False) as url:
        wire = WireCounter(url)
        try:
            with urllib.request.urlopen(wire.url, timeout=10) as response:  # off: not counted
                assert response.read() == page.read_bytes()
            assert wire.up == wire.down == 0
            wire.on = True
            with urllib.request.urlopen(wire.url, timeout=10) as response:
                assert response.read() == page.read_bytes()
            wire.on = False
        finally:
            wire.close()
    assert wire.up > 50  # the request line and headers
    assert wire.down > 5000  # the body and the response headers


@pytest.mark.browser
def test_a_phone_visit_measures_map_usable_after_the_page_arrives(browser, tmp_path) -> None:
    """A small export on the phone profile: every time is measured, and in a sane order."""
    from app.scaffold import scaffold
    from bench.phone import phone_visit, serving
    from tests.support import exported

    scaffold("demo", tmp_path / "stories")
    page = exported(tmp_path / "stories" / "demo.md", tmp_path / "demo.html")
    with serving(page, compress=True) as url:
        visit = phone_visit(browser, url)
    assert visit["page_errors"] == [] and visit["outside_requests"] == []
    assert visit["first_byte"] <= visit["arrived"] <= visit["usable"]
    assert visit["arrived"] > 150 + visit["encoded"] / (1.6e6 / 8) * 1000 * 0.9  # the emulated network
    assert visit["lcp"] is not None and visit["lcp"] > visit["first_byte"]
    assert visit["encoded"] < visit["decoded"]  # gzipped on the wire


def test_first_maps_are_measured_interleaved_in_a_rotating_order(monkeypatch):
    """Each run visits every app once; the order rotates, so no app always goes first."""
    from bench import browser as bb

    visits: list[str] = []

    class FakeSession:
        def __init__(self, browser, app, motion):
            self.app, self.errors = app, []
            self.ws = bb.WsCounter()

        def open(self) -> float:
            visits.append(self.app.name)
            return float(len(visits))

        def close(self) -> None:
            pass

    monkeypatch.setattr(bb, "Session", FakeSession)
    apps = [bb.App(name, "http://127.0.0.1:1", 3, object) for name in ("ours", "rebuild", "keep", "empty")]
    out = bb.measure_first_maps(None, apps, 3, lambda message: None)
    warm, runs = visits[:4], [visits[4:8], visits[8:12], visits[12:16]]
    assert warm == ["ours", "rebuild", "keep", "empty"]
    assert [run[0] for run in runs] == ["ours", "rebuild", "keep"]
    assert all(sorted(run) == sorted(warm) for run in runs)
    assert out["keep"]["first_map_runs_ms"] == [7.0, 10.0, 13.0]  # third, second, first in its runs
    assert bb.first_map_runs(5) == 11
