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
from markupsafe import Markup, escape

from app.dates import StoryDate
from app.i18n import strings
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


def page_strings(lang: str) -> dict[str, Markup]:
    """The interface strings for templates, escaped once: ``t.as_of.format(date=...)`` then keeps
    the date's markup and escapes anything else."""
    return {key: escape(value) for key, value in strings(lang).items()}


def step_card(story: Story, index: int, *, live: bool = False) -> Markup:
    """A step card on its own (the tour): it carries the story's language and direction, and
    ``live`` makes screen readers announce it when it replaces the previous step."""
    card = _macro("step_card.html.j2", "step_card")
    meta = story.meta
    return card(
        step_view(story, index), len(story.steps), meta.lang, page_strings(meta.lang), dir=meta.dir, live=live
    )


def keys_line(story: Story) -> Markup:
    """The tour's line under the map: its keys and its software, in the story's language."""
    meta, t = story.meta, page_strings(story.meta.lang)
    return Markup('<p class="sm-keys" lang="{}" dir="{}">{} {}: Natural Earth. {}: Leaflet.</p>').format(
        meta.lang, meta.dir, t["keys_help"], t["basemap"], t["software"]
    )


def story_list(items: list[tuple[str, str, bool]], current: str) -> Markup:
    """The tour's list of stories: ``(slug, title, broken)`` each, as links; ``current`` marked."""
    rows = [{"slug": slug, "title": title, "broken": broken} for slug, title, broken in items]
    return _macro("story_list.html.j2", "story_list")(rows, current)


def story_header(story: Story) -> Markup:
    """The story's title, subtitle, byline and date on their own (the tour)."""
    meta = story.meta
    return _macro("story_header.html.j2", "story_header")(meta, page_strings(meta.lang), dir=meta.dir)


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


EMBED_WIDTH, EMBED_HEIGHT = 800, 720


def oembed(story: Story, page_href: str) -> dict[str, Any]:
    """The oEmbed (1.0, type rich) description of an exported story published at ``page_href``."""
    snippet = _macro("embed.html.j2", "embed_snippet")(page_href, story.meta.title, EMBED_HEIGHT)
    data: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": story.meta.title,
        "provider_name": "storymap",
        "html": str(snippet),
        "width": EMBED_WIDTH,
        "height": EMBED_HEIGHT,
    }
    if story.meta.byline:
        data["author_name"] = story.meta.byline
    return data


def presenter_panel(story: Story, index: int) -> Markup:
    """The presenter's notes for step ``index`` and the title of the step after it."""
    step = story.steps[index]
    notes = render_markdown(step.notes, base=Path(story.path)) if step.notes else ""
    following = story.steps[index + 1] if index + 1 < len(story.steps) else None
    panel = _macro("presenter.html.j2", "presenter_panel")
    return panel(notes, following.title if following else None, index + 1, len(story.steps))
