"""Helpers for tests that drive a real Streamlit server and Chromium.

The harness itself is shared with the benchmark and lives in :mod:`bench.harness` (the
benchmark must not import the tests); its servers start through :mod:`app.serve`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
