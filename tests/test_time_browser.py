"""Time-aware layers in a real Chromium: steps pick snapshots by date, cross-fade, play a
sequence, jump for reduced motion, and the scrubber works from the keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import (
    RequestGuard,
    copy_project,
    exported_story,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)
from tests.test_legend_browser import collection, square

pytestmark = pytest.mark.browser

STORY = """---
title: "Time case"
layers:
  zones:
    label: "Zones"
    snapshots:
      - {source: ../geodata/zones-2015.geojson, from: 2015-09, to: 2015-12, label: "September 2015"}
      - {source: ../geodata/zones-2020.geojson, from: 2020-03, to: 2024-11, label: "2020–2023"}
    scrubber: true
    style:
      by: side
      categories:
        gov: {color: "#0072B2", label: "Government"}
        reb: {color: "#E69F00", label: "Rebels"}
        isis: {color: "#444444", label: "Islamic State"}
sources:
  notes: {title: "Notes"}
---

## In 2015 {#y2015}

The old lines.

```map
fit: zones
layers: [zones]
duration: 1
as_of: 2015-09-30
sources: [notes]
```

## In 2022 {#y2022}

The new lines.

```map
fit: zones
layers: [zones]
duration: 1
as_of: 2022
sources: [notes]
```

## Nothing {#none}

No zones.

```map
fit: zones
layers: []
as_of: 2022
sources: [notes]
```

## The change {#change}

It plays.

```map
fit: zones
layers: [zones]
duration: 0.5
as_of: 2015-11
layer_dates: {zones: 2020-03}
sequence: {layer: zones, dates: [2015-09], pace: 0.6}
sources: [notes]
```
"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    old = [
        ("g15", "gov", square(0, 44, 2)),
        ("r15", "reb", square(2, 44, 2)),
        ("i15", "isis", square(4, 44, 2)),
    ]
    new = [("g20", "gov", square(0, 44, 5)), ("r20", "reb", square(5, 44, 1))]
    layers = {
        f"zones-{year}": collection([(fid, {"side": side}, geom) for fid, side, geom in zones])
        for year, zones in (("2015", old), ("2020", new))
    }
    return exported_story(tmp_path_factory.mktemp("time"), "time", STORY, layers)


def open_page(browser, page_file: Path, *, reduced: bool = False, width: int = 1280, height: int = 800):
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce" if reduced else "no-preference"
    )
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    page.evaluate(
        """window.__time = [];
           window.addEventListener('storymap:time', e => window.__time.push(e.detail));"""
    )
    return page


ON_MAP = """() => [...Object.values(window.storymap.layers.zones._layers)]
    .filter(l => window.storymap.map.hasLayer(l)).map(l => l.feature.properties.id).sort()"""
LEGEND_DATE = (
    "() => document.querySelector('.sm-legend-date') && document.querySelector('.sm-legend-date').textContent"
)


def settle(page, step: int, frame: int) -> None:
    """Wait for the snapshot ``frame`` of the zones to settle at ``step`` (the storymap:time event)."""
    page.wait_for_function(
        f"() => window.__time.some(d => d.step === {step} && d.frame === {frame})"
        f" && window.storymap.snapshots().zones === {frame}"
        f" && !document.querySelector('.leaflet-overlay-pane path[style*=opacity]')"
    )


def test_stepping_from_2015_to_2022_changes_the_features_and_the_legend_date(browser, page_file):
    page = open_page(browser, page_file)
    assert page.evaluate(ON_MAP) == ["g15", "i15", "r15"]
    assert page.evaluate(LEGEND_DATE) == "September 2015"
    legend = page.evaluate("() => [...document.querySelectorAll('.sm-legend-row')].map(r => r.textContent)")
    assert legend == ["Government", "Rebels", "Islamic State"]
    page.evaluate("window.storymap.goTo(1)")
    # Mid-fade both snapshots are on the map, the new one fading in through CSS opacity.
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-overlay-pane path[style*=opacity]').length === 5"
    )
    settle(page, 1, 1)
    assert page.evaluate(ON_MAP) == ["g20", "r20"]
    assert page.evaluate(LEGEND_DATE) == "2020–2023"
    legend = page.evaluate("() => [...document.querySelectorAll('.sm-legend-row')].map(r => r.textContent)")
    assert legend == ["Government", "Rebels"]
    assert "(2020–2023)" in page.text_content(".sm-map-description")
    page.evaluate("window.storymap.goTo(2)")
    assert page.evaluate(ON_MAP) == []
    assert page.evaluate("window.storymap.snapshots().zones") is None
    page.context.close()


def test_the_sequence_step_plays_the_old_snapshot_and_ends_on_the_new(browser, page_file):
    page = open_page(browser, page_file)
    page.evaluate("window.storymap.goTo(2)")
    page.evaluate("window.storymap.goTo(3)")
    settle(page, 3, 1)
    frames = page.evaluate("() => window.__time.filter(d => d.step === 3).map(d => d.frame)")
    assert frames == [0, 1]  # the 2015 lines first, then the step's own date
    assert page.evaluate(ON_MAP) == ["g20", "r20"]
    assert page.evaluate(LEGEND_DATE) == "2020–2023"
    page.context.close()


def test_reduced_motion_jumps_without_fades_or_a_sequence(browser, page_file):
    page = open_page(browser, page_file, reduced=True)
    page.evaluate(
        """window.__faded = false;
           new MutationObserver(() => {
             if (document.querySelector('.leaflet-overlay-pane path[style*=opacity]')) window.__faded = true;
           }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['style']});"""
    )
    page.evaluate("window.storymap.goTo(3)")
    # Synchronously on the last frame: no sequence, no fade.
    assert page.evaluate("window.storymap.snapshots().zones") == 1
    assert page.evaluate(ON_MAP) == ["g20", "r20"]
    assert page.evaluate("() => window.__time.filter(d => d.step === 3).map(d => d.frame)") == [1]
    page.evaluate("window.storymap.goTo(0)")
    assert page.evaluate(ON_MAP) == ["g15", "i15", "r15"]
    assert page.evaluate("window.__faded") is False
    page.context.close()


def test_the_scrubber_moves_by_keyboard_and_says_the_date(browser, page_file):
    page = open_page(browser, page_file, reduced=True)
    slider = page.get_by_role("slider", name="Date shown: Zones")
    assert slider.get_attribute("aria-valuetext") == "September 2015"
    box = slider.bounding_box()
    assert box is not None and box["height"] >= 24
    back = page.get_by_role("button", name="Back to the step’s date")
    assert back.is_disabled()
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert slider.get_attribute("aria-valuetext") == "2020–2023"
    assert page.evaluate(ON_MAP) == ["g20", "r20"]
    assert page.evaluate(LEGEND_DATE) == "2020–2023"
    assert page.text_content(".sm-map-description") == "Zones: 2020–2023"
    assert page.evaluate("window.storymap.step") == 0  # the arrow moved the slider, not the story
    back.click()
    assert slider.get_attribute("aria-valuetext") == "September 2015"
    assert page.evaluate(ON_MAP) == ["g15", "i15", "r15"]
    page.evaluate("window.storymap.goTo(2)")
    assert not slider.is_visible()  # no time-aware layer in this step
    page.context.close()


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """The flagship's tour on a real Streamlit server."""
    root = copy_project(tmp_path_factory.mktemp("time-tour"))
    with streamlit_server(root / "stories") as url:
        yield url


def test_the_tour_shows_the_flagships_syria_by_date_and_the_scrubber_works(browser, tour):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, reduced_motion="reduce")
    guard = RequestGuard()
    context.route("**/*", guard)
    page = context.new_page()
    page.goto(f"{tour}/?story=russia-iran&step=syria-uprising")
    wait_for_app(page)
    wait_for_step(page, 6)
    frame = page.frame_locator("iframe[data-testid=storymap-frame]")
    date = frame.locator(".sm-legend-date")
    assert date.inner_text() == "September 2015"
    assert page.evaluate("storymap.frame.contentWindow.storymap.snapshots()['syria-zones']") == 0
    page.get_by_role("button", name="Next step").click()
    wait_for_step(page, 7)  # the air war: reduced motion skips its sequence and shows 2020–2023
    assert date.inner_text() == "2020–2023"
    assert page.evaluate("storymap.frame.contentWindow.storymap.snapshots()['syria-zones']") == 1
    slider = frame.get_by_role("slider", name="Date shown: Zones of control in Syria (approximate)")
    slider.focus()
    slider.press("ArrowLeft")
    assert slider.get_attribute("aria-valuetext") == "September 2015"
    assert date.inner_text() == "September 2015"
    assert frame.locator(".sm-map-description").inner_text().endswith(": September 2015")
    assert page.evaluate("storymap.step") == 7  # the slider kept the key
    assert guard.outside == []
    context.close()
