"""In Chromium: a story set in the Weddell Sea shows Antarctica's land, and basemap names never overlap."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.export import export_story
from app.validate import check_story

pytestmark = pytest.mark.browser

LAND_RGB = (244, 241, 234)  # mapview.BASEMAP_STYLE fillColor
STEPS = [  # (title, center [lat, lon], zoom)
    ("The world", (-20.0, -40.0), 2),
    ("The Weddell Sea", (-68.0, -52.0), 4),
    ("The Antarctic Peninsula", (-66.0, -60.0), 6),
]

VISIBLE_LABELS = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  return [...document.querySelectorAll('.sm-base-label')]
    .filter((n) => n.style.display !== 'none')
    .map((n) => { const r = n.getBoundingClientRect(); return {text: n.textContent, left: r.left, right: r.right,
      top: r.top, bottom: r.bottom, inside: r.left >= map.left && r.right <= map.right && r.top >= map.top
      && r.bottom <= map.bottom}; });
}"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("weddell")
    (root / "stories").mkdir()
    (root / "geodata").mkdir()
    wreck = {"type": "Feature", "properties": {"id": "wreck", "name": "Endurance wreck"}}
    wreck["geometry"] = {"type": "Point", "coordinates": [-52.33, -68.73]}
    (root / "geodata" / "wreck.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [wreck]}), encoding="utf-8"
    )
    steps = "\n".join(
        f"## {title}\n\nText.\n\n```map\ncenter: [{lat}, {lon}]\nzoom: {zoom}\nlayers: [wreck]\n```\n"
        for title, (lat, lon), zoom in STEPS
    )
    front = '---\ntitle: "Endurance"\nlayers:\n  wreck:\n    source: ../geodata/wreck.geojson\n    label: "Wreck"\n---\n'
    story = root / "stories" / "weddell.md"
    story.write_text(front + "\n" + steps, encoding="utf-8")
    checked = check_story(story)
    assert not checked.errors, checked.errors
    out = root / "weddell.html"
    export_story(checked, out)
    return out


def land_share(png: bytes) -> float:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return float((np.abs(pixels - np.array(LAND_RGB)).max(axis=2) <= 3).mean())


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_the_weddell_sea_shows_antarctica_and_names_that_do_not_overlap(
    browser, page_file: Path, size
) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_function("window.storymap && window.storymap.step >= 0")
        shown_names: list[str] = []
        for index in range(len(STEPS)):
            page.evaluate("(i) => window.storymap.goTo(i, {animate: false})", index)
            page.wait_for_function("(i) => window.storymap.step === i", arg=index)
            page.wait_for_timeout(300)
            assert page.locator(".leaflet-smBase-pane path").count() >= 1
            share = land_share(page.locator(".leaflet-container").screenshot())
            assert share > 0.03, f"step {index + 1}: only {share:.1%} of the map is land"
            labels = page.evaluate(VISIBLE_LABELS)
            assert all(label["inside"] for label in labels)
            for i, a in enumerate(labels):
                for b in labels[i + 1 :]:
                    overlap = a["left"] < b["right"] and b["left"] < a["right"]
                    overlap = overlap and a["top"] < b["bottom"] and b["top"] < a["bottom"]
                    assert not overlap, f"step {index + 1}: {a['text']!r} overlaps {b['text']!r}"
            shown_names += [label["text"] for label in labels]
        assert "Weddell Sea" in shown_names
        assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()
        assert errors == []
    finally:
        context.close()


LAND_NEAR_THE_VIEW = """() => {
  const map = window.storymap.map, view = map.getBounds(), far = view.pad(1);
  const out = {inView: 0, inViewDrawn: 0, far: 0, farOnMap: 0};
  window.storymap.basemap.parts[0].layer.eachLayer((shape) => {
    const bounds = shape.getBounds();
    if (view.intersects(bounds)) {
      out.inView += 1;
      if (map.hasLayer(shape) && shape._path && shape._path.isConnected) out.inViewDrawn += 1;
    } else if (!far.intersects(bounds)) {
      out.far += 1;
      if (map.hasLayer(shape)) out.farOnMap += 1;
    }
  });
  return out;
}"""


@pytest.mark.parametrize("step", [1, 2])
def test_land_in_view_is_drawn_and_land_far_from_it_stays_off_the_map(browser, page_file: Path, step) -> None:
    """Leaflet projects every point of a shape on the map at each zoom: only the shapes near the
    view are on it (the whole land, once the late data is in, still holds every shape)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_function("() => window.storymap && window.storymap.loaded", polling=20)
        page.evaluate("(i) => window.storymap.goTo(i, {animate: false})", step)
        page.wait_for_function("(i) => window.storymap.step === i", arg=step)
        found = page.evaluate(LAND_NEAR_THE_VIEW)
    finally:
        context.close()
    assert found["inView"] > 0 and found["inViewDrawn"] == found["inView"], found
    assert found["far"] > 0 and found["farOnMap"] == 0, found


def test_the_browser_decodes_the_encoded_basemap_to_the_same_coordinates(browser, page_file: Path) -> None:
    """storymap.js's decoder and app.basemap's agree to the last digit (land and borders)."""
    from app import basemap

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(page_file.resolve().as_uri())
        page.wait_for_function("window.storymap && window.storymap.step >= 0")
        config = page.evaluate("() => window.storymap.config.basemap.land")  # as the page carries it
        assert config["type"] == "EncodedLines"
        expected = basemap.decode_collection(config)["features"][0]["geometry"]["coordinates"]
        # Leaflet's own GeoJSON of the drawn polygons (one shape per cell), unrounded (rings closed again).
        drawn = page.evaluate(
            """() => { const land = window.storymap.basemap.parts[0].layer;
                       const out = []; land.eachLayer((l) => out.push(l.toGeoJSON(false).geometry));
                       return out; }"""
        )
    finally:
        context.close()
    assert len(drawn) > 1  # the world's land in several cells, each clipped only when in view
    polygons = [
        p for g in drawn for p in (g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]])
    ]
    assert sorted(polygons) == sorted(expected)  # every polygon once, to the last digit
