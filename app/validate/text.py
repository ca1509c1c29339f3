"""Checks of a step's Markdown: images need alt text and a file that exists; raw HTML is not shown."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from app.errors import StoryError
from app.parse import RawStep
from app.paths import resolve_source
from app.validate.context import Context

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
    if not src or src.startswith(("http://", "https://", "data:")):
        return
    try:
        found = _is_file(resolve_source(ctx.raw.path, src))
    except StoryError as exc:
        for p in exc.problems:
            ctx.report(line, p.message, p.fix, step=step.title)
        return
    if not found:
        ctx.report(
            line, f'image "{src}" not found', "check the path (relative to the story file)", step=step.title
        )
