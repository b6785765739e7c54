"""Replacement preview: which data-holding resources a change would destroy and recreate.

Compares the base and head synthesized stacks (``modelops check --changed-from REF`` or ``--base-synth-dir``):

- a changed argument the provider declares ``ForceNew`` (from the Go source, data/<key>-<version>.rules.json.gz)
  on a resource at the same address: Terraform plans destroy-then-create. An Optional+Computed ForceNew
  argument removed from the configuration is not a change (the provider keeps the value it read back).
- a data-holding resource that disappears from one address and appears at another (a renamed construct, a
  resource moved between stacks) with the same identity (the same values for its ForceNew top-level
  arguments): without a ``moved`` block or a state move, Terraform destroys the old one and creates the new.

Only the types below hold something a re-creation loses. Workflows, scheduler jobs, alert policies, IAM
members and service accounts are configuration Terraform recreates in full, so they are not listed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

DATA_HOLDING: dict[str, str] = {
    "google_bigquery_dataset": "its tables and prediction history",
    "google_bigquery_table": "its rows",
    "google_vertex_ai_endpoint": "its deployed models and traffic split",
    "google_kms_key_ring": "its keys (key rings cannot be deleted; a new one orphans every key)",
    "google_kms_crypto_key": "its key versions (data encrypted with them becomes unreadable)",
    "google_pubsub_topic": "its retained messages",
    "google_pubsub_subscription": "its unacknowledged messages",
    "google_pubsub_schema": "the schema revisions topics validate against",
    "google_container_cluster": "every workload running on it",
    "google_logging_project_bucket_config": "its retained logs",
    "google_data_catalog_taxonomy": "its policy tags (column-level security on every PII column)",
    "google_data_catalog_policy_tag": "the column-level security that references it",
    "google_artifact_registry_repository": "its container images",
    "google_storage_bucket": "its objects",
    "google_secret_manager_secret": "its secret versions",
    # Provider source e03b7622a2 (the 8.0.0 release merge; the pinned 8.7.0 has the same ForceNew flags in its rules
    # data): approval_workflow is ForceNew (resource_privileged_access_manager_entitlement.go:321), so adding or
    # removing the workflow block replaces the entitlement (the PATCH API refuses both: "Adding an approval workflow
    # in an entitlement which previously had no approval workflow", "Deleting the approval workflow",
    # https://cloud.google.com/iam/docs/reference/pam/rest/v1/projects.locations.entitlements/patch); changing the
    # approvers inside it is an in-place PATCH (updateMask approvalWorkflow, same file :772-774). Delete sends
    # `?force=true` (:832), which deletes the entitlement's grants with it.
    "google_privileged_access_manager_entitlement": (
        "its grants: active grants end at once (the provider deletes with force=true), pending requests and the "
        "grant history in PAM go with it; announce it, or apply when no grant is active"
    ),
}


@dataclass(frozen=True)
class Replacement:
    """One data-holding resource compared; ``message`` is None when nothing is replaced."""

    stack: str
    address: str
    construct_path: str
    message: str | None


def _norm(value: Any) -> Any:
    """Values as Terraform compares them: single blocks as one-element lists, scalars as strings."""
    if isinstance(value, dict):
        return [{k: _norm(v) for k, v in sorted(value.items()) if k != "//" and v is not None}]
    if isinstance(value, list):
        out = []
        for item in value:
            item = _norm(item)
            out += item if isinstance(item, list) and item and isinstance(item[0], dict) else [item]
        return out
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def values_at(conf: Any, path: str) -> list[Any]:
    """Every value at a dotted schema path (through single and list blocks), normalised."""
    nodes = [conf]
    for part in path.split("."):
        nxt = []
        for node in nodes:
            for element in node if isinstance(node, list) else [node]:
                if isinstance(element, dict) and element.get(part) is not None:
                    nxt.append(element[part])
        nodes = nxt
    return [_norm(n) for n in nodes]


def _is_block(values: list[Any]) -> bool:
    return any(isinstance(v, list) and v and isinstance(v[0], dict) for v in values)


def _count(values: list[Any]) -> str:
    n = sum(len(v) if isinstance(v, list) else 1 for v in values)
    return f"{n} block" + ("s" if n != 1 else "")


def _show(values: list[Any]) -> str:
    if not values:
        return "unset"
    shown = values[0] if len(values) == 1 else values
    text = json.dumps(shown)
    return text if len(text) <= 120 else text[:117] + "..."


def forced_changes(base: dict[str, Any], head: dict[str, Any], force_new: list[dict[str, Any]]) -> list[str]:
    """The ForceNew arguments whose value differs, outermost only (a changed block hides its children)."""
    changed: list[str] = []
    paths: list[str] = []
    for flag in sorted(force_new, key=lambda f: (f["path"].count("."), f["path"])):
        path = flag["path"]
        if any(path.startswith(p + ".") for p in paths):
            continue
        old, new = values_at(base, path), values_at(head, path)
        if flag["computed"] and not new:
            continue  # Optional+Computed and no longer configured: the provider keeps what it read back
        if _is_block(old) or _is_block(new):
            # ForceNew on a block replaces only when blocks are added or removed (the SDK marks the `#`
            # count RequiresNew); changes inside it are judged by the nested arguments' own flags.
            old, new = [_count(old)], [_count(new)]
        if old == new:
            continue
        paths.append(path)
        changed.append(f"`{path}` {_show(old)} -> {_show(new)} (ForceNew at {flag['at']})")
    return changed


def _resources(stacks: list[Any], types: set[str]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    out = {}
    for stack in stacks:
        for tf_type, items in (stack.doc.get("resource") or {}).items():
            if tf_type in types and isinstance(items, dict):
                for name, conf in items.items():
                    out[stack.name, f"{tf_type}.{name}"] = (tf_type, conf)
    return out


def _path(stack: str, address: str, conf: dict[str, Any]) -> str:
    return ((conf.get("//") or {}).get("metadata") or {}).get("path") or f"{stack}/{address}"


RulesFor = Callable[[str], "dict[str, Any] | None"]


def replacements(base_stacks: list[Any], head_stacks: list[Any], rules_for: RulesFor) -> Iterator[Replacement]:
    """Every data-holding resource at an address both sides have: replaced (ForceNew change) or not."""
    types = set(DATA_HOLDING)
    base = _resources(base_stacks, types)
    for (stack, address), (tf_type, conf) in sorted(_resources(head_stacks, types).items()):
        entry = rules_for(tf_type)
        if (stack, address) not in base or entry is None:
            continue
        changes = forced_changes(base[stack, address][1], conf, entry["force_new"])
        yield Replacement(
            stack,
            address,
            _path(stack, address, conf),
            f"this change destroys and recreates {address}, losing {DATA_HOLDING[tf_type]}: " + "; ".join(changes)
            if changes
            else None,
        )


def identity(conf: dict[str, Any], force_new: list[dict[str, Any]]) -> tuple | None:
    """What names the cloud object: its top-level ForceNew scalar arguments that are set."""
    out = []
    for flag in force_new:
        if "." in flag["path"]:
            continue
        value = conf.get(flag["path"])
        if value is not None and not isinstance(value, (dict, list)):
            out.append((flag["path"], _norm(value)))
    return tuple(sorted(out)) or None


def moves(base_stacks: list[Any], head_stacks: list[Any], rules_for: RulesFor) -> Iterator[Replacement]:
    """Every data-holding resource new in head: moved from a vanished address with the same identity, or not."""
    types = set(DATA_HOLDING)
    base, head = _resources(base_stacks, types), _resources(head_stacks, types)
    gone = {k: v for k, v in base.items() if k not in head}
    for (stack, address), (tf_type, conf) in sorted(head.items()):
        if (stack, address) in base:
            continue
        entry = rules_for(tf_type)
        if entry is None:
            continue
        ident = identity(conf, entry["force_new"])
        found = None
        for (old_stack, old_address), (old_type, old_conf) in sorted(gone.items()):
            if ident is not None and old_type == tf_type and identity(old_conf, entry["force_new"]) == ident:
                where = f"{old_stack}/{old_address}" if old_stack != stack else old_address
                named = ", ".join(f"{k}={v}" for k, v in ident)
                how = (
                    "a `moved` block or `terraform state mv`"
                    if old_stack == stack
                    else "moving its state between the two stacks (`terraform state mv` across states)"
                )
                found = (
                    f"{tf_type} ({named}) moves from {where} to {address}: Terraform destroys the old "
                    f"address and creates the new one, losing {DATA_HOLDING[tf_type]}, unless {how} keeps it"
                )
                break
        yield Replacement(stack, address, _path(stack, address, conf), found)
