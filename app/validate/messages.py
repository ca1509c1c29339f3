"""pydantic's validation errors in an author's words: one message per error type, with the fix.

Each error type has one entry in :data:`MESSAGES`. Fixes that belong to a field (a zoom's
range, a colour's form) are declared beside the field in :mod:`app.models` as
:class:`~app.models.Fix` metadata and found here by the error's location.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from app.dates import DATE_HELP
from app.errors import Problem, did_you_mean
from app.ids import slugify
from app.models import COLOR_NAMES, Fix
from app.parse import YamlBlock

RANGE_KINDS = ("greater_than_equal", "less_than_equal", "greater_than", "less_than")
NUMBER_KINDS = ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float")
DATE_KINDS = ("date_from_datetime_parsing", "date_type", "date_parsing", "date_from_datetime_inexact")
SHAPE_KINDS = ("missing", "tuple_type", "list_type", "too_short", "too_long")


def type_name(value: Any) -> str:
    """What a YAML value is, in an author's words."""
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


@dataclass(frozen=True)
class Error:
    """One pydantic error, with what the messages need to know about where it is."""

    loc: tuple[Any, ...]
    kind: str
    value: Any
    msg: str
    ctx: dict[str, Any]
    where: str  # "the front matter", "the map block"
    model: type[BaseModel]
    fix: Fix  # the owning field's fixes (empty when it has none)

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.loc) or self.where

    @property
    def last(self) -> str:
        return str(self.loc[-1]) if self.loc else ""


Message = tuple[str, str | None]


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel], FieldInfo | None]:
    """The model reached at the end of ``loc``, and the field that owns ``loc``.

    A field owns a location when only list or tuple indices follow it (``center.0`` belongs
    to ``center``); a dict key after a field (``layers.places``) belongs to no field. Dict
    values keep the model found at their field (``layers.<id>`` is a ``LayerDef``).
    """
    current = model
    owner: FieldInfo | None = None
    for index, part in enumerate(loc):
        field = current.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            continue
        owner = field if all(isinstance(rest, int) for rest in loc[index + 1 :]) else None
        current = _inner_model(field.annotation) or current
    return current, owner


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _fix_of(field: FieldInfo | None) -> Fix:
    """The :class:`Fix` declared on a field, also inside ``X | None``."""
    if field is None:
        return Fix()
    stack: list[Any] = [*field.metadata, field.annotation]
    while stack:
        item = stack.pop(0)
        if isinstance(item, Fix):
            return item
        stack += list(getattr(item, "__metadata__", ())) + list(typing.get_args(item))
    return Fix()


def _shape(e: Error) -> Message:
    return f'"{e.loc[0]}" must be {e.fix.expects}, not {e.value!r}', e.fix.shape


def _unknown_key(e: Error) -> Message:
    holder, _ = _walk(e.model, e.loc[:-1])
    allowed = list(holder.model_fields)
    parent = ".".join(str(p) for p in e.loc[:-1])
    message = f'unknown key "{e.last}" in ' + (f'"{parent}"' if parent else e.where)
    fix = did_you_mean(e.last, allowed) or (f"allowed keys: {', '.join(allowed)}" if allowed else None)
    return message, fix


def _pattern(e: Error) -> Message:
    if len(e.loc) >= 2 and e.loc[-1] == "[key]":
        parent = ".".join(str(p) for p in e.loc[:-2])
        return (
            f'"{e.value}" is not a valid id in "{parent}"',
            f"use letters, digits, '-' and '_', e.g. {slugify(str(e.value))}",
        )
    return f'"{e.name}" has an invalid value {e.value!r}', e.fix.pattern or "use letters, digits, '-' and '_'"


def _text(e: Error) -> Message:
    if e.value is None and e.fix.empty:
        return f'"{e.name}" is empty', e.fix.empty
    if isinstance(e.value, bool):
        return (
            f'"{e.name}" should be text, not true/false ({str(e.value).lower()})',
            "YAML reads words such as no, yes, on and off as true/false: put the value in quotes",
        )
    shown = "" if isinstance(e.value, (dict, list)) else f" ({e.value!r})"
    return f'"{e.name}" should be text, not {type_name(e.value)}{shown}', "put the value in quotes"


def _too_short(e: Error) -> Message:
    if isinstance(e.value, list) and not e.value:
        return f'"{e.name}" is an empty list', "give at least one item"
    return _generic(e)


def _list(e: Error) -> Message:
    fix = f"write it in brackets, e.g. {e.last}: [{e.value}]" if isinstance(e.value, str) else None
    return f'"{e.name}" must be a list, not {type_name(e.value)}', fix


def _value_error(e: Error) -> Message:
    reason = e.msg.removeprefix("Value error, ")
    if e.loc and not isinstance(e.value, (dict, list)):
        return f'"{e.name}" is {e.value!r}: {reason}', None
    return (f'"{e.name}": {reason}' if e.loc else f"{e.where}: {reason}"), None


def _literal(e: Error) -> Message:
    expected = e.ctx.get("expected")
    return (f'"{e.name}" must be {expected}, not {e.value!r}' if expected else e.msg), None


def _color(e: Error) -> Message:
    return f'"{e.name}" is not a CSS colour: {e.value!r}', did_you_mean(
        str(e.value), COLOR_NAMES
    ) or e.fix.pattern


def _generic(e: Error) -> Message:
    return f'"{e.name}": {e.msg.lower()} (got {type_name(e.value)})', None


MESSAGES: dict[str, Callable[[Error], Message]] = {
    "extra_forbidden": _unknown_key,
    "missing": lambda e: (f'"{e.name}" is required in {e.where}', f"add `{e.last}: ...`"),
    **{
        kind: (lambda e: (f'"{e.name}" is {e.value}, out of range ({e.msg.lower()})', e.fix.range))
        for kind in RANGE_KINDS
    },
    "finite_number": lambda e: (f'"{e.name}" must be a finite number, not {e.value}', "write a plain number"),
    "string_pattern_mismatch": _pattern,
    "string_type": _text,
    "string_too_short": lambda e: (f'"{e.name}" is empty', f"write a value after `{e.last}:`"),
    **{
        kind: (
            lambda e: (
                f'"{e.name}" should be a number, not {type_name(e.value)} ({e.value!r})',
                "write a plain number, e.g. 5 or 2.5",
            )
        )
        for kind in NUMBER_KINDS
    },
    **{
        kind: (
            lambda e: (
                f'"{e.name}" must be key: value pairs, not {type_name(e.value)}',
                e.fix.shape or "write one `key: value` per line, indented under it",
            )
        )
        for kind in ("dict_type", "model_type")
    },
    "list_type": _list,
    "too_short": _too_short,
    **{
        kind: (lambda e: (f'"{e.name}" is not a date: {e.value!r}', "write the date as YYYY-MM-DD"))
        for kind in DATE_KINDS
    },
    "story_date": lambda e: (f'"{e.name}" is not a date: {e.value!r}', DATE_HELP),
    "story_date_order": lambda e: (
        f'"{e.name}" ends before it starts: {e.value!r}',
        "write the earlier date first",
    ),
    "css_color": _color,
    "value_error": _value_error,
    "literal_error": _literal,
}


def _as_written(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """The error's location in the author's terms: where a model read one mapping as a list of
    one (``highlight: {...}``), the list index the author never wrote is dropped."""
    out: list[Any] = []
    for part in loc:
        if isinstance(part, int) and not isinstance(data, list):
            continue
        out.append(part)
        data = (
            data.get(part)
            if isinstance(data, dict)
            else data[part]
            if isinstance(data, list) and isinstance(part, int) and part < len(data)
            else None
        )
    return tuple(out)


def model_problems(
    exc: ValidationError, block: YamlBlock, model: type[BaseModel], shown: str, step: str | None, where: str
) -> list[Problem]:
    """Author-facing problems for a pydantic error, each at its file line."""
    problems = []
    for err in exc.errors():
        loc = _as_written(tuple(err["loc"]), block.data)
        _, owner = _walk(model, loc)
        error = Error(
            loc, err["type"], err.get("input"), err["msg"], err.get("ctx", {}), where, model, _fix_of(owner)
        )
        if error.fix.expects and error.kind in SHAPE_KINDS:
            # e.g. center: [48.86]: the value as a whole is the wrong shape
            whole = block.data.get(loc[0]) if isinstance(block.data, dict) else error.value
            message, fix = _shape(Error(loc[:1], error.kind, whole, "", {}, where, model, error.fix))
        else:
            message, fix = MESSAGES.get(error.kind, _generic)(error)
        problems.append(Problem(shown, block.line_of(loc), message, fix, step))
    return problems
