"""The exported page in a real Chromium, opened from file:// with every request counted.

Each context routes ``**/*``: the page file itself and ``data:`` pass, anything else is
aborted and recorded, and every test ends with zero such requests. Waits are on real signals
(``storymap:step`` events, the controller's state, ``scrollend``), not on sleeps. Motion is
reduced unless a test checks flights and smooth scrolling.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.export import export_story
from app.validate import check_story
from bench.harness import http_serving
from tests.support import ROOT, exported
from tests.test_export import EVIL_NAME, make_project

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

IDS = ["tehran", "second", "damascus", "baku"]
TITLES = ["Tehran", "Moscow", "Damascus", "Baku"]

RECORD_EVENTS = """
window.__events = [];
window.addEventListener("storymap:step", (e) => window.__events.push({step: e.detail.step, source: e.detail.source}));
"""


class Guard:
    """Lets through only ``allowed(url)`` and data: URLs; records and aborts the rest."""

    def __init__(self, allowed: Callable[[str], bool]) -> None:
        self.allowed = allowed
        self.outside: list[str] = []
        self.seen: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        self.seen.append(url)
        if url.startswith("data:") or self.allowed(url.split("#", 1)[0]):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, Path]:
    """The test story exported in both layouts, with assets, and as an RTL story."""
    root = tmp_path_factory.mktemp("export-browser")
    checked = check_story(make_project(root / "project"))
    assert not checked.errors, checked.errors
    out = root / "out"
    export_story(checked, out / "scroll.html")
    export_story(checked, out / "slides.html", layout="slides")
    export_story(checked, out / "cms" / "story.html", assets=out / "cms" / "assets")
    rtl = check_story(make_project(root / "rtl", rtl=True))
    assert not rtl.errors, rtl.errors
    export_story(rtl, out / "rtl.html")
    return {
        "scroll": out / "scroll.html",
        "slides": out / "slides.html",
        "cms": out / "cms" / "story.html",
        "rtl": out / "rtl.html",
    }


@contextlib.contextmanager
def opened(
    browser,
    path: Path,
    hash: str = "",
    *,
    motion: str = "reduce",
    width: int = 1280,
    height: int = 800,
    allowed: Callable[[str], bool] | None = None,
    javascript: bool = True,
) -> Iterator:
    """A page showing ``path`` (file://) with every request checked; fails on outside requests."""
    file_url = path.resolve().as_uri()
    guard = Guard(allowed or (lambda url: url == file_url))
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion=motion, java_script_enabled=javascript
    )
    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(RECORD_EVENTS)
    page.goto(file_url + hash)
    if javascript:
        page.wait_for_function("window.storymap && window.storymap.step >= 0")
    try:
        yield page
        assert errors == [], errors
        assert dialogs == [], dialogs
        assert page.evaluate("window.__pwned") is None if javascript else True
    finally:
        context.close()
    assert guard.outside == [], f"requests outside the file: {guard.outside}"


def wait_step(page, index: int) -> None:
    page.wait_for_function("(i) => window.storymap.step === i", arg=index)


def card_state(page, index: int) -> dict:
    """Where card ``index`` is relative to the viewport and the trigger line."""
    return page.evaluate(
        """(i) => {
            const card = document.querySelector(`.sm-step[data-step="${i}"]`);
            const r = card.getBoundingClientRect();
            const line = innerHeight * parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--sm-trigger'));
            return {top: r.top, bottom: r.bottom, line, active: card.classList.contains('sm-active'),
                    covers: r.top <= line && r.bottom >= line, visible: r.height > 0 && getComputedStyle(card).display !== 'none'};
        }""",
        index,
    )


def events(page) -> list[dict]:
    return page.evaluate("window.__events")


# --- rendering and the API ----------------------------------------------------------------


def test_page_renders_from_file_with_no_requests_outside_it(browser, site) -> None:
    with opened(browser, site["scroll"]) as page:
        assert page.title().startswith("Test story")
        assert page.locator("h1.sm-title").is_visible()
        state = page.evaluate(
            """() => ({steps: storymap.steps, step: storymap.step, isMap: storymap.map instanceof L.Map,
                      layers: storymap.visibleLayers(), panes: document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas').length,
                      legend: document.querySelector('.sm-legend').textContent, attribution: document.querySelector('.leaflet-control-attribution').innerHTML})"""
        )
        assert state["steps"] == 4 and state["step"] == 0 and state["isMap"]
        assert state["layers"] == ["places"] and state["panes"] > 0
        assert "Places" in state["legend"]
        assert "Example Data" in state["attribution"] and "onerror" not in state["attribution"]
        assert events(page) == [{"step": 0, "source": "init"}]
        assert page.evaluate("location.hash") == ""  # nothing written before the reader moves


def test_storymap_api_goto_and_event(browser, site) -> None:
    with opened(browser, site["slides"]) as page:
        result = page.evaluate(
            """() => new Promise((resolve) => {
                window.addEventListener('storymap:step', (e) => resolve({detail: e.detail, step: storymap.step}), {once: true});
                storymap.goTo(2);
            })"""
        )
        assert result["step"] == 2 and result["detail"]["step"] == 2 and result["detail"]["id"] == "damascus"
        assert page.evaluate("storymap.goTo('baku')") == 3
        assert page.evaluate("location.hash") == "#baku"
        assert page.locator("#sm-live").inner_text() == "Step 4 of 4: Baku"


# --- keyboard, scrolling, buttons ---------------------------------------------------------


def test_keys_step_through_and_scroll_the_card_into_place(browser, site) -> None:
    with opened(browser, site["scroll"]) as page:
        for key, expected in [
            ("ArrowRight", 1),
            ("ArrowRight", 2),
            ("ArrowLeft", 1),
            ("End", 3),
            ("Home", 0),
            ("PageDown", 1),
            ("PageUp", 0),
            ("ArrowLeft", 0),
        ]:
            page.keyboard.press(key)
            wait_step(page, expected)
            if expected:
                page.wait_for_function(
                    "(i) => location.hash === '#' + ['tehran', 'second', 'damascus', 'baku'][i]", arg=expected
                )
            state = card_state(page, expected)
            assert state["active"] and state["covers"], (key, state)
        assert {e["source"] for e in events(page)[1:]} == {"key"}


def test_a_phone_lays_out_far_cards_only_when_a_step_needs_them(browser, tmp_path) -> None:
    """A reader who scrolls lays out each card as it nears the screen; a jump to a far card
    lays it out (and those above it) first, and lands on it."""
    page_file = exported(ROOT / "stories" / "russia-iran.md", tmp_path / "flagship.html")
    laid_out = "(i) => document.querySelector(`.sm-step[data-step='${i}'] h2`).checkVisibility({contentVisibilityAuto: true})"
    with opened(browser, page_file, width=390, height=844) as page:
        page.wait_for_function("() => window.storymap.loaded")
        page.wait_for_timeout(500)
        assert page.evaluate(laid_out, 0)
        assert not page.evaluate(laid_out, 12) and not page.evaluate(laid_out, 17)
        for go, expected in [("storymap.goTo(12)", 12), ("storymap.goTo(3)", 3), ("storymap.goTo(17)", 17)]:
            page.evaluate(go)
            wait_step(page, expected)
            page.wait_for_timeout(100)
            state = card_state(page, expected)
            assert state["active"] and state["covers"], (expected, state)
            assert page.evaluate(laid_out, expected)


def test_scrolling_the_page_fires_steps(browser, site) -> None:
    with opened(browser, site["scroll"]) as page:
        page.mouse.move(200, 400)
        for _ in range(80):  # wheel like a reader until the first step card reaches the line
            page.mouse.wheel(0, 100)
            # let the scroll and the IntersectionObserver run (two frames) before looking
            page.wait_for_function(
                "() => new Promise(requestAnimationFrame).then(() => new Promise(requestAnimationFrame)).then(() => true)"
            )
            if page.evaluate("storymap.step") >= 1:
                break
        assert page.evaluate("storymap.step") == 1
        page.evaluate("document.querySelector('.sm-step[data-step=\"3\"]').scrollIntoView({block: 'center'})")
        wait_step(page, 3)
        page.evaluate("window.scrollTo(0, 0)")
        wait_step(page, 0)
        sources = [e["source"] for e in events(page)[1:]]
        assert sources and set(sources) == {"scroll"}
        assert page.evaluate("storymap.map.scrollWheelZoom.enabled()") is False  # the wheel scrolls the page


def test_quick_steps_do_not_bounce_back_to_the_card_the_page_just_left(browser, site) -> None:
    # A reader holding an arrow key, or a host page stepping through: each change scrolls the
    # page at once (reduced motion), and the observer's entries from the frame before must not
    # send the map back a step.
    with opened(browser, site["scroll"]) as page:
        page.evaluate(
            """async () => {
                for (const i of [1, 2, 3, 2, 1, 0, 3, 1]) {
                    storymap.goTo(i);
                    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
                }
                // two more frames: any entry still queued from those scrolls is delivered
                for (let n = 0; n < 2; n++) await new Promise(requestAnimationFrame);
            }"""
        )
        assert [(e["step"], e["source"]) for e in events(page)[1:]] == [
            (1, "api"), (2, "api"), (3, "api"), (2, "api"), (1, "api"), (0, "api"), (3, "api"), (1, "api")
        ]  # fmt: skip
        assert card_state(page, 1)["covers"]


def test_goto_scrolls_smoothly_without_firing_the_cards_it_passes(browser, site) -> None:
    with opened(browser, site["scroll"], motion="no-preference") as page:
        page.evaluate(
            """() => new Promise((resolve) => {
                window.addEventListener('scrollend', resolve, {once: true});
                storymap.goTo(3);
            })"""
        )
        state = card_state(page, 3)
        assert state["active"] and state["covers"], state
        assert events(page) == [{"step": 0, "source": "init"}, {"step": 3, "source": "api"}]
        page.keyboard.press("ArrowLeft")  # and back by key, smoothly too
        page.evaluate("() => new Promise((r) => window.addEventListener('scrollend', r, {once: true}))")
        assert card_state(page, 2)["covers"]
        assert events(page)[2:] == [{"step": 2, "source": "key"}]


def test_slides_buttons_and_keys_show_one_step_at_a_time(browser, site) -> None:
    with opened(browser, site["slides"]) as page:
        previous = page.get_by_role("button", name="Previous step", exact=True)
        following = page.get_by_role("button", name="Next step", exact=True)
        assert previous.get_attribute("aria-disabled") == "true"
        assert page.locator(".sm-title-card").is_visible()
        following.click()
        wait_step(page, 1)
        assert [card_state(page, i)["visible"] for i in range(4)] == [False, True, False, False]
        assert not page.locator(".sm-title-card").is_visible()
        assert previous.get_attribute("aria-disabled") is None
        following.click()
        wait_step(page, 2)
        previous.click()
        wait_step(page, 1)
        page.keyboard.press("End")
        wait_step(page, 3)
        assert following.get_attribute("aria-disabled") == "true"
        assert page.locator(".sm-credits").is_visible()
        following.dispatch_event("click")  # at the end (aria-disabled): stays
        assert page.evaluate("storymap.step") == 3
        assert page.evaluate("window.scrollY") == 0
        assert page.locator("#sm-counter").inner_text() == "4 / 4"
        assert page.evaluate("storymap.map.scrollWheelZoom.enabled()") is True


# --- deep links -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hash", "expected", "layout"),
    [
        ("#step=2", 1, "scroll"),
        ("#second", 1, "scroll"),
        ("#damascus", 2, "scroll"),
        ("#step=99", 3, "scroll"),
        ("#step=baku", 3, "scroll"),
        ("#layout=slides&step=3", 2, "slides"),
        ("#layout=slides", 0, "slides"),
    ],
)
def test_deep_links_open_the_right_step(browser, site, hash: str, expected: int, layout: str) -> None:
    with opened(browser, site["scroll"], hash) as page:
        wait_step(page, expected)
        assert events(page) == [{"step": expected, "source": "init"}]  # no detour via step 0
        assert page.evaluate(
            "(name) => document.documentElement.classList.contains('sm-layout-' + name)", layout
        )
        state = card_state(page, expected)
        assert state["active"] and state["visible"]
        if layout == "scroll" and expected:
            assert state["covers"], state


def test_hash_changes_navigate_and_steps_rewrite_the_hash_in_place(browser, site) -> None:
    with opened(browser, site["slides"]) as page:
        length = page.evaluate("history.length")
        page.evaluate("location.hash = '#baku'")
        wait_step(page, 3)
        page.evaluate("location.hash = '#layout=scroll&step=2'")
        wait_step(page, 1)
        page.wait_for_function("document.documentElement.classList.contains('sm-layout-scroll')")
        assert card_state(page, 1)["covers"]
        page.keyboard.press("ArrowRight")
        wait_step(page, 2)
        assert page.evaluate("location.hash") == "#layout=scroll&damascus"
        assert page.evaluate("history.length") == length + 2  # the two hash edits above, not the steps


def test_reduced_motion_jumps(browser, site) -> None:
    with opened(browser, site["scroll"]) as page:
        after = page.evaluate(
            """() => { const y = scrollY; storymap.goTo(3);
                       const inView = storymap.map.getBounds().contains([40.41, 49.87]);
                       return {moved: scrollY !== y, inView: inView, zoom: storymap.map.getZoom()}; }"""
        )
        assert after["moved"]  # the card was scrolled into place at once, not smoothly
        # the map is already there, in the same tick: Baku in view, at most the author's zoom 6
        assert after["inView"]
        assert 5 <= after["zoom"] <= 6


# --- phone, RTL, print, no script -----------------------------------------------------------


@pytest.mark.parametrize("path", ["scroll", "slides"])
def test_phone_keeps_the_map_visible_and_text_readable(browser, site, path: str) -> None:
    with opened(browser, site[path], width=390, height=844) as page:
        page.keyboard.press("ArrowRight")
        wait_step(page, 1)
        page.keyboard.press("ArrowRight")
        wait_step(page, 2)
        layout = page.evaluate(
            """() => {
                const stage = document.getElementById('sm-stage').getBoundingClientRect();
                const card = document.querySelector('.sm-step.sm-active');
                const r = card.getBoundingClientRect();
                const nav = document.querySelector('.sm-nav').getBoundingClientRect();
                return {stageTop: stage.top, stageHeight: stage.height, cardTop: r.top, cardBottom: r.bottom,
                        font: parseFloat(getComputedStyle(card.querySelector('p:not(.sm-step-number)')).fontSize),
                        overflow: document.documentElement.scrollWidth - innerWidth, navBottom: nav.bottom, navTop: nav.top};
            }"""
        )
        assert layout["stageTop"] == 0 and 300 <= layout["stageHeight"] <= 440, layout
        assert layout["cardTop"] >= layout["stageTop"] + layout["stageHeight"] - 1, layout
        assert layout["cardTop"] < layout["navTop"], layout  # the card's start is on screen
        assert layout["font"] >= 16 and layout["overflow"] <= 0, layout
        assert layout["navBottom"] <= 844


def test_rtl_story_puts_the_text_on_the_right(browser, site) -> None:
    with opened(browser, site["rtl"]) as page:
        attrs = page.evaluate("[document.documentElement.dir, document.documentElement.lang]")
        assert attrs == ["rtl", "fa"]
        story = page.locator("#sm-story").bounding_box()
        stage = page.locator("#sm-stage").bounding_box()
        assert story["x"] > stage["x"]
        page.keyboard.press("ArrowRight")
        wait_step(page, 1)
        assert page.evaluate("decodeURIComponent(location.hash)") == "#second"


@pytest.mark.parametrize("path", ["scroll", "slides"])
def test_print_shows_every_step_title_text_and_sources(browser, site, path: str) -> None:
    with opened(browser, site[path]) as page:
        page.emulate_media(media="print")
        assert not page.locator("#sm-stage").is_visible()
        assert not page.locator(".sm-nav").is_visible()
        for index, title in enumerate(TITLES):
            assert page.locator(f'.sm-step[data-step="{index}"] h2').inner_text() == title
            assert page.locator(f'.sm-step[data-step="{index}"] h2').is_visible()
            assert page.locator(f'.sm-step[data-step="{index}"] .sm-sources').is_visible()
        assert page.locator(".sm-credits").is_visible()


def test_without_javascript_every_step_is_readable(browser, site) -> None:
    with opened(browser, site["slides"], javascript=False) as page:
        assert page.locator(".sm-note").is_visible()
        assert not page.locator("#sm-stage").is_visible()
        for index in range(4):
            assert page.locator(f'.sm-step[data-step="{index}"] .sm-text').is_visible()
            assert page.locator(f'.sm-step[data-step="{index}"] .sm-as-of').is_visible()
        assert page.get_by_role("link", name="A report").first.is_visible()


# --- safety -----------------------------------------------------------------------------------


def test_geojson_properties_and_markdown_cannot_inject_script(browser, site) -> None:
    with opened(browser, site["scroll"]) as page:
        texts = page.evaluate(
            """() => { const out = [];
                storymap.layers.places.eachLayer((l) => { l.openTooltip(); out.push(l.getTooltip().getElement().textContent); });
                return out; }"""
        )
        assert any(EVIL_NAME in text for text in texts)
        assert page.evaluate("document.querySelectorAll('.leaflet-tooltip img, .sm-text script').length") == 0
        assert (
            page.evaluate(
                "[...document.querySelectorAll('a')].filter(a => /^javascript:/i.test(a.href)).length"
            )
            == 0
        )
        assert page.locator(".sm-text img").first.get_attribute("src").startswith("data:image/png;base64,")


# --- separate assets and a host page --------------------------------------------------------


def test_assets_mode_loads_only_its_own_files(browser, site) -> None:
    folder = site["cms"].parent.resolve().as_uri()
    with opened(browser, site["cms"], "#second", allowed=lambda url: url.startswith(folder + "/")) as page:
        wait_step(page, 1)
        page.keyboard.press("ArrowRight")
        wait_step(page, 2)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1 (file:// frames of file:// pages are cross-origin)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    with http_serving(functools.partial(Quiet, directory=str(folder))) as url:
        yield url


HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title></head>
<body>
<h1>A CMS article</h1>
<iframe id="story" src="scroll.html#step=2" title="Story map" style="width: 960px; height: 640px; border: 0"></iframe>
<script>
window.received = [];
const frame = document.getElementById("story");
frame.addEventListener("load", () => {
  frame.contentWindow.addEventListener("storymap:step", (e) => window.received.push([e.detail.step, e.detail.source]));
  window.hostReady = true;
});
</script>
</body></html>
"""


def test_host_page_drives_an_embedded_export(browser, site) -> None:
    folder = site["scroll"].parent
    (folder / "host.html").write_text(HOST, encoding="utf-8")
    with serve(folder) as base:
        guard = Guard(lambda url: urlsplit(url).netloc == urlsplit(base).netloc)
        context = browser.new_context(viewport={"width": 1100, "height": 800}, reduced_motion="reduce")
        context.route("**/*", guard)
        page = context.new_page()
        try:
            page.goto(f"{base}/host.html")
            page.wait_for_function(
                "window.hostReady && document.getElementById('story').contentWindow.storymap.step === 1"
            )
            step = page.evaluate("document.getElementById('story').contentWindow.storymap.goTo(3)")
            assert step == 3
            page.wait_for_function("window.received.some(([s]) => s === 3)")
            frame = page.frame_locator("#story")
            assert frame.locator(".sm-step.sm-active h2").inner_text() == "Baku"
            # A reader scrolling inside the frame moves the map, and the host hears it.
            page.frames[1].evaluate(
                "document.querySelector('.sm-step[data-step=\"0\"]').scrollIntoView({block: 'center'})"
            )
            page.wait_for_function("window.received.some(([s, source]) => s === 0 && source === 'scroll')")
            assert page.evaluate("window.scrollY") == 0  # the host page did not move
            assert page.evaluate("document.getElementById('story').contentWindow.location.hash") == "#tehran"
        finally:
            context.close()
    assert guard.outside == []
