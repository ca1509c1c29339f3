"""Stage: load, repair and simplify GeoJSON layers (geopandas + shapely).

Layers are read once per file version (path, size, mtime) and kept in memory; prepared
(simplified, rounded) GeoJSON is cached per zoom as well. Everything an author can get
wrong comes back as a :class:`~app.errors.Problem` about the layer file (the validator moves
it onto the story line that names the file), never as an exception from GDAL or shapely.
"""

from __future__ import annotations

import functools
import json
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from app.errors import Problem, Severity, display_path

MAX_LAYER_BYTES = 200 * 1024 * 1024
GEOJSON_SUFFIXES = {".geojson", ".json", ".topojson", ".gpkg", ".shp", ".fgb", ".kml", ".gml"}


@dataclass(frozen=True)
class LayerData:
    """A layer ready to use: EPSG:4326, no empty geometries, valid shapes."""

    path: Path
    gdf: gpd.GeoDataFrame
    bounds: tuple[float, float, float, float]  # west, south, east, north
    columns: frozenset[str]
    parts: tuple[LayerData, ...] = ()  # a time-aware layer: its snapshots, in the story's order
    rows: tuple[int, ...] | None = None  # a snapshot cut from its file by dates: the rows it holds

    def ids(self, id_field: str) -> list[str]:
        """Feature ids as strings (empty if the layer has no such property)."""
        if id_field not in self.gdf.columns:
            return []
        return [str(v) for v in self.gdf[id_field].tolist()]

    def feature_bounds(self, id_field: str, feature_id: str) -> tuple[float, float, float, float] | None:
        """Bounds of the features whose ``id_field`` equals ``feature_id``."""
        if id_field not in self.gdf.columns:
            return None
        rows = self.gdf[self.gdf[id_field].astype(str) == feature_id]
        if rows.empty:
            return None
        return tuple(float(v) for v in rows.total_bounds)  # type: ignore[return-value]

    def feature_point(self, id_field: str, feature_id: str) -> tuple[float, float] | None:
        """A point inside the features whose ``id_field`` equals ``feature_id``, as (lon, lat)."""
        if id_field not in self.gdf.columns:
            return None
        rows = self.gdf[self.gdf[id_field].astype(str) == feature_id]
        if rows.empty:
            return None
        point = shapely.union_all(rows.geometry.values).representative_point()
        return (point.x, point.y)

    def values(self, column: str) -> set[str]:
        """Distinct values of a property, as strings."""
        if column not in self.gdf.columns:
            return set()
        return {str(v) for v in self.gdf[column].dropna().unique().tolist()}


def combine(parts: list[LayerData]) -> LayerData:
    """One layer holding every snapshot of a time-aware layer (for ids, bounds, values and fits);
    each part stays in ``parts`` and is prepared for the browser on its own."""
    gdf = gpd.GeoDataFrame(pd.concat([p.gdf for p in parts], ignore_index=True), crs=4326)
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    columns = frozenset().union(*(p.columns for p in parts))
    return LayerData(parts[0].path, gdf, (west, south, east, north), columns, tuple(parts))


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def load_layer(path: Path) -> tuple[LayerData | None, list[Problem]]:
    """Load ``path`` (cached per file version). Returns the layer (or None) and its problems.

    Geometry repairs and reprojections are warnings: the layer is usable as loaded.
    """
    shown = display_path(path)
    try:
        key = _file_key(path)
    except FileNotFoundError:
        return None, [Problem(shown, None, "file not found", "check the path (relative to the story file)")]
    except OSError as exc:
        fix = "check its permissions" if isinstance(exc, PermissionError) else "check the path"
        return None, [Problem(shown, None, f"cannot read the file ({exc.strerror})", fix)]
    layer, problems = _load_cached(key)
    return layer, [Problem(shown, None, p.message, p.fix, severity=p.severity) for p in problems]


@functools.lru_cache(maxsize=64)
def _load_cached(key: tuple[str, int, int]) -> tuple[LayerData | None, tuple[Problem, ...]]:
    path = Path(key[0])
    issues: list[Problem] = []
    if path.is_dir():
        return None, (_issue("is a folder, not a data file", "name a .geojson file"),)
    if key[1] == 0:
        return None, (_issue("the file is empty", "export the layer again as GeoJSON"),)
    if key[1] > MAX_LAYER_BYTES:
        return None, (
            _issue(
                f"the file is {key[1] / 2**20:.1f} MB, over the {MAX_LAYER_BYTES / 2**20:.0f} MB limit",
                "clip or simplify it first",
            ),
        )
    if path.suffix.lower() not in GEOJSON_SUFFIXES:
        kind = f"a {path.suffix} file" if path.suffix else "a file without an extension"
        return None, (
            _issue(
                f"is {kind}, not a map layer",
                "convert it to GeoJSON (.geojson), e.g. with geojson.io, QGIS or ogr2ogr",
            ),
        )
    with path.open("rb") as handle:
        head = handle.read(512).lstrip()
    if path.suffix.lower() in (".geojson", ".json") and not head.startswith((b"{", b"\xef\xbb\xbf{")):
        return None, (_issue("is not GeoJSON (it does not start with '{')", "export the layer as GeoJSON"),)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # GDAL raises many types; all mean "cannot read this file"
        return None, (
            _issue(
                f"cannot be read as GeoJSON: {_gdal_message(exc, path)}",
                "check the file is valid GeoJSON (e.g. at geojson.io)",
            ),
        )
    if "geometry" not in gdf or len(gdf) == 0:
        return None, (_issue("has no features", "add at least one feature or remove the layer"),)
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    elif not gdf.crs.equals("EPSG:4326") and gdf.crs.to_epsg() != 4326:
        source_crs = gdf.crs
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:  # pyproj errors
            return None, (
                _issue(
                    f"cannot reproject from {source_crs.name} to WGS84: {exc}",
                    "save the file in WGS84 (EPSG:4326)",
                ),
            )
        epsg = source_crs.to_epsg()
        name = f"{source_crs.name} (EPSG:{epsg})" if epsg else source_crs.name
        issues.append(
            _issue(f"reprojected from {name} to WGS84", "save the file in WGS84 (EPSG:4326)", "warning")
        )
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        issues.append(
            _issue(
                f"{int(missing.sum())} feature(s) without a usable geometry (null, empty or NaN "
                f"coordinates) were dropped: {_feature_labels(gdf, missing)}",
                "remove them or give them a geometry",
                "warning",
            )
        )
        gdf = gdf[~missing].copy()
        if len(gdf) == 0:
            return None, (*issues, _issue("has no features with a geometry", "add geometries"))
    coords = shapely.get_coordinates(gdf.geometry.values)
    if not np.isfinite(coords).all():
        return None, (*issues, _issue("has NaN or infinite coordinates", "fix the coordinates in the file"))
    issue = _range_issue(coords)
    if issue:
        return None, (*issues, issue)
    gdf = into_the_world(gdf)
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        labels = _feature_labels(gdf, invalid)
        reasons = sorted({shapely.is_valid_reason(g).split("[")[0] for g in gdf.geometry[invalid]})
        gdf = gdf.copy()
        gdf.loc[invalid, "geometry"] = shapely.make_valid(gdf.geometry[invalid].values)
        issues.append(
            _issue(
                f"{int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} ({', '.join(reasons)}) "
                f"repaired with make_valid: {labels}",
                "fix the shapes in the source data to silence this",
                "warning",
            )
        )
    gdf = unwrap_lines(gdf)
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    layer = LayerData(
        path,
        gdf,
        (west, south, east, north),
        frozenset(c for c in gdf.columns if c != "geometry"),
    )
    return layer, tuple(issues)


def unwrap_line(line: Any) -> Any:
    """A LineString whose consecutive vertices jump more than 180° in longitude, drawn the short way.

    A route from Tokyo (139.7) to Los Angeles (-118.2) crosses the 180° meridian; on a flat map
    its vertices must run on to 241.8 rather than back across the whole world.
    """
    coords = shapely.get_coordinates(line, include_z=False)
    steps = np.diff(coords[:, 0])
    jumps = np.where(np.abs(steps) > 180.0, -np.sign(steps) * 360.0, 0.0)
    if not jumps.any():
        return line
    coords[1:, 0] += np.cumsum(jumps)
    return shapely.LineString(coords)


def shifted(geom: Any, shift: float) -> Any:
    """``geom`` moved ``shift`` degrees east (a whole turn or more across the 180° meridian)."""
    return shapely.transform(geom, lambda c: c + np.asarray([shift, 0.0])) if shift else geom


def _stitch(parts: list[Any]) -> list[Any]:
    """Parts of a line cut at 180° (one ending at 180, the next starting at -180) shifted by 360°
    so each starts where the one before ends: the route runs on across the meridian."""
    out = [parts[0]]
    for part in parts[1:]:
        end = shapely.get_coordinates(out[-1])[-1, 0]
        start = shapely.get_coordinates(part)[0, 0]
        shift = 360.0 * round((end - start) / 360.0)
        out.append(shifted(part, shift))
    return out


def unwrap_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines (and each part of a MultiLineString) unwrapped across 180° by :func:`unwrap_line`."""
    geoms = gdf.geometry.values
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))
    if not lines.any():
        return gdf
    fixed = []
    for geom in geoms[lines]:
        parts = [unwrap_line(p) for p in shapely.get_parts(geom)]
        fixed.append(parts[0] if geom.geom_type == "LineString" else shapely.MultiLineString(_stitch(parts)))
    gdf = gdf.copy()
    gdf.loc[lines, "geometry"] = _same_world(fixed)
    return gdf


def _same_world(lines: list[Any]) -> list[Any]:
    """Lines unwrapped one way (west from Acapulco to -239°) and the other (east from Manila to
    260°) moved into one copy of the world, near their circular mean, so a layer's bounds (and a
    fit to it) stay the short way round."""
    middles = np.radians([(g.bounds[0] + g.bounds[2]) / 2 for g in lines])
    mean = math.degrees(math.atan2(np.sin(middles).mean(), np.cos(middles).mean()))
    first = math.degrees(middles[0])
    reference = mean + 360.0 * round((first - mean) / 360.0)  # in the first line's copy of the world
    out = []
    for geom, middle in zip(lines, np.degrees(middles), strict=True):
        shift = 360.0 * round((reference - middle) / 360.0)
        out.append(shifted(geom, shift))
    return out


def _issue(message: str, fix: str | None = None, severity: Severity = "error") -> Problem:
    """A problem with the file being loaded; :func:`load_layer` fills in the file's name."""
    return Problem("", None, message, fix, severity=severity)


def _gdal_message(exc: Exception, path: Path) -> str:
    """The first sentence of a GDAL/pyogrio error, without file paths or driver advice."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    if "not recognized as being in a supported file format" in text:
        return "it is not a GeoJSON FeatureCollection, Feature or geometry"
    first = text.splitlines()[0]
    for shown in (str(path), str(path.resolve())):
        first = first.replace(f"'{shown}'", path.name).replace(shown, path.name)
    first = re.sub(r"^[A-Za-z]+Exception: ", "", first)
    first = first.replace("Failed to read GeoJSON data; ", "")
    return first[:200]


def _feature_labels(gdf: gpd.GeoDataFrame, mask: Any) -> str:
    ids = (
        gdf["id"][mask].astype(str).tolist()
        if "id" in gdf.columns
        else [f"#{i + 1}" for i in np.flatnonzero(mask.values)]
    )
    shown = ", ".join(ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def into_the_world(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Features drawn on past the 180° meridian (a route from Pevek at 170.3 running on to the
    Bering Strait at 191.1, as Leaflet and geojson.io write them) moved by whole turns so that
    each one's middle is within ±180: a line or polygon across the meridian keeps its run of
    longitudes, and a point beyond it (191.1) comes back to its place in the world (-168.9)."""
    bounds = shapely.bounds(gdf.geometry.values)
    turns = np.round((bounds[:, 0] + bounds[:, 2]) / 2 / 360.0)
    if not turns.any():
        return gdf
    gdf = gdf.copy()
    moved = turns != 0
    gdf.loc[moved, "geometry"] = [
        shifted(geom, -360.0 * turn)
        for geom, turn in zip(gdf.geometry.values[moved], turns[moved], strict=True)
    ]
    return gdf


def _range_issue(coords: np.ndarray) -> Problem | None:
    """Latitudes within ±90 and longitudes within ±360 (one turn on past the 180° meridian)."""
    xs, ys = coords[:, 0], coords[:, 1]
    if (np.abs(xs) <= 360).all() and (np.abs(ys) <= 90).all():
        return None
    if (np.abs(ys) <= 180).all() and (np.abs(xs) <= 90).all():
        return _issue(
            "coordinates look swapped (latitudes beyond ±90)",
            "GeoJSON positions are [longitude, latitude]; swap the two numbers",
        )
    return _issue(
        "coordinates are out of range for WGS84 (longitude ±180, latitude ±90)",
        "give the file a `crs` or save it in EPSG:4326",
    )


# shapely.coverage_simplify (Visvalingam–Whyatt) reads its tolerance as the square root of the
# area of the triangles it may remove, not as a distance, so at the same number it keeps far
# more vertices than Douglas–Peucker (1.7× on the benchmark's 20 MB district grid). Twice the
# half-pixel distance keeps about what Douglas–Peucker keeps at half a pixel (62k vs 68k
# vertices there), still finer than Leaflet draws (it simplifies to 1 px, smoothFactor 1).
COVERAGE_TOLERANCE_FACTOR = 2.0


def tolerance_for_zoom(zoom: float) -> float:
    """Half a screen pixel at ``zoom``, in degrees: detail finer than that cannot be seen."""
    return 360.0 / (256.0 * 2.0**zoom) / 2.0


def precision_for_zoom(zoom: float) -> int:
    """Decimal places that keep positions within a pixel at ``zoom``."""
    return max(2, min(7, math.ceil(math.log10(256.0 * 2.0**zoom / 360.0)) + 1))


def prepare_geojson(layer: LayerData, max_zoom: float, keep: list[str] | None = None) -> dict[str, Any]:
    """GeoJSON for the browser: simplified and rounded for ``max_zoom``, only ``keep`` properties.
    A layer cut from its file (``rows``) takes its features from the file's, prepared once."""
    data, kept = _prepare_cached(
        _file_key(layer.path), round(max_zoom, 1), tuple(sorted(keep)) if keep is not None else None
    )
    if layer.rows is None:
        return data
    wanted = set(layer.rows)
    features = [f for f, row in zip(data["features"], kept, strict=True) if row in wanted]
    return {"type": "FeatureCollection", "features": features}


@functools.lru_cache(maxsize=64)
def _prepare_cached(
    key: tuple[str, int, int], max_zoom: float, keep: tuple[str, ...] | None
) -> tuple[dict[str, Any], tuple[int, ...]]:
    """The file's GeoJSON, and the row of each feature in it."""
    layer, _ = _load_cached(key)
    assert layer is not None  # only called for layers that loaded
    gdf = layer.gdf
    geoms = gdf.geometry.values
    tolerance = tolerance_for_zoom(max_zoom)
    polygonal = shapely.get_type_id(geoms)
    is_poly = np.isin(polygonal, (3, 6))
    simplified = np.array(geoms, dtype=object)
    if is_poly.all() and len(geoms) > 1:
        try:
            simplified = shapely.coverage_simplify(geoms, tolerance * COVERAGE_TOLERANCE_FACTOR)
        except shapely.errors.GEOSException:
            simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    else:
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    digits = precision_for_zoom(max_zoom)
    rounded = shapely.transform(simplified, lambda c: np.round(c, digits))
    columns = [c for c in gdf.columns if c != "geometry" and (keep is None or c in keep)]
    features, kept = [], []
    for index, geom in enumerate(rounded):
        if geom is None or geom.is_empty:
            continue
        props = {c: _jsonable(gdf[c].iloc[index]) for c in columns}
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
        kept.append(index)
    return {"type": "FeatureCollection", "features": features}, tuple(kept)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (str, int, float, bool)):
        return value
    try:
        if value != value:  # pandas NA/NaT
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def geojson_bytes(data: dict[str, Any]) -> int:
    """Size of ``data`` as compact JSON (what the browser receives)."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
