"""The pipeline's shape: stages import only earlier stages, and a story's layers are read once."""

from __future__ import annotations

import ast
from pathlib import Path

import geopandas as gpd
import pytest

from app import geodata
from app.validate import check_story
from tests.support import ROOT

APP = ROOT / "app"

# Each module's stage; a module may import modules of its own stage or earlier ones only.
STAGES: dict[str, int] = {
    "app.errors": 0,
    "app.ids": 0,
    "app.i18n": 0,
    "app.dates": 0,
    "app.paths": 1,
    "app.views": 1,
    "app.tiles": 1,
    "app.models": 1,
    "app.parse": 2,
    "app.geodata": 2,
    "app.timeline": 2,
    "app.media": 2,
    "app.basemap": 3,
    "app.load": 3,
    "app.validate": 4,
    "app.render": 4,
    "app.assets": 4,
    "app.markup": 5,
    "app.author_tools": 5,
    "app.mapview": 6,
    "app.shots": 6,
    "app.export": 7,
    "app.tour": 8,
    "app.scaffold": 8,
    "app.importers": 8,
    "app.schema": 8,
    "app.serve": 8,
    "app.site": 8,
    "app.author": 9,
    "app.component": 9,
    "app.cli": 10,
    "app.page": 10,
    "app.streamlit_app": 10,
    "app.__main__": 11,
    "app": 11,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(name: str) -> int:
    """The stage of a module; submodules of a package share the package's stage."""
    while name not in STAGES and "." in name:
        name = name.rsplit(".", 1)[0]
    if name not in STAGES:
        pytest.fail(f"{name} has no stage in tests/test_stages.py: add it to STAGES")
    return STAGES[name]


def app_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "app":
                found |= {f"app.{alias.name}" for alias in node.names}
            elif node.module.startswith("app."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("app.")}
    return found


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=lambda p: module_name(p))
def test_no_stage_imports_a_later_stage(path: Path):
    name = module_name(path)
    own = stage_of(name)
    later = sorted(m for m in app_imports(path) if stage_of(m) > own)
    assert not later, f"{name} (stage {own}) imports later stages: {later}"


def test_the_library_has_no_streamlit_import_outside_the_shell():
    for path in APP.rglob("*.py"):
        if module_name(path) in ("app.streamlit_app", "app.page", "app.component"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_bench_does_not_import_tests():
    for path in (ROOT / "bench").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from tests" not in text and "import tests" not in text, path


def test_export_loads_each_layer_once_and_reads_each_file_once(monkeypatch, tmp_path):
    """`export` of the flagship: one load per layer, one disk read per file (the basemap is package data)."""
    from click.testing import CliRunner

    from app import load
    from app.cli import main

    story = ROOT / "stories" / "russia-iran.md"
    declared = check_story(story).story.meta.layers.values()
    files = sorted(Path(source).name for layer in declared for source in layer.files)
    geodata._load_cached.cache_clear()
    geodata._prepare_cached.cache_clear()
    loads: list[str] = []
    reads: list[str] = []

    def counting_load(path, *args, **kwargs):
        loads.append(Path(path).name)
        return geodata.load_layer(path, *args, **kwargs)

    real_read = gpd.read_file

    def counting_read(path, *args, **kwargs):
        reads.append(Path(path).name)
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(load, "load_layer", counting_load)
    monkeypatch.setattr(geodata.gpd, "read_file", counting_read)
    result = CliRunner().invoke(main, ["export", str(story), "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 0, result.output
    assert sorted(loads) == files
    assert sorted(reads) == files
