"""Stage: the offline world basemap an export or tour carries, cut to the story's own views.

The package data in ``app/basemap/`` (built by ``geodata/build.py``) holds Natural Earth land
(areas) and borders (lines) at three scales, 1:110m, 1:50m and 1:10m, each as a FlatGeobuf
file cut into tiles with a spatial index, plus labels (countries, seas and oceans, capitals and
major cities) with a source on every row.

For a story, every step's view (a ``center``/``zoom`` at the reference map size, or a ``fit``'s
bounds) asks for the scale its zoom needs (:func:`resolution_for_zoom`). Views of one scale
and one zoom (rounded up) make a *band*: the union of their areas with a margin. Each band gets
its scale's land and borders, read with a bounding-box filter, clipped to the band minus every
finer band and simplified and rounded for the band's zoom (the helpers of :mod:`app.geodata`). The
1:110m world is always there underneath, clipped to outside the finer bands, so no two scales
ever overlap: no coarse land pokes out past a fine coastline, at any zoom. Land is one filled
area without a stroke (the union of the bands' pieces, so band edges leave no seams) and borders
are separate lines clipped as lines, so a clip edge never draws as a fake border.

Longitudes: a view past the 180° meridian (a route unwrapped to lon 200, say) gets the land of
the other side shifted by 360°.

On the way to the browser (:func:`encode_collection`), land and borders travel as *encoded
lines*: each ring or line is one string of zig-zag varints of its coordinate deltas, five bits
and a continuation bit a character in the base64url alphabet (no character JSON, HTML or a
template would escape), at the coarsest precision that keeps it exact. That is lossless and a fifth of the GeoJSON's bytes
(the flagship's basemap: 614 KB → 141 KB, 197 → 95 KB gzipped), and cheaper for a phone to
parse; ``storymap.js`` decodes it back to GeoJSON before Leaflet draws it.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyogrio
import shapely
from shapely import Geometry

from app import views
from app.geodata import precision_for_zoom, shifted, tolerance_for_zoom
from app.paths import BASEMAP_DIR, basemap_file

LABELS_FILE = "labels.geojson"
PROVENANCE_FILE = "basemap.provenance.json"
# The map size (px) the basemap of a center+zoom view is planned for: a large desktop map, larger
# than app.views.REFERENCE_SIZE (which reads an author's view), so big screens get detail too.
REFERENCE_SIZE = (1280, 800)
# Natural Earth scale used from a zoom on (1:110m below 3, 1:50m below 5, 1:10m from 5).
RESOLUTIONS = (("110m", 0.0), ("50m", 3.0), ("10m", 5.0))
MARGIN = 0.25  # each band's area reaches this share of a view's span beyond each edge
WORLD_ZOOM = 3.0  # the always-present 1:110m world is simplified for this zoom
MAX_BASEMAP_ZOOM = 9.0  # 1:10m holds no detail beyond this
MERCATOR_LAT = 85.0511
FIRST_LAND_SHARE = 0.6  # the first view's own land goes first only if at most this share of the story's
LABEL_KINDS = ("ocean", "country", "sea", "capital", "city")  # placement priority, first wins
ATTRIBUTION = (
    '<a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener noreferrer">Natural Earth</a>'
)
LABELS_ATTRIBUTION = (
    '<a href="https://www.geonames.org/" target="_blank" rel="noopener noreferrer">GeoNames</a> (CC BY 4.0)'
)

Bounds = views.Bounds

# The basemap's colours: light, and dark for readers whose system asks for it (the controller
# follows prefers-color-scheme, live). The sea is the map's background; land is filled without a
# stroke; borders are lines. Names are styled in storymap.css, light and dark.
PALETTES = {
    "light": {"sea": "#cfe0ea", "land": "#f4f1ea", "border": "#a39e93"},
    "dark": {"sea": "#15212a", "land": "#2e3033", "border": "#66686c"},
}


def styles(scheme: str) -> dict[str, Any]:
    """The controller's basemap styles in one palette (``light`` or ``dark``)."""
    colours = PALETTES[scheme]
    return {
        "land_style": {"stroke": False, "fillColor": colours["land"], "fillOpacity": 1},
        "border_style": {"color": colours["border"], "weight": 0.8, "fill": False},
        "sea": colours["sea"],
    }


@dataclass(frozen=True)
class View:
    """The area a step shows at the reference size, and its zoom."""

    bounds: Bounds
    zoom: float


def available() -> bool:
    """True if the packaged basemap is installed (the build wrote ``app/basemap/``)."""
    names = [f"{kind}-{res}.fgb" for kind in ("land", "borders") for res, _ in RESOLUTIONS]
    return all(basemap_file(name) is not None for name in [*names, LABELS_FILE])


def resolution_for_zoom(zoom: float) -> str:
    """The Natural Earth scale ('110m', '50m' or '10m') a map at ``zoom`` needs."""
    return [res for res, start in RESOLUTIONS if zoom >= start][-1]


def _merc_y(lat: float) -> float:
    lat = max(-MERCATOR_LAT, min(MERCATOR_LAT, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def view_bounds(center: tuple[float, float], zoom: float, size: tuple[int, int] = REFERENCE_SIZE) -> Bounds:
    """The (west, south, east, north) a map of ``size`` px shows at ``center`` [lat, lon] and ``zoom``."""
    return views.view_bounds(center, zoom, size)


def zoom_for_bounds(bounds: Bounds, size: tuple[int, int] = REFERENCE_SIZE) -> float:
    """The zoom at which ``bounds`` just fit a map of ``size`` px."""
    return views.fit_zoom(bounds, size)


def _with_margin(bounds: Bounds) -> Geometry:
    west, south, east, north = bounds
    dx = max(east - west, 0.5) * MARGIN
    y0, y1 = _merc_y(south), _merc_y(north)
    dy = max(y1 - y0, 0.01) * MARGIN
    south, north = _merc_lat(y0 - dy), _merc_lat(y1 + dy)
    return shapely.box(max(west - dx, -540.0), south, min(east + dx, 540.0), north)


def detail_zoom(zoom: float) -> float:
    """The zoom a view's basemap is simplified for: its own, rounded up (capped at 1:10m's limit)."""
    return min(MAX_BASEMAP_ZOOM, float(math.ceil(zoom - 1e-9)))


def bands(views: list[View]) -> list[tuple[str, float, Geometry]]:
    """(scale, detail zoom, area) for the views, coarse to fine; no two areas overlap.

    Views of one scale and one detail zoom share a band: the union of their areas with a
    margin. The first band is the 1:110m world (plus the other side of 180° where a view
    reaches past it); each band's area is taken out of every coarser band's, so the finest
    detail any view needs wins where views overlap, and the rest of the world stays coarse.
    """
    west = min([-180.0, *(v.bounds[0] for v in views)])
    east = max([180.0, *(v.bounds[2] for v in views)])
    world = shapely.box(max(west - 90.0, -540.0), -MERCATOR_LAT, min(east + 90.0, 540.0), MERCATOR_LAT)
    order = [res for res, _ in RESOLUTIONS]
    groups: dict[tuple[float, int], list[View]] = {}
    for v in views:
        res = resolution_for_zoom(v.zoom)
        if res != "110m":
            groups.setdefault((detail_zoom(v.zoom), order.index(res)), []).append(v)
    found: list[tuple[str, float, Geometry]] = [("110m", WORLD_ZOOM, world)]
    for (zoom, index), mine in sorted(groups.items()):
        found.append((order[index], zoom, shapely.union_all([_with_margin(v.bounds) for v in mine])))
    carved = []
    for i, (res, zoom, area) in enumerate(found):
        finer = [a for _, _, a in found[i + 1 :]]
        own = shapely.difference(area, shapely.union_all(finer)) if finer else area
        if not own.is_empty:
            carved.append((res, zoom, own))
    return carved


def _read(res: str, kind: str, area: Geometry) -> Geometry:
    """The scale's land or borders over ``area``'s bounding box (any longitude), not yet clipped."""
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.intersection(area, shapely.box(-180.0 + shift, -90.0, 180.0 + shift, 90.0))
        if window.is_empty:
            continue
        bbox = tuple(round(v - s, 6) for v, s in zip(window.bounds, (shift, 0.0, shift, 0.0), strict=True))
        geoms = _tiles(res, kind, bbox)
        if len(geoms) == 0:
            continue
        clipped = shapely.clip_by_rect(shapely.union_all(geoms), *bbox)
        pieces.append(shifted(clipped, shift))
    return shapely.union_all(pieces) if pieces else shapely.GeometryCollection()


@functools.lru_cache(maxsize=32)
def _tiles(res: str, kind: str, bbox: Bounds) -> np.ndarray:
    """Geometries of the tiles of ``kind-res.fgb`` that meet ``bbox`` (a FlatGeobuf index read)."""
    frame = pyogrio.read_dataframe(BASEMAP_DIR / f"{kind}-{res}.fgb", bbox=bbox, columns=[])
    return np.asarray(frame.geometry.values)


def _only(geom: Geometry, dims: int) -> Geometry:
    """The parts of ``geom`` of one dimension (2: areas, 1: lines), as one geometry."""
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dims and not p.is_empty]
    if dims == 2:
        return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()
    lines = shapely.get_parts(shapely.line_merge(shapely.MultiLineString(parts))) if parts else []
    return shapely.MultiLineString(list(lines)) if len(lines) else shapely.MultiLineString()


def _feature(geom: Geometry, digits: int) -> dict[str, Any]:
    rounded = shapely.transform(geom, lambda c: np.round(c, digits))
    return {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(rounded))}


ENCODED = "EncodedLines"  # the ``type`` of an encoded collection (see encode_collection)
_LINE_DIGITS = (2, 3, 4, 5, 6, 7)  # precisions a ring may be encoded at, coarsest first


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"  # base64url
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


def _varints(values: np.ndarray) -> str:
    """Signed integers as zig-zag varints: five bits a character, the sixth says "more follows"."""
    out = []
    for value in ((values << 1) ^ (values >> 63)).tolist():
        while value >= 0x20:
            out.append(ALPHABET[0x20 | (value & 0x1F)])
            value >>= 5
        out.append(ALPHABET[value])
    return "".join(out)


def encode_line(coords: list[list[float]], digits: int) -> str:
    """One ring or line: its precision as a digit, then its [lon, lat] deltas as varints.

    The precision is the coarsest of :data:`_LINE_DIGITS` (up to ``digits``) at which every
    coordinate is exact, so a line snapped to a coarse grid costs fewer characters.
    """
    fine = np.round(np.asarray(coords, dtype=float) * 10.0**digits).astype(np.int64)
    own = digits
    for candidate in _LINE_DIGITS:
        if candidate >= digits or not (fine % 10 ** (digits - candidate)).any():
            own = min(candidate, digits)
            break
    ints = fine // 10 ** (digits - own)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return str(own) + _varints(deltas.ravel())


def decode_line(text: str) -> list[list[float]]:
    """The inverse of :func:`encode_line` (the browser has its own, in storymap.js)."""
    scale = 10.0 ** int(text[0])
    values, value, shift = [], 0, 0
    for char in text[1:]:
        bits = _VALUE[char]
        value |= (bits & 0x1F) << shift
        shift += 5
        if bits < 0x20:
            values.append((value >> 1) ^ -(value & 1))
            value, shift = 0, 0
    xy = np.cumsum(np.asarray(values, dtype=np.int64).reshape(-1, 2), axis=0) / scale
    return xy.tolist()


def encode_collection(collection: dict[str, Any], digits: int) -> dict[str, Any]:
    """A one-feature land or borders collection as encoded lines (lossless at ``digits``).

    ``{"type": "EncodedLines", "geometry": "MultiPolygon" | "MultiLineString", "lines": "...",
    "parts": [rings of each polygon]}``, ``lines`` being the encoded lines separated by spaces
    (one string: no quotes or commas between them, nothing to escape when a page carries it as
    a JavaScript string). The browser rebuilds the geometry from it.
    """
    geometry = collection["features"][0]["geometry"] if collection["features"] else None
    kind = geometry["type"] if geometry else "MultiLineString"
    coords = geometry["coordinates"] if geometry else []
    if kind in ("Polygon", "LineString"):
        kind, coords = "Multi" + kind, [coords]
    if kind == "MultiPolygon":
        lines = [encode_line(ring, digits) for polygon in coords for ring in polygon]
        parts = [len(polygon) for polygon in coords]
    else:
        lines, parts = [encode_line(line, digits) for line in coords], []
    return {"type": ENCODED, "geometry": kind, "lines": " ".join(lines), "parts": parts}


def decode_collection(encoded: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON collection an :func:`encode_collection` result stands for."""
    lines = [decode_line(text) for text in encoded["lines"].split()]
    if encoded["geometry"] == "MultiPolygon":
        coords, start = [], 0
        for count in encoded["parts"]:
            coords.append(lines[start : start + count])
            start += count
    else:
        coords = lines
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": encoded["geometry"], "coordinates": coords},
    }
    return {"type": "FeatureCollection", "features": [feature] if coords else []}


def basemap_data(views: list[View], labels: bool = True, borders: bool = True) -> dict[str, Any]:
    """The basemap the views need: ``land`` and ``borders`` GeoJSON, ``labels`` and ``bands``.

    Without ``borders`` (the first view's land alone, see :func:`first_land`), ``borders`` is empty.
    """
    land, lines, summary = [], [], []
    kinds = (("land", 2, land), ("borders", 1, lines)) if borders else (("land", 2, land),)
    deepest = WORLD_ZOOM
    for res, zoom, area in bands(views):
        # Simplify and snap first, clip last: neighbouring bands then share their cut edges exactly
        # and the union below dissolves them (no seam where two scales meet).
        tolerance, grid = tolerance_for_zoom(zoom), 10.0 ** -precision_for_zoom(zoom)
        for kind, dims, out in kinds:
            data = shapely.set_precision(
                shapely.simplify(_only(_read(res, kind, area), dims), tolerance), grid
            )
            out.append(_only(shapely.intersection(data, area), dims))
        deepest = max(deepest, zoom)
        summary.append({"scale": res, "zoom": round(zoom, 2), "bounds": [round(v, 3) for v in area.bounds]})
    digits = precision_for_zoom(deepest)
    land_geom = _only(shapely.union_all([g for g in land if not g.is_empty]), 2)
    border_geom = _only(shapely.union_all([g for g in lines if not g.is_empty]), 1)
    return {
        "land": {"type": "FeatureCollection", "features": [_feature(land_geom, digits)]},
        "borders": {"type": "FeatureCollection", "features": [_feature(border_geom, digits)]},
        "labels": select_labels(views) if labels else [],
        "bands": summary,
        "attribution": f"{ATTRIBUTION} | {LABELS_ATTRIBUTION}" if labels else ATTRIBUTION,
        "digits": digits,
    }


def first_land(views: list[View], land: dict[str, Any]) -> dict[str, Any] | None:
    """The first view's own land, encoded, when it is much lighter than the story's ``land``.

    The first map needs only its own view's detail: a story that zooms into a city later carries
    that city's coastline at its finest, which the first step, framed wider, would project and
    clip for nothing. Pages draw this first and the story's whole land after the first frame,
    in its place (``StoryMap.later``). None when it would save little (one view, or views alike).
    """
    if len(set(views)) < 2:
        return None
    data = basemap_data(views[:1], labels=False, borders=False)
    first = encode_collection(data["land"], data["digits"])
    return first if len(first["lines"]) <= FIRST_LAND_SHARE * len(land["lines"]) else None


@functools.lru_cache(maxsize=1)
def all_labels() -> tuple[dict[str, Any], ...]:
    """Every packaged label: id, name, kind, lat, lon, min_zoom, rank, source."""
    data = json.loads((BASEMAP_DIR / LABELS_FILE).read_text(encoding="utf-8"))
    rows = []
    for f in data["features"]:
        lon, lat = f["geometry"]["coordinates"]
        rows.append({**f["properties"], "lat": lat, "lon": lon})
    return tuple(rows)


def select_labels(views: list[View]) -> list[list[Any]]:
    """Labels for the views, most important first: ``[name, lat, lon, kind, min_zoom]`` each.

    Countries, seas and oceans are always sent (they are few); a city only where a view with a
    zoom near its ``min_zoom`` shows it, so an export carries the names its views can show.
    """
    areas = [(v.zoom, _with_margin(v.bounds)) for v in views]
    west = min([-180.0, *(v.bounds[0] for v in views)])
    east = max([180.0, *(v.bounds[2] for v in views)])
    chosen = []
    for row in all_labels():
        # Where a view reaches past 180°, names over there are repeated at lon ± 360.
        for shift in (-360.0, 0.0, 360.0):
            lon = row["lon"] + shift
            if shift and not west <= lon <= east:
                continue
            point = shapely.Point(lon, row["lat"])
            if row["kind"] in ("capital", "city") and not any(
                zoom >= row["min_zoom"] - 1 and area.intersects(point) for zoom, area in areas
            ):
                continue
            chosen.append({**row, "lon": lon})
    chosen.sort(key=lambda r: (LABEL_KINDS.index(r["kind"]), r["min_zoom"], -r["rank"], r["id"], r["lon"]))
    return [[r["name"], r["lat"], r["lon"], r["kind"], r["min_zoom"]] for r in chosen]


@functools.lru_cache(maxsize=1)
def _coarse_land() -> Geometry:
    """All of the 1:110m land, read once and prepared for fast intersection tests."""
    land = _read("110m", "land", shapely.box(-179.999999, -90.0, 179.999999, 90.0))  # one copy of the world
    shapely.prepare(land)
    return land


def has_land(bounds: Bounds) -> bool:
    """True if the coarse (1:110m) land reaches into ``bounds`` (west, south, east, north)."""
    west, south, east, north = bounds
    south, north = max(south, -90.0), min(north, 90.0)
    if not available() or east <= west or north <= south:
        return True  # nothing to say without the basemap
    land = _coarse_land()
    return any(
        land.intersects(shapely.box(west + shift, south, east + shift, north))
        for shift in (-360.0, 0.0, 360.0)
    )
