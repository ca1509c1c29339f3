"""The tour's logic without a browser: URL parameters, story listing, and the shell (AppTest)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app import tour
from app.i18n import strings
from tests.support import ROOT, copy_project

IDS = ["intro", "bushehr", "closing"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, 0),
        ("1", 0),
        ("2", 1),
        ("3", 2),
        ("99", 2),
        ("0", 0),
        ("bushehr", 1),
        ("nope", 0),
        ("-1", 0),
        ("<script>", 0),
    ],
)
def test_resolve_step_accepts_numbers_from_one_and_ids(value, expected):
    assert tour.resolve_step(value, IDS) == expected


@pytest.mark.parametrize("value", ["../../etc/passwd", "a/b", "..", "x.md", "", " ", "A" * 200])
def test_safe_slug_refuses_paths(value):
    assert tour.safe_slug(value) is None


def test_parse_mode_defaults_to_tour():
    assert tour.parse_mode("present") == "present"
    assert tour.parse_mode("embed") == "embed"
    assert tour.parse_mode("admin") == "tour"
    assert tour.parse_mode(None) == "tour"


@pytest.fixture(scope="module")
def stories(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("apptest"))
    (root / "stories" / "broken.md").write_text("---\ntitle: x\n---\n\nno steps\n", encoding="utf-8")
    return root / "stories"


def app(stories, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("STORYMAP_STORIES", str(stories))
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _step_param(at: AppTest) -> str:
    return str(at.query_params["step"]).strip("[]'")


def _card(at: AppTest) -> str:
    """The step card's HTML (shown with st.html, which reads no Markdown)."""
    return next(h.value for h in at.html if "storymap-step-title" in h.value)


def _component_data(at: AppTest, key: str) -> dict:
    element = next(e for e in at.get("bidi_component") if e.proto.id.endswith(f"-{key}"))
    return json.loads(element.proto.json)


def test_apptest_deep_link_selects_step_and_the_step_list_carries_the_titles(stories, monkeypatch):
    at = app(stories, monkeypatch, story="demo", step="zoom-in")
    assert not at.exception
    assert _step_param(at) == "2"
    assert '<h2 id="sm-h-1" data-testid="storymap-step-title">Zoom in</h2>' in _card(at)
    assert "Step 2 of 2" in _card(at)
    assert _component_data(at, "map:demo")["initial"] == 1
    steps = _component_data(at, "steps:demo")
    assert steps["titles"] == ["Start here", "Zoom in"] and steps["current"] == 1


def test_apptest_author_text_never_reaches_a_markdown_api(stories, monkeypatch):
    at = app(stories, monkeypatch, story="demo")
    assert not at.exception
    assert not at.title and not at.button
    assert all("Demo" not in m.value for m in [*at.markdown, *at.caption])
    assert any('<h1 class="sm-title">Demo</h1>' in h.value for h in at.html)


def _story_list(at) -> str:
    found = [h.value for h in at.sidebar.html if 'class="sm-stories"' in h.value]
    assert len(found) == 1
    return found[0]


def test_apptest_story_list_links_each_story_and_marks_the_open_one(stories, monkeypatch):
    at = app(stories, monkeypatch, story="demo", step="2")
    assert not at.exception
    listed = _story_list(at)
    # A link opens a story at its start: only ?story= (no step, no mode) in a new page view.
    assert '<a href="?story=russia-iran">' in listed
    assert '<a href="?story=demo" aria-current="page">Demo</a>' in listed
    assert not at.selectbox  # no widget: its frontend code would load while the map's does


def test_apptest_broken_story_shows_problems_not_a_traceback(stories, monkeypatch):
    at = app(stories, monkeypatch, story="broken")
    assert not at.exception
    assert any("has problems" in e.value for e in at.error)
    assert "broken.md" in at.code[0].value


def test_apptest_story_list_lists_every_story_and_marks_broken_ones(stories, monkeypatch):
    at = app(stories, monkeypatch, story="demo")
    listed = _story_list(at)
    assert '<a href="?story=broken">⚠ broken (has errors)</a>' in listed
    assert listed.count("<li>") == len(list((stories).glob("*.md")))


def test_apptest_reader_mode_hides_author_errors(stories, monkeypatch):
    at = app(stories, monkeypatch, story="broken", mode="embed")
    assert not at.exception
    assert not at.error
    assert any("not available" in i.value for i in at.info)


def test_apptest_unknown_story_warns_and_falls_back(stories, monkeypatch):
    at = app(stories, monkeypatch, story="../../etc/passwd")
    assert any("not found" in w.value for w in at.warning)


def test_apptest_a_dangling_link_in_geodata_does_not_stop_the_tour(tmp_path, monkeypatch):
    root = copy_project(tmp_path)
    (root / "geodata" / "gone.geojson").symlink_to(tmp_path / "nowhere.geojson")
    at = app(root / "stories", monkeypatch, story="demo")
    assert not at.exception
    assert not [e.value for e in at.error]
    assert "Step 1 of 2" in _card(at)


@pytest.mark.parametrize(
    ("lang", "direction", "previous", "next_step"),
    [("es", "ltr", "Anterior", "Paso siguiente"), ("fa", "rtl", "قبلی", "گام بعدی")],
)
def test_apptest_the_map_frame_s_buttons_speak_the_story_s_language(
    tmp_path, monkeypatch, lang, direction, previous, next_step
):
    root = copy_project(tmp_path)
    demo = root / "stories" / "demo.md"
    text = demo.read_text(encoding="utf-8").replace(
        "\nlang: en\ndir: ltr\n", f"\nlang: {lang}\ndir: {direction}\n"
    )
    assert f"lang: {lang}" in text
    demo.write_text(text, encoding="utf-8")
    at = app(root / "stories", monkeypatch, story="demo")
    data = _component_data(at, "map:demo")
    assert (data["lang"], data["dir"]) == (lang, direction)
    assert (data["words"]["previous"], data["words"]["next_step"]) == (previous, next_step)
    steps = _component_data(at, "steps:demo")
    assert (steps["lang"], steps["dir"], steps["heading"]) == (lang, direction, strings(lang)["steps"])
    keys = next(h.value for h in at.html if 'class="sm-keys"' in h.value)
    assert f'lang="{lang}" dir="{direction}"' in keys and strings(lang)["keys_help"] in keys
