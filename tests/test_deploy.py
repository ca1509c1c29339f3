"""The container: the Dockerfile's CMD and HEALTHCHECK, run here as written (no Docker needed;
where a Docker daemon runs, the image itself is built, run and health-checked too).

The image runs one command, ``storymap serve stories --address 0.0.0.0 --port 8501 --no-open``;
this test runs that same command line from the Dockerfile (``storymap`` as ``python -m app``
so this checkout is what runs, on a free port instead of 8501), then the health check's own
command, and asks for a story over a non-loopback address when the machine has one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import serve as server

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def one(name: str) -> str:
    found = [rest for word, rest in instructions() if word == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def exec_form(text: str) -> list[str]:
    """A JSON (exec form) command; the shell form would hide signals from storymap."""
    command = json.loads(text)
    assert isinstance(command, list) and all(isinstance(a, str) for a in command), text
    return command


def with_port(command: list[str], port: int) -> list[str]:
    return [a.replace("8501", str(port)) for a in command]


def test_the_dockerfile_is_a_slim_non_root_image_of_the_tour() -> None:
    assert re.fullmatch(r"python:3\.1[1-9]-slim", one("FROM"))
    assert one("EXPOSE") == "8501"
    user = one("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    runs = [rest for word, rest in instructions() if word == "RUN"]
    assert "pip install -r requirements.txt" in runs
    assert any(r.startswith("pip install --no-deps .") for r in runs)
    # Every COPY source exists and is not excluded by .dockerignore.
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for word, rest in instructions():
        if word == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source not in ignored, source
    assert {"node_modules", ".venv", ".git", "tests"} <= ignored


def test_the_command_and_the_health_check_come_from_the_dockerfile() -> None:
    cmd = exec_form(one("CMD"))
    assert cmd[:3] == ["storymap", "serve", "stories"]
    assert cmd[cmd.index("--address") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "8501"
    health = one("HEALTHCHECK")
    assert "--start-period=" in health
    probe = " ".join(exec_form(health.split(" CMD ", 1)[1]))
    assert "http://127.0.0.1:8501/" in probe and server.HEALTH.lstrip("/") in probe
    assert server.BASE_PATH_ENV in probe  # behind a proxy's path, the health check follows it


def _other_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
        address = sock.getsockname()[0]
        return None if address.startswith("127.") else address
    return None


@pytest.mark.parametrize("base", ["", "maps"])
def test_the_container_command_serves_the_stories_and_passes_its_health_check(base: str) -> None:
    """As run, and behind a proxy's path (``-e STREAMLIT_SERVER_BASE_URL_PATH=maps``, README: Deploy)."""
    port = server.free_port()
    cmd = with_port(exec_form(one("CMD")), port)
    probe = with_port(exec_form(one("HEALTHCHECK").split(" CMD ", 1)[1]), port)
    assert probe[0] == "python"
    env = {**os.environ, "PYTHONPATH": str(ROOT), server.BASE_PATH_ENV: base}
    prefix = f"/{base}" if base else ""
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *cmd[1:]],  # `storymap` as this checkout's `python -m app`
        cwd=ROOT,  # the image's WORKDIR holds stories/ and geodata/ as the repository does
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "the tour is at" in line or "did not start" in line:
                break
        assert f"the tour is at http://localhost:{port}{prefix}/" in "".join(lines), "".join(lines)
        healthy = subprocess.run(
            [sys.executable, *probe[1:]], capture_output=True, text=True, timeout=30, env=env
        )
        assert healthy.returncode == 0, healthy.stderr
        address = _other_address()
        host = address or "127.0.0.1"
        with urllib.request.urlopen(f"http://{host}:{port}{prefix}/?story=russia-iran", timeout=10) as page:
            assert page.status == 200
        proc.terminate()  # what `docker stop` sends
        rest, _ = proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0
    assert "Traceback" not in "".join(lines) + rest
    # Stopped: the health check now fails, as Docker would see it.
    dead = subprocess.run([sys.executable, *probe[1:]], capture_output=True, text=True, timeout=30, env=env)
    assert dead.returncode != 0


def _docker_daemon() -> bool:
    return (
        bool(shutil.which("docker"))
        and subprocess.run(["docker", "info"], capture_output=True).returncode == 0
    )


@pytest.mark.skipif(
    not _docker_daemon(),
    reason="no Docker daemon here: the CMD and HEALTHCHECK are exercised above without it",
)
def test_the_image_builds_runs_and_reports_healthy() -> None:
    """Where Docker runs: the image builds, its container answers with the flagship's page,
    Docker's own HEALTHCHECK reports it healthy, and `docker stop` ends it cleanly."""
    built = subprocess.run(
        ["docker", "build", "-q", "--network", "host", "-t", "storymap-test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    port = server.free_port()
    name = f"storymap-test-{port}"
    started = subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--name",
            name,
            "-p",
            f"127.0.0.1:{port}:8501",
            "--health-interval=1s",
            "storymap-test",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr[-2000:]
    try:
        status = ""
        for _ in range(120):
            status = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Health.Status}}", name], capture_output=True, text=True
            ).stdout.strip()
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(0.5)
        assert status == "healthy"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?story=russia-iran", timeout=10) as page:
            assert page.status == 200 and b"<noscript>" in page.read()
        stopped = subprocess.run(
            ["docker", "stop", "-t", "20", name], capture_output=True, text=True, timeout=60
        )
        assert stopped.returncode == 0
        code = subprocess.run(
            ["docker", "inspect", "-f", "{{.State.ExitCode}}", name], capture_output=True, text=True
        )
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stdout
        assert code.stdout.strip() == "0", logs[-2000:]
        assert "Traceback" not in logs
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
