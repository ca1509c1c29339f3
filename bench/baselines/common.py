"""What both baseline apps share: the story's layers as plain folium objects.

Built from the same Story model and the same prepared GeoJSON as the tour
(``app.validate.load_story`` + ``app.geodata.prepare_geojson`` at the zooms
``app.mapview`` uses), so every app shows the same data; only the way the map reaches the
browser differs. The story comes from ``BENCH_STORY`` (default: the flagship).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium

from app.basemap import decode_collection, styles
from app.geodata import prepare_geojson
from app.mapview import (
    _kept_properties,
    _layer_zoom,
    basemap_config,
    step_bounds,
    step_zoom,
)
from app.models import Story
from app.paths import ROOT
from app.render import render_markdown
from app.validate import load_story

STORY = Path(os.environ.get("BENCH_STORY", ROOT / "stories" / "russia-iran.md"))
MAP_HEIGHT = 540


LAND_STYLE = styles("light")["land_style"]  # the tour's basemap in its light scheme


@dataclass(frozen=True)
class Prepared:
    story: Story
    basemap: dict[str, Any] | None
    layers: dict[str, dict[str, Any]]  # layer id → prepared GeoJSON
    kinds: dict[str, str]
    views: list[tuple[tuple[float, float], float]]  # (centre [lat, lon], zoom) of each step
    texts: list[str]  # each step's text, rendered


def _kind(data: dict[str, Any]) -> str:
    types = {f["geometry"]["type"] for f in data["features"]}
    if types <= {"Point", "MultiPoint"}:
        return "point"
    if types <= {"LineString", "MultiLineString"}:
        return "line"
    return "polygon"


def prepare(path: Path | str = STORY) -> Prepared:
    checked = load_story(path)
    story = checked.story
    assert story is not None
    layers = checked.layers
    data = {
        lid: prepare_geojson(layers[lid], _layer_zoom(story, layers, lid), keep=_kept_properties(ldef))
        for lid, ldef in story.meta.layers.items()
        if lid in layers
    }
    base = basemap_config(story, layers)
    basemap = decode_collection(base["land"]) if base is not None else None  # plain GeoJSON for folium
    views = []
    for step in story.steps:
        bounds = step_bounds(step, story, layers)
        if bounds is not None:
            west, south, east, north = bounds
            center = ((south + north) / 2, (west + east) / 2)
        else:
            center = (step.map.center[0], step.map.center[1])
        views.append((center, float(step_zoom(step, story, layers))))
    texts = [render_markdown(s.text, base=Path(story.path)) for s in story.steps]
    return Prepared(story, basemap, data, {k: _kind(v) for k, v in data.items()}, views, texts)


def _style(prepared: Prepared, layer_id: str, highlighted: set[str]):
    ldef = prepared.story.meta.layers[layer_id]
    style = ldef.style
    kind = prepared.kinds[layer_id]

    def style_function(feature: dict[str, Any]) -> dict[str, Any]:
        props = feature.get("properties") or {}
        color = style.color
        if style.by and style.categories:
            category = style.categories.get(str(props.get(style.by)))
            if category:
                color = category.color
        on = str(props.get(ldef.id_field)) in highlighted
        return {
            "color": "#ffffff" if kind == "polygon" else color,
            "fillColor": style.fill_color or color,
            "weight": style.weight + (2 if on else 0),
            "opacity": style.opacity,
            "fillOpacity": min(1.0, style.fill_opacity + (0.25 if on else 0)),
            "dashArray": style.dash,
            "fill": kind != "line",
        }

    return style_function


def layer(prepared: Prepared, layer_id: str, index: int) -> folium.GeoJson:
    """One story layer as a folium GeoJson, styled and highlighted for step ``index``."""
    step = prepared.story.steps[index]
    ldef = prepared.story.meta.layers[layer_id]
    highlighted = {fid for hl in step.map.highlights if hl.layer == layer_id for fid in hl.ids}
    kind = prepared.kinds[layer_id]
    return folium.GeoJson(
        prepared.layers[layer_id],
        name=layer_id,
        style_function=_style(prepared, layer_id, highlighted),
        marker=folium.CircleMarker(radius=ldef.style.radius) if kind == "point" else None,
        tooltip=folium.GeoJsonTooltip(fields=ldef.tooltip) if ldef.tooltip else None,
    )


def base_map(prepared: Prepared, index: int) -> folium.Map:
    """A folium map at step ``index``'s view with the Natural Earth basemap only."""
    center, zoom = prepared.views[index]
    fmap = folium.Map(location=list(center), zoom_start=zoom, tiles=None, zoom_snap=0, zoom_delta=0.5)
    if prepared.basemap is not None:
        folium.GeoJson(
            prepared.basemap,
            name="basemap",
            style_function=lambda _: LAND_STYLE,
            interactive=False,
            control=False,
        ).add_to(fmap)
    return fmap


def step_layers(prepared: Prepared, index: int) -> list[str]:
    step = prepared.story.steps[index]
    return [lid for lid in step.map.visible(prepared.story.meta.layers) if lid in prepared.layers]


def step_html(prepared: Prepared, index: int) -> str:
    """The step's text, with the same progress line the tour renders (the bench waits on it)."""
    story = prepared.story
    step = story.steps[index]
    return (
        f'<p data-testid="storymap-progress">Step {index + 1} of {len(story.steps)}</p>'
        f"<h2>{html.escape(step.title)}</h2><div>{prepared.texts[index]}</div>"
    )
