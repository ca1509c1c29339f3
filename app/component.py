"""The Streamlit side of the map: two Components v2 elements.

``story_map`` mounts the map document (built once per story) in an iframe; its data never
changes while a story is open, so Streamlit sends it once and then only a cached reference.
``step_list`` is the sidebar's list of steps, built in the browser from the titles as text.
Steps chosen in the browser (buttons, keys, the list) move the map at once and come back to
Python as a ``step`` trigger; a deep link's step is the frame's ``initial`` step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from app.i18n import strings

STATIC = Path(__file__).resolve().parent / "static"

_frame = st.components.v2.component(
    "storymap.frame",
    js=(STATIC / "frame_component.js").read_text(encoding="utf-8"),
    css=(STATIC / "frame_component.css").read_text(encoding="utf-8"),
    isolate_styles=False,
)
_problems = st.components.v2.component(
    "storymap.problems",
    js=(STATIC / "problems_component.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)
_step_list = st.components.v2.component(
    "storymap.step_list",
    js=(STATIC / "step_list_component.js").read_text(encoding="utf-8"),
    css=(STATIC / "step_list_component.css").read_text(encoding="utf-8"),
    isolate_styles=False,
)


# The interface's words the frame writes (its buttons and the embed panel).
FRAME_WORDS = (
    "previous",
    "next",
    "previous_step",
    "next_step",
    "step_navigation",
    "share_step",
    "share_paste",
    "share_copy",
    "share_copied",
    "share_present",
)


def doc_hash(doc: str) -> str:
    """A short content hash: the frame is rebuilt only when the document changes."""
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def story_map(
    doc: str,
    *,
    title: str,
    slug: str,
    initial: int,
    mode: str,
    lang: str,
    direction: str,
    key: str,
    on_step: Callable[[], None],
    revision: dict[str, Any] | None = None,
) -> Any:
    """Mount the map frame; ``on_step`` runs when the reader moves in the browser. Its buttons
    and embed panel speak the story's ``lang``, in its ``direction`` (``ltr`` or ``rtl``).

    Everything in ``data`` stays the same while the story is open, so after the first run
    Streamlit sends only a reference to it. In author mode ``revision`` (see
    :meth:`app.author.Watch.frame_revision`) carries a new version of the story to the live
    map; the document, and so the iframe, stay.
    """
    words = strings(lang)
    data = {
        "doc": doc,
        "hash": doc_hash(doc),
        "title": title,
        "frame_title": words["map"].format(title=title),
        "slug": slug,
        "initial": initial,
        "mode": mode,
        "lang": lang,
        "dir": direction,
        "words": {name: words[name] for name in FRAME_WORDS},
    }
    if revision is not None:
        data["revision"] = revision
    return _frame(data=data, key=key, on_step_change=on_step, height="content")


def problem_list(status: str, problems: list[dict[str, Any]], *, broken: bool, key: str) -> None:
    """Author mode's list of problems beside the map, built in the browser with ``textContent``.

    Each problem is ``{where, message, severity, step, step_label}``; one with a ``step``
    (0-based) gets a button that moves the map there.
    """
    _problems(data={"status": status, "problems": problems, "broken": broken}, key=key)


def step_list(titles: list[str], *, slug: str, current: int, lang: str, direction: str, key: str) -> None:
    """The list of steps; a click moves the map in the browser (no server round trip first).

    ``titles`` are author text: the browser writes them with ``textContent``. ``current``
    marks a step until the map reports its own. The list is in the story's ``lang`` and
    ``direction``.
    """
    data = {
        "titles": titles,
        "key": f"{slug}:{lang}:{direction}:{doc_hash(chr(0).join(titles))}",
        "current": current,
        "heading": strings(lang)["steps"],
        "lang": lang,
        "dir": direction,
    }
    _step_list(data=data, key=key)
