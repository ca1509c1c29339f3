"""HTML of the peer tools (StoryMapJS, Mapbox, sheets) → Markdown that markdown-it reads the same way.

markdownify does the conversion; this module adds what a story needs on top: headings start
at ``###`` (``#`` and ``##`` would start steps), images and embeds go through the writer
(which copies local images and reports remote ones), and scripts, iframes and other tags the
format cannot show are reported instead of vanishing.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Protocol
from urllib.parse import urlparse

from bs4 import BeautifulSoup
from markdownify import MarkdownConverter

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif"}
AUDIO_SUFFIXES = {".mp3", ".ogg", ".wav", ".m4a", ".oga"}
VIDEO_SUFFIXES = {".mp4", ".webm", ".ogv", ".mov", ".m4v"}
EMBED_HOSTS = {
    "youtube.com": "YouTube video",
    "youtube-nocookie.com": "YouTube video",
    "youtu.be": "YouTube video",
    "vimeo.com": "Vimeo video",
    "soundcloud.com": "SoundCloud audio",
    "twitter.com": "tweet",
    "x.com": "tweet",
    "instagram.com": "Instagram post",
    "google.com/maps": "Google map",
}


class MediaSink(Protocol):
    """Where the converter sends images and embeds (the writer)."""

    def image(self, src: str, alt: str, where: str) -> str: ...

    def embed(self, url: str, label: str, kind: str, where: str) -> str: ...

    def dropped(self, what: str, why: str, where: str) -> None: ...


def media_kind(url: str) -> str:
    """ "image", or a label for what the format cannot embed ("YouTube video", "audio", …), or "page"."""
    parsed = urlparse(url.strip())
    host = (parsed.netloc or "").lower().removeprefix("www.").removeprefix("m.")
    for name, label in EMBED_HOSTS.items():
        base, _, path = name.partition("/")
        if (host == base or host.endswith("." + base)) and parsed.path.startswith("/" + path):
            return label
    suffix = PurePosixPath(parsed.path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return "page"


def plain(html: str) -> str:
    """The text of an HTML fragment on one line (for titles and alt text)."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


class _Converter(MarkdownConverter):
    """markdownify with the story's rules for headings, images, embeds and dropped tags."""

    def __init__(self, sink: MediaSink, where: str, **options: Any) -> None:
        super().__init__(heading_style="ATX", bullets="-", **options)
        self.sink = sink
        self.where = where

    def escape(self, text: str, parent_tags: set[str]) -> str:
        # Text that said "&lt;audio&gt;" must not come back as a raw HTML tag.
        return super().escape(text, parent_tags).replace("<", "&lt;")

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        return super().convert_hN(min(max(n + 2, 3), 6), el, text, parent_tags)

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        src = str(el.get("src") or "").strip()
        alt = " ".join(str(el.get("alt") or el.get("title") or "").split())
        return self.sink.image(src, alt, self.where) if src else ""

    def _embed(self, el: Any, kind: str) -> str:
        src = str(el.get("src") or el.get("data") or "").strip()
        if not src:
            source = el.find("source")
            src = str(source.get("src") or "").strip() if source is not None else ""
        if not src:
            self.sink.dropped(f"<{el.name}> without a source", "nothing to link to", self.where)
            return ""
        found = media_kind(src)
        label = kind if found in ("page", "image") else found
        return "\n\n" + self.sink.embed(src, str(el.get("title") or ""), label, self.where) + "\n\n"

    def convert_iframe(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._embed(el, "embedded page")

    def convert_video(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._embed(el, "video")

    def convert_audio(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._embed(el, "audio")

    def convert_embed(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return self._embed(el, "embedded object")

    convert_object = convert_embed

    def convert_script(self, el: Any, text: str, parent_tags: set[str]) -> str:
        self.sink.dropped("<script> in the text", "stories run no author scripts", self.where)
        return ""

    def convert_style(self, el: Any, text: str, parent_tags: set[str]) -> str:
        self.sink.dropped("<style> in the text", "the page's style is the same for every story", self.where)
        return ""


_BLANKS = re.compile(r"\n{3,}")


def html_to_markdown(html: str, sink: MediaSink, where: str) -> str:
    """Convert an HTML fragment (or plain text) to Markdown, reporting what it cannot carry."""
    if not html or not html.strip():
        return ""
    text = _Converter(sink, where).convert(html)
    return _BLANKS.sub("\n\n", text).strip()
