"""Media: kinds and player addresses, remote images fetched only when the author asks, clear errors."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.media import embed_url, kind_of
from app.models import Media
from tests.support import ROOT

PNG = (ROOT / "tests" / "cases" / "images" / "dot.png").read_bytes()


@pytest.mark.parametrize(
    ("src", "kind", "player"),
    [
        ("photo.jpg", "image", None),
        ("clip.mp4", "video", None),
        ("voice.mp3", "audio", None),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "youtube",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        (
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
            "youtube",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        ),
        ("https://www.youtube.com/channel/UC123", "youtube", None),
        ("https://vimeo.com/76979871", "vimeo", "https://player.vimeo.com/video/76979871"),
        ("https://soundcloud.com/a/b", "soundcloud", None),
        ("https://x.com/a/status/1", "tweet", None),
        ("https://images.example.org/map.png", "image", None),
    ],
)
def test_kinds_and_players(src, kind, player):
    assert kind_of(Media(src=src, alt="x")) == kind
    assert embed_url(kind, src) == player


@pytest.fixture
def image_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/dot.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def story_with_remote_image(tmp_path: Path, url: str) -> Path:
    shutil.copytree(ROOT / "tests" / "cases" / "geodata", tmp_path / "geodata")
    (tmp_path / "stories").mkdir()
    text = (ROOT / "tests" / "cases" / "stories" / "baseline_valid.md").read_text(encoding="utf-8")
    story = tmp_path / "stories" / "remote.md"
    story.write_text(text.replace("Some text about Paris.", f"![A dot]({url})"), encoding="utf-8")
    return story


def export(story: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "export", str(story), "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_a_remote_image_is_a_link_unless_the_export_may_fetch_it(tmp_path, image_server):
    story = story_with_remote_image(tmp_path, f"{image_server}/dot.png")
    plain = export(story, tmp_path / "plain.html")
    assert plain.returncode == 0, plain.stderr
    assert f'<a href="{image_server}/dot.png"' in (tmp_path / "plain.html").read_text(encoding="utf-8")
    fetched = export(story, tmp_path / "fetched.html", "--fetch-media")
    assert fetched.returncode == 0, fetched.stderr
    page = (tmp_path / "fetched.html").read_text(encoding="utf-8")
    assert '<img src="data:image/png;base64,' in page and image_server not in page


def test_a_failed_fetch_is_one_line_with_the_fix(tmp_path, image_server):
    story = story_with_remote_image(tmp_path, f"{image_server}/missing.png")
    result = export(story, tmp_path / "x.html", "--fetch-media")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "could not be fetched" in error[0] and "without --fetch-media" in error[0]


def test_assets_mode_writes_sound_beside_the_page(tmp_path):
    out = tmp_path / "page" / "media.html"
    result = export(
        ROOT / "tests" / "cases" / "stories" / "media_valid.md",
        out,
        "--assets",
        str(tmp_path / "page" / "assets"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "page" / "assets" / "tone.wav").read_bytes() == (
        ROOT / "tests" / "cases" / "images" / "tone.wav"
    ).read_bytes()
    assert 'src="assets/tone.wav"' in out.read_text(encoding="utf-8")
