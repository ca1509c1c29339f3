"""Checks of each loaded layer against its definition: the properties it names must exist."""

from __future__ import annotations

from app.errors import did_you_mean, known
from app.validate.context import Context


def check_layers(ctx: Context) -> None:
    """Tooltip, popup, label, colour-by and id fields name properties the file has."""
    if ctx.meta is None or ctx.raw.front is None:
        return
    block = ctx.raw.front
    for layer_id, layer_def in ctx.meta.layers.items():
        data = ctx.layers.get(layer_id)
        if data is None:
            continue
        prefix = f'layer "{layer_id}"'

        def line_of(*keys: str | int, layer_id: str = layer_id) -> int:
            return block.line_of(("layers", layer_id, *keys))

        columns = set(data.columns)
        for key in ("tooltip", "popup"):
            for index, name in enumerate(getattr(layer_def, key)):
                if name not in columns:
                    ctx.report(
                        line_of(key, index),
                        f'{prefix}: {key} field "{name}" is not a property of {layer_def.source}',
                        did_you_mean(name, columns) or known(columns, "properties"),
                    )
        for key, name in (("labels", layer_def.labels), ("style.by", layer_def.style.by)):
            if name is not None and name not in columns:
                ctx.report(
                    line_of(*key.split(".")),
                    f'{prefix}: {key} property "{name}" is not in {layer_def.source}',
                    did_you_mean(name, columns) or known(columns, "properties"),
                )
        if layer_def.id_field not in columns:
            ctx.report(
                line_of("id_field"),
                f'{prefix}: id_field "{layer_def.id_field}" is not a property of {layer_def.source}',
                did_you_mean(layer_def.id_field, columns)
                or "set `id_field:` to a property that names each feature",
                severity="warning",
            )
        style = layer_def.style
        if style.by and style.categories and style.by in columns:
            missing = sorted(data.values(style.by) - set(style.categories))
            if missing:
                ctx.report(
                    line_of("style", "categories"),
                    f'{prefix}: values of "{style.by}" without a category: {", ".join(missing[:6])}',
                    "add them under style.categories (they are drawn in the layer's `color`)",
                    severity="warning",
                )
