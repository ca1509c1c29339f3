"""Share images: a PNG of a chosen step, taken in Chromium at export time, named by the social cards."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.shots import Renderer
from tests.support import ROOT, copy_project, exported

pytestmark = pytest.mark.browser

STORY = ROOT / "stories" / "russia-iran.md"
DEMO = ROOT / "stories" / "demo.md"


def picture(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=float)


def test_export_writes_the_share_image_of_the_chosen_step(tmp_path) -> None:
    out = exported(
        STORY,
        tmp_path / "story.html",
        "--share-image",
        "tehran-summit",
        "--url",
        "https://news.example.org/x/",
    )
    image = tmp_path / "story.share.png"
    assert Image.open(image).size == (1200, 630) and Image.open(image).format == "PNG"
    pixels = picture(image)
    assert pixels.std() > 20  # not blank: text, land, sea and markers
    # The map side (right of the card column) holds land and sea, not one flat colour.
    assert pixels[:, 500:].std() > 10
    page = out.read_text(encoding="utf-8")
    assert '<meta property="og:image" content="https://news.example.org/x/story.share.png">' in page
    assert '<meta name="twitter:image" content="https://news.example.org/x/story.share.png">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    embed = json.loads((tmp_path / "story.oembed.json").read_text(encoding="utf-8"))
    assert embed["thumbnail_url"] == "https://news.example.org/x/story.share.png"


def test_each_step_makes_its_own_picture_and_nothing_is_fetched(tmp_path) -> None:
    page = exported(STORY, tmp_path / "story.html")
    with Renderer() as renderer:
        first = renderer.share_image(page, 0)
        later = renderer.share_image(page, 8)
    assert renderer.blocked == []
    a = np.asarray(Image.open(io.BytesIO(first)).convert("RGB"), dtype=float)
    b = np.asarray(Image.open(io.BytesIO(later)).convert("RGB"), dtype=float)
    assert np.abs(a - b).mean() > 5  # another card and another view


# A worker that never answers: the page then writes its dates only after its 3 s wait.
SILENT_WORKER = (
    "window.Worker = function () { this.postMessage = function () {}; this.terminate = function () {}; };"
)


def test_a_picture_shows_the_dates_in_the_storys_language_without_waiting_for_the_worker(tmp_path) -> None:
    page = exported(STORY, tmp_path / "story.html")
    with Renderer() as renderer:
        new_context = renderer._browser.new_context

        def with_silent_worker(**options):
            context = new_context(**options)
            context.add_init_script(SILENT_WORKER)
            return context

        renderer._browser.new_context = with_silent_worker
        with renderer.opened(page, (1200, 630)) as tab:
            left = tab.evaluate(
                "() => document.querySelectorAll('time[datetime]:not([data-sm-localized])').length"
            )
            byline = tab.evaluate(
                "() => document.querySelector('[data-testid=storymap-header] time').textContent"
            )
    assert left == 0
    assert byline.split()[0].isalpha()  # "December 2, 2026" (Intl's en), not the server's "2 December 2026"


def test_a_bad_step_or_a_missing_chromium_is_one_clear_line(tmp_path) -> None:
    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "export", str(STORY), "--out", str(tmp_path / "s.html"), *args],
            cwd=ROOT,
            env={**os.environ, "NO_COLOR": "1", **env},
            capture_output=True,
            text=True,
        )

    bad = run("--share-image", "99")
    assert bad.returncode == 2 and "number from 1 to 18" in bad.stderr and "Traceback" not in bad.stderr
    missing = run("--share-image", STORYMAP_CHROMIUM="/nonexistent/chromium")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "no Chromium at /nonexistent/chromium: install it (apt-get install chromium)" in missing.stderr
    assert not (tmp_path / "s.share.png").exists()


def test_build_writes_every_story_share_image_unless_told_not_to(tmp_path) -> None:
    project = copy_project(tmp_path / "project", stories=[ROOT / "stories" / "demo.md"])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    args = [sys.executable, "-m", "app", "build", "stories", "--url", "https://example.org/maps"]
    built = subprocess.run([*args, "--out", "site"], cwd=project, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    image = project / "site" / "demo" / "index.share.png"
    assert Image.open(image).size == (1200, 630) and picture(image).std() > 20
    page = (project / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    assert 'content="https://example.org/maps/demo/index.share.png"' in page
    plain = subprocess.run(
        [*args, "--out", "plain", "--no-share-images"], cwd=project, env=env, capture_output=True, text=True
    )
    assert plain.returncode == 0, plain.stderr
    assert not list((project / "plain").rglob("*.png"))
    assert "og:image" not in (project / "plain" / "demo" / "index.html").read_text(encoding="utf-8")


def test_a_page_with_separate_assets_is_pictured_from_its_own_files(tmp_path) -> None:
    exported(DEMO, tmp_path / "page" / "story.html", "--assets", str(tmp_path / "assets"), "--share-image")
    image = tmp_path / "page" / "story.share.png"
    assert Image.open(image).size == (1200, 630) and picture(image)[:, 500:].std() > 10
