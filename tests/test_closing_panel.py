"""The closing section after the last step, and the text panel's side, in the export and the tour."""

from __future__ import annotations

import shutil

from streamlit.testing.v1 import AppTest

from app.export import render_page
from app.validate import check_story
from tests.support import ROOT

CASE = ROOT / "tests" / "cases" / "stories" / "closing_and_panel_valid.md"


def test_the_export_shows_the_closing_section_after_the_steps_and_the_panel_at_the_end():
    checked = check_story(CASE)
    assert checked.story is not None and checked.story.closing is not None
    assert [s.id for s in checked.story.steps] == ["first"]  # the closing section is not a step
    html = render_page(checked).html
    assert 'class="sm-page sm-layout-scroll sm-panel-end"' in html
    last_step, closing, credits = (
        html.index(m) for m in ('id="sm-step-first"', 'id="sm-closing"', 'id="sm-credits"')
    )
    assert last_step < closing < credits
    assert "<strong>Corrections:</strong> none so far." in html
    assert 'class="sm-page sm-layout-scroll" ' in render_page(check_story(ROOT / "stories" / "demo.md")).html


def test_the_tour_shows_the_closing_section_under_the_last_step(tmp_path, monkeypatch):
    (tmp_path / "stories").mkdir()
    shutil.copytree(ROOT / "tests" / "cases" / "geodata", tmp_path / "geodata")
    shutil.copy(CASE, tmp_path / "stories" / "closing.md")
    monkeypatch.setenv("STORYMAP_STORIES", str(tmp_path / "stories"))
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.query_params["story"] = "closing"
    at.run()
    assert not at.exception
    cards = [h.value for h in at.html if "sm-step" in h.value]
    assert any('id="sm-closing"' in card and "About this story" in card for card in cards)
