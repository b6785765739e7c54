"""Defaults live in one place: the model's dataclasses; the JSON Schemas state the same values (what
editors show), and the loader passes only what a file sets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import model

SCHEMAS = Path(__file__).resolve().parent.parent / "policies" / "schemas"

# Which dataclass an object in each schema is loaded into ("*" = any key or item).
DATACLASS_AT = {
    "platform.schema.json": {("ci",): model.Ci, ("gke",): model.Gke, ("environments", "*"): model.PlatformEnv},
    "team.schema.json": {
        ("models", "*"): model.Model,
        ("models", "*", "impact"): model.Impact,
        ("models", "*", "serving"): model.Serving,
        ("models", "*", "streaming"): model.Streaming,
        ("models", "*", "streaming", "scorer"): model.Workload,
        ("namespace", "quota"): model.NamespaceQuota,
        ("namespace", "container_defaults"): model.ContainerDefaults,
        ("models", "*", "monitoring"): model.Monitoring,
        ("models", "*", "monitoring", "features", "*"): model.Feature,
    },
}


def _resolve(schema: dict, node: dict) -> dict:
    """Follow `$ref`s, also into the other schema file (`platform.schema.json#/$defs/...`)."""
    while "$ref" in node:
        file, _, pointer = node["$ref"].partition("#")
        source = json.loads((SCHEMAS / file).read_text()) if file else schema
        node = source["$defs"][pointer.rsplit("/", 1)[-1]]
    return node


def schema_defaults(schema: dict, node: dict | None = None, path: tuple = ()) -> Iterator[tuple[tuple, str, Any]]:
    """(object path, property, default) for every property with a `default` in the schema."""
    node = _resolve(schema, schema if node is None else node)
    for key, prop in node.get("properties", {}).items():
        prop = _resolve(schema, prop)
        if "default" in prop:
            yield path, key, prop["default"]
        yield from schema_defaults(schema, prop, path + (key,))
    if isinstance(node.get("additionalProperties"), dict):
        yield from schema_defaults(schema, node["additionalProperties"], path + ("*",))
    if isinstance(node.get("items"), dict):
        yield from schema_defaults(schema, node["items"], path + ("*",))
    for branch in node.get("oneOf", []) + node.get("anyOf", []):
        yield from schema_defaults(schema, branch, path)


def _field_defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("derived"):  # set by the loader, not a YAML field
            continue
        if f.default is not dataclasses.MISSING and f.default is not None and not dataclasses.is_dataclass(f.default):
            out[f.name] = list(f.default) if isinstance(f.default, tuple) else f.default  # JSON has lists
    return out


@pytest.mark.parametrize("schema_file", sorted(DATACLASS_AT))
def test_every_schema_default_is_the_dataclass_default(schema_file):
    schema = json.loads((SCHEMAS / schema_file).read_text())
    found = list(schema_defaults(schema))
    assert found, "the schema states defaults"
    for path, key, default in found:
        cls = DATACLASS_AT[schema_file].get(path)
        assert cls is not None, f"{schema_file}: a default at {path}.{key}, but no dataclass is mapped to {path}"
        assert _field_defaults(cls).get(key) == default, (
            f"{schema_file} {'.'.join(path)}.{key}: schema default {default!r}, {cls.__name__} {_field_defaults(cls).get(key)!r}"
        )


@pytest.mark.parametrize("schema_file", sorted(DATACLASS_AT))
def test_every_dataclass_default_is_stated_in_the_schema(schema_file):
    schema = json.loads((SCHEMAS / schema_file).read_text())
    stated = {(path, key): default for path, key, default in schema_defaults(schema)}
    for path, cls in DATACLASS_AT[schema_file].items():
        for key, default in _field_defaults(cls).items():
            assert stated.get((path, key)) == default, (
                f"{cls.__name__}.{key} defaults to {default!r}; state it as the schema's default at {'.'.join(path)}.{key}"
            )


def test_a_file_that_leaves_the_optional_fields_out_gets_the_model_defaults(org_config):
    scout = org_config.team("scout")
    model_without_serving = next(m for m in scout.models if m.pattern != "online")
    assert model_without_serving.serving == model.Serving() and model_without_serving.time_zone == "Etc/UTC"
    platform = org_config.platform
    assert all(env.network == "default" for env in platform.environments.values())
