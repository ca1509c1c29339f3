"""Checks of a step's Markdown: images need alt text and a file that exists; raw HTML is not shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import ValidationError

from app.errors import StoryError
from app.media import embed_url, is_remote, kind_of
from app.models import Media
from app.parse import RawStep, parse_yaml
from app.paths import resolve_source
from app.validate.context import Context
from app.validate.messages import model_problems

_FIND_HTML = MarkdownIt("commonmark")  # html on: only to find raw HTML, never to render


def _is_file(path: Path) -> bool:
    """Path.is_file, but False (not an OSError) for names the system refuses, e.g. too long."""
    try:
        return path.is_file()
    except OSError:
        return False


def check_text(ctx: Context, step: RawStep) -> None:
    """Every text problem of one step, whatever state its map block is in."""
    if not step.text.strip():
        ctx.report(
            step.line,
            "the step has no text",
            "write a paragraph under the heading",
            step=step.title,
            severity="warning",
        )
    lines = step.text_lines
    for token in _FIND_HTML.parse(step.text):
        first = token.map[0] if token.map else 0
        line = lines[first] if first < len(lines) else step.line
        if token.type == "fence" and token.info.strip().split(maxsplit=1)[:1] == ["media"]:
            _check_media(ctx, step, line, token.content)
            continue
        html_reported = False
        for child in token.children or []:
            if child.type == "image":
                _check_image(ctx, step, line, str(child.attrGet("src") or ""), child.content)
            elif child.type == "html_inline" and not html_reported:
                html_reported = True
                _raw_html(ctx, step, line)
        if token.type == "html_block":
            _raw_html(ctx, step, line)


def _raw_html(ctx: Context, step: RawStep, line: int) -> None:
    ctx.report(
        line,
        "raw HTML in step text is not shown",
        "write Markdown instead",
        step=step.title,
        severity="warning",
    )


def _check_image(ctx: Context, step: RawStep, line: int, src: str, alt: str) -> None:
    if not alt.strip():
        ctx.report(
            line,
            f'image "{src}" has no alt text',
            "describe it: ![what the image shows](file.png)",
            step=step.title,
        )
    if is_remote(src):
        _remote_image(ctx, step, line, src)
    elif src and not src.startswith("data:"):
        _check_local(ctx, step, line, src, "image")


def _remote_image(ctx: Context, step: RawStep, line: int, src: str) -> None:
    ctx.report(
        line,
        f'remote image "{src}" is shown as a link: the page makes no requests',
        "download it into the project, or export with --fetch-media to put it in the page",
        step=step.title,
        severity="warning",
    )


def _check_media(ctx: Context, step: RawStep, line: int, content: str) -> None:
    """A ```media block: valid keys, a file that exists, a player address that can be read."""
    block, problems = parse_yaml(content, line + 1, ctx.shown, "the media block")
    ctx.problems += [replace(p, step=step.title) for p in problems]
    if block is None:
        return
    if not isinstance(block.data, dict):
        ctx.report(
            line + 1, "the media block must be key: value pairs", "write src: and alt: lines", step=step.title
        )
        return
    try:
        media = Media.model_validate(block.data)
    except ValidationError as exc:
        ctx.problems += model_problems(exc, block, Media, ctx.shown, step.title, "the media block")
        return
    kind = kind_of(media)
    src_line = block.line_of(("src",))
    if not is_remote(media.src) and kind in ("youtube", "vimeo", "soundcloud", "tweet"):
        ctx.report(
            src_line,
            f'a {kind} `src` is its web address, not "{media.src}"',
            "paste the page's address",
            step=step.title,
        )
    elif is_remote(media.src) and kind in ("youtube", "vimeo") and embed_url(kind, media.src) is None:
        ctx.report(
            src_line,
            f'"{media.src}" is not a {kind} video address',
            "copy the video page's address",
            step=step.title,
        )
    elif is_remote(media.src) and kind == "image":
        _remote_image(ctx, step, src_line, media.src)
    elif not is_remote(media.src):
        _check_local(ctx, step, src_line, media.src, kind)
    if media.poster:
        _check_local(ctx, step, block.line_of(("poster",)), media.poster, "poster")


def _check_local(ctx: Context, step: RawStep, line: int, src: str, what: str) -> None:
    """A local file named in the text exists inside the project."""
    try:
        found = _is_file(resolve_source(ctx.raw.path, src))
    except StoryError as exc:
        for p in exc.problems:
            ctx.report(line, p.message, p.fix, step=step.title)
        return
    if not found:
        ctx.report(
            line, f'{what} "{src}" not found', "check the path (relative to the story file)", step=step.title
        )
