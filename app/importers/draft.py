"""What every importer builds: a draft story, the report of what was not carried, and the errors.

An importer reads a peer tool's file into a :class:`Draft` (steps, places, front matter) and
adds a :class:`Note` for everything of the source that the story format cannot hold, so
nothing is dropped silently. :mod:`app.importers.write` turns the draft into files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic_core import PydanticCustomError

from app.dates import StoryDate
from app.models import MAX_ZOOM, MIN_ZOOM, css_color

WHY_EMBED = (
    "an embed inside the text is written as a link; move it below the text as a media block to show it"
)
WHY_COLOUR = "it is not a CSS colour"
WHY_BASEMAP = (
    "the basemap is natural-earth (offline) or an xyzservices name; tile URLs and vendor styles are not"
)
WHY_LAYER_STEP = "the layer belongs to the source's vendor map style, which the imported story does not have"
WHY_OVERLAY = "overlays take an xyzservices name or a local image, not a tile URL template"
WHY_LAYOUT = "the page layout is the same for every story"


class ImportFailed(Exception):
    """The source cannot be imported at all (missing, unreadable, not the format, no steps).

    ``code`` is the exit status: 1 for a bad source or a refused output, 2 for a usage error.
    """

    def __init__(self, message: str, fix: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}"


@dataclass(frozen=True)
class Note:
    """One thing of the source that the story does not carry, where it was and why."""

    src: str
    where: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.src}:{self.where}: not carried: {self.what} — {self.why}"


@dataclass
class Report:
    """The notes of one import, in source order."""

    src: str
    notes: list[Note] = field(default_factory=list)

    def add(self, where: str | int, what: str, why: str, src: str | None = None) -> None:
        """Record that ``what`` (found at ``where``: a line number or an item path) is not carried.

        ``src`` names another file read with the main one (a sheet's options CSV)."""
        self.notes.append(Note(src or self.src, str(where), what, why))

    def lines(self) -> list[str]:
        """The report as printed, one line per note, in source order (options first, then by
        line number or item index; notes of one place in the order they were made)."""
        return [
            str(note) for note in sorted(self.notes, key=lambda note: (note.src != self.src, _order(note)))
        ]


def _order(note: Note) -> tuple[int, ...]:
    numbers = tuple(int(n) for n in re.findall(r"\d+", note.where.split(".")[0]))
    return numbers or (-1,)


@dataclass
class Media:
    """An image, video, audio or web link attached to a step (StoryMapJS media, a sheet's Media Link)."""

    url: str
    where: str
    caption: str = ""
    credit: str = ""
    credit_link: str = ""


@dataclass
class Place:
    """A point the story marks: a slide's location, a chapter's centre, a marker."""

    id: str
    name: str
    lat: float
    lon: float
    color: str | None = None  # hex only
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class DraftStep:
    """One slide, chapter or row, as the story will show it.

    ``text`` is Markdown. ``center``/``zoom`` are the view, ``fit_all`` fits every place, else
    the step keeps the previous step's view (as the source's map would stay where it was).
    """

    title: str
    where: str
    id_hint: str = ""
    text: str = ""
    html: str = ""  # converted to Markdown by the writer (it knows where images go)
    media: list[Media] = field(default_factory=list)
    center: tuple[float, float] | None = None
    zoom: float | None = None
    fit_all: bool = False
    marker: str | None = None
    duration: float | None = None
    as_of: StoryDate | None = None
    date_text: str = ""


@dataclass
class Draft:
    """A whole imported story before it is written."""

    tool: str
    title: str
    steps: list[DraftStep]
    subtitle: str | None = None
    byline: str | None = None
    lang: str | None = None
    intro: str = ""
    intro_html: str = ""
    intro_where: str = "intro"
    basemap: str = "natural-earth"
    places: list[Place] = field(default_factory=list)
    marker_color: str | None = None
    show_markers: bool = True
    attribution: str | None = None


def css_colour(value: str) -> str | None:
    """``value`` as the format writes a CSS colour (name, hex, rgb(), hsl()), or None."""
    try:
        return css_color(value)
    except PydanticCustomError:
        return None


def clamp_zoom(zoom: float, report: Report, where: str) -> float:
    """The zoom within the format's 0–22, reporting a clamp."""
    if MIN_ZOOM <= zoom <= MAX_ZOOM:
        return zoom
    clamped = float(MIN_ZOOM if zoom < MIN_ZOOM else MAX_ZOOM)
    report.add(
        where,
        f"zoom {zoom:g}",
        f"zoom is {MIN_ZOOM}–{MAX_ZOOM}; clamped to {clamped:g}",
    )
    return clamped


def parse_date(text: str) -> StoryDate | None:
    """A date at the precision written (1790, 1915-01, 1915-01-18, 1914/1917), or None."""
    try:
        return StoryDate.parse(text.strip())
    except ValueError:
        return None


def as_number(value: object) -> float | None:
    """A finite number from a JSON/CSV/JS value, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def unique_id(hint: str, taken: set[str], fallback: str) -> str:
    """An id from ``hint`` (kept if already an id, else slugified), unique among ``taken``; added to it."""
    from app.ids import ID_MAX_LENGTH, is_id, slugify

    base = hint if is_id(hint) else slugify(hint, ascii=True)[:60].strip("-")
    if not base or base.isdigit() or not is_id(base):
        base = fallback
    base = base[: ID_MAX_LENGTH - 4]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate
