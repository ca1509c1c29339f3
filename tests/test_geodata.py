"""Unit tests of app.geodata: loading, repair, reprojection, simplification and path safety."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from app import geodata
from app.errors import UnsafePathError
from app.geodata import (
    load_layer,
    precision_for_zoom,
    prepare_geojson,
    tolerance_for_zoom,
)
from app.paths import project_root, resolve_source
from app.validate import check_story

GEODATA = Path(__file__).resolve().parent / "cases" / "geodata"


def write_geojson(path: Path, features: list[dict], **extra) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", **extra, "features": features}), encoding="utf-8"
    )
    return path


def feature(fid: str, geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": {"id": fid, **props}, "geometry": geometry}


def circle(lon: float, lat: float, radius: float, vertices: int) -> dict:
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    ring = [[lon + radius * math.cos(a), lat + radius * math.sin(a)] for a in angles]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def vertex_count(collection: dict) -> int:
    return sum(
        len(shapely.get_coordinates(shapely.geometry.shape(f["geometry"]))) for f in collection["features"]
    )


# ---------------------------------------------------------------- repair


def test_self_intersecting_polygon_is_repaired_with_a_warning():
    layer, issues = load_layer(GEODATA / "self_intersecting_polygon.geojson")
    assert layer is not None
    assert [(i.severity, i.message) for i in issues] == [
        ("warning", "1 invalid geometry (Self-intersection) repaired with make_valid: bowtie")
    ]
    assert {i.path for i in issues} == {"tests/cases/geodata/self_intersecting_polygon.geojson"}
    geom = layer.gdf.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert layer.bounds == (0.0, 40.0, 10.0, 50.0)


def test_repair_is_a_warning_for_the_story_and_an_error_with_strict(at_repo_root):
    story = Path("tests/cases/stories/layer_self_intersecting.md")
    relaxed = check_story(story)
    assert relaxed.errors == [] and len(relaxed.warnings) == 1 and relaxed.story is not None
    strict = check_story(story, strict=True)
    assert [p.message for p in strict.errors] == [p.message for p in relaxed.warnings]
    assert strict.story is None
    # the layer cache is shared: a strict check must not turn the next check's repair into an error
    assert check_story(story).errors == []


def test_wrong_winding_is_valid_and_untouched():
    layer, issues = load_layer(GEODATA / "wrong_winding.geojson")
    assert issues == [] and layer.gdf.geometry.iloc[0].is_valid
    assert layer.gdf.geometry.iloc[0].area == pytest.approx(100 - 36)


# ---------------------------------------------------------------- reprojection


def test_crs_member_in_epsg3857_is_reprojected_to_wgs84():
    layer, issues = load_layer(GEODATA / "crs_member_epsg3857.geojson")
    assert layer.gdf.crs.to_epsg() == 4326
    west, south, east, north = layer.bounds
    assert (west, south) == pytest.approx((2.3522, 48.8566), abs=1e-4)  # Paris
    assert (east, north) == pytest.approx((13.405, 52.52), abs=1e-4)  # Berlin
    assert [(i.severity, i.message) for i in issues] == [
        ("warning", "reprojected from WGS 84 / Pseudo-Mercator (EPSG:3857) to WGS84")
    ]


@pytest.mark.parametrize(
    "position",
    [[261845, 6250564], [361.0, 10.0]],
    ids=["metres without a crs", "longitude beyond a turn past the meridian"],
)
def test_coordinates_out_of_range(tmp_path, position):
    path = write_geojson(tmp_path / "m.geojson", [feature("p", {"type": "Point", "coordinates": position})])
    layer, issues = load_layer(path)
    assert layer is None
    assert issues[0].message.startswith("coordinates are out of range for WGS84")


def test_a_route_written_on_past_the_180th_meridian_is_kept_and_a_point_past_it_comes_back(tmp_path):
    path = write_geojson(
        tmp_path / "route.geojson",
        [
            feature(
                "route", {"type": "LineString", "coordinates": [[170.31, 69.7], [180.0, 68.5], [191.1, 65.8]]}
            ),
            feature("strait", {"type": "Point", "coordinates": [191.1, 65.8]}),
            feature("westward", {"type": "LineString", "coordinates": [[-175.0, 60.0], [-190.0, 61.0]]}),
        ],
    )
    layer, issues = load_layer(path)
    assert issues == []
    geoms = dict(zip(layer.gdf["id"], layer.gdf.geometry, strict=True))
    for fid, lons in (("route", [170.31, 180.0, 191.1]), ("westward", [-175.0, -190.0])):
        got = shapely.get_coordinates(geoms[fid])[:, 0]
        assert np.abs(np.diff(got)).max() < 20, fid  # one run of longitudes: drawn the short way
        assert np.allclose((got - lons) % 360.0, 0.0), fid  # the same places, in one copy of the world
        assert abs(got.mean()) < 200, fid
    assert shapely.get_coordinates(geoms["strait"]).tolist() == [[pytest.approx(-168.9), 65.8]]
    assert layer.feature_point("id", "strait") == pytest.approx((-168.9, 65.8))


def test_swapped_coordinates_are_recognised():
    layer, issues = load_layer(GEODATA / "swapped_latlon.geojson")
    assert layer is None and issues[0].message == "coordinates look swapped (latitudes beyond ±90)"


# ---------------------------------------------------------------- empty geometries and bounds


def test_null_geometries_are_dropped_with_a_warning():
    layer, issues = load_layer(GEODATA / "null_geometry.geojson")
    assert layer.ids("id") == ["paris"]
    assert [i.severity for i in issues] == ["warning"]
    assert issues[0].message.endswith("were dropped: ghost")


def test_nan_coordinates_never_raise():
    layer, issues = load_layer(GEODATA / "nan_coordinates.geojson")
    # GDAL reads [NaN, NaN] as an empty point: it is dropped, the rest of the layer is kept
    assert layer is not None and layer.ids("id") == ["paris"]
    assert np.isfinite(shapely.get_coordinates(layer.gdf.geometry.values)).all()
    assert "NaN" in issues[0].message


def test_nan_inside_a_polygon_is_an_error(tmp_path):
    path = tmp_path / "nan.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "x"}, '
        '"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [NaN, 1], [1, 1], [0, 0]]]}}]}'
    )
    layer, issues = load_layer(path)
    assert layer is None and issues[-1].message == "has NaN or infinite coordinates"


def test_only_empty_geometries_leaves_no_layer(tmp_path):
    path = write_geojson(
        tmp_path / "e.geojson",
        [feature("a", None), feature("b", {"type": "Polygon", "coordinates": []})],
    )
    layer, issues = load_layer(path)
    assert layer is None
    assert [i.severity for i in issues] == ["warning", "error"]
    assert issues[-1].message == "has no features with a geometry"


def test_bounds_ids_values_and_feature_bounds():
    layer, issues = load_layer(GEODATA / "regions.geojson")
    assert issues == []
    assert layer.bounds == (0.0, 40.0, 10.0, 50.0)
    assert layer.ids("id") == ["north", "south"]
    assert layer.ids("missing") == []
    assert layer.values("kind") == {"land", "sea"}
    assert layer.feature_bounds("id", "north") == (0.0, 45.0, 10.0, 50.0)
    assert layer.feature_bounds("id", "nowhere") is None
    assert layer.columns == frozenset({"id", "name", "kind"})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.geojson", "the file is empty"),
        ("empty_feature_collection.geojson", "has no features"),
        ("not_json.geojson", "is not GeoJSON (it does not start with '{')"),
        ("places.csv", "is a .csv file, not a map layer"),
        (
            "json_not_geojson.geojson",
            "cannot be read as GeoJSON: it is not a GeoJSON FeatureCollection, Feature or geometry",
        ),
        ("truncated.geojson", "cannot be read as GeoJSON: At line 21, character 14: Unterminated string"),
        ("out_of_range.geojson", "coordinates are out of range for WGS84 (longitude ±180, latitude ±90)"),
        ("does_not_exist.geojson", "file not found"),
    ],
)
def test_unusable_files_give_one_clear_issue(name, message):
    layer, issues = load_layer(GEODATA / name)
    assert layer is None
    assert [i.message for i in issues] == [message]
    assert str(GEODATA) not in issues[0].message  # no absolute paths from GDAL


def test_a_folder_is_not_a_layer():
    assert [i.message for i in load_layer(GEODATA)[1]] == ["is a folder, not a data file"]


def test_mixed_geometry_types_load():
    layer, issues = load_layer(GEODATA / "mixed_geometry_types.geojson")
    assert issues == []
    assert sorted(layer.gdf.geom_type) == ["LineString", "MultiPoint", "Point", "Polygon"]


# ---------------------------------------------------------------- size limit


def test_size_limit_with_a_generated_file(tmp_path, monkeypatch):
    path = write_geojson(
        tmp_path / "large.geojson",
        [feature(f"f{i}", circle(i % 170, 0, 0.4, 64), name=f"Feature {i}") for i in range(1500)],
    )
    size = path.stat().st_size
    assert size > 2**21  # a few MB of real GeoJSON
    monkeypatch.setattr(geodata, "MAX_LAYER_BYTES", 2**20)
    layer, issues = load_layer(path)
    assert layer is None
    assert [i.message for i in issues] == [f"the file is {size / 2**20:.1f} MB, over the 1 MB limit"]


def test_real_size_limit_with_a_sparse_file(tmp_path):
    path = tmp_path / "huge.geojson"
    with path.open("wb") as handle:
        handle.write(b'{"type": "FeatureCollection", "features": [')
        handle.truncate(geodata.MAX_LAYER_BYTES + 1)  # sparse: no disk space used, never read
    layer, issues = load_layer(path)
    assert layer is None
    assert [i.message for i in issues] == ["the file is 200.0 MB, over the 200 MB limit"]


# ---------------------------------------------------------------- caching


def test_layers_are_cached_per_file_version(tmp_path):
    path = write_geojson(tmp_path / "c.geojson", [feature("a", {"type": "Point", "coordinates": [1, 2]})])
    first, _ = load_layer(path)
    assert load_layer(path)[0] is first
    write_geojson(path, [feature("b", {"type": "Point", "coordinates": [3, 4]}, extra="changed")])
    second, _ = load_layer(path)
    assert second is not first and second.ids("id") == ["b"]


# ---------------------------------------------------------------- simplification for a zoom


@pytest.fixture
def dense_layer(tmp_path):
    path = write_geojson(
        tmp_path / "dense.geojson",
        [
            feature("big", circle(10.0, 50.0, 5.0, 4000), name="Big", note="drop me"),
            feature("small", circle(30.0, 50.0, 1.0, 2000), name="Small", note="drop me"),
        ],
    )
    layer, issues = load_layer(path)
    assert issues == []
    return layer


def test_prepare_geojson_simplifies_more_at_low_zoom(dense_layer):
    original = vertex_count(prepare_geojson(dense_layer, 22))
    coarse = vertex_count(prepare_geojson(dense_layer, 3))
    medium = vertex_count(prepare_geojson(dense_layer, 8))
    assert coarse < medium < original <= 6002
    assert coarse < 200


@pytest.mark.parametrize("zoom", [2, 5, 9, 14])
def test_prepare_geojson_rounds_coordinates_for_the_zoom(dense_layer, zoom):
    data = prepare_geojson(dense_layer, zoom)
    digits = precision_for_zoom(zoom)
    coords = np.concatenate(
        [shapely.get_coordinates(shapely.geometry.shape(f["geometry"])) for f in data["features"]]
    )
    assert np.allclose(coords, np.round(coords, digits), rtol=0, atol=1e-12)
    assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])


def test_prepare_geojson_keeps_only_the_named_properties(dense_layer):
    data = prepare_geojson(dense_layer, 6, keep=["name"])
    assert [f["properties"] for f in data["features"]] == [{"name": "Big"}, {"name": "Small"}]
    everything = prepare_geojson(dense_layer, 6)
    assert set(everything["features"][0]["properties"]) == {"id", "name", "note"}


def test_prepare_geojson_keeps_shapes_valid_and_in_place(dense_layer):
    data = prepare_geojson(dense_layer, 4)
    for feat, geom in zip(data["features"], dense_layer.gdf.geometry, strict=True):
        simple = shapely.geometry.shape(feat["geometry"])
        assert simple.is_valid
        assert simple.area == pytest.approx(geom.area, rel=0.05)


def test_tolerance_for_zoom_is_half_a_pixel_in_degrees():
    assert tolerance_for_zoom(0) == pytest.approx(360 / 256 / 2)
    for zoom in range(0, 20):
        assert tolerance_for_zoom(zoom + 1) == pytest.approx(tolerance_for_zoom(zoom) / 2)
    assert tolerance_for_zoom(18) < 1e-5


def test_precision_for_zoom_keeps_positions_within_a_pixel():
    previous = 0
    for zoom in range(0, 23):
        digits = precision_for_zoom(zoom)
        assert 2 <= digits <= 7
        assert digits >= previous
        previous = digits
        pixel = 360 / (256 * 2**zoom)
        if digits < 7:  # 7 decimals (≈1 cm) is the cap
            assert 0.5 * 10**-digits <= pixel
    assert precision_for_zoom(1) == 2 and precision_for_zoom(18) == 7


# ---------------------------------------------------------------- path safety


@pytest.fixture
def project(tmp_path):
    (tmp_path / "stories").mkdir()
    (tmp_path / "geodata").mkdir()
    story = tmp_path / "stories" / "s.md"
    story.write_text("---\ntitle: x\n---\n")
    write_geojson(tmp_path / "geodata" / "ok.geojson", [])
    return story


def test_project_root_is_the_parent_of_stories(project, tmp_path):
    assert project_root(project) == tmp_path.resolve()
    loose = tmp_path / "elsewhere" / "s.md"
    loose.parent.mkdir()
    loose.write_text("")
    assert project_root(loose) == loose.parent.resolve()


def test_resolve_source_accepts_paths_inside_the_project(project, tmp_path):
    expected = (tmp_path / "geodata" / "ok.geojson").resolve()
    assert resolve_source(project, "../geodata/ok.geojson") == expected
    assert resolve_source(project, "../stories/../geodata/./ok.geojson") == expected
    assert resolve_source(project, "../geodata/missing.geojson").name == "missing.geojson"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("../../etc/passwd", "points outside the project folder"),
        ("../geodata/../../x.geojson", "points outside the project folder"),
        ("https://example.com/x.geojson", "is not a local file path"),
        ("file:///etc/passwd", "is not a local file path"),
        ("//server/share/x.geojson", "is not a local file path"),
        ("../geodata/x\x00.geojson", "is not a local file path"),
    ],
)
def test_resolve_source_refuses_unsafe_paths(project, source, message):
    with pytest.raises(UnsafePathError) as info:
        resolve_source(project, source)
    assert message in info.value.problems[0].message


def test_resolve_source_refuses_symlinks_out_of_the_project(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.geojson"
    write_geojson(outside, [])
    link = project.parent.parent / "geodata" / "link.geojson"
    link.symlink_to(outside)
    with pytest.raises(UnsafePathError) as info:
        resolve_source(project, "../geodata/link.geojson")
    assert "is a symbolic link to a file outside the project folder" in info.value.problems[0].message
    folder_link = project.parent.parent / "geodata" / "linked-dir"
    folder_link.symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        resolve_source(project, "../geodata/linked-dir/secret.geojson")


def test_symlinks_inside_the_project_are_fine(project):
    link = project.parent.parent / "geodata" / "alias.geojson"
    link.symlink_to(project.parent.parent / "geodata" / "ok.geojson")
    assert resolve_source(project, "../geodata/alias.geojson").name == "ok.geojson"
