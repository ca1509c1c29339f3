"""The pure-Python figures: validating a big generated story, preparing a big generated layer.

Both write their inputs into a temporary folder and time the library directly (no server,
no browser). "Cold" means the geodata caches (``functools.lru_cache``) were cleared first.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from app import geodata
from app.validate import check_story

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#222222"]
PREP_ZOOM = 7.0  # the zoom the big layer is prepared for
CELL_BYTES = 22_200  # file bytes per grid cell of the generated polygon layer (measured)


def clear_caches() -> None:
    """Forget every loaded and prepared layer (what a fresh process would start with)."""
    geodata._load_cached.cache_clear()
    geodata._prepare_cached.cache_clear()


# ------------------------------------------------------------------ a 200-step, 50-layer story


def _small_layer(index: int) -> dict[str, Any]:
    """A few features of one kind (points, lines or polygons) somewhere in 20–60°E, 20–45°N."""
    lon0 = 20.0 + (index * 7.3) % 38.0
    lat0 = 20.0 + (index * 4.1) % 23.0
    kind = index % 3
    features = []
    for k in range(6):
        x, y = lon0 + 0.3 * k, lat0 + 0.2 * (k % 3)
        if kind == 0:
            geometry = {"type": "Point", "coordinates": [x, y]}
        elif kind == 1:
            geometry = {"type": "LineString", "coordinates": [[x, y], [x + 0.2, y + 0.1], [x + 0.4, y]]}
        else:
            ring = [[x, y], [x + 0.25, y], [x + 0.25, y + 0.15], [x, y + 0.15], [x, y]]
            geometry = {"type": "Polygon", "coordinates": [ring]}
        features.append(
            {
                "type": "Feature",
                "properties": {"id": f"f{k}", "name": f"Feature {index}.{k}", "kind": ["a", "b"][k % 2]},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_story(root: Path, steps: int = 200, layers: int = 50) -> Path:
    """A valid story with ``steps`` steps over ``layers`` small layers, in ``root``/stories."""
    (root / "stories").mkdir(parents=True, exist_ok=True)
    (root / "geodata").mkdir(parents=True, exist_ok=True)
    lines = [
        "---",
        f'title: "Generated: {steps} steps, {layers} layers"',
        'subtitle: "Written by the benchmark"',
        "lang: en",
        "layers:",
    ]
    for i in range(layers):
        (root / "geodata" / f"bench-layer-{i:02d}.geojson").write_text(
            json.dumps(_small_layer(i)), encoding="utf-8"
        )
        color = PALETTE[i % len(PALETTE)]
        lines += [
            f"  layer-{i:02d}:",
            f"    source: ../geodata/bench-layer-{i:02d}.geojson",
            f'    label: "Layer {i}"',
            f'    style: {{color: "{color}", weight: 2}}',
            "    tooltip: [name]",
            "    labels: name",
        ]
    lines.append("sources:")
    for i in range(10):
        lines.append(f'  src-{i}: {{title: "Source {i}", outlet: "Bench", date: 2024-01-{i + 1:02d}}}')
    lines += ["---", "", "An introduction paragraph.", ""]
    for n in range(steps):
        first = n % layers
        shown = [f"layer-{first:02d}", f"layer-{(first + 7) % layers:02d}"]
        lines += [
            f"## Step {n + 1} {{#step-{n + 1:03d}}}",
            "",
            f"Step {n + 1} of the generated story, with **emphasis**, a [link](https://example.org/{n}) "
            "and a second sentence so the paragraph has some length.",
            "",
            "```map",
        ]
        if n % 4 == 3:
            lines.append(f"fit: {shown[0]}")
        else:
            lines += [
                f"center: [{25 + (n * 0.37) % 18:.2f}, {25 + (n * 0.91) % 33:.2f}]",
                f"zoom: {3 + n % 6}",
            ]
        lines += [
            f"layers: [{', '.join(shown)}]",
            f"highlight: {{layer: {shown[0]}, ids: [f{n % 6}]}}",
            f"duration: {1 + n % 3}",
            f"as_of: 2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            f"sources: [src-{n % 10}]",
            "```",
            "",
        ]
    path = root / "stories" / "bench-200.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def measure_validate(root: Path, runs: int, steps: int = 200, layers: int = 50) -> dict[str, Any]:
    """Time ``check_story`` on a generated story, caches cleared before every run."""
    path = write_story(root, steps=steps, layers=layers)
    times = []
    checked = None
    for _ in range(runs):
        clear_caches()
        start = time.perf_counter()
        checked = check_story(path)
        times.append((time.perf_counter() - start) * 1000)
    assert checked is not None
    start = time.perf_counter()
    check_story(path)
    warm = (time.perf_counter() - start) * 1000
    return {
        "runs_ms": times,
        "warm_ms": warm,
        "steps": len(checked.story.steps) if checked.story else 0,
        "layers": len(checked.layers),
        "errors": len(checked.errors),
        "warnings": len(checked.warnings),
        "problems": [str(p) for p in checked.problems[:5]],
        "story_bytes": path.stat().st_size,
    }


# ------------------------------------------------------------------ a big polygon layer


def _edge(p0: tuple[float, float], p1: tuple[float, float], count: int, seed: tuple[int, ...], amp: float):
    """``count`` points from p0 towards p1 (p1 excluded), wiggled sideways like a real border.

    The offset is fractal (octaves with amplitude ∝ wavelength^0.8) and zero at both ends, so
    cells sharing an edge compute the same points and the grid is a clean coverage.
    """
    s = np.arange(count) / count
    rng = np.random.default_rng(seed)
    offset = np.zeros(count)
    for octave in range(int(math.log2(count))):
        freq = 2**octave
        offset += amp * freq**-0.8 * np.sin(2 * np.pi * freq * s + rng.uniform(0, 2 * np.pi))
    offset *= np.sin(np.pi * s)
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    return np.column_stack([x0 + dx * s + nx * offset, y0 + dy * s + ny * offset])


def write_polygon_layer(path: Path, target_bytes: int = 20_000_000) -> dict[str, Any]:
    """A coverage of many-vertex district polygons (~``target_bytes`` of GeoJSON), written with json.

    Cells are 0.3° × 0.36° with 140 vertices per edge (one every ~250 m) and a fractal border;
    the grid grows from 35°E, 29°N (the Levant and Iraq) with the file size: 20 MB is 40 × 25
    cells over 12° × 9°, about one screen at zoom 7.
    """
    cells = max(4, round(target_bytes / CELL_BYTES))
    cols = max(2, round(math.sqrt(cells * 1.6)))
    rows = max(2, round(cells / cols))
    width, height, per_edge = 0.3, 0.36, 140
    amp = 0.15 * min(width, height)
    features = []
    for j in range(rows):
        for i in range(cols):
            x0, y0 = 35.0 + i * width, 29.0 + j * height
            x1, y1 = x0 + width, y0 + height
            bottom = _edge((x0, y0), (x1, y0), per_edge, (0, i, j), amp)
            top = _edge((x0, y1), (x1, y1), per_edge, (0, i, j + 1), amp)
            left = _edge((x0, y0), (x0, y1), per_edge, (1, i, j), amp)
            right = _edge((x1, y0), (x1, y1), per_edge, (1, i + 1, j), amp)
            ring = np.vstack(
                [bottom, right, [[x1, y1]], top[::-1][:-1], [[x0, y1]], left[::-1][:-1], [[x0, y0]]]
            )
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "id": f"d{i}-{j}",
                        "name": f"District {i}-{j}",
                        "population": 1000 * i + j,
                    },
                    "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]},
                }
            )
    with path.open("w", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": features}, handle)
    return {
        "features": len(features),
        "grid": [cols, rows],
        "vertices": len(features) * (4 * per_edge + 1),
        "file_bytes": path.stat().st_size,
    }


def _vertices(data: dict[str, Any]) -> int:
    import shapely

    return int(
        sum(len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in data["features"])
    )


def measure_geodata(root: Path, runs: int, target_bytes: int = 20_000_000) -> dict[str, Any]:
    """Cold (caches cleared) and cached load_layer + prepare_geojson at zoom 7; bytes sent."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench-districts.geojson"
    info = write_polygon_layer(path, target_bytes)
    keep = ["id", "name"]
    cold, cached, load = [], [], []
    data: dict[str, Any] = {}
    for _ in range(runs):
        clear_caches()
        start = time.perf_counter()
        layer, issues = geodata.load_layer(path)
        loaded = time.perf_counter()
        assert layer is not None, issues
        data = geodata.prepare_geojson(layer, PREP_ZOOM, keep=keep)
        cold.append((time.perf_counter() - start) * 1000)
        load.append((loaded - start) * 1000)
        start = time.perf_counter()
        layer, _ = geodata.load_layer(path)
        assert layer is not None
        geodata.prepare_geojson(layer, PREP_ZOOM, keep=keep)
        cached.append((time.perf_counter() - start) * 1000)
    sent = geodata.geojson_bytes(data)
    return {
        **info,
        "zoom": PREP_ZOOM,
        "cold_runs_ms": cold,
        "load_runs_ms": load,
        "cached_runs_ms": cached,
        "bytes_sent": sent,
        # folium embeds the data with json.dumps defaults (", " and ": "): what the page holds
        "bytes_as_embedded": len(json.dumps(data, ensure_ascii=False).encode()),
        "features_sent": len(data["features"]),
        "vertices_sent": _vertices(data),
    }
