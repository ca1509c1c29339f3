"""What a map view shows, in Web Mercator arithmetic (no map library needed).

An author's ``center`` + ``zoom`` means an area: the one a map of :data:`REFERENCE_SIZE`
pixels shows. The validator uses it to tell when a step's subject is out of its own view
(a swapped ``[lon, lat]`` is the usual cause).
"""

from __future__ import annotations

import math

Bounds = tuple[float, float, float, float]  # west, south, east, north
REFERENCE_SIZE = (960, 640)  # map pixels (width, height) an author's center + zoom is read at
TILE = 256.0
FIT_MAX_ZOOM = 10.0  # a `fit` never zooms in closer than this...
POINT_FIT_MAX_ZOOM = 7.0  # ...or, for a single point, than a city and its surroundings
MAX_LAT = 85.0511287798  # Web Mercator's limit


def _y(lat: float) -> float:
    """Mercator y of a latitude, in world units (0 at the top, 1 at the bottom)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    return 0.5 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)


def _lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp((0.5 - y) * 2 * math.pi)) - math.pi / 2)


def view_bounds(center: tuple[float, float], zoom: float, size: tuple[int, int] = REFERENCE_SIZE) -> Bounds:
    """The area a map of ``size`` pixels shows at ``center`` ([lat, lon]) and ``zoom``.

    Longitudes may run past ±180 (a view across the antimeridian); latitudes stop at the poles.
    """
    lat, lon = center
    world = TILE * 2.0**zoom
    half_w, half_h = size[0] / 2 / world, size[1] / 2 / world
    y = _y(lat)
    return (
        lon - half_w * 360.0,
        _lat(min(1.0, y + half_h)),
        lon + half_w * 360.0,
        _lat(max(0.0, y - half_h)),
    )


EPSILON = 1e-9  # degrees: a point on the edge is in view


def within(outer: Bounds, inner: Bounds) -> Bounds | None:
    """``inner`` in the longitudes of ``outer`` (as it is, or a turn of the world east or west)
    if that copy lies within ``outer`` (also when ``outer`` crosses the antimeridian), else None."""
    west, south, east, north = outer[0] - EPSILON, outer[1] - EPSILON, outer[2] + EPSILON, outer[3] + EPSILON
    if not (south <= inner[1] and inner[3] <= north):
        return None
    for shift in (0.0, -360.0, 360.0):
        if west <= inner[0] + shift and inner[2] + shift <= east:
            return (inner[0] + shift, inner[1], inner[2] + shift, inner[3])
    return None


def contains(outer: Bounds, inner: Bounds) -> bool:
    """True if ``inner`` lies within ``outer`` (also when ``outer`` crosses the antimeridian)."""
    return within(outer, inner) is not None


def intersects(a: Bounds, b: Bounds) -> bool:
    """True if the two boxes overlap (also across the antimeridian)."""
    if a[1] > b[3] or b[1] > a[3]:
        return False
    return any(a[0] <= b[2] + shift and b[0] + shift <= a[2] for shift in (-360.0, 0.0, 360.0))


def fit_zoom(bounds: Bounds, size: tuple[int, int] = REFERENCE_SIZE, max_zoom: float = 18.0) -> float:
    """The deepest zoom at which ``bounds`` fit in a map of ``size`` pixels (Leaflet's getBoundsZoom)."""
    west, south, east, north = bounds
    span_x = max(east - west, 1e-9) / 360.0
    span_y = max(abs(_y(south) - _y(north)), 1e-9)
    zoom = math.log2(min(size[0] / (TILE * span_x), size[1] / (TILE * span_y)))
    return max(0.0, min(max_zoom, zoom))


FIT_MARGIN = 40  # px the controller keeps clear around a fitted area (storymap.js MARGIN)


def fit_view(bounds: Bounds, size: tuple[int, int] = REFERENCE_SIZE, max_zoom: float = 18.0) -> Bounds:
    """The area a map of ``size`` pixels shows when it is fitted to ``bounds`` (with the margin
    the controller keeps around them)."""
    west, south, east, north = bounds
    middle = _lat((_y(south) + _y(north)) / 2)
    inner = (size[0] - 2 * FIT_MARGIN, size[1] - 2 * FIT_MARGIN)
    return view_bounds((middle, (west + east) / 2), fit_zoom(bounds, inner, max_zoom), size)


def fit_max_zoom(bounds: Bounds) -> float:
    """How close a fit to ``bounds`` may zoom: a single point stops at a regional view."""
    west, south, east, north = bounds
    return POINT_FIT_MAX_ZOOM if east - west < 1e-6 and north - south < 1e-6 else FIT_MAX_ZOOM
