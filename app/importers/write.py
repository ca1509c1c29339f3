"""Write a :class:`~app.importers.draft.Draft` as a story file, its places GeoJSON and its images.

The layout follows ``storymap new``: ``<project>/stories/SLUG.md`` and
``<project>/geodata/SLUG-places.geojson``; local images found beside the source are copied
to ``<project>/media/SLUG/``. The original story is the one source every step cites, so the
output validates without inventing sources.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import yaml

from app.importers.draft import WHY_EMBED, Draft, DraftStep, ImportFailed, Media, Report, unique_id
from app.importers.text import IMAGE_SUFFIXES, html_to_markdown, media_kind, plain
from app.paths import project_root

LAYER = "places"
SOURCE = "original"
DEFAULT_COLOUR = "#0072B2"
WORLD = {"center": [20.0, 0.0], "zoom": 2}
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_STEP_HEADING = re.compile(r"^( {0,3})(#{1,2})(?=\s|$)")
_SETEXT_H2 = re.compile(r"^ {0,3}-{2,}\s*$")
_FENCE = re.compile(r"^( {0,3}(?:`{3,}|~{3,}))\s*map\b", re.IGNORECASE)
CARRIED_KINDS = {"image", "video", "audio", "YouTube video", "Vimeo video", "SoundCloud audio", "tweet"}
WHY_REMOTE_IMAGE = (
    "remote images stay links (the page makes no requests) unless you export with --fetch-media"
)


@dataclass
class Written:
    """What an import wrote, and its report."""

    story: Path
    files: list[Path]
    steps: int
    report: Report


def _names(draft: Draft, colour: str) -> str:
    """A legend label for one marker colour: the places drawn in it."""
    names = [p.name for p in draft.places if p.color == colour]
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def guard(text: str) -> str:
    """Text that cannot start a step or hold a map block: a `#`/`##` line is escaped, a `---`
    under a line of text (a setext heading) becomes a thematic break, a ```map fence ```text."""
    lines = text.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if fence is None:
                fence = marker
                lines[index] = _FENCE.sub(r"\1text", line)
            elif marker == fence:
                fence = None
            continue
        if fence is not None:
            continue
        lines[index] = _STEP_HEADING.sub(r"\1\\\2", line)
        if _SETEXT_H2.match(line) and index and lines[index - 1].strip():
            lines[index] = "* * *"
    return "\n".join(lines)


def _escape_label(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _target(url: str) -> str:
    return f"<{url}>" if any(c in url for c in " ()<>") else url


def link(text: str, url: str) -> str:
    """A Markdown link with the label escaped and the address bracketed when it needs it."""
    return f"[{_escape_label(text)}]({_target(url)})"


@dataclass
class Writer:
    """Renders a draft into Markdown and GeoJSON, copying images and adding to the report."""

    draft: Draft
    src: Path
    out: Path
    report: Report
    source_url: str | None = None
    copies: dict[Path, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.slug = self.out.stem
        root = project_root(self.out)
        self.data_path = root / "geodata" / f"{self.slug}-places.geojson"
        self.media_dir = root / "media" / self.slug

    # -- the MediaSink protocol used by the HTML converter --------------------------------------
    def image(self, src: str, alt: str, where: str) -> str:
        """An image as Markdown: local files are copied into the project, remote ones reported."""
        alt = alt or PurePosixPath(unquote(src.split("?")[0])).stem.replace("-", " ").replace("_", " ")
        alt = alt.strip() or "Image"
        if src.startswith(("http://", "https://", "//")):
            url = "https:" + src if src.startswith("//") else src
            self.report.add(where, f"remote image {url}", WHY_REMOTE_IMAGE)
            return f"!{link(alt, url)}"
        if src.startswith("data:image/"):
            return f"!{link(alt, src)}"
        local = self._local(src)
        if local.is_file() and local.suffix.lower() in IMAGE_SUFFIXES:
            return f"!{link(alt, self._copy(local))}"
        self.report.add(
            where,
            f"image {src}",
            "the file is not beside the source, so it was written as a link; copy it into the "
            "project and write it as an image",
        )
        return link(alt, src)

    def embed(self, url: str, label: str, kind: str, where: str) -> str:
        """A link in place of an embed (video, audio, tweet, page), reported."""
        self.report.add(where, f"{kind} embed {url}", WHY_EMBED)
        return link(plain(label) or kind[:1].upper() + kind[1:], url)

    def dropped(self, what: str, why: str, where: str) -> None:
        """Something of the text with no Markdown form."""
        self.report.add(where, what, why)

    # -- rendering ------------------------------------------------------------------------------
    def markdown(self, html: str, where: str) -> str:
        """HTML (or plain text) of the source as Markdown."""
        return html_to_markdown(html, self, where)

    def media(self, media: Media, title: str) -> str:
        """An attached medium as a ```media block, with its caption and credit. Images, video,
        sound, YouTube, Vimeo, SoundCloud and posts are carried; other pages become links."""
        url = media.url.strip()
        kind = media_kind(url)
        alt = plain(media.caption) or title
        if kind == "page" or kind not in CARRIED_KINDS:
            shown = self.embed(url, alt, "media link" if kind == "page" else kind, media.where)
            credit = plain(media.credit)
            below = " — ".join(
                p for p in (" ".join(self.markdown(media.caption, media.where).split()), credit) if p
            )
            return shown + (f"\n\n{below}" if below else "")
        src = self.local_media(url, media.where) if kind in ("image", "video", "audio") else url
        if src is None:
            self.report.add(
                media.where, f"{kind} {url}", "the file is not beside the source, so it was written as a link"
            )
            return link(alt, url)
        caption = " ".join(plain(media.caption).split())
        block: dict[str, str] = {"src": src, "alt": title if caption else alt}  # the caption is shown below
        if caption:
            block["caption"] = caption
        credit = plain(media.credit)
        if credit and media.credit_link:
            credit = f"{credit} ({media.credit_link})"
        if credit:
            block["credit"] = credit
        body = yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=10**6).rstrip()
        return f"```media\n{body}\n```"

    def local_media(self, url: str, where: str) -> str | None:
        """An image, video or sound: a remote one by address (reported when the page cannot show
        it without a request), a local one copied into the project, or None if it is missing."""
        if url.startswith(("http://", "https://", "//")):
            url = "https:" + url if url.startswith("//") else url
            if media_kind(url) == "image":
                self.report.add(where, f"remote image {url}", WHY_REMOTE_IMAGE)
            else:
                self.report.add(
                    where, f"remote {media_kind(url)} {url}", "a remote file is written as a link"
                )
            return url
        local = self._local(url)
        return self._copy(local) if local.is_file() else None

    def _local(self, src: str) -> Path:
        """A file named in the source, beside the source file."""
        return (self.src.parent / unquote(src.split("?")[0].split("#")[0])).resolve()

    def _copy(self, local: Path) -> str:
        """Copy ``local`` into the project's media folder (once; names kept apart) and return
        its path relative to the story."""
        dest = self.copies.get(local)
        if dest is None:
            taken = {d.name for d in self.copies.values()}
            dest, n = self.media_dir / local.name, 2
            while dest.name in taken:
                dest, n = self.media_dir / f"{local.stem}-{n}{local.suffix}", n + 1
            self.copies[local] = dest
        return os.path.relpath(dest, self.out.resolve().parent).replace(os.sep, "/")

    def _markdown_images(self, text: str, where: str) -> str:
        """Images already in Markdown (odyssey.js): copied or reported like any other image."""
        return _MD_IMAGE.sub(lambda m: self.image(m.group(2), m.group(1), where), text)

    def step_text(self, step: DraftStep) -> str:
        parts = [self.media(m, step.title) for m in step.media if m.url.strip()]
        if step.date_text:
            parts.append(f"*{step.date_text}*")
        if step.html:
            parts.append(self.markdown(step.html, step.where))
        if step.text.strip():
            parts.append(self._markdown_images(step.text.strip(), step.where))
        return "\n\n".join(p for p in parts if p)

    def places_geojson(self) -> dict[str, Any]:
        features = []
        for place in self.draft.places:
            properties = {"id": place.id, "name": place.name, **place.extra}
            if place.color:
                properties["color"] = place.color
            features.append(
                {
                    "type": "Feature",
                    "id": place.id,
                    "properties": properties,
                    "geometry": {"type": "Point", "coordinates": [round(place.lon, 6), round(place.lat, 6)]},
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def front_matter(self) -> dict[str, Any]:
        draft = self.draft
        front: dict[str, Any] = {"title": draft.title}
        if draft.subtitle:
            front["subtitle"] = draft.subtitle
        if draft.byline:
            front["byline"] = draft.byline
        if draft.lang:
            front["lang"] = draft.lang
        front["basemap"] = draft.basemap
        if draft.places:
            colours = sorted({p.color for p in draft.places if p.color})
            style: dict[str, Any] = {"color": draft.marker_color or DEFAULT_COLOUR, "radius": 7}
            if len(colours) > 1 or (colours and any(p.color is None for p in draft.places)):
                for place in draft.places:
                    place.color = place.color or style["color"]
                colours = sorted({p.color for p in draft.places if p.color})
                style["by"] = "color"
                style["categories"] = {c: {"color": c, "label": _names(draft, c)} for c in colours}
            elif colours:
                style["color"] = colours[0]
            layer: dict[str, Any] = {
                "source": os.path.relpath(self.data_path, self.out.resolve().parent).replace(os.sep, "/"),
                "label": f"Places ({draft.tool})",
                "style": style,
                "tooltip": ["name"],
                "popup": ["name", *sorted({k for p in draft.places for k in p.extra})],
                "labels": "name",
            }
            if draft.attribution:
                layer["attribution"] = draft.attribution
            front["layers"] = {LAYER: layer}
        source: dict[str, Any] = {"title": f"{draft.title} (original {draft.tool} story)"}
        if draft.byline:
            source["author"] = draft.byline
        if self.source_url:
            source["url"] = self.source_url
        front["sources"] = {SOURCE: source}
        return front

    def map_block(self, step: DraftStep, previous: dict[str, Any] | None) -> dict[str, Any]:
        markers = bool(self.draft.places) and self.draft.show_markers
        ids = {p.id for p in self.draft.places}
        view: dict[str, Any]
        if step.center is not None:
            zoom = step.zoom if step.zoom is not None else (previous or {}).get("zoom", 5)
            zoom = int(zoom) if float(zoom).is_integer() else zoom
            view = {"center": [round(step.center[0], 6), round(step.center[1], 6)], "zoom": zoom}
        elif step.fit_all and self.draft.places:
            view = {"fit": LAYER}
        elif step.marker in ids:
            view = {"fit": f"{LAYER}/{step.marker}"}
        elif previous is not None:
            view = {k: previous[k] for k in ("center", "zoom", "fit") if k in previous}
            if step.zoom is not None and "center" in view:
                view["zoom"] = int(step.zoom) if float(step.zoom).is_integer() else step.zoom
        else:
            view = {"fit": LAYER} if self.draft.places else dict(WORLD)
        block: dict[str, Any] = dict(view)
        if "fit" in block and not markers:
            block["layers"] = [LAYER]  # a fit needs its layer in the story, shown or not
        if markers:
            block["layers"] = [LAYER]
            if step.marker in ids:
                block["highlight"] = {"layer": LAYER, "ids": [step.marker]}
        if step.duration is not None:
            block["duration"] = step.duration
        if step.as_of is not None:
            block["as_of"] = step.as_of.iso
        block["sources"] = [SOURCE]
        return block

    def render(self) -> str:
        draft = self.draft
        front = yaml.safe_dump(
            self.front_matter(), sort_keys=False, allow_unicode=True, default_flow_style=False, width=10**6
        )
        out = ["---", front.rstrip(), "---", ""]
        intro = "\n\n".join(
            p for p in (draft.intro.strip(), self.markdown(draft.intro_html, draft.intro_where)) if p
        )
        if intro:
            out += [guard(intro), ""]
        taken: set[str] = set()
        previous: dict[str, Any] | None = None
        for number, step in enumerate(draft.steps, 1):
            title = " ".join(step.title.split()) or f"Step {number}"
            step_id = unique_id(step.id_hint or title, taken, f"step-{number}")
            text = guard(self.step_text(step))
            block = self.map_block(step, previous)
            previous = block
            yaml_block = yaml.safe_dump(
                block, sort_keys=False, allow_unicode=True, default_flow_style=None, width=10**6
            )
            out += [f"## {title} {{#{step_id}}}", ""]
            if text:
                out += [text, ""]
            out += ["```map", yaml_block.rstrip(), "```", ""]
        return "\n".join(out)

    def write(self, force: bool) -> Written:
        targets = [self.out] + ([self.data_path] if self.draft.places else [])
        for path in targets:
            if path.exists() and not force:
                raise ImportFailed(
                    f"{path} already exists", "pass --force to overwrite it, or choose another --out"
                )
        text = self.render()  # fills self.copies
        for path in [*targets, *self.copies.values()]:
            if path.exists() and not force:
                raise ImportFailed(
                    f"{path} already exists", "pass --force to overwrite it, or choose another --out"
                )
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(text, encoding="utf-8")
        files = [self.out]
        if self.draft.places:
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
            self.data_path.write_text(json.dumps(self.places_geojson(), indent=2) + "\n", encoding="utf-8")
            files.append(self.data_path)
        for source, dest in self.copies.items():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
            files.append(dest)
        return Written(self.out, files, len(self.draft.steps), self.report)
