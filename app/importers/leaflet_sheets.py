"""Leaflet Storymaps with Google Sheets: the Chapters CSV, and the Options CSV beside it if present.

Each chapter row becomes a step (Latitude/Longitude/Zoom the view, a marker unless Marker is
``Hidden``); the Options rows give the title, subtitle, byline and basemap (a
leaflet-providers name is an xyzservices name). Report locations are CSV line numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from app.importers.draft import (
    WHY_BASEMAP,
    WHY_COLOUR,
    WHY_LAYOUT,
    WHY_OVERLAY,
    Draft,
    DraftStep,
    ImportFailed,
    Media,
    Place,
    Report,
    as_number,
    clamp_zoom,
    css_colour,
    unique_id,
)
from app.importers.text import plain

COLUMNS = [
    "Chapter",
    "Media Link",
    "Media Credit",
    "Media Credit Link",
    "Description",
    "Zoom",
    "Marker",
    "Marker Color",
    "Location",
    "Latitude",
    "Longitude",
    "Overlay",
    "Overlay Transparency",
    "GeoJSON Overlay",
    "GeoJSON Feature Properties",
]
REQUIRED = ("Chapter", "Latitude", "Longitude")
WHY_CREDITS = "there is no closing credits section yet (issue #12 item 6)"
OPTION_WHY = {
    "Storymap Logo": "the page header shows no logo",
    "Zoom Controls": WHY_LAYOUT,
    "Narrative Background Color": WHY_LAYOUT,
    "Narrative Text Color": WHY_LAYOUT,
    "Narrative Link Color": WHY_LAYOUT,
    "Active Chapter Background Color": WHY_LAYOUT,
    "Media Container Height": WHY_LAYOUT,
    "Pixels After Final Chapter": WHY_LAYOUT,
    "Author Email or Website": "the byline is plain text; add the link to the intro by hand",
    "Author GitHub Repo Link": WHY_CREDITS,
    "Code Credit": WHY_CREDITS,
}


def _rows(path: Path, what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (first line, row) pairs of a CSV file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(f"{path} is not UTF-8 text", f"save the {what} sheet as CSV (UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        rows: list[tuple[int, dict[str, str]]] = []
        line = reader.line_num + 1
        for record in reader:
            rows.append((line, {h: (record[i] if i < len(record) else "") for i, h in enumerate(header)}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed(
            f"{path}:{reader.line_num}: not CSV ({exc})", f"save the {what} sheet as CSV"
        ) from None
    return header, rows


def _options(path: Path, draft: Draft, report: Report) -> None:
    header, rows = _rows(path, "Options")
    if "Setting" not in header or "Customize" not in header:
        report.add(
            1, "this file: no Setting and Customize columns", "not read as the Options sheet", src=str(path)
        )
        return
    for line, row in rows:
        setting, value = row.get("Setting", "").strip(), row.get("Customize", "").strip()
        if not setting or not value:
            continue  # a section heading such as "Map Settings", or a blank option
        if setting == "Storymap Title":
            draft.title = plain(value)
        elif setting == "Storymap Subtitle":
            draft.subtitle = plain(value)
        elif setting == "Author Name":
            draft.byline = plain(value)
        elif setting == "Basemap Tiles":
            import xyzservices

            try:
                xyzservices.providers.query_name(value)
            except ValueError:
                report.add(line, f"Basemap Tiles {value}", WHY_BASEMAP, src=str(path))
            else:
                draft.basemap = value
        else:
            why = OPTION_WHY.get(setting, "the story format has no such option")
            report.add(line, f"{setting} {value}", why, src=str(path))


def _chapter(
    line: int, row: dict[str, str], number: int, draft: Draft, report: Report, ids: set[str]
) -> DraftStep:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    title = plain(cell("Chapter")) or f"Chapter {number}"
    step = DraftStep(title=title, where=str(line), html=cell("Description"))
    if cell("Media Link"):
        step.media.append(
            Media(
                cell("Media Link"),
                str(line),
                credit=cell("Media Credit"),
                credit_link=cell("Media Credit Link"),
            )
        )
    elif cell("Media Credit"):
        step.text = cell("Media Credit")
    lat, lon = as_number(cell("Latitude")), as_number(cell("Longitude"))
    zoom = as_number(cell("Zoom"))
    marker = cell("Marker") or "Numbered"
    located = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
    if not located:
        report.add(
            line, "chapter without a usable Latitude/Longitude", "the step keeps the previous step's view"
        )
    elif marker != "Hidden":
        colour = cell("Marker Color")
        place = Place(unique_id(title, ids, f"chapter-{number}"), title, lat, lon, color=css_colour(colour))
        if colour and place.color is None:
            report.add(line, f"Marker Color {colour}", WHY_COLOUR + "; the marker takes the layer's colour")
        if cell("Location"):
            place.extra["location"] = plain(cell("Location"))
        draft.places.append(place)
        step.marker = place.id
        if marker == "Numbered":
            report.add(line, "Marker Numbered", "markers are circles; chapter numbers are not drawn on them")
        elif marker != "Plain":
            report.add(line, f"Marker {marker}", "markers are circles; this marker style is not known")
    elif cell("Location"):
        report.add(
            line, f"Location {plain(cell('Location'))}", "the marker is Hidden, so no place carries it"
        )
    if located:
        if zoom is not None:
            step.center = (lat, lon)  # type: ignore[assignment]
            step.zoom = clamp_zoom(zoom, report, str(line))
        elif step.marker is None:
            step.center = (lat, lon)  # type: ignore[assignment]
    if cell("Overlay"):
        transparency = (
            f", Overlay Transparency {cell('Overlay Transparency')}" if cell("Overlay Transparency") else ""
        )
        report.add(line, f"Overlay {cell('Overlay')}{transparency}", WHY_OVERLAY)
    elif cell("Overlay Transparency"):
        report.add(
            line, f"Overlay Transparency {cell('Overlay Transparency')}", "there is no overlay to apply it to"
        )
    if cell("GeoJSON Overlay"):
        properties = cell("GeoJSON Feature Properties")
        style = f" styled {properties}" if properties else ""
        report.add(
            line,
            f"GeoJSON Overlay {cell('GeoJSON Overlay')}{style}",
            "a step shows layers the story declares: add the file under `layers:` and list it in the step",
        )
    elif cell("GeoJSON Feature Properties"):
        report.add(
            line,
            f"GeoJSON Feature Properties {cell('GeoJSON Feature Properties')}",
            "there is no GeoJSON overlay to style",
        )
    return step


def _options_beside(src: Path) -> Path | None:
    for name in ("Options.csv", "options.csv"):
        candidate = src.parent / name
        if candidate.is_file() and candidate.resolve() != src.resolve():
            return candidate
    return None


def read(src: Path, report: Report) -> Draft:
    """Read a Chapters CSV (and Options.csv beside it) into a draft, reporting what is not carried."""
    header, rows = _rows(src, "Chapters")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFailed(
            f"{src}: not a Leaflet Storymaps Chapters sheet (no {', '.join(missing)} column)",
            "download the Chapters tab as CSV; its first row names the columns (Chapter, …, Latitude, Longitude, …)",
        )
    for name in header:
        if name and name not in COLUMNS:
            values = sum(1 for _, row in rows if (row.get(name) or "").strip())
            if values:
                report.add(
                    1,
                    f"column {name} ({values} values)",
                    "not a Leaflet Storymaps chapter column; the story has no such field",
                )
    rows = [(line, row) for line, row in rows if any((v or "").strip() for v in row.values())]
    if not rows:
        raise ImportFailed(f"{src}: the Chapters sheet has no rows", "add a chapter row under the header")
    draft = Draft(tool="Leaflet Storymaps", title="", steps=[])
    ids: set[str] = set()
    draft.steps = [_chapter(line, row, n, draft, report, ids) for n, (line, row) in enumerate(rows, 1)]
    options = _options_beside(src)
    if options is not None:
        _options(options, draft, report)
    draft.title = draft.title or draft.steps[0].title
    return draft
