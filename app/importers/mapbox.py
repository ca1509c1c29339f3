"""Mapbox storytelling: the ``config.js`` that assigns ``var config = {style, …, chapters: [...]}``.

The file is JavaScript, so it is parsed as JavaScript (esprima) and only literal values are
read: strings, numbers, booleans, arrays and objects. Anything else (a function, a variable)
is reported where it stands. Each chapter becomes a step: ``location.center`` is
``[lng, lat]`` and is swapped to the story's ``[lat, lon]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import esprima

from app.importers.draft import (
    WHY_BASEMAP,
    WHY_COLOUR,
    WHY_LAYER_STEP,
    WHY_LAYOUT,
    Draft,
    DraftStep,
    ImportFailed,
    Media,
    Place,
    Report,
    as_number,
    clamp_zoom,
    css_colour,
    unique_id,
)
from app.importers.text import plain

WHY_FLAT = "the map is a flat, north-up Leaflet map"
WHY_SCRIPT = "stories run no author scripts"
WHY_CODE = "only literal values are read: stories run no author scripts"


def _report_code(obj: Obj, report: Report, prefix: str = "") -> None:
    """Report every value of ``obj`` that is code, not a literal (it is then read as absent)."""
    for key, value in obj.values.items():
        if isinstance(value, Code):
            report.add(obj.at(key), f"{prefix}{key} (JavaScript {value.kind})", WHY_CODE)


@dataclass
class Code:
    """A JavaScript expression that is not a literal value (a function, a variable, a call)."""

    kind: str
    line: int


@dataclass
class Obj:
    """A JavaScript object literal: its values and the line of each key."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    line: int = 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def at(self, key: str) -> int:
        return self.lines.get(key, self.line)


def _literal(node: Any) -> Any:
    """The Python value of a literal JavaScript expression; :class:`Code` for anything else."""
    kind = node.type
    if kind == "Literal":
        return node.value
    if kind == "ObjectExpression":
        obj = Obj(line=node.loc.start.line)
        for prop in node.properties:
            if prop.type != "Property" or prop.computed:
                continue
            key = prop.key.name if prop.key.type == "Identifier" else str(prop.key.value)
            obj.values[key] = _literal(prop.value)
            obj.lines[key] = prop.loc.start.line
        return obj
    if kind == "ArrayExpression":
        return [_literal(e) if e is not None else None for e in node.elements]
    if kind == "UnaryExpression" and node.operator in "-+" and node.argument.type == "Literal":
        value = node.argument.value
        if isinstance(value, int | float):
            return -value if node.operator == "-" else value
    if kind == "TemplateLiteral" and not node.expressions:
        return "".join(q.value.cooked for q in node.quasis)
    if kind == "BinaryExpression" and node.operator == "+":
        left, right = _literal(node.left), _literal(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    return Code(kind, node.loc.start.line)


def _find_config(program: Any) -> Any | None:
    for statement in program.body:
        if statement.type == "VariableDeclaration":
            for declarator in statement.declarations:
                if declarator.id.type == "Identifier" and declarator.id.name == "config" and declarator.init:
                    return declarator.init
        if statement.type == "ExpressionStatement" and statement.expression.type == "AssignmentExpression":
            target = statement.expression.left
            name = target.name if target.type == "Identifier" else getattr(target.property, "name", None)
            if name == "config":
                return statement.expression.right
    return None


def _load(src: Path) -> Obj:
    try:
        text = src.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(f"{src} is not UTF-8 text", "give the story's config.js") from None
    try:
        program = esprima.parseScript(text, {"loc": True})
    except esprima.Error as exc:
        raise ImportFailed(
            f"{src}: not JavaScript ({exc.message if hasattr(exc, 'message') else exc})",
            "give the Mapbox storytelling config.js (var config = {...})",
        ) from None
    node = _find_config(program)
    if node is None:
        raise ImportFailed(
            f"{src}: no `var config = {{...}}` in this file", "give the storytelling config.js"
        )
    config = _literal(node)
    if not isinstance(config, Obj):
        raise ImportFailed(f"{src}: config is not an object literal", "give the storytelling config.js")
    chapters = config.get("chapters")
    if not isinstance(chapters, list) or not chapters:
        raise ImportFailed(
            f"{src}:{config.line}: config has no chapters", "add chapters: [{id, title, location, ...}]"
        )
    return config


def _show(value: Any) -> str:
    if isinstance(value, Code):
        return f"({value.kind})"
    if isinstance(value, Obj):
        return json.dumps({k: _show(v) if isinstance(v, Code | Obj) else v for k, v in value.values.items()})
    return json.dumps(value, ensure_ascii=False)


TOP_WHY = {
    "inset": "there is no inset locator map",
    "insetOptions": "there is no inset locator map",
    "insetPosition": "there is no inset locator map",
    "theme": WHY_LAYOUT,
    "use3dTerrain": WHY_FLAT,
    "auto": "steps move when the reader asks; there is no auto-advance",
    "projection": "the map is in Web Mercator",
}
QUIET = {"inset": False, "use3dTerrain": False, "auto": False, "projection": "mercator"}


def _top(config: Obj, draft: Draft, report: Report) -> None:
    _report_code(config, report)
    for key, value in config.values.items():
        line = config.at(key)
        if isinstance(value, Code):
            continue
        if key in {"chapters", "title", "subtitle", "byline", "showMarkers"} or value in ("", None):
            continue
        if key == "style":
            report.add(line, f"style {_show(value)}", WHY_BASEMAP + "; Mapbox styles need a Mapbox token")
        elif key == "accessToken":
            report.add(
                line,
                "accessToken (not repeated here)",
                "no token is needed: the story's map asks Mapbox for nothing",
            )
        elif key == "markerColor":
            colour = css_colour(value) if isinstance(value, str) else None
            if colour:
                draft.marker_color = colour
            else:
                report.add(line, f"markerColor {_show(value)}", WHY_COLOUR)
        elif key == "footer":
            draft.intro_html = value if isinstance(value, str) else ""
            draft.intro_where = str(line)
            report.add(
                line,
                "footer as a closing section",
                "there is no closing section yet (issue #12 item 6); the footer is the story's intro",
            )
        elif (key in ("insetOptions", "insetPosition") and config.get("inset") is not True) or QUIET.get(
            key, object()
        ) == value:
            continue
        else:
            report.add(line, f"{key} {_show(value)}", TOP_WHY.get(key, "the story format has no such option"))
    for key in ("title", "subtitle", "byline"):
        value = config.get(key)
        if isinstance(value, str) and plain(value):
            setattr(draft, key, plain(value))
    show = config.get("showMarkers", True)
    draft.show_markers = show is not False


def _layer_actions(chapter: Obj, key: str, report: Report) -> None:
    actions = chapter.get(key)
    if not isinstance(actions, list):
        if actions not in (None, ""):
            report.add(chapter.at(key), f"{key} {_show(actions)}", WHY_LAYER_STEP)
        return
    for action in actions:
        if isinstance(action, Obj):
            parts = [f"layer {action.get('layer')!s}", f"opacity {action.get('opacity')!s}"]
            if action.get("duration") is not None:
                parts.append(f"over {action.get('duration')!s} ms")
            report.add(action.line, f"{key} " + ", ".join(parts), WHY_LAYER_STEP)
        else:
            report.add(chapter.at(key), f"{key} item {_show(action)}", WHY_LAYER_STEP)


CHAPTER_KEYS = {
    "id",
    "title",
    "image",
    "description",
    "location",
    "alignment",
    "hidden",
    "mapAnimation",
    "rotateAnimation",
    "callback",
    "onChapterEnter",
    "onChapterExit",
}


def _chapter(index: int, chapter: Any, draft: Draft, report: Report, ids: set[str], line: int) -> DraftStep:
    if not isinstance(chapter, Obj):
        report.add(line, f"chapter {index + 1}: not an object", "kept as an empty step")
        return DraftStep(title=f"Chapter {index + 1}", where=str(line))
    _report_code(chapter, report)
    for key, value in list(chapter.values.items()):
        if isinstance(value, Code):
            del chapter.values[key]
    title = plain(chapter.get("title")) if isinstance(chapter.get("title"), str) else ""
    chapter_id = chapter.get("id") if isinstance(chapter.get("id"), str) else ""
    step = DraftStep(
        title=title or f"Chapter {index + 1}",
        where=str(chapter.at("description")),
        id_hint=chapter_id,
        html=chapter.get("description") if isinstance(chapter.get("description"), str) else "",
    )
    if isinstance(chapter.get("image"), str) and chapter.get("image").strip():
        step.media.append(Media(chapter.get("image"), str(chapter.at("image"))))
    location = chapter.get("location")
    if isinstance(location, Obj):
        _report_code(location, report, "location.")
        location.values = {k: v for k, v in location.values.items() if not isinstance(v, Code)}
        center = location.get("center")
        if isinstance(center, list) and len(center) == 2 and all(as_number(c) is not None for c in center):
            lng, lat = float(center[0]), float(center[1])
            if -90 <= lat <= 90 and -180 <= lng <= 180:
                step.center = (lat, lng)
                marker = unique_id(chapter_id or step.title, ids, f"chapter-{index + 1}")
                draft.places.append(Place(marker, step.title, lat, lng))
                step.marker = marker
            else:
                report.add(location.at("center"), f"center {_show(center)}", "not a [lng, lat] on Earth")
        zoom = as_number(location.get("zoom"))
        if zoom is not None:
            step.zoom = clamp_zoom(zoom, report, str(location.at("zoom")))
        for key, value in location.values.items():
            if key in ("pitch", "bearing") and as_number(value) not in (None, 0):
                report.add(location.at(key), f"{key} {value:g}", WHY_FLAT)
            elif key not in ("center", "zoom", "pitch", "bearing"):
                report.add(
                    location.at(key), f"location.{key} {_show(value)}", "the story format has no such key"
                )
    if step.center is None:
        report.add(
            chapter.at("location"), "chapter without a [lng, lat] center", "the step keeps the previous view"
        )
    alignment = chapter.get("alignment")
    if alignment not in (None, "", "left"):
        report.add(
            chapter.at("alignment"),
            f"alignment {alignment}",
            "there is no text alignment option yet (issue #12 item 6)",
        )
    if chapter.get("hidden") is True:
        report.add(
            chapter.at("hidden"),
            "hidden: true",
            "there are no hidden steps: the chapter is a visible step; delete it or merge it with a neighbour",
        )
    animation = chapter.get("mapAnimation")
    if animation == "jumpTo":
        step.duration = 0
    elif animation not in (None, "", "flyTo"):
        report.add(
            chapter.at("mapAnimation"),
            f"mapAnimation {_show(animation)}",
            "steps fly (flyTo) or jump; kept as a flight",
        )
    if chapter.get("rotateAnimation") is True:
        report.add(chapter.at("rotateAnimation"), "rotateAnimation: true", WHY_FLAT + "; it does not rotate")
    callback = chapter.get("callback")
    if callback not in (None, ""):
        report.add(chapter.at("callback"), f"callback {_show(callback)}", WHY_SCRIPT)
    _layer_actions(chapter, "onChapterEnter", report)
    _layer_actions(chapter, "onChapterExit", report)
    for key, value in chapter.values.items():
        if key not in CHAPTER_KEYS:
            report.add(
                chapter.at(key), f"chapter key {key} {_show(value)}", "the story format has no such key"
            )
    return step


def read(src: Path, report: Report) -> Draft:
    """Read a Mapbox storytelling config.js into a draft, reporting what the format cannot carry."""
    config = _load(src)
    title = config.get("title") if isinstance(config.get("title"), str) else ""
    draft = Draft(
        tool="Mapbox storytelling", title=plain(title) or src.parent.name or "Imported story", steps=[]
    )
    _top(config, draft, report)
    ids: set[str] = set()
    chapters = config.get("chapters")
    draft.steps = [
        _chapter(i, chapter, draft, report, ids, config.at("chapters")) for i, chapter in enumerate(chapters)
    ]
    return draft
