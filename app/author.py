"""Author mode's logic, free of Streamlit: watch a story's files, re-check it on save, and
say what the live map needs to change.

The shell (:mod:`app.page`) polls :meth:`Watch.refresh` a few times a second. A poll
is a handful of ``stat`` calls (:func:`fingerprint`); only when a file changed is the story
checked again and its map rebuilt (layer files that did not change come from
:mod:`app.geodata`'s caches, the basemap from :mod:`app.mapview`'s). A save that breaks the
story keeps the last good version on screen (:attr:`Watch.good`) and reports what broke
(:attr:`Watch.latest`); the next good save replaces it.

The map frame keeps its first document for the whole session: a new good version travels as a
*revision* (the controller config and the GeoJSON of the layers whose data changed), which
the frame hands to the document's controller (``window.storymap.reload``) so the same
``L.Map`` shows it. Only a change the controller cannot apply in place (the story's
overlays, basemap, language or direction) builds a new document.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import mapview
from app.errors import Problem
from app.models import Step, Story
from app.paths import resolve_source
from app.tour import StoryEntry, load_entry

log = logging.getLogger("storymap")

POLL_S = 0.25  # how often the open page looks at the files (a few stat calls)
OPTIONS = {"mode": "author", "author": True}  # StoryMap.configure options of author mode

BASEMAP = "\0basemap"  # the basemap's key among what the frame holds (no layer id has a NUL)
Fingerprint = tuple[tuple[str, int, int], ...]


def watched_files(path: Path, entries: list[StoryEntry | None]) -> list[Path]:
    """The story file, every layer and overlay image its versions name, and their folders.

    A folder's own mtime changes when a file in it is created, deleted or renamed (an
    editor's atomic save, a layer file restored), so a missing file is noticed too.
    """
    files: list[Path] = [path]
    for entry in entries:
        if entry is None:
            continue
        files += [layer.path for layer in entry.checked.layers.values()]
        story = entry.checked.story
        if story is not None:
            files += _named_files(path, story)
    folders = [f.parent for f in files]
    seen: dict[str, Path] = {}
    for file in [*files, *folders]:
        seen.setdefault(str(file), file)
    return list(seen.values())


def _named_files(path: Path, story: Story) -> list[Path]:
    out = []
    sources = [layer.source for layer in story.meta.layers.values()]
    sources += [o.image for o in story.meta.overlays.values() if o.image]
    for source in sources:
        try:
            out.append(resolve_source(path, source))
        except Exception:  # an unsafe path is the validator's to report, not the watcher's
            continue
    return out


def fingerprint(files: list[Path]) -> Fingerprint:
    """(path, mtime_ns, size) of each file; (path, -1, -1) for one that is missing."""
    out = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            out.append((str(file), -1, -1))
            continue
        out.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def _section(step: Step) -> dict[str, Any]:
    """What the author wrote in a step (not where it is: a step below an edit moves down)."""
    return step.model_dump(exclude={"line"})


def changed_step(old: list[Step], new: list[Step], current: int) -> int:
    """The step to show after a save: the first step whose section changed, else ``current``.

    Steps are compared by position: an inserted step is the first that differs; steps
    added or removed at the end lead to the first new one (or the new last step).
    """
    if not new:
        return 0
    for index, (before, after) in enumerate(zip(old, new, strict=False)):
        if _section(before) != _section(after):
            return index
    if len(new) != len(old):
        return min(len(old), len(new) - 1)
    return max(0, min(current, len(new) - 1))


def _frame_key(story: Story) -> tuple[Any, ...]:
    """What the live map cannot change in place: a difference builds a new document."""
    meta = story.meta
    overlays = {k: v.model_dump() for k, v in meta.overlays.items()}
    return (overlays, meta.basemap, meta.basemap_labels, meta.lang, meta.dir)


class Basemaps:
    """One background builder of basemaps for the whole server; the newest request wins.

    An author tuning a zoom saves again before the last basemap is built: building each in
    its own thread would pile them up and slow every save. Requests made while one builds
    replace each other; the builder then builds only the last.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: tuple[Story, dict[str, Any]] | None = None
        self._thread: threading.Thread | None = None
        self.built = 0  # builds finished so far (a watch compares it with what it last saw)

    def request(self, story: Story, layers: dict[str, Any]) -> None:
        """Build the basemap for ``story``'s views (into :mod:`app.mapview`'s cache)."""
        with self._lock:
            self._wanted = (story, layers)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="storymap-basemap", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._thread = None
                    return
            try:
                mapview.basemap_config(*wanted)
            except Exception:  # the map keeps its stand-in; the server log says why
                log.exception("building the basemap for %s failed", wanted[0].path)
            with self._lock:
                self.built += 1


BASEMAPS = Basemaps()


@dataclass
class Watch:
    """One author's view of one story: the last good version and the latest check."""

    path: Path
    latest: StoryEntry
    good: StoryEntry | None = None
    doc: str | None = None  # the frame's document (the first good version's, until a remount)
    revision: int = 0
    step: int | None = None  # where the last good save asked the map to go
    initial: int = 0  # the step the frame's document opens on
    files: list[Path] = field(default_factory=list)
    stamp: Fingerprint = ()
    sent: dict[str, Any] = field(default_factory=dict)  # layer id → the data the frame holds
    payload: dict[str, Any] | None = None
    pending_basemap: bool = False  # the map shows a stand-in basemap until its own is built
    seen_built: int = 0  # BASEMAPS.built when last looked at

    @classmethod
    def start(cls, path: Path) -> Watch:
        """Check the story once and start watching its files."""
        before = fingerprint([path, path.parent])
        entry = load_entry(path, OPTIONS)
        watch = cls(path=path, latest=entry)
        if entry.ok:
            watch._show(entry, step=0, remount=True)
        watch._rewatch(before)
        return watch

    @property
    def problems(self) -> list[Problem]:
        """Everything the latest save has wrong (errors first, then warnings)."""
        return sorted(self.latest.problems, key=lambda p: (p.severity != "error", p.line or 0))

    @property
    def broken(self) -> bool:
        """True when the latest save could not be shown (the page shows the last good one)."""
        return not self.latest.ok

    def refresh(self, current: int) -> bool:
        """Look at the files; on a change re-check the story. True if the page must redraw.

        ``current`` is the step the reader is on; a good save moves the map to the step
        whose section changed, or keeps it there.
        """
        stamp = fingerprint(self.files)
        refined = False
        if self.pending_basemap and self.good is not None and BASEMAPS.built != self.seen_built:
            self.seen_built = BASEMAPS.built
            refined = mapview.basemap_cached(self.good.checked.story, self.good.checked.layers)
        if stamp == self.stamp and not refined:
            return False
        # A changed view needs a new basemap (seconds of clipping for a long story): the map
        # shows the save at once on the basemap it has, and again when the new one is ready.
        stand_in = self.good.config.get("basemap") if self.good and self.good.config else None
        entry = load_entry(self.path, OPTIONS, basemap_stand_in=stand_in, document=False)
        self.latest = entry
        remount = entry.ok and (
            self.good is None or _frame_key(self.good.checked.story) != _frame_key(entry.checked.story)
        )
        if remount:  # rare (see _frame_key): the frame needs a whole new document
            entry = self.latest = load_entry(self.path, OPTIONS, basemap_stand_in=stand_in)
        if entry.ok:
            self._refine(entry, stand_in)
            old = self.good.checked.story.steps if self.good else []
            step = changed_step(old, entry.checked.story.steps, current) if self.good else current
            self._show(entry, step=step, remount=remount)
        self._rewatch(stamp)
        return True

    def _refine(self, entry: StoryEntry, stand_in: dict[str, Any] | None) -> None:
        story, layers = entry.checked.story, entry.checked.layers
        self.pending_basemap = (
            stand_in is not None
            and entry.config.get("basemap") is stand_in
            and not mapview.basemap_cached(story, layers)
        )
        if self.pending_basemap:
            self.seen_built = BASEMAPS.built
            BASEMAPS.request(story, layers)

    def _rewatch(self, before: Fingerprint) -> None:
        """Watch what the versions now name. Files seen before the check keep the state they
        had then, so a save during the check is still seen as a change by the next poll."""
        self.files = watched_files(self.path, [self.latest, self.good])
        known = {item[0]: item for item in before}
        self.stamp = tuple(known.get(item[0], item) for item in fingerprint(self.files))

    def _show(self, entry: StoryEntry, step: int | None, remount: bool) -> None:
        self.good = entry
        self.step = step
        self.revision += 1
        if remount:
            self.initial = step or 0
            self.doc = entry.doc
            self.sent = {**entry.layer_data, BASEMAP: entry.config.get("basemap")}
            self.payload = None
            return
        changed = {lid: data for lid, data in entry.layer_data.items() if self.sent.get(lid) is not data}
        config = dict(entry.config)
        if config.get("basemap") is self.sent.get(BASEMAP):
            del config["basemap"]  # the map keeps the one it has (the controller's reload reads so)
        elif config.get("basemap"):  # the whole of it at once: the map is already on screen
            config["basemap"] = {k: v for k, v in config["basemap"].items() if k != "first_land"}
        self.sent = {**entry.layer_data, BASEMAP: entry.config.get("basemap")}
        self.payload = {"config": config, "layers": changed}

    def frame_revision(self) -> dict[str, Any] | None:
        """What the frame component applies to the live map (None: the document is current)."""
        if self.payload is None:
            return None
        return {"n": self.revision, "step": self.step, **self.payload}


def problem_step(problem: Problem, story: Story | None) -> int | None:
    """The step (0-based) of the shown version a problem belongs to, if any.

    Problems name their step by title; a step renamed in a broken save is found by line.
    """
    if problem.step is None or story is None:
        return None
    for index, step in enumerate(story.steps):
        if step.title == problem.step:
            return index
    if problem.line is None:
        return None
    before = [i for i, step in enumerate(story.steps) if step.line <= problem.line]
    return before[-1] if before else None


def problem_items(watch: Watch) -> list[dict[str, Any]]:
    """The latest save's problems as the problem list shows them (plain data, never markup)."""
    story = watch.good.checked.story if watch.good else None
    items = []
    for problem in watch.problems:
        step = problem_step(problem, story)
        message = f"{problem.message} — {problem.fix}" if problem.fix else problem.message
        if problem.step:
            message = f'step "{problem.step}": {message}'
        items.append(
            {
                "where": f"{problem.path}:{problem.line}" if problem.line else problem.path,
                "message": message,
                "severity": problem.severity,
                "step": step,
                "step_label": f"Go to step {step + 1}" if step is not None else None,
            }
        )
    return items


def status(watch: Watch) -> str:
    """One line on what the page shows: the saved version, or the last good one and why."""
    errors = sum(p.severity == "error" for p in watch.latest.problems)
    warnings = len(watch.latest.problems) - errors
    name = watch.path.name
    if watch.broken and watch.good is not None:
        return (
            f"The last save of {name} has {_count(errors, 'error')}: "
            "the map shows the last version that worked. Fix them and save; the page follows."
        )
    if watch.broken:
        return f"{name} has {_count(errors, 'error')}: fix them and save; the map appears when it works."
    tail = f" ({_count(warnings, 'warning')})" if warnings else ""
    return f"Watching {name} and its layers: every save shows here{tail}."


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
