"""Online map tiles, named by xyzservices: look a provider up and build its URL template.

Tiles are optional (the default basemap is offline); the validator warns about every story
that uses them, since readers' browsers then ask a tile server for images.
"""

from __future__ import annotations

import warnings

import xyzservices


def provider(name: str) -> xyzservices.TileProvider:
    """The provider called ``name`` (e.g. ``OpenTopoMap``); ValueError if there is none."""
    return xyzservices.providers.query_name(name)


def names() -> list[str]:
    """Every provider name, for did-you-mean."""
    return list(xyzservices.providers.flatten())


def tile_url(tiles: xyzservices.TileProvider) -> str:
    """The Leaflet URL template. xyzservices warns about providers that want an API key; the
    validator's own warning about online tiles already reaches the author."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tiles.build_url()
