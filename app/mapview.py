"""Stage: the one folium map a story needs, with every layer, plus the step controller.

The map is built once per story (cached on the story's content and data-file versions) and
rendered to a :class:`MapParts` bundle: folium's own header, map ``<div>`` and script, the
Leaflet and controller assets (:mod:`app.assets`), and the controller's JSON config. The
Streamlit map frame and the exported page both assemble their documents from these parts,
so there is one map and one controller, not two implementations.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from app import basemap, tiles, views
from app.assets import author_assets, controller_assets, leaflet_assets
from app.author_tools import author_config, script_json
from app.geodata import LayerData, prepare_geojson
from app.i18n import strings
from app.markup import templates
from app.models import MAX_ZOOM, MIN_ZOOM, LayerDef, Overlay, Step, Story
from app.paths import resolve_source
from app.render import image_data_uri, sanitize_inline
from app.timeline import frames, pick, step_frames
from app.validate import Checked
from app.views import Bounds, contains, fit_max_zoom, view_bounds, within

APP_DIR = Path(__file__).resolve().parent
ROOT = APP_DIR.parent
FIT_WIDTH_PX = 720  # the map width a `fit` is planned for when choosing layer detail
MAX_DETAIL_ZOOM = 12


class StoryFoliumMap(folium.Map):
    """A folium map whose assets are inlined by us, so it never names a CDN."""

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []


def js_string(text: str) -> str:
    """JSON text (from :func:`script_json`, so without ``<``, ``>``, ``&``) as a JavaScript
    string literal, for ``JSON.parse``: a browser reads a large string and parses it as JSON
    faster than it parses the same data as a script's object literal."""
    return json.dumps(text, ensure_ascii=False)


class StoryController(MacroElement):
    """Hands folium's map and layer variables to the step controller (storymap.js)."""

    LATE_BASEMAP = ("borders", "labels")  # the basemap's parts a page sends after the map's script

    _template = Template(
        """
{% macro script(this, kwargs) %}
    StoryMap.init({{ this._parent.get_name() }}, {
    {%- for id, layer in this.layer_vars.items() %}
        {{ id|tojson }}: {{ layer.get_name() }}{{ "," if not loop.last }}
    {%- endfor %}
    }, JSON.parse({{ this.config_string }}));
{% endmacro %}
"""
    )

    def __init__(self, layer_vars: dict[str, folium.GeoJson], config: dict[str, Any]):
        super().__init__()
        self._name = "StoryController"
        self.layer_vars = layer_vars
        self.config = config
        self.late = False  # part of the map is sent after the script (see send_later)

    @property
    def config_string(self) -> Markup:
        """The config as compact JSON in a JavaScript string, safe inside a <script> (see
        :func:`js_string`), without the basemap parts that travel in the late data. The first
        view's own land (``first_land``, see :func:`app.basemap.first_land`) stands in for the
        whole land until that arrives."""
        config = self.config
        base = config.get("basemap")
        if base:
            first = base.get("first_land") if self.late else None
            late = self.LATE_BASEMAP if self.late else ()
            base = {k: v for k, v in base.items() if k not in late and k != "first_land"}
            config = {**config, "basemap": {**base, "land": first} if first else base}
        if self.late:
            config = {**config, "late": True}  # the controller's `loaded` waits for it
        return Markup(js_string(script_json(config)))

    def send_later(self, layer_data: dict[str, Any]) -> dict[str, Any]:
        """Take out of the map's script what the first step does not draw, and return it.

        That is the basemap's borders and names (and its whole land, when the first view's own
        land goes first), and the data of every GeoJSON layer the first step does not show (its
        folium layer is left empty). A page sends the returned data after
        the map's script (``StoryMap.later``), so the first map is drawn as soon as the script
        has arrived and run; the rest is added after the map's first frame.
        """
        first = set(self.config["steps"][0]["layers"]) if self.config["steps"] else set()
        late: dict[str, Any] = {"layers": {}}
        for layer_id, data in layer_data.items():
            if layer_id not in first and data.get("features"):
                late["layers"][layer_id] = data
                self.layer_vars[layer_id].data = {"type": "FeatureCollection", "features": []}
        base = self.config.get("basemap")
        if base:
            late["basemap"] = {k: base[k] for k in self.LATE_BASEMAP if k in base}
            if base.get("first_land"):
                late["basemap"]["land"] = base["land"]
        self.late = bool(late["layers"] or late.get("basemap"))
        return late


@dataclass(frozen=True)
class MapParts:
    """Everything a page needs to show the story's map."""

    header: str  # folium's <style>/<meta> for the map
    body: str  # the map <div>
    script: str  # folium's JS: creates the map, its layers and starts the controller
    leaflet_js: str
    leaflet_css: str
    controller_js: str
    controller_css: str
    config: dict[str, Any]
    # Each GeoJSON layer's data exactly as the script above adds it (the same objects), for a
    # live page that swaps a layer's data in place (author mode: ``StoryMap`` ``reload``).
    layer_data: dict[str, Any] = field(default_factory=dict)
    author: dict[str, Any] | None = None  # the author tools' config (app.author_tools): author mode only
    # What the map's first frame does not need, as JSON safe in a <script> (see
    # StoryController.send_later): pages put ``late_script`` after ``script``.
    late: str = ""

    @property
    def late_script(self) -> str:
        """The script that hands the late data to the controller ("" when there is none)."""
        return f"StoryMap.later({js_string(self.late)});" if self.late else ""


def _kind(layer: LayerData) -> str:
    types = set(layer.gdf.geometry.geom_type.unique())
    if types <= {"Point", "MultiPoint"}:
        return "point"
    if types <= {"LineString", "MultiLineString"}:
        return "line"
    return "polygon"


def zoom_for_bounds(bounds: tuple[float, float, float, float], width_px: int = FIT_WIDTH_PX) -> float:
    """The zoom at which ``bounds`` (west, south, east, north) fill a square ``width_px`` map."""
    return views.fit_zoom(bounds, (width_px, width_px))


def step_bounds(
    step: Step, story: Story, layers: dict[str, LayerData]
) -> tuple[float, float, float, float] | None:
    """Bounds a `fit` step flies to (west, south, east, north)."""
    if step.map.fit is None:
        return None
    layer_id, _, feature_id = step.map.fit.partition("/")
    layer = layers[layer_id]
    if feature_id:
        return layer.feature_bounds(story.meta.layers[layer_id].id_field, feature_id)
    return layer.bounds


def step_zoom(step: Step, story: Story, layers: dict[str, LayerData]) -> float:
    """The zoom a step shows (for `fit` steps, estimated from the bounds)."""
    if step.map.zoom is not None:
        return step.map.zoom
    bounds = step_bounds(step, story, layers)
    return min(zoom_for_bounds(bounds), 10.0) if bounds else 5.0


def _view(step: Step, story: Story, layers: dict[str, LayerData]) -> dict[str, Any]:
    bounds = step_bounds(step, story, layers)
    if bounds is not None:
        west, south, east, north = bounds
        return {"bounds": [[south, west], [north, east]], "max_zoom": fit_max_zoom(bounds)}
    center, zoom = step.map.center, step.map.zoom
    area = view_bounds(center, zoom)
    west, south, east, north = area
    view: dict[str, Any] = {"center": list(center), "zoom": zoom, "area": [[south, west], [north, east]]}
    subject = step_subject(step, story, layers, area)
    if subject is not None:
        west, south, east, north = subject
        view["subject"] = [[south, west], [north, east]]
    return view


def step_subject(step: Step, story: Story, layers: dict[str, LayerData], area: Bounds) -> Bounds | None:
    """The bounds of what a step highlights (on the layers it shows), in the longitudes of its
    ``area``: a map too small for the whole area at the author's zoom zooms in on them, so
    their points and names are not crowded together (storymap.js ``framing``). None with fewer
    than two highlighted features, or when one lies outside the area (the validator warns) or
    spans half the world (a shape across the antimeridian)."""
    visible = step.map.visible(story.meta.layers)
    found: list[Bounds] = []
    for highlight in step.map.highlights:
        if highlight.layer not in visible or highlight.layer not in layers:
            continue
        id_field = story.meta.layers[highlight.layer].id_field
        for feature_id in highlight.ids:
            box = layers[highlight.layer].feature_bounds(id_field, feature_id)
            placed = within(area, box) if box is not None and box[2] - box[0] <= 180 else None
            if placed is None:
                return None
            found.append(placed)
    if len(found) < 2:  # one place has no neighbour to crowd: the whole area stays in view
        return None
    return (
        min(b[0] for b in found),
        min(b[1] for b in found),
        max(b[2] for b in found),
        max(b[3] for b in found),
    )


def _feature_names(layer: LayerData, layer_def: LayerDef, ids: list[str] | None = None) -> dict[str, str]:
    """Feature id → its name (the layer's label property, else its first tooltip field, else the id)."""
    gdf = layer.gdf
    if layer_def.id_field not in gdf.columns:
        return {}
    field = next((f for f in (layer_def.labels, *layer_def.tooltip, "name") if f and f in gdf.columns), None)
    labels = gdf[field].tolist() if field else [None] * len(gdf)
    out = {}
    # Column by column, not iterrows: a re-check after every save (author mode) runs this often.
    for value, label in zip(gdf[layer_def.id_field].tolist(), labels, strict=True):
        fid = str(value)
        if ids is None or fid in ids:
            out[fid] = str(label) if label is not None else fid
    return out


def describe(step: Step, story: Story, layers: dict[str, LayerData], kinds: dict[str, str]) -> str:
    """What the map shows at a step, in words, for screen readers: where it is, the layers
    shown, and what is highlighted (announced on every step change)."""
    words = strings(story.meta.lang)
    state, defs = step.map, story.meta.layers
    sentences = []
    if state.fit is not None:
        layer_id, _, feature_id = state.fit.partition("/")
        names = _feature_names(layers[layer_id], defs[layer_id], [feature_id]) if feature_id else {}
        sentences.append(words["describe_fit"].format(what=names.get(feature_id) or defs[layer_id].label))
    else:
        lat, lon = state.center or (0.0, 0.0)
        place = _nearest_place(story, layers, kinds, lat, lon, view_bounds((lat, lon), state.zoom or 0))
        sentences.append(
            words["describe_near"].format(place=place)
            if place
            else words["describe_at"].format(
                lat=f"{abs(lat):.1f}° {'N' if lat >= 0 else 'S'}",
                lon=f"{abs(lon):.1f}° {'E' if lon >= 0 else 'W'}",
            )
        )
    shown = [
        _dated_label(words, defs[lid], state.date_of(lid))
        for lid in state.visible(defs)
        if lid in layers and lid in defs
    ]
    shown += [story.meta.overlays[lid].label for lid in state.layers if lid in story.meta.overlays]
    if shown:
        sentences.append(words["describe_layers"].format(layers="; ".join(shown)))
    highlighted = [
        name
        for h in state.highlights
        if h.layer in layers
        for name in _feature_names(layers[h.layer], defs[h.layer], list(h.ids)).values()
    ]
    if highlighted:
        sentences.append(words["describe_highlight"].format(names=", ".join(highlighted)))
    return " ".join(sentences)


def _dated_label(words: dict[str, str], layer_def: LayerDef, date: Any) -> str:
    """A layer's label; for a time-aware layer, with the date of the snapshot shown."""
    shots = frames(layer_def)
    index = pick(shots, date)
    if index is None:
        return layer_def.label
    return words["describe_dated"].format(layer=layer_def.label, date=shots[index].label)


def _nearest_place(
    story: Story, layers: dict[str, LayerData], kinds: dict[str, str], lat: float, lon: float, view: Bounds
) -> str | None:
    """The name of the story's point feature nearest the centre of the view, if one is in view."""
    best: tuple[float, str] | None = None
    for layer_id, layer_def in story.meta.layers.items():
        if kinds.get(layer_id) != "point" or layer_id not in layers:
            continue
        gdf = layers[layer_id].gdf
        names = _feature_names(layers[layer_id], layer_def)
        has_ids = layer_def.id_field in gdf.columns
        fids = gdf[layer_def.id_field].tolist() if has_ids else [None] * len(gdf)
        for fid, geom in zip(fids, gdf.geometry, strict=True):
            point = geom.representative_point()
            if not contains(view, (point.x, point.y, point.x, point.y)):
                continue
            distance = (point.y - lat) ** 2 + ((point.x - lon) * math.cos(math.radians(lat))) ** 2
            name = names.get(str(fid)) if has_ids else None
            if name and (best is None or distance < best[0]):
                best = (distance, name)
    return best[1] if best else None


def _field_label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").strip().capitalize()


def _legend_entries(layer_def: LayerDef, layer: LayerData) -> list[dict[str, Any]]:
    """Legend rows in the order the author wrote the categories (only values the data has).

    A list, not a mapping: the config is written with sorted keys, which would reorder them.
    """
    style = layer_def.style
    if not (style.by and style.categories):
        return [{"color": style.fill_color or style.color, "label": None}]
    present = layer.values(style.by)
    return [{"color": c.color, "label": c.label} for value, c in style.categories.items() if value in present]


def _time_config(layer_def: LayerDef, layer: LayerData) -> dict[str, Any]:
    """A time-aware layer's snapshots for the controller: label and legend rows of each (features
    carry their snapshot's index as ``_sm_frame``)."""
    return {
        "frames": [
            {"label": frame.label, "legend_entries": _legend_entries(layer_def, part)}
            for frame, part in zip(frames(layer_def), layer.parts, strict=True)
        ],
        "scrubber": layer_def.scrubber,
    }


def _step_time(step: Step, story: Story, layer_defs: dict[str, Any]) -> dict[str, Any]:
    """The snapshot each time-aware layer shows at a step, and the sequence it plays first."""
    defs = story.meta.layers
    shown = {
        lid: index if index is not None else pick(frames(defs[lid]), None)
        for lid, index in step_frames(step.map, defs).items()
        if lid in layer_defs
    }
    out: dict[str, Any] = {"frames": shown}
    sequence = step.map.sequence
    if sequence is not None and sequence.layer in shown:
        shots = frames(defs[sequence.layer])
        played = [pick(shots, date) for date in sequence.dates]
        out["sequence"] = {
            "layer": sequence.layer,
            "frames": [i for i in played if i is not None],
            "pace": sequence.pace,
        }
    return out


def _first_steps(story: Story, layer_id: str) -> dict[str, int]:
    """Feature id → the first step that highlights it (for a click on the feature)."""
    found: dict[str, int] = {}
    for index, step in enumerate(story.steps):
        for highlight in step.map.highlights:
            if highlight.layer == layer_id:
                for feature_id in highlight.ids:
                    found.setdefault(feature_id, index)
    return found


def controller_config(story: Story, layers: dict[str, LayerData], kinds: dict[str, str]) -> dict[str, Any]:
    """The JSON the controller needs: one entry per step, plus layer styles."""
    layer_defs: dict[str, Any] = {}
    for layer_id, layer_def in story.meta.layers.items():
        if layer_id not in layers:
            continue
        fields = [*layer_def.tooltip, *layer_def.popup]
        layer_defs[layer_id] = {
            "label": layer_def.label,
            "kind": kinds[layer_id],
            "style": layer_def.style.model_dump(),
            "legend_entries": _legend_entries(layer_def, layers[layer_id]),
            "tooltip": layer_def.tooltip,
            "popup": layer_def.popup,
            "field_labels": {f: _field_label(f) for f in fields},
            "labels": layer_def.labels,
            "id_field": layer_def.id_field,
            "legend": layer_def.legend,
        }
        if layer_def.snapshots:
            layer_defs[layer_id]["time"] = _time_config(layer_def, layers[layer_id])
    for overlay_id, overlay in story.meta.overlays.items():
        layer_defs[overlay_id] = {"label": overlay.label, "kind": kinds[overlay_id], "legend": False}
    steps = []
    for step in story.steps:
        state = step.map
        steps.append(
            {
                "id": step.id,
                "title": step.title,
                "view": _view(step, story, layers),
                "layers": [lid for lid in state.visible(story.meta.layers) if lid in layer_defs],
                "highlights": [{"layer": h.layer, "ids": list(h.ids)} for h in state.highlights],
                "style": {
                    lid: o.model_dump(exclude_none=True)
                    for lid, o in state.style.items()
                    if lid in layer_defs
                },
                "duration": state.duration,
                "description": describe(step, story, layers, kinds),
                **_step_time(step, story, layer_defs),
            }
        )
    for layer_id, entry in layer_defs.items():
        if layer_id in story.meta.layers and story.meta.layers[layer_id].link_steps:
            entry["step_of"] = _first_steps(story, layer_id)
    return {
        "title": story.meta.title,
        "dir": story.meta.dir,
        "legend_position": story.meta.legend_position,
        "lang": story.meta.lang,
        "strings": {
            key: strings(story.meta.lang)[key]
            for key in ("legend", "map_credits", "map", "time_scrubber", "time_back", "time_shown")
        },
        "ids": [s.id for s in story.steps],
        "steps": steps,
        "layers": layer_defs,
        "initial": 0,
    }


def _layer_zoom(story: Story, layers: dict[str, LayerData], layer_id: str) -> float:
    """The deepest zoom at which a layer is shown: its data is simplified for that."""
    zooms = [step_zoom(s, story, layers) for s in story.steps if layer_id in s.map.visible(story.meta.layers)]
    return min(MAX_DETAIL_ZOOM, max(zooms, default=5.0) + 1.0)


def _kept_properties(layer_def: LayerDef) -> list[str]:
    keep = {layer_def.id_field, *layer_def.tooltip, *layer_def.popup}
    if layer_def.labels:
        keep.add(layer_def.labels)
    if layer_def.style.by:
        keep.add(layer_def.style.by)
    return sorted(keep)


def step_view(step: Step, story: Story, layers: dict[str, LayerData]) -> basemap.View:
    """What a step shows at the reference map size: a fit's bounds, else its center and zoom."""
    bounds = step_bounds(step, story, layers)
    if bounds is not None:
        zoom = min(basemap.zoom_for_bounds(bounds), 10.0)
        return basemap.View(bounds, zoom)
    center = step.map.center or (20.0, 0.0)
    zoom = float(step.map.zoom if step.map.zoom is not None else 3)
    return basemap.View(basemap.view_bounds((center[0], center[1]), zoom), zoom)


_BASEMAPS: dict[tuple[Any, ...], dict[str, Any]] = {}  # (views, labels) → config, newest last
_BASEMAPS_LOCK = threading.Lock()
BASEMAPS_KEPT = 8


def _basemap_key(story: Story, layers: dict[str, LayerData]) -> tuple[Any, ...]:
    return tuple(step_view(s, story, layers) for s in story.steps), story.meta.basemap_labels


def basemap_cached(story: Story, layers: dict[str, LayerData]) -> bool:
    """True if the basemap for the story's views is ready (no seconds of clipping to wait for)."""
    return _basemap_key(story, layers) in _BASEMAPS


def basemap_config(
    story: Story, layers: dict[str, LayerData], stand_in: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The offline basemap the story's views need (see :mod:`app.basemap`), or None if absent.

    Cached on the views: clipping Natural Earth costs seconds for a long story, and a story
    checked again after an edit of its text or layers (author mode) has the same views. When
    the views changed and ``stand_in`` is given (the basemap already on the author's map), it
    is returned instead of waiting; :mod:`app.author` asks for the real one in the background.
    """
    if story.meta.basemap != "natural-earth" or not basemap.available():
        return None
    key = _basemap_key(story, layers)
    found = _BASEMAPS.get(key)
    if found is not None:
        return found
    if stand_in is not None:
        return stand_in
    views, labels = key
    data = basemap.basemap_data(list(views), labels=labels)
    digits = data.pop("digits")
    # Land and borders travel as encoded lines (lossless, a fifth of the GeoJSON; storymap.js decodes them).
    encoded = {kind: basemap.encode_collection(data[kind], digits) for kind in ("land", "borders")}
    found = {**data, **encoded, **basemap.styles("light"), "dark": basemap.styles("dark")}
    first = basemap.first_land(list(views), encoded["land"])
    if first is not None:
        found["first_land"] = first  # drawn first; the whole land follows (StoryController.send_later)
    with _BASEMAPS_LOCK:  # author mode builds basemaps in a background thread
        _BASEMAPS[key] = found
        while len(_BASEMAPS) > BASEMAPS_KEPT:
            _BASEMAPS.pop(next(iter(_BASEMAPS)), None)
    return found


def overlay_layer(story_path: Path, overlay_id: str, overlay: Overlay) -> folium.Layer:
    """An overlay as a Leaflet layer: online tiles, or a local image inlined as a data: URI."""
    credit = sanitize_inline(overlay.attribution) if overlay.attribution else None
    if overlay.tiles is not None:
        provider = tiles.provider(overlay.tiles)
        return folium.TileLayer(
            tiles=tiles.tile_url(provider),
            attr=credit or provider.html_attribution,
            name=overlay_id,
            opacity=overlay.opacity,
            overlay=True,
            max_zoom=provider.get("max_zoom", 18),
        )
    image = image_data_uri(resolve_source(story_path, overlay.image or ""))
    return folium.raster_layers.ImageOverlay(
        image=image or "",
        bounds=[list(corner) for corner in overlay.bounds or ()],
        opacity=overlay.opacity,
        name=overlay_id,
        attr=credit,
        interactive=False,
    )


def build_map(checked: Checked) -> tuple[folium.Map, dict[str, Any]]:
    """The folium map with every layer of the story and the controller attached."""
    fmap, config, _ = _build(checked)
    return fmap, config


def _build(
    checked: Checked, basemap_stand_in: dict[str, Any] | None = None
) -> tuple[folium.Map, dict[str, Any], dict[str, Any]]:
    """The map, the controller's config and each GeoJSON layer's data as the map embeds it."""
    story = checked.story
    assert story is not None, "build_map needs a story that validated"
    layers = checked.layers
    first = story.steps[0]
    center = list(first.map.center) if first.map.center else [20.0, 0.0]
    fmap = StoryFoliumMap(
        location=center,
        zoom_start=first.map.zoom or 3,
        tiles=None,
        keyboard=True,  # with the map focused, arrows pan and +/- zoom; Tab leaves it
        keyboard_pan_delta=100,
        zoom_control=True,
        control_scale=False,
        prefer_canvas=False,
        world_copy_jump=False,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        attribution_control=True,
        zoom_snap=0,  # steps may use fractional zooms (e.g. 3.5); keep them exact
        zoom_delta=0.5,
    )
    if story.meta.basemap != "natural-earth":
        provider = tiles.provider(story.meta.basemap)
        folium.TileLayer(
            tiles=tiles.tile_url(provider),
            attr=provider.html_attribution,
            name=basemap,
            max_zoom=provider.get("max_zoom", 18),
        ).add_to(fmap)
    layer_vars: dict[str, folium.GeoJson] = {}
    layer_data: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for layer_id, layer_def in story.meta.layers.items():
        if layer_id not in layers:
            continue
        data = layer_geojson(
            layers[layer_id], _layer_zoom(story, layers, layer_id), _kept_properties(layer_def)
        )
        kinds[layer_id] = _kind(layers[layer_id])
        layer_data[layer_id] = data
        geo = folium.GeoJson(
            data,
            name=layer_id,
            marker=folium.CircleMarker(radius=layer_def.style.radius) if kinds[layer_id] == "point" else None,
            # Leaflet writes attributions as HTML: links and emphasis only.
            attribution=sanitize_inline(layer_def.attribution) if layer_def.attribution else None,
            # Not added to the map by folium's script: the controller adds the step's layers at
            # its first view, so no other layer is drawn (and removed) first.
            show=False,
        )
        geo.add_to(fmap)
        layer_vars[layer_id] = geo
    for overlay_id, overlay in story.meta.overlays.items():
        layer_vars[overlay_id] = overlay_layer(Path(story.path), overlay_id, overlay).add_to(fmap)
        kinds[overlay_id] = "tiles" if overlay.tiles else "image"
    config = controller_config(story, layers, kinds)
    config["basemap"] = basemap_config(story, layers, basemap_stand_in)
    fmap.add_child(StoryController(layer_vars, config))
    return fmap, config, layer_data


def layer_geojson(layer: LayerData, max_zoom: float, keep: list[str]) -> dict[str, Any]:
    """A layer's GeoJSON for the browser; a time-aware layer holds every snapshot's features, each
    marked with its snapshot's index (``_sm_frame``), so a step change never sends data."""
    if not layer.parts:
        return prepare_geojson(layer, max_zoom, keep=keep)
    features = [
        {**feature, "properties": {**feature["properties"], "_sm_frame": index}}
        for index, part in enumerate(layer.parts)
        for feature in prepare_geojson(part, max_zoom, keep=keep)["features"]
    ]
    return {"type": "FeatureCollection", "features": features}


def map_state(
    checked: Checked, basemap_stand_in: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The controller config and each GeoJSON layer's data, without rendering a document: what
    a live map needs to show a new version of the story (author mode). Same build as
    :func:`map_parts`, so the live map gets exactly what a fresh document would embed."""
    _, config, layer_data = _build(checked, basemap_stand_in)
    return config, layer_data


def map_parts(checked: Checked, basemap_stand_in: dict[str, Any] | None = None) -> MapParts:
    """Render the story's map once into :class:`MapParts` (see :func:`basemap_config` for the
    stand-in basemap)."""
    fmap, config, layer_data = _build(checked, basemap_stand_in)
    controller = next(c for c in fmap._children.values() if isinstance(c, StoryController))
    late = controller.send_later(layer_data)
    figure = fmap.get_root()
    figure.render()
    leaflet_js, leaflet_css = leaflet_assets()
    controller_js, controller_css = controller_assets()
    script = figure.script.render()
    # folium's viewport meta forbids pinch zoom; pages set their own.
    header = re.sub(r"<meta name=\"viewport\"[^>]*>", "", figure.header.render())
    return MapParts(
        header=header,
        body=figure.html.render(),
        script=script,
        leaflet_js=leaflet_js,
        leaflet_css=leaflet_css,
        controller_js=controller_js,
        controller_css=controller_css,
        config=config,
        layer_data=layer_data,
        author=author_config(checked.story) if checked.story is not None else None,
        late=script_json(late) if controller.late else "",
    )


def map_document(
    parts: MapParts,
    *,
    title: str,
    lang: str = "en",
    direction: str = "ltr",
    options: dict[str, Any] | None = None,
) -> str:
    """A standalone HTML document holding only the map (the Streamlit map frame).

    ``options`` go to ``StoryMap.configure`` before the map starts (author mode passes
    ``{"mode": "author", "author": true}``); without them the document is the reader's.
    With ``"author": true`` the document also carries the author tools (``author.js``/``.css``
    and ``parts.author``: Copy this view, click to copy, the checks); no other page has them.
    """
    tools = None
    if options and options.get("author"):
        if parts.author is None:
            raise ValueError("the author tools need MapParts from map_parts() (parts.author is None)")
        js, css = author_assets()
        tools = {"js": js, "css": css, "config": Markup(script_json(parts.author))}
    return templates.get_template("mapframe.html.j2").render(
        parts=parts, title=title, lang=lang, dir=direction, options=options, author=tools
    )
