"""Browser assets the pages inline: Leaflet, the step controller and the export page's script.

Leaflet 1.9.4 comes from the PyPI package ``django-js-lib-leaflet`` (installed with storymap by
pip; module ``js_lib_leaflet``). Only its files are read, through :mod:`importlib.resources`:
Django is never imported. The controller (``storymap.js``/``.css``) and the export page
(``export.js``/``.css``) ship in ``app/static`` as package data, readable, and go into pages
without their comments and spare whitespace (``rjsmin``, ``rcssmin``: nothing is renamed or
rewritten): a third fewer bytes for a reader on a slow network. Nothing comes from npm or a CDN
at run time.

A missing file raises :class:`AssetsMissing` whose message is one line naming the fix; the CLI
prints it as an error (exit 1) and the tour logs it.
"""

from __future__ import annotations

import importlib.resources
import re
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

import rcssmin
import rjsmin

STATIC = Path(__file__).resolve().parent / "static"
PAGE_JS = STATIC / "export.js"
PAGE_CSS = STATIC / "export.css"
LEAFLET_MODULE = "js_lib_leaflet"
LEAFLET_REQUIREMENT = "django-js-lib-leaflet==1.9.4.1"  # the same pin as requirements.txt (a test checks)
REINSTALL = "pip install -e ."


class AssetsMissing(RuntimeError):
    """A browser asset is not installed; the message is one line that says how to install it."""


def leaflet_dist() -> Traversable:
    """The folder of the installed Leaflet package that holds ``leaflet.js`` and ``leaflet.css``."""
    try:
        package = importlib.resources.files(LEAFLET_MODULE)
    except ModuleNotFoundError:
        raise AssetsMissing(f"Leaflet is not installed — run `pip install {LEAFLET_REQUIREMENT}`") from None
    return package / "static" / LEAFLET_MODULE


def _read(file: Traversable, fix: str) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError:
        raise AssetsMissing(f"{file} is missing — run `{fix}`") from None


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS (minified as published) and CSS (without comments, spare whitespace and the
    marker images: points are circle markers)."""
    dist = leaflet_dist()
    fix = f"pip install --force-reinstall {LEAFLET_REQUIREMENT}"
    js, css = _read(dist / "leaflet.js", fix), _read(dist / "leaflet.css", fix)
    return js, rcssmin.cssmin(re.sub(r"url\(images/[^)]*\)", "none", css))


def _pair(js: Path, css: Path) -> tuple[str, str]:
    """A script and its styles from ``app/static``, without comments and spare whitespace."""
    return rjsmin.jsmin(_read(js, REINSTALL)), rcssmin.cssmin(_read(css, REINSTALL))


def controller_assets() -> tuple[str, str]:
    """The step controller's JS and CSS (``app/static/storymap.*``), shared by tour and export."""
    return _pair(STATIC / "storymap.js", STATIC / "storymap.css")


def author_assets() -> tuple[str, str]:
    """The author tools' JS and CSS (``app/static/author.*``): only author mode's map document has them."""
    return _pair(STATIC / "author.js", STATIC / "author.css")


def page_assets() -> tuple[str, str]:
    """The export page's own layout script and styles (``app/static/export.*``)."""
    return _pair(PAGE_JS, PAGE_CSS)


def check() -> None:
    """Raise :class:`AssetsMissing` now if any asset a page needs is missing (e.g. before serving)."""
    leaflet_assets()
    controller_assets()
    author_assets()
    page_assets()
