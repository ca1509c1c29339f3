"""Shared fixtures: the repository root, the malformed-input corpus and its symlink case, Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases"
STORIES = CASES / "stories"
GEODATA = CASES / "geodata"
# Made at test time (a symlink cannot be committed portably); tests/cases/geodata/.gitignore lists it.
OUTSIDE_LINK = GEODATA / "linked_outside.geojson"


@pytest.fixture
def at_repo_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from the repository root, so problems show paths like tests/cases/..."""
    monkeypatch.chdir(REPO)
    return REPO


@pytest.fixture(scope="session")
def outside_symlink(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/cases/geodata/linked_outside.geojson → a valid GeoJSON file outside the project.

    Replaced atomically and left in place (it is git-ignored): a test session running at the same
    time must never see it missing. Once the target is cleaned up the link dangles, which the
    validator reports the same way: it resolves outside the project either way.
    """
    target = tmp_path_factory.mktemp("outside") / "secret.geojson"
    shutil.copyfile(GEODATA / "places.geojson", target)
    fresh = OUTSIDE_LINK.with_name(f".{OUTSIDE_LINK.name}.{os.getpid()}")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target)
    os.replace(fresh, OUTSIDE_LINK)
    return OUTSIDE_LINK


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (never a downloaded browser)."""
    from bench.harness import CHROMIUM, CHROMIUM_ARGS

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
