"""One HTML path: the tour's step card and header are the export's, from the same templates."""

from __future__ import annotations

import pytest

from app import markup
from app.export import render_page
from app.validate import check_story
from tests.test_export import make_project


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    result = check_story(make_project(tmp_path_factory.mktemp("markup")))
    assert not result.errors, result.errors
    return result


def _lone_card_attributes_removed(card: str) -> str:
    """The tour's card adds only what a card on its own needs: announcing, language, direction."""
    return card.replace(' aria-live="polite" aria-atomic="true"', "").replace(' lang="en" dir="ltr"', "")


def test_the_tour_card_is_the_export_card(checked):
    story = checked.story
    page = render_page(checked).html
    for index in range(len(story.steps)):
        card = str(markup.step_card(story, index, live=True))
        assert 'aria-live="polite"' in card and 'lang="en" dir="ltr"' in card
        assert _lone_card_attributes_removed(card) in page


def test_the_card_shows_authors_and_dates_for_readers(checked):
    card = str(markup.step_card(checked.story, 0))
    assert '<span class="sm-source-author">B. Author</span>' in card
    assert '<time datetime="2024-04-30">30 April 2024</time>' in card  # the source's date
    assert 'As of <time datetime="2024-04-01">1 April 2024</time>' in card


def test_the_tour_header_is_the_export_title_card(checked):
    header = str(markup.story_header(checked.story))
    page = render_page(checked).html
    for part in ('<h1 class="sm-title">', '<p class="sm-subtitle">', '<p class="sm-byline">'):
        line = next(x for x in header.splitlines() if part in x)
        assert line.strip() in page


def test_plain_author_text_is_escaped_and_markdown_in_it_stays_text(checked):
    story = checked.story
    meta = story.meta.model_copy(update={"title": "![x](http://example.org/t.png) <b>bold</b>"})
    first = story.steps[0].model_copy(update={"title": "[x](http://example.org/l) <img src=x>"})
    story = story.model_copy(update={"meta": meta, "steps": [first, *story.steps[1:]]})
    header = str(markup.story_header(story))
    card = str(markup.step_card(story, 0))
    assert "![x](http://example.org/t.png) &lt;b&gt;bold&lt;/b&gt;" in header
    assert "[x](http://example.org/l) &lt;img src=x&gt;" in card
    assert "<img" not in header + card.split("storymap-step-body")[0]
