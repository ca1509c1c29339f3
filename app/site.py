"""``storymap build``: a folder of stories as a static site any host or CDN can serve as it is.

``index.html`` lists the stories; each story is ``<slug>/index.html`` (one self-contained page:
nothing to fetch from anywhere else) with ``<slug>/index.oembed.json`` beside it; ``_headers``
gives hosts that read it (Netlify, Cloudflare Pages) the caching advice, which the README repeats
for other servers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import Problem
from app.export import export_story
from app.ids import story_slug
from app.markup import templates
from app.paths import find_stories
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
    report: Callable[[str, list[Problem], bool], None] | None = None,
) -> Site:
    """Export every story in ``stories`` under ``out`` and write the index; stories with errors
    are listed in :attr:`Site.failed` (and reported) and left out of the index."""
    site = Site()
    valid = []
    base = base_url.rstrip("/") + "/" if base_url else None
    for path in find_stories([stories]).stories:
        checked = check_story(path, strict=strict)
        slug = story_slug(path)
        if checked.story is None or checked.errors:
            site.failed.append(slug)
            if report:
                report(slug, checked.errors, False)
            continue
        page = out / slug / "index.html"
        written = export_story(
            checked, page, layout=layout, fetch_media=fetch_media, page_url=f"{base}{slug}/" if base else None
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
