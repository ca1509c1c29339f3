"""The guided tour's logic, free of Streamlit so it can be tested directly.

Reading URL parameters (``story``, ``step``, ``mode``), listing the stories folder and
building the map document for a story all live here; :mod:`app.page` wires them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.assets import AssetsMissing
from app.author_tools import author_config
from app.errors import Problem
from app.ids import is_slug, story_slug
from app.mapview import map_document, map_parts, map_state
from app.paths import find_stories, project_root
from app.validate import Checked, check_story

log = logging.getLogger("storymap")

MODES = ("tour", "present", "embed", "presenter", "author")
DEFAULT_STORY = "russia-iran"


@dataclass
class StoryEntry:
    """One file in the stories folder, checked."""

    slug: str
    path: Path
    title: str
    checked: Checked
    doc: str | None = None
    problems: list[Problem] = field(default_factory=list)
    config: dict[str, Any] | None = None  # what the map document's controller was started with
    layer_data: dict[str, Any] = field(default_factory=dict)  # each GeoJSON layer's data, as embedded

    @property
    def ok(self) -> bool:
        return self.checked.story is not None and self.config is not None


def parse_mode(value: str | None) -> str:
    """``tour`` unless the URL asks for ``present``, ``embed``, ``presenter`` or ``author``."""
    return value if value in MODES else "tour"


def safe_slug(value: str | None) -> str | None:
    """A story slug from the URL, or None if it is not a plain slug (no paths, no dots)."""
    if value is None:
        return None
    value = value.strip().lower()
    return value if is_slug(value) else None


def resolve_step(value: str | None, ids: list[str]) -> int:
    """0-based step index from a URL value: a number from 1, or a step id. Defaults to 0."""
    if not ids or value is None:
        return 0
    value = value.strip()
    if value in ids:
        return ids.index(value)
    if value.isdigit():
        return max(0, min(len(ids) - 1, int(value) - 1))
    return 0


def story_fingerprint(path: Path) -> tuple[int, int]:
    """Changes when the story file or any file in its project's geodata/ changes. A file that
    cannot be read (gone since the listing, a dangling link) is left out: the story's check
    reports it if the story uses it; a story file gone is ``(-1, -1)``."""
    try:
        stat = path.stat()
    except OSError:
        return -1, -1
    newest = stat.st_mtime_ns
    geodata = project_root(path) / "geodata"
    if geodata.is_dir():
        for file in geodata.glob("*.geojson"):
            try:
                newest = max(newest, file.stat().st_mtime_ns)
            except OSError:
                continue
    return stat.st_size, newest


def load_entry(
    path: Path,
    options: dict[str, Any] | None = None,
    basemap_stand_in: dict[str, Any] | None = None,
    document: bool = True,
) -> StoryEntry:
    """Check a story and, if it is valid, build its map document (never raises).

    ``options`` reach the document's controller (see :func:`app.mapview.map_document`);
    ``basemap_stand_in`` is the basemap to use rather than wait for a new one
    (:func:`app.mapview.basemap_config`). Without ``document`` only the controller config
    and layer data are built (a live map's reload needs no new document).
    """
    slug = story_slug(path)
    try:
        checked = check_story(path)
    except Exception:  # a bug of ours must not take the other stories down
        log.exception("checking %s failed", path)
        checked = Checked(
            path=path,
            story=None,
            problems=[Problem(str(path), None, "could not be checked (see the server log)")],
        )
    title = checked.story.meta.title if checked.story else slug
    entry = StoryEntry(slug=slug, path=path, title=title, checked=checked, problems=checked.problems)
    if checked.story is not None:
        try:
            if not document:
                entry.config, entry.layer_data = map_state(checked, basemap_stand_in)
            else:
                parts = map_parts(checked, basemap_stand_in)
                meta = checked.story.meta
                entry.doc = map_document(
                    parts, title=meta.title, lang=meta.lang, direction=meta.dir, options=options
                )
                entry.config, entry.layer_data = parts.config, parts.layer_data
            if options and options.get("author"):  # a live map's reload brings the tools' new config
                entry.config = {**entry.config, "author_tools": author_config(checked.story)}
        except AssetsMissing as exc:  # the installation, not the story: one line for the operator
            log.error("cannot show %s: %s", path, exc)
            entry.problems = [*entry.problems, Problem(str(path), None, f"the map cannot be shown: {exc}")]
        except Exception:
            log.exception("building the map for %s failed", path)
            entry.problems = [
                *entry.problems,
                Problem(str(path), None, "the map could not be built (see the server log)"),
            ]
    return entry


def story_files(folder: Path) -> dict[str, Path]:
    """The stories in ``folder`` by slug (the name ``?story=`` uses), as the validator finds them.

    Two files with one slug (``My-Story.md`` and ``my-story.md``): the first in name order is
    served and the other is logged, since a link cannot tell them apart.
    """
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in find_stories([folder]).stories:
        slug = story_slug(path)
        if slug in found:
            log.warning("%s is not served: %s already has the slug %r", path, found[slug].name, slug)
            continue
        found[slug] = path
    return found
