"""The JSON Schema files and the README key table are generated from the models and current."""

from __future__ import annotations

import json

from app.models import (
    FeatureTime,
    FrontMatter,
    LayerDef,
    MapState,
    Media,
    Overlay,
    Sequence,
    Snapshot,
    Source,
    Style,
    StyleOverride,
)
from app.schema import README, ROOT, key_table, schema_documents, write_schema


def test_committed_schema_and_readme_table_are_current():
    assert write_schema(check=True) == []


def test_every_model_field_is_in_the_readme_key_table():
    readme = README.read_text(encoding="utf-8")
    for prefix, model in (
        ("", FrontMatter),
        ("layers.<id>.", LayerDef),
        ("layers.<id>.style.", Style),
        ("sources.<id>.", Source),
    ):
        for name in model.model_fields:
            assert f"`{prefix}{name}`" in readme, f"{prefix}{name} missing from README"
    for name in MapState.model_fields:
        assert f"| map block | `{name}` |" in readme


def test_key_table_rows_match_the_models_exactly():
    rows = [line for line in key_table().splitlines()[2:]]
    models = (
        FrontMatter,
        LayerDef,
        Snapshot,
        FeatureTime,
        Style,
        Source,
        MapState,
        StyleOverride,
        Sequence,
        Overlay,
        Media,
    )
    fields = sum(len(m.model_fields) for m in models) + 2 + 2
    assert len(rows) == fields


def test_schemas_forbid_unknown_keys_and_describe_center_as_lat_lon():
    docs = {path: json.loads(text) for path, text in schema_documents().items()}
    front = docs["schema/front-matter.schema.json"]
    block = docs["schema/map-block.schema.json"]
    assert front["additionalProperties"] is False
    assert block["additionalProperties"] is False
    assert "lat" in block["properties"]["center"]["description"]
    assert (ROOT / "schema" / "map-block.schema.json").exists()
