"""Layers whose features carry their own dates (`time`): the periods cut from the dates, at
each precision, and the problems reported for dates that are wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.dates import Day, StoryDate
from app.models import LayerDef
from app.timeline import EARLIEST, LATEST, Span, frames, periods, pick
from app.validate import check_story


def test_periods_cut_at_every_first_date_and_the_day_after_every_last():
    found = periods(
        [
            Span(Day(2015, 9), Day(2016, 12)),
            Span(None, Day(2015, 8)),
            Span(Day(2017), None),
            Span(),  # no dates: valid always
        ]
    )
    assert [(p.label, p.members) for p in found] == [
        ("until August 2015", (1, 3)),
        ("September 2015–December 2016", (0, 3)),
        ("from 2017", (2, 3)),
    ]
    assert found[0].start == EARLIEST and found[-1].end == LATEST


@pytest.mark.parametrize(
    ("spans", "labels"),
    [
        ([Span(Day(2014), Day(2015)), Span(Day(2016), Day(2018))], ["2014–2015", "2016–2018"]),
        ([Span(Day(2015, 9), Day(2015, 9))], ["September 2015"]),
        (
            [Span(Day(2015, 9, 1), Day(2015, 9, 30)), Span(Day(2015, 9, 15), None)],
            [
                "1 September 2015–14 September 2015",
                "15 September 2015–30 September 2015",
                "from 1 October 2015",
            ],
        ),
        # A month-long feature inside a year-long one: the year is cut where the month starts and ends.
        (
            [Span(Day(2015), Day(2015)), Span(Day(2015, 3), Day(2015, 3))],
            ["January 2015–February 2015", "March 2015", "April 2015–December 2015"],
        ),
    ],
)
def test_period_labels_keep_the_precision_written(spans, labels):
    assert [p.label for p in periods(spans)] == labels


def test_stretches_where_no_feature_is_valid_are_gaps():
    found = periods([Span(Day(2010), Day(2011)), Span(Day(2015), Day(2016))])
    assert [p.label for p in found] == ["2010–2011", "2015–2016"]


def test_features_without_dates_make_one_period_for_all_dates():
    assert [(p.label, p.members) for p in periods([Span(), Span()])] == [("all dates", (0, 1))]
    assert periods([]) == []


def test_time_goes_with_source_and_names_a_property():
    layer = LayerDef.model_validate(
        {"source": "x.geojson", "label": "X", "time": {"from": "valid_from"}, "scrubber": True}
    )
    assert layer.time is not None and layer.time.start == "valid_from" and layer.files == ["x.geojson"]
    with pytest.raises(ValidationError, match="give `source`, not `snapshots`"):
        LayerDef.model_validate(
            {
                "label": "X",
                "time": {"to": "t"},
                "snapshots": [{"source": "a.geojson", "from": 2015, "to": 2016}],
            }
        )
    with pytest.raises(ValidationError, match="not both"):
        LayerDef.model_validate(
            {
                "label": "X",
                "source": "x.geojson",
                "time": {"to": "t"},
                "snapshots": [{"source": "a", "from": 2015, "to": 2016}],
            }
        )
    with pytest.raises(ValidationError, match="name the property"):
        LayerDef.model_validate({"source": "x.geojson", "label": "X", "time": {}})


def write_story(tmp_path: Path, values: list[dict], extra: str = "") -> Path:
    (tmp_path / "geodata").mkdir()
    (tmp_path / "stories").mkdir()
    features = [
        {
            "type": "Feature",
            "properties": {"id": f"f{i}", **props},
            "geometry": {"type": "Point", "coordinates": [i, 45]},
        }
        for i, props in enumerate(values)
    ]
    (tmp_path / "geodata" / "dated.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    story = tmp_path / "stories" / "dated.md"
    story.write_text(
        f"""---
title: Dated
layers:
  dated:
    source: ../geodata/dated.geojson
    label: Dated
    time: {{from: start, to: end}}
sources:
  notes: {{title: Notes}}
---

## One {{#one}}

Text.

```map
center: [45, 1]
zoom: 4
layers: [dated]
as_of: 2016
sources: [notes]
{extra}```
""",
        encoding="utf-8",
    )
    return story


def test_a_story_layer_gets_snapshots_from_its_features_dates(tmp_path):
    story = write_story(tmp_path, [{"start": 2015, "end": "2016-06"}, {"start": "2016-07-01"}, {}])
    checked = check_story(story)
    assert checked.errors == []
    layer_def = checked.story.meta.layers["dated"]
    shots = frames(layer_def)
    assert [f.label for f in shots] == ["until 2014", "2015–June 2016", "from 1 July 2016"]
    index = pick(shots, StoryDate.parse("2016-03"))
    assert index is not None
    part = checked.layers["dated"].parts[index]
    assert sorted(part.ids("id")) == ["f0", "f2"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([{"start": "2015-13", "end": None}], 'feature "f0": "start" is "2015-13", not a date'),
        ([{"start": None, "end": "soon"}], 'feature "f0": "end" is "soon", not a date'),
        ([{"start": "2018", "end": "2017-06"}], 'feature "f0": "end" (2017-06) is before "start" (2018)'),
    ],
)
def test_bad_feature_dates_name_the_feature_and_the_property_on_the_time_line(tmp_path, values, message):
    story = write_story(tmp_path, values)
    problems = check_story(story).errors
    assert any(message in p.message for p in problems), [str(p) for p in problems]
    assert all(p.line == 7 for p in problems if "feature" in p.message)


def test_a_step_dated_where_no_feature_is_valid_is_reported(tmp_path):
    story = write_story(tmp_path, [{"start": 2010, "end": 2011}, {"start": 2020}])
    problems = [str(p) for p in check_story(story).errors]
    assert any(
        'has no snapshot for 2016, in the gap between "2010–2011" and "from 2020"' in p for p in problems
    ), problems


def test_dates_read_as_a_date_column_or_as_numbers_with_gaps_keep_their_precision(tmp_path):
    # GDAL reads a column of full dates as dates, and years with a gap as floats (2015.0).
    story = write_story(
        tmp_path,
        [
            {"start": "2015-09-30", "end": 2016},
            {"start": None, "end": None},
            {"start": "2017-01-01", "end": 2018},
        ],
    )
    checked = check_story(story)
    assert checked.errors == []
    labels = [f.label for f in frames(checked.story.meta.layers["dated"])]
    assert labels == ["until 29 September 2015", "30 September 2015–2016", "1 January 2017–2018", "from 2019"]
