"""A ``kubernetes_manifest`` body against its custom resource's published OpenAPI v3 schema
(policies/provider/data/crds.json, vendored by policies/provider/vendor_crds.py).

What the API server does with such a body (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/):
it validates types, required fields, enums, patterns and bounds ("Validation"), and it drops fields the
structural schema does not specify unless x-kubernetes-preserve-unknown-fields is set ("Field pruning"): a
misspelt field is lost without an error. Both are checked here. CEL rules (x-kubernetes-validations) are not
evaluated: the message says so when a schema has them on a path the manifest sets.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

CRDS_FILE = Path(__file__).resolve().parent / "data" / "crds.json.gz"
# The apiserver fills these for every object; CRD schemas declare metadata as a bare object.
OBJECT_FIELDS = ("apiVersion", "kind", "metadata")


@cache
def data() -> dict:
    return json.loads(gzip.decompress(CRDS_FILE.read_bytes()))


def kind_key(manifest: dict[str, Any]) -> str:
    return f"{manifest.get('apiVersion')}/{manifest.get('kind')}"


def _pruned(value: Any, schema: dict[str, Any], path: str) -> Iterator[str]:
    """Fields a structural schema does not specify (they are pruned), at any depth."""
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                yield from _pruned(item, properties[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                yield from _pruned(item, extra, f"{path}.{key}")
            elif properties is not None and not (path == "" and key in OBJECT_FIELDS):
                yield f"{path.lstrip('.')}.{key}".lstrip(".")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _pruned(item, schema["items"], f"{path}[{index}]")


def manifest_problems(manifest: dict[str, Any]) -> list[str]:
    """What the API server would refuse or silently drop in one manifest; a kind without a vendored schema is a
    problem too (its body could not be checked)."""
    entry = data()["kinds"].get(kind_key(manifest))
    if entry is None:
        return [
            f"no published schema is vendored for {kind_key(manifest)} (policies/provider/data/crds.json.gz, "
            "python -m policies.provider.vendor_crds): its body cannot be checked before the apply"
        ]
    schema = entry["schema"]
    problems = [
        f"{'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(Draft7Validator(schema).iter_errors(manifest), key=lambda e: list(e.absolute_path))
    ]
    problems += [
        f"{field}: not in the {manifest.get('kind')} schema, the API server drops it"
        for field in _pruned(manifest, schema, "")
    ]
    return problems
