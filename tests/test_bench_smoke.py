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
