"""Author mode without a browser: the fingerprint, which step a save changed, and the watch."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app import author
from app.errors import Problem
from app.mapview import map_document, map_parts
from app.validate import load_story
from tests.support import ROOT, copy_project

SLUG = "draft"
FRONT = """---
title: "A draft"
lang: en
layers:
  places:
    source: ../geodata/draft-places.geojson
    label: "Places"
    tooltip: [name]
    labels: name
sources:
  notes:
    title: "Notes"
    date: 2024-01-01
---
"""
STEPS = {
    "paris": ("Paris", "Paris text.", "center: [48.86, 2.35]\nzoom: 4"),
    "berlin": (
        "Berlin",
        "Berlin text.",
        "center: [52.52, 13.4]\nzoom: 5\nhighlight: {layer: places, ids: [berlin]}",
    ),
    "both": ("Both", "Both text.", "fit: places"),
}


def story_text(steps: dict[str, tuple[str, str, str]] = STEPS) -> str:
    sections = [
        f"## {title} {{#{sid}}}\n\n{text}\n\n```map\n{view}\nlayers: [places]\nas_of: 2024-01-01\nsources: [notes]\n```\n"
        for sid, (title, text, view) in steps.items()
    ]
    return FRONT + "\n" + "\n".join(sections)


@pytest.fixture
def project(tmp_path) -> Path:
    root = copy_project(tmp_path, stories=[])
    (root / "geodata" / "draft-places.geojson").write_bytes(
        (ROOT / "geodata" / "demo-places.geojson").read_bytes()
    )
    (root / "stories" / "draft.md").write_text(story_text(), encoding="utf-8")
    return root


def steps_of(text: str, tmp_path: Path):
    path = tmp_path / "stories" / "probe.md"
    path.write_text(text, encoding="utf-8")
    return load_story(path).story.steps


def with_step(name: str, title: str, text: str, view: str) -> dict[str, tuple[str, str, str]]:
    return {**STEPS, name: (title, text, view)}


def test_changed_step_is_the_first_section_that_changed(project):
    old = steps_of(story_text(), project)
    assert author.changed_step(old, old, current=2) == 2  # nothing changed: stay
    text = steps_of(story_text(with_step("berlin", "Berlin", "Longer\n\ntext.", STEPS["berlin"][2])), project)
    assert author.changed_step(old, text, current=0) == 1
    view = steps_of(story_text(with_step("both", "Both", "Both text.", "center: [0, 0]\nzoom: 2")), project)
    assert author.changed_step(old, view, current=0) == 2
    # A step inserted before the others: the new one is where the change is.
    inserted = steps_of(
        story_text({"new": ("New", "New text.", "center: [1, 1]\nzoom: 3"), **STEPS}), project
    )
    assert author.changed_step(old, inserted, current=2) == 0
    # Steps added or removed at the end.
    fewer = steps_of(story_text({k: STEPS[k] for k in ("paris", "berlin")}), project)
    assert author.changed_step(old, fewer, current=2) == 1
    assert author.changed_step(fewer, old, current=0) == 2


def test_changed_step_ignores_steps_that_only_moved_down(project):
    old = steps_of(story_text(), project)
    longer = steps_of(
        story_text(with_step("paris", "Paris", "Paris text.\n\nA new paragraph.", STEPS["paris"][2])), project
    )
    assert [s.line for s in longer][1:] != [s.line for s in old][1:]
    assert author.changed_step(old, longer, current=2) == 0


def test_fingerprint_follows_mtime_size_and_missing_files(tmp_path):
    file = tmp_path / "a.geojson"
    file.write_text("{}")
    first = author.fingerprint([file, tmp_path / "gone.geojson"])
    assert first[1] == (str(tmp_path / "gone.geojson"), -1, -1)
    assert author.fingerprint([file]) == first[:1]
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert author.fingerprint([file]) != first[:1]
    file.write_text("{} ")
    assert author.fingerprint([file])[0][2] == 3
    file.unlink()
    assert author.fingerprint([file])[0][1:] == (-1, -1)


def test_watched_files_are_the_story_its_layers_and_their_folders(project):
    watch = author.Watch.start(project / "stories" / "draft.md")
    files = {p.resolve() for p in watch.files}
    assert (project / "stories" / "draft.md").resolve() in files
    assert (project / "geodata" / "draft-places.geojson").resolve() in files
    assert (project / "geodata").resolve() in files and (project / "stories").resolve() in files


def test_watch_sends_a_revision_only_with_what_changed(project):
    story = project / "stories" / "draft.md"
    watch = author.Watch.start(story)
    assert watch.good is not None and watch.frame_revision() is None
    assert "StoryMap.configure(" in watch.doc and '"author": true' in watch.doc
    doc = watch.doc
    assert not watch.refresh(current=0)  # nothing saved: a few stat calls, nothing else

    story.write_text(story_text(with_step("both", "Both", "Edited.", STEPS["both"][2])), encoding="utf-8")
    assert watch.refresh(current=0)
    revision = watch.frame_revision()
    assert revision["n"] == 2 and revision["step"] == 2
    assert revision["layers"] == {}  # the layer file did not change: not sent again
    assert "basemap" not in revision["config"]  # nor the basemap (same views)
    assert revision["config"]["steps"][2]["id"] == "both" and watch.doc == doc

    layer = project / "geodata" / "draft-places.geojson"
    data = json.loads(layer.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["name"] = "Renamed"
    layer.write_text(json.dumps(data), encoding="utf-8")
    assert watch.refresh(current=1)
    revision = watch.frame_revision()
    assert list(revision["layers"]) == ["places"] and revision["step"] == 1
    names = [f["properties"]["name"] for f in revision["layers"]["places"]["features"]]
    assert "Renamed" in names


def test_a_broken_save_keeps_the_last_good_version_until_fixed(project):
    story = project / "stories" / "draft.md"
    watch = author.Watch.start(story)
    good = watch.good
    story.write_text(story_text().replace("layers: [places]", "layers: [nowhere]", 1), encoding="utf-8")
    assert watch.refresh(current=0)
    assert watch.broken and watch.good is good and watch.frame_revision() is None
    items = author.problem_items(watch)
    unknown = next(i for i in items if 'unknown layer "nowhere"' in i["message"])
    assert unknown["where"].endswith(
        "draft.md:" + str(story.read_text().splitlines().index("layers: [nowhere]") + 1)
    )
    assert unknown["step"] == 0 and unknown["severity"] == "error"
    assert "last version that worked" in author.status(watch)
    story.write_text(story_text(), encoding="utf-8")
    assert watch.refresh(current=0)
    assert not watch.broken and watch.good is not good and author.problem_items(watch) == []


def test_a_story_broken_from_the_start_shows_when_fixed(project):
    story = project / "stories" / "draft.md"
    story.write_text(FRONT + "\n## No map yet\n\nText.\n", encoding="utf-8")
    watch = author.Watch.start(story)
    assert watch.good is None and watch.doc is None and "fix them and save" in author.status(watch)
    story.write_text(story_text(), encoding="utf-8")
    assert watch.refresh(current=0)
    assert watch.good is not None and watch.doc is not None and watch.frame_revision() is None


def test_a_new_overlay_builds_a_new_document(project):
    story = project / "stories" / "draft.md"
    watch = author.Watch.start(story)
    doc = watch.doc
    front = FRONT.replace(
        "sources:", "overlays:\n  topo:\n    tiles: OpenTopoMap\n    label: Topography\nsources:"
    )
    story.write_text(story_text().replace(FRONT, front), encoding="utf-8")
    assert watch.refresh(current=1)
    assert not watch.broken, watch.latest.problems
    assert watch.doc != doc and watch.frame_revision() is None and watch.initial == 1


def test_problem_step_by_title_then_by_line(project):
    story = load_story(project / "stories" / "draft.md").story
    lines = [s.line for s in story.steps]
    assert author.problem_step(Problem("x.md", 1, "m", step="Berlin"), story) == 1
    assert author.problem_step(Problem("x.md", lines[2] + 2, "m", step="Renamed"), story) == 2
    assert author.problem_step(Problem("x.md", 3, "front matter"), story) is None


def test_the_reader_document_is_unchanged_and_the_author_one_configures_the_controller():
    checked = load_story(ROOT / "stories" / "demo.md")
    parts = map_parts(checked)
    reader = map_document(parts, title="Demo")
    assert "StoryMap.configure(" not in reader
    authored = map_document(parts, title="Demo", options=author.OPTIONS)
    configure = authored.index("StoryMap.configure(")
    assert authored.index("StoryMap.init(") > configure > authored.index("window.StoryMap=")
    assert set(parts.layer_data) == {"places"}
    assert parts.layer_data["places"]["type"] == "FeatureCollection"
