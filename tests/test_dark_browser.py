"""Dark mode: the export follows prefers-color-scheme, live, down to the offline basemap's colours."""

from __future__ import annotations

import pytest

from app import basemap
from tests.support import ROOT, RequestGuard, exported

pytestmark = pytest.mark.browser

STORY = ROOT / "stories" / "russia-iran.md"

# The colours of the land, the borders, the sea, the page and a point's ring, as drawn.
DRAWN = """() => {
  const [land, borders] = storymap.basemap.parts.map((part) => part.layer.getLayers()[0].options);
  const point = storymap.layers.places.getLayers()[0].options;
  return {
    land: land.fillColor, border: borders.color, sea: storymap.map.getContainer().style.background,
    page: getComputedStyle(document.body).backgroundColor, ring: point.color,
  };
}"""


def hex_rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_the_page_and_basemap_follow_the_colour_scheme_live(browser, tmp_path) -> None:
    page_file = exported(STORY, tmp_path / "story.html")
    guard = RequestGuard()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    context.route("**/*", guard)
    page = context.new_page()
    page.emulate_media(color_scheme="light")
    page.goto(page_file.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    light, dark = basemap.PALETTES["light"], basemap.PALETTES["dark"]
    before = page.evaluate(DRAWN)
    assert before == {
        "land": light["land"],
        "border": light["border"],
        "sea": hex_rgb(light["sea"]),
        "page": "rgb(251, 250, 246)",
        "ring": "#ffffff",
    }
    page.emulate_media(color_scheme="dark")  # the reader's system switches while the page is open
    page.wait_for_function(
        "(land) => storymap.basemap.parts[0].layer.getLayers()[0].options.fillColor === land",
        arg=dark["land"],
    )
    after = page.evaluate(DRAWN)
    assert after == {
        "land": dark["land"],
        "border": dark["border"],
        "sea": hex_rgb(dark["sea"]),
        "page": "rgb(23, 24, 26)",
        "ring": "#bdbdbd",
    }
    # Names on the basemap turn light, with a dark halo.
    label = page.evaluate("getComputedStyle(document.querySelector('.sm-base-country')).color")
    assert label == "rgb(179, 174, 164)"
    context.close()
    assert guard.outside == []
