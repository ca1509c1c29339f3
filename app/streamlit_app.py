"""Streamlit shell: the guided tour, presentation and embed modes over the library.

Run with ``streamlit run app/streamlit_app.py`` (see the README's Quick start).
URL: ``?story=<slug>&step=<n from 1 | step id>&mode=tour|present|embed``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # `streamlit run app/streamlit_app.py` runs this as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from app import tour
from app.component import story_map, story_step
from app.render import render_markdown

ROOT = Path(__file__).resolve().parent.parent
STORIES = Path(os.environ.get("STORYMAP_STORIES", ROOT / "stories"))  # tests point this elsewhere
log = logging.getLogger("storymap")


@st.cache_resource(show_spinner="Preparing the story…", max_entries=32)
def _entry(path: str, fingerprint: tuple[int, int]) -> tour.StoryEntry:
    return tour.load_entry(Path(path))


def _entries() -> dict[str, tour.StoryEntry]:
    return {
        slug: _entry(str(path), tour.story_fingerprint(path))
        for slug, path in tour.story_files(STORIES).items()
    }


CHROME_CSS = {
    "tour": """
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stSidebar"] .stButton button { min-height: 0; padding: 0.15rem 0.25rem; justify-content: flex-start; text-align: start; }
[data-testid="stSidebar"] [data-testid="stVerticalBlock"] { gap: 0.2rem; }
""",
    "embed": """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0.5rem 0.75rem !important; max-width: 100% !important; }
""",
    "present": """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], footer { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
.st-key-present-text { position: fixed; left: 24px; bottom: 24px; max-width: min(560px, 90vw); z-index: 999;
  background: rgba(255,255,255,0.95); padding: 18px 24px; border-radius: 10px; box-shadow: 0 4px 18px rgba(0,0,0,0.25); }
.st-key-present-text p, .st-key-present-text li { font-size: 1.35rem; line-height: 1.45; }
.st-key-present-text h2 { font-size: 2rem; }
@media (max-width: 640px) { .st-key-present-text { position: static; max-width: none; } }
""",
}

BASE_CSS = """
.st-key-stage { display: grid !important; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; align-items: start; }
.st-key-stage > div { width: auto !important; min-width: 0; }
@media (max-width: 640px) { .st-key-stage { grid-template-columns: minmax(0, 1fr); } }
.sm-step-text h2 { margin-top: 0; }
.sm-meta { color: #555; font-size: 0.9rem; }
.sm-sources { font-size: 0.9rem; color: #333; padding-left: 1.1rem; }
"""


def _set_step(slug: str, index: int) -> None:
    st.session_state[f"step:{slug}"] = index
    st.query_params["step"] = str(index + 1)


def _on_frame_step(slug: str, key: str) -> None:
    value = st.session_state[key].get("step") if key in st.session_state else None
    if isinstance(value, int):
        _set_step(slug, value)


def _sources_html(entry: tour.StoryEntry, index: int) -> str:
    import html

    story = entry.checked.story
    step = story.steps[index]
    items = []
    for source_id in step.map.sources:
        src = story.meta.sources[source_id]
        bits = [html.escape(src.title)]
        if src.outlet:
            bits.append(html.escape(src.outlet))
        if src.date:
            bits.append(src.date.english())
        text = ", ".join(bits)
        if src.url:
            text = f'<a href="{html.escape(src.url)}" target="_blank" rel="noopener noreferrer">{text}</a>'
        items.append(f"<li>{text}</li>")
    as_of = f"As of {step.map.as_of.english()}. " if step.map.as_of else ""
    sources = f'<ul class="sm-sources">{"".join(items)}</ul>' if items else ""
    return f'<p class="sm-meta">{as_of}Sources:</p>{sources}' if items else f'<p class="sm-meta">{as_of}</p>'


def _step_text(entry: tour.StoryEntry, index: int, mode: str) -> None:
    import html

    story = entry.checked.story
    step = story.steps[index]
    progress = f"Step {index + 1} of {len(story.steps)}"
    body = render_markdown(step.text, base=Path(story.path))
    st.markdown(
        f'<section class="sm-step-text" aria-live="polite" aria-atomic="true" lang="{html.escape(story.meta.lang)}" dir="{story.meta.dir}">'
        f'<p class="sm-meta" data-testid="storymap-progress">{progress}</p>'
        f'<h2 data-testid="storymap-step-title">{html.escape(step.title)}</h2>'
        f'<div data-testid="storymap-step-body">{body}</div>'
        f"{_sources_html(entry, index)}</section>",
        unsafe_allow_html=True,
    )


def _problems(entry: tour.StoryEntry) -> None:
    st.error(f"“{entry.slug}” has problems the author needs to fix:")
    st.code(
        "\n".join(str(p) for p in entry.problems if p.severity == "error") or "unknown problem",
        language="text",
    )


def _on_pick() -> None:
    choice = st.session_state.get("story-picker")
    st.query_params.clear()
    st.query_params["story"] = choice


def _sidebar(entries: dict[str, tour.StoryEntry], slug: str) -> None:
    """Story picker and step list (after the map, so the map is sent first)."""
    with st.sidebar:
        names = list(entries)
        labels = {s: (e.title if e.ok else f"⚠ {e.title} (has errors)") for s, e in entries.items()}
        st.selectbox(
            "Story",
            names,
            index=names.index(slug),
            format_func=labels.get,
            key="story-picker",
            on_change=_on_pick,
        )
        entry = entries[slug]
        if entry.ok:
            st.markdown("**Steps**")
            for i, step in enumerate(entry.checked.story.steps):
                st.button(
                    f"{i + 1}. {step.title}",
                    key=f"goto:{slug}:{i}",
                    type="tertiary",
                    on_click=_jump,
                    args=(slug, i),
                )


def _jump(slug: str, index: int) -> None:
    _set_step(slug, index)
    st.session_state[f"request:{slug}"] = index


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
        "key": map_key,
        "on_step": lambda: _on_frame_step(slug, map_key),
    }
    if mode == "present":
        story_map(entry.doc, **kwargs)
        with st.container(key="present-text"):
            _step_text(entry, index, mode)
        return
    # One keyed container laid out by CSS (map | text; stacked on phones): a rerun of this
    # fragment then sends one block instead of the four that st.columns would.
    with st.container(key="stage"):
        story_map(entry.doc, **kwargs)
        _step_text(entry, index, mode)


def main() -> None:
    params = st.query_params
    mode = tour.parse_mode(params.get("mode"))
    st.set_page_config(
        page_title="Story map",
        page_icon="🗺️",
        layout="wide",
        initial_sidebar_state="auto" if mode == "tour" else "collapsed",
    )
    st.markdown(f"<style>{BASE_CSS}{CHROME_CSS[mode]}</style>", unsafe_allow_html=True)
    entries = _entries()
    if not entries:
        st.info("No stories yet. Create one with `python -m app new my-story`.")
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
        st.title(story.meta.title)
        if story.meta.subtitle:
            st.markdown(f"*{story.meta.subtitle}*")
        byline = " · ".join(
            x for x in (story.meta.byline, story.meta.published and story.meta.published.english()) if x
        )
        if byline:
            st.caption(byline)
    _stage(entry, slug, mode)
    # Steps the server chooses (the step list) reach the map through this tiny element; it is
    # sent on full reruns only, never when the reader moved in the browser.
    request = st.session_state.pop(f"request:{slug}", None)
    if request is not None:
        seq = st.session_state[f"seq:{slug}"] = st.session_state.get(f"seq:{slug}", 0) + 1
        story_step(request, seq=seq, key=f"stepper:{slug}")
    if mode == "tour":
        _sidebar(entries, slug)
        st.caption(
            "Keys: ← → (or Page Up / Page Down) move between steps; Home / End jump to the start / end. "
            "Basemap: Natural Earth. Map: Leaflet."
        )


try:
    main()
except Exception:  # a reader never sees a traceback
    log.exception("the page failed")
    st.error("Sorry, something went wrong showing this story. The problem has been logged.")
