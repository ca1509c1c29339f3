"""Which files are stories, and the one name each story is linked by (its slug)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app import tour
from app.paths import find_stories
from tests.support import ROOT, copy_project

DEMO = ROOT / "stories" / "demo.md"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A project whose stories folder holds a story, notes, a README and a mis-named story."""
    root = copy_project(tmp_path, stories=[DEMO])
    stories = root / "stories"
    (stories / "NOTES.md").write_text("# Ideas for the next story\n\n- the Caspian\n", encoding="utf-8")
    (stories / "README.md").write_text("# Stories\n", encoding="utf-8")
    shutil.copy(DEMO, stories / "My-Story.md")
    return stories


def test_folders_skip_markdown_without_front_matter_and_say_so(folder):
    found = find_stories([folder])
    assert [p.name for p in found.stories] == ["My-Story.md", "demo.md"]
    assert [(p.name, why) for p, why in found.skipped] == [("NOTES.md", "no front matter, so not a story")]


def test_a_file_named_explicitly_is_always_checked(folder):
    assert [p.name for p in find_stories([folder / "NOTES.md"]).stories] == ["NOTES.md"]


def test_links_out_of_the_folder_are_skipped(folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.md"
    shutil.copy(DEMO, outside)
    (folder / "linked.md").symlink_to(outside)
    found = find_stories([folder])
    assert "linked.md" not in [p.name for p in found.stories]
    assert ("linked.md", "a link to a file outside the folder") in [(p.name, w) for p, w in found.skipped]
    assert "linked.md" not in [p.name for p in tour.story_files(folder).values()]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_validate_a_folder_notes_are_skipped_with_a_note_and_names_warned(folder):
    result = run_cli("validate", "stories", cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "stories/NOTES.md: skipped (no front matter, so not a story)" in lines
    assert (
        'stories/My-Story.md: warning: the file name "My-Story.md" is not a slug: links and embeds call this '
        'story "my-story" — rename the file to my-story.md'
    ) in lines
    assert lines[-1] == "2 of 2 stories valid"
    strict = run_cli("validate", "--strict", "stories", cwd=folder.parent)
    assert strict.returncode == 1


def test_the_tour_keys_stories_by_slug(folder):
    assert tour.story_files(folder) == {"my-story": folder / "My-Story.md", "demo": folder / "demo.md"}


def test_two_files_with_one_slug_serve_the_first(folder):
    shutil.copy(DEMO, folder / "my story.md")
    assert tour.story_files(folder)["my-story"].name == "My-Story.md"


@pytest.mark.parametrize("value", ["my-story", "My-Story", " MY-STORY "])
def test_a_story_whose_file_name_is_not_a_slug_deep_links(folder, monkeypatch, value):
    monkeypatch.setenv("STORYMAP_STORIES", str(folder))
    at = AppTest.from_file(str(ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.query_params["story"] = value
    at.query_params["step"] = "2"
    at.run()
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert str(at.query_params["story"]).strip("[]'") == "my-story"
    assert str(at.query_params["step"]).strip("[]'") == "2"
