"""Dates in an exported page, in a real Chromium: put in the story's language after the first map,
with the first date formatter made in a worker (off the page's main thread), and without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import RequestGuard, exported_story

pytestmark = pytest.mark.browser

STORY = """---
title: "Une baie"
lang: fr
layers:
  harbours:
    source: ../geodata/harbours.geojson
    label: "Ports"
sources:
  notes: {title: "Notes", date: 2015-11-30}
---

## La baie {#baie}

Un port au fond de la baie.

```map
center: [-54.2, -36.7]
zoom: 9
layers: [harbours]
as_of: 1916-05-20
sources: [notes]
```
"""

# Counts the workers the page makes, then makes them as the browser would.
COUNT_WORKERS = """
(() => {
  const Real = window.Worker;
  window.__workers = 0;
  if (!Real) return;
  window.Worker = function (url, options) { window.__workers += 1; return new Real(url, options); };
})();
"""
NO_WORKERS = "delete window.Worker;"
ALL_LOCALIZED = "() => document.querySelectorAll('time[datetime]:not([data-sm-localized])').length === 0"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    feature = {
        "type": "Feature",
        "properties": {"id": "port"},
        "geometry": {"type": "Point", "coordinates": [-36.7, -54.2]},
    }
    harbours = {"type": "FeatureCollection", "features": [feature]}
    return exported_story(tmp_path_factory.mktemp("dates"), "baie", STORY, {"harbours": harbours})


def open_page(browser, page_file: Path, script: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    guard = RequestGuard()
    context.route("**/*", guard)
    context.add_init_script(script)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(page_file.as_uri())
    return context, page, guard, problems


def dates(page) -> list[str]:
    return page.evaluate(
        "() => [...document.querySelectorAll('time[datetime]')].map(t => t.textContent.trim())"
    )


def test_dates_read_in_the_storys_language_with_the_first_formatter_made_in_a_worker(browser, page_file):
    context, page, guard, problems = open_page(browser, page_file, COUNT_WORKERS)
    try:
        page.wait_for_function(ALL_LOCALIZED, timeout=10_000)
        assert set(dates(page)) >= {"20 mai 1916", "30 novembre 2015"}
        assert page.evaluate("window.__workers") == 1  # the page's CSP lets it make its own (blob:)
    finally:
        context.close()
    assert problems == []
    assert guard.outside == []


def test_without_workers_the_dates_are_read_in_the_storys_language_all_the_same(browser, page_file):
    context, page, guard, problems = open_page(browser, page_file, NO_WORKERS)
    try:
        page.wait_for_function(ALL_LOCALIZED, timeout=10_000)
        assert set(dates(page)) >= {"20 mai 1916", "30 novembre 2015"}
    finally:
        context.close()
    assert problems == []
    assert guard.outside == []
