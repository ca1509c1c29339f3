"""Helpers for tests that drive a real Streamlit server and Chromium.

The harness itself is shared with the benchmark and lives in :mod:`bench.harness` (the
benchmark must not import the tests); its servers start through :mod:`app.serve`.
"""

from __future__ import annotations

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
    "streamlit_server",
    "wait_for_app",
    "wait_for_step",
]
