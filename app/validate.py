"""Stage 2: turn a parsed story into a :class:`~app.models.Story`, reporting every problem.

``check_story`` returns all problems of one file (errors and warnings) and never raises for
an author's mistake; ``load_story`` raises :class:`~app.errors.StoryValidationError` when
there are errors. Under ``strict`` warnings count as errors and geometry repairs are refused.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from pydantic import BaseModel, ValidationError

from app.errors import Problem, StoryError, StoryValidationError, display_path
from app.geodata import LayerData, load_layer, resolve_source
from app.models import FrontMatter, LayerDef, MapState, Step, Story
from app.parse import RawStep, RawStory, YamlBlock, read_story, slugify


@dataclass
class Checked:
    """The outcome of checking one story file."""

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


def did_you_mean(word: str, choices: list[str] | set[str]) -> str | None:
    """A fix suggestion for a misspelt name, or None."""
    match = difflib.get_close_matches(str(word), sorted(str(c) for c in choices), n=1, cutoff=0.6)
    return f'did you mean "{match[0]}"?' if match else None


def _known(choices: list[str] | set[str], what: str) -> str:
    names = sorted(choices)
    if not names:
        return f"no {what} are defined in the front matter"
    shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
    return f"known {what}: {shown}"


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``loc`` (for did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields and part in fields:
            annotation = fields[part].annotation
            current = _inner_model(annotation)
        # dict values (layers.<id>, sources.<id>) keep the model found at the dict field
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def pydantic_problems(
    exc: ValidationError, block: YamlBlock, model: type[BaseModel], shown: str, step: str | None, where: str
) -> list[Problem]:
    """Author-facing problems for a pydantic error, each with its file line."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = block.line_of(loc)
        name = ".".join(str(p) for p in loc) or where
        kind = err["type"]
        value = err.get("input")
        last = loc[-1] if loc else ""
        fix: str | None = None
        if loc[:1] == ("center",) and kind in ("missing", "tuple_type", "list_type", "too_short", "too_long"):
            center = block.data.get("center") if isinstance(block.data, dict) else value
            message = f'"center" must be two numbers [lat, lon], not {center!r}'
            fix = "write e.g. center: [35.69, 51.42]"
        elif kind == "extra_forbidden":
            allowed = _field_names(model, loc)
            parent = ".".join(str(p) for p in loc[:-1])
            message = f'unknown key "{last}" in ' + (f'"{parent}"' if parent else where)
            fix = did_you_mean(str(last), allowed) or (
                f"allowed keys: {', '.join(allowed)}" if allowed else None
            )
        elif kind == "missing":
            message = f'"{name}" is required in {where}'
            fix = f"add `{last}: ...`"
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            message = f'"{name}" is {value}, out of range ({err["msg"].lower()})'
            fix = _range_fix(loc)
        elif kind in ("finite_number",):
            message = f'"{name}" must be a finite number, not {value}'
            fix = "write a plain number"
        elif kind == "string_pattern_mismatch" and len(loc) >= 2 and loc[-1] == "[key]":
            message = f'"{value}" is not a valid id in "{".".join(str(p) for p in loc[:-2])}"'
            fix = f"use letters, digits, '-' and '_', e.g. {slugify(str(value))}"
        elif kind == "string_pattern_mismatch":
            message = f'"{name}" has an invalid value {value!r}'
            fix = _pattern_fix(loc)
        elif kind == "string_type" and value is None and last in ("color", "fill_color"):
            message = f'"{name}" is empty'
            fix = 'an unquoted # starts a YAML comment: write the colour in quotes, e.g. "#0072B2"'
        elif kind == "string_type" and isinstance(value, bool):
            message = f'"{name}" should be text, not true/false ({str(value).lower()})'
            fix = "YAML reads words such as no, yes, on and off as true/false: put the value in quotes"
        elif kind == "string_type":
            shown_value = "" if isinstance(value, (dict, list)) else f" ({value!r})"
            message = f'"{name}" should be text, not {_type_name(value)}{shown_value}'
            fix = "put the value in quotes"
        elif kind == "string_too_short":
            message = f'"{name}" is empty'
            fix = f"write a value after `{last}:`"
        elif kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
            message = f'"{name}" should be a number, not {_type_name(value)} ({value!r})'
            fix = "write a plain number, e.g. 5 or 2.5"
        elif kind in ("dict_type", "model_type"):
            message = f'"{name}" must be key: value pairs, not {_type_name(value)}'
            fix = _mapping_fix(loc)
        elif kind == "list_type":
            message = f'"{name}" must be a list, not {_type_name(value)}'
            fix = f"write it in brackets, e.g. {last}: [{value}]" if isinstance(value, str) else None
        elif kind == "too_short" and isinstance(value, list) and not value:
            message = f'"{name}" is an empty list'
            fix = "give at least one item"
        elif kind in (
            "date_from_datetime_parsing",
            "date_type",
            "date_parsing",
            "date_from_datetime_inexact",
        ):
            message = f'"{name}" is not a date: {value!r}'
            fix = "write the date as YYYY-MM-DD"
        elif kind == "value_error":
            reason = err["msg"].removeprefix("Value error, ")
            if loc and not isinstance(value, (dict, list)):
                message = f'"{name}" is {value!r}: {reason}'
            else:
                message = f'"{name}": {reason}' if loc else f"{where}: {reason}"
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected")
            message = f'"{name}" must be {expected}, not {value!r}' if expected else err["msg"]
        else:
            message = f'"{name}": {err["msg"].lower()} (got {_type_name(value)})'
        problems.append(Problem(shown, line, message, fix, step))
    return problems


def _mapping_fix(loc: tuple[Any, ...]) -> str | None:
    last = loc[-1] if loc else ""
    if last == "layers":
        return "give each layer as `id:` with `source:` and `label:` indented under it"
    if last == "sources":
        return "give each source as `id:` with `title:` indented under it"
    if last == "highlight":
        return "write e.g. highlight: {layer: places, ids: [paris]}"
    return "write one `key: value` per line, indented under it"


def _range_fix(loc: tuple[Any, ...]) -> str | None:
    if loc[:1] == ("center",):
        return "center is [lat, lon]: latitude −90…90 first, then longitude −180…180; are they swapped?"
    if loc and loc[-1] == "zoom":
        return "use a zoom from 1 (world) to 18 (street)"
    if loc and loc[-1] == "duration":
        return "use seconds from 0 (jump) to 30"
    if loc and loc[-1] in ("opacity", "fill_opacity"):
        return "use a value from 0 (transparent) to 1 (opaque)"
    return None


def _pattern_fix(loc: tuple[Any, ...]) -> str | None:
    last = loc[-1] if loc else ""
    if last in ("color", "fill_color"):
        return 'use a hex colour such as "#0072B2" (in quotes)'
    if last == "lang":
        return "use a language tag such as en, fa or ar"
    if last == "dash":
        return 'use numbers such as "6 4"'
    return "use letters, digits, '-' and '_'"


def check_story(path: Path | str, strict: bool = False, geodata: bool = True) -> Checked:
    """Check one story file; every problem is returned, none raised."""
    path = Path(path)
    raw = read_story(path)
    checked = Checked(path=path, story=None, problems=list(raw.problems))
    try:
        _check(raw, checked, strict, geodata)
    except StoryError as exc:  # path safety and the like
        checked.problems += exc.problems
    if strict:
        checked.problems = [
            Problem(p.path, p.line, p.message, p.fix, p.step, "error") for p in checked.problems
        ]
    if checked.errors:
        checked.story = None
    checked.problems.sort(key=lambda p: p.line or 0)
    return checked


def load_story(path: Path | str, strict: bool = False) -> Checked:
    """Check a story and raise :class:`StoryValidationError` if it has errors."""
    checked = check_story(path, strict=strict)
    if checked.errors or checked.story is None:
        raise StoryValidationError(
            checked.errors or [Problem(display_path(path), None, "story could not be read")]
        )
    return checked


def _check(raw: RawStory, checked: Checked, strict: bool, geodata: bool) -> None:
    shown = raw.shown
    problems = checked.problems
    meta: FrontMatter | None = None
    front_data = raw.front.data if raw.front else None
    if raw.front is not None:
        if not isinstance(front_data, dict):
            problems.append(
                Problem(
                    shown,
                    raw.front.line,
                    f"the front matter must be key: value pairs, not {_type_name(front_data)}",
                    "write e.g. 'title: My story'",
                )
            )
            front_data = {}
        else:
            try:
                meta = FrontMatter.model_validate(front_data)
            except ValidationError as exc:
                problems += pydantic_problems(exc, raw.front, FrontMatter, shown, None, "the front matter")
    elif not any(p.severity == "error" for p in problems):
        problems.append(
            Problem(shown, 1, "the front matter is missing", "add '---', 'title: ...', '---' at the top")
        )
    front_data = front_data if isinstance(front_data, dict) else {}
    # None: the front matter could not be read, so references to ids cannot be checked
    front_ok = raw.front is not None and isinstance(raw.front.data, dict)
    layer_ids = set(meta.layers) if meta else _declared_ids(front_data, "layers", front_ok)
    source_ids = set(meta.sources) if meta else _declared_ids(front_data, "sources", front_ok)
    block = raw.front

    if meta is not None and block is not None:
        problem = _basemap_problem(meta.basemap, block.line_of(("basemap",)), shown)
        if problem is not None:
            problems.append(problem)

    layers: dict[str, LayerData] = {}
    if meta and geodata:
        for layer_id, layer_def in meta.layers.items():
            line = block.line_of(("layers", layer_id, "source")) if block else None
            data = _check_layer(raw, layer_id, layer_def, line, block, strict, problems)
            if data is not None:
                layers[layer_id] = data
        checked.layers = layers

    if not raw.steps and not any(p.severity == "error" for p in problems):
        problems.append(
            Problem(
                shown,
                len(raw.path.read_text(errors="replace").splitlines()) or 1 if raw.path.exists() else None,
                "the story has no steps",
                "add a section starting with '## Step title' and a ```map block",
            )
        )
    steps: list[Step] = []
    seen_ids: dict[str, int] = {}
    for number, raw_step in enumerate(raw.steps, start=1):
        step = _check_step(raw, raw_step, number, meta, layer_ids, source_ids, layers, problems)
        if raw_step.id in seen_ids:
            problems.append(
                Problem(
                    shown,
                    raw_step.line,
                    f'duplicate step id "{raw_step.id}" (also on line {seen_ids[raw_step.id]})',
                    "give one of them an explicit id: '## Title {#other-id}'",
                    raw_step.title,
                )
            )
        elif raw_step.id.isdigit():
            problems.append(
                Problem(
                    shown,
                    raw_step.line,
                    f'step id "{raw_step.id}" is a number, which deep links read as a step position',
                    "give the step an id with letters: '## Title {#name}'",
                    raw_step.title,
                )
            )
        seen_ids.setdefault(raw_step.id, raw_step.line)
        if step is not None:
            steps.append(step)
    if meta is not None and len(steps) == len(raw.steps) and steps:
        checked.story = Story(
            path=str(raw.path), slug=slugify(raw.path.stem), meta=meta, intro=raw.intro, steps=steps
        )


def _basemap_problem(basemap: str, line: int, shown: str) -> Problem | None:
    """An unknown basemap would only fail when the map is drawn; report it here instead."""
    if basemap == "natural-earth":
        return None
    import xyzservices

    try:
        xyzservices.providers.query_name(basemap)
    except ValueError:
        names = ["natural-earth", *xyzservices.providers.flatten()]
        return Problem(
            shown,
            line,
            f'unknown basemap "{basemap}"',
            did_you_mean(basemap, names)
            or "use natural-earth or an xyzservices name such as CartoDB.Positron",
        )
    return None


def _declared_ids(front_data: dict[str, Any], key: str, front_ok: bool) -> set[str] | None:
    """Ids declared under ``key`` in unvalidated front matter; None when they cannot be known."""
    if not front_ok:
        return None
    value = front_data.get(key)
    if value is None:
        return set()
    return {str(k) for k in value} if isinstance(value, dict) else None


def _check_layer(
    raw: RawStory,
    layer_id: str,
    layer_def: LayerDef,
    line: int | None,
    block: YamlBlock | None,
    strict: bool,
    problems: list[Problem],
) -> LayerData | None:
    shown = raw.shown
    prefix = f'layer "{layer_id}"'
    try:
        file = resolve_source(raw.path, layer_def.source)
    except StoryError as exc:
        for p in exc.problems:
            problems.append(Problem(shown, line, f"{prefix}: {p.message}", p.fix))
        return None
    data, issues = load_layer(file, strict=strict)
    for issue in issues:
        fix = issue.fix
        if issue.message == "file not found":
            near = did_you_mean(
                Path(layer_def.source).name,
                [p.name for p in file.parent.glob("*")] if file.parent.is_dir() else [],
            )
            fix = near or fix
        severity = "warning" if issue.severity in ("warning", "repair") else "error"
        problems.append(
            Problem(shown, line, f"{prefix}: {layer_def.source}: {issue.message}", fix, severity=severity)
        )
    if data is None:
        return None

    def line_of(*keys: str | int) -> int | None:
        return block.line_of(("layers", layer_id, *keys)) if block else line

    columns = set(data.columns)
    for key in ("tooltip", "popup"):
        for index, name in enumerate(getattr(layer_def, key)):
            if name not in columns:
                problems.append(
                    Problem(
                        shown,
                        line_of(key, index),
                        f'{prefix}: {key} field "{name}" is not a property of {layer_def.source}',
                        did_you_mean(name, columns) or _known(columns, "properties"),
                    )
                )
    for key, name in (("labels", layer_def.labels), ("style.by", layer_def.style.by)):
        if name is not None and name not in columns:
            problems.append(
                Problem(
                    shown,
                    line_of(*key.split(".")),
                    f'{prefix}: {key} property "{name}" is not in {layer_def.source}',
                    did_you_mean(name, columns) or _known(columns, "properties"),
                )
            )
    if layer_def.id_field not in columns:
        problems.append(
            Problem(
                shown,
                line_of("id_field"),
                f'{prefix}: id_field "{layer_def.id_field}" is not a property of {layer_def.source}',
                did_you_mean(layer_def.id_field, columns)
                or "set `id_field:` to a property that names each feature",
                severity="warning",
            )
        )
    style = layer_def.style
    if style.by and style.categories and style.by in columns:
        present = data.values(style.by)
        missing = sorted(present - set(style.categories))
        if missing:
            problems.append(
                Problem(
                    shown,
                    line_of("style", "categories"),
                    f'{prefix}: values of "{style.by}" without a category: {", ".join(missing[:6])}',
                    "add them under style.categories (they are drawn in the layer's `color`)",
                    severity="warning",
                )
            )
    return data


def _check_step(
    raw: RawStory,
    raw_step: RawStep,
    number: int,
    meta: FrontMatter | None,
    layer_ids: set[str] | None,
    source_ids: set[str] | None,
    layers: dict[str, LayerData],
    problems: list[Problem],
) -> Step | None:
    shown = raw.shown
    title = raw_step.title
    if raw_step.map is None:
        problems.append(
            Problem(
                shown,
                raw_step.line,
                "the step has no ```map block",
                "add a fenced block with info string `map` holding center/zoom or fit",
                title,
            )
        )
        return None
    block = raw_step.map
    if block.data is None:
        if not any(p.line and p.line >= block.line - 1 and p.step == title for p in problems):
            problems.append(
                Problem(
                    shown,
                    block.line - 1,
                    "the map block is empty",
                    "add `center: [lat, lon]` and `zoom:`, or `fit: layer-id`",
                    title,
                )
            )
        return None
    if not isinstance(block.data, dict):
        problems.append(
            Problem(
                shown,
                block.line,
                f"the map block must be key: value pairs, not {_type_name(block.data)}",
                "write e.g. 'zoom: 5'",
                title,
            )
        )
        return None
    try:
        state = MapState.model_validate(block.data)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, block, MapState, shown, title, "the map block"))
        _check_refs_raw(block, layer_ids, source_ids, shown, title, problems)
        return None
    _check_refs(state, block, meta, layer_ids, source_ids, layers, shown, title, problems)
    if not raw_step.text.strip():
        problems.append(
            Problem(
                shown,
                raw_step.line,
                "the step has no text",
                "write a paragraph under the heading",
                title,
                "warning",
            )
        )
    _check_text(raw, raw_step, problems)
    if not state.sources:
        problems.append(
            Problem(
                shown, block.line, "the step cites no sources", "add `sources: [source-id]`", title, "warning"
            )
        )
    if state.as_of is None:
        problems.append(
            Problem(
                shown, block.line, "the step has no as-of date", "add `as_of: YYYY-MM-DD`", title, "warning"
            )
        )
    return Step(id=raw_step.id, title=title, text=raw_step.text, map=state, line=raw_step.line)


def _check_refs_raw(
    block: YamlBlock,
    layer_ids: set[str] | None,
    source_ids: set[str] | None,
    shown: str,
    title: str,
    problems: list[Problem],
) -> None:
    """Cross-reference checks that still make sense when the block failed validation."""
    data = block.data
    for key, known, what in (("layers", layer_ids, "layer"), ("sources", source_ids, "source")):
        values = data.get(key)
        if isinstance(values, list):
            for index, value in enumerate(values):
                if known is not None and isinstance(value, str) and value not in known:
                    problems.append(_unknown(shown, block.line_of((key, index)), title, what, value, known))


def _unknown(shown: str, line: int, title: str, what: str, value: str, known: set[str]) -> Problem:
    return Problem(
        shown,
        line,
        f'unknown {what} "{value}"',
        did_you_mean(value, known) or _known(known, f"{what}s"),
        title,
    )


def _check_refs(
    state: MapState,
    block: YamlBlock,
    meta: FrontMatter | None,
    layer_ids: set[str] | None,
    source_ids: set[str] | None,
    layers: dict[str, LayerData],
    shown: str,
    title: str,
    problems: list[Problem],
) -> None:
    for index, layer in enumerate(state.layers):
        if layer_ids is not None and layer not in layer_ids:
            problems.append(
                _unknown(shown, block.line_of(("layers", index)), title, "layer", layer, layer_ids)
            )
    for index, source in enumerate(state.sources):
        if source_ids is not None and source not in source_ids:
            problems.append(
                _unknown(shown, block.line_of(("sources", index)), title, "source", source, source_ids)
            )
    if state.fit is not None:
        layer_id, _, feature_id = state.fit.partition("/")
        line = block.line_of(("fit",))
        if layer_ids is not None and layer_id not in layer_ids:
            problems.append(_unknown(shown, line, title, "layer", layer_id, layer_ids))
        elif feature_id and layer_id in layers and meta is not None:
            id_field = meta.layers[layer_id].id_field
            if layers[layer_id].feature_bounds(id_field, feature_id) is None:
                ids = set(layers[layer_id].ids(id_field))
                problems.append(
                    Problem(
                        shown,
                        line,
                        f'fit: no feature "{feature_id}" in layer "{layer_id}"',
                        did_you_mean(feature_id, ids) or _known(ids, "ids"),
                        title,
                    )
                )
    if state.highlight is not None:
        hl = state.highlight
        line = block.line_of(("highlight", "layer"))
        if layer_ids is not None and hl.layer not in layer_ids:
            problems.append(_unknown(shown, line, title, "layer", hl.layer, layer_ids))
        else:
            if hl.layer not in state.layers:
                problems.append(
                    Problem(
                        shown,
                        line,
                        f'highlight layer "{hl.layer}" is not visible in this step',
                        f"add it to `layers: [{', '.join([*state.layers, hl.layer])}]`",
                        title,
                    )
                )
            if hl.layer in layers and meta is not None:
                ids = set(layers[hl.layer].ids(meta.layers[hl.layer].id_field))
                for index, feature_id in enumerate(hl.ids):
                    if feature_id not in ids:
                        problems.append(
                            Problem(
                                shown,
                                block.line_of(("highlight", "ids", index)),
                                f'highlight: no feature "{feature_id}" in layer "{hl.layer}"',
                                did_you_mean(feature_id, ids) or _known(ids, "ids"),
                                title,
                            )
                        )


def _check_text(raw: RawStory, raw_step: RawStep, problems: list[Problem]) -> None:
    """Images need alt text and an existing local file; raw HTML is not shown."""
    tokens = MarkdownIt("commonmark").parse(raw_step.text)  # html on: only to find raw HTML
    lines = raw_step.text_lines
    for token in tokens:
        first = token.map[0] if token.map else 0
        line = lines[first] if first < len(lines) else raw_step.line
        raw_html = Problem(
            raw.shown,
            line,
            "raw HTML in step text is not shown",
            "write Markdown instead",
            raw_step.title,
            "warning",
        )
        html_reported = False
        for child in token.children or []:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                if not child.content.strip():
                    problems.append(
                        Problem(
                            raw.shown,
                            line,
                            f'image "{src}" has no alt text',
                            "describe it: ![what the image shows](file.png)",
                            raw_step.title,
                        )
                    )
                if src and not src.startswith(("http://", "https://", "data:")):
                    try:
                        if not _is_file(resolve_source(raw.path, src)):
                            problems.append(
                                Problem(
                                    raw.shown,
                                    line,
                                    f'image "{src}" not found',
                                    "check the path (relative to the story file)",
                                    raw_step.title,
                                )
                            )
                    except StoryError as exc:
                        problems += [
                            Problem(raw.shown, line, p.message, p.fix, raw_step.title) for p in exc.problems
                        ]
            elif child.type == "html_inline" and not html_reported:
                html_reported = True
                problems.append(raw_html)
        if token.type == "html_block":
            problems.append(raw_html)


def _is_file(path: Path) -> bool:
    """Path.is_file, but False (not an OSError) for names the system refuses, e.g. too long."""
    try:
        return path.is_file()
    except OSError:
        return False


def find_stories(paths: list[Path]) -> list[Path]:
    """Story files named by ``paths`` (files, or folders searched for *.md)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.md") if p.name.lower() != "readme.md")
        else:
            found.append(path)
    return found
