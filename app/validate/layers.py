"""Checks of each loaded layer against its definition: the properties it names must exist."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from app import tiles
from app.errors import StoryError, did_you_mean, known
from app.paths import resolve_source
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
                        f'{prefix}: {key} field "{name}" is not a property of {layer_def.shown_as}',
                        did_you_mean(name, columns) or known(columns, "properties"),
                    )
        for key, name in (("labels", layer_def.labels), ("style.by", layer_def.style.by)):
            if name is not None and name not in columns:
                ctx.report(
                    line_of(*key.split(".")),
                    f'{prefix}: {key} property "{name}" is not in {layer_def.shown_as}',
                    did_you_mean(name, columns) or known(columns, "properties"),
                )
        if layer_def.id_field not in columns:
            ctx.report(
                line_of("id_field"),
                f'{prefix}: id_field "{layer_def.id_field}" is not a property of {layer_def.shown_as}',
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


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


def check_overlays(ctx: Context) -> None:
    """Overlay ids are not layer ids; tiles are known providers; images are local image files."""
    if ctx.meta is None or ctx.raw.front is None:
        return
    block = ctx.raw.front
    for overlay_id, overlay in ctx.meta.overlays.items():
        line = block.line_of(("overlays", overlay_id))
        if overlay_id in ctx.meta.layers:
            ctx.report(line, f'overlay "{overlay_id}" has the id of a layer', "give the overlay another id")
        if overlay.tiles is not None:
            check_tiles(
                ctx,
                overlay.tiles,
                block.line_of(("overlays", overlay_id, "tiles")),
                f'overlay "{overlay_id}"',
            )
            continue
        line = block.line_of(("overlays", overlay_id, "image"))
        image = overlay.image or ""
        try:
            file = resolve_source(ctx.raw.path, image)
        except StoryError as exc:
            for p in exc.problems:
                ctx.report(line, f'overlay "{overlay_id}": {p.message}', p.fix)
            continue
        if Path(image).suffix.lower() not in IMAGE_SUFFIXES:
            ctx.report(
                line, f'overlay "{overlay_id}": "{image}" is not a PNG, JPEG or WebP image', "convert it"
            )
        elif not file.is_file():
            ctx.report(
                line,
                f'overlay "{overlay_id}": image "{image}" not found',
                "check the path (relative to the story file)",
            )


def check_tiles(ctx: Context, name: str, line: int, what: str, *, basemap: bool = False) -> None:
    """An xyzservices name must exist; online tiles make readers' browsers ask a tile server."""
    if basemap and name == "natural-earth":
        return
    try:
        found = tiles.provider(name)
    except ValueError:
        fix = did_you_mean(name, [*(["natural-earth"] if basemap else []), *tiles.names()]) or (
            "use natural-earth or an xyzservices name such as CartoDB.Positron"
            if basemap
            else "use an xyzservices name such as OpenTopoMap"
        )
        ctx.report(line, f'unknown basemap "{name}"' if basemap else f'{what}: unknown tiles "{name}"', fix)
        return
    host = urlsplit(tiles.tile_url(found)).hostname or "a tile server"
    ctx.report(
        line,
        f"{what} uses online tiles: readers' browsers will load them from {host}, and the export needs the network",
        "use basemap: natural-earth (offline)" if basemap else "use a local `image:` for an offline overlay",
        severity="warning",
    )
