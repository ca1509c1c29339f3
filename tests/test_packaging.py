"""The tool installs with pip: declared dependencies and script, assets from PyPI, `storymap serve`."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import assets
from app import serve as server
from app.cli import main
from app.scaffold import scaffold

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "stories" / "russia-iran.md"


@pytest.fixture
def no_leaflet(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if django-js-lib-leaflet were not installed (the package lookup finds no module)."""
    monkeypatch.setattr(assets, "LEAFLET_MODULE", "js_lib_leaflet_not_installed")
    assets.leaflet_assets.cache_clear()
    yield
    assets.leaflet_assets.cache_clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scaffolded one-story project (fast to validate and export)."""
    scaffold("demo", tmp_path / "stories")
    return tmp_path


# ------------------------------------------------------------------ declared


def test_pyproject_declares_the_script_and_reads_one_list_of_pins() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"storymap": "app.cli:main"}
    dynamic = project["tool"]["setuptools"]["dynamic"]
    assert dynamic["dependencies"] == {"file": ["requirements.txt"]}
    assert dynamic["optional-dependencies"] == {"dev": {"file": ["requirements-dev.txt"]}}
    assert set(project["tool"]["setuptools"]["package-data"]["app"]) == {
        "static/*",
        "templates/*",
        "basemap/*",
    }


def test_requirements_are_pins_without_includes_and_without_unused_packages() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [line for line in (ROOT / name).read_text().splitlines() if line and not line.startswith("#")]
        assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", line) for line in lines), (name, lines)
    runtime = (ROOT / "requirements.txt").read_text()
    assert assets.LEAFLET_REQUIREMENT in runtime.splitlines()
    assert "python-frontmatter" not in runtime


def test_npm_is_only_for_the_geodata_build_and_the_tests() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    assert package["dependencies"] == {"world-atlas": "2.0.2"}
    # The accessibility tests, and the host side of the embed tests (a host page loads the package).
    assert package["devDependencies"] == {"axe-core": "4.14.1", "@newswire/frames": "1.0.0"}
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert set(lock["packages"]) == {
        "",
        "node_modules/world-atlas",
        "node_modules/axe-core",
        "node_modules/@newswire/frames",
    }
    for module in (ROOT / "app").rglob("*.py"):
        assert "node_modules" not in module.read_text(), module


def test_bench_does_not_import_tests() -> None:
    for module in (ROOT / "bench").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+tests\b", module.read_text(), re.M), module


def test_console_script_is_installed_when_storymap_is() -> None:
    # Only this interpreter's site-packages: a source tree's storymap.egg-info is not an install.
    found = list(importlib.metadata.distributions(name="storymap", path=[sysconfig.get_path("purelib")]))
    if not found:
        pytest.skip("storymap is not pip-installed in this environment")
    dist = found[0]
    scripts = [ep for ep in dist.entry_points if ep.group == "console_scripts"]
    assert [(ep.name, ep.value) for ep in scripts] == [("storymap", "app.cli:main")]
    script = Path(sysconfig.get_path("scripts")) / "storymap"
    assert script.exists()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "serve" in result.stdout


# ------------------------------------------------------------------ assets


def test_leaflet_1_9_4_comes_from_the_pypi_package_without_marker_images() -> None:
    assert "js_lib_leaflet" in str(assets.leaflet_dist())
    assert importlib.metadata.version("django-js-lib-leaflet") == "1.9.4.1"
    js, css = assets.leaflet_assets()
    assert "Leaflet 1.9.4," in js[:200]
    assert ".leaflet-container" in css
    assert "url(images/" not in css


def test_a_missing_leaflet_is_one_line_with_the_pip_command(no_leaflet) -> None:
    with pytest.raises(assets.AssetsMissing) as caught:
        assets.leaflet_assets()
    message = str(caught.value)
    assert "\n" not in message
    assert "pip install django-js-lib-leaflet==1.9.4.1" in message


def test_a_missing_static_file_names_the_reinstall(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(assets, "STATIC", tmp_path)
    with pytest.raises(assets.AssetsMissing, match=r"storymap\.js is missing — run `pip install -e \.`"):
        assets.controller_assets()


def test_export_with_a_missing_asset_exits_1_with_one_line_and_no_traceback(no_leaflet, project) -> None:
    out = project / "demo.html"
    result = CliRunner().invoke(main, ["export", str(project / "stories" / "demo.md"), "--out", str(out)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # click's error exit, not an escaped exception
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: Leaflet is not installed — run `pip install django-js-lib-leaflet==1.9.4.1`"]
    assert not out.exists()


def test_the_tour_tells_readers_and_logs_the_fix_when_an_asset_is_missing(
    no_leaflet, project, caplog
) -> None:
    from app import tour

    entry = tour.load_entry(project / "stories" / "demo.md")
    assert not entry.ok
    assert [p.message for p in entry.problems] == [
        "the map cannot be shown: Leaflet is not installed — run `pip install django-js-lib-leaflet==1.9.4.1`"
    ]
    assert "pip install django-js-lib-leaflet==1.9.4.1" in caplog.text
    assert "Traceback" not in caplog.text  # one line for the operator, not a stack


# ------------------------------------------------------------------ serve


def test_settings_are_streamlit_options_passed_as_flags() -> None:
    from streamlit import config

    for key in server.SETTINGS:
        config.get_option(key)  # raises for an option Streamlit does not know
    cmd = server.command(server.TOUR, 8599)
    assert cmd[cmd.index("--server.port") + 1] == "8599"
    assert cmd[cmd.index("--runner.postScriptGC") + 1] == "false"
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"
    assert not (ROOT / ".streamlit" / "config.toml").exists(), "settings live in app/serve.py only"


@pytest.fixture
def fake_serve(monkeypatch):
    calls = []
    monkeypatch.setattr(server, "serve", lambda *args, **kwargs: calls.append(args) or 0)
    return calls


def test_serve_a_story_file_serves_its_folder_at_its_slug_in_author_mode(fake_serve) -> None:
    port = server.free_port()
    result = CliRunner().invoke(main, ["serve", str(FLAGSHIP), "--port", str(port), "--no-open"])
    assert result.exit_code == 0, result.output
    assert fake_serve == [(FLAGSHIP.parent, "/?story=russia-iran&mode=author", port, False)]


def test_serve_links_a_file_whose_name_is_not_a_slug_by_its_slug(fake_serve, tmp_path) -> None:
    story = tmp_path / "My-Story.md"
    story.write_text(FLAGSHIP.read_text())
    result = CliRunner().invoke(main, ["serve", str(story), "--port", str(server.free_port()), "--no-open"])
    assert result.exit_code == 0, result.output
    assert fake_serve[0][:2] == (tmp_path, "/?story=my-story&mode=author")


def test_serve_defaults_to_the_stories_folder(fake_serve, project, monkeypatch) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["serve", "--no-open"])
    assert result.exit_code == 0, result.output
    assert fake_serve == [(Path("stories"), "/", 8501, False)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.md"], "nope.md: no such file or folder"),
        (["pyproject.toml"], "pyproject.toml: not a story (a .md file) or a stories folder"),
        (["app/templates"], "no .md stories found in app/templates — create one with `storymap new SLUG`"),
        (["stories", "--port", "0"], "0 is not in the range 1<=x<=65535"),
        (["stories", "--port", "many"], "'many' is not a valid integer"),
    ],
)
def test_serve_usage_errors_exit_2(fake_serve, monkeypatch, args, message) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert fake_serve == []


def test_serve_refuses_a_busy_port_and_missing_assets_with_exit_1(fake_serve, no_leaflet) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(FLAGSHIP), "--port", str(port)])
        assert result.exit_code == 1
        assert f"Error: port {port} is in use — pick another with --port" in result.output
    result = CliRunner().invoke(main, ["serve", str(FLAGSHIP), "--port", str(port)])
    assert result.exit_code == 1
    assert "Error: Leaflet is not installed" in result.output
    assert fake_serve == []


def test_background_server_keeps_our_settings_from_another_folder(project) -> None:
    stories = project / "stories"
    with server.running(env=server.tour_env(stories), log_path=project / "s.log", cwd=project) as url:
        assert url.pid > 0
        with urllib.request.urlopen(f"{url}/?story=demo", timeout=10) as page:
            assert page.status == 200
    # hideWelcomeMessage came from our flags: the folder it ran in has no .streamlit/config.toml.
    assert "You can now view" not in url.log.read_text()


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_serve_in_the_foreground_stops_cleanly_with_its_server(project, how) -> None:
    port = server.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "stories/demo.md", "--port", str(port), "--no-open"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "the tour is at" in line:
                break
        assert f"storymap: the tour is at http://localhost:{port}/?story=demo&mode=author" in "".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as health:
            assert health.read() == b"ok"
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal sends it to the whole group
        else:
            proc.terminate()  # SIGTERM to storymap alone: it must stop Streamlit too
        rest, _ = proc.communicate(timeout=30)
        port_still_taken = server.port_in_use(port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of the group, if the test failed
    assert proc.returncode == 0
    output = "".join(lines) + rest
    assert "Traceback" not in output
    assert "storymap: stopped" in output
    assert not port_still_taken, "the Streamlit server outlived storymap serve"
