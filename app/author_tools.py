"""Stage: what the author tools inside the map document need (``?mode=author`` only).

The map document of author mode carries ``author.js`` and the JSON built here; the tour,
presentation, embed and export never do. Per step it holds:

- ``block``: the step's map block without its view (``center``/``zoom``/``fit``), as YAML in
  the format's terms. "Copy this view" in the browser puts the view it measured in front of
  it, so the pasted block is complete (layers, hide, highlight, style, duration, as_of,
  sources) and only the view changes.
- ``subjects``: what the step points at (its highlights and its ``fit`` target), checked in
  the browser against the live map, since only the browser knows the size and the coverings.
- ``checks``: what can be told from the story alone (no sources, no as-of date, an image
  without alt text), each with its fix.

The author-only strings are English and live in :data:`STRINGS` (one place, handed to the
browser in the config).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from markdown_it import MarkdownIt

from app.models import MapState, Step, Story
from app.views import REFERENCE_SIZE

VIEW_KEYS = ("center", "zoom", "fit")
PLAIN_DATE = re.compile(r"[0-9][0-9/–-]*")  # 1915, 1915-01, 2022-07-19, 1914/1917: read back as written
_FIND_IMAGES = MarkdownIt("commonmark")  # only to find images, never to render

STRINGS: dict[str, str] = {
    "tools": "Author tools",
    "copy_view": "Copy this view",
    "copy_view_help": "Pan and zoom the map, then copy the step's map block. Click the map for a [lat, lon]; click a feature for its layer/id.",
    "output": "Map block to paste into the ```map fence of step {n}",
    "copied": "Copied: {what}",
    "copy_failed": "Select the text below and copy it: the browser refused the clipboard",
    "copied_view": "map block of step {n} (center {center}, zoom {zoom})",
    "copied_point": "[lat, lon] {point}",
    "copied_feature": "{ref} (for fit); the highlight line is in the author panel",
    "checks": "Checks for step {n}",
    "no_problems": "No problems at this size",
    "out_of_view": "{what} is out of view at this size: pan or zoom until it shows, then Copy this view",
    "covered": "{what} is under the {covering} at this size: pan or zoom it clear, then Copy this view",
    "legend": "legend",
    "controls": "map controls",
}


def _scalar(value: Any) -> str:
    """One YAML scalar that reads back as the same value (quoted only when it must be; 2.0 is 2)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n...\n").strip()


def _flow(value: Any) -> str:
    """A value in YAML flow style, e.g. [a, b] or {layer: places, ids: [tehran]}."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def map_block_yaml(
    state: MapState, center: tuple[float, float] | None = None, zoom: float | None = None
) -> str:
    """The map block of ``state`` as YAML to paste into a ```map fence.

    With ``center`` and ``zoom`` they replace the step's view (and its ``fit``); without them
    the view keys are left out (the browser writes the view it measured in front). Only the
    keys the author wrote are kept, in the key table's order; one highlight is written as a
    mapping, as the README shows it.
    """
    data = state.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    lines = []
    if center is not None and zoom is not None:
        lines += [f"center: {_flow(list(center))}", f"zoom: {_scalar(zoom)}"]
    for key, value in data.items():
        if key in VIEW_KEYS:
            continue
        if key == "highlight" and isinstance(value, list) and len(value) == 1:
            value = value[0]
        if key == "as_of" and PLAIN_DATE.fullmatch(str(value)):
            lines.append(f"as_of: {value}")
            continue
        lines.append(f"{key}: {_flow(value)}")
    return "".join(line + "\n" for line in lines)


def images_without_alt(text: str) -> list[str]:
    """The ``src`` of every Markdown image in ``text`` whose alt text is empty."""
    found = []
    for token in _FIND_IMAGES.parse(text):
        for child in token.children or []:
            if child.type == "image" and not child.content.strip():
                found.append(str(child.attrGet("src") or ""))
    return found


def step_checks(step: Step) -> list[dict[str, str]]:
    """What is missing from a step, from the story alone: each with what to write to fix it."""
    checks = []
    if not step.map.sources:
        checks.append({"kind": "sources", "text": "No sources: add `sources: [source-id]` to the map block"})
    if step.map.as_of is None:
        checks.append({"kind": "as_of", "text": "No as-of date: add `as_of: YYYY-MM-DD` to the map block"})
    for src in images_without_alt(step.text):
        checks.append(
            {"kind": "alt", "text": f'Image "{src}" has no alt text: describe it, ![what it shows]({src})'}
        )
    return checks


def _subjects(state: MapState) -> list[dict[str, Any]]:
    """What the step points at: its highlights, then its fit target (``ids: None`` is a whole layer)."""
    subjects: list[dict[str, Any]] = [{"layer": h.layer, "ids": list(h.ids)} for h in state.highlights]
    if state.fit is not None:
        layer_id, _, feature_id = state.fit.partition("/")
        subjects.append({"layer": layer_id, "ids": [feature_id] if feature_id else None})
    return subjects


def author_config(story: Story) -> dict[str, Any]:
    """The JSON author.js reads (see the module docstring)."""
    return {
        "reference_size": list(REFERENCE_SIZE),
        "strings": STRINGS,
        "steps": [
            {"block": map_block_yaml(step.map), "subjects": _subjects(step.map), "checks": step_checks(step)}
            for step in story.steps
        ],
    }


def script_json(data: Any) -> str:
    """``data`` as compact JSON that is safe inside a <script> element (as Jinja's tojson escapes)."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        text = text.replace(char, escaped)
    return text
