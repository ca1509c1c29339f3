"""``python -m app new SLUG``: a small story that validates out of the box."""

from __future__ import annotations

import json
from pathlib import Path

from app.ids import SLUG_MAX_LENGTH, is_slug, slugify

STORY = """---
title: "{title}"
subtitle: "A new story map: replace this line"
byline: "Your name"
lang: en
dir: ltr
basemap: natural-earth
layers:
  places:
    source: ../geodata/{slug}-places.geojson
    label: "Places in this story"
    style: {{color: "#0072B2", radius: 7}}
    tooltip: [name]
    popup: [name, note]
    labels: name
sources:
  notes:
    title: "Your source: article, report or dataset"
    outlet: "Outlet"
    date: 2024-01-01
---

## Start here {{#start}}

Write the first step in Markdown. Each `##` heading starts a step; the `map` block
below sets what the map shows while this step is on screen.

```map
center: [48.86, 2.35]   # [lat, lon]
zoom: 4
layers: [places]
duration: 1.5
as_of: 2024-01-01
sources: [notes]
```

## Zoom in {{#zoom-in}}

The map flies to a feature. `fit: places/paris` fits the map to one feature;
`fit: places` would fit the whole layer.

```map
fit: places/paris
layers: [places]
highlight: {{layer: places, ids: [paris]}}
duration: 2
as_of: 2024-01-01
sources: [notes]
```
"""

PLACES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "paris",
            "properties": {"id": "paris", "name": "Paris", "note": "Replace with your places"},
            "geometry": {"type": "Point", "coordinates": [2.3522, 48.8566]},
        },
        {
            "type": "Feature",
            "id": "berlin",
            "properties": {"id": "berlin", "name": "Berlin", "note": "Replace with your places"},
            "geometry": {"type": "Point", "coordinates": [13.405, 52.52]},
        },
    ],
}


def scaffold(slug: str, folder: Path, force: bool = False) -> list[Path]:
    """Write ``folder/slug.md`` and ``folder/../geodata/slug-places.geojson``."""
    if not is_slug(slug):
        suggestion = slugify(slug, ascii=True)[:SLUG_MAX_LENGTH] or "my-story"
        raise ValueError(
            f'"{slug}" is not a valid slug: use lowercase letters, digits and "-" (e.g. {suggestion})'
        )
    story = folder / f"{slug}.md"
    data = folder.resolve().parent / "geodata" / f"{slug}-places.geojson"
    for path in (story, data):
        if path.exists() and not force:
            raise FileExistsError(str(path))
    folder.mkdir(parents=True, exist_ok=True)
    data.parent.mkdir(parents=True, exist_ok=True)
    title = slug.replace("-", " ").capitalize()
    story.write_text(STORY.format(title=title, slug=slug), encoding="utf-8")
    data.write_text(json.dumps(PLACES, indent=2) + "\n", encoding="utf-8")
    return [story, data]
