"""Interface strings follow the story's language (en, fr, de, es, ar, fa, ru), English otherwise."""

from __future__ import annotations

import pytest

from app.export import render_page
from app.i18n import ENGLISH, STRINGS, strings
from app.markup import step_card
from app.validate import check_story
from tests.support import ROOT, copy_project


def test_every_language_has_every_string_with_the_same_placeholders():
    for lang, table in STRINGS.items():
        assert set(table) == set(ENGLISH), lang
        for key, text in table.items():
            names = (
                "{n}",
                "{total}",
                "{date}",
                "{title}",
                "{place}",
                "{lat}",
                "{lon}",
                "{what}",
                "{layers}",
                "{names}",
            )
            fields = {name for name in names if name in ENGLISH[key]}
            assert {name for name in fields if name in text} == fields, (lang, key)


@pytest.mark.parametrize(
    ("lang", "expected"), [("fr-CA", "Étape précédente"), ("pt", "Previous step"), ("FA", "گام قبلی")]
)
def test_a_language_tag_picks_its_primary_language_or_english(lang, expected):
    assert strings(lang)["previous_step"] == expected


@pytest.fixture
def persian(tmp_path):
    root = copy_project(tmp_path, stories=[ROOT / "stories" / "demo.md"])
    story = root / "stories" / "demo.md"
    text = story.read_text(encoding="utf-8").replace("lang: en\ndir: ltr", "lang: fa\ndir: rtl")
    story.write_text(text, encoding="utf-8")
    checked = check_story(story)
    assert checked.story is not None, checked.errors
    return checked


def test_the_export_and_the_tour_card_speak_the_story_s_language(persian):
    page = render_page(persian).html
    for key in ("previous_step", "next_step", "credits", "all_sources", "scroll_hint", "noscript"):
        assert strings("fa")[key] in page, key
    assert "گام 1 از 2" in page and 'data-announce="گام {n} از {total}: {title}"' in page
    legend = strings("fa")["legend"]  # the map's own labels, in the controller's config (JSON in a JS string)
    assert f'\\"legend\\":\\"{legend}\\"' in page
    assert "Previous step" not in page and "Step 1 of 2" not in page
    card = str(step_card(persian.story, 1))
    assert "گام 2 از 2" in card and "تا تاریخ" in card and 'dir="rtl"' in card


def test_every_step_has_a_description_of_its_map_for_screen_readers():
    from app.mapview import build_map
    from app.validate import load_story

    _, config = build_map(load_story(ROOT / "stories" / "russia-iran.md"))
    first = config["steps"][0]["description"]
    assert first == "The map is centred near Tehran. Layers shown: Places in the story. Highlighted: Tehran."
    assert all(step["description"] for step in config["steps"])


def test_the_description_is_in_the_story_s_language(persian):
    from app.mapview import build_map

    _, config = build_map(persian)
    assert config["steps"][1]["description"].startswith("نقشه ")  # a fit: "نقشه … را نشان می‌دهد."
