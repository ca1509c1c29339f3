"""Checks that a step's map block refers to layers, sources and features that exist."""

from __future__ import annotations

import shapely

from app.basemap import has_land
from app.errors import did_you_mean, known
from app.models import Highlight, MapState
from app.parse import YamlBlock
from app.validate.context import Context
from app.views import REFERENCE_SIZE, Bounds, contains, fit_max_zoom, fit_view, view_bounds


def check_raw_refs(ctx: Context, block: YamlBlock, step: str) -> None:
    """The checks that still make sense when the block failed validation: listed ids exist."""
    data = block.data
    if not isinstance(data, dict):
        return
    shown = None if ctx.layer_ids is None else ctx.layer_ids | ctx.overlay_ids  # layers and overlays
    refs = (
        ("layers", shown, "layer"),
        ("hide", ctx.layer_ids, "layer"),
        ("sources", ctx.source_ids, "source"),
    )
    for key, names, what in refs:
        values = data.get(key)
        if names is None or not isinstance(values, list):
            continue
        for index, value in enumerate(values):
            if isinstance(value, str) and value not in names:
                ctx.unknown(block.line_of((key, index)), what, value, names, step)
    styles = data.get("style")
    if ctx.layer_ids is not None and isinstance(styles, dict):
        for layer_id in styles:
            if str(layer_id) not in ctx.layer_ids:
                ctx.unknown(block.line_of(("style", layer_id)), "layer", str(layer_id), ctx.layer_ids, step)


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
    visible = state.visible(ctx.meta.layers) if ctx.meta is not None else list(state.layers)
    view = _view(ctx, state)
    if view is not None and ctx.meta is not None and ctx.meta.basemap == "natural-earth":
        _check_not_empty(ctx, block, step, view, visible)
    listed = isinstance(block.data.get("highlight"), list)
    for number, highlight in enumerate(state.highlights):
        at: tuple[str | int, ...] = ("highlight", number) if listed else ("highlight",)
        _check_highlight(ctx, block, step, state, highlight, at, visible, view)


def _check_highlight(
    ctx: Context,
    block: YamlBlock,
    step: str,
    state: MapState,
    highlight: Highlight,
    at: tuple[str | int, ...],
    visible: list[str],
    view: Bounds | None,
) -> None:
    """One {layer, ids}: the layer exists and is shown, each id names a feature that is in view."""
    line = block.line_of((*at, "layer"))
    if ctx.layer_ids is not None and highlight.layer not in ctx.layer_ids:
        ctx.unknown(line, "layer", highlight.layer, ctx.layer_ids, step)
        return
    if highlight.layer not in visible:
        hidden = highlight.layer in state.hide
        ctx.report(
            line,
            f'highlight layer "{highlight.layer}" is not visible in this step',
            f"remove it from `hide: [{', '.join(state.hide)}]`"
            if hidden
            else f"add it to `layers: [{', '.join([*state.layers, highlight.layer])}]`",
            step=step,
        )
    if highlight.layer not in ctx.layers or ctx.meta is None:
        return
    layer = ctx.layers[highlight.layer]
    id_field = ctx.meta.layers[highlight.layer].id_field
    ids = set(layer.ids(id_field))
    for index, feature_id in enumerate(highlight.ids):
        line = block.line_of((*at, "ids", index))
        if feature_id not in ids:
            ctx.report(
                line,
                f'highlight: no feature "{feature_id}" in layer "{highlight.layer}"',
                did_you_mean(feature_id, ids) or known(ids, "ids"),
                step=step,
            )
            continue
        point = layer.feature_point(id_field, feature_id)
        if view is not None and point is not None and not contains(view, (*point, *point)):
            ctx.report(
                line,
                f'highlighted feature "{feature_id}" ({point[1]:.2f}, {point[0]:.2f}) is outside the step\'s view',
                _out_of_view_fix(state, point),
                step=step,
                severity="warning",
            )


def _check_not_empty(ctx: Context, block: YamlBlock, step: str, view: Bounds, visible: list[str]) -> None:
    """A view that shows neither land nor any of the story's features is open sea: a slip."""
    if any(_layer_in_view(ctx, layer_id, view) for layer_id in visible) or has_land(view):
        return
    west, south, east, north = view
    ctx.report(
        block.line_of(("center",)) if "center" in (block.data or {}) else block.line,
        f"the view shows only sea: no land and none of the story's features "
        f"(lat {south:.1f} to {north:.1f}, lon {west:.1f} to {east:.1f})",
        "check `center` is [lat, lon] and the zoom, or show a layer here",
        step=step,
        severity="warning",
    )


def _layer_in_view(ctx: Context, layer_id: str, view: Bounds) -> bool:
    layer = ctx.layers.get(layer_id)
    if layer is None:
        return layer_id in ctx.overlay_ids  # an overlay covers its own area; take it as content
    return bool(len(layer.gdf.sindex.query(shapely.box(*view)))) or any(
        len(layer.gdf.sindex.query(shapely.box(view[0] + shift, view[1], view[2] + shift, view[3])))
        for shift in (-360.0, 360.0)
    )


def _view(ctx: Context, state: MapState) -> Bounds | None:
    """The area the step shows at the reference size: its center + zoom, or what it fits."""
    if state.center is not None and state.zoom is not None:
        return view_bounds(state.center, state.zoom)
    if state.fit is None or ctx.meta is None:
        return None
    layer_id, _, feature_id = state.fit.partition("/")
    layer = ctx.layers.get(layer_id)
    if layer is None:
        return None
    bounds = (
        layer.feature_bounds(ctx.meta.layers[layer_id].id_field, feature_id) if feature_id else layer.bounds
    )
    return fit_view(bounds, max_zoom=fit_max_zoom(bounds)) if bounds is not None else None


def _out_of_view_fix(state: MapState, point: tuple[float, float]) -> str:
    """Name the likely cause: a swapped [lon, lat] center, else how to bring the subject in."""
    if state.center is not None and state.zoom is not None:
        lat, lon = state.center
        if abs(lon) <= 90 and contains(view_bounds((lon, lat), state.zoom), (*point, *point)):
            return f"center is [lat, lon]: did you mean center: [{lon:g}, {lat:g}]?"
        return (
            f"at zoom {state.zoom:g} a {REFERENCE_SIZE[0]}×{REFERENCE_SIZE[1]} map does not reach it: move "
            "`center` towards it, zoom out, or use `fit:`"
        )
    return "fit a layer or feature that includes it, or use `center` and `zoom`"
