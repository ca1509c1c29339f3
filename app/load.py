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

from app.errors import Problem, StoryError, did_you_mean
from app.geodata import LayerData, combine, load_layer
from app.models import LayerDef
from app.paths import resolve_source


@dataclass
class Loaded:
    """The layers that could be read, by id, and what was wrong with the others."""

    layers: dict[str, LayerData] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


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
    return loaded


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
