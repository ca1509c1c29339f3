"""The guided tour in a real Streamlit server and a real Chromium.

Stories are copied into a throwaway project with one broken story beside them. Motion is
reduced (the controller then jumps instead of flying) so each step settles at once; one test
keeps motion on to check that a key press starts a flight before the server answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.export import export_story
from app.mapview import step_bounds
from app.validate import load_story
from tests.support import (
    ROOT,
    RequestGuard,
    copy_project,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

FLAGSHIP = "russia-iran"
BROKEN = "---\ntitle: [unclosed\n---\n\n## A step\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("tour"))
    (root / "stories" / "broken-draft.md").write_text(BROKEN, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(project) -> str:
    with streamlit_server(project / "stories") as url:
        yield url


@pytest.fixture
def guard() -> RequestGuard:
    return RequestGuard()


def new_page(browser, guard: RequestGuard, *, motion: str = "reduce", width: int = 1280, height: int = 860):
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion=motion)
    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture(scope="module")
def flagship(project):
    return load_story(project / "stories" / f"{FLAGSHIP}.md")


def assert_step_state(page, checked, index: int) -> None:
    story = checked.story
    step = story.steps[index]
    title = page.locator("[data-testid=storymap-step-title]").inner_text()
    assert title == step.title
    state = page.evaluate(
        """() => { const m = storymap.map; const b = m.getBounds(); const c = m.getCenter();
                   return {lat: c.lat, lng: c.lng, zoom: m.getZoom(), layers: storymap.visibleLayers().sort(),
                           south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast()}; }"""
    )
    assert state["layers"] == sorted(step.map.layers), step.id
    if step.map.center is not None:
        # The author's view is an area (center + zoom on the reference map): a smaller map zooms
        # out to show it all, never in past the author's zoom, and padding for the legend and
        # controls may shift the centre a little; the author's centre stays well inside.
        assert state["zoom"] <= step.map.zoom + 0.01, step.id
        assert state["zoom"] >= step.map.zoom - 2, step.id
        offset = page.evaluate(
            """(c) => { const m = storymap.map, p = m.latLngToContainerPoint([c[0], c[1]]), s = m.getSize();
                        return {dx: Math.abs(p.x - s.x / 2) / s.x, dy: Math.abs(p.y - s.y / 2) / s.y}; }""",
            list(step.map.center),
        )
        assert offset["dx"] <= 0.2 and offset["dy"] <= 0.2, (step.id, offset)
    else:
        west, south, east, north = step_bounds(step, story, checked.layers)
        tolerance = 0.02
        assert state["west"] <= west + tolerance and state["east"] >= east - tolerance, step.id
        assert state["south"] <= south + tolerance and state["north"] >= north - tolerance, step.id


def test_steps_through_the_flagship_by_button_and_key_without_remount(browser, server, guard, flagship):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story={FLAGSHIP}")
    wait_for_app(page)
    page.evaluate("storymap.map.__probe = 'same-map'")
    count = len(flagship.story.steps)
    assert page.evaluate("storymap.steps") == count
    assert_step_state(page, flagship, 0)
    for index in range(1, count):
        page.get_by_role("button", name="Next step").click()
        wait_for_step(page, index)
        assert_step_state(page, flagship, index)
        assert page.url.endswith(f"step={index + 1}")
    assert page.get_by_role("button", name="Next step").is_disabled()
    for index in range(count - 2, -1, -1):
        page.keyboard.press("ArrowLeft")
        wait_for_step(page, index)
        assert_step_state(page, flagship, index)
    page.keyboard.press("End")
    wait_for_step(page, count - 1)
    page.keyboard.press("Home")
    wait_for_step(page, 0)
    page.keyboard.press("PageDown")
    wait_for_step(page, 1)
    page.keyboard.press("PageUp")
    wait_for_step(page, 0)
    assert page.evaluate("storymap.map.__probe") == "same-map", "the map was rebuilt"
    assert page.locator("iframe[data-testid=storymap-frame]").count() == 1
    assert page.errors == []
    assert guard.outside == []


def test_step_event_and_goto_contract(browser, server, guard, flagship):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story={FLAGSHIP}")
    wait_for_app(page)
    page.evaluate(
        "window.__events = []; window.addEventListener('storymap:step', e => __events.push(e.detail.step))"
    )
    page.evaluate("storymap.goTo(3)")
    wait_for_step(page, 3)
    assert page.evaluate("window.__events") == [3]
    # the map frame holds the same contract
    frame_step = page.evaluate("storymap.frame.contentWindow.storymap.step")
    assert frame_step == 3
    assert guard.outside == []


def test_key_press_moves_the_map_before_the_server_answers(browser, server, guard):
    page = new_page(browser, guard, motion="no-preference")
    page.goto(f"{server}/?story={FLAGSHIP}")
    wait_for_app(page)
    page.evaluate(
        """() => { window.__moved = null; storymap.map.once('movestart', () => { window.__moved = performance.now(); }); }"""
    )
    started = page.evaluate("performance.now()")
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("window.__moved")
    assert moved is not None and moved >= started, "the map did not start moving on the key press"
    assert page.evaluate("storymap.step") == 1
    wait_for_step(page, 1)
    assert guard.outside == []


@pytest.mark.parametrize("value", ["3", "id"])
def test_deep_link_opens_the_step(browser, server, guard, flagship, value):
    step = flagship.story.steps[2]
    page = new_page(browser, guard)
    page.goto(f"{server}/?story={FLAGSHIP}&step={step.id if value == 'id' else '3'}")
    wait_for_app(page)
    wait_for_step(page, 2)
    assert_step_state(page, flagship, 2)
    assert guard.outside == []


@pytest.mark.parametrize("mode", ["present", "embed"])
def test_reader_modes_render_without_chrome(browser, server, guard, flagship, mode):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story={FLAGSHIP}&step=2&mode={mode}")
    wait_for_app(page)
    wait_for_step(page, 1)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.locator("iframe[data-testid=storymap-frame]").is_visible()
    assert page.locator("[data-testid=storymap-step-title]").inner_text() == flagship.story.steps[1].title
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 2)
    step = flagship.story.steps[2]
    assert step.map.as_of and step.map.sources
    assert page.locator(
        "[data-testid=storymap-step-meta] .sm-as-of"
    ).is_visible()  # chrome hidden, not the card's
    page.screenshot(path=str(ROOT / "test-artifacts" / f"tour-{mode}.png"))
    assert guard.outside == []


def test_broken_story_is_listed_and_the_others_still_work(browser, server, guard):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story=broken-draft")
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
    page.wait_for_selector("text=has problems the author needs to fix")
    assert "broken-draft.md:2" in page.locator("code").first.inner_text()
    assert "Traceback" not in page.content()
    page.goto(f"{server}/?story={FLAGSHIP}")
    wait_for_app(page)
    assert guard.outside == []


def test_unknown_or_hostile_story_parameter_falls_back(browser, server, guard):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story=../../etc/passwd&step=<script>")
    wait_for_app(page)
    page.wait_for_selector("text=That story was not found")
    assert page.evaluate("storymap.step") == 0
    assert "root:x:0" not in page.content()
    assert guard.outside == []


def test_phone_layout_keeps_map_and_text_visible(browser, server, guard):
    page = new_page(browser, guard, width=390, height=844)
    page.goto(f"{server}/?story={FLAGSHIP}&step=2")
    wait_for_app(page)
    frame = page.locator("iframe[data-testid=storymap-frame]").bounding_box()
    assert frame["width"] >= 300 and frame["height"] >= 250
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('[data-testid=storymap-step-body] p')).fontSize)"
    )
    assert size >= 14
    page.screenshot(path=str(ROOT / "test-artifacts" / "tour-phone.png"), full_page=True)
    assert guard.outside == []


@pytest.fixture(autouse=True, scope="module")
def _artifacts():
    (ROOT / "test-artifacts").mkdir(exist_ok=True)


def test_step_list_moves_the_map_and_embed_code_follows_the_reader(browser, server, guard, flagship):
    page = new_page(browser, guard)
    page.goto(f"{server}/?story={FLAGSHIP}")
    wait_for_app(page)
    page.evaluate("storymap.map.__probe = 'same-map'")
    target = flagship.story.steps[5]
    page.get_by_role("button", name=f"6. {target.title}").click()
    wait_for_step(page, 5)
    assert_step_state(page, flagship, 5)
    assert page.url.endswith("step=6")
    assert page.get_by_role("button", name=f"6. {target.title}").get_attribute("aria-current") == "step"
    page.keyboard.press("ArrowRight")
    wait_for_step(page, 6)
    page.get_by_text("Embed or present this step").click()
    code = page.get_by_test_id("storymap-embed-code").input_value()
    assert f"story={FLAGSHIP}&amp;step=7&amp;mode=embed" in code
    # the same step again from the list, after moving away by key
    page.get_by_role("button", name=f"6. {target.title}").click()
    wait_for_step(page, 5)
    assert page.evaluate("storymap.map.__probe") == "same-map"
    assert guard.outside == []


CARD_TEXT = "(sel) => document.querySelector(sel).textContent.replace(/\\s+/g, ' ').trim()"


def test_tour_and_export_show_the_same_step_card(browser, server, guard, flagship, tmp_path):
    """Both pages render step_card.html.j2: the same heading, text, as-of date and sources
    (with their authors, and dates written alike) for a step that cites an authored source."""
    story = flagship.story

    def authored(source_id: str) -> bool:  # an author, and a full date (which reads unlike ISO)
        src = story.meta.sources[source_id]
        return bool(src.author and src.date and src.date.start.precision == "day")

    index = next(i for i, step in enumerate(story.steps) if any(authored(s) for s in step.map.sources))
    source = next(story.meta.sources[s] for s in story.steps[index].map.sources if authored(s))
    out = tmp_path / "flagship.html"
    export_story(flagship, out)
    page = new_page(browser, guard)
    page.goto(out.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    # Both pages put their dates in the story's language once the map is drawn (a worker first).
    page.wait_for_function("() => !document.querySelector('time[datetime]:not([data-sm-localized])')")
    exported = page.evaluate(CARD_TEXT, f'.sm-step[data-step="{index}"]')
    exported_header = page.evaluate(CARD_TEXT, "[data-testid=storymap-header] .sm-byline")
    page.goto(f"{server}/?story={FLAGSHIP}&step={index + 1}")
    wait_for_app(page)
    wait_for_step(page, index)
    page.wait_for_selector(".sm-step time[data-sm-localized]", state="attached")
    toured = page.evaluate(CARD_TEXT, ".sm-step")
    # st.html keeps what the card relies on: attributes, and the page's CSS applies to it.
    card = page.locator("[data-testid=stHtml] section.sm-step")
    assert card.get_attribute("aria-live") == "polite" and card.get_attribute("lang") == story.meta.lang
    assert card.get_attribute("dir") == story.meta.dir
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.sm-step-number')).textTransform")
        == "uppercase"
    )
    link = card.locator(".sm-source a").first
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert toured == exported
    assert source.author in toured
    assert source.date.iso not in toured  # a date for readers, not ISO
    assert page.evaluate(CARD_TEXT, "[data-testid=storymap-header] .sm-byline") == exported_header
    assert guard.outside == []
