"""Author mode's tools in Chromium, on map documents built by the library in author mode.

"Copy this view" gives a block that, pasted back into the story, validates and shows the same
view; clicks copy a [lat, lon] or a feature's layer/id; the checks flag a step without sources
and a subject panned out of view.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.author import OPTIONS
from app.mapview import map_document, map_parts
from app.tour import load_entry
from app.validate import load_story
from tests.support import ROOT, copy_project

pytestmark = pytest.mark.browser

FLAGSHIP = ROOT / "stories" / "russia-iran.md"
MAP_BLOCK = re.compile(r"(```map\n)(.*?)(```)", re.S)


def write_document(story: Path, out: Path, *, author: bool) -> Path:
    """The map document of ``story`` (as the Streamlit frame gets it), written to ``out``."""
    checked = load_story(story)
    meta = checked.story.meta
    doc = map_document(
        map_parts(checked),
        title=meta.title,
        lang=meta.lang,
        direction=meta.dir,
        options=OPTIONS if author else None,
    )
    out.write_text(doc, encoding="utf-8")
    return out


def replace_map_block(story: Path, step_id: str, block: str) -> None:
    """Rewrite the ```map block of the step whose heading has ``{#step_id}``."""
    text = story.read_text(encoding="utf-8")
    start = text.index("{#" + step_id + "}")
    match = MAP_BLOCK.search(text, start)
    assert match is not None
    story.write_text(text[: match.start(2)] + block + text[match.end(2) :], encoding="utf-8")


def open_map(browser, page_path: Path, size: tuple[int, int], step: int, scheme: str = "light"):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme=scheme)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_path.as_uri())
    page.wait_for_function("window.storymap && window.storymap.step === 0")
    page.evaluate(f"window.storymap.goTo({step}, {{animate: false}})")
    page.errors = errors
    return context, page


def view_of(page) -> dict:
    return page.evaluate(
        "() => { const m = window.storymap.map, c = m.getCenter(), p = m.project(c, m.getZoom());"
        " return {lat: c.lat, lng: c.lng, zoom: m.getZoom(), x: p.x, y: p.y}; }"
    )


def feature_point(page, layer: str, feature_id: str) -> dict:
    """Where a point feature is on the page (CSS pixels), to click it."""
    return page.evaluate(
        """([layer, id]) => {
          const api = window.storymap, box = api.map.getContainer().getBoundingClientRect();
          let found = null;
          api.layers[layer].eachLayer(c => { if (String(c.feature.properties.id) === id) found = api.map.latLngToContainerPoint(c.getLatLng()); });
          return {x: box.left + found.x, y: box.top + found.y};
        }""",
        [layer, feature_id],
    )


def wait_for_toast(page, text: str) -> str:
    page.wait_for_function(
        "t => document.querySelector('.sm-author-toast').textContent.includes(t)", arg=text
    )
    return page.inner_text(".sm-author-toast")


@pytest.fixture(scope="module")
def flagship_author(tmp_path_factory) -> Path:
    """The flagship in author mode, with link_steps on its places (clicks must not navigate)."""
    tmp = tmp_path_factory.mktemp("author")
    project = copy_project(tmp / "project", [FLAGSHIP])
    story = project / "stories" / FLAGSHIP.name
    text = story.read_text(encoding="utf-8")
    story.write_text(
        text.replace("    labels: name\n", "    labels: name\n    link_steps: true\n", 1), encoding="utf-8"
    )
    return write_document(story, tmp / "author.html", author=True)


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("step", "step_id"), [(1, "isolated"), (8, "syria-zones")], ids=["center", "fit"])
def test_copy_this_view_pasted_back_validates_and_shows_the_same_view(
    browser, flagship_author: Path, tmp_path: Path, size: tuple[int, int], step: int, step_id: str
) -> None:
    context, page = open_map(browser, flagship_author, size, step)
    before = view_of(page)
    page.evaluate(
        "() => { const m = window.storymap.map; m.setZoom(m.getZoom() + 0.37, {animate: false}); m.panBy([40, -30], {animate: false}); }"
    )
    panned = view_of(page)
    page.get_by_role("button", name="Copy this view").click()
    toast = wait_for_toast(page, "Copied: map block of step")
    block = page.input_value(".sm-author-output")
    seen = view_of(page)
    assert page.evaluate("navigator.clipboard.readText()") == block
    assert f"step {step + 1}" in toast
    context.close()

    lines = block.splitlines()
    assert re.fullmatch(r"center: \[-?\d+(\.\d{1,4})?, -?\d+(\.\d{1,4})?\]", lines[0]), block
    assert re.fullmatch(r"zoom: \d+(\.\d)?", lines[1]), block
    assert "fit:" not in block and "sources: [" in block and "as_of: " in block and "highlight: " in block
    # The map snapped to the rounded view: by less than the rounding (zoom to 0.1), and no more.
    assert abs(seen["zoom"] - panned["zoom"]) <= 0.05 + 1e-9
    scale = 2 ** (seen["zoom"] - panned["zoom"])
    assert math.hypot(seen["x"] - panned["x"] * scale, seen["y"] - panned["y"] * scale) < 2, (seen, panned)
    assert abs(seen["zoom"] - before["zoom"]) > 0.3  # the author's zoom, not the step's

    story = copy_project(tmp_path / "project", [FLAGSHIP]) / "stories" / FLAGSHIP.name
    replace_map_block(story, step_id, block)
    result = subprocess.run(
        [sys.executable, "-m", "app", "validate", str(story)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # The pasted step, in the reader's document (no author tools) at the same size: its area
    # framed as the author saw it. (A phone shows a step that highlights several places closer
    # in, on them; the area is what the block says, and what a larger screen shows.)
    context, page = open_map(browser, write_document(story, tmp_path / "tour.html", author=False), size, step)
    shown = view_of(page)
    area = page.evaluate(AREA_VIEW)
    context.close()
    if area["subject"] and size[0] < 1000:
        assert area["zoom"] < shown["zoom"] <= area["zoom"] + 1 + 1e-6 and area["subjectShown"], (shown, area)
        shown = area
    assert round(shown["zoom"], 2) == round(seen["zoom"], 2)
    assert math.hypot(shown["x"] - seen["x"], shown["y"] - seen["y"]) < 2, (shown, seen)


# In the reader's page: where the step's area alone (without zooming in on its highlights)
# would put the map, and whether the highlights are in view as shown.
AREA_VIEW = """
() => {
  const api = window.storymap, map = api.map, view = api.config.steps[api.step].view;
  const f = api.framing({center: view.center, zoom: view.zoom, area: view.area});
  const cz = map._getBoundsCenterZoom(f.bounds, f.options), p = map.project(cz.center, cz.zoom);
  return {zoom: cz.zoom, x: p.x, y: p.y, subject: !!view.subject,
          subjectShown: !view.subject || map.getBounds().pad(0.01).contains(L.latLngBounds(view.subject))};
}
"""


def test_a_click_on_the_map_copies_that_points_lat_lon(browser, flagship_author: Path) -> None:
    context, page = open_map(browser, flagship_author, (1280, 800), 0)
    # A point of the map with no feature on it.
    spot = page.evaluate(
        """() => {
          const map = window.storymap.map, box = map.getContainer().getBoundingClientRect();
          for (let y = 200; y < 600; y += 23) for (let x = 400; x < 900; x += 31) {
            const top = document.elementFromPoint(box.left + x, box.top + y);
            if (top && !top.closest('.leaflet-interactive, .leaflet-control, .sm-label, .sm-author-checks, .sm-author-panel')) {
              const at = map.containerPointToLatLng([x, y]);
              return {x: box.left + x, y: box.top + y, lat: at.lat, lng: at.lng};
            }
          }
        }"""
    )
    page.mouse.click(spot["x"], spot["y"])
    wait_for_toast(page, "Copied: [lat, lon]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.input_value(".sm-author-output")
    lat, lon = (float(v) for v in re.fullmatch(r"\[(-?[\d.]+), (-?[\d.]+)\]", copied).groups())
    assert (lat, lon) == (round(spot["lat"], 4), round(spot["lng"], 4))
    assert page.evaluate("window.storymap.step") == 0
    assert not page.errors
    context.close()


def test_a_click_on_a_feature_copies_its_layer_and_id_and_does_not_navigate(
    browser, flagship_author: Path
) -> None:
    context, page = open_map(
        browser, flagship_author, (1280, 800), 2
    )  # a step that shows Tehran, not its first
    point = feature_point(page, "places", "tehran")
    page.mouse.click(point["x"], point["y"])
    wait_for_toast(page, "places/tehran")
    assert page.evaluate("navigator.clipboard.readText()") == "places/tehran"
    assert (
        page.input_value(".sm-author-output")
        == "fit: places/tehran\nhighlight: {layer: places, ids: [tehran]}\n"
    )
    assert page.evaluate("window.storymap.step") == 2  # link_steps would have gone to step 1
    assert page.locator(".leaflet-popup").count() == 0
    context.close()


def test_a_step_without_sources_shows_a_badge_that_says_what_to_add(browser, tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", [FLAGSHIP])
    story = project / "stories" / FLAGSHIP.name
    replace_map_block(
        story, "history", "center: [39.5, 46.5]\nzoom: 5\nlayers: [places]\nas_of: 1941-08-25\n"
    )
    context, page = open_map(
        browser, write_document(story, tmp_path / "author.html", author=True), (1280, 800), 2
    )
    badge = page.locator(".sm-author-badge[data-kind='sources']")
    assert badge.is_visible()
    assert "add `sources: [source-id]`" in badge.inner_text()
    assert badge.get_attribute("tabindex") == "0"
    page.evaluate("window.storymap.goTo(1, {animate: false})")
    assert page.locator(".sm-author-badge[data-kind='sources']").count() == 0
    assert page.locator(".sm-author-ok").inner_text() == "No problems at this size"
    context.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_highlight_panned_out_of_view_is_flagged_on_the_map(browser, flagship_author: Path, size) -> None:
    context, page = open_map(browser, flagship_author, size, 0)
    assert page.locator(".sm-author-badge").count() == 0
    page.evaluate(f"window.storymap.map.panBy([{size[0]}, 0], {{animate: false}})")
    badge = page.locator(".sm-author-badge[data-kind='out_of_view']")
    badge.wait_for()
    assert "Tehran (places/tehran) is out of view" in badge.inner_text()
    page.evaluate("window.storymap.goTo(0, {animate: false, force: true})")
    page.wait_for_function("!document.querySelector('.sm-author-badge')")
    context.close()


def test_a_highlight_under_the_legend_is_flagged_and_the_badges_are_reachable_by_tab(
    browser, flagship_author: Path
) -> None:
    context, page = open_map(browser, flagship_author, (1280, 800), 0)
    # Pan until Tehran sits in the middle of the legend.
    page.evaluate(
        """() => {
          const api = window.storymap, map = api.map;
          const legend = api.coverings().find(r => r.node.querySelector('.sm-legend') || r.node.classList.contains('sm-legend'));
          let at = null;
          api.layers.places.eachLayer(c => { if (c.feature.properties.id === 'tehran') at = map.latLngToContainerPoint(c.getLatLng()); });
          map.panBy([at.x - (legend.left + legend.right) / 2, at.y - (legend.top + legend.bottom) / 2], {animate: false});
        }"""
    )
    badge = page.locator(".sm-author-badge[data-kind='covered']")
    badge.wait_for()
    assert "Tehran (places/tehran) is under the legend" in badge.inner_text()
    for _ in range(40):  # Tab through the page until the badge has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.dataset.kind === 'covered'"):
            break
    else:
        pytest.fail("the badge cannot be reached with Tab")
    context.close()


def test_a_new_author_config_replaces_the_checks_without_a_new_map(browser, flagship_author: Path) -> None:
    context, page = open_map(browser, flagship_author, (1280, 800), 0)
    page.evaluate("window.__map = window.storymap.map")
    config = json.loads(page.inner_text("#sm-author-config"))
    config["steps"][0]["checks"] = [{"kind": "as_of", "text": "No as-of date: add `as_of: YYYY-MM-DD`"}]
    page.evaluate("c => window.storymap.author.update(c)", config)
    assert page.locator(".sm-author-badge[data-kind='as_of']").inner_text().startswith("No as-of date")
    assert page.evaluate("window.__map === window.storymap.map")
    context.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["russia-iran.md", "manila-galleons.md"])
def test_copying_a_step_as_shown_gives_back_its_own_center_and_zoom(
    browser, tmp_path: Path, name: str, size: tuple[int, int]
) -> None:
    """With nothing moved, the copied view is the author's own: the framing is undone exactly
    (on a phone the map shows each step at a lower zoom, and the copy still says the author's)."""
    story = load_story(ROOT / "stories" / name).story
    page_path = write_document(ROOT / "stories" / name, tmp_path / "author.html", author=True)
    context, page = open_map(browser, page_path, size, 0)
    checked = 0
    for index, step in enumerate(story.steps):
        if step.map.center is None:
            continue
        page.evaluate(f"window.storymap.goTo({index}, {{animate: false}})")
        page.get_by_role("button", name="Copy this view").click()
        wait_for_toast(page, f"map block of step {index + 1} ")
        lat, lon, zoom = (
            float(v)
            for v in re.match(
                r"center: \[(\S+), (\S+)\]\nzoom: (\S+)\n", page.input_value(".sm-author-output")
            ).groups()
        )
        # Leaflet keeps the map's origin on whole pixels: the center is exact to half a pixel.
        pixel = 360 / (256 * 2 ** page.evaluate("window.storymap.map.getZoom()"))
        assert abs(lat - step.map.center[0]) < pixel, (step.id, lat)
        assert abs(lon - step.map.center[1]) < pixel, (step.id, lon)
        assert zoom == step.map.zoom, step.id
        checked += 1
    assert checked >= 3
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_author_tools_pass_axe(browser, tmp_path: Path, size: tuple[int, int], scheme: str) -> None:
    if not (ROOT / "node_modules" / "axe-core" / "axe.min.js").exists():
        pytest.skip("axe-core is not installed (npm ci)")
    from tests.test_accessibility_browser import violations

    story = copy_project(tmp_path / "project", [FLAGSHIP]) / "stories" / FLAGSHIP.name
    block = "center: [39.5, 46.5]\nzoom: 5\nlayers: [places]\nhighlight: {layer: places, ids: [tabriz]}\n"
    replace_map_block(story, "history", block)  # no sources, no as-of: two badges
    context, page = open_map(
        browser, write_document(story, tmp_path / "author.html", author=True), size, 2, scheme
    )
    page.evaluate("window.storymap.map.panBy([2000, 0], {animate: false})")  # and an out-of-view badge
    page.locator(".sm-author-badge[data-kind='out_of_view']").first.wait_for()
    page.get_by_role("button", name="Copy this view").click()
    wait_for_toast(page, "Copied")
    if page.get_attribute(".sm-author-more", "aria-expanded") == "false":
        page.click(".sm-author-more")
    page.wait_for_function(
        "!document.querySelector('.sm-author-toast').classList.contains('sm-author-toast-on')", timeout=8000
    )
    assert violations(page) == []
    context.close()


def test_when_the_clipboard_is_refused_the_block_is_shown_to_select(browser, flagship_author: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # the panel starts folded
    context.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: {writeText: () => Promise.reject(new Error('denied'))}})"
    )
    page = context.new_page()
    page.goto(flagship_author.as_uri())
    page.wait_for_function("window.storymap && window.storymap.author")
    assert not page.locator(".sm-author-output").is_visible()
    page.get_by_role("button", name="Copy this view").click()
    page.wait_for_function("document.querySelector('.sm-author-toast').textContent !== ''")
    output = page.locator(".sm-author-output")
    assert output.is_visible()
    assert output.input_value().startswith("center: [")
    assert page.get_attribute(".sm-author-more", "aria-expanded") == "true"
    context.close()


def test_a_save_reaches_the_badges_and_the_clicks_on_the_live_map(browser, tmp_path: Path) -> None:
    """Author mode's reload (app.author.Watch): the new controller config carries the tools' config."""
    story = copy_project(tmp_path / "project", [FLAGSHIP]) / "stories" / FLAGSHIP.name
    first = load_entry(story, OPTIONS)
    page_path = tmp_path / "author.html"
    page_path.write_text(first.doc, encoding="utf-8")
    context, page = open_map(browser, page_path, (1280, 800), 0)
    page.evaluate("window.__map = window.storymap.map")
    assert page.locator(".sm-author-badge").count() == 0
    block = "center: [35.69, 51.42]\nzoom: 5\nlayers: [places]\nhighlight: {layer: places, ids: [tehran]}\n"
    replace_map_block(story, "tehran-summit", block)  # the save drops sources and as_of
    saved = load_entry(story, OPTIONS, document=False)
    assert "author_tools" in saved.config
    page.evaluate("c => window.storymap.reload(c, {}, {step: 0})", saved.config)
    assert page.locator(".sm-author-badge[data-kind='sources']").is_visible()
    assert page.locator(".sm-author-badge[data-kind='as_of']").is_visible()
    assert page.evaluate("window.__map === window.storymap.map")
    # The controller bound its popups again on reload; a click on a feature still copies.
    point = feature_point(page, "places", "tehran")
    page.mouse.click(point["x"], point["y"])
    wait_for_toast(page, "places/tehran")
    assert page.locator(".leaflet-popup").count() == 0
    context.close()
