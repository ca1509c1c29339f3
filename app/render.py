"""Author Markdown → safe HTML: markdown-it-py renders, nh3 sanitizes (once, at the boundary).

Step text is CommonMark with raw HTML disabled. The sanitizer then keeps a small set of tags
and allows links only to ``http``, ``https``, ``mailto`` and relative addresses. Images never
make a request: a local image (resolved with :func:`app.paths.resolve_source`, so it must lie
inside the project) is inlined as a ``data:`` URI; a remote image becomes a link to it.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from pydantic import ValidationError

from app.errors import StoryError
from app.media import (
    AUDIO_TYPES,
    EMBED_HOSTS,
    IMAGE_TYPES,
    MAX_IMAGE_BYTES,
    MAX_INLINE_MEDIA_BYTES,
    VIDEO_TYPES,
    Encoded,
    MediaError,
    embed_url,
    fetch_image,
    is_remote,
    kind_of,
    read_local,
)
from app.models import Media
from app.paths import resolve_source

LINK_SCHEMES = {"http", "https", "mailto"}

ALLOWED_TAGS = {
    "p",
    "a",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "hr",
    "img",
    "span",
    "figure",
    "figcaption",
    "video",
    "audio",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-embed", "data-title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "video": {"src", "controls", "preload", "poster", "title"},
    "audio": {"src", "controls", "preload", "title"},
}
MEDIA_MIMES = {*VIDEO_TYPES.values(), *AUDIO_TYPES.values()}
INLINE_TAGS = {"a", "em", "strong", "b", "i", "span", "br"}


def _safe_data_image(value: str) -> bool:
    head = value[:40].lower()
    return head.startswith("data:image/") and head.split(";", 1)[0][5:] in IMAGE_TYPES.values()


def _safe_data_media(value: str) -> bool:
    head = value[:40].lower()
    return head.startswith(("data:video/", "data:audio/")) and head.split(";", 1)[0][5:] in MEDIA_MIMES


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """Second line of defence after ``url_schemes``: ``data:`` only as an image, video or sound,
    and a player address only from the privacy-enhanced hosts the page may frame."""
    if attribute == "data-embed":
        return value if value.startswith(EMBED_HOSTS) else None
    if attribute in ("href", "src", "poster") and value.strip().lower().startswith("data:"):
        if (element == "img" and attribute == "src") or (element == "video" and attribute == "poster"):
            return value if _safe_data_image(value) else None
        if element in ("video", "audio") and attribute == "src":
            return value if _safe_data_media(value) else None
        return None
    return value


def _clean(markup: str, tags: set[str], attributes: dict[str, set[str]]) -> str:
    return nh3.clean(
        markup,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=attributes,
        attribute_filter=_attribute_filter,
        url_schemes={*LINK_SCHEMES, "data"},
        tag_attribute_values={
            "a": {"target": {"_blank"}, "class": {"sm-embed"}},
            "span": {"class": {"sm-missing-image", "sm-credit"}},
            "figure": {"class": {"sm-media"}},
        },
        link_rel="noopener noreferrer",
    )


def image_data_uri(path: Path) -> str | None:
    """``path`` as a ``data:`` URI, or None if it is not a small image file."""
    try:
        return read_local(path, IMAGE_TYPES, MAX_IMAGE_BYTES).data_uri()
    except MediaError:
        return None


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with offline images, demoted headings and new-tab links."""

    def image(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        title = token.attrGet("title")
        title_attr = f' title="{html.escape(str(title))}"' if title else ""
        if is_remote(src):
            if not env.get("fetch"):
                # An offline page makes no requests: link to a remote image instead of loading it.
                label = html.escape(alt or src)
                return f'<a href="{html.escape(src)}" target="_blank">{label}</a>'
            src = fetch_image(src).data_uri()  # storymap export --fetch-media
        if not src.lower().startswith("data:"):
            base = env.get("base")
            uri = None
            if base is not None:
                try:
                    uri = image_data_uri(resolve_source(Path(base), src))
                except StoryError:
                    uri = None
            if uri is None:
                return f'<span class="sm-missing-image">{html.escape(alt)}</span>' if alt else ""
            src = uri
        return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{title_attr}>'

    def fence(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        token = tokens[idx]
        if token.info.strip().split(maxsplit=1)[:1] != ["media"]:
            return super().fence(tokens, idx, options, env)
        try:
            media = Media.model_validate(yaml.safe_load(token.content))
        except (yaml.YAMLError, ValidationError):
            return ""  # the validator reports it; a story with errors is never shown
        return _media_html(media, env)

    def heading_open(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        # `##` starts a step (an <h2> on the page); headings inside a step start at <h3>.
        token = tokens[idx]
        token.tag = f"h{max(3, min(6, int(token.tag[1])))}"
        return self.renderToken(tokens, idx, options, env)

    def heading_close(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        return self.heading_open(tokens, idx, options, env)

    def link_open(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "").lower()
        if href.startswith(("http://", "https://", "mailto:")):
            # Inside an embed, a link must not navigate the iframe away from the story.
            token.attrSet("target", "_blank")
        return self.renderToken(tokens, idx, options, env)


def _file(media_src: str, env: dict[str, Any], types: dict[str, str], limit: int) -> str | None:
    """A local file's address on the page: a data: URI, or a file beside the export (``--assets``)."""
    base = env.get("base")
    if base is None:
        return None
    try:
        encoded = read_local(resolve_source(Path(base), media_src), types, limit)
    except (StoryError, MediaError):
        return None
    assets: Assets | None = env.get("assets")
    if assets is None or encoded.mime.startswith("image/"):
        return encoded.data_uri()
    return assets.add(Path(media_src).name, encoded)


def _media_html(media: Media, env: dict[str, Any]) -> str:
    """A ```media block as a figure: the image, player or link, its caption and its credit."""
    kind = kind_of(media)
    alt, src = html.escape(media.alt), media.src
    if kind == "image":
        uri = (
            (fetch_image(src).data_uri() if env.get("fetch") else None)
            if is_remote(src)
            else _file(src, env, IMAGE_TYPES, MAX_IMAGE_BYTES)
        )
        body = (
            f'<img src="{html.escape(uri)}" alt="{alt}">'
            if uri
            else f'<a href="{html.escape(src)}" target="_blank">{alt}</a>'
            if is_remote(src)
            else f'<span class="sm-missing-image">{alt}</span>'
        )
    elif kind in ("video", "audio"):
        types = VIDEO_TYPES if kind == "video" else AUDIO_TYPES
        uri = None if is_remote(src) else _file(src, env, types, MAX_INLINE_MEDIA_BYTES)
        poster = _file(media.poster, env, IMAGE_TYPES, MAX_IMAGE_BYTES) if media.poster else None
        poster_attr = f' poster="{html.escape(poster)}"' if poster and kind == "video" else ""
        body = (
            f'<{kind} controls preload="metadata" src="{html.escape(uri)}" title="{alt}"{poster_attr}></{kind}>'
            if uri
            else f'<a href="{html.escape(src)}" target="_blank">{alt}</a>'
        )
    else:
        # Nothing loads from a third party until the reader asks: a link, which the exported
        # page turns into the player in place (YouTube, Vimeo) when it is clicked.
        player = embed_url(kind, src)
        where = {"youtube": "YouTube", "vimeo": "Vimeo", "soundcloud": "SoundCloud", "tweet": "X"}[kind]
        verb = {"youtube": "Play", "vimeo": "Play", "soundcloud": "Listen on", "tweet": "Read the post on"}[
            kind
        ]
        label = f"{verb} on {where}" if verb == "Play" else f"{verb} {where}"
        poster = _file(media.poster, env, IMAGE_TYPES, MAX_IMAGE_BYTES) if media.poster else None
        image = f'<img src="{html.escape(poster)}" alt="">' if poster else ""
        embed = f' class="sm-embed" data-embed="{html.escape(player)}" data-title="{alt}"' if player else ""
        body = f'<a href="{html.escape(src)}" target="_blank"{embed}>{image}<span>{label}: {alt}</span></a>'
    notes = [html.escape(media.caption)] if media.caption else []
    if media.credit:
        notes.append(f'<span class="sm-credit">{html.escape(media.credit)}</span>')
    caption = f"<figcaption>{' '.join(notes)}</figcaption>" if notes else ""
    return f'<figure class="sm-media">{body}{caption}</figure>\n'


class Assets:
    """Media files an export writes beside the page (``--assets``) instead of inlining them."""

    def __init__(self, href: str) -> None:
        self.href = href
        self.files: dict[str, bytes] = {}

    def add(self, name: str, encoded: Encoded) -> str:
        stem, suffix = Path(name).stem, Path(name).suffix
        unique, number = name, 1
        while unique in self.files and self.files[unique] != encoded.data:
            number += 1
            unique = f"{stem}-{number}{suffix}"
        self.files[unique] = encoded.data
        return f"{self.href}{unique}"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}, renderer_cls=_Renderer)


def render_markdown(
    text: str, base: Path | None = None, *, fetch: bool = False, assets: Assets | None = None
) -> str:
    """Render author Markdown to sanitized HTML.

    ``base`` is the story file: local images are resolved relative to it and inlined as
    ``data:`` URIs. Without it (or when a file is missing or outside the project) an image
    is replaced by its alt text. No script, event handler or ``javascript:`` link survives.
    ``fetch`` inlines remote images (``export --fetch-media``; :class:`~app.media.MediaError`
    if one cannot be fetched); ``assets`` collects video and sound to write beside the page.
    """
    markup = _markdown().render(text or "", {"base": base, "fetch": fetch, "assets": assets})
    return _clean(markup, ALLOWED_TAGS, ALLOWED_ATTRIBUTES)


def sanitize_inline(markup: str) -> str:
    """Sanitize a short HTML snippet such as a layer's attribution (links and emphasis only)."""
    return _clean(markup or "", INLINE_TAGS, {"a": {"href", "title"}})
