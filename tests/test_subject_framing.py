"""A small map zooms in on a step's highlighted places rather than crowding them.

A step's `center` + `zoom` means an area (what a 960×640 map shows). A phone or a small embed
fits that area from further out, and places a few kilometres apart end up on one spot with
their names over each other. There the view zooms in on the highlighted places (the step's
`subject`): at most one zoom level closer than the area, never closer than the author's zoom,
as near the area's middle as keeps them all in view. One highlighted place has nothing to be
crowded by, so its step keeps the area; so does author mode (Copy this view solves for the area).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mapview import build_map
from app.validate import check_story
from tests.support import exported, story_project

STORY = """---
title: "Three anchorages"
layers:
  anchorages:
    source: ../geodata/anchorages.geojson
    label: "Anchorages"
    labels: name
sources:
  notes: {title: "Notes"}
---

## Three in a bay {#three}

Three anchorages a few kilometres apart in one bay of the islands.

```map
center: [-49.35, 69.9]
zoom: 7
layers: [anchorages]
highlight: {layer: anchorages, ids: [north-anchorage, middle-anchorage, south-anchorage]}
as_of: 1874-12-09
sources: [notes]
```

## One of them {#one}

The middle one, alone.

```map
center: [-49.35, 69.9]
zoom: 7
layers: [anchorages]
highlight: {layer: anchorages, ids: [middle-anchorage]}
as_of: 1874-12-09
sources: [notes]
```
"""

PLACES = [
    ("north-anchorage", "North anchorage", 69.62, -49.29),
    ("middle-anchorage", "Middle anchorage", 69.66, -49.32),
    ("south-anchorage", "South anchorage", 69.63, -49.35),
    ("harbour", "Harbour", 70.22, -49.35),
]


def _project(root: Path, story: str = STORY, places: list[tuple[str, str, float, float]] = PLACES) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"id": fid, "name": name},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for fid, name, lon, lat in places
    ]
    return story_project(
        root, "anchorages", story, {"anchorages": {"type": "FeatureCollection", "features": features}}
    )


def _views(path: Path) -> list[dict]:
    checked = check_story(path)
    assert not checked.errors, checked.errors
    _, config = build_map(checked)
    return [step["view"] for step in config["steps"]]


def test_a_step_with_several_highlights_carries_their_bounds(tmp_path: Path) -> None:
    three, one = _views(_project(tmp_path))
    (south, west), (north, east) = three["subject"]
    assert (west, south, east, north) == pytest.approx((69.62, -49.35, 69.66, -49.29))
    assert "subject" not in one  # one place: the area stays


def test_the_subject_is_taken_in_the_areas_longitudes_across_the_antimeridian(tmp_path: Path) -> None:
    story = STORY.replace("center: [-49.35, 69.9]", "center: [-17.0, 179.8]")
    places = [
        ("north-anchorage", "North", 179.6, -16.9),
        ("middle-anchorage", "Middle", -179.7, -17.0),
        ("south-anchorage", "South", 179.9, -17.1),
    ]
    three, _ = _views(_project(tmp_path, story, places))
    (_, west), (_, east) = three["subject"]
    assert west == pytest.approx(179.6) and east == pytest.approx(180.3)  # not the world the long way


def test_a_highlight_outside_the_area_leaves_the_area(tmp_path: Path) -> None:
    places = [*PLACES[:2], ("south-anchorage", "South", 80.0, -49.35)]  # off the area (the validator warns)
    three, _ = _views(_project(tmp_path, places=places))
    assert "subject" not in three


# In the page: the zoom, the zoom at which the step's area would fit the map, and whether
# every highlighted place and the whole area are in view.
SEEN = """
() => {
  const api = window.storymap, map = api.map, view = api.config.steps[api.step].view;
  const shown = map.getBounds(), area = L.latLngBounds(view.area);
  const points = [];
  api.layers.anchorages.eachLayer(l => points.push([l.feature.properties.id, shown.contains(l.getLatLng())]));
  return {zoom: map.getZoom(), areaZoom: map.getBoundsZoom(area), areaShown: shown.pad(0.02).contains(area),
          points: Object.fromEntries(points)};
}
"""


@pytest.mark.browser
def test_a_phone_zooms_in_on_the_highlighted_places_and_a_desktop_keeps_the_area(
    browser, tmp_path: Path
) -> None:
    page_file = exported(_project(tmp_path), tmp_path / "anchorages.html")
    seen = {}
    for size in ((390, 844), (1280, 800)):
        page = browser.new_page(viewport={"width": size[0], "height": size[1]}, reduced_motion="reduce")
        page.goto(page_file.as_uri())
        page.wait_for_function("window.storymap && window.storymap.map")
        seen[size] = []
        for index in range(2):
            page.evaluate(f"storymap.goTo({index}, {{animate: false}})")
            seen[size].append(page.evaluate(SEEN))
        page.close()
    phone_three, phone_one = seen[390, 844]
    desk_three, desk_one = seen[1280, 800]
    # The desktop shows each step's whole area, as the author framed it.
    assert desk_three["areaShown"] and desk_one["areaShown"]
    # The phone cannot show the area at zoom 7: with three places it zooms in on them (up to
    # one level closer than the area), each still in view; with one, it shows the area.
    assert phone_three["areaZoom"] < 6.5
    assert phone_one["zoom"] + 0.5 < phone_three["zoom"] <= min(7, phone_one["zoom"] + 1 + 1e-6)
    assert all(
        phone_three["points"][fid] for fid in ("north-anchorage", "middle-anchorage", "south-anchorage")
    )
    assert not phone_three["areaShown"] and phone_one["areaShown"]
