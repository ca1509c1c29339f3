"""`storymap import`: one fixture per peer tool, written from that tool's documentation.

Each fixture imports through the real CLI, the story validates without errors and exports
with every step, a few steps have the right view and title ([lng, lat] swapped where the
source writes it so), and the report lists exactly what the format cannot carry
(``expected-report.txt`` beside each fixture). Bad input is a one-line error, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.importers import import_story
from app.importers.write import guard
from app.validate import check_story
from tests.test_cli import cli

CASES = Path(__file__).parent / "cases" / "import"
FIXTURES = {
    "storymapjs": ("storymapjs", "story.json", 4),
    "mapbox": ("mapbox", "config.js", 3),
    "leaflet-sheets": ("leaflet-sheets", "Chapters.csv", 5),
    "odyssey": ("odyssey", "story.md", 4),
}


def _project(tmp_path: Path, folder: str) -> Path:
    """A project folder with the fixture copied to src/ (so report lines start with src/…)."""
    shutil.copytree(CASES / folder, tmp_path / "src", ignore=shutil.ignore_patterns("expected-report.txt"))
    (tmp_path / "stories").mkdir()
    return tmp_path


@pytest.mark.parametrize("fmt", list(FIXTURES))
def test_fixture_imports_validates_and_exports(tmp_path, fmt):
    folder, name, steps = FIXTURES[fmt]
    project = _project(tmp_path, folder)
    result = cli("import", fmt, f"src/{name}", "--out", f"stories/{folder}.md", cwd=project)
    assert result.returncode == 0, result.stderr
    expected = (CASES / folder / "expected-report.txt").read_text(encoding="utf-8").splitlines()
    assert result.stderr.splitlines() == expected
    assert result.stdout.splitlines()[-1] == f"next: storymap validate stories/{folder}.md"
    assert f"{steps} steps imported, {len(expected)} things not carried" in result.stdout
    validated = cli("validate", f"stories/{folder}.md", cwd=project)
    assert validated.returncode == 0, validated.stderr
    assert ": error:" not in validated.stderr and f"ok ({steps} steps" in validated.stderr
    exported = cli("export", f"stories/{folder}.md", "--out", "out.html", cwd=project)
    assert exported.returncode == 0, exported.stderr
    assert f"{steps} steps, scroll)" in exported.stdout


def _story(tmp_path: Path, fmt: str):
    folder, name, _ = FIXTURES[fmt]
    project = _project(tmp_path, folder)
    written = import_story(fmt, project / "src" / name, project / "stories" / f"{folder}.md")
    # The Python API returns the same report the CLI prints (named by the path it was given).
    expected = (CASES / folder / "expected-report.txt").read_text(encoding="utf-8")
    assert written.report.lines() == expected.replace("src/", f"{project}/src/").splitlines()
    checked = check_story(written.story)
    assert not checked.errors, checked.errors
    return checked.story, project


def test_storymapjs_views_titles_text_and_media(tmp_path):
    story, project = _story(tmp_path, "storymapjs")
    overview, plymouth, tahiti, botany = story.steps
    assert story.meta.title == "The voyage of the Endeavour"
    assert overview.map.fit == "places"  # the overview slide fits every marker
    assert (plymouth.title, plymouth.map.center, plymouth.map.zoom) == ("Plymouth", (50.3755, -4.1427), 10)
    assert str(plymouth.map.as_of) == "1768-08-26"
    assert plymouth.map.highlights[0].ids == ["Plymouth"] and plymouth.map.sources == ["original"]
    assert (
        "```media\nsrc: ../media/storymapjs/harbour.png\nalt: Plymouth\ncaption: Plymouth harbour\ncredit: Port archive\n```"
        in plymouth.text
    )
    assert "#### Stores" in plymouth.text and "- salt beef" in plymouth.text
    assert (project / "media" / "storymapjs" / "harbour.png").is_file()
    assert tahiti.map.zoom == 20 and botany.map.zoom == 0  # zoom 0–22 carried as written
    assert "*April 1769*" in tahiti.text and "alert" not in tahiti.text
    assert (
        "src: https://www.youtube.com/watch?v=abc123XYZ\nalt: Tahiti\ncaption: A film of the transit"
        in tahiti.text
    )
    places = json.loads((project / "geodata" / "storymapjs-places.geojson").read_text())
    assert [f["id"] for f in places["features"]] == ["Plymouth", "Tahiti", "botany-bay"]
    assert places["features"][0]["geometry"]["coordinates"] == [-4.1427, 50.3755]
    assert story.meta.layers["places"].attribution == "Harbour data: Port records"


def test_mapbox_swaps_lng_lat_and_reads_chapters(tmp_path):
    story, project = _story(tmp_path, "mapbox")
    golden, bay, aside = story.steps
    assert (story.meta.title, story.meta.subtitle) == (
        "Bridges of the Bay",
        "How two crossings changed San Francisco",
    )
    assert (golden.id, golden.map.center, golden.map.zoom) == ("golden-gate", (37.8199, -122.4783), 12.5)
    assert "Opened in **1937**, it spans the strait." in golden.text
    assert bay.map.duration == 0  # mapAnimation: jumpTo
    assert (aside.title, aside.map.center, aside.map.zoom) == ("Behind the scenes", (37.7749, -122.4194), 0)
    assert story.meta.layers["places"].style.color == "#3fb1ce"  # normalised
    assert "[Mapbox Storytelling](https://github.com/mapbox/storytelling)" in story.intro
    story_text = (project / "stories" / "mapbox.md").read_text()
    assert "pk.not-a-real-token" not in story_text + (CASES / "mapbox" / "expected-report.txt").read_text()


def test_leaflet_sheets_rows_options_and_colours(tmp_path):
    story, _ = _story(tmp_path, "leaflet-sheets")
    assert (story.meta.title, story.meta.byline, story.meta.basemap) == (
        "Schools of Hartford",
        "A. Historian",
        "CartoDB.Positron",
    )
    first, second, jazz, trinity, final = story.steps
    assert (first.map.center, first.map.zoom) == ((41.7676, -72.6782), 15)
    assert (
        "credit: 'Source: school catalogue (https://example.org/catalogue)'" in first.text
    )  # the media block's credit
    assert second.map.zoom == 19
    assert "an &lt;audio> tag" in jazz.text and jazz.title == "Jazz at the Collective"
    assert trinity.map.fit == "places/trinity-college"  # no Zoom: fit the marker
    assert final.map.highlight is None  # Marker: Hidden
    style = story.meta.layers["places"].style
    assert style.by == "color" and set(style.categories) == {
        "#0000ff",
        "#2a7fff",
        "#b52c2c",
    }  # "blue" carried as #0000ff


def test_odyssey_chapters_actions_and_markers(tmp_path):
    story, _ = _story(tmp_path, "odyssey")
    beginning, troy, ithaca, sea = story.steps
    assert (story.meta.title, story.meta.byline) == ("The Odyssey, mapped", "Homer")
    assert (beginning.map.center, beginning.map.zoom) == ((37.9838, 23.7275), 6)
    assert (troy.map.center, troy.map.highlights[0].ids) == ((39.9575, 26.2389), ["Troy"])
    assert ithaca.map.zoom == 19 and "**twenty years**" in ithaca.text
    assert (sea.map.center, sea.map.zoom) == ((38.4, 20.7), 0)  # zoom 0 carried, center kept
    assert "S.torqueLayer" not in sea.text and "sleep" not in sea.text


def test_output_exists_needs_force(tmp_path):
    project = _project(tmp_path, "odyssey")
    args = ("import", "odyssey", "src/story.md", "--out", "stories/o.md")
    assert cli(*args, cwd=project).returncode == 0
    again = cli(*args, cwd=project)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        "error: stories/o.md already exists — pass --force to overwrite it, or choose another --out"
    ]
    assert cli(*args, "--force", cwd=project).returncode == 0


@pytest.mark.parametrize(
    ("fmt", "content", "code", "message"),
    [
        (
            "storymapjs",
            "{not json",
            2 - 1,
            "error: src/in.txt:1: not JSON (Expecting property name enclosed in "
            "double quotes) — give the StoryMapJS story JSON (published.json or draft.json)",
        ),
        (
            "storymapjs",
            '{"storymap": {"slides": []}}',
            1,
            "error: src/in.txt: the story has no slides — add a slide in StoryMapJS and export again",
        ),
        (
            "mapbox",
            "var config = {title: 'x', chapters: []};",
            1,
            "error: src/in.txt:1: config has no chapters — add chapters: [{id, title, location, ...}]",
        ),
        (
            "mapbox",
            "var config = {",
            1,
            "error: src/in.txt: not JavaScript (Line 1: Unexpected end of input) — give the Mapbox storytelling "
            "config.js (var config = {...})",
        ),
        (
            "leaflet-sheets",
            "Name,Notes\nx,y\n",
            1,
            "error: src/in.txt: not a Leaflet Storymaps Chapters sheet (no Chapter, Latitude, Longitude column) — "
            "download the Chapters tab as CSV; its first row names the columns (Chapter, …, Latitude, Longitude, …)",
        ),
        (
            "odyssey",
            "Just text, no chapters.\n",
            1,
            "error: src/in.txt: no chapters (# or ## headings) — start each chapter with '# Title'",
        ),
        (
            "geojson",
            "{}",
            2,
            'error: unknown format "geojson" — use one of storymapjs, mapbox, leaflet-sheets, odyssey',
        ),
    ],
)
def test_bad_input_is_one_line_with_the_fix(tmp_path, fmt, content, code, message):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "in.txt").write_text(content, encoding="utf-8")
    result = cli("import", fmt, "src/in.txt", "--out", "stories/x.md", cwd=tmp_path)
    assert result.returncode == code
    assert result.stderr.splitlines() == [message]
    assert not (tmp_path / "stories" / "x.md").exists()


def test_missing_file_and_bad_out_are_usage_errors(tmp_path):
    missing = cli("import", "mapbox", "nope.js", "--out", "stories/x.md", cwd=tmp_path)
    assert (missing.returncode, missing.stderr.splitlines()) == (
        2,
        ["error: nope.js: no such file — check the path of the file to import"],
    )
    (tmp_path / "c.js").write_text("var config = {chapters: [{title: 'a'}]};")
    bad_out = cli("import", "mapbox", "c.js", "--out", "stories/My Story.md", cwd=tmp_path)
    assert (bad_out.returncode, bad_out.stderr.splitlines()) == (
        2,
        [
            "error: --out stories/My Story.md: the story file must be SLUG.md with a lowercase slug — "
            "use e.g. --out stories/my-story.md"
        ],
    )


def test_text_cannot_start_a_step_or_hold_a_map_block():
    text = "a\n## not a step\n# nor this\ntext\n---\n```map\nzoom: 3\n```\n```\n## code stays\n```"
    assert guard(text).splitlines() == [
        "a",
        "\\## not a step",
        "\\# nor this",
        "text",
        "* * *",
        "```text",
        "zoom: 3",
        "```",
        "```",
        "## code stays",
        "```",
    ]


def test_mapbox_code_values_are_reported_not_read(tmp_path):
    src = tmp_path / "config.js"
    src.write_text(
        "const t = 'T';\nvar config = {\n  title: t,\n  chapters: [\n"
        "    {id: 'a', title: 'A', description: `x ${t}`, location: {center: [10, 20], zoom: z}},\n  ],\n};\n"
    )
    written = import_story("mapbox", src, tmp_path / "stories" / "c.md")
    why = "only literal values are read: stories run no author scripts"
    assert written.report.lines() == [
        f"{src}:3: not carried: title (JavaScript Identifier) — {why}",
        f"{src}:5: not carried: description (JavaScript TemplateLiteral) — {why}",
        f"{src}:5: not carried: location.zoom (JavaScript Identifier) — {why}",
    ]
    assert "center: [20.0, 10.0]" in written.story.read_text()
