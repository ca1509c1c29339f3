"""Stage: author text → HTML, one way for every page (the tour, its map frame and the export).

(Not ``app/html.py``: ``streamlit run app/streamlit_app.py`` puts ``app/`` first on sys.path,
where a module named ``html`` would stand in for the standard library's.)

This module owns the one Jinja environment (autoescaping on, templates in ``app/templates``)
and the view objects the templates read. Plain author text (titles, bylines, labels, source
titles) is escaped by Jinja; author Markdown goes through :func:`app.render.render_markdown`
(markdown-it, then nh3) and reaches a template as sanitized HTML; data for scripts is written
with ``tojson``. The tour and the export render the same ``step_card.html.j2`` and
``story_header.html.j2``, so a step reads the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.dates import StoryDate
from app.models import Source, Story
from app.render import Assets, render_markdown

TEMPLATES = Path(__file__).resolve().parent / "templates"


templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class SourceView:
    """A source as a step card or the credits list shows it."""

    id: str
    title: str
    outlet: str | None
    author: str | None
    date: StoryDate | None
    url: str | None


@dataclass(frozen=True)
class StepView:
    """One step card: heading, sanitized text, as-of date and sources."""

    index: int
    id: str
    title: str
    html: str
    as_of: StoryDate | None
    sources: list[SourceView]


@dataclass(frozen=True)
class Credit:
    """A line of the credits section; ``html`` is sanitized (links and emphasis only)."""

    label: str
    html: str


def source_view(source_id: str, source: Source) -> SourceView:
    """The view of one of the story's sources."""
    return SourceView(source_id, source.title, source.outlet, source.author, source.date, source.url)


def step_view(story: Story, index: int, *, fetch: bool = False, assets: Assets | None = None) -> StepView:
    """One step card's view: text rendered and sanitized, sources resolved (``fetch`` and
    ``assets``: see :func:`app.render.render_markdown`)."""
    step = story.steps[index]
    sources = story.meta.sources
    return StepView(
        index=index,
        id=step.id,
        title=step.title,
        html=render_markdown(step.text, base=Path(story.path), fetch=fetch, assets=assets),
        as_of=step.map.as_of,
        sources=[source_view(sid, sources[sid]) for sid in step.map.sources if sid in sources],
    )


def step_views(story: Story, *, fetch: bool = False, assets: Assets | None = None) -> list[StepView]:
    """Every step card's view, in order."""
    return [step_view(story, index, fetch=fetch, assets=assets) for index in range(len(story.steps))]


def intro_html(story: Story, *, fetch: bool = False, assets: Assets | None = None) -> str:
    """The text before the first step, rendered and sanitized ("" when there is none)."""
    if not story.intro.strip():
        return ""
    return render_markdown(story.intro, base=Path(story.path), fetch=fetch, assets=assets)


@cache
def _macro(template: str, name: str) -> Any:
    return getattr(templates.get_template(template).module, name)


def step_card(story: Story, index: int, *, live: bool = False) -> Markup:
    """A step card on its own (the tour): it carries the story's language and direction, and
    ``live`` makes screen readers announce it when it replaces the previous step."""
    card = _macro("step_card.html.j2", "step_card")
    meta = story.meta
    return card(step_view(story, index), len(story.steps), meta.lang, dir=meta.dir, live=live)


def story_header(story: Story) -> Markup:
    """The story's title, subtitle, byline and date on their own (the tour)."""
    return _macro("story_header.html.j2", "story_header")(story.meta, dir=story.meta.dir)


@dataclass(frozen=True)
class ClosingView:
    """The closing section: its heading and its text, sanitized."""

    title: str
    html: str


def closing_view(story: Story, *, fetch: bool = False, assets: Assets | None = None) -> ClosingView | None:
    """The closing section's view, or None when the story has none."""
    if story.closing is None:
        return None
    text = render_markdown(story.closing.text, base=Path(story.path), fetch=fetch, assets=assets)
    return ClosingView(story.closing.title, text)


def closing_card(story: Story) -> Markup:
    """The closing section on its own (the tour), in the story's language and direction."""
    view = closing_view(story)
    if view is None:
        return Markup("")
    return _macro("closing.html.j2", "closing_card")(view, story.meta.lang, dir=story.meta.dir)
