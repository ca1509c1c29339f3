"""Where things are: the project a story belongs to, the files it may read, the stories in a folder.

Every path an author writes (a layer's ``source``, an image) is resolved here, once, with one
set of rules: relative to the story file and inside its project (the parent of ``stories/``,
or the story's own folder). Absolute paths, ``..`` out of the project, URLs and symbolic
links that lead outside are refused with a :class:`~app.errors.UnsafePathError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.errors import Problem, UnsafePathError, display_path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding the app package (the repository)
BASEMAP_DIR = Path(__file__).resolve().parent / "basemap"  # package data, built by geodata/build.py
STORY_SUFFIX = ".md"
FRONT_MATTER_START = b"---"


def project_root(story_path: Path) -> Path:
    """The folder a story may read from: the parent of ``stories/``, else the story's folder."""
    folder = story_path.resolve().parent
    return folder.parent if folder.name == "stories" else folder


def _unsafe(story_path: Path, message: str, fix: str) -> UnsafePathError:
    return UnsafePathError([Problem(display_path(story_path), None, message, fix)])


def resolve_source(story_path: Path, source: str) -> Path:
    """Resolve a layer or image path relative to the story; refuse anything outside the project."""
    root = project_root(story_path)
    if "\x00" in source or source.startswith(("http://", "https://", "file:", "//")):
        raise _unsafe(
            story_path, f'"{source}" is not a local file path', "use a path relative to the story file"
        )
    candidate = Path(source)
    if candidate.is_absolute():
        raise _unsafe(
            story_path,
            f'"{source}" is an absolute path',
            "use a path relative to the story file, inside the project",
        )
    resolved = (story_path.resolve().parent / candidate).resolve()
    if resolved.is_relative_to(root):
        return resolved
    lexical = Path(os.path.normpath(story_path.resolve().parent / candidate))
    if lexical.is_relative_to(root):
        raise _unsafe(
            story_path,
            f'"{source}" is a symbolic link to a file outside the project folder {display_path(root)}',
            "copy the file into the project instead of linking to it",
        )
    raise _unsafe(
        story_path,
        f'"{source}" points outside the project folder {display_path(root)}',
        "keep data files inside the project (e.g. geodata/)",
    )


def basemap_file(name: str) -> Path | None:
    """A file of the tool's offline world basemap (package data in ``app/basemap/``), if installed.

    Every story uses the same basemap; a project needs no copy of it.
    """
    path = BASEMAP_DIR / name
    return path if path.is_file() else None


@dataclass(frozen=True)
class Found:
    """Story files named by the command line or a folder, and the files passed over."""

    stories: list[Path]
    skipped: list[tuple[Path, str]]  # (file, why it is not treated as a story)


def looks_like_story(path: Path) -> bool:
    """True if the file starts with front matter (``---``), after an optional BOM and blank lines."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return True  # let the validator report why it cannot be read
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16: the validator says how to save it
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").startswith(FRONT_MATTER_START)


def find_stories(paths: list[Path]) -> Found:
    """Stories named by ``paths``: files as given; in folders, ``*.md`` files that are stories.

    In a folder, ``README.md`` is skipped, and so is Markdown without front matter (notes,
    drafts) and any file that is a link to somewhere outside the folder. A file named
    explicitly is always checked, so its author hears what is wrong with it.
    """
    stories: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            stories.append(path)
            continue
        folder = path.resolve()
        for file in sorted(path.glob(f"*{STORY_SUFFIX}")):
            if file.name.lower() == "readme.md":
                continue
            if not file.resolve().is_relative_to(folder):
                skipped.append((file, "a link to a file outside the folder"))
            elif not looks_like_story(file):
                skipped.append((file, "no front matter, so not a story"))
            else:
                stories.append(file)
    return Found(stories, skipped)
