"""axe-core (npm) finds no WCAG 2.0/2.1/2.2 A or AA violation in any reader's view.

The export's scroll and slides layouts, and the tour, presentation and embed modes, at desktop
and phone sizes, on the first step and on a step in the middle (where the scroll layout dims
the cards that are not current). axe runs in the page and, for the tour, in the map's frame.
"""

from __future__ import annotations

import json
import subprocess
import sys
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

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
STORY = ROOT / "stories" / "russia-iran.md"
MIDDLE = 8  # step 9: zones, a legend with four categories, a highlighted place

if not AXE.exists():
    pytest.skip("axe-core is not installed (npm ci)", allow_module_level=True)


def violations(frame) -> list[str]:
    """axe's violations in ``frame`` (a Playwright page or frame), one readable line each."""
    frame.evaluate(AXE.read_text(encoding="utf-8"))
    result = frame.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            json.dumps(n["target"]) + (f" {n['any'][0]['message']}" if n.get("any") else "")
            for n in v["nodes"][:4]
        )
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("a11y")
    pages = {}
    for layout in ("scroll", "slides"):
        page = out / f"{layout}.html"
        exported(STORY, page, "--layout", layout)
        pages[layout] = page
    return pages


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("layout", "width", "height"),
    [("scroll", 1280, 800), ("scroll", 390, 844), ("slides", 1280, 720), ("slides", 390, 844)],
    ids=lambda v: str(v),
)
def test_the_export_has_no_violations(browser, exports, layout, width, height, scheme):
    """In the reader's colour scheme (prefers-color-scheme): dark repaints the page and the map."""
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(exports[layout].as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    paper = {"light": "rgb(251, 250, 246)", "dark": "rgb(23, 24, 26)"}[scheme]
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == paper
    found = {}
    for step in (0, MIDDLE):
        page.evaluate(f"storymap.goTo({step})")
        page.wait_for_timeout(100)
        found[step + 1] = violations(page)
    context.close()
    assert found == {1: [], MIDDLE + 1: []}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("a11y-tour"))
    # The demo story in Persian, right to left: the tour's own words follow the story.
    demo = (project / "stories" / "demo.md").read_text(encoding="utf-8")
    persian = demo.replace("\nlang: en\ndir: ltr\n", "\nlang: fa\ndir: rtl\n")
    assert "lang: fa" in persian
    (project / "stories" / "demo-fa.md").write_text(persian, encoding="utf-8")
    with streamlit_server(project / "stories") as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("mode", "width", "height"),
    [("tour", 1280, 800), ("tour", 390, 844), ("present", 1280, 720), ("embed", 800, 600)],
    ids=lambda v: str(v),
)
def test_the_tour_has_no_violations(browser, server, mode, width, height, scheme):
    """In the reader's colour scheme: Streamlit's page, our styles and the map all follow it."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce", color_scheme=scheme
    )
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.goto(f"{server}/?story=russia-iran&mode={mode}")
    wait_for_app(page)
    paper = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    channels = [int(v) for v in paper[paper.index("(") + 1 : -1].split(",")[:3]]
    assert (max(channels) < 60) if scheme == "dark" else (min(channels) > 240), paper
    page.evaluate(f"storymap.goTo({MIDDLE})")
    wait_for_step(page, MIDDLE)
    frame = page.locator("iframe[data-testid=storymap-frame]").element_handle().content_frame()
    found = {"page": violations(page), "map frame": violations(frame)}
    context.close()
    assert found == {"page": [], "map frame": []}


def test_the_static_site_index_has_no_violations(browser, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "build",
            str(ROOT / "stories"),
            "--out",
            str(tmp_path / "site"),
            "--no-share-images",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.goto((tmp_path / "site" / "index.html").as_uri())
    found = violations(page)
    context.close()
    assert found == []


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=lambda v: str(v))
def test_a_right_to_left_tour_speaks_its_language_with_no_violations(browser, server, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, reduced_motion="reduce")
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.goto(f"{server}/?story=demo-fa")
    wait_for_app(page)
    page.get_by_role("button", name="گام بعدی").click()  # "Next step"
    page.wait_for_function(  # the map and the step's card (its progress line is in Persian)
        "() => storymap.step === 1 && document.querySelector('section.sm-step[data-step=\"1\"]')"
    )
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
    assert page.evaluate("document.querySelector('.sm-nav').closest('[dir]').dir") == "rtl"
    assert page.get_by_role("navigation", name="گام‌ها").count() == 1  # the list of steps
    frame = page.locator("iframe[data-testid=storymap-frame]").element_handle().content_frame()
    found = {"page": violations(page), "map frame": violations(frame)}
    context.close()
    assert found == {"page": [], "map frame": []}
