"""The benchmark's pure-Python figures run and return sane structures (no timing assertions)."""

from __future__ import annotations

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
