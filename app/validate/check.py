"""Check one story file: parse, validate the front matter, load the layers once, check the steps.

The stages run in order and hand their results down: :func:`app.parse.read_story` gives the
raw pieces, the front matter becomes a :class:`~app.models.FrontMatter`, :mod:`app.load`
reads every layer once, then each step's map block, references and text are checked.
Every problem of the file is collected; nothing is raised for an author's mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.errors import Problem, StoryError, StoryValidationError, display_path
from app.geodata import LayerData
from app.ids import is_slug, story_slug
from app.load import load_layers
from app.models import Closing, FrontMatter, MapState, Step, Story
from app.parse import RawStep, read_story
from app.validate.context import Context
from app.validate.layers import check_layers, check_overlays, check_tiles
from app.validate.messages import model_problems, type_name
from app.validate.refs import check_raw_refs, check_refs
from app.validate.text import check_text
from app.validate.time import check_snapshots, check_step_dates

Stage = Callable[[str], None]


@dataclass
class Checked:
    """The outcome of checking one story file: the story (None if it has errors), its loaded
    layers and every problem found."""

    path: Path
    story: Story | None
    problems: list[Problem] = field(default_factory=list)
    layers: dict[str, LayerData] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def check_story(path: Path | str, strict: bool = False, on_stage: Stage | None = None) -> Checked:
    """Check one story file; every problem is returned, none raised.

    Under ``strict`` every warning (geometry repairs included) counts as an error.
    ``on_stage`` hears the name of each stage as it starts (for progress displays).
    """
    path = Path(path)
    stage = on_stage or (lambda name: None)
    stage("read")
    raw = read_story(path)
    ctx = Context(raw=raw, strict=strict, problems=list(raw.problems))
    try:
        _check_front(ctx)
        stage("load layers")
        if ctx.meta is not None and raw.front is not None:
            front = raw.front
            loaded = load_layers(
                path, raw.shown, ctx.meta.layers, lambda lid, *keys: front.line_of(("layers", lid, *keys))
            )
            ctx.layers = loaded.layers
            if loaded.timed:  # `time` layers now have snapshots, read from their features
                ctx.meta = ctx.meta.model_copy(update={"layers": {**ctx.meta.layers, **loaded.timed}})
            ctx.problems += loaded.problems
            check_layers(ctx)
            check_snapshots(ctx)
        stage("check steps")
        steps = _check_steps(ctx)
        if raw.closing is not None:
            check_text(ctx, raw.closing)
    except StoryError as exc:  # path safety and the like
        ctx.problems += exc.problems
        steps = None
    _check_file_name(ctx)
    problems = [replace(p, severity="error") for p in ctx.problems] if strict else ctx.problems
    problems.sort(key=lambda p: p.line or 0)
    checked = Checked(path=path, story=None, problems=problems, layers=ctx.layers)
    if ctx.meta is not None and steps and not checked.errors:
        closing = raw.closing
        checked.story = Story(
            path=str(raw.path),
            slug=story_slug(raw.path),
            meta=ctx.meta,
            intro=raw.intro,
            steps=steps,
            closing=Closing(title=closing.title, text=closing.text, line=closing.line) if closing else None,
        )
    return checked


def load_story(path: Path | str, strict: bool = False) -> Checked:
    """Check a story and raise :class:`StoryValidationError` if it has errors."""
    checked = check_story(path, strict=strict)
    if checked.errors or checked.story is None:
        raise StoryValidationError(
            checked.errors or [Problem(display_path(path), None, "story could not be read")]
        )
    return checked


def _check_front(ctx: Context) -> None:
    raw = ctx.raw
    block = raw.front
    data: Any = block.data if block else None
    if block is None:
        if not ctx.has_errors:
            ctx.report(1, "the front matter is missing", "add '---', 'title: ...', '---' at the top")
        return
    if not isinstance(data, dict):
        ctx.report(
            block.line,
            f"the front matter must be key: value pairs, not {type_name(data)}",
            "write e.g. 'title: My story'",
        )
        return
    try:
        ctx.meta = FrontMatter.model_validate(data)
    except ValidationError as exc:
        ctx.problems += model_problems(exc, block, FrontMatter, ctx.shown, None, "the front matter")
    if ctx.meta is not None:
        ctx.layer_ids, ctx.source_ids = set(ctx.meta.layers), set(ctx.meta.sources)
        ctx.overlay_ids = set(ctx.meta.overlays)
        check_tiles(ctx, ctx.meta.basemap, block.line_of(("basemap",)), "basemap", basemap=True)
        check_overlays(ctx)
    else:  # ids declared in front matter that did not validate, where they can be read
        ctx.layer_ids, ctx.source_ids = _declared_ids(data, "layers"), _declared_ids(data, "sources")
        ctx.overlay_ids = _declared_ids(data, "overlays") or set()


def _declared_ids(front: dict[str, Any], key: str) -> set[str] | None:
    value = front.get(key)
    if value is None:
        return set()
    return {str(k) for k in value} if isinstance(value, dict) else None


def _check_steps(ctx: Context) -> list[Step] | None:
    """Every step checked; the list of steps, or None if any step could not be built."""
    raw = ctx.raw
    if not raw.steps and not ctx.has_errors:
        ctx.report(
            _last_line(raw.path),
            "the story has no steps",
            "add a section starting with '## Step title' and a ```map block",
        )
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for raw_step in raw.steps:
        step = _check_step(ctx, raw_step)
        if raw_step.id in seen:
            ctx.report(
                raw_step.line,
                f'duplicate step id "{raw_step.id}" (also on line {seen[raw_step.id]})',
                "give one of them an explicit id: '## Title {#other-id}'",
                step=raw_step.title,
            )
        elif raw_step.id.isdigit():
            ctx.report(
                raw_step.line,
                f'step id "{raw_step.id}" is a number, which deep links read as a step position',
                "give the step an id with letters: '## Title {#name}'",
                step=raw_step.title,
            )
        seen.setdefault(raw_step.id, raw_step.line)
        if step is not None:
            steps.append(step)
    return steps if len(steps) == len(raw.steps) else None


def _last_line(path: Path) -> int | None:
    try:
        return len(path.read_text(errors="replace").splitlines()) or 1
    except OSError:
        return None


def _check_step(ctx: Context, raw_step: RawStep) -> Step | None:
    """One step: its map block, its references and its text, all checked in this run."""
    title = raw_step.title
    block = raw_step.map
    state: MapState | None = None
    if block is None:
        ctx.report(
            raw_step.line,
            "the step has no ```map block",
            "add a fenced block with info string `map` holding center/zoom or fit",
            step=title,
        )
    elif block.data is None:
        if not any(p.line and p.line >= block.line - 1 and p.step == title for p in ctx.problems):
            ctx.report(
                block.line - 1,
                "the map block is empty",
                "add `center: [lat, lon]` and `zoom:`, or `fit: layer-id`",
                step=title,
            )
    elif not isinstance(block.data, dict):
        ctx.report(
            block.line,
            f"the map block must be key: value pairs, not {type_name(block.data)}",
            "write e.g. 'zoom: 5'",
            step=title,
        )
    else:
        try:
            state = MapState.model_validate(block.data)
        except ValidationError as exc:
            ctx.problems += model_problems(exc, block, MapState, ctx.shown, title, "the map block")
            check_raw_refs(ctx, block, title)
        else:
            check_refs(ctx, state, block, title)
            check_step_dates(ctx, state, block, title)
    check_text(ctx, raw_step)
    if block is not None and isinstance(block.data, dict):
        data = block.data
        if not data.get("sources"):
            ctx.report(
                block.line,
                "the step cites no sources",
                "add `sources: [source-id]`",
                step=title,
                severity="warning",
            )
        if data.get("as_of") is None:
            ctx.report(
                block.line,
                "the step has no as-of date",
                "add `as_of: YYYY-MM-DD`",
                step=title,
                severity="warning",
            )
    if state is None:
        return None
    return Step(
        id=raw_step.id, title=title, text=raw_step.text, map=state, line=raw_step.line, notes=raw_step.notes
    )


def _check_file_name(ctx: Context) -> None:
    """A story is linked by its slug; a file name that is not one still works, but says so."""
    stem = ctx.raw.path.stem
    if is_slug(stem):
        return
    slug = story_slug(ctx.raw.path)
    ctx.report(
        None,
        f'the file name "{ctx.raw.path.name}" is not a slug: links and embeds call this story "{slug}"',
        f"rename the file to {slug}.md",
        severity="warning",
    )
