"""The browser harness the benchmark and the tests share: Chromium, request guard, project copies.

It lives in ``bench`` (which the tests may import) so that the benchmark never imports the
tests. Servers are started by :mod:`app.serve`, with the same settings ``storymap serve`` uses.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from app.serve import TOUR, ServerUrl, running, tour_env

# One Chromium for the export's pictures, the tests and the benchmark.
from app.shots import CHROMIUM, CHROMIUM_ARGS, DEFAULT_CHROMIUM  # noqa: F401 (re-exported)

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


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


def streamlit_server(
    stories: Path, extra_env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[ServerUrl]:
    """The tour serving the stories in ``stories`` (see :func:`app.serve.running`); log beside it."""
    env = {**tour_env(stories), **(extra_env or {})}
    return running(TOUR, env=env, log_path=stories.parent / "streamlit-{port}.log", cwd=ROOT)


@contextlib.contextmanager
def http_serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` on a free port of 127.0.0.1, in a thread, until the block ends; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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


class WireCounter:
    """A TCP relay in front of a local server that counts the bytes each way while ``on``.

    The browser's websocket events give payloads after permessage-deflate has undone the
    compression; the relay sees what crosses the network: frames as sent, headers included.
    """

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.target = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = parsed._replace(netloc=f"127.0.0.1:{port}").geturl()
        self.on = False
        self.up = 0  # browser → server
        self.down = 0  # server → browser
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for source, sink, field in ((client, server, "up"), (server, client, "down")):
                threading.Thread(target=self._pipe, args=(source, sink, field), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, field: str) -> None:
        try:
            while chunk := source.recv(65536):
                if self.on:
                    with self._lock:
                        setattr(self, field, getattr(self, field) + len(chunk))
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):  # either side closing ends both directions
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self._closed = True
        self.listener.close()
