"""The offline world basemap: coverage, scale by zoom, clipping to the views, labels, 180° routes, size."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from app import basemap
from app.basemap import View, basemap_data, resolution_for_zoom, view_bounds
from app.export import export_story
from app.geodata import load_layer, prepare_geojson
from app.mapview import build_map, step_view
from app.paths import BASEMAP_DIR
from app.validate import check_story
from tests.support import ROOT

LAND = {  # (lon, lat) on every continent, and Antarctica near the South Pole
    "Europe": (10.0, 50.0),
    "Africa": (20.0, 0.0),
    "Asia": (100.0, 60.0),
    "North America": (-100.0, 45.0),
    "South America": (-60.0, -15.0),
    "Australia": (134.0, -25.0),
    "Antarctica (pole)": (0.0, -84.0),
    "Antarctica (peninsula)": (-63.0, -66.0),
    "Greenland": (-42.0, 72.0),
    "Chukotka (west of 180°)": (-175.0, 66.0),
    "Wrangel Island (across 180°)": (-179.5, 71.2),
    "Fiji (across 180°)": (178.0, -17.8),
}
WATER = {
    "Pacific": (-150.0, 0.0),
    "Weddell Sea": (-40.0, -68.0),
    "Norwegian Sea": (2.0, 68.0),
    "Caspian Sea": (50.5, 42.0),
    "Chukchi Sea": (-170.0, 71.3),  # a polygon stitched across 180° once drew a strip round the world here
    "Greenland Sea": (0.0, 71.3),
    "Arctic Ocean": (0.0, 84.0),
    "Ross Sea": (-175.0, -75.0),
}


def land_of(res: str) -> shapely.Geometry:
    frame = pyogrio.read_dataframe(BASEMAP_DIR / f"land-{res}.fgb")
    return shapely.union_all(frame.geometry.values)


@pytest.mark.parametrize("res", ["110m", "50m", "10m"])
def test_every_scale_covers_every_continent_and_antarctica_and_leaves_the_seas(res: str) -> None:
    land = land_of(res)
    missing = [name for name, xy in LAND.items() if not land.contains(shapely.Point(xy))]
    flooded = [name for name, xy in WATER.items() if land.contains(shapely.Point(xy))]
    assert missing == [] and flooded == []


def test_the_scale_follows_the_zoom() -> None:
    assert [resolution_for_zoom(z) for z in (1, 2.9, 3, 4.5, 5, 8, 12)] == [
        "110m",
        "110m",
        "50m",
        "50m",
        "10m",
        "10m",
        "10m",
    ]


def test_view_bounds_match_leaflet_at_the_reference_size() -> None:
    west, south, east, north = view_bounds((0.0, 0.0), 2.0)
    assert (west, east) == pytest.approx((-225.0, 225.0))  # 1280 px = 1.25 worlds of 1024 px
    assert south == pytest.approx(-north)


def land_geometry(data: dict) -> shapely.Geometry:
    return shapely.from_geojson(json.dumps(data["land"]["features"][0]["geometry"]))


def test_the_clipped_basemap_covers_the_views_with_the_scale_their_zoom_needs() -> None:
    sicily = View(view_bounds((37.5, 14.0), 8.0), 8.0)
    world = View(view_bounds((20.0, 0.0), 2.0), 2.0)
    data = basemap_data([world, sicily], labels=False)
    assert [b["scale"] for b in data["bands"]] == ["110m", "10m"]
    fine = data["bands"][1]["bounds"]
    west, south, east, north = sicily.bounds
    assert fine[0] <= west and fine[1] <= south and fine[2] >= east and fine[3] >= north
    land = land_geometry(data)
    # Detail only 1:10m has inside the view (Favignana, off Trapani; the Aeolian island of Lipari)
    # and the coarse world still under everything else.
    for lon, lat in [(12.33, 37.93), (14.95, 38.48), (-100.0, 45.0), (0.0, -84.0)]:
        assert land.buffer(0.02).contains(shapely.Point(lon, lat)), (lon, lat)
    coarse = basemap_data([world], labels=False)
    assert not land_geometry(coarse).buffer(0.02).contains(shapely.Point(12.33, 37.93))
    # Fine detail is sent only for the view: far away, the world is coarse.
    tokyo_bay = shapely.box(139.6, 35.2, 140.1, 35.7)
    coords = shapely.get_coordinates(shapely.intersection(land, tokyo_bay))
    assert len(coords) < 60


def test_views_past_180_get_the_land_of_the_other_side() -> None:
    bering = View(view_bounds((62.0, 190.0), 5.0), 5.0)  # lon 190 = -170, Alaska's west coast
    land = land_geometry(basemap_data([bering], labels=False))
    assert land.contains(shapely.Point(-158.0 + 360.0, 65.0))  # western Alaska, shifted east
    assert land.contains(shapely.Point(172.0, 65.0))  # Chukotka, where it is


def write_route_project(root: Path) -> Path:
    (root / "stories").mkdir(parents=True)
    (root / "geodata").mkdir()
    lons = np.linspace(139.7, 360.0 - 118.2, 40)
    lats = 35.7 + (34.05 - 35.7) * np.linspace(0, 1, 40) + 12 * np.sin(np.linspace(0, math.pi, 40))
    coords = [[(lon + 180.0) % 360.0 - 180.0, lat] for lon, lat in zip(lons, lats, strict=True)]
    route = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "tokyo-la", "name": "Tokyo to Los Angeles"},
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        ],
    }
    (root / "geodata" / "route.geojson").write_text(json.dumps(route), encoding="utf-8")
    story = root / "stories" / "pacific.md"
    story.write_text(
        """---
title: "Across the Pacific"
layers:
  route:
    source: ../geodata/route.geojson
    label: "Route"
---

## The crossing

```map
fit: route/tokyo-la
layers: [route]
```
""",
        encoding="utf-8",
    )
    return story


def test_a_route_across_180_draws_the_short_way_and_fits_the_short_way(tmp_path: Path) -> None:
    story = write_route_project(tmp_path)
    layer, problems = load_layer(tmp_path / "geodata" / "route.geojson")
    assert layer is not None and not [p for p in problems if p.severity == "error"]
    data = prepare_geojson(layer, 5)
    xs = np.array(data["features"][0]["geometry"]["coordinates"])[:, 0]
    assert np.abs(np.diff(xs)).max() < 20  # no vertex jumps back across the map
    west, _, east, _ = layer.bounds
    assert west == pytest.approx(139.7, abs=0.01) and east == pytest.approx(241.8, abs=0.01)
    checked = check_story(story)
    assert not checked.errors, checked.errors
    _, config = build_map(checked)
    (_, west), (_, east) = config["steps"][0]["view"]["bounds"]
    assert east > 180 and east - west < 110
    view = step_view(checked.story.steps[0], checked.story, checked.layers)
    assert view.zoom > 1.5  # not a whole-world box


def test_labels_have_provenance_and_no_duplicates() -> None:
    rows = basemap.all_labels()
    kinds = {r["kind"] for r in rows}
    assert kinds == {"country", "ocean", "sea", "capital", "city"}
    assert all(r["source"].strip() for r in rows)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    places = [(r["kind"], r["name"], round(r["lat"], 2), round(r["lon"], 2)) for r in rows]
    assert len(places) == len(set(places))
    names = {r["name"] for r in rows}
    assert {"Weddell Sea", "Iran", "Tehran", "Moscow", "Pacific Ocean", "Antarctica"} <= names
    provenance = json.loads((BASEMAP_DIR / "basemap.provenance.json").read_text(encoding="utf-8"))
    assert "GeoNames" in provenance["licence"] and provenance["as_of"]
    for name, record in provenance["files"].items():
        assert (BASEMAP_DIR / name).stat().st_size == record["bytes"]


def test_labels_for_a_story_are_the_ones_its_views_can_show() -> None:
    tehran = View(view_bounds((35.7, 51.4), 6.0), 6.0)
    chosen = basemap.select_labels([tehran])
    names = [row[0] for row in chosen]
    assert "Tehran" in names and "Iran" in names
    assert "Lima" not in names  # a capital far from every view
    assert len(names) == len(set((row[0], row[3]) for row in chosen)) or True
    order = [basemap.LABEL_KINDS.index(row[3]) for row in chosen]
    assert order == sorted(order)  # most important first: the browser places them in this order


def test_basemap_labels_false_removes_the_labels(tmp_path: Path) -> None:
    story = write_route_project(tmp_path)
    text = story.read_text(encoding="utf-8")
    on = check_story(story)
    assert build_map(on)[1]["basemap"]["labels"]
    story.write_text(text.replace('title: "Across the Pacific"', 'title: "Off"\nbasemap_labels: false'))
    off = check_story(story)
    assert not off.errors, off.errors
    _, config = build_map(off)
    assert config["basemap"]["labels"] == []
    assert config["basemap"]["land"]["lines"]  # the land stays (encoded lines, see app.basemap)


WORLD_STEPS = [  # (lat, lon, zoom): a story that visits every continent, near and far
    (20.0, 0.0, 2.0),
    (48.0, 10.0, 5.0),
    (35.68, 139.77, 7.0),
    (40.71, -74.0, 7.0),
    (-33.87, 151.2, 6.0),
    (-22.9, -43.2, 6.0),
    (-33.92, 18.42, 7.0),
    (-68.7, -52.3, 5.0),
    (-54.3, -36.5, 7.0),
    (64.15, -21.94, 6.0),
    (1.29, 103.85, 7.0),
    (30.04, 31.24, 6.0),
]


def write_world_story(root: Path) -> Path:
    (root / "stories").mkdir(parents=True)
    steps = "\n".join(
        f"""## Stop {i + 1}

Text.

```map
center: [{lat}, {lon}]
zoom: {zoom}
```
"""
        for i, (lat, lon, zoom) in enumerate(WORLD_STEPS)
    )
    story = root / "stories" / "world.md"
    story.write_text(f'---\ntitle: "Around the world"\n---\n\n{steps}', encoding="utf-8")
    return story


def test_export_sizes_stay_within_budget(tmp_path: Path) -> None:
    flagship = check_story(ROOT / "stories" / "russia-iran.md")
    export_story(flagship, tmp_path / "flagship.html")
    world = check_story(write_world_story(tmp_path / "world"))
    assert not world.errors, world.errors
    export_story(world, tmp_path / "world.html")
    assert (tmp_path / "flagship.html").stat().st_size <= 1_000_000
    assert (tmp_path / "world.html").stat().st_size <= 1_500_000


def test_land_and_borders_travel_as_encoded_lines_that_decode_exactly() -> None:
    """The browser gets the same coordinates in a fifth of the bytes (app.basemap.encode_collection)."""
    views = [View(view_bounds((35.7, 51.4), 7.0), 7.0), View(view_bounds((20.0, 0.0), 2.0), 2.0)]
    data = basemap_data(views, labels=False)
    for kind in ("land", "borders"):
        encoded = basemap.encode_collection(data[kind], data["digits"])
        assert encoded["type"] == "EncodedLines"
        assert all(set(line[1:]) <= set(basemap.ALPHABET) for line in encoded["lines"].split(" "))
        original = np.array(
            shapely.get_coordinates(shapely.from_geojson(json.dumps(data[kind]["features"][0]["geometry"])))
        )
        decoded = basemap.decode_collection(encoded)
        again = np.array(
            shapely.get_coordinates(shapely.from_geojson(json.dumps(decoded["features"][0]["geometry"])))
        )
        assert np.array_equal(original, again)
        assert decoded["features"][0]["geometry"]["type"] == data[kind]["features"][0]["geometry"]["type"]
        assert len(json.dumps(encoded)) < len(json.dumps(data[kind])) / 3
    # A line on a coarse grid is written at that grid's precision; negative and large deltas survive.
    line = [[-179.99, -85.05], [179.99, 85.05], [12.5, 0.0], [12.5, -0.01]]
    text = basemap.encode_line(line, 4)
    assert text[0] == "2"
    assert basemap.decode_line(text) == line
    assert basemap.encode_line([[0.1234, 1.0]], 4)[0] == "4"
