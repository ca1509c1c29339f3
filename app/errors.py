"""A small error family. Every author mistake becomes a :class:`Problem` with file and line.

The CLI turns :class:`StoryError` into messages and exit codes; the Streamlit shell shows the
same messages to authors. Nothing here is ever shown to a reader as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an author's file, with where it is and how to fix it."""

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


class StoryParseError(StoryError):
    """The file is not a readable story (encoding, front matter, fences)."""


class StoryValidationError(StoryError):
    """The story parses but refers to things that do not exist or are out of range."""


class GeodataError(StoryError):
    """A layer's file cannot be read or used."""


class UnsafePathError(StoryError):
    """A path points outside the folders a story may read."""


def display_path(path: Path | str) -> str:
    """A path as authors see it: relative to the working directory when possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
