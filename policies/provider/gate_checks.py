"""Run the schema and cross-field checks once per gate run and hand each governance rule its category.

Every block of every stack under check is visited once: resources, data sources, ephemeral resources and
the provider configuration, for each provider in policies.provider.providers (types of other providers,
e.g. ``terraform_remote_state``, are not ours to judge). The MLOPS_TF_* rules in policies/checks/ each read
one category from the cached result, so the walk costs the same whether one rule or all of them run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policies.provider import data_files
from policies.provider.crossfield_check import check_rules
from policies.provider.providers import PROVIDERS, ProviderSpec, provider_for_type
from policies.provider.schema_check import Problem, check_config
from policies.rulebase import Outcome

SCHEMA_CATEGORIES = ("type", "argument", "required", "shape", "enum")
RULE_CATEGORIES = ("conflicts", "one_of", "required_with")
SECTIONS = {"resource": "", "data": "data.", "ephemeral": "ephemeral."}


@dataclass(frozen=True)
class Subject:
    stack: str
    kind: str  # resource, data, ephemeral, provider
    address: str
    construct_path: str
    categories: tuple[str, ...]  # what was checked on it
    problems: tuple[Problem, ...]


def _path(stack: str, address: str, conf: Any) -> str:
    meta = conf.get("//") if isinstance(conf, dict) else None
    path = ((meta or {}).get("metadata") or {}).get("path") if isinstance(meta, dict) else None
    return path or f"{stack}/{address}"


def _source_note(rules: dict[str, Any]) -> str:
    return f"provider source {rules['source']['commit'][:10]}"


def _blocks(doc: dict[str, Any]) -> Iterator[tuple[str, ProviderSpec, str, str, dict[str, Any]]]:
    """(kind, provider, type, address, conf) for every block of a stack that belongs to a known provider."""
    for kind, prefix in SECTIONS.items():
        for tf_type, items in (doc.get(kind) or {}).items():
            spec = provider_for_type(tf_type)
            if spec is None or not isinstance(items, dict):
                continue
            for name, conf in items.items():
                yield kind, spec, tf_type, f"{prefix}{tf_type}.{name}", conf if isinstance(conf, dict) else {}
    for key, confs in (doc.get("provider") or {}).items():
        spec = PROVIDERS.get(key)
        if spec is None:
            continue
        for i, conf in enumerate(confs if isinstance(confs, list) else [confs]):
            conf = conf if isinstance(conf, dict) else {}
            alias = conf.get("alias")
            yield "provider", spec, key, f"provider.{key}" + (f".{alias}" if alias else f"[{i}]" if i else ""), conf


def analyse(stacks: list[Any]) -> list[Subject]:
    out: list[Subject] = []
    for stack in stacks:
        for kind, spec, tf_type, address, conf in _blocks(stack.doc):
            schema = data_files.schema(spec.key)
            problems = check_config(spec, schema, kind, tf_type, conf)
            if any(p.category == "type" for p in problems):
                out.append(
                    Subject(stack.name, kind, address, _path(stack.name, address, conf), ("type",), tuple(problems))
                )
                continue
            categories: tuple[str, ...] = SCHEMA_CATEGORIES
            if kind == "resource":
                rules = data_files.rules(spec.key)
                entry = rules["resources"].get(tf_type)
                if entry is not None:
                    categories += RULE_CATEGORIES
                    problems += check_rules(conf, entry["rules"], _source_note(rules))
            out.append(
                Subject(stack.name, kind, address, _path(stack.name, address, conf), categories, tuple(problems))
            )
    return out


def outcomes(scan: Any, category: str) -> Iterator[Outcome]:
    """One Outcome per checked block for this category: passed, or failed with every problem joined."""
    cached = getattr(scan, "_provider_conformance", None)
    if cached is None:
        cached = analyse(scan.stacks)
        scan._provider_conformance = cached
    for subject in cached:
        if category not in subject.categories:
            continue
        found = [p.message for p in subject.problems if p.category == category]
        yield Outcome(subject.stack, subject.address, subject.construct_path, not found, "; ".join(found))
