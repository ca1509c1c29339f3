"""Stage: read every layer a story declares, once.

It runs after the front matter is validated and before the steps are checked: each layer's
``source`` is resolved by :mod:`app.paths` (one set of traversal rules) and read by
:mod:`app.geodata` (cached per file version). The validator's checks and the map both use
what it returns; nothing later reads a layer file again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pydantic_core import PydanticCustomError

from app.dates import DATE_HELP, Day, StoryDate
from app.errors import Problem, StoryError, did_you_mean
from app.geodata import LayerData, combine, load_layer
from app.models import LayerDef, Snapshot
from app.paths import resolve_source
from app.timeline import Span, periods


@dataclass
class Loaded:
    """The layers that could be read, by id, and what was wrong with the others."""

    layers: dict[str, LayerData] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    timed: dict[str, LayerDef] = field(default_factory=dict)  # `time` layers, with their snapshots


def _near(file: Path, source: str) -> str | None:
    """A did-you-mean for a missing file, from the files beside where it should be."""
    try:
        names = [p.name for p in file.parent.iterdir()] if file.parent.is_dir() else []
    except OSError:
        names = []
    return did_you_mean(Path(source).name, names)


def load_layers(
    story_path: Path, shown: str, defs: dict[str, LayerDef], line_of: Callable[..., int | None]
) -> Loaded:
    """Resolve and load each layer in ``defs``; problems point at the line naming the file
    (``line_of(layer_id, *keys)``: ``source``, or ``snapshots, i, source``). A time-aware layer
    is loaded only if every one of its snapshots is."""
    loaded = Loaded()
    for layer_id, layer_def in defs.items():
        keys: list[tuple[str | int, ...]] = (
            [("snapshots", i, "source") for i in range(len(layer_def.snapshots))]
            if layer_def.snapshots
            else [("source",)]
        )
        parts = [
            _load_one(story_path, shown, f'layer "{layer_id}"', source, line_of(layer_id, *key), loaded)
            for source, key in zip(layer_def.files, keys, strict=True)
        ]
        if all(part is not None for part in parts):
            found = [part for part in parts if part is not None]
            loaded.layers[layer_id] = combine(found) if layer_def.snapshots else found[0]
        if layer_def.time is not None and layer_id in loaded.layers:
            split_by_time(layer_id, layer_def, loaded, shown, line_of(layer_id, "time"))
    return loaded


def split_by_time(layer_id: str, layer_def: LayerDef, loaded: Loaded, shown: str, line: int | None) -> None:
    """Cut a `time` layer into snapshots by its features' dates: the definition gains the
    snapshots (``loaded.timed``) and the data one part per snapshot, so dated layers of either
    kind are picked, drawn, scrubbed and checked alike. Bad dates are problems on ``line``."""
    layer = loaded.layers[layer_id]
    assert layer_def.time is not None and layer_def.source is not None
    prefix = f'layer "{layer_id}": {layer_def.source}'
    names = {"from": layer_def.time.start, "to": layer_def.time.end}
    for key, name in names.items():
        if name is not None and name not in layer.columns:
            fix = did_you_mean(name, layer.columns) or f"name a property the features have for `time.{key}`"
            loaded.problems.append(
                Problem(shown, line, f'{prefix}: no feature has the property "{name}"', fix)
            )
            return
    spans: list[Span] = []
    rows: list[int] = []  # the row of each span: features with bad dates are left out
    ids = layer.ids(layer_def.id_field)
    for row, (_, feature) in enumerate(layer.gdf.iterrows()):
        who = f'feature "{ids[row]}"' if ids else f"feature {row + 1}"
        ends: dict[str, Day | None] = {}
        good = True
        for key, name in names.items():
            value = feature.get(name) if name is not None else None
            try:
                ends[key] = _end(value, key)
            except PydanticCustomError:
                loaded.problems.append(
                    Problem(shown, line, f'{prefix}: {who}: "{name}" is "{value}", not a date', DATE_HELP)
                )
                ends[key], good = None, False
        start, end = ends["from"], ends["to"]
        if good and start is not None and end is not None and end.last < start.first:
            good = False
            loaded.problems.append(
                Problem(
                    shown,
                    line,
                    f'{prefix}: {who}: "{names["to"]}" ({end.iso}) is before "{names["from"]}" ({start.iso})',
                    "swap them, or correct the date: the feature would show on no date",
                )
            )
        if good:
            spans.append(Span(start, end))
            rows.append(row)
    found = periods(spans)
    parts = [_part(layer, [rows[i] for i in p.members]) for p in found]
    snapshots = [
        Snapshot.model_validate(
            {"source": layer_def.source, "from": StoryDate(p.start), "to": StoryDate(p.end), "label": p.label}
        )
        for p in found
    ]
    loaded.layers[layer_id] = LayerData(layer.path, layer.gdf, layer.bounds, layer.columns, tuple(parts))
    loaded.timed[layer_id] = layer_def.model_copy(update={"snapshots": snapshots or None})


def _end(value: Any, key: str) -> Day | None:
    """One end of a feature's interval from a property value: None if it has none."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)) or value == "":
        return None
    if isinstance(value, pd.Timestamp):  # a date column read by GDAL
        value = value.date()
    elif hasattr(value, "item"):  # numpy numbers
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    date = StoryDate.parse(value)
    return date.start if key == "from" else (date.end or date.start)


def _part(layer: LayerData, rows: list[int]) -> LayerData:
    """The features at ``rows`` as a layer of their own (one snapshot)."""
    gdf = gpd.GeoDataFrame(layer.gdf.iloc[rows].reset_index(drop=True), crs=4326)
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    return LayerData(layer.path, gdf, (west, south, east, north), layer.columns, rows=tuple(rows))


def _load_one(
    story_path: Path, shown: str, prefix: str, source: str, line: int | None, loaded: Loaded
) -> LayerData | None:
    """One layer file, its problems added to ``loaded`` on ``line``."""
    try:
        file = resolve_source(story_path, source)
    except StoryError as exc:
        loaded.problems += [Problem(shown, line, f"{prefix}: {p.message}", p.fix) for p in exc.problems]
        return None
    data, problems = load_layer(file)
    for problem in problems:
        fix = problem.fix
        if problem.message == "file not found":
            fix = _near(file, source) or fix
        loaded.problems.append(
            Problem(shown, line, f"{prefix}: {source}: {problem.message}", fix, severity=problem.severity)
        )
    return data
