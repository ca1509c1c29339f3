"""StoryMapJS (Knight Lab): the story JSON, ``{"storymap": {options…, "slides": [...]}}``.

Each slide becomes a step: ``location`` {lat, lon, zoom} the view and a marker, ``text``
{headline, text} the title and Markdown text, ``media`` {url, caption, credit} an image or a
link. The ``overview`` slide fits every marker. Report locations are item paths such as
``slides[2].media``, since JSON carries no line numbers worth trusting after an editor's export.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.importers.draft import (
    WHY_BASEMAP,
    WHY_LAYOUT,
    Draft,
    DraftStep,
    ImportFailed,
    Media,
    Place,
    Report,
    as_number,
    clamp_zoom,
    parse_date,
    unique_id,
)
from app.importers.text import plain
from app.models import LANG_PATTERN

WHY_LINE = "the importer writes the slide locations as points; connect them with a route layer by hand"
OPTION_WHY = {
    "map_type": WHY_BASEMAP,
    "map_subdomains": WHY_BASEMAP,
    "map_as_image": "gigapixel and image maps are not supported: stories are geographic maps",
    "zoomify": "gigapixel and image maps are not supported: stories are geographic maps",
    "calculate_zoom": "each step keeps the zoom its slide gives; zoom is not computed from neighbours",
    "call_to_action": "the tour starts at the first step, with Next step buttons; there is no start button",
    "call_to_action_text": "the tour starts at the first step, with Next step buttons; there is no start button",
    "line_follows_path": WHY_LINE,
    "line_color": WHY_LINE,
    "line_color_inactive": WHY_LINE,
    "line_join": WHY_LINE,
    "line_weight": WHY_LINE,
    "line_opacity": WHY_LINE,
    "line_dash": WHY_LINE,
    "line_dash_inactive": WHY_LINE,
    "show_lines": WHY_LINE,
    "show_history_line": WHY_LINE,
    "font_css": WHY_LAYOUT,
    "width": WHY_LAYOUT,
    "height": WHY_LAYOUT,
    "map_background_color": WHY_LAYOUT,
}
HANDLED = {"slides", "attribution", "language"}
QUIET_DEFAULTS: dict[str, Any] = {
    "calculate_zoom": False,
    "call_to_action": False,
    "call_to_action_text": "",
    "map_as_image": False,
    "zoomify": False,
    "show_lines": False,
    "show_history_line": False,
    "map_subdomains": "",
}


def _load(src: Path) -> dict[str, Any]:
    try:
        data = json.loads(src.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed(
            f"{src} is not UTF-8 text", "export the story JSON from StoryMapJS again"
        ) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{src}:{exc.lineno}: not JSON ({exc.msg})",
            "give the StoryMapJS story JSON (published.json or draft.json)",
        ) from None
    storymap = data.get("storymap") if isinstance(data, dict) else None
    if not isinstance(storymap, dict) or not isinstance(storymap.get("slides"), list):
        raise ImportFailed(
            f'{src}: no "storymap": {{"slides": [...]}} in this JSON',
            "give the StoryMapJS story JSON (published.json or draft.json)",
        )
    if not storymap["slides"]:
        raise ImportFailed(f"{src}: the story has no slides", "add a slide in StoryMapJS and export again")
    return storymap


def _options(storymap: dict[str, Any], draft: Draft, report: Report) -> None:
    for key, value in storymap.items():
        if key in HANDLED or value in (None, "") or QUIET_DEFAULTS.get(key, object()) == value:
            continue
        why = OPTION_WHY.get(key, "the story format has no such option")
        report.add(key, f"option {key}: {json.dumps(value, ensure_ascii=False)}", why)
    attribution = storymap.get("attribution")
    if isinstance(attribution, str) and attribution.strip():
        draft.attribution = plain(attribution)
    language = storymap.get("language")
    if isinstance(language, str) and language:
        import re

        if re.match(LANG_PATTERN, language):
            draft.lang = language
        else:
            report.add("language", f"language {language}", "not a language tag such as en or fr")


def _slide(index: int, slide: Any, draft: Draft, report: Report, ids: set[str]) -> DraftStep:
    where = f"slides[{index}]"
    if not isinstance(slide, dict):
        report.add(
            where, f"slide of type {type(slide).__name__}", "a slide is an object; kept as an empty step"
        )
        return DraftStep(title=f"Slide {index + 1}", where=where)
    text = slide.get("text") if isinstance(slide.get("text"), dict) else {}
    headline = str(text.get("headline") or "")
    title = plain(headline) or f"Slide {index + 1}"
    step = DraftStep(title=title, where=f"{where}.text", html=str(text.get("text") or ""))
    overview = slide.get("type") == "overview"
    location = slide.get("location") if isinstance(slide.get("location"), dict) else {}
    lat, lon = as_number(location.get("lat")), as_number(location.get("lon"))
    zoom = as_number(location.get("zoom"))
    if overview:
        step.fit_all = True
        if lat is not None and lon is not None:
            report.add(
                f"{where}.location",
                "overview slide location",
                "an overview step fits every marker, as StoryMapJS shows it",
            )
    elif lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        step.center = (lat, lon)
        if zoom is not None:
            step.zoom = clamp_zoom(zoom, report, f"{where}.location.zoom")
        marker = unique_id(title, ids, f"slide-{index + 1}")
        draft.places.append(Place(marker, title, lat, lon))
        step.marker = marker
    else:
        report.add(
            f"{where}.location",
            "slide without a usable lat/lon",
            "the step keeps the previous step's view",
        )
    for key in ("icon", "image"):
        if location.get(key):
            report.add(
                f"{where}.location.{key}",
                f"custom marker {key} {location[key]}",
                "markers are circles in the layer's colour; icons are not supported",
            )
    if location.get("use_default_icon") is False and not (location.get("icon") or location.get("image")):
        report.add(f"{where}.location.use_default_icon", "use_default_icon: false", "markers are circles")
    if location.get("line") is False and not overview:
        report.add(f"{where}.location.line", "line: false", WHY_LINE)
    media = slide.get("media") if isinstance(slide.get("media"), dict) else {}
    if str(media.get("url") or "").strip():
        step.media.append(
            Media(
                str(media["url"]),
                f"{where}.media",
                caption=str(media.get("caption") or ""),
                credit=str(media.get("credit") or ""),
            )
        )
    date = str(slide.get("date") or "").strip()
    if date:
        step.as_of = parse_date(date)
        if step.as_of is None:
            step.date_text = plain(date)
            report.add(
                f"{where}.date",
                f'date "{date}" as the step\'s as_of',
                "as_of takes YYYY-MM-DD only today (issue #12 item 3); kept in the text",
            )
    background = slide.get("background")
    if isinstance(background, dict) and any(background.get(k) for k in ("url", "color")):
        report.add(
            f"{where}.background",
            f"slide background {json.dumps(background, ensure_ascii=False)}",
            "steps have no background colour or image; the layout is the same for every step",
        )
    for key in slide:
        if key not in {"type", "text", "location", "media", "date", "background", "_id", "id", "uniqueid"}:
            report.add(f"{where}.{key}", f"slide field {key}", "the story format has no such field")
    return step


def read(src: Path, report: Report) -> Draft:
    """Read a StoryMapJS story JSON into a draft, reporting what the format cannot carry."""
    storymap = _load(src)
    slides = storymap["slides"]
    first = slides[0] if isinstance(slides[0], dict) else {}
    headline = plain(str((first.get("text") or {}).get("headline") or "")) if first else ""
    draft = Draft(tool="StoryMapJS", title=headline or src.stem.replace("-", " ").replace("_", " "), steps=[])
    _options(storymap, draft, report)
    ids: set[str] = set()
    draft.steps = [_slide(i, slide, draft, report, ids) for i, slide in enumerate(slides)]
    return draft
