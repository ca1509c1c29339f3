"""storymap build: a static site (index, every story's page and oEmbed file, caching advice)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT, copy_project


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_build_writes_an_index_every_story_and_its_oembed(tmp_path):
    project = copy_project(
        tmp_path / "project", stories=[ROOT / "stories" / "demo.md", ROOT / "stories" / "russia-iran.md"]
    )
    (project / "stories" / "broken.md").write_text(
        "---\ntitle: Broken\n---\n\n## Step\n\nNo map.\n", encoding="utf-8"
    )
    result = cli(
        "build",
        "stories",
        "--out",
        "site",
        "--url",
        "https://news.example.org/maps",
        "--no-share-images",
        cwd=project,
    )
    assert result.returncode == 1  # one story has errors: it is reported, the others are built
    assert "broken.md:5" in result.stderr and "1 story has errors and were not built: broken" in result.stderr
    site = project / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert (
        '<a href="demo/">Demo</a>' in index and '<a href="russia-iran/">' in index and "broken" not in index
    )
    page = (site / "russia-iran" / "index.html").read_text(encoding="utf-8")
    assert '<meta property="og:url" content="https://news.example.org/maps/russia-iran/">' in page
    assert 'href="https://news.example.org/maps/russia-iran/index.oembed.json"' in page
    embed = json.loads((site / "russia-iran" / "index.oembed.json").read_text(encoding="utf-8"))
    assert embed["type"] == "rich" and embed["version"] == "1.0"
    assert embed["html"].startswith(
        '<iframe src="https://news.example.org/maps/russia-iran/" title="Russia and Iran'
    )
    assert "Cache-Control" in (site / "_headers").read_text(encoding="utf-8")


def test_export_writes_oembed_beside_the_page_with_escaped_author_text(tmp_path):
    story = tmp_path / "stories" / "quote.md"
    copy_project(tmp_path, stories=[ROOT / "stories" / "demo.md"])
    text = (tmp_path / "stories" / "demo.md").read_text(encoding="utf-8")
    story.write_text(text.replace('title: "Demo"', 'title: "A \\"quoted\\" <b>title</b>"'), encoding="utf-8")
    result = cli("export", "stories/quote.md", "--out", "out/quote.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    embed = json.loads((tmp_path / "out" / "quote.oembed.json").read_text(encoding="utf-8"))
    assert 'title="A &#34;quoted&#34; &lt;b&gt;title&lt;/b&gt;"' in embed["html"]
    assert 'src="quote.html"' in embed["html"]
    assert (
        cli("export", "stories/quote.md", "--out", "x.html", "--url", "example.org", cwd=tmp_path).returncode
        == 2
    )
