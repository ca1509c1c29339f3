"""Helpers for tests that drive a real Streamlit server and Chromium.

The harness itself is shared with the benchmark and lives in :mod:`bench.harness` (the
benchmark must not import the tests); its servers start through :mod:`app.serve`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL_HOSTS,
    ROOT,
    RequestGuard,
    copy_project,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LOCAL_HOSTS",
    "ROOT",
    "RequestGuard",
    "copy_project",
    "exported",
    "exported_story",
    "offline_page",
    "story_project",
    "streamlit_server",
    "wait_for_app",
    "wait_for_step",
]


def exported(story: Path, out: Path, *options: str) -> Path:
    """``out``, written by the real CLI's ``export`` of ``story`` (with ``options``, e.g. a layout)."""
    result = subprocess.run(
        [sys.executable, "-m", "app", "export", str(story), "--out", str(out), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return out


def story_project(root: Path, name: str, story: str, layers: dict[str, str | dict[str, Any]]) -> Path:
    """A one-story project in ``root``: ``stories/<name>.md`` (returned) holding ``story`` and
    each of ``layers`` (GeoJSON text or data) as ``geodata/<layer>.geojson``."""
    (root / "stories").mkdir()
    (root / "geodata").mkdir()
    for layer, data in layers.items():
        text = data if isinstance(data, str) else json.dumps(data)
        (root / "geodata" / f"{layer}.geojson").write_text(text, encoding="utf-8")
    path = root / "stories" / f"{name}.md"
    path.write_text(story, encoding="utf-8")
    return path


def exported_story(root: Path, name: str, story: str, layers: dict[str, str | dict[str, Any]]) -> Path:
    """:func:`story_project`, exported by the real CLI to ``<name>.html`` in ``root``."""
    return exported(story_project(root, name, story, layers), root / f"{name}.html")


@contextmanager
def offline_page(browser: Any, page_file: Path, **context_options: Any) -> Iterator[Any]:
    """``page_file`` open in a new context of ``browser`` (``context_options``: viewport, reduced
    motion…) once ``window.storymap`` exists; every request that is not local is refused, and
    none may have been made when the block ends."""
    context = browser.new_context(**context_options)
    guard = RequestGuard()
    context.route("**/*", guard)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("() => window.storymap && window.storymap.map")
        yield page
        assert guard.outside == []
    finally:
        context.close()
