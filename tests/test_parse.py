"""Unit tests of stage 1 (app.parse): steps, ids, text, map blocks and their file lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import parse
from app.ids import is_slug, slugify, story_slug
from app.parse import YamlBlock, decode, parse_text, parse_yaml, read_story, split_front_matter

FRONT = "---\ntitle: Test\n---\n"  # lines 1-3; the body starts on line 4


def parsed(body: str, front: str = FRONT) -> parse.RawStory:
    return parse_text((front + body).encode("utf-8"), Path("story.md"), "story.md")


def messages(story: parse.RawStory) -> list[str]:
    return [p.message for p in story.problems]


# ---------------------------------------------------------------- steps and ids


def test_each_h2_starts_a_step_with_its_line():
    story = parsed("\n## One\n\nFirst.\n\n## Two\n\nSecond.\n\n## Three\n")
    assert [(s.title, s.id, s.line) for s in story.steps] == [
        ("One", "one", 5),
        ("Two", "two", 9),
        ("Three", "three", 13),
    ]
    assert [s.text for s in story.steps] == ["First.", "Second.", ""]
    assert story.problems == []


def test_h3_and_deeper_stay_in_the_step_text():
    story = parsed("## Step\n\n### Detail\n\nText.\n")
    assert len(story.steps) == 1
    assert story.steps[0].text == "### Detail\n\nText."


def test_explicit_id_is_taken_from_the_heading():
    story = parsed("## Tehran summit, July 2022 {#tehran-summit}\n")
    step = story.steps[0]
    assert (step.title, step.id) == ("Tehran summit, July 2022", "tehran-summit")


def test_id_without_braces_is_a_slug_of_the_title():
    step = parsed("## Tehran summit, July 2022!\n").steps[0]
    assert step.id == "tehran-summit-july-2022"


def test_invalid_explicit_id_is_reported_and_replaced_by_the_slug():
    story = parsed("\n## Paris {#par!s}\n")
    assert story.steps[0].id == "paris"
    assert [(p.line, p.message) for p in story.problems] == [(5, 'step id "par!s" is not a valid id')]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello World", "hello-world"),
        ("  Spaces   everywhere  ", "spaces-everywhere"),
        ("Île-de-France", "île-de-france"),
        ("تهران", "تهران"),
        ("C'est la vie!", "c-est-la-vie"),
        ("2024", "2024"),
        ("???", ""),
        ("", ""),
        ("__init__", "init"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_a_heading_without_letters_gets_the_id_step():
    assert parsed("\n## ???\n").steps[0].id == "step"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("russia-iran.md", "russia-iran"),
        ("My-Story.md", "my-story"),
        ("My Story.md", "my-story"),
        ("Île de France 2024.md", "ile-de-france-2024"),
        ("snake_case.md", "snake_case"),
        ("تهران.md", "story"),
        ("x" * 100 + ".md", "x" * 64),
    ],
)
def test_story_slug_is_a_linkable_slug_from_the_file_name(name, slug):
    assert story_slug(name) == slug
    assert is_slug(story_slug(name))


def test_setext_heading_is_a_step_at_its_text_line():
    story = parsed("\nA setext step\n-------------\n\nIts text.\n")
    step = story.steps[0]
    assert (step.title, step.id, step.line, step.text) == ("A setext step", "a-setext-step", 5, "Its text.")


def test_empty_heading_is_reported_and_gets_a_placeholder_title():
    story = parsed("## One\n\n##\n")
    assert [s.title for s in story.steps] == ["One", "Step 2"]
    assert messages(story) == ["a step heading is empty"]


def test_h1_in_the_body_is_a_warning_not_a_step():
    story = parsed("# Title again\n\n## Step\n")
    assert [s.title for s in story.steps] == ["Step"]
    assert [(p.line, p.severity) for p in story.problems] == [(4, "warning")]


# ---------------------------------------------------------------- intro and text


def test_intro_is_the_text_before_the_first_step():
    story = parsed("\nIntro paragraph.\n\nSecond paragraph.\n\n## Step\n\nStep text.\n")
    assert story.intro == "Intro paragraph.\n\nSecond paragraph."
    assert story.steps[0].text == "Step text."


def test_no_steps_means_everything_is_intro():
    story = parsed("Only an intro.\n")
    assert (story.intro, story.steps) == ("Only an intro.", [])


def test_step_text_excludes_the_map_fence_but_keeps_text_after_it():
    story = parsed("## Step\n\nBefore.\n\n```map\nzoom: 3\n```\n\nAfter.\n")
    text = story.steps[0].text
    assert "zoom" not in text and "```" not in text
    assert text.startswith("Before.") and text.endswith("After.")


def test_text_lines_map_each_text_line_to_its_file_line():
    story = parsed("## Step\n\nBefore.\n\n```map\nzoom: 3\n```\n\nAfter.\n")
    step = story.steps[0]
    lines = step.text.split("\n")
    assert len(lines) == len(step.text_lines)
    file_lines = (FRONT + "## Step\n\nBefore.\n\n```map\nzoom: 3\n```\n\nAfter.\n").split("\n")
    for text, number in zip(lines, step.text_lines, strict=True):
        assert file_lines[number - 1] == text
    assert step.text_lines[0] == 6 and step.text_lines[-1] == 12


@pytest.mark.parametrize("info", ["python", "yaml", "", "json", "mapping", "map-old"])
def test_code_fences_that_are_not_map_stay_in_the_text(info):
    story = parsed(f"## Step\n\n```{info}\n## not a step\nzoom: 99\n```\n")
    step = story.steps[0]
    assert len(story.steps) == 1
    assert step.map is None
    assert "## not a step" in step.text and "zoom: 99" in step.text
    assert story.problems == []


def test_map_info_string_may_carry_more_words():
    story = parsed("## Step\n\n```map   {.wide}\nzoom: 3\n```\n")
    assert story.steps[0].map.data == {"zoom": 3}


def test_map_info_in_capitals_is_read_with_a_warning():
    story = parsed("## Step\n\n```MAP\nzoom: 3\n```\n")
    assert story.steps[0].map.data == {"zoom": 3}
    assert [(p.line, p.severity, p.fix) for p in story.problems] == [
        (6, "warning", "write ```map in lowercase")
    ]


# ---------------------------------------------------------------- map blocks


def test_map_block_lines_point_into_the_file():
    body = "\n## Step\n\nText.\n\n```map\ncenter: [35.69, 51.42]\nzoom: 5\nlayers:\n  - places\n  - routes\nhighlight: {layer: places, ids: [a, b]}\n```\n"
    block = parsed(body).steps[0].map
    assert isinstance(block, YamlBlock)
    # fence on line 9, so the YAML starts on line 10
    assert block.line == 10
    assert block.lines[("center",)] == 10
    assert block.lines[("zoom",)] == 11
    assert block.lines[("layers", 0)] == 13
    assert block.lines[("layers", 1)] == 14
    assert block.lines[("highlight", "ids", 1)] == 15
    assert block.line_of(("layers", 1)) == 14
    assert block.line_of(("highlight", "ids", 7, "deeper")) == 15  # deepest known prefix
    assert block.line_of(("nope",)) == 10  # unknown: the block's first line


def test_front_matter_lines_count_from_the_opening_dashes():
    story = parsed("## S\n", front="---\ntitle: T\nlayers:\n  places:\n    source: x.geojson\n---\n")
    assert story.front.line == 2
    assert story.front.lines[("layers", "places", "source")] == 5


@pytest.mark.parametrize("fence", ["~~~", "````", "~~~~~"])
def test_tilde_and_longer_backtick_fences_are_map_blocks(fence):
    story = parsed(f"## Step\n\n{fence}map\nzoom: 3\n{fence}\n\nAfter.\n")
    step = story.steps[0]
    assert step.map.data == {"zoom": 3}
    assert step.map.line == 7
    assert step.text == "After."
    assert story.problems == []


def test_a_shorter_fence_inside_a_longer_one_does_not_close_it():
    story = parsed("## Step\n\n````map\nzoom: 3\n```\n````\n")
    assert story.problems and "not valid YAML" in story.problems[0].message  # ``` is content here
    assert story.steps[0].map.data is None


def test_second_map_block_in_a_step_is_reported():
    story = parsed("## Step\n\n```map\nzoom: 3\n```\n\n```map\nzoom: 4\n```\n")
    assert story.steps[0].map.data == {"zoom": 3}
    assert [(p.line, p.message, p.step) for p in story.problems] == [
        (10, "a step has a second ```map block", "Step")
    ]


def test_map_block_before_the_first_step_is_reported():
    story = parsed("```map\nzoom: 3\n```\n\n## Step\n")
    assert [(p.line, p.message) for p in story.problems] == [
        (4, "a ```map block comes before the first step")
    ]
    assert story.intro == ""


def test_unclosed_map_fence_is_reported_at_its_opening_line():
    story = parsed("## Step\n\n```map\nzoom: 3\n")
    assert [(p.line, p.message) for p in story.problems] == [(6, "the ```map block is not closed")]
    assert story.steps[0].map.data == {"zoom": 3}


def test_map_fence_swallowed_by_an_open_code_fence_is_explained():
    story = parsed("## Step\n\n```\ncode\n\n```map\nzoom: 3\n```\n")
    assert story.steps[0].map is None
    assert [(p.line, p.message) for p in story.problems] == [
        (9, "this map block is inside the fenced block opened on line 6")
    ]


def test_a_map_example_inside_a_longer_code_fence_is_just_text():
    story = parsed("## Step\n\n````markdown\n```map\nzoom: 3\n```\n````\n\n```map\nzoom: 4\n```\n")
    step = story.steps[0]
    assert story.problems == []
    assert step.map.data == {"zoom": 4}
    assert "```map\nzoom: 3" in step.text


def test_yaml_error_in_a_map_block_has_the_file_line():
    story = parsed("## Step\n\n```map\nzoom: 3\n  center: [1, 2]\n```\n")
    problem = story.problems[0]
    assert (problem.line, problem.step) == (8, "Step")
    assert problem.message.startswith("the map block is not valid YAML")


def test_empty_map_block_is_kept_as_an_empty_block():
    block = parsed("## Step\n\n```map\n```\n").steps[0].map
    assert block is not None and block.data is None and block.line == 7


# ---------------------------------------------------------------- encodings and line endings

BODY = "## Step {#s}\n\nText.\n\n```map\nzoom: 3\n```\n"


@pytest.mark.parametrize(
    "raw",
    [
        (FRONT + BODY).encode(),
        (FRONT + BODY).replace("\n", "\r\n").encode(),
        b"\xef\xbb\xbf" + (FRONT + BODY).replace("\n", "\r\n").encode(),
        (FRONT + BODY).replace("\n", "\r").encode(),
    ],
    ids=["lf", "crlf", "bom-crlf", "cr"],
)
def test_bom_and_line_endings_do_not_change_the_result(raw):
    story = parse_text(raw, Path("s.md"), "s.md")
    assert story.problems == []
    assert story.front.data == {"title": "Test"}
    step = story.steps[0]
    assert (step.id, step.line, step.text, step.map.data, step.map.line) == ("s", 4, "Text.", {"zoom": 3}, 9)
    assert "\r" not in step.text


def test_decode_reports_the_line_of_a_non_utf8_byte():
    text, problems = decode(b"ok\nstill ok\ncaf\xe9\n", "x.md")
    assert text is None
    assert [(p.line, p.message) for p in problems] == [(3, "the file is not UTF-8 text (byte 0xe9)")]


def test_decode_recognises_utf16():
    _, problems = decode("---\ntitle: x\n---\n".encode("utf-16"), "x.md")
    assert [p.message for p in problems] == ["the file is UTF-16 text, not UTF-8"]


def test_decode_refuses_nul_bytes_with_their_line():
    _, problems = decode(b"a\nb\x00\n", "x.md")
    assert [(p.line, p.message) for p in problems] == [(2, "the file contains a NUL byte")]


def test_decode_strips_one_bom_and_normalises_newlines():
    assert decode(b"\xef\xbb\xbfa\r\nb\rc\n", "x.md") == ("a\nb\nc\n", [])


# ---------------------------------------------------------------- front matter


@pytest.mark.parametrize(
    ("lines", "result", "message"),
    [
        (["---", "title: x", "---", "body"], (1, 2), None),
        (["---", "title: x", "...", "body"], (1, 2), None),
        (["---  ", "title: x", "---\t"], (1, 2), None),
        (["title: x"], (-1, -1), "the story must start with front matter"),
        (["---", "title: x"], (1, -1), "the front matter is not closed"),
        (["", "---", "title: x", "---"], (-1, -1), "the front matter must start on the first line"),
    ],
)
def test_split_front_matter(lines, result, message):
    start, end, problems = split_front_matter(lines, "x.md")
    assert (start, end) == result
    assert [p.message for p in problems] == ([message] if message else [])


def test_front_matter_that_is_not_closed_reads_no_steps():
    story = parsed("## Step\n", front="---\ntitle: x\n")
    assert story.steps == [] and messages(story) == ["the front matter is not closed"]


def test_empty_front_matter_is_reported():
    story = parsed("## Step\n", front="---\n---\n")
    assert messages(story) == ["the front matter is empty"]
    assert story.front is None and len(story.steps) == 1


def test_parse_yaml_reports_duplicate_keys_with_both_lines():
    block, problems = parse_yaml("a: 1\nb: 2\na: 3\n", 10, "x.md", "front matter")
    assert block.data == {"a": 3, "b": 2}
    assert [(p.line, p.message) for p in problems] == [(12, 'duplicate key "a" (first given on line 10)')]


@pytest.mark.parametrize(
    ("text", "line", "fix"),
    [
        ("a: 1\nb:\n\tc: 2\n", 12, "indent with spaces, not tabs"),
        ("a: x: y\n", 10, "put text that contains ': ' in quotes"),
        ("when: 2024-02-30\n", 10, "write the date as YYYY-MM-DD"),
        ("a: [1, 2\nb: 3\n", 11, "close the bracket opened on line 10 with ]"),
        ('a: "open\nb: 1\nc: "x"\n', 12, 'the quote opened on line 10 is not closed: add the closing "'),
        (
            "a: !!python/object/apply:os.system [ls]\n",
            10,
            "remove the `!` tag: stories use plain YAML values only",
        ),
    ],
)
def test_parse_yaml_errors_have_a_line_and_a_fix(text, line, fix):
    block, problems = parse_yaml(text, 10, "x.md", "front matter")
    assert block is None
    assert [(p.line, p.fix) for p in problems] == [(line, fix)]


def test_parse_yaml_survives_absurd_nesting():
    block, problems = parse_yaml("a: " + "[" * 3000 + "]" * 3000, 2, "x.md", "front matter")
    assert block is None and problems[0].message.startswith("front matter cannot be read")


def test_real_dates_are_still_dates():
    block, problems = parse_yaml("d: 2024-02-29\n", 1, "x.md", "front matter")
    assert problems == [] and str(block.data["d"]) == "2024-02-29"


# ---------------------------------------------------------------- read_story


def test_read_story_missing_file_and_folder(tmp_path):
    assert [p.message for p in read_story(tmp_path / "nope.md").problems] == ["file not found"]
    assert [p.message for p in read_story(tmp_path).problems] == ["is a folder, not a story file"]


def test_read_story_refuses_files_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "MAX_STORY_BYTES", 1000)
    big = tmp_path / "big.md"
    big.write_text(FRONT + "## Step\n\n" + "word " * 400, encoding="utf-8")
    story = read_story(big)
    assert [(p.line, p.message) for p in story.problems] == [(None, "the story file is larger than 5 MB")]
    assert story.steps == []


def test_read_story_real_size_limit(tmp_path):
    big = tmp_path / "huge.md"
    with big.open("wb") as handle:
        handle.write(FRONT.encode())
        handle.write(b"x" * (parse.MAX_STORY_BYTES + 1))
    assert [p.message for p in read_story(big).problems] == ["the story file is larger than 5 MB"]


def test_notes_blocks_are_kept_for_the_presenter_and_out_of_the_text():
    story = parsed("\n## A step\n\nSaid aloud.\n\n```notes\nOnly for me.\n```\n\nAfter.\n")
    step = story.steps[0]
    assert step.notes == "Only for me."
    assert "Only for me" not in step.text and "Said aloud." in step.text and "After." in step.text
    early = parsed("\n```notes\ntoo early\n```\n\n## A step\n")
    assert [(p.line, p.message, p.severity) for p in early.problems] == [
        (5, "notes before the first step are not shown", "warning")
    ]
