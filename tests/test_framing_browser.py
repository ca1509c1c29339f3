"""Every reader sees what each step points at: every committed story, every step, every screen.

For each step, each highlighted feature must lie inside the map, and the topmost element at its
screen point must be the map itself: not the legend, a control, the credits, a text card or the
page edge; in the exports, each of the step's labels must also be whole on the map, out from
under its controls and clear of the other labels. Exports are checked in Chromium at desktop, phone and small-embed sizes (scroll) and
at a presentation size (slides); the Streamlit tour at desktop and phone sizes, its presentation
mode on a laptop and a projector, and its embed mode in a small frame.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.paths import find_stories
from tests.support import (
    ROOT,
    RequestGuard,
    copy_project,
    exported,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)

pytestmark = pytest.mark.browser

STORIES = find_stories([ROOT / "stories"]).stories
SCREENS = [
    ("scroll", 1280, 800),
    ("scroll", 390, 844),
    ("scroll", 800, 600),
    ("scroll", 640, 480),  # small embeds: the map is short, and a legend open on it would cover half
    ("scroll", 420, 360),
    ("slides", 1280, 720),
]
TOUR_SCREENS = [
    ("tour", 1280, 800),
    ("tour", 390, 844),
    ("present", 1280, 720),
    ("present", 1920, 1080),
    ("embed", 800, 600),
]

# In the page: for every highlighted feature of the current step, where it is and what is on top.
PROBE = """
() => {
  const api = window.storymap, map = api.map, step = api.config.steps[api.step];
  const box = map.getContainer().getBoundingClientRect();
  const size = map.getSize();
  const out = [];
  step.highlights.forEach(hl => {
    const def = api.config.layers[hl.layer];
    const want = new Set(hl.ids);
    api.layers[hl.layer].eachLayer(child => {
      const props = child.feature && child.feature.properties;
      if (!props || !want.has(String(props[def.id_field]))) return;
      const at = child.getLatLng ? child.getLatLng() : child.getCenter();
      const p = map.latLngToContainerPoint(at);
      const inside = p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y;
      const top = inside ? document.elementFromPoint(box.left + p.x, box.top + p.y) : null;
      const onMap = !!top && map.getContainer().contains(top) && !top.closest('.leaflet-control-container');
      out.push({layer: hl.layer, id: String(props[def.id_field]), inside: inside, onMap: onMap, x: p.x, y: p.y,
                top: top ? String(top.className && top.className.baseVal !== undefined ? top.tagName : top.className || top.tagName) : null});
    });
  });
  return out;
}
"""


# In the page: the step's labels (not those fading out after the last step) that are cut by the
# map's edge or under one of its controls (zoom, legend, credits), which a label may touch.
LABELS_HIDDEN = """
() => {
  const map = window.storymap.map, box = map.getContainer().getBoundingClientRect();
  const controls = [...map.getContainer().querySelectorAll('.leaflet-control')]
    .filter(n => n.offsetWidth && n.offsetHeight).map(n => n.getBoundingClientRect());
  const out = [];
  map.getContainer().querySelectorAll('.sm-label').forEach(n => {
    if (n.style.opacity === '0') return;
    const r = n.getBoundingClientRect();
    const cut = r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
    const under = controls.some(c => r.left < c.right - 3 && r.right > c.left + 3 && r.top < c.bottom - 3 && r.bottom > c.top + 3);
    if (cut || under) out.push({label: n.textContent, cut: cut, under: under});
  });
  return out;
}
"""


# In the page: pairs of the step's labels that overlap (a name over another name).
LABELS_CROWDED = """
() => {
  const boxes = [...window.storymap.map.getContainer().querySelectorAll('.sm-label')]
    .filter(n => n.style.opacity !== '0').map(n => [n.textContent, n.getBoundingClientRect()]);
  const out = [];
  boxes.forEach(([a, r], i) => boxes.slice(i + 1).forEach(([b, o]) => {
    if (r.left < o.right - 1 && r.right > o.left + 1 && r.top < o.bottom - 1 && r.bottom > o.top + 1) out.push({over: [a, b]});
  }));
  return out;
}
"""


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("framing")
    pages = {}
    for story in STORIES:
        for layout in ("scroll", "slides"):
            page = out / f"{story.stem}-{layout}.html"
            exported(story, page, "--layout", layout)
            pages[story.stem, layout] = page
    return pages


@pytest.mark.parametrize(("layout", "width", "height"), SCREENS, ids=lambda v: str(v))
@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_every_highlighted_feature_is_on_the_map_and_uncovered(
    browser, exports, story, layout, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(exports[story.stem, layout].as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    misses = []
    for index in range(page.evaluate("storymap.steps")):
        page.evaluate(f"storymap.goTo({index})")
        page.wait_for_timeout(50)  # the scroll layout places the card after the move
        for feature in page.evaluate(PROBE):
            if not (feature["inside"] and feature["onMap"]):
                misses.append((index + 1, feature))
        misses += [(index + 1, label) for label in page.evaluate(LABELS_HIDDEN)]
        misses += [(index + 1, pair) for pair in page.evaluate(LABELS_CROWDED)]
    context.close()
    assert not misses, f"{story.stem} {layout} {width}×{height}: {misses}"
    assert guard.outside == []


@pytest.fixture(scope="module")
def tour_server(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("framing-tour"))
    with streamlit_server(project / "stories") as url:
        yield url


@pytest.mark.parametrize(("mode", "width", "height"), TOUR_SCREENS, ids=lambda v: str(v))
@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_every_highlighted_feature_is_uncovered_in_the_tour(browser, tour_server, story, mode, width, height):
    from app.ids import story_slug

    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(f"{tour_server}/?story={story_slug(story)}&mode={mode}")
    wait_for_app(page)
    frame = page.frame_locator("iframe[data-testid=storymap-frame]").owner.element_handle().content_frame()
    misses = []
    for index in range(page.evaluate("storymap.steps")):
        page.evaluate(f"storymap.goTo({index})")
        wait_for_step(page, index)
        box = page.locator("iframe[data-testid=storymap-frame]").bounding_box()
        for feature in frame.evaluate(PROBE):
            # inside the frame: the map itself; in the page: the map frame, not a card over it
            x, y = box["x"] + feature["x"], box["y"] + feature["y"]
            on_page = page.evaluate(
                "([x, y]) => { const e = document.elementFromPoint(x, y); return !!e && e.matches('iframe[data-testid=storymap-frame]'); }",
                [x, y],
            )
            if not (feature["inside"] and feature["onMap"] and on_page):
                misses.append((index + 1, feature, on_page))
    context.close()
    assert not misses, f"{story.stem} {mode} {width}×{height}: {misses}"
    assert guard.outside == []


# A step's whole area (its fit's bounds, or the area of its center + zoom) is in view: checked
# on the tour's map document at the widths where a wide legend leaves little room beside it. A
# map that zooms in on the step's highlighted places instead (only one too small for the area at
# the author's zoom) shows them all and is never closer than the author's zoom.
AREA_IN_VIEW = """
() => {
  const api = window.storymap, map = api.map, view = api.config.steps[api.step].view;
  const area = L.latLngBounds(view.bounds || view.area), shown = map.getBounds().pad(0.02);
  if (view.subject && !shown.contains(area)) {
    const subject = L.latLngBounds(view.subject);
    return {zoom: map.getZoom(), inView: shown.contains(subject),
            covered: map.getZoom() <= view.zoom + 1e-6 && map.getBoundsZoom(area) < view.zoom};
  }
  return {zoom: map.getZoom(), inView: shown.contains(area.getCenter()),
          covered: shown.contains(area) || area.contains(shown)};
}
"""


@pytest.mark.parametrize("width", [600, 650, 700])
@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_each_step_area_is_in_view_beside_a_wide_legend(browser, tmp_path, story, width):
    from app.tour import load_entry

    doc = tmp_path / "map.html"
    doc.write_text(load_entry(story).doc, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 640}, reduced_motion="reduce")
    page.goto(doc.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    misses = []
    for index in range(page.evaluate("storymap.steps")):
        page.evaluate(f"storymap.goTo({index}, {{animate: false}})")
        seen = page.evaluate(AREA_IN_VIEW)
        if not (seen["inView"] and seen["covered"]):
            misses.append((index + 1, seen))
    page.close()
    assert not misses, f"{story.stem} at {width}×640: {misses}"
