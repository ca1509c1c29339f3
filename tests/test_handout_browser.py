"""The print handout: Chromium prints it (page.pdf) as the header, one page per step with its map
and text, then the closing section and credits; pypdf reads the pages back."""

from __future__ import annotations

import base64
import io
import re
import unicodedata

import numpy as np
import pypdf
import pytest
from PIL import Image

from app.validate import check_story
from tests.support import ROOT, exported

pytestmark = pytest.mark.browser

STORY = ROOT / "stories" / "russia-iran.md"
DEMO = ROOT / "stories" / "demo.md"


def printed(browser, path) -> list[str]:
    """The text of each page Chromium prints of ``path`` (A4, as the handout's @page asks)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(path.as_uri())
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    context.close()
    # NFKC: the PDF's ligatures (ﬀ, ﬁ) read as the letters they join.
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def titles(story) -> list[str]:
    return [step.title for step in check_story(story).story.steps]


def test_a_short_story_prints_one_page_per_step_between_header_and_credits(browser, tmp_path) -> None:
    exported(DEMO, tmp_path / "demo.html", "--handout")
    handout = tmp_path / "demo.handout.html"
    pages = printed(browser, handout)
    steps = titles(DEMO)
    assert len(pages) == len(steps) + 2, [p[:60] for p in pages]
    assert "Demo" in pages[0] and "STEP 1 OF" not in pages[0]
    for n, title in enumerate(steps, start=1):
        assert f"STEP {n} OF {len(steps)}" in pages[n] and title in pages[n], pages[n][:200]
    assert "Credits" in pages[-1]


def test_the_flagship_handout_starts_every_step_on_its_own_page_with_its_map(browser, tmp_path) -> None:
    exported(STORY, tmp_path / "story.html", "--handout")
    handout = tmp_path / "story.handout.html"
    html = handout.read_text(encoding="utf-8")
    assert "<script" not in html  # nothing moves on paper
    maps = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', html)
    steps = titles(STORY)
    assert len(maps) == len(steps) and all(alt for _, alt in maps)  # each map described in words
    pictures = [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"), float) for data, _ in maps
    ]
    assert all(p.shape == (860, 1520, 3) and p.std() > 15 for p in pictures)  # 760×430 CSS px at 2×
    assert np.abs(pictures[0] - pictures[8]).mean() > 5  # each step's own view
    pages = printed(browser, handout)
    starts = [i for i, text in enumerate(pages) if re.match(r"\s*STEP \d+ OF", text)]
    assert len(starts) == len(steps)
    for n, (at, title) in enumerate(zip(starts, steps, strict=True), start=1):
        assert pages[at].lstrip().startswith(f"STEP {n} OF {len(steps)}") and title in pages[at]
    assert starts[0] == 1 and "Russia and Iran: allies of convenience" in pages[0]
    assert any("Credits" in text for text in pages[starts[-1] + 1 :])
