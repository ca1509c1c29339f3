"""The tour's page: what every page view of the Streamlit shell runs (tour, present, embed,
presenter and author modes) over the library.

:mod:`app.streamlit_app` is the script Streamlit runs; it only calls :func:`run`. Streamlit
compiles its script anew whenever no reader is connected (it clears its script cache when the
last session ends), so the page lives here, imported once per server process: a quiet server's
next reader does not wait for ~340 lines to be parsed and rewritten by Streamlit's "magic".
URL: ``?story=<slug>&step=<n from 1 | step id>&mode=tour|present|embed|presenter|author``.
Author mode (:mod:`app.author`) watches the story's files and shows each save on the live map.

Author text never reaches a Streamlit API that reads Markdown (``st.title``, ``st.markdown``,
``st.caption``, button and widget labels): the story header and the step card are the
export's own templates, rendered by :mod:`app.markup` and shown with ``st.html`` (which does
not read Markdown); the step list is built in the browser with ``textContent``; problems are
shown with ``st.code``; the stories in the sidebar are links from :mod:`app.markup`'s templates.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import streamlit as st

from app import author, markup, tour
from app.component import problem_list, step_list, story_map
from app.serve import STORIES_ENV  # tests point it elsewhere

ROOT = Path(__file__).resolve().parent.parent


def stories_folder() -> Path:
    """The stories folder, read at each page view (the module outlives any one environment)."""
    return Path(os.environ.get(STORIES_ENV, ROOT / "stories"))


log = logging.getLogger("storymap")


@st.cache_resource(show_spinner="Preparing the story…", max_entries=32)
def _entry(path: str, fingerprint: tuple[int, int]) -> tour.StoryEntry:
    return tour.load_entry(Path(path))


def _entries() -> dict[str, tour.StoryEntry]:
    return {
        slug: _entry(str(path), tour.story_fingerprint(path))
        for slug, path in tour.story_files(stories_folder()).items()
    }


CHROME_CSS = {
    "tour": """
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
""",
    "embed": """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer:not(.sm-step-meta) { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.5rem 0.75rem !important; max-width: 100% !important; }
""",
    "present": """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer:not(.sm-step-meta) { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
/* The map and the text card side by side, so the card never covers what the step points at. */
.st-key-present-stage { display: grid !important; grid-template-columns: minmax(0, 1fr) clamp(300px, 30vw, 560px); gap: 0 !important; }
.st-key-present-stage-start { display: grid !important; grid-template-columns: clamp(300px, 30vw, 560px) minmax(0, 1fr); gap: 0 !important; }
.st-key-present-stage > div, .st-key-present-stage-start > div { width: auto !important; min-width: 0; }
.st-key-present-text { height: 100vh; overflow-y: auto; box-sizing: border-box; padding: 28px 32px 84px;
  border-inline-start: 1px solid var(--sm-edge); }
.st-key-present-text .sm-text p, .st-key-present-text .sm-text li { font-size: 1.3rem; line-height: 1.45; }
.st-key-present-text h2 { font-size: 1.9rem; }
@media (max-width: 800px) {
  .st-key-present-stage, .st-key-present-stage-start { grid-template-columns: minmax(0, 1fr); }
  .st-key-present-text { height: auto; padding: 16px 18px 84px; border: 0; }
}
""",
    "author": """
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.sm-problems { margin: 0 0 1rem; padding: 0.6rem 0.8rem; border: 1px solid var(--sm-edge); border-radius: 6px; background: var(--sm-note); }
.sm-problems-broken { border-color: var(--sm-error); background: var(--sm-error-note); }
.sm-problems-status { margin: 0; font-size: 0.92rem; }
.sm-problem-list { margin: 0.5rem 0 0; padding: 0; list-style: none; max-height: 40vh; overflow-y: auto; }
.sm-problem { margin: 0.35rem 0; font-size: 0.88rem; line-height: 1.35; overflow-wrap: anywhere; }
.sm-problem-where { font-size: 0.82rem; }
.sm-problem-kind { font-weight: 600; color: var(--sm-error-text); }
.sm-problem-warning .sm-problem-kind { color: var(--sm-warning-text); }
.sm-problem-step { font-size: 0.8rem; padding: 0 0.4rem; margin-inline-start: 0.2rem; }
""",
    "presenter": """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer:not(.sm-step-meta) { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.75rem 1rem !important; max-width: 100% !important; }
.st-key-presenter-stage { display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.25rem; align-items: start; }
.st-key-presenter-stage > div { width: auto !important; min-width: 0; }
.sm-presenter-heading { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--sm-muted); margin: 1rem 0 0.3rem; }
.sm-notes p, .sm-notes li { font-size: 1.25rem; line-height: 1.45; }
.sm-next { font-size: 1.05rem; font-weight: 600; }
@media (max-width: 800px) { .st-key-presenter-stage { grid-template-columns: minmax(0, 1fr); } }
""",
}

BASE_CSS = """
/* Colours of our own elements, light and dark: Streamlit follows the reader's system colour
   scheme (app/serve.py), and so do these and the map. */
:root { --sm-muted: #555; --sm-soft: #444; --sm-rule: #ddd; --sm-edge: #dedbd2;
  --sm-tint: rgba(0, 0, 0, 0.06); --sm-note: #fbfaf7; --sm-error: #b3261e; --sm-error-note: #fdf3f2;
  --sm-error-text: #8a1c14; --sm-warning-text: #6b4e00; }
@media (prefers-color-scheme: dark) {
  :root { --sm-muted: #b9bac0; --sm-soft: #cfd0d6; --sm-rule: #3b3d45; --sm-edge: #3b3d45;
    --sm-tint: rgba(255, 255, 255, 0.1); --sm-note: #1a1c22; --sm-error: #f28b82; --sm-error-note: #2a1715;
    --sm-error-text: #f6aea9; --sm-warning-text: #f0cf6c; }
}
.st-key-stage { display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; align-items: start; }
.st-key-stage-start { display: grid !important; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 1.5rem; align-items: start; }
.st-key-stage > div, .st-key-stage-start > div { width: auto !important; min-width: 0; }
@media (max-width: 640px) { .st-key-stage, .st-key-stage-start { grid-template-columns: minmax(0, 1fr); } }
.sm-story-header { padding-top: 2.25rem; margin: 0 0 1rem; }
.sm-story-header, .sm-step { overflow-wrap: break-word; }
.sm-story-header .sm-title { font-size: 2.4rem; line-height: 1.15; font-weight: 700; margin: 0 0 0.4rem; padding: 0; }
.sm-media { margin: 0 0 1em; }
.sm-media img, .sm-media video, .sm-media audio { display: block; max-width: 100%; height: auto; }
.sm-media figcaption { font-size: 0.85rem; color: var(--sm-muted); margin-top: 0.3rem; }
.sm-credit { font-style: italic; }
.sm-subtitle { font-size: 1.05rem; font-style: italic; color: var(--sm-soft); margin: 0 0 0.4rem; }
.sm-byline { font-size: 0.9rem; color: var(--sm-muted); margin: 0; }
.sm-author { font-weight: 600; }
.sm-step h2 { margin: 0 0 0.5rem; padding: 0; }
.sm-step-number { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--sm-muted); margin: 0 0 0.2rem; }
.sm-step-meta { margin-top: 0.8rem; padding-top: 0.5rem; border-top: 1px solid var(--sm-rule); font-size: 0.88rem; color: var(--sm-soft); }
.sm-step-meta p { margin: 0 0 0.2rem; }
.sm-as-of, .sm-sources-label { font-weight: 600; }
.sm-sources { margin: 0.1rem 0 0; padding-inline-start: 1.1rem; }
.sm-source { margin: 0.1rem 0; }
.sm-text img { max-width: 100%; height: auto; }
.sm-keys { font-size: 0.875rem; color: var(--sm-muted); margin: 0; }
.sm-stories-heading { font-size: 0.85rem; font-weight: 600; margin: 0 0 0.3rem; }
.sm-stories ul { list-style: none; margin: 0 0 1rem; padding: 0; }
.sm-stories a { display: block; min-height: 24px; padding: 0.3rem 0.5rem; border-radius: 4px; line-height: 1.3;
  color: inherit; text-decoration: none; overflow-wrap: break-word; }
.sm-stories a:hover { text-decoration: underline; }
.sm-stories a[aria-current="page"] { font-weight: 600; background: var(--sm-tint); }
"""


def _set_step(slug: str, index: int) -> None:
    st.session_state[f"step:{slug}"] = index
    st.query_params["step"] = str(index + 1)


def _on_frame_step(slug: str, key: str) -> None:
    value = st.session_state[key].get("step") if key in st.session_state else None
    if isinstance(value, int):
        _set_step(slug, value)


def _step_text(entry: tour.StoryEntry, index: int) -> None:
    story = entry.checked.story
    card = markup.step_card(story, index, live=True)
    if index == len(story.steps) - 1:
        card += markup.closing_card(story)  # credits, methodology, corrections: after the last step
    st.html(card)


def _problems(entry: tour.StoryEntry) -> None:
    st.error("This story has problems the author needs to fix:")
    st.code(
        "\n".join(str(p) for p in entry.problems if p.severity == "error") or "unknown problem",
        language="text",
    )


def _sidebar(entries: dict[str, tour.StoryEntry], slug: str) -> None:
    """The stories and the steps (after the map, so the map is sent first).

    The stories are links (``?story=<slug>``, a new page view) rather than a select box: a
    select box makes Streamlit's frontend load its widget code (~150 KB of chunks) while the
    map's element loads, which put the first map ~0.1 s later.
    """
    with st.sidebar:
        items = [(s, e.title, not e.ok) for s, e in entries.items()]
        st.html(markup.story_list(items, slug))
        entry = entries[slug]
        if entry.ok:
            story = entry.checked.story
            step_list(
                [step.title for step in story.steps],
                slug=slug,
                current=st.session_state[f"step:{slug}"],
                lang=story.meta.lang,
                direction=story.meta.dir,
                key=f"steps:{slug}",
            )


@st.fragment
def _stage(entry: tour.StoryEntry, slug: str, mode: str) -> None:
    """Map and step text. A step chosen in the browser reruns only this fragment: the map
    element is a cached reference, so what travels is essentially the step's text."""
    story = entry.checked.story
    index = st.session_state[f"step:{slug}"]
    map_key = f"map:{slug}"
    kwargs = {
        "title": story.meta.title,
        "slug": slug,
        "initial": st.session_state.get(f"initial:{slug}", 0),
        "mode": mode,
        "lang": story.meta.lang,
        "direction": story.meta.dir,
        "key": map_key,
        "on_step": lambda: _on_frame_step(slug, map_key),
    }
    # The text at the story's `panel` side (the tour's default: after the map). Each layout is
    # one keyed container laid out by CSS (stacked on phones): a rerun of this fragment sends
    # one block instead of the four that st.columns would.
    text_first = story.meta.panel == "start"
    if mode == "author":  # the map and, beside it, what the last save broke and the step's text
        watch: author.Watch = st.session_state[f"watch:{slug}"]
        kwargs["initial"] = watch.initial
        with st.container(key="stage"):
            story_map(watch.doc, revision=watch.frame_revision(), **kwargs)
            with st.container(key="author-side"):
                problem_list(
                    author.status(watch),
                    author.problem_items(watch),
                    broken=watch.broken,
                    key=f"problems:{slug}",
                )
                _step_text(entry, index)
        return
    if mode == "presenter":  # the presenter's own window: the map, the step, its notes, what is next
        with st.container(key="presenter-stage"):
            story_map(entry.doc, **kwargs)
            with st.container(key="presenter-text"):
                st.html(markup.step_card(story, index, live=True) + markup.presenter_panel(story, index))
        return
    if mode == "present":
        with st.container(key="present-stage-start" if text_first else "present-stage"):
            if not text_first:
                story_map(entry.doc, **kwargs)
            with st.container(key="present-text"):
                _step_text(entry, index)
            if text_first:
                story_map(entry.doc, **kwargs)
        return
    with st.container(key="stage-start" if text_first else "stage"):
        if text_first:
            _step_text(entry, index)
        story_map(entry.doc, **kwargs)
        if not text_first:
            _step_text(entry, index)


@st.fragment(run_every=author.POLL_S)
def _author_watch(slug: str) -> None:
    """A few stat calls a few times a second; a save redraws the page (the map stays live)."""
    watch: author.Watch | None = st.session_state.get(f"watch:{slug}")
    if watch is None:
        return
    if watch.refresh(current=st.session_state.get(f"step:{slug}", 0)):
        if watch.latest.ok and watch.step is not None:
            _set_step(slug, watch.step)
        st.rerun()


def _author_main(params: Any) -> None:
    """Author mode: one story, watched; the last good version stays on screen."""
    files = tour.story_files(stories_folder())
    slug = tour.safe_slug(params.get("story"))
    if slug not in files:
        st.warning("That story was not found. Open a story with ?story=<name>&mode=author.")
        return
    key = f"watch:{slug}"
    watch: author.Watch | None = st.session_state.get(key)
    step_key = f"step:{slug}"
    if watch is None or watch.path != files[slug]:
        with st.spinner("Preparing the story…"):
            watch = author.Watch.start(files[slug])
        st.session_state[key] = watch
        if watch.good is not None:  # the frame's document opens on the deep link's step
            ids = [s.id for s in watch.good.checked.story.steps]
            wanted = st.session_state.get(step_key, tour.resolve_step(params.get("step"), ids))
            watch.initial = min(wanted, len(ids) - 1)
    _author_watch(slug)
    entry = watch.good
    if entry is None:
        problem_list(author.status(watch), author.problem_items(watch), broken=True, key=f"problems:{slug}")
        return
    story = entry.checked.story
    if step_key not in st.session_state:
        _set_step(slug, watch.initial)
    if st.session_state[step_key] >= len(story.steps):
        _set_step(slug, len(story.steps) - 1)
    st.html(markup.story_header(story))
    _stage(entry, slug, "author")
    titles = [step.title for step in story.steps]
    with st.sidebar:
        step_list(
            titles,
            slug=slug,
            current=st.session_state[step_key],
            lang=story.meta.lang,
            direction=story.meta.dir,
            key=f"steps:{slug}",
        )


def main() -> None:
    params = st.query_params
    mode = tour.parse_mode(params.get("mode"))
    st.set_page_config(
        page_title="Story map",
        page_icon="🗺️",
        layout="wide",
        initial_sidebar_state="auto" if mode == "tour" else "collapsed",
    )
    st.html(f"<style>{BASE_CSS}{CHROME_CSS[mode]}</style>")
    if mode == "author":
        _author_main(params)
        return
    entries = _entries()
    if not entries:
        st.info("No stories yet. Create one with `storymap new my-story`.")
        return
    wanted = tour.safe_slug(params.get("story"))
    if params.get("story") is not None and (wanted is None or wanted not in entries):
        st.warning("That story was not found. Pick one from the list.")
        wanted = None
    slug = wanted or (tour.DEFAULT_STORY if tour.DEFAULT_STORY in entries else next(iter(entries)))
    entry = entries[slug]
    if not entry.ok:
        if mode == "tour":
            _problems(entry)
            _sidebar(entries, slug)
        else:
            st.info("This story is not available right now.")
        log.warning("story %s has errors: %s", slug, "; ".join(map(str, entry.problems)))
        return
    story = entry.checked.story
    step_key = f"step:{slug}"
    if step_key not in st.session_state:
        _set_step(slug, tour.resolve_step(params.get("step"), [s.id for s in story.steps]))
        st.session_state[f"initial:{slug}"] = st.session_state[step_key]
    if params.get("story") != slug:
        st.query_params["story"] = slug
    if mode != "tour" and params.get("mode") != mode:
        st.query_params["mode"] = mode

    if mode == "tour":
        st.html(markup.story_header(story))
    _stage(entry, slug, mode)
    if mode == "tour":
        _sidebar(entries, slug)
        # Our own text, shown with st.html: st.caption would render it as Markdown, whose
        # element costs the first page view more than this line is worth.
        st.html(markup.keys_line(story))


def run() -> None:
    """One page view; a reader never sees a traceback."""
    try:
        main()
    except Exception:
        log.exception("the page failed")
        st.error("Sorry, something went wrong showing this story. The problem has been logged.")
