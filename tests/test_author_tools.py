"""Author mode's tools in the map document: the map block YAML they copy, the checks they show,
and that no other page carries them (app/author_tools.py; app/mapview.py map_document)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from app.author import OPTIONS
from app.author_tools import author_config, images_without_alt, map_block_yaml, script_json, step_checks
from app.mapview import map_document, map_parts
from app.models import MapState, Step
from app.paths import find_stories
from app.validate import load_story
from tests.support import ROOT, exported

STORIES = find_stories([ROOT / "stories"]).stories
MARKERS = (
    "sm-author-config",
    "sm-author-badge",
    "Copy this view",
    "copy_view_help",
)  # strings only author.js/.css/config have


def _state(**data: object) -> MapState:
    return MapState.model_validate(data)


@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_every_steps_block_reads_back_as_the_same_map_state_with_the_new_view(story: Path) -> None:
    for step in load_story(story).story.steps:
        text = map_block_yaml(step.map, (12.3456, -45.5), 4.3)
        pasted = MapState.model_validate(yaml.safe_load(text))
        assert (pasted.center, pasted.zoom, pasted.fit) == ((12.3456, -45.5), 4.3, None), text
        keep = {"center", "zoom", "fit"}
        assert pasted.model_dump(exclude=keep) == step.map.model_dump(exclude=keep), text


def test_the_block_is_in_the_formats_terms_lat_first_and_one_highlight_as_a_mapping() -> None:
    state = _state(
        fit="places",
        layers=["places"],
        highlight={"layer": "places", "ids": ["tehran"]},
        duration=0,
        as_of="2022-07-19",
        sources=["conversation-2022"],
    )
    assert map_block_yaml(state, (35.69, 51.42), 5.0) == (
        "center: [35.69, 51.42]\n"
        "zoom: 5\n"
        "layers: [places]\n"
        "highlight: {layer: places, ids: [tehran]}\n"
        "duration: 0\n"
        "as_of: 2022-07-19\n"
        "sources: [conversation-2022]\n"
    )
    # Without a view: the rest of the block, which the browser puts the measured view in front of.
    assert map_block_yaml(state).startswith("layers: [places]\n")


def test_ids_that_yaml_would_read_as_numbers_or_booleans_stay_text() -> None:
    state = _state(
        center=[1, 2], zoom=3, layers=["a"], highlight={"layer": "a", "ids": ["123", "yes", "x: y"]}
    )
    text = map_block_yaml(state, (1.0, 2.0), 3.0)
    assert MapState.model_validate(yaml.safe_load(text)).highlights[0].ids == ["123", "yes", "x: y"]


@pytest.mark.parametrize(
    ("as_of", "written"),
    [("1915", "1915"), ("1915-01", "1915-01"), ("2022-07-19", "2022-07-19"), ("1914–1917", "1914/1917")],
)
def test_dates_are_written_at_the_precision_the_author_gave(as_of: str, written: str) -> None:
    text = map_block_yaml(_state(center=[1, 2], zoom=3, as_of=as_of))
    assert text == f"as_of: {written}\n"
    assert (
        str(MapState.model_validate({"center": [1, 2], "zoom": 3, **yaml.safe_load(text)}).as_of) == written
    )


def test_a_step_without_sources_as_of_or_alt_text_is_flagged_with_the_fix() -> None:
    step = Step(
        id="s",
        title="S",
        text="Text ![](map.png) and ![A ship](ship.png).\n\n![ ](other.png)",
        map=_state(center=[1, 2], zoom=3),
        line=1,
    )
    checks = step_checks(step)
    assert [c["kind"] for c in checks] == ["sources", "as_of", "alt", "alt"]
    assert "add `sources: [source-id]`" in checks[0]["text"]
    assert "add `as_of: YYYY-MM-DD`" in checks[1]["text"]
    assert 'Image "map.png" has no alt text' in checks[2]["text"]
    assert images_without_alt("![A ship](ship.png)") == []
    complete = step.model_copy(
        update={"text": "Fine.", "map": _state(center=[1, 2], zoom=3, as_of=1915, sources=["x"])}
    )
    assert step_checks(complete) == []


def test_the_subject_of_a_step_is_its_highlights_and_its_fit_target() -> None:
    story = load_story(ROOT / "stories" / "russia-iran.md").story
    steps = author_config(story)["steps"]
    by_id = dict(zip([s.id for s in story.steps], steps, strict=True))
    assert by_id["tehran-summit"]["subjects"] == [{"layer": "places", "ids": ["tehran"]}]
    assert {"layer": "syria-zones", "ids": None} in by_id["syria-zones"]["subjects"]
    assert all(s["checks"] == [] for s in steps)  # the flagship cites sources and dates every step


def test_only_the_author_document_carries_the_author_tools(tmp_path: Path) -> None:
    checked = load_story(ROOT / "stories" / "russia-iran.md")
    parts = map_parts(checked)
    tour = map_document(parts, title="t")
    author = map_document(parts, title="t", options=OPTIONS)
    for marker in MARKERS:
        assert marker not in tour
        assert marker in author
    assert 'id="sm-author-config"' in author
    page = exported(ROOT / "stories" / "russia-iran.md", tmp_path / "page.html").read_text(encoding="utf-8")
    for marker in MARKERS:
        assert marker not in page


def test_author_text_in_the_config_cannot_close_the_script() -> None:
    state = _state(center=[1, 2], zoom=3, highlight={"layer": "places", "ids": ["</script><b>x"]})
    text = script_json({"block": map_block_yaml(state)})
    assert "</script>" not in text and "<b>" not in text
    assert json.loads(text)["block"] == map_block_yaml(state)
