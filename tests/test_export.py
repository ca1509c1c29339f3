"""Export: one self-contained HTML file, sanitized, with every step's text and sources."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.assets import leaflet_assets
from app.cli import main
from app.export import export_story, render_page
from app.media import EMBED_HOSTS
from app.render import render_markdown, sanitize_inline
from app.validate import check_story

# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
EVIL_NAME = '<img src=x onerror="window.__pwned=1">'
EVIL_NOTE = "</script><script>window.__pwned=2</script>"
ATTRIBUTION = 'Places: <a href="https://data.example.org/places">Example Data</a> <img src=x onerror="window.__pwned=4">'

PLACES = [
    ("tehran", "Tehran", 51.39, 35.69),
    ("moscow", "Moscow", 37.62, 55.75),
    ("damascus", "Damascus", 36.29, 33.51),
    ("baku", "Baku", 49.87, 40.41),
    ("evil", EVIL_NAME, 44.0, 33.0),
]

STEPS_LTR = [
    ("Tehran", "tehran", "tehran", [35.69, 51.39], 5),
    ("Moscow", "second", "moscow", [55.75, 37.62], 4),
    ("Damascus", None, "damascus", [33.51, 36.29], 6),
    ("Baku", None, "baku", [40.41, 49.87], 6),
]
STEPS_RTL = [
    ("تهران", "tehran", "tehran", [35.69, 51.39], 5),
    ("مسکو", "second", "moscow", [55.75, 37.62], 4),
    ("دمشق", "damascus", "damascus", [33.51, 36.29], 6),
    ("باکو", "baku", "baku", [40.41, 49.87], 6),
]


def make_project(root: Path, *, rtl: bool = False, duration: float = 0.6) -> Path:
    """A small project in ``root``: a four-step story, a point layer and an image (the basemap is the tool's own)."""
    import json

    (root / "stories").mkdir(parents=True, exist_ok=True)
    (root / "geodata").mkdir(exist_ok=True)
    (root / "img").mkdir(exist_ok=True)
    (root / "img" / "chart.png").write_bytes(PNG)
    features = [
        {
            "type": "Feature",
            "properties": {
                "id": fid,
                "name": name,
                "note": EVIL_NOTE if fid == "evil" else f"Note on {name}",
            },
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for fid, name, lon, lat in PLACES
    ]
    (root / "geodata" / "places.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    front = f"""---
title: "{"داستان آزمایشی" if rtl else "Test story"} <script>window.__pwned=3</script>"
subtitle: "A subtitle for the test"
byline: "A. Reporter"
published: 2024-05-01
lang: {"fa" if rtl else "en"}
dir: {"rtl" if rtl else "ltr"}
basemap: natural-earth
layers:
  places:
    source: ../geodata/places.geojson
    label: "Places"
    style: {{color: "#0072B2", radius: 7}}
    tooltip: [name, note]
    labels: name
    attribution: '{ATTRIBUTION}'
sources:
  report:
    title: "A report"
    outlet: "The Outlet"
    date: 2024-04-30
    url: "https://news.example.org/report"
  book:
    title: "A book without a link"
    author: "B. Author"
---

The introduction, before the first step.
"""
    body = []
    for index, (title, explicit, fid, center, zoom) in enumerate(STEPS_RTL if rtl else STEPS_LTR):
        heading = f"## {title}" + (f" {{#{explicit}}}" if explicit else "")
        extra = ""
        if index == 0:
            extra = (
                "Text with [a link](https://example.org/page), [bad](javascript:alert(1)) "
                "and <script>window.__pwned=5</script>.\n\n![A small chart](../img/chart.png)\n"
            )
        body.append(
            f"""{heading}

Step {index + 1} text about {fid}. {extra}
```map
center: {center}
zoom: {zoom}
layers: [places]
highlight: {{layer: places, ids: [{fid}]}}
duration: {duration}
as_of: 2024-04-0{index + 1}
sources: [{"report, book" if index == 0 else "report"}]
```
"""
        )
    story = root / "stories" / "test.md"
    story.write_text(front + "\n" + "\n".join(body), encoding="utf-8")
    return story


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def checked(project: Path):
    result = check_story(project)
    assert not result.errors, result.errors
    return result


@pytest.fixture(scope="module")
def page(checked) -> str:
    return render_page(checked).html


def _outside_scripts(html: str) -> str:
    return re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S | re.I)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of ``html`` with its (entity-decoded) attributes."""
    parser = _Elements()
    parser.feed(html)
    return parser.found


def assert_no_active_content(html: str, allow: tuple[str, ...] = ()) -> None:
    for tag, attrs in elements(html):
        assert tag in allow or tag not in ("script", "iframe", "object", "embed", "style"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")), value


# --- the sanitizer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        '<a href="javascript:alert(1)">x</a>',
        "![x](javascript:alert(1))",
    ],
)
def test_render_markdown_strips_script_handlers_and_javascript_links(markdown: str) -> None:
    assert_no_active_content(render_markdown(markdown))


def test_render_markdown_keeps_safe_links_and_formatting() -> None:
    html = render_markdown("**bold** [web](https://example.org) [mail](mailto:a@example.org) [rel](#step)")
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'target="_blank"' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="#step"' in html


def test_render_markdown_inlines_local_images_and_links_remote_ones(project: Path) -> None:
    html = render_markdown("![A chart](../img/chart.png)", base=project)
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="A chart">', html)
    remote = render_markdown("![Remote](https://example.org/x.png)", base=project)
    assert "<img" not in remote and 'href="https://example.org/x.png"' in remote
    outside = render_markdown("![Secret](../../../etc/passwd.png)", base=project)
    assert "<img" not in outside and "Secret" in outside
    assert "<img" not in render_markdown("![No base](../img/chart.png)")


def test_render_markdown_demotes_headings() -> None:
    assert render_markdown("# Big").startswith("<h3>")


def test_sanitize_inline_keeps_links_only() -> None:
    html = sanitize_inline(ATTRIBUTION)
    assert 'href="https://data.example.org/places"' in html
    assert "<img" not in html and "onerror" not in html


# --- the page -----------------------------------------------------------------------------


def test_page_is_one_file_without_external_references(page: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref=", page, re.I)
    assert not re.search(r"\burl\((?!\s*['\"]?data:)", page.replace("url(#", "")), "no CSS url() but data:"
    csp = [a["content"] for tag, a in elements(page) if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")


def test_page_has_no_http_url_outside_links_and_attributions(page: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>\\)]+", page))
    links = set(re.findall(r"<a\b[^>]*\bhref=\"(https?://[^\"]+)\"", page))
    attribution = set(re.findall(r"https?://[^\s\"'<>\\)]+", ATTRIBUTION))
    # Leaflet's own namespace, attribution prefix and comments (never requested; CSP forbids it).
    shipped = "".join(leaflet_assets())
    leaflet = set(re.findall(r"https?://[^\s\"'<>\\)]+", shipped))
    # The YouTube and Vimeo players the page may frame, in its CSP and its click handler: only
    # ever requested when a reader clicks a video's link.
    players = {u for u in urls if any(u.startswith(host.rsplit("/", 2)[0]) for host in EMBED_HOSTS)}
    assert urls - links - attribution - leaflet - players == set()
    assert "https://news.example.org/report" in links  # the source link is a real link


def test_page_escapes_author_text_and_geojson_properties(page: str) -> None:
    assert "window.__pwned=3</script>" not in page  # the title is escaped
    assert "&lt;script&gt;window.__pwned=3" in page
    assert "</script><script>window.__pwned=2" not in page  # properties are JSON-escaped
    assert '<img src=x onerror="window.__pwned=4">' not in page  # attribution sanitized
    static = _outside_scripts(page)
    assert_no_active_content(static, allow=("style",))  # the page's own styles


def test_page_shows_every_step_with_sources_without_javascript(page: str, checked) -> None:
    static = _outside_scripts(page)
    for number, step in enumerate(checked.story.steps, start=1):
        assert f">{step.title}</h2>" in static
        assert f"Step {number} text" in static
    assert static.count('class="sm-as-of"') == 4
    assert static.count("A report") >= 5  # every step cites it, and the credits list it
    assert "A book without a link" in static and "B. Author" in static
    assert 'href="https://news.example.org/report"' in static
    assert "<noscript>" in page and "@media print" in page


def test_page_has_title_card_intro_credits_and_navigation(page: str) -> None:
    assert 'class="sm-title"' in page and "A subtitle for the test" in page and "A. Reporter" in page
    assert '<time datetime="2024-05-01">1 May 2024</time>' in page
    assert "The introduction, before the first step." in page
    assert 'aria-label="Previous step"' in page and 'aria-label="Next step"' in page
    assert 'aria-live="polite"' in page
    assert "Leaflet" in page and "Example Data" in page
    assert "Natural Earth" in page and "GeoNames" in page
    assert '<html lang="en" dir="ltr"' in page


def test_rtl_story_sets_lang_and_dir(tmp_path: Path) -> None:
    story = make_project(tmp_path, rtl=True)
    result = check_story(story)
    assert not result.errors, result.errors
    html = render_page(result, layout="slides").html
    assert '<html lang="fa" dir="rtl"' in html
    assert 'data-layout="slides"' in html
    assert "تهران" in html


def test_layout_must_be_known(checked) -> None:
    with pytest.raises(ValueError, match="layout"):
        render_page(checked, layout="carousel")


def test_export_with_assets_writes_relative_files(checked, tmp_path: Path) -> None:
    out = tmp_path / "site" / "story.html"
    written = export_story(checked, out, assets=tmp_path / "site" / "assets")
    names = {p.name for p in written}
    assert {"story.html", "leaflet.js", "leaflet.css", "storymap.js", "export.js", "test.map.js"} <= names
    html = out.read_text()
    assert '<script src="assets/leaflet.js"></script>' in html
    assert '<script src="assets/test.map.js"></script>' in html
    assert "Content-Security-Policy" not in html
    assert len(html) < 30_000  # the data went to the asset files


# --- the command line ---------------------------------------------------------------------


def test_cli_export_writes_the_page_and_prints_its_size(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    result = CliRunner().invoke(main, ["export", str(project), "--out", str(out), "--layout", "slides"])
    assert result.exit_code == 0, result.output
    assert out.exists() and 'data-layout="slides"' in out.read_text()
    assert re.search(r"wrote .*out\.html \(\d+(\.\d+)? (kB|MB)", result.stdout)


def test_cli_export_refuses_a_story_with_errors(tmp_path: Path) -> None:
    story = make_project(tmp_path)
    story.write_text(story.read_text().replace("layers: [places]", "layers: [placez]", 1))
    out = tmp_path / "out.html"
    result = CliRunner().invoke(main, ["export", str(story), "--out", str(out)])
    assert result.exit_code == 1
    assert 'unknown layer "placez"' in result.stderr and "did you mean" in result.stderr
    assert re.search(r"test\.md:\d+:", result.stderr)
    assert not out.exists()


def test_cli_export_usage_errors_exit_2(project: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["export", str(project)]).exit_code == 2  # no --out
    bad = runner.invoke(main, ["export", str(project), "--out", str(tmp_path / "x.html"), "--layout", "x"])
    assert bad.exit_code == 2
    assert runner.invoke(main, ["export", str(tmp_path / "nope.md"), "--out", "x.html"]).exit_code == 2


def test_tiles_only_when_the_story_asks_for_them(tmp_path: Path, page: str) -> None:
    assert "L.tileLayer" not in page
    story = make_project(tmp_path)
    story.write_text(story.read_text().replace("basemap: natural-earth", "basemap: OpenStreetMap.Mapnik"))
    result = check_story(story)
    assert not result.errors, result.errors
    tiles = render_page(result).html
    assert "L.tileLayer" in tiles and "tile.openstreetmap.org" in tiles
    csp = [a["content"] for tag, a in elements(tiles) if a.get("http-equiv") == "Content-Security-Policy"]
    assert "img-src data: https:" in csp[0]
    assert "OpenStreetMap" in _outside_scripts(tiles)  # credited
