"""The real CLI in a subprocess: `new`, `validate`, exit codes 0 / 1 / 2 and --strict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture
def demo(tmp_path) -> Path:
    """A fresh project made by `python -m app new demo`."""
    result = cli("new", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "stories" / "demo.md").is_file()
    assert (tmp_path / "geodata" / "demo-places.geojson").is_file()
    assert "next: edit stories/demo.md" in result.stdout
    return tmp_path


def test_new_story_validates_clean(demo):
    default = cli("validate", cwd=demo)  # no PATH: stories/
    assert default.returncode == 0, default.stderr
    assert default.stderr.splitlines() == ["stories/demo.md: ok (2 steps)", "1 of 1 stories valid"]
    strict = cli("validate", "--strict", "stories/demo.md", cwd=demo)
    assert strict.returncode == 0, strict.stderr


def test_new_refuses_to_overwrite_without_force(demo):
    again = cli("new", "demo", cwd=demo)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert cli("new", "demo", "--force", cwd=demo).returncode == 0


@pytest.mark.parametrize("slug", ["Bad_Slug", "_demo", "has space", "ü", "x" * 65])
def test_new_with_a_bad_slug_is_a_usage_error(tmp_path, slug):
    result = cli("new", slug, cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a valid slug" in result.stderr
    assert not (tmp_path / "stories").exists()


def test_validate_missing_path_is_a_usage_error(tmp_path):
    result = cli("validate", "nope.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "Error: nope.md: no such file or folder" in result.stderr


def test_validate_without_stories_folder_is_a_usage_error(tmp_path):
    result = cli("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "stories: no such file or folder" in result.stderr


def test_validate_folder_without_stories_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("# not a story\n")
    result = cli("validate", "empty", cwd=tmp_path)
    assert result.returncode == 2
    assert "no .md stories found in empty" in result.stderr


def test_strict_turns_a_warning_into_exit_1(demo):
    story = demo / "stories" / "demo.md"
    story.write_text(story.read_text().replace("as_of: 2024-01-01\n", "", 1))
    relaxed = cli("validate", "stories/demo.md", cwd=demo)
    assert relaxed.returncode == 0
    warning = (
        'stories/demo.md:29: step "Start here": warning: the step has no as-of date — add `as_of: YYYY-MM-DD`'
    )
    assert warning in relaxed.stderr.splitlines()
    assert "stories/demo.md: ok (2 steps, 1 warning(s))" in relaxed.stderr
    strict = cli("validate", "--strict", "stories/demo.md", cwd=demo)
    assert strict.returncode == 1
    assert warning.replace("warning: ", "") in strict.stderr.splitlines()
    assert "0 of 1 stories valid" in strict.stderr


def test_strict_refuses_a_geometry_repair(demo):
    places = demo / "geodata" / "demo-places.geojson"
    places.write_text(
        (REPO / "tests" / "cases" / "geodata" / "self_intersecting_polygon.geojson").read_text()
    )
    story = demo / "stories" / "demo.md"
    text = story.read_text().replace("fit: places/paris", "fit: places/bowtie").replace("[paris]", "[bowtie]")
    story.write_text(text.replace("popup: [name, note]", "popup: [name]"))
    assert cli("validate", "stories/demo.md", cwd=demo).returncode == 0
    strict = cli("validate", "--strict", "stories/demo.md", cwd=demo)
    assert strict.returncode == 1
    assert "repaired with make_valid: bowtie" in strict.stderr


def test_one_broken_story_fails_the_folder(demo):
    (demo / "stories" / "broken.md").write_text("---\ntitle: Broken\n---\n\n## Step\n\nNo map.\n")
    result = cli("validate", "--quiet", cwd=demo)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'stories/broken.md:5: step "Step": the step has no ```map block — '
        "add a fenced block with info string `map` holding center/zoom or fit"
    ]
