"""The map's late data: what the first step does not draw travels after the map's script.

The basemap's borders and names (and its whole land, where the first view's own land goes
first) and the layers the first step does not show are left out of
the map's script (``MapParts.late``, ``StoryMap.later``); the page puts them after it. Checked
here: what goes where (Python), and in Chromium that the first map is drawn while the rest is
still on the network, then the rest arrives in place (a page served by a local server that
holds the bytes after the map's script until the test lets them go).
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import basemap
from app.export import render_page
from app.mapview import map_document, map_parts
from app.validate import check_story
from bench.harness import http_serving
from tests.support import ROOT

FLAGSHIP = ROOT / "stories" / "russia-iran.md"
LATE_CALL = re.compile(r"<script>StoryMap\.later\((.*)\);</script>", re.S)  # a JS string of JSON


@pytest.fixture(scope="module")
def parts():
    checked = check_story(FLAGSHIP)
    assert checked.story is not None
    return checked, map_parts(checked)


def test_the_first_step_travels_in_the_script_and_the_rest_after_it(parts):
    _, p = parts
    first = set(p.config["steps"][0]["layers"])
    late = json.loads(p.late)
    assert first and first < set(p.layer_data)  # the flagship opens on some of its layers
    assert set(late["layers"]) == set(p.layer_data) - first
    for layer_id, data in late["layers"].items():
        assert data == json.loads(json.dumps(p.layer_data[layer_id]))
    # In the script, each layer's folium variable gets its features, or none if they come late.
    names = dict(re.findall(r'"([\w-]+)": (geo_json_\w+)', p.script.split("StoryMap.init(", 1)[1]))
    added = {var: json.loads(data) for var, data in re.findall(r"(geo_json_\w+)_add\((.*?)\);\n", p.script)}
    assert set(names) == set(p.layer_data)
    for layer_id, var in names.items():
        count = 0 if layer_id in late["layers"] else len(p.layer_data[layer_id]["features"])
        assert len(added[var]["features"]) == count, layer_id
    base = p.config["basemap"]  # MapParts.config is whole: Python code reads all of it
    # The flagship's first view is wide and later ones zoom in: the script carries the first
    # view's own land, much lighter, and the whole land comes with the rest.
    assert set(late["basemap"]) == {"land", "borders", "labels"}
    assert late["basemap"]["borders"] == base["borders"] and late["basemap"]["labels"] == base["labels"]
    assert late["basemap"]["land"] == base["land"]
    assert len(base["first_land"]["lines"]) < 0.6 * len(base["land"]["lines"])
    assert base["first_land"]["lines"] in p.script
    assert base["land"]["lines"].split(" ")[0] not in p.script
    assert base["borders"]["lines"].split(" ")[0] not in p.script
    assert '\\"late\\":true' in p.script  # in the config's JSON text, a JS string (JSON.parse)


def test_pages_put_the_late_data_after_the_maps_script(parts):
    checked, p = parts
    html = render_page(checked, parts=p).html
    found = LATE_CALL.search(html)
    assert found and json.loads(json.loads(found.group(1))) == json.loads(p.late)
    # Order in the page: the text, Leaflet, the controller, the map's script, then the rest.
    at = [html.index(s) for s in ('id="sm-story"', "Leaflet 1.9.4", "window.StoryMap=", "StoryMap.init(")]
    assert at == sorted(at) and at[-1] < found.start()
    # Laid out for the scripts from the start; until the map is drawn, its place has the
    # basemap's sea colour, light or dark.
    assert html.index('classList.add("sm-js")') < html.index("<body>")
    sea = p.config["basemap"]["sea"], p.config["basemap"]["dark"]["sea"]
    style = f".sm-stage {{ background: {sea[0]}; }} @media (prefers-color-scheme: dark) {{ .sm-stage {{ background: {sea[1]}; }} }}"
    assert html.index(style) < html.index("<body>")
    doc = map_document(p, title="t")
    assert doc.index("StoryMap.init(") < doc.index("StoryMap.later(")
    # Author text stays data in the late JSON too: no raw "<" can end its script.
    assert "<" not in found.group(1)


def test_a_story_whose_first_step_shows_every_layer_sends_only_the_basemap_late(tmp_path: Path):
    (tmp_path / "stories").mkdir()
    point = {
        "type": "Feature",
        "properties": {"id": "a"},
        "geometry": {"type": "Point", "coordinates": [10, 50]},
    }
    (tmp_path / "stories" / "a.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [point]})
    )
    story = tmp_path / "stories" / "one.md"
    story.write_text(
        '---\ntitle: "One"\nlayers:\n  a:\n    source: a.geojson\n    label: "A"\n---\n\n'
        "## Only\n\nText.\n\n```map\ncenter: [50, 10]\nzoom: 5\nlayers: [a]\n```\n",
        encoding="utf-8",
    )
    checked = check_story(story)
    assert not checked.errors, checked.errors
    parts = map_parts(checked)
    late = json.loads(parts.late)
    assert late["layers"] == {} and set(late["basemap"]) == {"borders", "labels"}
    assert "first_land" not in parts.config["basemap"]  # one view: its land is the story's land


class _Held(http.server.BaseHTTPRequestHandler):
    """Serves one page: the bytes up to the late script at once, the rest when ``release`` is set."""

    page: bytes = b""
    split: int = 0
    release = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page[: self.split])
        self.wfile.flush()
        self.release.wait(30)
        self.wfile.write(self.page[self.split :])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def held_page(parts) -> Iterator[tuple[str, type[_Held]]]:
    checked, p = parts
    html = render_page(checked, parts=p).html
    handler = type("Handler", (_Held,), {"release": threading.Event()})
    handler.page = html.encode("utf-8")
    handler.split = len(html[: LATE_CALL.search(html).start()].encode("utf-8"))
    try:
        with http_serving(handler) as base:
            yield base + "/", handler
    finally:
        handler.release.set()


DRAWN = """() => {
  const api = window.storymap;
  if (!api) return null;
  const count = (layer) => layer.getLayers().length;
  const base = api.basemap.parts;
  return {
    loaded: api.loaded,
    land: count(base[0].layer), borders: count(base[1].layer), labels: api.basemap.labels.length,
    layers: Object.fromEntries(Object.entries(api.layers).map(([id, l]) => [id, l.getLayers ? count(l) : null])),
    visible: api.visibleLayers(),
    drawn: document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-marker-pane *').length,
  };
}"""


# The land's polygons as drawn (one shape per cell; Leaflet's GeoJSON, unrounded, rings closed).
LAND = """() => {
  const out = [];
  window.storymap.basemap.parts[0].layer.eachLayer((shape) => {
    const g = shape.toGeoJSON(false).geometry;
    (g.type === "MultiPolygon" ? g.coordinates : [g.coordinates]).forEach((p) => out.push(p));
  });
  return out;
}"""


def _polygons(encoded: dict) -> list:
    return basemap.decode_collection(encoded)["features"][0]["geometry"]["coordinates"]


@pytest.mark.browser
def test_the_first_map_is_drawn_before_the_rest_arrives_and_the_rest_goes_in_place(browser, held_page, parts):
    url, handler = held_page
    checked, p = parts
    late = json.loads(p.late)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.storymap && window.storymap.step === 0", timeout=20_000)
        page.wait_for_timeout(300)  # frames go by; the rest is still held back
        before = page.evaluate(DRAWN)
        assert before["loaded"] is False
        assert before["land"] > 0 and before["borders"] == 0 and before["labels"] == 0
        assert before["visible"] == p.config["steps"][0]["layers"]
        for layer_id in p.layer_data:
            expected = 0 if layer_id in late["layers"] else len(p.layer_data[layer_id]["features"])
            assert before["layers"][layer_id] == expected, layer_id
        assert before["drawn"] > 0
        base = p.config["basemap"]
        assert sorted(page.evaluate(LAND)) == sorted(_polygons(base["first_land"]))  # the first view's own
        assert page.evaluate("document.querySelectorAll('.sm-step').length") == len(checked.story.steps)

        handler.release.set()
        page.wait_for_function("() => window.storymap.loaded === true", timeout=20_000)
        after = page.evaluate(DRAWN)
        assert after["borders"] > 0 and after["labels"] == len(p.config["basemap"]["labels"])
        for layer_id, data in p.layer_data.items():
            assert after["layers"][layer_id] == len(data["features"]), layer_id
        assert page.evaluate("document.querySelectorAll('.sm-base-label').length") > 0  # names placed
        assert sorted(page.evaluate(LAND)) == sorted(_polygons(base["land"]))  # the whole land, in its place
        # A step with a late layer shows it, tooltips and all, as it would had it come first.
        target = next(i for i, s in enumerate(p.config["steps"]) if set(s["layers"]) & set(late["layers"]))
        page.evaluate("(i) => window.storymap.goTo(i, {animate: false})", target)
        shown = page.evaluate(DRAWN)
        assert set(shown["visible"]) == set(p.config["steps"][target]["layers"])
        assert shown["drawn"] > before["drawn"]
        assert errors == []
    finally:
        page.close()


@pytest.mark.browser
def test_a_deep_link_to_a_step_with_a_late_layer_shows_it_once_it_arrives(browser, held_page, parts):
    url, handler = held_page
    _, p = parts
    late = json.loads(p.late)
    target = next(i for i, s in enumerate(p.config["steps"]) if set(s["layers"]) & set(late["layers"]))
    layer_id = sorted(set(p.config["steps"][target]["layers"]) & set(late["layers"]))[0]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(f"{url}#step={target + 1}", wait_until="commit")
        page.wait_for_function(
            "(i) => window.storymap && window.storymap.step === i", arg=target, timeout=20_000
        )
        assert page.evaluate("(id) => window.storymap.layers[id].getLayers().length", layer_id) == 0
        handler.release.set()
        page.wait_for_function("() => window.storymap.loaded === true", timeout=20_000)
        assert layer_id in page.evaluate("window.storymap.visibleLayers()")
        assert page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length") > 0
        assert page.evaluate("window.storymap.step") == target  # the map stayed on the step
    finally:
        page.close()


# In the page: a task that runs again and again (a MessageChannel message each time) and notes
# what it finds each time, until the whole map is in.
TICKER = """
(id) => {
  const seen = window.__seen = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const api = window.storymap;
    seen.push({late: api.layers[id].getLayers().length > 0, loaded: api.loaded});
    if (!api.loaded) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
}
"""


@pytest.mark.browser
def test_the_late_data_goes_in_over_several_tasks(browser, held_page, parts):
    """A reader's tap or key while the rest of the map goes in waits for a part of that work, not
    all of it: other tasks run between the late layers going in and the map being whole."""
    url, handler = held_page
    _, p = parts
    layer_id = sorted(json.loads(p.late)["layers"])[0]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.storymap && window.storymap.step === 0", timeout=20_000)
        page.evaluate(TICKER, layer_id)
        handler.release.set()
        page.wait_for_function("() => window.storymap.loaded === true", timeout=20_000)
        seen = page.evaluate("window.__seen")
    finally:
        page.close()
    assert {"late": False, "loaded": False} in seen
    assert {"late": True, "loaded": False} in seen  # between two of its tasks
    assert seen[-1] == {"late": True, "loaded": True}
