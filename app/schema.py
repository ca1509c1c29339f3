"""JSON Schema and the README key table, both generated from :mod:`app.models`."""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from app.dates import StoryDate
from app.models import (
    Category,
    FeatureTime,
    FrontMatter,
    Highlight,
    LayerDef,
    MapState,
    Media,
    Overlay,
    Sequence,
    Snapshot,
    Source,
    Style,
    StyleOverride,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = {
    "schema/front-matter.schema.json": FrontMatter,
    "schema/map-block.schema.json": MapState,
    "schema/media-block.schema.json": Media,
}
README = ROOT / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"

# (prefix shown in the table, model)
SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("front matter", "", FrontMatter),
    ("front matter", "layers.<id>.", LayerDef),
    ("front matter", "layers.<id>.snapshots[].", Snapshot),
    ("front matter", "layers.<id>.time.", FeatureTime),
    ("front matter", "layers.<id>.style.", Style),
    ("front matter", "layers.<id>.style.categories.<value>.", Category),
    ("front matter", "sources.<id>.", Source),
    ("front matter", "overlays.<id>.", Overlay),
    ("map block", "", MapState),
    ("map block", "highlight.", Highlight),
    ("map block", "style.<layer>.", StyleOverride),
    ("map block", "sequence.", Sequence),
    ("media block", "", Media),
]


def _type_text(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        parts = [_type_text(a) for a in args if a is not type(None)]
        return " or ".join(parts)
    if origin is typing.Literal:
        return " \\| ".join(str(a) for a in args)
    if origin is list and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return "mapping, or a list of them"  # one mapping is read as a list of one
    if origin is list:
        return f"list of {_type_text(args[0])}"
    if origin is tuple and typing.get_origin(args[0]) is tuple:
        return "[[south, west], [north, east]]"
    if origin is tuple:
        return "[lat, lon]" if len(args) == 2 else "list"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    if annotation is StoryDate:
        return "date: 1915, 1915-01, 1915-01-18 or 1914/1917"
    names = {str: "text", float: "number", int: "integer", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation)).replace("date", "date (YYYY-MM-DD)")


def _default_text(field: Any) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None or field.default is PydanticUndefined:
        return ""
    if field.default is None:
        return ""
    return f"`{field.default}`"


def key_table() -> str:
    """The Markdown key table of every front-matter and map-block key."""
    rows = ["| where | key | type | default | meaning |", "|---|---|---|---|---|"]
    for where, prefix, model in SECTIONS:
        for name, field in model.model_fields.items():
            description = (field.description or "").replace("|", "\\|")
            rows.append(
                f"| {where} | `{prefix}{field.alias or name}` | {_type_text(field.annotation)} | {_default_text(field)} | {description} |"
            )
    return "\n".join(rows)


def schema_documents() -> dict[str, str]:
    """The JSON Schema files, as text, keyed by path relative to the project."""
    out = {}
    for rel, model in SCHEMAS.items():
        doc = model.model_json_schema()
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = f"storymap/{Path(rel).name}"
        out[rel] = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def write_schema(check: bool = False) -> list[str]:
    """Write (or with ``check``, compare) the schema files and the README table; return stale paths."""
    stale = []
    for rel, text in schema_documents().items():
        path = ROOT / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    readme = README.read_text(encoding="utf-8") if README.exists() else ""
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        _, tail = rest.split(END, 1)
        new = f"{head}{START}\n{key_table()}\n{END}{tail}"
        if new != readme:
            stale.append("README.md")
            if not check:
                README.write_text(new, encoding="utf-8")
    else:
        stale.append("README.md (no key table markers)")
    return stale
