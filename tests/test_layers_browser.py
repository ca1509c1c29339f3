"""Base layers, highlights in several layers, a step's style change and click-to-step, in Chromium."""

from __future__ import annotations

import pytest

from tests.support import ROOT, RequestGuard, exported, exported_story, offline_page

pytestmark = pytest.mark.browser

CASE = ROOT / "tests" / "cases" / "stories" / "base_layers_highlights_and_styles_valid.md"


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    out = tmp_path_factory.mktemp("layers") / "layers.html"
    exported(CASE, out)
    with offline_page(browser, out, viewport={"width": 1280, "height": 800}, reduced_motion="reduce") as page:
        yield page


STYLE_OF = """(args) => { let found = null;
  storymap.layers[args[0]].eachLayer(c => { if (c.feature.properties.id === args[1]) found = c.options; });
  return found && {fillOpacity: found.fillOpacity, weight: found.weight, radius: found.radius}; }"""


def test_base_layer_shows_unless_hidden_and_both_layers_are_highlighted(page):
    page.evaluate("storymap.goTo(0)")
    assert sorted(page.evaluate("storymap.visibleLayers()")) == ["places", "regions"]
    north, south = (page.evaluate(STYLE_OF, ["regions", rid]) for rid in ("north", "south"))
    # the step's style sets the regions' fill opacity to 0.1; the highlighted one is stronger
    assert south["fillOpacity"] == pytest.approx(0.1 * 0.45)
    assert north["fillOpacity"] == pytest.approx(0.35)
    assert north["weight"] > south["weight"]
    paris, berlin = (page.evaluate(STYLE_OF, ["places", pid]) for pid in ("paris", "berlin"))
    assert paris["radius"] > berlin["radius"]
    page.evaluate("storymap.goTo(1)")
    assert page.evaluate("storymap.visibleLayers()") == ["places"]


def test_a_click_on_a_highlighted_feature_goes_to_its_first_step(page):
    page.evaluate("storymap.goTo(1)")
    page.evaluate(
        """() => storymap.layers.places.eachLayer(c => { if (c.feature.properties.id === 'paris') c.fire('click'); })"""
    )
    assert page.evaluate("storymap.step") == 0


def test_an_image_overlay_shows_on_its_step_offline(browser, tmp_path):
    case = ROOT / "tests" / "cases" / "stories" / "overlay_image_valid.md"
    out = tmp_path / "overlay.html"
    exported(case, out)
    assert "img-src data:;" in out.read_text(encoding="utf-8")  # nothing online: the CSP allows no host
    with offline_page(browser, out, reduced_motion="reduce") as page:
        image = "document.querySelector('img.leaflet-image-layer')"
        assert page.evaluate(f"{image} && {image}.src.startsWith('data:image/png')")
        assert page.evaluate(f"getComputedStyle({image}).opacity") == "0.6"
        assert sorted(page.evaluate("storymap.visibleLayers()")) == ["places", "survey"]
        page.evaluate("storymap.goTo(1)")
        assert page.evaluate(image) is None


def test_media_shows_inline_and_players_load_only_when_clicked(browser, tmp_path):
    case = ROOT / "tests" / "cases" / "stories" / "media_valid.md"
    out = tmp_path / "media.html"
    exported(case, out)
    context = browser.new_context(reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(out.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    figures = page.evaluate(
        """[...document.querySelectorAll('figure.sm-media')].map(f => ({
             img: (f.querySelector('img') || {}).src || null, audio: (f.querySelector('audio') || {}).src || null,
             caption: (f.querySelector('figcaption') || {}).textContent || null,
             embed: (f.querySelector('a.sm-embed') || {}).dataset ? f.querySelector('a.sm-embed').dataset.embed : null,
             link: (f.querySelector('a') || {}).href || null }))"""
    )
    assert figures[0]["img"].startswith("data:image/png;base64,")
    assert figures[0]["caption"] == "The smallest picture in the corpus. Photo: the storymap project"
    assert figures[1]["audio"].startswith("data:audio/wav;base64,")
    assert figures[2]["embed"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert figures[3]["embed"] == "https://player.vimeo.com/video/76979871"
    assert figures[4]["link"] == "https://soundcloud.com/example/a-track" and figures[4]["embed"] is None
    assert guard.outside == []  # nothing from YouTube, Vimeo or SoundCloud before a click
    page.evaluate("storymap.goTo(1)")
    page.locator("a.sm-embed").first.click()
    player = page.locator("iframe.sm-player")
    assert player.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    assert player.get_attribute("title") == "A music video"
    assert {u.split("/")[2] for u in guard.outside} <= {
        "www.youtube-nocookie.com"
    }  # only what the reader asked for
    context.close()


PACIFIC = """---
title: "Either side of the date line"
layers:
  zone:
    source: ../geodata/zone.geojson
    label: "A zone across 180° (schematic)"
  route:
    source: ../geodata/route.geojson
    label: "A route across 180° (schematic)"
  ports:
    source: ../geodata/ports.geojson
    label: "Ports"
sources:
  notes: {title: "Notes"}
---

## West of the line {#west}

The zone and the route, seen from the west.

```map
center: [-17.5, 178]
zoom: 5
layers: [zone, route, ports]
as_of: 2026-12-03
sources: [notes]
```

## East of the line {#east}

The same, seen from the east.

```map
center: [-17.5, -173.5]
zoom: 5
layers: [zone, route, ports]
as_of: 2026-12-03
sources: [notes]
```
"""

# In the page: for each feature of the step's layers, whether Leaflet drew it inside the map.
DRAWN_IN_VIEW = """() => {
  const map = storymap.map, view = map.getContainer().getBoundingClientRect(), out = {};
  Object.keys(storymap.layers).forEach(id => storymap.layers[id].eachLayer(child => {
    const node = child.getElement ? child.getElement() : child._path;
    const r = node && node.getBoundingClientRect();
    out[child.feature.properties.id] = !!r && r.width > 0 && r.left < view.right && r.right > view.left
      && r.top < view.bottom && r.bottom > view.top;
  }));
  return out;
}"""


def test_lines_shapes_and_points_across_180_show_from_either_side(browser, tmp_path):
    # Written the way Leaflet and geojson.io write them: on past 180° (the zone to 184, the
    # route to 188), and a port at -175.2. Each step looks at them from one side of the line.
    zone = [[[176.0, -21.0], [184.0, -21.0], [184.0, -15.0], [176.0, -15.0], [176.0, -21.0]]]
    layers = {
        "zone": {
            "type": "Feature",
            "properties": {"id": "zone"},
            "geometry": {"type": "Polygon", "coordinates": zone},
        },
        "route": {
            "type": "Feature",
            "properties": {"id": "route"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[174.0, -18.0], [180.0, -19.0], [188.0, -20.0]],
            },
        },
        "ports": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "suva"},
                    "geometry": {"type": "Point", "coordinates": [178.44, -18.14]},
                },
                {
                    "type": "Feature",
                    "properties": {"id": "nukualofa"},
                    "geometry": {"type": "Point", "coordinates": [-175.2, -21.14]},
                },
            ],
        },
    }
    page_file = exported_story(tmp_path, "pacific", PACIFIC, layers)
    viewport = {"width": 1280, "height": 800}
    with offline_page(browser, page_file, viewport=viewport, reduced_motion="reduce") as page:
        page.wait_for_function("() => window.storymap.loaded")
        everything = {"zone": True, "route": True, "suva": True, "nukualofa": True}
        for step in (0, 1, 0):
            page.evaluate(f"() => storymap.goTo({step})")
            assert page.evaluate(DRAWN_IN_VIEW) == everything, step
