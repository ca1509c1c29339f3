"""Place names on the map in a real Chromium: a name reads beside its own point, not over another's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import exported_story

pytestmark = pytest.mark.browser

STORY = """---
title: "Two harbours"
layers:
  harbours:
    source: ../geodata/harbours.geojson
    label: "Harbours"
    labels: name
sources:
  notes: {title: "Notes"}
---

## Side by side {#both}

Two harbours a few kilometres apart, the western one with a long name.

```map
center: [-54.2, -36.7]
zoom: 9
layers: [harbours]
highlight: {layer: harbours, ids: [west, east]}
as_of: 1916-05-20
sources: [notes]
```
"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    places = [("west", "The harbour with the long western name", -36.8), ("east", "East", -36.6)]
    features = [
        {
            "type": "Feature",
            "properties": {"id": fid, "name": name},
            "geometry": {"type": "Point", "coordinates": [lon, -54.2]},
        }
        for fid, name, lon in places
    ]
    harbours = {"type": "FeatureCollection", "features": features}
    return exported_story(tmp_path_factory.mktemp("labels"), "harbours", STORY, {"harbours": harbours})


# Each label's box, and whether it covers the point of another labelled place.
COVERS = """
() => {
  const map = window.storymap.map, box = map.getContainer().getBoundingClientRect(), tips = [];
  map.eachLayer(l => { if (l instanceof L.Tooltip && l.getElement()) tips.push(l); });
  return tips.map(t => {
    const r = t.getElement().getBoundingClientRect();
    const covered = tips.filter(o => o !== t).filter(o => {
      const p = map.latLngToContainerPoint(o.getLatLng()), x = box.left + p.x, y = box.top + p.y;
      return x + 3 > r.left && x - 3 < r.right && y + 3 > r.top && y - 3 < r.bottom;
    });
    return {label: t.getElement().textContent, covers: covered.map(o => o.getElement().textContent)};
  });
}
"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_a_name_does_not_cover_another_places_point(browser, page_file, width, height):
    page = browser.new_page(viewport={"width": width, "height": height}, reduced_motion="reduce")
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function("window.storymap && window.storymap.map")
        labels = page.evaluate(COVERS)
    finally:
        page.close()
    assert sorted(label["label"] for label in labels) == ["East", "The harbour with the long western name"]
    assert all(label["covers"] == [] for label in labels), labels
