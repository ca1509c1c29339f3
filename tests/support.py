"""Helpers for tests (and the benchmark) that drive a real Streamlit server and Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("STORYMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_project(dest: Path, stories: list[Path] | None = None) -> Path:
    """A throwaway project: stories/ and geodata/ copied (not linked: links out are refused)."""
    (dest / "stories").mkdir(parents=True, exist_ok=True)
    for story in stories if stories is not None else sorted((ROOT / "stories").glob("*.md")):
        shutil.copy(story, dest / "stories" / story.name)
    shutil.copytree(
        ROOT / "geodata",
        dest / "geodata",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("facts", "*.py", "__pycache__"),
    )
    return dest


class ServerUrl(str):
    """The server's base URL (a plain ``str`` to every caller), with the process id and log file."""

    pid: int
    log: Path

    def __new__(cls, url: str, pid: int, log: Path) -> ServerUrl:
        self = super().__new__(cls, url)
        self.pid = pid
        self.log = log
        return self


@contextlib.contextmanager
def run_streamlit(script: Path, env: dict[str, str], log_path: Path) -> Iterator[ServerUrl]:
    """Run ``streamlit run script`` on a free port until the block ends (``env`` adds to os.environ).

    Yields the base URL; it is a ``str`` that also carries ``.pid`` (the server process, e.g. for
    its memory in /proc/<pid>/status) and ``.log`` (the file its output goes to). ``log_path``
    may contain ``{port}``.
    """
    port = free_port()
    log_path = Path(str(log_path).format(port=port))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.2)
        yield ServerUrl(url, proc.pid, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def streamlit_server(
    stories: Path, extra_env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[ServerUrl]:
    """The tour (``app/streamlit_app.py``) serving the stories in ``stories`` (see :func:`run_streamlit`)."""
    env = {"STORYMAP_STORIES": str(stories), **(extra_env or {})}
    return run_streamlit(ROOT / "app" / "streamlit_app.py", env, stories.parent / "streamlit-{port}.log")


class RequestGuard:
    """Routes every request of a browser context; anything not local is aborted and recorded."""

    def __init__(self) -> None:
        self.outside: list[str] = []

    def __call__(self, route) -> None:  # playwright Route
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "file") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def wait_for_app(page) -> None:
    """Wait on Streamlit's own signal (script finished) and the map frame's readiness."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached", timeout=60_000)
    page.wait_for_function("window.storymap && window.storymap.ready === true", timeout=60_000)


def wait_for_step(page, index: int) -> None:
    """Wait until the map is on ``index`` and Streamlit has rendered that step's text."""
    page.wait_for_function(
        """(i) => window.storymap && window.storymap.step === i &&
              (document.querySelector('[data-testid=storymap-progress]') || {}).textContent === `Step ${i + 1} of ${window.storymap.steps}`""",
        arg=index,
        timeout=30_000,
    )
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached", timeout=30_000)
