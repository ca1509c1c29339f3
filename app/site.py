"""``storymap build``: a folder of stories as a static site any host or CDN can serve as it is.

``index.html`` lists the stories; each story is ``<slug>/index.html`` (one self-contained page:
nothing to fetch from anywhere else) with ``<slug>/index.oembed.json`` and its share image
``<slug>/index.share.png`` (step 1, taken in Chromium: :mod:`app.shots`) beside it; ``_headers``
gives hosts that read it (Netlify, Cloudflare Pages) the caching advice, which the README repeats
for other servers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import Problem
from app.export import export_story
from app.ids import story_slug
from app.markup import templates
from app.paths import find_stories
from app.shots import Renderer
from app.validate import check_story

# Pages change when a story is rebuilt: revalidate them; oEmbed files likewise.
HEADERS = """# Caching advice for static hosts that read this file (Netlify, Cloudflare Pages).
# Story pages are self-contained: one request each. Let browsers and CDNs keep them for
# five minutes and serve a stale copy while they check for a new one.
/*
  Cache-Control: public, max-age=300, stale-while-revalidate=86400
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
/*.oembed.json
  Content-Type: application/json+oembed
  Access-Control-Allow-Origin: *
"""


@dataclass
class Site:
    """What a build wrote: the stories built (by slug), those with errors, and the bytes."""

    built: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes: int = 0


def build_site(
    stories: Path,
    out: Path,
    *,
    base_url: str | None = None,
    layout: str = "scroll",
    strict: bool = False,
    fetch_media: bool = False,
    share_images: bool = True,
    report: Callable[[str, list[Problem], bool], None] | None = None,
    on_stage: Callable[[str, str], None] | None = None,
) -> Site:
    """Export every story in ``stories`` under ``out`` and write the index; stories with errors
    are listed in :attr:`Site.failed` (and reported) and left out of the index. ``on_stage(slug,
    stage)`` hears each story's stages as they start (for a progress display)."""
    with Renderer() if share_images else _no_renderer() as renderer:
        return _build(stories, out, base_url, layout, strict, fetch_media, renderer, report, on_stage)


@contextmanager
def _no_renderer() -> Iterator[None]:
    yield None


def _build(
    stories: Path,
    out: Path,
    base_url: str | None,
    layout: str,
    strict: bool,
    fetch_media: bool,
    renderer: Renderer | None,
    report: Callable[[str, list[Problem], bool], None] | None,
    on_stage: Callable[[str, str], None] | None,
) -> Site:
    site = Site()
    valid = []
    base = base_url.rstrip("/") + "/" if base_url else None
    stage = on_stage or (lambda slug, name: None)
    for path in find_stories([stories]).stories:
        slug = story_slug(path)
        stage(slug, "check")
        checked = check_story(path, strict=strict)
        if checked.story is None or checked.errors:
            site.failed.append(slug)
            if report:
                report(slug, checked.errors, False)
            continue
        page = out / slug / "index.html"
        stage(slug, "export and share image" if renderer else "export")
        written = export_story(
            checked,
            page,
            layout=layout,
            fetch_media=fetch_media,
            page_url=f"{base}{slug}/" if base else None,
            share_step=0 if renderer else None,
            renderer=renderer,
        )
        site.bytes += sum(p.stat().st_size for p in written)
        site.built.append(slug)
        valid.append(checked.story)
        if report:
            report(slug, checked.warnings, True)
    out.mkdir(parents=True, exist_ok=True)
    index = templates.get_template("site_index.html.j2").render(stories=valid)
    (out / "index.html").write_text(index, encoding="utf-8")
    (out / "_headers").write_text(HEADERS, encoding="utf-8")
    site.bytes += len(index.encode())
    return site
