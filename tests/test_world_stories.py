"""The example stories set far from the Middle East: Endurance (high south) and the Manila galleons (across 180°)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import shapely
from pyproj import Geod

from app.validate import load_story
from geodata.build import split_at_antimeridian
from tests.support import ROOT

GEODATA = ROOT / "geodata"
WORLD_STORIES = ("endurance", "manila-galleons")
# 68°44′21″S 52°19′47″W, the wreck position cited in geodata/facts/endurance_places.csv.
WRECK_LAT = -(68 + 44 / 60 + 21 / 3600)
WRECK_LON = -(52 + 19 / 60 + 47 / 3600)


def features(name: str) -> dict[str, dict]:
    data = json.loads((GEODATA / name).read_text(encoding="utf-8"))
    return {f["id"]: f for f in data["features"]}


@pytest.fixture(scope="module", params=WORLD_STORIES)
def story(request):
    return load_story(ROOT / "stories" / f"{request.param}.md", strict=True)


def test_story_validates_strict_with_six_to_nine_steps(story):
    assert 6 <= len(story.story.steps) <= 9
    assert story.story.meta.byline == "The storymap project"
    assert story.story.meta.lang == "en"


def test_every_step_has_sources_an_as_of_date_and_a_highlight(story):
    for step in story.story.steps:
        assert step.map.sources, step.id
        assert step.map.as_of is not None, step.id
        assert step.map.highlight is not None, step.id


def test_every_cited_source_has_a_title_outlet_and_url(story):
    cited = {s for step in story.story.steps for s in step.map.sources}
    for sid in cited:
        source = story.story.meta.sources[sid]
        assert source.title and source.outlet and source.url, sid


def test_galleon_routes_cross_the_antimeridian_the_short_way():
    routes = features("galleons-routes.geojson")
    assert {"westbound", "eastbound", "urdaneta-1565"} <= set(routes)
    for rid in ("westbound", "eastbound", "urdaneta-1565"):
        geometry = routes[rid]["geometry"]
        assert geometry["type"] == "MultiLineString", rid
        parts = [np.array(part) for part in geometry["coordinates"]]
        lons = np.concatenate([p[:, 0] for p in parts])
        assert (np.abs(lons) <= 180).all(), rid
        assert lons.max() > 170 and lons.min() < -170, rid  # spans the antimeridian
        for a, b in itertools.pairwise(parts):  # each cut is one point seen from both sides
            assert abs(a[-1, 0]) == 180 and b[0, 0] == -a[-1, 0] and a[-1, 1] == b[0, 1], rid
        joined = np.unwrap(lons, period=360.0)
        assert np.abs(np.diff(joined)).max() < 5, rid  # no jump once unwrapped: drawn the short way
        assert joined.max() - joined.min() < 180, rid  # the Pacific span, not around the world


def test_split_at_antimeridian_cuts_once_and_keeps_a_line_that_does_not_cross():
    crossing = split_at_antimeridian(np.array([[170.0, 10.0], [179.0, 12.0], [-179.0, 14.0], [-170.0, 16.0]]))
    assert crossing.geom_type == "MultiLineString"
    first, second = (np.asarray(p.coords) for p in crossing.geoms)
    assert first[-1].tolist() == [180.0, 13.0] and second[0].tolist() == [-180.0, 13.0]
    plain = split_at_antimeridian(np.array([[10.0, 0.0], [20.0, 5.0]]))
    assert plain.geom_type == "LineString"


def test_endurance_wreck_lies_south_of_60s_within_2_km_of_the_cited_position():
    wreck = features("endurance-places.geojson")["wreck"]
    lon, lat = wreck["geometry"]["coordinates"]
    assert lat < -60
    _, _, metres = Geod(ellps="WGS84").inv(lon, lat, WRECK_LON, WRECK_LAT)
    assert metres < 2_000


def test_endurance_places_are_in_the_southern_ocean_and_routes_are_marked_schematic():
    places = features("endurance-places.geojson")
    assert all(f["geometry"]["coordinates"][1] < -50 for f in places.values())
    for rid, route in features("endurance-routes.geojson").items():
        assert (
            "schematic" in route["properties"]["name"].lower()
            or "start and end" in route["properties"]["name"]
        )
        assert shapely.from_geojson(json.dumps(route["geometry"])).is_valid, rid


def test_the_galleon_routes_are_one_pacific_not_the_whole_world():
    from app.validate import load_story

    checked = load_story(ROOT / "stories" / "manila-galleons.md")
    west, _, east, _ = checked.layers["galleons-routes"].bounds
    assert east - west < 200  # the Pacific, from Manila (121° E) to Acapulco (100° W), the short way
    for lon in (121.0, -99.9):  # both ports, in the layer's copy of the world
        assert any(west - 1 <= lon + shift <= east + 1 for shift in (-360.0, 0.0, 360.0))
