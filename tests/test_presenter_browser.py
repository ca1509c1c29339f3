"""Presenter and audience windows: notes for the presenter only, two windows in step, a blank key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import (
    ROOT,
    RequestGuard,
    copy_project,
    exported,
    streamlit_server,
    wait_for_app,
    wait_for_step,
)

pytestmark = pytest.mark.browser

NOTE = "Pause here and point at Paris"
STEPS = "\n".join(
    f"""## Step {n} {{#s{n}}}

Reader text for step {n}.

```notes
{NOTE} (step {n}).
```

```map
center: [48.86, 2.35]
zoom: {3 + n}
layers: [places]
as_of: 2024-01-01
sources: [notes]
```
"""
    for n in (1, 2, 3)
)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("presenter"), stories=[ROOT / "stories" / "demo.md"])
    front = (root / "stories" / "demo.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    (root / "stories" / "talk.md").write_text(f"{front}\n---\n\n{STEPS}", encoding="utf-8")
    return root


def test_notes_never_reach_readers_or_the_export(project, tmp_path):
    out = tmp_path / "talk.html"
    exported(project / "stories" / "talk.md", out)
    assert NOTE not in out.read_text(encoding="utf-8")


def test_presenter_and_audience_windows_stay_in_step(browser, project):
    with streamlit_server(project / "stories") as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
        guard = RequestGuard()
        context.route("**/*", guard)
        audience = context.new_page()
        audience.goto(f"{url}/?story=talk&mode=present")
        wait_for_app(audience)
        presenter = context.new_page()
        presenter.goto(f"{url}/?story=talk&mode=presenter")
        wait_for_app(presenter)
        assert f"{NOTE} (step 1)." in presenter.get_by_test_id("storymap-notes").inner_text()
        assert "2 / 3: Step 2" in presenter.get_by_test_id("storymap-next").inner_text()
        assert presenter.get_by_test_id("storymap-clock").is_visible()
        assert NOTE not in audience.content()
        presenter.keyboard.press("ArrowRight")  # the presenter moves: the audience follows
        wait_for_step(presenter, 1)
        wait_for_step(audience, 1)
        audience.keyboard.press("PageDown")  # a clicker on the audience window: the presenter follows
        wait_for_step(audience, 2)
        wait_for_step(presenter, 2)
        assert f"{NOTE} (step 3)." in presenter.get_by_test_id("storymap-notes").inner_text()
        assert "The end of the story." in presenter.get_by_test_id("storymap-next").inner_text()
        presenter.keyboard.press("b")  # blank the audience's screen, and back
        audience.wait_for_selector(".sm-blank:not([hidden])")
        presenter.keyboard.press("b")
        audience.wait_for_selector(".sm-blank[hidden]", state="attached")
        assert NOTE not in audience.content()
        assert guard.outside == []
        context.close()
