"""The legend and credits in a real Chromium: written order, honest swatches, small maps, point fits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import RequestGuard, exported_story

pytestmark = pytest.mark.browser

STORY = """---
title: "Legend case"
layers:
  zones:
    source: ../geodata/zones.geojson
    label: "Zones"
    style:
      by: side
      categories:
        west: {color: "#0072B2", label: "Western side"}
        east: {color: "#E69F00", label: "Eastern side"}
        centre: {color: "#009E73", label: "Middle"}
  roads:
    source: ../geodata/roads.geojson
    label: "Roads"
    style: {color: "#333333", weight: 3}
  tracks:
    source: ../geodata/tracks.geojson
    label: "Tracks"
    style: {color: "#D55E00", weight: 3, dash: "6 4"}
  towns:
    source: ../geodata/towns.geojson
    label: "Towns"
sources:
  notes: {title: "Notes"}
---

## Everything {#all}

All layers.

```map
fit: zones
layers: [zones, roads, tracks, towns]
as_of: 2024-01-01
sources: [notes]
```

## One town {#town}

A fit to a single point.

```map
fit: towns/lyon
layers: [towns]
highlight: {layer: towns, ids: [lyon]}
as_of: 2024-01-01
sources: [notes]
```
"""


def square(west: float, south: float, size: float) -> dict:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(features: list[tuple[str, dict, dict]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"id": fid, **props}, "geometry": geom}
                for fid, props, geom in features
            ],
        }
    )


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    data = {
        "zones": [
            ("a", {"side": "west"}, square(0, 44, 2)),
            ("b", {"side": "centre"}, square(2, 44, 2)),
            ("c", {"side": "east"}, square(4, 44, 2)),
        ],
        "roads": [("r", {}, {"type": "LineString", "coordinates": [[0, 45], [6, 45]]})],
        "tracks": [("t", {}, {"type": "LineString", "coordinates": [[0, 45.5], [6, 45.5]]})],
        "towns": [("lyon", {"name": "Lyon"}, {"type": "Point", "coordinates": [4.84, 45.76]})],
    }
    layers = {name: collection(features) for name, features in data.items()}
    return exported_story(tmp_path_factory.mktemp("legend"), "legend", STORY, layers)


def open_page(browser, page_file: Path, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    return page, guard


def test_legend_rows_keep_the_written_order_and_swatches_match_the_style(browser, page_file):
    page, guard = open_page(browser, page_file, 1280, 800)
    rows = page.evaluate(
        """[...document.querySelectorAll('.sm-legend-layer')].map(b => ({
             title: b.querySelector('.sm-legend-title').textContent,
             rows: [...b.querySelectorAll('.sm-legend-row')].map(r => ({
               label: r.textContent,
               kind: r.querySelector('.sm-swatch').className,
               border: getComputedStyle(r.querySelector('.sm-swatch')).borderTopStyle }))}))"""
    )
    assert [b["title"] for b in rows] == ["Zones", "Roads", "Tracks", "Towns"]
    assert [r["label"] for r in rows[0]["rows"]] == ["Western side", "Eastern side", "Middle"]
    assert rows[1]["rows"][0]["border"] == "solid" and "sm-swatch-line" in rows[1]["rows"][0]["kind"]
    assert rows[2]["rows"][0]["border"] == "dashed"
    assert "sm-swatch-point" in rows[3]["rows"][0]["kind"]
    assert "sm-swatch-polygon" in rows[0]["rows"][0]["kind"]
    # A layer of one colour is one row: its swatch beside its name, not a name over a bare swatch.
    assert [[r["label"] for r in b["rows"]] for b in rows[1:]] == [["Roads"], ["Tracks"], ["Towns"]]
    beside = page.evaluate(
        """[...document.querySelectorAll('.sm-legend-layer')].slice(1).map(b => {
             const s = b.querySelector('.sm-swatch').getBoundingClientRect();
             const t = b.querySelector('.sm-legend-title').getBoundingClientRect();
             const middle = s.top + s.height / 2;
             return s.right <= t.left && middle >= t.top && middle <= t.bottom; })"""
    )
    assert beside == [True, True, True]
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.leaflet-control-attribution')).display")
        != "none"
    )
    assert guard.outside == []
    page.context.close()


def test_small_maps_fold_the_credits_behind_a_button_and_compact_the_legend(browser, page_file):
    page, guard = open_page(browser, page_file, 390, 844)
    attribution = "getComputedStyle(document.querySelector('.leaflet-control-attribution')).display"
    assert page.evaluate(attribution) == "none"
    assert page.evaluate("document.querySelector('.sm-legend').classList.contains('sm-legend-compact')")
    button = page.get_by_role("button", name="Map credits")
    assert button.get_attribute("aria-expanded") == "false"
    box = button.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.evaluate(attribution) != "none"
    assert "Leaflet" in page.locator(".leaflet-control-attribution").inner_text()
    assert guard.outside == []
    page.context.close()


def test_on_a_small_embed_the_legend_folds_itself_until_the_reader_opens_it(browser, page_file):
    page, guard = open_page(browser, page_file, 640, 480)  # the scroll layout's map: 640 wide, short
    toggle = page.get_by_role("button", name="Legend")
    size = page.evaluate("[storymap.map.getSize().x, storymap.map.getSize().y]")
    assert size[0] >= 420  # wide enough that the legend would start open, too short to keep it so
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()  # the reader's choice stands on every step after it
    for index in (1, 0):
        page.evaluate(f"storymap.goTo({index})")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator(".sm-legend-body").is_visible()
    page.context.close()
    page, _ = open_page(browser, page_file, 1280, 800)  # on a desktop map it stays open
    assert page.get_by_role("button", name="Legend").get_attribute("aria-expanded") == "true"
    assert guard.outside == []
    page.context.close()


def test_a_fit_to_one_point_stops_at_a_regional_zoom(browser, page_file):
    page, _ = open_page(browser, page_file, 1280, 800)
    page.evaluate("storymap.goTo(1)")
    zoom = page.evaluate("storymap.map.getZoom()")
    assert 5 <= zoom <= 7
    page.context.close()


def test_the_map_is_operable_from_the_keyboard_without_trapping_focus(browser, page_file):
    page, guard = open_page(browser, page_file, 1280, 800)
    page.evaluate("storymap.goTo(0)")
    page.focus(".leaflet-container")
    before = page.evaluate("storymap.map.getCenter().lng")
    page.keyboard.press("ArrowRight")  # pans the focused map...
    page.wait_for_timeout(400)  # Leaflet pans smoothly; the page's CSP forbids wait_for_function's eval
    assert page.evaluate("storymap.map.getCenter().lng") > before + 0.01
    assert page.evaluate("storymap.step") == 0  # ...rather than moving to the next step
    page.keyboard.press("PageDown")
    assert page.evaluate("storymap.step") == 1
    page.focus(".leaflet-container")
    outside = "!document.querySelector('.leaflet-container').contains(document.activeElement)"
    left = []
    for _ in range(20):  # Tab goes through the map's controls and on to the page: no trap
        page.keyboard.press("Tab")
        left.append(page.evaluate(outside))
    assert any(left)
    assert guard.outside == []
    page.context.close()


def test_the_map_is_described_in_words_on_every_step(browser, page_file):
    page, _ = open_page(browser, page_file, 1280, 800)
    for index in (0, 1):
        page.evaluate(f"storymap.goTo({index})")
        text = page.evaluate(
            "document.getElementById(storymap.map.getContainer().getAttribute('aria-describedby')).textContent"
        )
        assert text == page.evaluate(f"storymap.config.steps[{index}].description") and text
    assert page.evaluate("document.querySelector('.sm-map-description').getAttribute('role')") == "status"
    page.context.close()
