"""Evaluate the provider's cross-field rules (data/<key>-<version>.rules.json.gz) on one resource's plain config.

The semantics are terraform-plugin-sdk v2's (hashicorp/terraform-plugin-sdk, helper/schema/schema.go:
``schemaMap.validate`` and the ``validate*Attribute`` functions it calls, read for this checker):

- ``ConflictsWith``: when the attribute is set, none of the listed keys may be set
  (``validateConflictingAttributes``: ``c.Get(conflictingKey)`` on the raw config, so an explicit ``false``
  or ``""`` counts as set; only a value unknown at plan time is let through).
- ``ExactlyOneOf``: exactly one of the attribute and the listed keys is set (``validateExactlyOneAttribute``).
- ``AtLeastOneOf``: at least one is set (``validateAtLeastOneAttribute``).
- ``RequiredWith``: when the attribute is set, all listed keys are set too (``validateRequiredWithAttribute``).

ExactlyOneOf/AtLeastOneOf are evaluated whenever the block holding the attribute exists (the SDK validates
every schema key of each block element, set or not). Keys are absolute paths with list indexes
(``private_cluster_config.0.enable_private_endpoint``); a single-object block is index 0. A Terraform
reference (``${...}``) counts as set: the SDK defers the check while a value is unknown and runs it again once
it is known (at apply at the latest), and nothing in our stacks references a null.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from policies.provider.schema_check import Problem

MISSING = object()


def lookup(conf: Any, key: str) -> Any:
    """The value at an SDK key (``a.0.b``) in plain cdk.tf.json, or MISSING."""
    node = conf
    for part in key.split("."):
        if part.isdigit():
            if isinstance(node, dict) and part == "0":
                continue
            if isinstance(node, list) and int(part) < len(node):
                node = node[int(part)]
                continue
            return MISSING
        if isinstance(node, list) and len(node) == 1:
            node = node[0]
        if not isinstance(node, dict) or node.get(part) is None:
            return MISSING
        node = node[part]
    return node


def is_set(conf: Any, key: str) -> bool:
    value = lookup(conf, key)
    return value is not MISSING and value != []


def expansions(conf: Any, key: str) -> Iterator[str]:
    """Concrete keys for a schema key: ``a.0.b`` -> ``a.0.b``, ``a.1.b`` ... for every element the config has."""
    parts = key.split(".")
    slots = [i for i, p in enumerate(parts) if p == "0"]
    if not slots:
        yield key
        return
    counts = []
    for slot in slots:
        parent = lookup(conf, ".".join(parts[:slot]))
        counts.append(len(parent) if isinstance(parent, list) else 1 if isinstance(parent, dict) else 0)
    for combo in itertools.product(*[range(c) for c in counts]):
        concrete = list(parts)
        for slot, index in zip(slots, combo, strict=False):
            concrete[slot] = str(index)
        yield ".".join(concrete)


@dataclass(frozen=True)
class Rule:
    kind: str  # conflicts_with, exactly_one_of, at_least_one_of, required_with
    attribute: str
    others: tuple[str, ...]
    at: str  # file:line in the provider source


CATEGORY = {
    "conflicts_with": "conflicts",
    "exactly_one_of": "one_of",
    "at_least_one_of": "one_of",
    "required_with": "required_with",
}


def _parent(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[:-2]) if len(parts) > 2 else ""


def _list(keys: list[str]) -> str:
    return ", ".join(f"`{k}`" for k in keys)


def check_rules(conf: dict[str, Any], rules: list[dict[str, Any]], where: str) -> list[Problem]:
    """Violations of the type's rules; ``where`` names the source (commit) for the message."""
    out: list[Problem] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    for raw in rules:
        rule = Rule(raw["kind"], raw["attribute"], tuple(raw["with"]), raw["at"])
        for key in expansions(conf, rule.attribute):
            parent = _parent(key)
            if parent and not is_set(conf, parent):
                continue
            cite = f"{_NAMES[rule.kind]} at {rule.at}, {where}"
            if rule.kind == "conflicts_with":
                if not is_set(conf, key):
                    continue
                clashing = [k for k in rule.others if k != key and is_set(conf, k)]
                for other in clashing:
                    ident = (rule.kind, frozenset((key, other)))
                    if ident in seen:
                        continue
                    seen.add(ident)
                    note = " (an argument Autopilot clusters do not accept)" if other == "enable_autopilot" else ""
                    out.append(
                        Problem("conflicts", key, f"`{key}` conflicts with `{other}`{note}: both are set ({cite})")
                    )
            elif rule.kind == "required_with":
                if not is_set(conf, key):
                    continue
                missing = [k for k in rule.others if not is_set(conf, k)]
                if missing:
                    out.append(
                        Problem("required_with", key, f"`{key}` is set, so {_list(missing)} must be set too ({cite})")
                    )
            else:
                keys = sorted(set(rule.others) | {key})
                ident = (rule.kind, frozenset(keys))
                if ident in seen:
                    continue
                seen.add(ident)
                present = [k for k in keys if is_set(conf, k)]
                if not present:
                    out.append(Problem("one_of", key, f"one of {_list(keys)} must be set ({cite})"))
                elif rule.kind == "exactly_one_of" and len(present) > 1:
                    out.append(
                        Problem("one_of", key, f"only one of {_list(keys)} may be set; {_list(present)} are ({cite})")
                    )
    return out


_NAMES = {
    "conflicts_with": "ConflictsWith",
    "exactly_one_of": "ExactlyOneOf",
    "at_least_one_of": "AtLeastOneOf",
    "required_with": "RequiredWith",
}
