"""Cross-field rules and ForceNew flags from the provider's Go source, checked against the jsii schema.

terraform-plugin-sdk resources declare on each ``schema.Schema``: ``ConflictsWith``, ``ExactlyOneOf``,
``AtLeastOneOf`` and ``RequiredWith`` (lists of absolute keys such as ``private_cluster_config.0.enable_private_endpoint``)
and ``ForceNew`` (a change replaces the resource). None of these is in the jsii assembly, so they come from the
source: every ``registry.Schema{Name: ..., Type: SchemaTypeResource|SchemaTypeIAMResource, Schema: ...}`` entry
is evaluated with policies.provider.go_source. Every attribute path a rule or flag names must exist in the
pinned jsii schema; a path the schema lacks stops regeneration (the source is older or newer than the bindings).
"""

from __future__ import annotations

import re
from typing import Any

from policies.provider.go_source import Attr, Source, Unparsed, resource_schema

RESOURCE_KINDS = ("SchemaTypeResource", "SchemaTypeIAMResource")
KIND_NAMES = {
    "ConflictsWith": "conflicts_with",
    "ExactlyOneOf": "exactly_one_of",
    "AtLeastOneOf": "at_least_one_of",
    "RequiredWith": "required_with",
}


# Rules in the 8.0.0 source that name an attribute the 8.7.0 bindings do not let anyone set. Each is looked at
# and acknowledged here, with the reason; the rule is dropped from the data and listed under "dropped". Any
# other disagreement stops regeneration.
ACKNOWLEDGED_DRIFT: dict[tuple[str, str], str] = {
    (
        "google_dialogflow_cx_agent",
        "start_flow",
    ): "start_playbook declares ConflictsWith start_flow, but start_flow is not a configurable argument in "
    "either the 8.0.0 source's schema or the 8.7.0 bindings",
    (
        "google_sql_database_instance",
        "settings.backup_configuration.backup_tier",
    ): "backupConfigurationKeys lists backup_tier, which the 8.7.0 bindings do not carry as an argument",
}


class RegenerationError(Exception):
    pass


def registry_entries(source: Source) -> list[dict[str, Any]]:
    """Every ``registry.Schema{...}`` entry: name, file, line, type, schema expression."""
    grep = source.git("grep", "-n", "-A6", "registry.Schema{", source.commit, "--", "google/")
    entries: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in grep.splitlines():
        m = re.match(r"[0-9a-f]+:(\S+?\.go)([:-])(\d+)[:-](.*)$", line)
        if not m or m.group(1).endswith("_test.go"):
            continue
        file, sep, number, text = m.group(1), m.group(2), int(m.group(3)), m.group(4)
        if sep == ":" and "registry.Schema{" in text:
            current = {"file": file, "line": number}
            continue
        if current is None:
            continue
        if n := re.match(r"\s*Name:\s*\"(\w+)\"", text):
            current["name"] = n.group(1)
        elif t := re.match(r"\s*Type:\s*registry\.(\w+)", text):
            current["type"] = t.group(1)
        elif s := re.match(r"\s*Schema:\s*(.+),\s*$", text):
            current["schema"] = s.group(1)
            if {"name", "type"} <= current.keys():
                entries.append(current)
            current = None
    return entries


def _flatten(schema: dict[str, Attr], prefix: str = "", plain: str = ""):
    """(SDK key with .0. per block level, dotted path without indexes, Attr) for every attribute."""
    for name, attr in sorted(schema.items()):
        key = f"{prefix}{name}"
        path = f"{plain}{name}"
        yield key, path, attr
        if attr.elem:
            yield from _flatten(attr.elem, f"{key}.0.", f"{path}.")


def plain_path(key: str) -> str:
    """``a.0.b.0.c`` -> ``a.b.c`` (the schema path without list indexes)."""
    return ".".join(p for p in key.split(".") if not p.isdigit())


def _in_schema(node: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    for i, part in enumerate(parts):
        spec = node.get(part)
        if spec is None:
            return False
        if i < len(parts) - 1:
            if not isinstance(spec, dict):
                return False
            node = spec["a"]
    return True


def type_rules(schema: dict[str, Attr]) -> dict[str, Any]:
    rules, force_new = [], []
    for key, path, attr in _flatten(schema):
        for field, (keys, line) in sorted(attr.lists.items()):
            if keys:
                rules.append({"kind": KIND_NAMES[field], "attribute": key, "with": keys, "at": f"{attr.file}:{line}"})
        configurable = attr.fields.get("Optional") or attr.fields.get("Required")
        if attr.fields.get("ForceNew") and configurable:  # computed-only ForceNew attributes are never in config
            force_new.append(
                {"path": path, "computed": bool(attr.fields.get("Computed")), "at": f"{attr.file}:{attr.line}"}
            )
    return {"rules": rules, "force_new": force_new}


def collect(source: Source, schema: dict[str, Any], only: set[str] | None = None) -> dict[str, Any]:
    """{"resources": {type: {"file", "rules", "force_new"}}, "unparsed": {type: reason}} for every resource type
    (or the types in ``only``)."""
    resources: dict[str, Any] = {}
    unparsed: dict[str, str] = {}
    problems: list[str] = []
    for entry in sorted(registry_entries(source), key=lambda e: e["name"]):
        if (
            entry["type"] not in RESOURCE_KINDS
            or entry["name"] in resources
            or (only is not None and entry["name"] not in only)
        ):
            continue
        name = entry["name"]
        try:
            parsed = resource_schema(source, entry["file"], entry["schema"])
        except Unparsed as exc:
            unparsed[name] = str(exc)
            continue
        data = {"file": f"{entry['file']}:{entry['line']}", **type_rules(parsed)}
        node = schema["resource"].get(name)
        if node is None:
            if data["rules"] or data["force_new"]:
                unparsed[name] = f"not in the pinned bindings' schema (registered at {data['file']})"
            continue
        kept, dropped = [], []
        for rule in data["rules"]:
            missing = [k for k in [rule["attribute"], *rule["with"]] if not _in_schema(node, plain_path(k))]
            reasons = [ACKNOWLEDGED_DRIFT.get((name, plain_path(k))) for k in missing]
            if not missing:
                kept.append(rule)
            elif all(reasons):
                dropped.append({**rule, "reason": "; ".join(sorted({r for r in reasons if r}))})
            else:
                problems += [
                    f"{name}: {rule['kind']} at {rule['at']} names {k}, which the pinned schema lacks"
                    for k, r in zip(missing, reasons, strict=False)
                    if not r
                ]
        flags = [f for f in data["force_new"] if _in_schema(node, f["path"])]
        dropped += [
            {**f, "reason": "ForceNew on an argument the pinned schema does not have (cannot be set, so cannot change)"}
            for f in data["force_new"]
            if not _in_schema(node, f["path"])
        ]
        resources[name] = {**data, "rules": kept, "force_new": flags, **({"dropped": dropped} if dropped else {})}
    if problems:
        raise RegenerationError("cross-field data disagrees with the pinned schema:\n  " + "\n  ".join(problems))
    return {"resources": resources, "unparsed": dict(sorted(unparsed.items()))}
