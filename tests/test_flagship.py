"""The flagship story and its geodata: sourced steps, honest zones, provenance, fresh build."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from app.validate import load_story
from tests.support import ROOT

GEODATA = ROOT / "geodata"
ATLAS = ROOT / "node_modules" / "world-atlas" / "countries-10m.json"


@pytest.fixture(scope="module")
def flagship():
    return load_story(ROOT / "stories" / "russia-iran.md", strict=True)


def test_flagship_validates_strict_with_at_least_twelve_steps(flagship):
    assert len(flagship.story.steps) >= 12


def test_every_step_has_sources_and_an_as_of_date(flagship):
    for step in flagship.story.steps:
        assert step.map.sources, step.id
        assert step.map.as_of is not None, step.id


def test_closing_step_says_the_assad_government_fell_in_december_2024(flagship):
    closing = flagship.story.steps[-1].text
    assert "8 December 2024" in closing


def test_zones_have_the_four_controllers_and_say_they_are_approximate():
    zones = gpd.read_file(GEODATA / "syria-zones.geojson")
    assert set(zones["controller"]) <= {"regime", "opposition", "kurdish", "us"}
    assert {"regime", "opposition", "kurdish"} <= set(zones["controller"])
    assert zones["approximate"].all()


@pytest.mark.skipif(not ATLAS.exists(), reason="npm ci not run")
def test_zones_cover_syria_within_two_percent_without_overlaps():
    from geodata.build import syria_outline

    outline = syria_outline()
    zones = gpd.read_file(GEODATA / "syria-zones.geojson").to_crs(6933)
    outline_area = gpd.GeoSeries([outline], crs=4326).to_crs(6933).area.iloc[0]
    union = shapely.union_all(zones.geometry.values)
    assert abs(union.area - outline_area) / outline_area < 0.02
    geoms = list(zones.geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1e-6 * outline_area


def test_every_geojson_has_provenance_beside_it():
    for path in GEODATA.glob("*.geojson"):
        if path.name.startswith("demo-"):
            continue
        meta = json.loads(path.with_name(path.stem + ".provenance.json").read_text(encoding="utf-8"))
        for key in ("source", "licence", "method", "as_of"):
            assert meta.get(key), (path.name, key)


@pytest.mark.skipif(not ATLAS.exists(), reason="npm ci not run")
def test_committed_geodata_matches_a_fresh_build():
    result = subprocess.run(
        [sys.executable, "geodata/build.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
