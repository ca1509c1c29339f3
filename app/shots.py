"""Stage: pictures of an exported page, taken in Chromium at export time (share images, handouts).

The page is opened from its file with every request that is not that file, its own assets
folder or a ``data:`` URL aborted (and counted), so rendering never touches the network, as the
page itself never does. Motion is reduced and the colour scheme light, so a picture is the same
on every machine. Chromium is Debian's (``apt-get install chromium``), driven by Playwright,
which is a development dependency: exporting without pictures needs neither.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

DEFAULT_CHROMIUM = "/usr/bin/chromium"  # Debian's; `python -m tests` installs it when missing
CHROMIUM = os.environ.get("STORYMAP_CHROMIUM", DEFAULT_CHROMIUM)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHARE_SIZE = (1200, 630)  # Open Graph's recommended card (1.91:1)
HANDOUT_MAP_SIZE = (760, 430)  # CSS px: the width of an A4 page's text, a little larger
# Leaflet has drawn the step: the controller is on it, the map is not moving, fonts are in.
SETTLED = """(step) => window.storymap && window.storymap.step === step && !window.storymap.map._animatingZoom
  && !window.storymap.map._panAnim?._inProgress && document.fonts.status === "loaded" """


class RendererError(RuntimeError):
    """Chromium or Playwright is missing, or a page did not draw; the message names the fix."""


class Renderer:
    """One Chromium for many pictures (a build renders a share image per story)."""

    def __init__(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise RendererError(
                "pictures of the page are taken in Chromium through Playwright, which is not installed: "
                'pip install -e ".[dev]" (or pip install playwright), or export without them'
            ) from None
        if not Path(CHROMIUM).exists():
            raise RendererError(
                f"no Chromium at {CHROMIUM}: install it (apt-get install chromium), "
                "point STORYMAP_CHROMIUM at one, or export without pictures"
            )
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install: say so in one line
            self._playwright.stop()
            raise RendererError(f"Chromium at {CHROMIUM} did not start ({exc.__class__.__name__})") from None
        self.blocked: list[str] = []

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()

    @contextmanager
    def opened(
        self,
        page: Path,
        size: tuple[int, int],
        hash: str = "",
        scale: float = 1.0,
        assets: Path | None = None,
    ) -> Iterator[Any]:
        """``page`` open in a fresh context of ``size`` CSS px, offline but for its own files (its
        folder and its ``assets`` folder)."""
        folders = tuple(f.resolve().as_uri() + "/" for f in (page.parent, assets) if f is not None)

        def guard(route: Any) -> None:
            url = route.request.url
            if url.startswith(("data:", *folders)):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort()

        context = self._browser.new_context(
            viewport={"width": size[0], "height": size[1]},
            device_scale_factor=scale,
            reduced_motion="reduce",
            color_scheme="light",
        )
        context.route("**/*", guard)
        tab = context.new_page()
        try:
            tab.goto(page.resolve().as_uri() + hash)
            # The whole map: the late data (borders, names, later steps' layers) is in too.
            tab.wait_for_function("() => window.storymap && window.storymap.loaded", timeout=30_000)
            # The dates in the story's language now, not once the page's worker has answered.
            tab.evaluate("() => { if (window.StoryMap) window.StoryMap.localizeDates(document); }")
            yield tab
        except Exception as exc:
            if exc.__class__.__name__ != "TimeoutError":  # playwright's, imported lazily
                raise
            refused = f" (refused: {', '.join(self.blocked[:3])})" if self.blocked else ""
            raise RendererError(f"{page}: the map did not draw in Chromium within 30 s{refused}") from None
        finally:
            context.close()

    def settle(self, tab: Any, step: int) -> None:
        """Go to ``step`` (0-based) and wait until its map is drawn."""
        tab.evaluate("(step) => storymap.goTo(step, {animate: false, force: true})", step)
        tab.wait_for_function(SETTLED, arg=step, timeout=30_000)
        tab.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    def share_image(
        self, page: Path, step: int, size: tuple[int, int] = SHARE_SIZE, assets: Path | None = None
    ) -> bytes:
        """A PNG of the page in its slides layout at ``step`` (0-based): the step's card beside its map.

        On the first step the card is the story's title card, as a link preview should show it.
        """
        with self.opened(page, size, "#layout=slides", assets=assets) as tab:
            tab.add_style_tag(content=CARD_ONLY)
            self.settle(tab, step)
            return tab.screenshot(type="png")

    def maps(
        self, page: Path, size: tuple[int, int], scale: float = 2.0, assets: Path | None = None
    ) -> list[bytes]:
        """A PNG of the map alone at every step, ``size`` CSS px at ``scale`` (sharp on paper)."""
        shots = []
        with self.opened(page, size, "#layout=slides", scale=scale, assets=assets) as tab:
            tab.add_style_tag(content=MAP_ONLY)
            tab.evaluate("() => storymap.map.invalidateSize({animate: false})")
            # Paper cannot unfold a legend: open it (it starts folded on maps as narrow as the page was).
            tab.evaluate(
                "() => document.querySelectorAll('.sm-legend-toggle[aria-expanded=false]').forEach((b) => b.click())"
            )
            for step in range(tab.evaluate("storymap.steps")):
                self.settle(tab, step)
                shots.append(tab.locator("#sm-stage").screenshot(type="png"))
        return shots


# A link preview is a picture, not a page: no buttons or hints.
CARD_ONLY = ".sm-nav, .sm-hint, .leaflet-control-zoom { display: none !important; }"

# The map filling the window: what a handout prints for each step.
MAP_ONLY = """
.sm-js.sm-layout-slides .sm-shell { display: block !important; }
.sm-story, .sm-nav { display: none !important; }
.sm-js.sm-layout-slides .sm-stage { position: fixed; inset: 0; height: 100vh; border: 0; }
.leaflet-control-zoom, .sm-credits-control { display: none !important; }
"""
