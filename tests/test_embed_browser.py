"""An exported page embedded by a host that loads the real @newswire/frames (npm) resizes to fit.

The export speaks the package's documented child protocol from its own code (export.js); the
host page here loads the package's own dist file from node_modules, as a newsroom's CMS would
load it from npm or its bundle. The frame's height must follow the page's content: on load, on
every step, and when the reader's window narrows to a phone's width.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import (
    ROOT,
    RequestGuard,
    copy_project,
    exported,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)
from tests.test_export_browser import serve

pytestmark = pytest.mark.browser

FRAMES = ROOT / "node_modules" / "@newswire" / "frames" / "dist" / "frames.umd.js"
STORY = ROOT / "stories" / "russia-iran.md"

if not FRAMES.exists():
    pytest.skip("@newswire/frames is not installed (npm ci)", allow_module_level=True)

HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A CMS article</title>
<style>body { margin: 0; font: 16px sans-serif; } main { max-width: 1000px; margin: 0 auto; }</style>
</head>
<body><main>
<h1>A CMS article</h1>
<p>Text before the embed.</p>
<div id="auto" data-frame-src="story.html#embed" data-frame-attribute-title="Story map"></div>
<p>Text between the embeds.</p>
<iframe id="late" src="story.html" title="Story map, observed after it loaded" width="100%" scrolling="no" style="border: 0"></iframe>
<p>Text after the embeds.</p>
</main>
<script src="frames.umd.js"></script>
<script>
newswireFrames.autoInitFrames();
document.getElementById("late").addEventListener("load", (event) => newswireFrames.observeIframe(event.target));
</script>
</body></html>
"""

# The frame's height attribute (set by the package) is the page's own height, and the page does
# not scroll inside its frame.
FITS = """(selector) => {
  const frame = document.querySelector(selector);
  const doc = frame && frame.contentDocument;
  if (!doc || !doc.documentElement.classList.contains("sm-fit") || !frame.contentWindow.storymap) return false;
  const wanted = doc.documentElement.offsetHeight;
  return wanted > 200 && Number(frame.getAttribute("height")) === wanted
    && Math.abs(frame.getBoundingClientRect().height - wanted) <= 1
    && doc.documentElement.scrollHeight <= frame.contentWindow.innerHeight + 1;
}"""


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("embed-host")
    exported(STORY, folder / "story.html")
    (folder / "frames.umd.js").symlink_to(FRAMES)  # the package's own file, as npm installed it
    (folder / "index.html").write_text(HOST, encoding="utf-8")
    return folder


def height(page, selector: str) -> int:
    return int(page.evaluate("(s) => Number(document.querySelector(s).getAttribute('height'))", selector))


def frame_of(page, selector: str):
    return page.locator(selector).element_handle().content_frame()


@pytest.mark.parametrize("selector", ["#auto iframe", "#late"], ids=["hash", "frames-init"])
def test_the_host_frame_follows_the_page_height(browser, host, selector) -> None:
    guard = RequestGuard()
    context = browser.new_context(viewport={"width": 1200, "height": 800}, reduced_motion="reduce")
    context.route("**/*", guard)
    page = context.new_page()
    try:
        with serve(host) as base:
            page.goto(f"{base}/index.html")
            page.wait_for_function(FITS, arg=selector, timeout=30_000)
            frame = frame_of(page, selector)
            assert frame.evaluate("storymap.step") == 0
            assert frame.evaluate("document.documentElement.dataset.layout") == "scroll"  # the export's own
            first = height(page, selector)  # the title card and step 1

            # Every step: the frame is as tall as the page, which changes with the step's text.
            heights = {}
            for step in (1, 5, 16):
                frame.evaluate(f"storymap.goTo({step})")
                frame.wait_for_function(f"storymap.step === {step}")
                page.wait_for_function(FITS, arg=selector)
                heights[step] = height(page, selector)
            assert len({first, *heights.values()}) > 1, heights
            assert page.evaluate("window.scrollY") == 0  # the host did not scroll

            # The reader's window narrows to a phone's: the map stacks above the text.
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_function(
                "(s) => document.querySelector(s).contentWindow.innerWidth <= 390", arg=selector
            )
            page.wait_for_function(FITS, arg=selector)
            phone = height(page, selector)
            assert phone != heights[16], (phone, heights)
            stage = frame.evaluate("document.getElementById('sm-stage').getBoundingClientRect().toJSON()")
            story = frame.evaluate("document.getElementById('sm-story').getBoundingClientRect().toJSON()")
            assert stage["bottom"] <= story["top"] + 1 and stage["height"] >= 220

            # And back: the frame shrinks again.
            page.set_viewport_size({"width": 1200, "height": 800})
            page.wait_for_function(FITS, arg=selector)
            assert height(page, selector) == heights[16]
    finally:
        context.close()
    assert guard.outside == []


def test_without_a_host_the_page_does_not_resize_or_change_layout(browser, host) -> None:
    """A plain iframe (no #embed, nobody listening) keeps the export's scroll layout."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    try:
        with serve(host) as base:
            page.set_content(
                f'<iframe src="{base}/story.html" title="Story" style="width: 900px; height: 600px"></iframe>'
            )
            frame = frame_of(page, "iframe")
            frame.wait_for_function("window.storymap && window.storymap.map")
            assert frame.evaluate("document.documentElement.classList.contains('sm-fit')") is False
            assert frame.evaluate("document.documentElement.scrollHeight") > 2000
    finally:
        context.close()


STREAMLIT_HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A CMS article</title></head>
<body style="margin: 0">
<h1>A CMS article</h1>
<div id="tour" data-frame-src="{src}" data-frame-attribute-title="Story map"></div>
<p>Text after the embed.</p>
<script src="frames.umd.js"></script>
<script>newswireFrames.autoInitFrames();</script>
</body></html>
"""


def test_the_tour_in_embed_mode_tells_the_host_its_height(browser, host, tmp_path) -> None:
    """?mode=embed of the Streamlit tour speaks the same protocol: the frame follows its content."""
    project = copy_project(tmp_path / "project", stories=[STORY])
    guard = RequestGuard()
    context = browser.new_context(viewport={"width": 900, "height": 700}, reduced_motion="reduce")
    context.route("**/*", guard)
    page = context.new_page()
    try:
        with streamlit_server(project / "stories") as app, serve(host) as base:
            (host / "tour.html").write_text(
                STREAMLIT_HOST.format(src=f"{app}/?story=russia-iran&mode=embed"), encoding="utf-8"
            )
            page.goto(f"{base}/tour.html")
            frame = frame_of(page, "#tour iframe")
            wait_for_app(frame)
            # The frame's height attribute (set by the package) is the app's content height.
            fits = """() => {
                const content = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect().bottom;
                return Math.abs(window.innerHeight - Math.ceil(content)) <= 1;
            }"""
            frame.wait_for_function(fits, timeout=30_000)
            first = height(page, "#tour iframe")
            assert first > 400
            frame.evaluate("storymap.goTo(13)")  # a longer step: a taller page
            wait_for_step(frame, 13)
            frame.wait_for_function(fits, timeout=30_000)
            later = height(page, "#tour iframe")
            assert later != first
            assert overflowing(frame) == 0
    finally:
        context.close()
    assert guard.outside == []


def overflowing(frame) -> int:
    """Scroll containers in the app whose content overflows them (0: nothing scrolls inside the frame)."""
    return frame.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], html')]
            .filter((n) => n.scrollHeight > n.clientHeight + 1).length"""
    )
