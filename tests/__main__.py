"""``python -m tests [PYTEST ARGS]``: install what the whole suite needs, then run it.

The browser tests drive Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser)
the geodata check rebuilds the layers from npm's ``world-atlas`` and the accessibility tests
inject npm's ``axe-core``. On a fresh machine this installs Chromium with apt-get (through sudo
unless run as root) and runs ``npm ci`` when an npm package is missing, then runs pytest from the repository root with any extra
arguments passed through (e.g. ``python -m tests -x -k export``). The exit code is pytest's;
"no tests ran" (5) stays a failure.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.harness import CHROMIUM, DEFAULT_CHROMIUM, ROOT

NO_TESTS_RAN = 5


def say(text: str) -> None:
    print(f"python -m tests: {text}", file=sys.stderr, flush=True)


def run(command: list[str]) -> bool:
    say("$ " + " ".join(command))
    return (
        subprocess.run(command, cwd=ROOT, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode
        == 0
    )


def ensure_python_packages() -> bool:
    missing = [
        name for name in ("pytest", "playwright", "hypothesis") if importlib.util.find_spec(name) is None
    ]
    if missing:
        say(f'missing {", ".join(missing)} — run `pip install -e ".[dev]"` first')
    return not missing


def ensure_chromium(path: str) -> bool:
    """Debian's Chromium at ``path``, installed with apt-get if it is the default and missing."""
    if Path(path).exists():
        return True
    if path != DEFAULT_CHROMIUM or shutil.which("apt-get") is None:
        say(
            f"no Chromium at {path} — install Debian's chromium or set STORYMAP_CHROMIUM to a Chromium binary"
        )
        return False
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if sudo and shutil.which("sudo") is None:
        say(f"no Chromium at {path} — run `apt-get install chromium` as root")
        return False
    return (
        run([*sudo, "apt-get", "update", "-qq"])
        and run([*sudo, "apt-get", "install", "-y", "-qq", "chromium"])
        and Path(path).exists()
    )


def ensure_node_modules() -> bool:
    """Every npm package of package.json: world-atlas (the geodata rebuild test), axe-core (the
    accessibility tests). ``npm ci`` when any is missing, e.g. after package.json gained one."""
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    wanted = {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}
    if all((ROOT / "node_modules" / name / "package.json").is_file() for name in wanted):
        return True
    if shutil.which("npm") is None:
        say("node_modules is missing and npm is not installed — install node/npm, then run `npm ci`")
        return False
    return run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])


def main(args: list[str]) -> int:
    """Install what is missing, run pytest with ``args``; returns pytest's exit code."""
    if not (ensure_python_packages() and ensure_chromium(CHROMIUM) and ensure_node_modules()):
        return 1
    code = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT).returncode
    if code == NO_TESTS_RAN:
        say("no tests ran — that is a failure")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
