"""Stage: a story as one self-contained HTML page (map + text + controller, assets inlined).

The page is assembled from :func:`app.mapview.map_parts` — the same folium map and the same
step controller (``storymap.js``) as the Streamlit tour — plus the page's own layout script
(``static/export.js``) and styles (``static/export.css``) and the ``export.html.j2`` template,
whose step cards and title card are the tour's own (see :mod:`app.markup`, which escapes every
author string on the way in).

By default nothing is fetched: Leaflet, the controller, the layers and the basemap are in the
file, and a Content-Security-Policy forbids the page from loading anything else. With
``assets`` the scripts, styles and the map data are written as separate files beside the page
and referenced relatively, for CMSs that prefer it.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from app import basemap, tiles
from app.assets import page_assets
from app.i18n import strings
from app.mapview import MapParts, map_parts
from app.markup import (
    Credit,
    closing_view,
    intro_html,
    oembed,
    page_strings,
    source_view,
    step_views,
    templates,
)
from app.media import EMBED_HOSTS
from app.models import Story
from app.render import Assets, sanitize_inline
from app.shots import HANDOUT_MAP_SIZE, SHARE_SIZE, Renderer
from app.validate import Checked

LAYOUTS = ("scroll", "slides")


@dataclass(frozen=True)
class Page:
    """The rendered page and, when assets are separate, the files that go with it."""

    html: str
    assets: dict[str, str | bytes]  # file name → text (scripts, styles) or bytes (media); empty when inlined


def credits(story: Story) -> list[Credit]:
    """Basemap, software and layer attributions for the credits section."""
    words = strings(story.meta.lang)
    lines: list[Credit] = []
    if story.meta.basemap == "natural-earth":
        if basemap.available():
            labels = (
                ' Labels: names from Natural Earth and <a href="https://www.geonames.org/" '
                'target="_blank" rel="noopener noreferrer">GeoNames</a> (CC BY 4.0).'
                if story.meta.basemap_labels
                else ""
            )
            lines.append(
                Credit(
                    words["basemap"],
                    'Land and borders from <a href="https://www.naturalearthdata.com/" '
                    'target="_blank" rel="noopener noreferrer">Natural Earth</a> (public domain).' + labels,
                )
            )
    else:
        lines.append(
            Credit(words["basemap"], sanitize_inline(tiles.provider(story.meta.basemap).html_attribution))
        )
    for layer in story.meta.layers.values():
        if layer.attribution:
            lines.append(Credit(layer.label, sanitize_inline(layer.attribution)))
    for overlay in story.meta.overlays.values():
        credit = overlay.attribution or (
            tiles.provider(overlay.tiles).html_attribution if overlay.tiles else None
        )
        if credit:
            lines.append(Credit(overlay.label, sanitize_inline(credit)))
    lines.append(
        Credit(
            words["software"],
            '<a href="https://leafletjs.com/" target="_blank" rel="noopener noreferrer">Leaflet</a> '
            "(BSD 2-Clause licence), drawn with folium.",
        )
    )
    return lines


def content_security_policy(story: Story) -> str:
    """What the single-file page may load: nothing but itself, inlined media, tiles if the story
    uses them, a YouTube or Vimeo player once the reader clicks its link, and a worker that its
    own script makes from a ``blob:`` URL (no request), which readies the date formatter."""
    online = story.meta.basemap != "natural-earth" or any(o.tiles for o in story.meta.overlays.values())
    images = "data: https:" if online else "data:"
    return (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        f"img-src {images}; media-src data:; frame-src {' '.join(h.rsplit('/', 2)[0] for h in EMBED_HOSTS)}; "
        "font-src data:; worker-src blob:; base-uri 'none'; form-action 'none'"
    )


def render_page(
    checked: Checked,
    layout: str = "scroll",
    parts: MapParts | None = None,
    assets_href: str | None = None,
    fetch_media: bool = False,
    page_url: str | None = None,
    share_image: str | None = None,
) -> Page:
    """The export page for a story that validated.

    ``fetch_media`` downloads remote images into the page (the author's ``--fetch-media``);
    otherwise they stay links and the page requests nothing. ``page_url``, the address the
    page will be published at, goes into its social-card meta and oEmbed discovery link, with
    ``share_image`` (a file name beside the page) as the card's picture.

    ``assets_href`` (a relative URL prefix such as ``"assets/"``) writes scripts, styles and
    map data as separate files (returned in :attr:`Page.assets`); without it everything is
    inlined and the page is one file.
    """
    story = checked.story
    if story is None:
        raise ValueError("render_page needs a story that validated")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    parts = parts or map_parts(checked)
    page_js, page_css = page_assets()
    assets: dict[str, str | bytes] = {}
    media = Assets(assets_href) if assets_href is not None else None
    if assets_href is not None:
        data_name = f"{story.slug}.map.js"
        assets = {
            "leaflet.js": parts.leaflet_js,
            "leaflet.css": parts.leaflet_css,
            "storymap.js": parts.controller_js,
            "storymap.css": parts.controller_css,
            "export.js": page_js,
            "export.css": page_css,
            data_name: parts.script + ("\n" + parts.late_script if parts.late else ""),
        }
    html = templates.get_template("export.html.j2").render(
        story=story,
        meta=story.meta,
        layout=layout,
        parts=parts,
        page_js=page_js,
        page_css=page_css,
        assets_href=assets_href,
        data_name=f"{story.slug}.map.js",
        csp=content_security_policy(story) if assets_href is None else None,
        intro_html=intro_html(story, fetch=fetch_media, assets=media),
        steps=step_views(story, fetch=fetch_media, assets=media),
        closing=closing_view(story, fetch=fetch_media, assets=media),
        credits=credits(story),
        all_sources=[source_view(sid, s) for sid, s in story.meta.sources.items()],
        t=page_strings(story.meta.lang),
        page_url=page_url,
        oembed_url=oembed_href(page_url) if page_url else None,
        share_image_url=urljoin(page_url, share_image) if page_url and share_image else None,
        share_size=SHARE_SIZE,
    )
    if media is not None:
        assets.update(media.files)
    return Page(html=html, assets=assets)


def render_handout(
    checked: Checked, maps: list[bytes], parts: MapParts | None = None, fetch_media: bool = False
) -> str:
    """The print handout: the header, then per step a picture of its map (``maps``, PNGs in step
    order) and its card, then the closing section and the credits; one file, no script."""
    story = checked.story
    if story is None:
        raise ValueError("render_handout needs a story that validated")
    parts = parts or map_parts(checked)
    _, page_css = page_assets()
    return templates.get_template("handout.html.j2").render(
        meta=story.meta,
        page_css=page_css,
        intro_html=intro_html(story, fetch=fetch_media),
        steps=step_views(story, fetch=fetch_media),
        maps=["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in maps],
        map_size=HANDOUT_MAP_SIZE,
        descriptions=[step.get("description", "") for step in parts.config["steps"]],
        closing=closing_view(story, fetch=fetch_media),
        credits=credits(story),
        all_sources=[source_view(sid, s) for sid, s in story.meta.sources.items()],
        t=page_strings(story.meta.lang),
    )


def assets_href(out: Path, assets: Path) -> str:
    """The relative URL prefix from the page at ``out`` to the ``assets`` folder."""
    rel = os.path.relpath(assets.resolve(), out.resolve().parent)
    rel = Path(rel).as_posix()
    return "" if rel == "." else rel.rstrip("/") + "/"


def beside(page: str, suffix: str) -> str:
    """The address of a file beside a page: ``story.html`` → ``story{suffix}``."""
    head, _, name = page.rpartition("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name or "index"
    return f"{head}/{stem}{suffix}" if head else f"{stem}{suffix}"


def oembed_href(page: str) -> str:
    """The oEmbed file's address beside a page: ``story.html`` → ``story.oembed.json``."""
    return beside(page, ".oembed.json")


def share_image_href(page: str) -> str:
    """The share image's address beside a page: ``story.html`` → ``story.share.png``."""
    return beside(page, ".share.png")


def handout_href(page: str) -> str:
    """The print handout's address beside a page: ``story.html`` → ``story.handout.html``."""
    return beside(page, ".handout.html")


@contextmanager
def _pictures(renderer: Renderer | None) -> Iterator[Renderer]:
    """``renderer``, or a Chromium of our own for the length of the block."""
    if renderer is not None:
        yield renderer
        return
    with Renderer() as own:
        yield own


def export_story(
    checked: Checked,
    out: Path,
    layout: str = "scroll",
    assets: Path | None = None,
    parts: MapParts | None = None,
    fetch_media: bool = False,
    page_url: str | None = None,
    share_step: int | None = None,
    renderer: Renderer | None = None,
    handout: bool = False,
) -> list[Path]:
    """Write the page, its oEmbed file (and, with ``assets``, its asset files; with ``share_step``,
    0-based, a share image of that step; with ``handout``, the print handout, its maps pictured at
    every step; pictures are taken by ``renderer`` or a Chromium of its own); returns the files
    written."""
    href = assets_href(out, assets) if assets is not None else None
    share = share_image_href(out.name) if share_step is not None else None
    page = render_page(
        checked,
        layout=layout,
        parts=parts,
        assets_href=href,
        fetch_media=fetch_media,
        page_url=page_url,
        share_image=share,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page.html, encoding="utf-8")
    assert checked.story is not None
    embed = out.with_name(oembed_href(out.name))
    data = oembed(checked.story, page_url or out.name)
    if share:
        data |= {"thumbnail_url": urljoin(page_url or out.name, share)}
        data |= {"thumbnail_width": SHARE_SIZE[0], "thumbnail_height": SHARE_SIZE[1]}
    embed.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written = [out, embed]
    if assets is not None:
        assets.mkdir(parents=True, exist_ok=True)
        for name, content in page.assets.items():
            path = assets / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            written.append(path)
    if share_step is None and not handout:
        return written
    with _pictures(renderer) as shots:
        if share is not None and share_step is not None:
            image = out.with_name(share)
            image.write_bytes(shots.share_image(out, share_step, assets=assets))
            written.append(image)
        if handout:
            paper = out.with_name(handout_href(out.name))
            maps = shots.maps(out, HANDOUT_MAP_SIZE, assets=assets)
            paper.write_text(render_handout(checked, maps, parts, fetch_media), encoding="utf-8")
            written.append(paper)
    return written
