"""A layer whose features carry their own dates (`time`), in a real Chromium: stepping between
two dated steps changes which features are on the map and the date the legend names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import RequestGuard, exported_story
from tests.test_legend_browser import collection, square

pytestmark = pytest.mark.browser

STORY = """---
title: "Dated features"
layers:
  towns:
    label: "Towns"
    source: ../geodata/towns.geojson
    time: {from: valid_from, to: valid_to}
sources:
  notes: {title: "Notes"}
---

## In 2014 {#y2014}

Before.

```map
center: [46, 4]
zoom: 5
layers: [towns]
as_of: 2014
sources: [notes]
```

## In 2016 {#y2016}

After.

```map
center: [46, 4]
zoom: 5
layers: [towns]
as_of: 2016-03
sources: [notes]
```
"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    towns = [
        ("old", {"valid_to": "2015-08"}, square(0, 44, 2)),  # open start: until August 2015
        ("new", {"valid_from": "2015-09", "valid_to": "2016-12"}, square(3, 44, 2)),
        ("always", {}, square(6, 44, 2)),  # no dates: valid always
    ]
    return exported_story(tmp_path_factory.mktemp("dated"), "dated", STORY, {"towns": collection(towns)})


ON_MAP = """() => [...Object.values(window.storymap.layers.towns._layers)]
    .filter(l => window.storymap.map.hasLayer(l)).map(l => l.feature.properties.id).sort()"""
LEGEND_DATE = "() => document.querySelector('.sm-legend-date')?.textContent"


def test_stepping_between_dated_steps_changes_the_features_and_the_legend_date(browser, page_file):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    context.route("**/*", RequestGuard())
    page = context.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_function("window.storymap && window.storymap.map")
    assert page.evaluate(ON_MAP) == ["always", "old"]
    assert page.evaluate(LEGEND_DATE) == "until August 2015"
    page.evaluate("window.storymap.goTo(1)")
    page.wait_for_function(f"() => JSON.stringify(({ON_MAP})()) === JSON.stringify(['always', 'new'])")
    assert page.evaluate(LEGEND_DATE) == "September 2015–December 2016"
    page.evaluate("window.storymap.goTo(0)")
    page.wait_for_function(f"() => JSON.stringify(({ON_MAP})()) === JSON.stringify(['always', 'old'])")
    assert page.evaluate(LEGEND_DATE) == "until August 2015"
    context.close()
