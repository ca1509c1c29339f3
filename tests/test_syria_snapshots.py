"""The flagship's Syria over time: the September 2015 snapshot, built like the 2020–2023 zones."""

from __future__ import annotations

import csv
import hashlib
import json

import geopandas as gpd
import pytest
import shapely
from shapely import Point

from tests.support import ROOT

GEODATA = ROOT / "geodata"
ZONES_2015 = GEODATA / "syria-zones-2015.geojson"
FACTS_2015 = GEODATA / "facts" / "syria_town_control_2015.csv"
ATLAS = ROOT / "node_modules" / "world-atlas" / "countries-10m.json"
CATEGORIES = {"regime", "opposition", "kurdish", "isis"}
DIVIDED = {"Aleppo", "Deir ez-Zor", "Daraa", "Al-Hasakah", "Qamishli"}

# Checked by hand against the sources named in the fact table (event, date) and against
# published September 2015 control maps: (lon, lat) of the town centre (GeoNames), and the
# controllers whose zone may hold it. A divided city answers with its contested parts.
REFERENCE_TOWNS = {
    "Raqqa": ((39.0079, 35.9528), {"isis"}),  # IS from January 2014
    "Palmyra": ((38.2840, 34.5624), {"isis"}),  # IS from 21 May 2015
    "al-Qaryatayn": ((37.2407, 34.2296), {"isis"}),  # IS from 6 August 2015
    "Manbij": ((37.9550, 36.5282), {"isis"}),  # IS until August 2016
    "al-Mayadin": ((40.4515, 35.0198), {"isis"}),
    "Idlib": ((36.6339, 35.9306), {"opposition"}),  # Jaysh al-Fatah, 28 March 2015
    "Jisr al-Shughur": ((36.3198, 35.8142), {"opposition"}),  # 25 April 2015
    "Bosra ash-Sham": ((36.4816, 32.5174), {"opposition"}),  # 25 March 2015
    "Douma": ((36.4027, 33.5718), {"opposition"}),  # eastern Ghouta
    "Latakia": ((35.7909, 35.5313), {"regime"}),
    "Tartus": ((35.8866, 34.8890), {"regime"}),
    "Damascus": ((36.2913, 33.5102), {"regime"}),
    "Homs": ((36.7256, 34.7241), {"regime"}),
    "Hama": ((36.7578, 35.1318), {"regime"}),
    "as-Suwayda": ((36.5695, 32.7090), {"regime"}),
    "Kobani": ((38.3535, 36.8910), {"kurdish"}),  # siege lifted 26 January 2015
    "Tell Abyad": ((38.9538, 36.6965), {"kurdish"}),  # YPG, 16 June 2015
    "Afrin": ((36.8695, 36.5119), {"kurdish"}),
    "Amuda": ((40.9300, 37.1042), {"kurdish"}),
    "Qamishli": ((41.2314, 37.0522), {"kurdish", "regime"}),  # shared; must be contested
    "Aleppo": ((37.1612, 36.2012), {"regime", "opposition", "kurdish"}),
    "Deir ez-Zor": ((40.1408, 35.3359), {"regime", "isis"}),
}
CONTESTED_REFERENCE = {"Qamishli", "Aleppo", "Deir ez-Zor"}


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return gpd.read_file(ZONES_2015)


@pytest.fixture(scope="module")
def facts() -> list[dict[str, str]]:
    with FACTS_2015.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_2015_zones_have_the_four_categories_and_say_they_are_approximate(zones):
    assert set(zones["controller"]) == CATEGORIES
    assert zones["approximate"].all()
    properties = [f["properties"] for f in json.loads(ZONES_2015.read_text(encoding="utf-8"))["features"]]
    assert {p["as_of"] for p in properties} == {"2015-09-30"}  # geopandas would parse it as a date
    main = zones[~zones["contested"].astype(bool)]
    assert sorted(main["id"]) == sorted(CATEGORIES)


def test_each_divided_city_is_shown_divided_not_forced_to_one_side(zones):
    contested = zones[zones["contested"].astype(bool)]
    assert set(contested["city"]) == DIVIDED
    for city in DIVIDED:
        sides = set(contested.loc[contested["city"] == city, "controller"])
        assert len(sides) >= 2, city


@pytest.mark.skipif(not ATLAS.exists(), reason="npm ci not run")
def test_2015_zones_cover_syria_within_two_percent_without_overlaps(zones):
    from geodata.build import syria_outline

    outline_area = gpd.GeoSeries([syria_outline()], crs=4326).to_crs(6933).area.iloc[0]
    projected = zones.to_crs(6933)
    union = shapely.union_all(projected.geometry.values)
    assert abs(union.area - outline_area) / outline_area < 0.02
    geoms = list(projected.geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1e-6 * outline_area


def test_2015_shares_match_the_reported_figures(zones):
    """IS held more than half of Syria after Palmyra (SOHR, May 2015); the government had
    lost about 70 per cent of the country by September 2015 (Al Majalla, seed 003)."""
    area = zones.to_crs(6933).assign(km2=lambda z: z.area / 1e6).groupby("controller")["km2"].sum()
    share = area / area.sum()
    assert share["isis"] > 0.45
    assert 0.15 < share["regime"] < 0.35


@pytest.mark.parametrize("town", sorted(REFERENCE_TOWNS))
def test_reference_town_lies_in_the_right_2015_zone(zones, town):
    (lon, lat), expected = REFERENCE_TOWNS[town]
    point = Point(lon, lat)
    hits = zones[zones.geometry.covers(point)]
    if hits.empty:  # a border town just outside the generalised outline
        nearest = min(range(len(zones)), key=lambda i: zones.geometry.iloc[i].distance(point))
        hits = zones.iloc[[nearest]]
    assert len(hits) == 1, town
    assert hits["controller"].iloc[0] in expected, (town, hits["controller"].iloc[0])
    assert bool(hits["contested"].iloc[0]) == (town in CONTESTED_REFERENCE), town


def test_every_2015_control_point_is_sourced_and_dated_before_the_snapshot(facts):
    assert 80 <= len(facts) <= 200
    for row in facts:
        assert row["controller"] in CATEGORIES, row["name"]
        assert row["source"].strip() and row["coord_source"].strip(), row["name"]
        assert row["as_of"][:4].isdigit() and row["as_of"] <= "2015-09-30", row["name"]
        assert not row["divided"] or row["divided"] in DIVIDED, row["name"]
    names = [row["name"] for row in facts]
    assert len(names) == len(set(names))


def test_2015_provenance_fields_are_present_and_match_the_file():
    meta = json.loads((GEODATA / "syria-zones-2015.provenance.json").read_text(encoding="utf-8"))
    assert meta["as_of"] == "2015-09-30"
    assert meta["approximate"] is True
    for key in ("title", "source", "licence", "method", "feature_count", "sha256"):
        assert meta.get(key), key
    assert any("syria_town_control_2015" in s for s in meta["source"])
    assert "Voronoi" in meta["method"]
    assert meta["sha256"] == hashlib.sha256(ZONES_2015.read_bytes()).hexdigest()


def test_readme_says_which_snapshots_exist_and_why_there_is_no_post_2024_one():
    readme = (GEODATA / "README.md").read_text(encoding="utf-8")
    assert "syria-zones-2015.geojson" in readme
    assert "8 December 2024" in readme
    assert not list(GEODATA.glob("syria-zones-202[4-9]*.geojson"))
