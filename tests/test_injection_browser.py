"""Hostile author input and URL parameters never run script, in the tour or the export.

``tests/cases/injection/`` holds a story whose every text field, and whose GeoJSON
properties, carry script payloads (script tags, ``onerror=``, ``javascript:`` and ``data:``
links, SVG ``onload``, ``</script>`` inside strings, template syntax). Each page gets a
``canary()`` in every frame before any of its scripts run; the test then steps through the
story, opens every tooltip and popup, checks every link, and asserts that the canary was
never called.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from tests.support import (
    ROOT,
    RequestGuard,
    exported,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

CASE = ROOT / "tests" / "cases" / "injection"
# The URLs of the Markdown images and links in the story's plain-text fields (title, subtitle,
# byline, headings, legend labels, source titles).
MARKDOWN_IN_PLAIN_TEXT = "example.org/md-"
CANARY = """
window.__canary = [];
window.canary = function (where) { (window.top || window).__canary.push(String(where)); window.__canary.push(String(where)); };
window.alert = function (x) { window.canary('alert:' + x); };
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(CASE / "stories", root / "stories")
    shutil.copytree(CASE / "geodata", root / "geodata")
    return root


def canary_calls(page) -> list[str]:
    calls: list[str] = []
    for frame in page.frames:
        with contextlib.suppress(playwright_api.Error):
            calls += frame.evaluate("window.__canary || []")
    return calls


def poke_everything(page, frame) -> None:
    """Open every tooltip and popup in ``frame``; no link or source may carry a script URL."""
    frame.evaluate(
        """() => {
          const api = window.storymap && window.storymap.layers ? window.storymap : null;
          if (!api) return;
          Object.values(api.layers).forEach(layer => layer.eachLayer(child => {
            if (child.openTooltip) child.openTooltip();
            if (child.openPopup) child.openPopup();
          }));
        }"""
    )
    hrefs = frame.evaluate(
        "[...document.querySelectorAll('a[href], [src]')].map(a => a.getAttribute('href') || a.getAttribute('src'))"
    )
    for href in hrefs:
        assert not href.strip().lower().startswith(("javascript:", "vbscript:", "data:text")), href
        # Titles, headings, labels and source titles are plain text: their Markdown stays text.
        assert MARKDOWN_IN_PLAIN_TEXT not in href, href


def assert_plain_text_shown_as_text(frame) -> None:
    """The Markdown in plain-text fields is shown literally (so the reader sees what was written)."""
    text = frame.evaluate("document.body.innerText")
    assert "![x](http://example.org/md-" in text


def test_hostile_story_cannot_run_script_in_the_export(browser, project, tmp_path):
    out = tmp_path / "hostile.html"
    exported(project / "stories" / "hostile.md", out)
    context = browser.new_context(reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    context.add_init_script(CANARY)
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialog.dismiss(), pytest.fail(f"dialog opened: {dialog.message}")))
    page.goto(out.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    for index in range(page.evaluate("storymap.steps")):
        page.evaluate(f"storymap.goTo({index})")
        poke_everything(page, page.main_frame)
    assert_plain_text_shown_as_text(page.main_frame)
    assert canary_calls(page) == []
    assert guard.outside == []
    context.close()


def test_hostile_story_and_url_parameters_cannot_run_script_in_the_tour(browser, project):
    with streamlit_server(project / "stories") as url:
        context = browser.new_context(reduced_motion="reduce")
        guard = RequestGuard()
        context.route("**/*", guard)
        context.add_init_script(CANARY)
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialog.dismiss(), pytest.fail(f"dialog opened: {dialog.message}")))
        page.goto(f"{url}/?story=hostile&step=1")
        wait_for_app(page)
        frame = page.frame_locator("iframe[data-testid=storymap-frame]")
        assert frame is not None
        map_frame = next(f for f in page.frames if f != page.main_frame and f.evaluate("!!window.storymap"))
        for index in range(page.evaluate("storymap.steps")):
            page.evaluate(f"storymap.goTo({index})")
            wait_for_step(page, index)
            poke_everything(page, map_frame)
            poke_everything(page, page.main_frame)
            assert_plain_text_shown_as_text(page.main_frame)
        assert "![x](http://example.org/md-layer.png)" in map_frame.evaluate("document.body.innerText")
        # The list of stories shows the title as text, too.
        link = page.get_by_role("navigation", name="Stories").get_by_role(
            "link", name="md-title", exact=False
        )
        assert "![x](http://example.org/md-title.png)" in link.first.inner_text()
        poke_everything(page, page.main_frame)
        assert guard.outside == [], f"{len(guard.outside)} outside requests: {sorted(set(guard.outside))}"
        # hostile URL parameters
        for query in (
            "story=<script>canary('q1')</script>",
            "story=hostile&step=<img src=x onerror=canary('q2')>",
            "story=hostile&mode=<svg onload=canary('q3')>",
            "story=hostile&step=javascript:canary('q4')",
        ):
            page.goto(f"{url}/?{query}")
            page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
            page.wait_for_function("window.storymap && window.storymap.ready === true")
        assert canary_calls(page) == []
        assert guard.outside == []
        assert "Traceback" not in page.content()
        context.close()
