"""Author mode in a real Streamlit server and a real Chromium: saves show on the live map.

The story and its layer are copies in a throwaway project; the test edits them while the page
is open. Markers set in the page and in the map frame, and a property stashed on the
``L.Map``, prove that no save reloads the page, remounts the frame or rebuilds the map.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support import ROOT, RequestGuard, copy_project, streamlit_server, wait_for_app
from tests.test_author import SLUG, STEPS, story_text

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

MAX_SHOW_S = 3.0  # generous for a loaded test machine; the README reports the measured figure


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("author"), stories=[])
    (root / "geodata" / "draft-places.geojson").write_bytes(
        (ROOT / "geodata" / "demo-places.geojson").read_bytes()
    )
    (root / "stories" / f"{SLUG}.md").write_text(story_text(), encoding="utf-8")
    return root


def save(path: Path, text: str) -> float:
    """Write ``text`` and return when (perf_counter) it was written."""
    path.write_text(text, encoding="utf-8")
    return time.perf_counter()


def frame_eval(page, script: str):
    """Evaluate ``script`` (an expression) in the map frame's window."""
    return page.evaluate(f"(() => {{ const w = storymap.frame.contentWindow; return {script}; }})()")


def same_page_frame_and_map(page) -> None:
    assert page.evaluate("window.__marker") == "page", "the page was reloaded"
    assert frame_eval(page, "w.__marker") == "frame", "the map frame was remounted"
    assert frame_eval(page, "w.storymap.map.__stash") == "same-map", "the map was rebuilt"
    assert page.locator("iframe[data-testid=storymap-frame]").count() == 1


def wait_for_title(page, title: str) -> None:
    """The step card's title (Streamlit renders it in the same run that moves the map)."""
    page.wait_for_function(
        "(t) => (document.querySelector('[data-testid=storymap-step-title]') || {}).textContent === t",
        arg=title,
    )


def wait_for_text(page, text: str, started: float) -> float:
    page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text, timeout=30_000)
    return time.perf_counter() - started


def test_saves_show_on_the_live_map_on_the_step_being_edited(browser, project):
    story = project / "stories" / f"{SLUG}.md"
    layer = project / "geodata" / "draft-places.geojson"
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with streamlit_server(project / "stories") as url:
        page.goto(f"{url}/?story={SLUG}&mode=author&step=2")
        wait_for_app(page)
        assert page.evaluate("storymap.step") == 1
        assert frame_eval(page, "w.storymap.config.author") is True  # the document knows its mode
        page.evaluate("window.__marker = 'page'")
        frame_eval(page, "(w.__marker = 'frame', w.storymap.map.__stash = 'same-map')")
        status = page.get_by_test_id("storymap-author-status")
        assert "Watching draft.md" in status.inner_text()

        # 1. A step's text, while the reader is on another step: the page moves to the edited step.
        edited = dict(STEPS, both=("Both", "Both text, edited.", STEPS["both"][2]))
        took = wait_for_text(page, "Both text, edited.", save(story, story_text(edited)))
        page.wait_for_function("storymap.step === 2")
        assert took < MAX_SHOW_S, took
        same_page_frame_and_map(page)

        # 2. A step's map block: the map goes to that step and shows the new view.
        page.evaluate("storymap.goTo(1)")
        page.wait_for_function("storymap.step === 1")
        before = page.evaluate("storymap.map.getZoom()")
        page.evaluate("storymap.goTo(2)")
        page.wait_for_function("storymap.step === 2")
        edited["berlin"] = ("Berlin", "Berlin text.", STEPS["berlin"][2].replace("zoom: 5", "zoom: 6.5"))
        save(story, story_text(edited))
        page.wait_for_function(
            "storymap.step === 1 && storymap.frame.contentWindow.storymap.config.steps[1].view.zoom === 6.5"
        )
        # The view is an area; a map narrower than the reference shows it a little farther out.
        page.wait_for_function("(z) => storymap.map.getZoom() > z + 1", arg=before)
        wait_for_title(page, "Berlin")
        same_page_frame_and_map(page)

        # 3. A layer file: a renamed feature and a new one appear, on the same step.
        data = json.loads(layer.read_text(encoding="utf-8"))
        berlin = next(f for f in data["features"] if f["properties"]["id"] == "berlin")
        berlin["properties"]["name"] = "Berlin (edited)"
        vienna = json.loads(json.dumps(berlin))
        vienna["id"] = vienna["properties"]["id"] = "vienna"
        vienna["properties"]["name"] = "Vienna"
        vienna["geometry"]["coordinates"] = [16.37, 48.21]
        data["features"].append(vienna)
        layer.write_text(json.dumps(data), encoding="utf-8")
        page.frame_locator("iframe.sm-frame").locator(".sm-label", has_text="Berlin (edited)").wait_for()
        assert frame_eval(page, "w.storymap.layers.places.getLayers().length") == len(data["features"])
        assert page.evaluate("storymap.step") == 1
        same_page_frame_and_map(page)

        # 4. A broken save: an unknown layer. The problem is listed with file:line and links to
        # its step; the last good map and text stay.
        good = story_text(edited)
        broken = good.replace("ids: [berlin]}\nlayers: [places]", "ids: [berlin]}\nlayers: [placez]")
        assert broken != good
        line = broken.splitlines().index("layers: [placez]") + 1
        save(story, broken)
        problem = page.get_by_test_id("storymap-problem").filter(has_text='unknown layer "placez"')
        problem.wait_for()
        assert f"draft.md:{line} " in problem.inner_text()
        assert "last version that worked" in status.inner_text()
        assert page.evaluate("storymap.visibleLayers()") == ["places"]
        assert page.locator("[data-testid=storymap-step-title]").inner_text() == "Berlin"
        page.evaluate("storymap.goTo(0)")
        page.wait_for_function("storymap.step === 0")
        problem.get_by_role("button", name="Go to step 2").click()
        page.wait_for_function("storymap.step === 1")
        wait_for_title(page, "Berlin")
        same_page_frame_and_map(page)

        # 5. Fixing it recovers by itself.
        save(story, good)
        page.wait_for_function("!document.querySelector('[data-testid=storymap-problem]')")
        assert "Watching draft.md" in status.inner_text()

        # 6. A YAML error, then a layer file deleted mid-save: each listed, each recovered from.
        save(story, good.replace('title: "A draft"', 'title: "A draft'))
        page.get_by_test_id("storymap-problem").first.wait_for()
        assert "draft.md:" in page.get_by_test_id("storymap-problem").first.inner_text()
        save(story, good)
        page.wait_for_function("!document.querySelector('[data-testid=storymap-problem]')")
        kept = layer.read_bytes()
        layer.unlink()
        page.get_by_test_id("storymap-problem").first.wait_for()
        assert "file not found" in page.get_by_test_id("storymap-problem").first.inner_text()
        assert frame_eval(page, "w.storymap.layers.places.getLayers().length") == len(data["features"])
        layer.write_bytes(kept)
        page.wait_for_function("!document.querySelector('[data-testid=storymap-problem]')")
        same_page_frame_and_map(page)

        # 7. A layer new in the front matter, shown by a step, then taken out again.
        more = good.replace(
            "sources:\n  notes:",
            "  more:\n    source: ../geodata/draft-places.geojson\n    label: More\nsources:\n  notes:",
            1,
        )
        last = more.rindex("layers: [places]")
        more = more[:last] + "layers: [places, more]" + more[last + len("layers: [places]") :]
        save(story, more)
        page.wait_for_function(
            "storymap.step === 2 && storymap.visibleLayers().sort().join() === 'more,places'"
        )
        assert frame_eval(page, "w.storymap.layers.more.getLayers().length") == len(data["features"])
        save(story, good)
        page.wait_for_function("storymap.visibleLayers().join() === 'places'")
        assert frame_eval(page, "'more' in w.storymap.layers") is False
        same_page_frame_and_map(page)
        assert page.locator("text=Traceback").count() == 0

    assert errors == []
    assert guard.outside == []
    context.close()


@pytest.mark.parametrize(
    ("width", "height", "scheme"),
    [(1280, 800, "light"), (390, 844, "light"), (1280, 800, "dark")],
    ids=["desktop", "phone", "desktop-dark"],
)
def test_author_mode_with_problems_has_no_axe_violations(browser, tmp_path, width, height, scheme):
    axe = pytest.importorskip("tests.test_accessibility_browser")  # skips without axe-core
    root = copy_project(tmp_path, stories=[])
    (root / "geodata" / "draft-places.geojson").write_bytes(
        (ROOT / "geodata" / "demo-places.geojson").read_bytes()
    )
    story = root / "stories" / f"{SLUG}.md"
    story.write_text(story_text(), encoding="utf-8")
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce", color_scheme=scheme
    )
    context.route("**/*", RequestGuard())
    page = context.new_page()
    with streamlit_server(root / "stories") as url:
        page.goto(f"{url}/?story={SLUG}&mode=author")
        wait_for_app(page)
        save(story, story_text().replace("layers: [places]", "layers: [placez]", 1))
        page.get_by_test_id("storymap-problem").first.wait_for()
        frame = page.locator("iframe[data-testid=storymap-frame]").element_handle().content_frame()
        found = {"page": axe.violations(page), "map frame": axe.violations(frame)}
    context.close()
    assert found == {"page": [], "map frame": []}
