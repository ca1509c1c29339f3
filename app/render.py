"""Author Markdown → safe HTML: markdown-it-py renders, nh3 sanitizes (once, at the boundary).

Step text is CommonMark with raw HTML disabled. The sanitizer then keeps a small set of tags
and allows links only to ``http``, ``https``, ``mailto`` and relative addresses. Images never
make a request: a local image (resolved with :func:`app.paths.resolve_source`, so it must lie
inside the project) is inlined as a ``data:`` URI; a remote image becomes a link to it.
"""

from __future__ import annotations

import base64
import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

from app.errors import StoryError
from app.paths import resolve_source

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
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
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
INLINE_TAGS = {"a", "em", "strong", "b", "i", "span", "br"}


def _safe_data_image(value: str) -> bool:
    head = value[:40].lower()
    return head.startswith("data:image/") and head.split(";", 1)[0][5:] in IMAGE_TYPES.values()


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    """Second line of defence after ``url_schemes``: ``data:`` only as an image source."""
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        return value if element == "img" and attribute == "src" and _safe_data_image(value) else None
    return value


def _clean(markup: str, tags: set[str], attributes: dict[str, set[str]]) -> str:
    return nh3.clean(
        markup,
        tags=tags,
        clean_content_tags={"script", "style"},
        attributes=attributes,
        attribute_filter=_attribute_filter,
        url_schemes={*LINK_SCHEMES, "data"},
        tag_attribute_values={"a": {"target": {"_blank"}}, "span": {"class": {"sm-missing-image"}}},
        link_rel="noopener noreferrer",
    )


def image_data_uri(path: Path) -> str | None:
    """``path`` as a ``data:`` URI, or None if it is not a small image file."""
    mime = IMAGE_TYPES.get(path.suffix.lower())
    try:
        if mime is None or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with offline images, demoted headings and new-tab links."""

    def image(self, tokens: Any, idx: int, options: Any, env: dict[str, Any]) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = self.renderInlineAsText(token.children or [], options, env)
        title = token.attrGet("title")
        title_attr = f' title="{html.escape(str(title))}"' if title else ""
        if src.lower().startswith(("http://", "https://")):
            # An offline page makes no requests: link to a remote image instead of loading it.
            label = html.escape(alt or src)
            return f'<a href="{html.escape(src)}" target="_blank">{label}</a>'
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


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}, renderer_cls=_Renderer)


def render_markdown(text: str, base: Path | None = None) -> str:
    """Render author Markdown to sanitized HTML.

    ``base`` is the story file: local images are resolved relative to it and inlined as
    ``data:`` URIs. Without it (or when a file is missing or outside the project) an image
    is replaced by its alt text. No script, event handler or ``javascript:`` link survives.
    """
    markup = _markdown().render(text or "", {"base": base})
    return _clean(markup, ALLOWED_TAGS, ALLOWED_ATTRIBUTES)


def sanitize_inline(markup: str) -> str:
    """Sanitize a short HTML snippet such as a layer's attribution (links and emphasis only)."""
    return _clean(markup or "", INLINE_TAGS, {"a": {"href", "title"}})
