"""odyssey.js: a Markdown story with a config block and actions per chapter.

The file opens with a config block (```` ``` ```` fenced lines ``- title: "…"``,
``- author: "…"``), then each ``#`` or ``##`` heading starts a chapter (a step). A chapter's
actions are ``- center: [lat, lon]``, ``- zoom: n``, ``- sleep: ms`` and
``L.marker([lat, lon]).actions.addRemove(S.map)`` lines, in a fenced block or on their own;
the rest of the chapter is Markdown text and is kept as written. Report locations are lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.importers.draft import (
    Draft,
    DraftStep,
    ImportFailed,
    Place,
    Report,
    as_number,
    clamp_zoom,
    unique_id,
)
from app.importers.text import plain

HEADING = re.compile(r"^(#{1,2})(?!#)\s*(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*(\S*)")
OPTION = re.compile(r"^\s*-\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
BARE_OPTION = re.compile(r"^\s*-\s*(sleep)\s*$")
MARKER = re.compile(
    r"^\s*L\.marker\(\s*\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]\s*\)\.actions\.addRemove\(\s*S\.map\s*\)\s*;?\s*$"
)
CODE_ACTION = re.compile(r"^\s*(?:L|S|O)\.[\w.$]+\(.*\)\s*;?\s*$")
COORDS = re.compile(r"^\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]$")
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IFRAME_TAG = re.compile(r"<iframe\b[^>]*>(?:\s*</iframe>)?", re.IGNORECASE)

CONFIG_WHY = {
    "vizjson": "CARTO visualisations (Torque) are not supported: layers are local GeoJSON",
    "duration": "the Torque animation is not carried, so neither is its duration",
}
ACTION_WHY = {
    "sleep": "steps move when the reader asks; a pause between actions has no meaning here",
    "step": "the Torque animation is not carried, so neither are its steps",
}
WHY_CODE = "stories run no author scripts; only L.marker(...).actions.addRemove(S.map) is read"


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


class _Chapter:
    def __init__(self, title: str, line: int) -> None:
        self.step = DraftStep(title=title, where=str(line))
        self.text: list[str] = []
        self.line = line


def _action(line_no: int, line: str, chapter: _Chapter, draft: Draft, report: Report, ids: set[str]) -> bool:
    """Read one action line into the chapter; False if the line is not an action."""
    step = chapter.step
    marker = MARKER.match(line)
    if marker:
        lat, lon = float(marker.group(1)), float(marker.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            place = Place(unique_id(step.title, ids, f"marker-{len(ids) + 1}"), step.title, lat, lon)
            draft.places.append(place)
            if step.marker is None:
                step.marker = place.id
            else:
                report.add(
                    line_no,
                    f"second marker {place.id}",
                    "a step highlights one feature; the marker is on the map",
                )
        else:
            report.add(line_no, f"marker [{lat:g}, {lon:g}]", "not a [lat, lon] on Earth")
        return True
    option = OPTION.match(line) or BARE_OPTION.match(line)
    if option:
        key, value = option.group(1), (option.group(2) if option.lastindex and option.lastindex > 1 else "")
        if key == "center":
            coords = COORDS.match(value.strip())
            if coords and abs(float(coords.group(1))) <= 90 and abs(float(coords.group(2))) <= 180:
                step.center = (float(coords.group(1)), float(coords.group(2)))
            else:
                report.add(line_no, f"center {value}", "write center: [lat, lon] with latitude first")
        elif key == "zoom" and as_number(value) is not None:
            step.zoom = clamp_zoom(float(value), report, str(line_no))
        else:
            why = ACTION_WHY.get(key, "the story format has no such action")
            report.add(line_no, f"action {key}" + (f": {value}" if value else ""), why)
        return True
    if CODE_ACTION.match(line):
        report.add(line_no, f"action {line.strip()}", WHY_CODE)
        return True
    return False


def _config(lines: list[tuple[int, str]], draft: Draft, report: Report) -> None:
    for line_no, line in lines:
        option = OPTION.match(line)
        if not option:
            if line.strip():
                report.add(line_no, f"config line {line.strip()}", "not an option of the form - key: value")
            continue
        key, value = option.group(1), _unquote(option.group(2))
        if key == "title":
            draft.title = plain(value)
        elif key == "author":
            draft.byline = plain(value)
        else:
            report.add(
                line_no, f"config {key}: {value}", CONFIG_WHY.get(key, "the story format has no such option")
            )


def _html_in_markdown(text: str, writer_hint: list[str]) -> str:
    """odyssey text is Markdown that may hold <img> and <iframe> tags: turn them into Markdown."""

    def image(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = re.search(r"""src\s*=\s*["']([^"']+)""", tag)
        alt = re.search(r"""alt\s*=\s*["']([^"']*)""", tag)
        if not src:
            return ""
        return f"![{(alt.group(1) if alt else '') or 'Image'}]({src.group(1)})"

    def frame(match: re.Match[str]) -> str:
        src = re.search(r"""src\s*=\s*["']([^"']+)""", match.group(0))
        if not src:
            return ""
        writer_hint.append(src.group(1))
        return f"[Embedded page]({src.group(1)})"

    return IFRAME_TAG.sub(frame, IMG_TAG.sub(image, text))


def read(src: Path, report: Report) -> Draft:
    """Read an odyssey.js Markdown story into a draft, reporting what the format cannot carry."""
    try:
        text = src.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(f"{src} is not UTF-8 text", "give the odyssey.js story Markdown") from None
    draft = Draft(tool="odyssey.js", title="", steps=[])
    ids: set[str] = set()
    chapters: list[_Chapter] = []
    fence: str | None = None
    fence_lines: list[tuple[int, str]] = []
    fence_is_code = False
    fence_open = ""
    for line_no, line in enumerate(text.splitlines(), 1):
        opener = FENCE.match(line)
        if fence is not None:
            if (
                opener
                and opener.group(1)[0] == fence[0]
                and len(opener.group(1)) >= len(fence)
                and not opener.group(2)
            ):
                if not chapters:
                    _config(fence_lines, draft, report)
                elif fence_is_code:
                    chapters[-1].text += [fence_open, *(ln for _, ln in fence_lines), line]
                else:
                    for n, body in fence_lines:
                        if body.strip() and not _action(n, body, chapters[-1], draft, report, ids):
                            report.add(
                                n, f"action {body.strip()}", "not an odyssey action this importer knows"
                            )
                fence, fence_lines = None, []
            else:
                fence_lines.append((line_no, line))
            continue
        if opener:
            fence, fence_open = opener.group(1), line
            # A fence with a language is code the author shows; a bare fence holds actions.
            fence_is_code = bool(opener.group(2))
            continue
        heading = HEADING.match(line)
        if heading and line.startswith("#"):
            chapters.append(_Chapter(heading.group(2) or f"Chapter {len(chapters) + 1}", line_no))
            continue
        if not chapters:
            if line.strip():
                report.add(
                    line_no,
                    f"text before the first chapter: {line.strip()[:40]}",
                    "kept as the story's intro",
                )
                draft.intro += line + "\n"
            continue
        if not _action(line_no, line, chapters[-1], draft, report, ids):
            chapters[-1].text.append(line)
    if fence is not None:
        raise ImportFailed(f"{src}: a ``` block is not closed", "close every ``` block with a ``` line")
    if not chapters:
        raise ImportFailed(f"{src}: no chapters (# or ## headings)", "start each chapter with '# Title'")
    frames: list[str] = []
    for chapter in chapters:
        body = "\n".join(chapter.text).strip()
        step = chapter.step
        before = len(frames)
        step.text = _html_in_markdown(body, frames)
        for url in frames[before:]:
            from app.importers.text import media_kind

            kind = media_kind(url)
            label = "embedded page" if kind in ("page", "image") else kind
            report.add(
                chapter.line,
                f"{label} embed {url}",
                "the format lacks media embeds; written as a link (issue #12 item 2)",
            )
        if step.center is None and step.marker is not None and step.zoom is not None:
            place = next(p for p in draft.places if p.id == step.marker)
            step.center = (place.lat, place.lon)
        if step.center is None and step.zoom is not None:
            report.add(
                chapter.line, f"zoom {step.zoom:g} without a center", "the step keeps the previous center"
            )
        draft.steps.append(step)
    draft.title = draft.title or draft.steps[0].title
    return draft
