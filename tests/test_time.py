"""Time-aware layers: the `snapshots` model, which snapshot a date picks at each precision, the
controller's config, and the flagship's Syria steps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.dates import StoryDate
from app.mapview import controller_config, describe
from app.models import LayerDef, MapState
from app.timeline import clashes, frames, pick, step_frames
from app.validate import load_story
from tests.support import ROOT

SYRIA = LayerDef.model_validate(
    {
        "label": "Zones",
        "snapshots": [
            {"source": "a.geojson", "from": "2015-09", "to": "2015-12", "label": "September 2015"},
            {"source": "b.geojson", "from": "2020-03", "to": "2024-11"},
        ],
    }
)


def test_snapshots_read_from_and_to_and_default_their_label_to_the_dates():
    assert SYRIA.files == ["a.geojson", "b.geojson"]
    assert [f.label for f in frames(SYRIA)] == ["September 2015", "March 2020–November 2024"]
    assert str(frames(SYRIA)[1].last) == "2024-11-30"
    assert SYRIA.model_dump(by_alias=True)["snapshots"][0]["from"] == "2015-09"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"label": "x"}, "add `source: FILE`"),
        (
            {"label": "x", "source": "a.geojson", "snapshots": [{"source": "b", "from": 2015, "to": 2016}]},
            "not both",
        ),
        ({"label": "x", "source": "a.geojson", "scrubber": True}, "`scrubber` needs `snapshots`"),
        ({"label": "x", "snapshots": [{"source": "b", "from": 2016, "to": 2015}]}, "`to` is before `from`"),
        ({"label": "x", "snapshots": []}, "at least 1 item"),
    ],
)
def test_bad_layer_definitions_say_what_to_write(data, message):
    with pytest.raises(ValidationError, match=message):
        LayerDef.model_validate(data)


@pytest.mark.parametrize(
    "date, expected",
    [
        ("2015-09-01", 0),  # a day inside the first
        ("2015-12-31", 0),  # its last day (month precision reaches the month's end)
        ("2015-12", 0),  # a month
        ("2015", 0),  # a year that covers the snapshot: the one it overlaps
        ("2016-01-01", None),  # the day after: in the gap
        ("2018", None),
        ("2020-03", 1),
        ("2022", 1),
        ("2024-11-30", 1),
        ("2024-12-08", None),  # after the last one
        ("2015/2022", 1),  # a range: the one in force on its last day
        ("2014/2015-10", 0),
        ("2019/2020", 1),  # ends in a gap? no: 2020 ends inside the second snapshot
        ("2016/2019", None),
        (None, 1),  # no date: the latest
    ],
)
def test_a_date_picks_the_snapshot_it_falls_in_at_its_precision(date, expected):
    assert pick(frames(SYRIA), StoryDate.parse(date) if date else None) == expected


def test_a_year_over_two_snapshots_picks_the_later():
    layer = LayerDef.model_validate(
        {
            "label": "x",
            "snapshots": [
                {"source": "a", "from": "2015-01", "to": "2015-06"},
                {"source": "b", "from": "2015-07", "to": "2015-10"},
            ],
        }
    )
    assert pick(frames(layer), StoryDate.parse("2015")) == 1  # 31 December is in neither; b is latest


def test_clashes_find_overlaps_and_gaps_but_not_adjacent_snapshots():
    layer = LayerDef.model_validate(
        {
            "label": "x",
            "snapshots": [
                {"source": "a", "from": 2010, "to": 2011},
                {"source": "b", "from": 2012, "to": 2013},  # adjacent: fine
                {"source": "c", "from": "2013-06", "to": 2014},  # overlaps b
                {"source": "d", "from": 2020, "to": 2021},  # gap after c
            ],
        }
    )
    found = [(c.earlier.index, c.later.index, c.gap) for c in clashes(frames(layer))]
    assert found == [(1, 2, False), (2, 3, True)]


def test_layer_dates_override_as_of_for_that_layer_only():
    state = MapState.model_validate(
        {"fit": "zones", "layers": ["zones"], "as_of": "2024-12-08", "layer_dates": {"zones": "2024-11"}}
    )
    assert step_frames(state, {"zones": SYRIA}) == {"zones": 1}
    assert state.date_of("other") == StoryDate.parse("2024-12-08")


@pytest.fixture(scope="module")
def flagship():
    return load_story(ROOT / "stories" / "russia-iran.md", strict=True)


def test_flagship_syria_steps_show_the_right_snapshot(flagship):
    story = flagship.story
    kinds = {lid: "polygon" if lid == "syria-zones" else "point" for lid in flagship.layers}
    config = controller_config(story, flagship.layers, kinds)
    shown = {s["id"]: s["frames"].get("syria-zones") for s in config["steps"]}
    assert shown["syria-uprising"] == 0  # September 2015
    assert shown["intervention"] == 1  # the air war ends on 2020–2023 ...
    by_id = {s["id"]: s for s in config["steps"]}
    assert by_id["intervention"]["sequence"] == {"layer": "syria-zones", "frames": [0], "pace": 2.5}
    assert shown["syria-zones"] == 1
    assert shown["closing"] == 1
    assert all(s.get("sequence") is None for s in config["steps"] if s["id"] != "intervention")
    frames_ = config["layers"]["syria-zones"]["time"]["frames"]
    assert [f["label"] for f in frames_] == ["September 2015", "2020–2023"]
    assert [e["label"] for e in frames_[0]["legend_entries"]][-1] == "Islamic State"
    assert "Islamic State" not in [e["label"] for e in frames_[1]["legend_entries"]]
    step = next(s for s in story.steps if s.id == "syria-uprising")
    assert "(September 2015)" in describe(step, story, flagship.layers, kinds)


def test_flagship_text_says_what_the_colours_show_and_that_they_are_approximate(flagship):
    steps = {s.id: s for s in flagship.story.steps}
    text = steps["syria-uprising"].text
    assert "blue for the government" in text and "approximate" in text
    assert "Islamic State" in text
    assert "approximate" in steps["intervention"].text
