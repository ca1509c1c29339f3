"""Checks that a step's map block refers to layers, sources and features that exist."""

from __future__ import annotations

from app.errors import did_you_mean, known
from app.models import MapState
from app.parse import YamlBlock
from app.validate.context import Context


def check_raw_refs(ctx: Context, block: YamlBlock, step: str) -> None:
    """The checks that still make sense when the block failed validation: listed ids exist."""
    data = block.data
    if not isinstance(data, dict):
        return
    for key, names, what in (("layers", ctx.layer_ids, "layer"), ("sources", ctx.source_ids, "source")):
        values = data.get(key)
        if names is None or not isinstance(values, list):
            continue
        for index, value in enumerate(values):
            if isinstance(value, str) and value not in names:
                ctx.unknown(block.line_of((key, index)), what, value, names, step)


def check_refs(ctx: Context, state: MapState, block: YamlBlock, step: str) -> None:
    """Layers, sources, the fitted feature and the highlighted features all exist."""
    check_raw_refs(ctx, block, step)
    layer_ids = ctx.layer_ids
    if state.fit is not None:
        layer_id, _, feature_id = state.fit.partition("/")
        line = block.line_of(("fit",))
        if layer_ids is not None and layer_id not in layer_ids:
            ctx.unknown(line, "layer", layer_id, layer_ids, step)
        elif feature_id and layer_id in ctx.layers and ctx.meta is not None:
            layer = ctx.layers[layer_id]
            id_field = ctx.meta.layers[layer_id].id_field
            if layer.feature_bounds(id_field, feature_id) is None:
                ids = set(layer.ids(id_field))
                ctx.report(
                    line,
                    f'fit: no feature "{feature_id}" in layer "{layer_id}"',
                    did_you_mean(feature_id, ids) or known(ids, "ids"),
                    step=step,
                )
    highlight = state.highlight
    if highlight is None:
        return
    line = block.line_of(("highlight", "layer"))
    if layer_ids is not None and highlight.layer not in layer_ids:
        ctx.unknown(line, "layer", highlight.layer, layer_ids, step)
        return
    if highlight.layer not in state.layers:
        ctx.report(
            line,
            f'highlight layer "{highlight.layer}" is not visible in this step',
            f"add it to `layers: [{', '.join([*state.layers, highlight.layer])}]`",
            step=step,
        )
    if highlight.layer in ctx.layers and ctx.meta is not None:
        ids = set(ctx.layers[highlight.layer].ids(ctx.meta.layers[highlight.layer].id_field))
        for index, feature_id in enumerate(highlight.ids):
            if feature_id not in ids:
                ctx.report(
                    block.line_of(("highlight", "ids", index)),
                    f'highlight: no feature "{feature_id}" in layer "{highlight.layer}"',
                    did_you_mean(feature_id, ids) or known(ids, "ids"),
                    step=step,
                )
