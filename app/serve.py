"""Run the tour's Streamlit server with our settings, from any folder.

Streamlit reads ``.streamlit/config.toml`` only from the folder it is started in, so settings
kept there would silently be lost when ``storymap serve`` runs elsewhere. :data:`SETTINGS` is
the one place they live; every server we start gets them as command-line flags.

Two ways in: :func:`running` starts a server in the background on a free port and yields its
URL once it answers (tests and the benchmark), :func:`serve` runs it in the foreground for
``storymap serve`` until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path

TOUR = Path(__file__).resolve().parent / "streamlit_app.py"
STORIES_ENV = "STORYMAP_STORIES"  # the stories folder app/streamlit_app.py reads
HEALTH = "/_stcore/health"
START_TIMEOUT_S = 60.0

SETTINGS: dict[str, str | bool] = {
    "server.headless": True,  # no email prompt; we print (and may open) the story's own URL
    "server.runOnSave": False,
    "server.fileWatcherType": "none",  # stories are re-read when their fingerprint changes
    "server.enableWebsocketCompression": True,  # a step's text is a few KB; compressed on the wire
    "browser.gatherUsageStats": False,
    # Streamlit's banner names the bare server URL, and headless it looks up the machine's
    # external IP on the internet; `storymap serve` prints the story's URL instead.
    "logger.hideWelcomeMessage": True,
    "client.showErrorDetails": "none",  # a reader never sees a traceback
    "client.toolbarMode": "viewer",
    # No theme.base: Streamlit follows the reader's system colour scheme, as the map and our own
    # styles do (prefers-color-scheme).
    # Streamlit's full gc.collect() after every rerun cost ~100 ms of server CPU per step (the
    # imports leave ~120k objects to scan); steps allocate little, so the collector's own
    # thresholds are enough. Measured with `python -m bench --only load,long`.
    "runner.postScriptGC": False,
}


BASE_PATH_ENV = "STREAMLIT_SERVER_BASE_URL_PATH"  # Streamlit's server.baseUrlPath, behind a proxy


def base_path() -> str:
    """The URL path the tour is served under (``/maps``), or ``""``: Streamlit's ``server.baseUrlPath``
    as the environment sets it (the README's Deploy section); its health check moves there too."""
    path = os.environ.get(BASE_PATH_ENV, "").strip("/")
    return f"/{path}" if path else ""


def flags(settings: dict[str, str | bool] = SETTINGS) -> list[str]:
    """``settings`` as ``streamlit run`` flags (``--section.option value``)."""
    out: list[str] = []
    for key, value in settings.items():
        out += [f"--{key}", str(value).lower() if isinstance(value, bool) else value]
    return out


def command(script: Path, port: int, address: str | None = None) -> list[str]:
    """The command line that runs ``script`` with :data:`SETTINGS` on ``port``."""
    extra = ["--server.address", address] if address else []
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        *flags(),
        *extra,
    ]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """True if something on this machine already listens on ``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + HEALTH, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_until_up(proc: subprocess.Popen, base: str, timeout_s: float = START_TIMEOUT_S) -> bool:
    """Wait for the health endpoint; False if the server exited or did not answer in time."""
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        if _healthy(base):
            return True
        time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tour_env(stories: Path) -> dict[str, str]:
    """The environment that points the tour at a stories folder."""
    return {STORIES_ENV: str(Path(stories).resolve())}


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
def running(
    script: Path = TOUR, *, env: dict[str, str], log_path: Path, cwd: Path | None = None
) -> Iterator[ServerUrl]:
    """Run ``script`` with our settings on a free local port until the block ends.

    ``env`` adds to ``os.environ`` (for the tour: :func:`tour_env`). Yields the base URL once
    ``/_stcore/health`` answers; it is a ``str`` that also carries ``.pid`` (the server
    process, e.g. for its memory in /proc/<pid>/status) and ``.log`` (the file its output goes
    to). ``log_path`` may contain ``{port}``.
    """
    port = free_port()
    log_path = Path(str(log_path).format(port=port))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command(script, port, address="127.0.0.1"),
            cwd=cwd,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if not _wait_until_up(proc, url):
                raise RuntimeError(f"streamlit did not start; see {log_path}")
            yield ServerUrl(url, proc.pid, log_path)
        finally:
            _stop(proc)


def has_display() -> bool:
    """Whether opening a browser makes sense (a desktop session, not CI or a bare SSH login)."""
    if os.environ.get("CI"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def serve(
    stories: Path,
    url_path: str,
    port: int,
    open_browser: bool,
    say: Callable[[str], None] = print,
    address: str | None = None,
) -> int:
    """Run the tour on ``stories`` in the foreground until Ctrl-C (or SIGTERM); returns the exit code.

    ``address`` is the interface to listen on (``0.0.0.0`` in the container, see the Dockerfile);
    None keeps Streamlit's default.

    ``url_path`` (e.g. ``/?story=russia-iran``) is appended to the server's URL when it is
    printed and opened. Ctrl-C and SIGTERM stop the server rather than raise, so storymap never
    dies before Streamlit does (a terminal's Ctrl-C reaches Streamlit too; either may end first).
    """
    procs: list[subprocess.Popen] = []
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    handled = (signal.SIGINT, signal.SIGTERM)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop) for sig in handled} if main_thread else {}
    try:
        proc = subprocess.Popen(command(TOUR, port, address), env={**os.environ, **tour_env(stories)})
        procs.append(proc)
        if stopping.is_set():
            proc.terminate()
        if _wait_until_up(proc, f"http://127.0.0.1:{port}{base_path()}"):
            url = f"http://localhost:{port}{base_path()}{url_path}"
            say(f"storymap: the tour is at {url}  (Ctrl-C stops it)")
            if open_browser:
                webbrowser.open(url)
        elif not stopping.is_set():
            _stop(proc)
            say(f"the server did not start (exit code {proc.returncode}); see its output above")
            return proc.returncode or 1
        code = proc.wait()
        say("storymap: stopped")
        return 0 if stopping.is_set() or code in (0, -signal.SIGINT, -signal.SIGTERM) else code
    finally:
        for proc in procs:
            _stop(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
