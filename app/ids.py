"""Identifiers, defined once: ids of layers, sources and steps, and story slugs.

An *id* names something inside a story (a layer, a source, a step): letters, digits, ``-``
and ``_``, starting with a letter or digit. A *slug* names a story in URLs and file names:
lowercase ASCII letters, digits, ``-`` and ``_``. A story's slug comes from its file name,
so ``stories/My Story.md`` is reached as ``?story=my-story``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
ID_MAX_LENGTH = 80
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLUG_MAX_LENGTH = 64

_ID_RE = re.compile(ID_PATTERN)
_SLUG_RE = re.compile(SLUG_PATTERN)


def is_id(text: str) -> bool:
    """True for a valid layer, source or step id."""
    return bool(_ID_RE.match(text)) and len(text) <= ID_MAX_LENGTH


def is_slug(text: str) -> bool:
    """True for a valid story slug."""
    return bool(_SLUG_RE.match(text))


def slugify(text: str, *, ascii: bool = False) -> str:
    """Lowercase words joined by hyphens ("" if nothing is left).

    Step ids keep non-Latin letters (``## تهران`` → ``تهران``); with ``ascii`` accents are
    folded and other scripts dropped (``Bosnia and Herz.`` → ``bosnia-and-herz``), for names
    that must stay plain ASCII such as story slugs and feature ids.
    """
    if ascii:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")


def story_slug(path: Path | str) -> str:
    """The slug a story file is linked by: its file name if that is a slug, else made one."""
    stem = Path(path).stem
    if is_slug(stem):
        return stem
    return slugify(stem, ascii=True)[:SLUG_MAX_LENGTH].strip("-") or "story"
