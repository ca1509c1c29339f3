"""A small error family. Every author mistake becomes a :class:`Problem` with file and line.

:class:`Problem` is the one type for anything wrong in an author's files: the parser, the
layer loader and the validator all return them, and the validator moves a layer file's
problems onto the line of the story that names the file. The CLI turns :class:`StoryError`
into messages and exit codes; the Streamlit shell shows the same messages to authors.
Nothing here is ever shown to a reader as a traceback.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an author's file, with where it is and how to fix it.

    Geometry repairs are warnings: the layer is usable, and ``--strict`` refuses them like
    every other warning.
    """

    path: str
    line: int | None
    message: str
    fix: str | None = None
    step: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        parts = [where]
        if self.step:
            parts.append(f'step "{self.step}"')
        text = self.message
        if self.fix:
            text = f"{text} — {self.fix}"
        if self.severity == "warning":
            text = f"warning: {text}"
        parts.append(text)
        return ": ".join(parts)


class StoryError(Exception):
    """Base class: a story (or its data) cannot be used as written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class StoryValidationError(StoryError):
    """The story parses but refers to things that do not exist or are out of range."""


class UnsafePathError(StoryError):
    """A path points outside the folders a story may read."""


def display_path(path: Path | str) -> str:
    """A path as authors see it: relative to the working directory when possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def did_you_mean(word: str, choices: list[str] | set[str] | frozenset[str]) -> str | None:
    """A fix suggestion for a misspelt name, or None."""
    match = difflib.get_close_matches(str(word), sorted(str(c) for c in choices), n=1, cutoff=0.6)
    return f'did you mean "{match[0]}"?' if match else None


def known(choices: list[str] | set[str] | frozenset[str], what: str) -> str:
    """A fix listing the names that exist (a few of them), e.g. "known layers: places, routes"."""
    names = sorted(choices)
    if not names:
        return f"no {what} are defined in the front matter"
    shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
    return f"known {what}: {shown}"
