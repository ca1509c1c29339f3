"""Media in a story: what a ```media block's ``src`` is, and how a page may show it.

Nothing is requested from a third party until the reader asks: local images, video and sound
are inlined (or written beside the export with ``--assets``); YouTube and Vimeo become a link
that the exported page turns into the player in place when it is clicked; SoundCloud and posts
are links. A remote image is fetched at export time only when the author allows it.
"""

from __future__ import annotations

import base64
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from app.models import Media

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg", ".mov": "video/quicktime"}
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_INLINE_MEDIA_BYTES = 20 * 1024 * 1024  # video and sound; larger files go beside the export (--assets)
EMBED_HOSTS = ("https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/")
FETCH_TIMEOUT = 15


class MediaError(Exception):
    """A media file cannot be used (too large, unreadable, or a remote fetch failed)."""


def is_remote(src: str) -> bool:
    return src.lower().startswith(("http://", "https://"))


def kind_of(media: Media) -> str:
    """The media's kind: as the author says, else from its address or file extension."""
    if media.kind:
        return media.kind
    host = (urlsplit(media.src).hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if host in ("youtube.com", "youtu.be", "youtube-nocookie.com"):
        return "youtube"
    if host in ("vimeo.com", "player.vimeo.com"):
        return "vimeo"
    if host in ("soundcloud.com", "on.soundcloud.com"):
        return "soundcloud"
    if host in ("twitter.com", "x.com", "mobile.twitter.com"):
        return "tweet"
    suffix = Path(urlsplit(media.src).path).suffix.lower()
    if suffix in VIDEO_TYPES:
        return "video"
    if suffix in AUDIO_TYPES:
        return "audio"
    return "image"


def embed_url(kind: str, src: str) -> str | None:
    """The player address of a YouTube or Vimeo video (privacy-enhanced for YouTube), or None."""
    parts = urlsplit(src)
    path = parts.path.strip("/")
    if kind == "youtube":
        video = (
            path
            if parts.hostname == "youtu.be"
            else parse_qs(parts.query).get("v", [""])[0]
            or (path.split("/", 1)[1] if path.startswith(("embed/", "shorts/", "live/")) else "")
        )
        return f"{EMBED_HOSTS[0]}{video}" if re.fullmatch(r"[A-Za-z0-9_-]{6,20}", video or "") else None
    if kind == "vimeo":
        number = path.rsplit("/", 1)[-1]
        return f"{EMBED_HOSTS[1]}{number}" if number.isdigit() else None
    return None


@dataclass(frozen=True)
class Encoded:
    """A file as a page can use it: its MIME type and its bytes."""

    mime: str
    data: bytes

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def read_local(path: Path, types: dict[str, str], limit: int) -> Encoded:
    """A local media file's bytes, or MediaError saying why it cannot be used."""
    mime = types.get(path.suffix.lower())
    if mime is None:
        raise MediaError(f"{path.name}: not a {'/'.join(t.lstrip('.') for t in types)} file")
    try:
        size = path.stat().st_size
        if size > limit:
            raise MediaError(
                f"{path.name} is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB a page can inline"
            )
        return Encoded(mime, path.read_bytes())
    except OSError as exc:
        raise MediaError(f"{path.name}: cannot be read ({exc.strerror})") from None


def fetch_image(url: str) -> Encoded:
    """Download a remote image for an export that may (``--fetch-media``); MediaError if it fails."""
    request = urllib.request.Request(url, headers={"User-Agent": "storymap (export --fetch-media)"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            mime = response.headers.get_content_type()
            data = response.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise MediaError(f"{url}: could not be fetched ({exc})") from None
    if not mime.startswith("image/") or mime == "image/svg+xml":
        raise MediaError(f"{url}: is {mime}, not a PNG, JPEG, GIF, WebP or AVIF image")
    if len(data) > MAX_IMAGE_BYTES:
        raise MediaError(f"{url}: larger than {MAX_IMAGE_BYTES / 1e6:.0f} MB")
    return Encoded(mime, data)
