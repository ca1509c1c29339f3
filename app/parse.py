"""Stage 1: read a story file into raw pieces that remember their line numbers.

Nothing here raises for an author's mistake: problems are collected and returned with the
pieces that could be read, so the validator can report everything wrong at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from app.errors import Problem, display_path
from app.ids import is_id, slugify

FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING_ATTRS_RE = re.compile(r"^(.*?)\s*\{((?:\s*[#.][^\s}]*)+)\s*\}\s*$")  # ## Title {#id .closing}
CLOSING = "closing"
MAX_STORY_BYTES = 5 * 1024 * 1024

LinePath = tuple[str | int, ...]


@dataclass
class YamlBlock:
    """Parsed YAML plus the file line of every key and list item (1-based)."""

    data: Any
    line: int
    lines: dict[LinePath, int] = field(default_factory=dict)

    def line_of(self, loc: tuple[Any, ...]) -> int:
        """The line of the deepest known prefix of ``loc`` (a pydantic error location)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.line


@dataclass
class RawStep:
    """A `##` section as written: heading, id, Markdown text and the map block."""

    title: str
    id: str
    line: int
    text: str = ""
    map: YamlBlock | None = None
    text_lines: list[int] = field(default_factory=list)  # file line of each line of ``text``


@dataclass
class RawStory:
    """What could be read of a story file, and what was wrong with it."""

    path: Path
    shown: str
    front: YamlBlock | None
    intro: str
    steps: list[RawStep]
    problems: list[Problem]
    closing: RawStep | None = None  # the `## Title {.closing}` section after the last step


class _Loader(yaml.SafeLoader):
    """The safe loader, with impossible dates reported at their line like any YAML error."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml where available: about twice as fast. Errors are re-read with :class:`_Loader`,
    whose messages (and line marks) are the ones authors are shown."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:  # e.g. 2024-13-45: month must be in 1..12
        raise yaml.constructor.ConstructorError(
            None, None, f'"{node.value}" is not a real date ({exc})', node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_FastLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _load_with_nodes(text: str, loader_class: type) -> tuple[Any, Any]:
    """One pass: the node tree (for line numbers), then the data built from that same tree."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _open_quote_line(text: str, before: int) -> int | None:
    """0-based index of the first line before ``before`` with an unbalanced double quote."""
    for index, line in enumerate(text.split("\n")[:before]):
        if line.lstrip().startswith("#"):
            continue
        if line.replace('\\"', "").count('"') % 2:
            return index
    return None


def _yaml_error_text(exc: yaml.YAMLError, text: str, first_line: int) -> tuple[str, str]:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}, {problem}" if context else problem
    mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    if "\\t" in message or "'\\t'" in message or "tab" in message.lower():
        return message, "indent with spaces, not tabs"
    if "is not a real date" in message:
        return message, "write the date as YYYY-MM-DD"
    if "could not determine a constructor" in message:
        return message, "remove the `!` tag: stories use plain YAML values only"
    if context and context.startswith("while parsing a flow") and context_mark is not None:
        bracket = "]" if "sequence" in context else "}"
        return message, f"close the bracket opened on line {first_line + context_mark.line} with {bracket}"
    if mark is not None:
        quote = _open_quote_line(text, mark.line)
        if quote is not None:
            return message, f'the quote opened on line {first_line + quote} is not closed: add the closing "'
    if "mapping values are not allowed" in message:
        return message, "put text that contains ': ' in quotes"
    return message, "check the indentation and quoting on this line"


def _walk(node: yaml.Node, base: int, path: LinePath, out: dict, dupes: list) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = base + key_node.start_mark.line
            if key in seen:
                dupes.append((key, line, seen[key]))
            seen[key] = line
            out[(*path, key)] = line
            _walk(value_node, base, (*path, key), out, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            out[(*path, index)] = base + item.start_mark.line
            _walk(item, base, (*path, index), out, dupes)


def parse_yaml(text: str, first_line: int, shown: str, what: str) -> tuple[YamlBlock | None, list[Problem]]:
    """Parse YAML that starts at file line ``first_line``; never raises for bad YAML."""
    problems: list[Problem] = []
    try:
        try:
            node, data = _load_with_nodes(text, _FastLoader)
        except yaml.YAMLError:
            node, data = _load_with_nodes(text, _Loader)  # raises with the pure loader's message
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        message, fix = _yaml_error_text(exc, text, first_line)
        problems.append(Problem(shown, line, f"{what} is not valid YAML: {message}", fix))
        return None, problems
    except (ValueError, OverflowError, RecursionError) as exc:
        problems.append(Problem(shown, first_line, f"{what} cannot be read: {exc}", "simplify the values"))
        return None, problems
    lines: dict[LinePath, int] = {}
    dupes: list[tuple[Any, int, int]] = []
    if node is not None:
        try:
            _walk(node, first_line, (), lines, dupes)
        except RecursionError as exc:
            problems.append(
                Problem(shown, first_line, f"{what} cannot be read: {exc}", "simplify the values")
            )
            return None, problems
    for key, line, first in dupes:
        problems.append(
            Problem(shown, line, f'duplicate key "{key}" (first given on line {first})', "keep one of them")
        )
    return YamlBlock(data=data, line=first_line, lines=lines), problems


def decode(raw: bytes, shown: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text with BOM removed and line endings normalised, or a problem naming the line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(shown, 1, "the file is UTF-16 text, not UTF-8", "save the file as UTF-8")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        return None, [
            Problem(shown, line, f"the file is not UTF-8 text (byte 0x{byte})", "save the file as UTF-8")
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [
            Problem(shown, line, "the file contains a NUL byte", "save the file as plain UTF-8 text")
        ]
    return text, []


def split_front_matter(lines: list[str], shown: str) -> tuple[int, int, list[Problem]]:
    """Return (first YAML line index, closing line index) of the front matter, 0-based."""
    if lines and lines[0].strip() == "" and any(line.strip() for line in lines):
        first = next(index for index, line in enumerate(lines) if line.strip())
        if lines[first].rstrip() == "---":
            return (
                -1,
                -1,
                [
                    Problem(
                        shown,
                        1,
                        "the front matter must start on the first line",
                        f"remove the blank line(s) before the '---' on line {first + 1}",
                    )
                ],
            )
    if not lines or lines[0].rstrip() != "---":
        return (
            -1,
            -1,
            [
                Problem(
                    shown,
                    1,
                    "the story must start with front matter",
                    "begin the file with a line '---', then YAML such as 'title: My story', then '---'",
                )
            ],
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return 1, index, []
    return (
        1,
        -1,
        [Problem(shown, 1, "the front matter is not closed", "add a line '---' after the YAML block")],
    )


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def read_story(path: Path | str) -> RawStory:
    """Read ``path`` into a :class:`RawStory`; every author mistake becomes a problem."""
    path = Path(path)
    shown = display_path(path)
    empty = RawStory(path, shown, None, "", [], [])
    try:
        if path.stat().st_size > MAX_STORY_BYTES:
            empty.problems.append(
                Problem(shown, None, "the story file is larger than 5 MB", "move data into GeoJSON layers")
            )
            return empty
        raw = path.read_bytes()
    except FileNotFoundError:
        empty.problems.append(Problem(shown, None, "file not found", "check the path"))
        return empty
    except IsADirectoryError:
        empty.problems.append(Problem(shown, None, "is a folder, not a story file", "name a .md file"))
        return empty
    except OSError as exc:
        empty.problems.append(
            Problem(shown, None, f"cannot read the file ({exc.strerror})", "check its permissions")
        )
        return empty
    return parse_text(raw, path, shown)


def parse_text(raw: bytes, path: Path, shown: str) -> RawStory:
    """Parse the bytes of a story file (see :func:`read_story`)."""
    story = RawStory(path, shown, None, "", [], [])
    text, problems = decode(raw, shown)
    story.problems += problems
    if text is None:
        return story
    if not text.strip():
        story.problems.append(
            Problem(shown, 1, "the story is empty", "run `storymap new SLUG` for a template")
        )
        return story
    lines = text.split("\n")
    start, end, problems = split_front_matter(lines, shown)
    story.problems += problems
    if end < 0:
        return story
    yaml_text = "\n".join(lines[start:end])
    if not yaml_text.strip():
        story.problems.append(Problem(shown, 1, "the front matter is empty", "add at least 'title: ...'"))
    else:
        story.front, problems = parse_yaml(yaml_text, start + 1, shown, "front matter")
        story.problems += problems
    _read_body(story, lines, end + 1)
    return story


def _fence_closed(lines: list[str], open_index: int, end_index: int) -> bool:
    match = FENCE_RE.match(lines[open_index])
    if not match or end_index - 1 <= open_index:
        return False
    marker = match.group(1)
    last = lines[end_index - 1].strip()
    return last.startswith(marker[0] * len(marker)) and set(last) == {marker[0]}


def _read_body(story: RawStory, lines: list[str], offset: int) -> None:
    body = lines[offset:]
    tokens = _md().parse("\n".join(body))
    shown = story.shown
    # (first, last) 0-based body line ranges that belong to map fences, excluded from text
    excluded: list[tuple[int, int]] = []
    headings: list[tuple[int, int, RawStep]] = []
    current: RawStep | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            if token.tag == "h2":
                title = tokens[index + 1].content.strip()
                line = offset + token.map[0] + 1
                match = HEADING_ATTRS_RE.match(title)
                attrs = match.group(2).split() if match else []
                ids = [a[1:] for a in attrs if a.startswith("#")]
                classes = [a[1:] for a in attrs if a.startswith(".")]
                for name in classes:
                    if name != CLOSING:
                        story.problems.append(
                            Problem(
                                shown,
                                line,
                                f'unknown heading class ".{name}"',
                                "the one class is .closing, for the section after the last step",
                                severity="warning",
                            )
                        )
                if story.closing is not None:
                    story.problems.append(
                        Problem(
                            shown,
                            line,
                            f"this section comes after the closing section (line {story.closing.line})",
                            "move the closing section to the end of the story",
                        )
                    )
                if match:
                    title = match.group(1).strip()
                if ids:
                    step_id = ids[0]
                    if not is_id(step_id):
                        story.problems.append(
                            Problem(
                                shown,
                                line,
                                f'step id "{step_id}" is not a valid id',
                                "use letters, digits, '-' and '_', e.g. {#tehran-summit}",
                            )
                        )
                        step_id = slugify(title) or "step"
                else:
                    step_id = slugify(title) or "step"
                if not title:
                    story.problems.append(
                        Problem(shown, line, "a step heading is empty", "write the step's title after '## '")
                    )
                current = RawStep(title=title or f"Step {len(headings) + 1}", id=step_id, line=line)
                headings.append((token.map[0], token.map[1], current))
                if CLOSING in classes and story.closing is None:
                    story.closing = current
                else:
                    story.steps.append(current)
            elif token.tag == "h1":
                story.problems.append(
                    Problem(
                        shown,
                        offset + token.map[0] + 1,
                        "a '# ' heading in the body is ignored",
                        "the title goes in the front matter; start steps with '## '",
                        severity="warning",
                    )
                )
        elif token.type == "fence" and token.map:
            first, last = token.map
            info = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
            opener = FENCE_RE.match(body[first])
            marker = opener.group(1) if opener else "```"
            step_title = current.title if current else None
            if not _fence_closed(body, first, last):
                what = f"the {marker}{info} block" if info else "a fenced block"
                story.problems.append(
                    Problem(
                        shown,
                        offset + first + 1,
                        f"{what} is not closed",
                        f"add a closing line {marker}",
                        step_title,
                    )
                )
            if info.lower() == "map" and info != "map":
                story.problems.append(
                    Problem(
                        shown,
                        offset + first + 1,
                        f'the map block is marked "{info}"',
                        f"write {marker}map in lowercase",
                        step_title,
                        "warning",
                    )
                )
                info = "map"
            if info != "map":
                # A ```map line inside a fence opened with the same marker: the author most likely
                # forgot to close that fence (a longer outer fence is deliberate nesting).
                for inner in range(first + 1, last):
                    nested = FENCE_RE.match(body[inner])
                    if (
                        nested
                        and nested.group(1)[0] == marker[0]
                        and len(nested.group(1)) >= len(marker)
                        and body[inner][nested.end() :].strip().split(maxsplit=1)[:1] == ["map"]
                    ):
                        story.problems.append(
                            Problem(
                                shown,
                                offset + inner + 1,
                                f"this map block is inside the fenced block opened on line {offset + first + 1}",
                                f"close that block with a line {marker} before the map block",
                                step_title,
                            )
                        )
                continue
            excluded.append((first, last))
            line = offset + first + 1
            if current is None:
                story.problems.append(
                    Problem(
                        shown,
                        line,
                        "a ```map block comes before the first step",
                        "move it under a '## ' heading",
                    )
                )
                continue
            if current is story.closing:
                story.problems.append(
                    Problem(
                        shown,
                        line,
                        "the closing section has no map",
                        "move the map block into a step, or remove .closing from the heading",
                    )
                )
                continue
            if current.map is not None:
                story.problems.append(
                    Problem(
                        shown,
                        line,
                        "a step has a second ```map block",
                        "merge them into one",
                        step=current.title,
                    )
                )
                continue
            block, problems = parse_yaml(token.content, line + 1, shown, "the map block")
            story.problems += [_with_step(p, current.title) for p in problems]
            current.map = block if block is not None else YamlBlock(None, line + 1)
    # Step text: the body lines between headings, minus map fences.
    starts = [start for start, _, _ in headings] + [len(body)]
    story.intro, _ = _slice_text(body, 0, starts[0], excluded, offset)
    for (_, heading_end, step), stop in zip(headings, starts[1:], strict=False):
        step.text, step.text_lines = _slice_text(body, heading_end, stop, excluded, offset)


def _with_step(problem: Problem, step: str) -> Problem:
    return Problem(problem.path, problem.line, problem.message, problem.fix, step, problem.severity)


def _slice_text(
    body: list[str], start: int, stop: int, excluded: list[tuple[int, int]], offset: int
) -> tuple[str, list[int]]:
    """The text of body lines ``start:stop`` without map fences, and the file line of each line."""
    keep = [i for i in range(start, stop) if not any(first <= i < last for first, last in excluded)]
    while keep and body[keep[0]] == "":
        keep.pop(0)
    while keep and body[keep[-1]] == "":
        keep.pop()
    return "\n".join(body[i] for i in keep), [offset + i + 1 for i in keep]
