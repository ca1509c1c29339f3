"""Importers: a story from StoryMapJS, Mapbox storytelling, Leaflet Storymaps (sheets) or odyssey.js.

``import_story(fmt, src, out)`` reads the peer's file (one module per format), writes the story
and its GeoJSON (:mod:`app.importers.write`) and returns what was written with the report of
everything the format cannot carry. ``storymap import`` is a thin shell over it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.ids import SLUG_MAX_LENGTH, is_slug, slugify
from app.importers.draft import Draft, ImportFailed, Note, Report
from app.importers.write import Writer, Written

__all__ = ["FORMATS", "ImportFailed", "Note", "Report", "Written", "import_story"]


def _reader(name: str) -> Callable[[Path, Report], Draft]:
    def read(src: Path, report: Report) -> Draft:
        import importlib

        module = importlib.import_module(f"app.importers.{name}")
        return module.read(src, report)

    return read


FORMATS: dict[str, Callable[[Path, Report], Draft]] = {
    "storymapjs": _reader("storymapjs"),
    "mapbox": _reader("mapbox"),
    "leaflet-sheets": _reader("leaflet_sheets"),
    "odyssey": _reader("odyssey"),
}


def import_story(
    fmt: str, src: Path, out: Path, *, force: bool = False, source_url: str | None = None
) -> Written:
    """Import ``src`` (in format ``fmt``) as the story ``out``; raise :class:`ImportFailed` if impossible."""
    if fmt not in FORMATS:
        raise ImportFailed(f'unknown format "{fmt}"', f"use one of {', '.join(FORMATS)}", code=2)
    if not src.exists():
        raise ImportFailed(f"{src}: no such file", "check the path of the file to import", code=2)
    if src.is_dir():
        raise ImportFailed(
            f"{src} is a folder", "give the file to import (e.g. its JSON, config.js or CSV)", code=2
        )
    if out.suffix != ".md" or not is_slug(out.stem):
        suggestion = slugify(out.stem, ascii=True)[:SLUG_MAX_LENGTH] or "imported-story"
        raise ImportFailed(
            f"--out {out}: the story file must be SLUG.md with a lowercase slug",
            f"use e.g. --out stories/{suggestion}.md",
            code=2,
        )
    if source_url is not None and not source_url.startswith(("http://", "https://")):
        raise ImportFailed(
            f"--source-url {source_url}: not a web address", "give an http:// or https:// URL", code=2
        )
    report = Report(str(src))
    try:
        draft = FORMATS[fmt](src, report)
    except OSError as exc:
        raise ImportFailed(
            f"{src}: cannot be read ({exc.strerror})", "check the file and its permissions"
        ) from None
    if not draft.steps:
        raise ImportFailed(
            f"{src}: nothing to import: no slides or chapters", "check that this is a story file"
        )
    try:
        return Writer(draft, src, out, report, source_url).write(force)
    except OSError as exc:
        raise ImportFailed(
            f"{exc.filename or out}: cannot be written ({exc.strerror})",
            "check the folder and its permissions",
        ) from None
