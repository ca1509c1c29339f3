"""Author Markdown → safe HTML: markdown-it-py renders, nh3 sanitizes (once, at the boundary)."""

from __future__ import annotations

from pathlib import Path

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False})
ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h3", "h4", "h5", "h6", "br", "hr", "img"}


def render_markdown(text: str, base: Path | None = None) -> str:
    """Render step Markdown to sanitized HTML (no script, no event handlers, safe links)."""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}},
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="noopener noreferrer",
    )
