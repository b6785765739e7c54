"""Load the generated conformance data once per process (about 20 ms each; the jsii assembly itself takes seconds)."""

from __future__ import annotations

import gzip
import json
from functools import cache
from typing import Any

from policies.provider.providers import PROVIDERS, provider_for_type


class MissingData(Exception):
    """A provider's data file is absent: run the regeneration command."""


def _load(path) -> dict[str, Any]:
    if not path.exists():
        raise MissingData(f"{path} is missing; run `python -m policies.provider.regenerate`")
    with gzip.open(path, "rb") as handle:
        return json.loads(handle.read())


@cache
def schema(provider: str) -> dict[str, Any]:
    return _load(PROVIDERS[provider].schema_file)


# What a provider without a Go source to read has: no cross-field rules (providers.py, go_repo None).
NO_RULES: dict[str, Any] = {"format": 1, "resources": {}, "source": None}


@cache
def rules(provider: str) -> dict[str, Any]:
    spec = PROVIDERS[provider]
    return NO_RULES if spec.go_repo is None else _load(spec.rules_file)


def rules_for(tf_type: str) -> dict[str, Any] | None:
    """The cross-field entry (rules, force_new) of a resource type, or None for types without one."""
    spec = provider_for_type(tf_type)
    return rules(spec.key)["resources"].get(tf_type) if spec else None
