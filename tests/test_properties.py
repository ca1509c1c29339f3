"""Property tests: whatever an author writes, parsing and checking return problems, never raise."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.errors import Problem
from app.parse import parse_text
from app.validate import check_story

GEODATA = Path(__file__).resolve().parent / "cases" / "geodata"
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FRONT_KEYS = ["title", "subtitle", "byline", "published", "lang", "dir", "basemap", "layers", "sources"]
MAP_KEYS = ["center", "zoom", "fit", "layers", "highlight", "duration", "as_of", "sources"]
LAYER_KEYS = ["source", "label", "style", "tooltip", "popup", "labels", "id_field", "legend", "attribution"]
STYLE_KEYS = [
    "color",
    "fill_color",
    "weight",
    "opacity",
    "fill_opacity",
    "radius",
    "dash",
    "by",
    "categories",
]
SOURCES = [
    "../geodata/places.geojson",
    "../geodata/regions.geojson",
    "../geodata/self_intersecting_polygon.geojson",
    "../geodata/truncated.geojson",
    "../geodata/not_json.geojson",
    "../geodata/missing.geojson",
    "../geodata",
    "places.geojson",
    "/etc/passwd",
    "../../../../etc/passwd",
    "https://example.com/x.geojson",
    "",
    "x" * 300,
]
YAML_BITS = [
    "title: T",
    "zoom: 4",
    "center: [48.8, 2.3]",
    "fit: places/paris",
    "layers: [places]",
    "layers:",
    "  places:",
    "    source: ../geodata/places.geojson",
    "    label: P",
    "  - places",
    "highlight: {layer: places, ids: [paris]}",
    "\t",
    ": ",
    "- ",
    "? ",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "#",
    "&a [1]",
    "*a",
    "*b",
    "!!python/name:os.system",
    "!!binary",
    "|",
    ">",
    "---",
    "...",
    "%YAML 1.1",
    "2024-13-45",
    ".nan",
    "-.inf",
    "1e400",
    "1.0e+400",
    "0x1F",
    "~",
    "yes",
    "no",
    "<<: *a",
    "é\u200f\u202e",
]
MD_BITS = [
    "## Step",
    "## Step {#id}",
    "## {#}",
    "##",
    "# Title",
    "Setext",
    "------",
    "======",
    "```map",
    "~~~map",
    "````map",
    "```MAP",
    "```",
    "~~~",
    "````",
    "```python",
    "    ```map",
    "text with ![alt](img.png) and ![](../../x.png)",
    "<div>html</div>",
    "> quote",
    "- item",
    "1. item",
    "",
    "---",
    "zoom: 3",
    "center: [1, 2]",
]


def _scalar():
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.dates(min_value=dt.date(1, 1, 1)),
        st.sampled_from(["#0072B2", "red", "places", "places/paris", "paris", "ltr", "rtl", "en", "fa"]),
    )


def _values(keys: list[str]):
    key = st.one_of(st.sampled_from(keys), st.text(max_size=8))
    return st.recursive(
        _scalar(),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(key, children, max_size=4)
        ),
        max_leaves=12,
    )


ANY_KEYS = FRONT_KEYS + MAP_KEYS + LAYER_KEYS + STYLE_KEYS
layer_def = st.fixed_dictionaries(
    {"source": st.sampled_from(SOURCES), "label": st.text(max_size=10)},
    optional={
        "style": st.dictionaries(st.sampled_from(STYLE_KEYS), _values(ANY_KEYS), max_size=4),
        "tooltip": st.lists(st.sampled_from(["name", "id", "kind", "nope"]), max_size=3),
        "labels": st.sampled_from(["name", "nope"]),
        "id_field": st.sampled_from(["id", "name", "nope"]),
        **{k: _values(ANY_KEYS) for k in ("popup", "legend", "attribution")},
    },
)
front_matter = st.one_of(
    st.fixed_dictionaries(
        {"title": _scalar()},
        optional={
            "layers": st.dictionaries(
                st.sampled_from(["places", "regions", "bad id", "x"]), layer_def, max_size=3
            ),
            "sources": st.dictionaries(
                st.sampled_from(["notes", "n2"]), _values(["title", "url", "date"]), max_size=2
            ),
            **{k: _values(ANY_KEYS) for k in ("lang", "dir", "basemap", "published", "extra")},
        },
    ),
    st.dictionaries(st.sampled_from(FRONT_KEYS), _values(ANY_KEYS), max_size=6),
    _values(ANY_KEYS),
)
map_block = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "center": st.one_of(st.lists(_scalar(), max_size=3), _scalar()),
            "zoom": _scalar(),
            "fit": st.sampled_from(["places", "places/paris", "places/nope", "nope", "regions/north", ""]),
            "layers": st.lists(st.sampled_from(["places", "regions", "nope", 3]), max_size=3),
            "highlight": st.one_of(
                st.fixed_dictionaries(
                    {
                        "layer": st.sampled_from(["places", "regions", "nope"]),
                        "ids": st.lists(st.text(max_size=6), max_size=3),
                    }
                ),
                _values(ANY_KEYS),
            ),
            "duration": _scalar(),
            "as_of": _scalar(),
            "sources": st.lists(st.sampled_from(["notes", "nope"]), max_size=2),
            "zom": _scalar(),
        },
    ),
    _values(MAP_KEYS),
)
VALID_FRONT = {
    "title": "Near valid",
    "layers": {
        "places": {"source": "../geodata/places.geojson", "label": "Places", "tooltip": ["name"]},
        "regions": {
            "source": "../geodata/regions.geojson",
            "label": "Regions",
            "style": {"by": "kind", "categories": {"land": {"color": "#009E73", "label": "Land"}}},
        },
    },
    "sources": {"notes": {"title": "Notes"}},
}
near_valid_front = st.one_of(
    st.just(VALID_FRONT),
    st.just(VALID_FRONT),
    st.dictionaries(st.sampled_from([*FRONT_KEYS, "extra"]), _values(ANY_KEYS), max_size=2).map(
        lambda changes: {**VALID_FRONT, **changes}
    ),
)
layer_names = st.lists(st.sampled_from(["places", "regions"]), unique=True, max_size=2)
valid_view = st.one_of(
    st.fixed_dictionaries(
        {
            "center": st.tuples(
                st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False)
            ).map(list),
            "zoom": st.integers(1, 18),
        }
    ),
    st.fixed_dictionaries(
        {"fit": st.sampled_from(["places", "regions", "places/paris", "regions/north", "places/nope"])}
    ),
)
near_valid_map = st.builds(
    lambda view, layers, extra: {**view, "layers": layers, **extra},
    valid_view,
    layer_names,
    st.fixed_dictionaries(
        {},
        optional={
            "highlight": st.fixed_dictionaries(
                {
                    "layer": st.sampled_from(["places", "regions"]),
                    "ids": st.lists(
                        st.sampled_from(["paris", "berlin", "north", "x"]), min_size=1, max_size=2
                    ),
                }
            ),
            "sources": st.just(["notes"]),
            "as_of": st.dates(),
            "duration": st.floats(0, 30),
        },
    ),
)
yamlish_text = st.lists(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=12)), max_size=12).map(
    lambda parts: "\n".join(parts)
)


def _dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return "title: unrepresentable\n"


@st.composite
def stories(draw) -> str:
    """A story made of front matter, an intro and steps, each part possibly broken."""
    front = draw(st.one_of(front_matter.map(_dump), yamlish_text))
    parts = [draw(st.sampled_from(["---\n", "---\r\n", "\ufeff---\n", "", "\n---\n"])) + front]
    parts.append(draw(st.sampled_from(["\n---\n", "\n...\n", "\n", ""])))
    parts.append(draw(st.text(max_size=30)))
    for _ in range(draw(st.integers(0, 4))):
        heading = draw(
            st.one_of(
                st.sampled_from(["Step", "Step {#s}", "2024", "", "Paris {#par!s}"]), st.text(max_size=15)
            )
        )
        text = draw(st.one_of(st.sampled_from(MD_BITS), st.text(max_size=40)))
        fence = draw(st.sampled_from(["```", "~~~", "````"]))
        info = draw(st.sampled_from(["map", "map", "MAP", "python", ""]))
        block = draw(st.one_of(map_block.map(_dump), yamlish_text))
        close = draw(st.sampled_from([fence, fence, "", "```"]))
        parts.append(f"\n## {heading}\n\n{text}\n\n{fence}{info}\n{block}\n{close}\n")
    return "".join(parts)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "stories").mkdir()
    shutil.copytree(
        GEODATA, root / "geodata", ignore=shutil.ignore_patterns("linked_outside*", ".linked_outside*")
    )
    return root / "stories" / "story.md"


def assert_problems(problems: list[Problem], text: str | None) -> None:
    limit = (text.count("\n") + text.count("\r") + 2) if text is not None else None
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.severity in ("error", "warning")
        assert isinstance(problem.message, str) and problem.message
        assert str(problem)
        if problem.line is not None:
            assert problem.line >= 1
            if limit is not None:
                assert problem.line <= limit, (problem, limit)


@SETTINGS
@given(raw=st.binary(max_size=3000))
def test_parse_text_never_raises_on_random_bytes(raw):
    story = parse_text(raw, Path("random.md"), "random.md")
    assert_problems(story.problems, None)


@SETTINGS
@given(text=st.text(max_size=3000))
def test_parse_text_never_raises_on_random_text(text):
    story = parse_text(text.encode("utf-8", "surrogatepass"), Path("random.md"), "random.md")
    assert_problems(story.problems, text)


@SETTINGS
@given(text=stories())
def test_parse_text_never_raises_on_storyish_text(text):
    story = parse_text(text.encode("utf-8", "surrogatepass"), Path("story.md"), "story.md")
    assert_problems(story.problems, text)
    for step in story.steps:
        assert step.id and step.line >= 1
        assert len(step.text_lines) == (len(step.text.split("\n")) if step.text else 0)


def _check(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    for strict in (False, True):
        checked = check_story(path, strict=strict)
        assert_problems(checked.problems, text)
        if not checked.errors:
            assert checked.story is not None and checked.story.steps
        if not strict:
            event("valid story" if checked.story else "story with errors")
            event("layers loaded" if checked.layers else "no layer loaded")
        if strict:
            assert checked.warnings == []


@SETTINGS
@given(text=stories())
def test_check_story_never_raises_on_broken_stories(project, text):
    _check(project, text)


@SETTINGS
@given(front=front_matter, blocks=st.lists(map_block, min_size=1, max_size=3))
def test_check_story_never_raises_on_random_front_matter_and_map_blocks(project, front, blocks):
    steps = "".join(f"\n## Step {i}\n\nText.\n\n```map\n{_dump(b)}```\n" for i, b in enumerate(blocks))
    _check(project, f"---\n{_dump(front)}---\n{steps}")


@SETTINGS
@given(
    front=near_valid_front,
    blocks=st.lists(st.one_of(near_valid_map, near_valid_map, map_block), min_size=1, max_size=3),
    text=st.one_of(st.sampled_from(MD_BITS), st.text(max_size=40)),
)
def test_check_story_never_raises_on_near_valid_stories(project, front, blocks, text):
    steps = "".join(f"\n## Step {i}\n\n{text}\n\n```map\n{_dump(b)}```\n" for i, b in enumerate(blocks))
    _check(project, f"---\n{_dump(front)}---\n{steps}")
