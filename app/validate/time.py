"""Checks of time-aware layers: snapshot dates that overlap or leave gaps, and steps whose
dates show no snapshot. The choice is made by :func:`app.timeline.pick`, as on the map."""

from __future__ import annotations

from app.dates import StoryDate
from app.models import MapState
from app.parse import YamlBlock
from app.timeline import Frame, clashes, frames, pick
from app.validate.context import Context


def check_snapshots(ctx: Context) -> None:
    """Consecutive snapshots of a layer must not overlap. Gaps are allowed (a layer may know
    nothing of some years); a step dated in one is reported by :func:`check_step_dates`."""
    if ctx.meta is None or ctx.raw.front is None:
        return
    block = ctx.raw.front
    for layer_id, layer_def in ctx.meta.layers.items():
        for clash in clashes(frames(layer_def)):
            if clash.gap:  # years without a snapshot are allowed; a step dated in them is not
                continue
            ctx.report(
                block.line_of(("layers", layer_id, "snapshots", clash.later.index)),
                f'layer "{layer_id}": snapshot "{clash.later.label}" starts on {clash.later.first:%Y-%m-%d}, '
                f'before "{clash.earlier.label}" ends ({clash.earlier.last:%Y-%m-%d})',
                "make the dates follow each other: each `from` after the previous `to`",
            )


def check_step_dates(ctx: Context, state: MapState, block: YamlBlock, step: str) -> None:
    """Each time-aware layer a step shows has a snapshot for the step's date; `layer_dates` and
    `sequence` name such layers, and their dates fall in a snapshot too."""
    if ctx.meta is None:
        return
    defs = ctx.meta.layers
    visible = state.visible(defs)
    for layer_id in state.layer_dates:
        line = block.line_of(("layer_dates", layer_id))
        if layer_id not in defs:
            ctx.unknown(line, "layer", layer_id, set(defs), step)
        elif not defs[layer_id].snapshots:
            ctx.report(
                line,
                f'layer_dates: layer "{layer_id}" has no `snapshots`',
                "remove it: a layer of one file shows the same on every date",
                step=step,
            )
    for layer_id in visible:
        shots = frames(defs[layer_id]) if layer_id in defs else []
        date = state.date_of(layer_id)
        if not shots or date is None or pick(shots, date) is not None:
            continue
        key = ("layer_dates", layer_id) if layer_id in state.layer_dates else ("as_of",)
        ctx.report(
            block.line_of(key),
            f'layer "{layer_id}" has no snapshot for {date}{_gap(shots, date)} (it has {_spans(shots)})',
            "give a date one of them covers"
            if key[0] == "layer_dates"
            else f"add `layer_dates: {{{layer_id}: DATE}}` with a date it covers, or a snapshot for {date}",
            step=step,
        )
    sequence = state.sequence
    if sequence is None:
        return
    line = block.line_of(("sequence", "layer"))
    if sequence.layer not in defs:
        ctx.unknown(line, "layer", sequence.layer, set(defs), step)
        return
    shots = frames(defs[sequence.layer])
    if not shots:
        ctx.report(
            line,
            f'sequence: layer "{sequence.layer}" has no `snapshots`',
            "name a layer with `snapshots:`",
            step=step,
        )
        return
    if sequence.layer not in visible:
        ctx.report(
            line,
            f'sequence: layer "{sequence.layer}" is not shown in this step',
            f"add {sequence.layer} to `layers:`",
            step=step,
        )
    for index, date in enumerate(sequence.dates):
        if pick(shots, date) is None:
            ctx.report(
                block.line_of(("sequence", "dates", index)),
                f'sequence: layer "{sequence.layer}" has no snapshot for {date} (it has {_spans(shots)})',
                "use dates its snapshots cover",
                step=step,
            )


def _gap(shots: list[Frame], date: StoryDate) -> str:
    """ ", in the gap between "A" and "B"" when ``date`` falls between two snapshots."""
    for clash in clashes(shots):
        if clash.gap and clash.earlier.last < date.first and date.last < clash.later.first:
            return f', in the gap between "{clash.earlier.label}" and "{clash.later.label}"'
    return ""


def _spans(shots: list[Frame]) -> str:
    return ", ".join(f"{f.first:%Y-%m-%d} to {f.last:%Y-%m-%d}" for f in shots)
