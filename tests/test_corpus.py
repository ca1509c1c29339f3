"""The malformed-input corpus: every story in tests/cases/stories/ against tests/cases/expected.yaml.

Each case is checked twice: in process with :func:`app.validate.check_story` (exact file:line and
message of every problem), and through the real CLI in a subprocess (exit code, the same lines,
no traceback). A story without an expectation fails, so the corpus cannot grow untested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from app.validate import check_story

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
STORIES = sorted((CASES / "stories").glob("*.md"))
EXPECTED: dict[str, list[str]] = yaml.safe_load((CASES / "expected.yaml").read_text(encoding="utf-8"))
WARNING = re.compile(r"^[^:]+(?::\d+)?: (?:step \"[^\"]*\": )?warning: ")


def shown(story: Path) -> str:
    return story.relative_to(REPO).as_posix()


def expected_for(story: Path) -> list[str]:
    if story.stem not in EXPECTED:
        pytest.fail(f"{shown(story)} has no entry in tests/cases/expected.yaml: add its expected output")
    return EXPECTED[story.stem]


def has_errors(lines: list[str]) -> bool:
    return any(not WARNING.match(line) for line in lines)


@pytest.fixture(autouse=True)
def _corpus_setup(at_repo_root, outside_symlink):
    """Every corpus test runs from the repo root with the symlink case in place."""


@pytest.fixture(scope="session")
def cli_runs(request, outside_symlink) -> dict[str, Future[subprocess.CompletedProcess[str]]]:
    """`python -m app validate <story>` for every selected case, started at once, run in parallel."""
    selected = [
        item.callspec.params["story"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_cli_validate_exit_code_and_output"
    ]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    pool = ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2) + 1))

    def run(story: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "validate", shown(story)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=120,
        )

    futures = {story.stem: pool.submit(run, story) for story in selected}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def test_corpus_is_large_and_every_expectation_has_a_story():
    assert len(STORIES) >= 70
    orphans = sorted(set(EXPECTED) - {story.stem for story in STORIES})
    assert not orphans, f"expected.yaml has entries without a story file: {orphans}"


def test_valid_cases_are_named_valid():
    for story in STORIES:
        if story.stem.endswith("_valid"):
            assert expected_for(story) == [], story.stem
        else:
            assert expected_for(story), f"{story.stem} validates clean: name it *_valid"


@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_check_story_reports_exactly_the_expected_problems(story: Path):
    expected = expected_for(story)
    checked = check_story(Path(shown(story)))
    assert [str(p) for p in checked.problems] == expected
    assert bool(checked.errors) == has_errors(expected)
    if not checked.errors:
        assert checked.story is not None and checked.story.steps
    if checked.warnings:
        # --strict: every warning (and every geometry repair) becomes an error
        strict = check_story(Path(shown(story)), strict=True)
        assert strict.errors and strict.story is None
        assert all(p.severity == "error" for p in strict.problems)


@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.stem)
def test_cli_validate_exit_code_and_output(story: Path, cli_runs):
    expected = expected_for(story)
    result = cli_runs[story.stem].result()
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == (1 if has_errors(expected) else 0), output
    ok = re.compile(rf"^{re.escape(shown(story))}: ok \(")
    printed = [
        line for line in result.stderr.splitlines() if line.startswith(shown(story)) and not ok.match(line)
    ]
    assert printed == expected
