"""The rule catalogue: every rule class in policies/checks/, found by importing the package."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

import policies.checks
from policies.rulebase import ConfigRule, ResourceRule, Rule, RuleInfo

CHECKS_DIR = Path(policies.checks.__file__).resolve().parent


@lru_cache(maxsize=1)
def rule_classes() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    for module_info in sorted(pkgutil.iter_modules([str(CHECKS_DIR)]), key=lambda m: m.name):
        module = importlib.import_module(f"policies.checks.{module_info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, (ResourceRule, ConfigRule))
                and value not in (ResourceRule, ConfigRule)
                and value.__module__ == module.__name__
            ):
                if value.id in found:
                    raise RuntimeError(
                        f"rule id {value.id} defined twice ({found[value.id].__module__}, {module.__name__})"
                    )
                found[value.id] = value
    return tuple(sorted(found.values(), key=lambda c: _sort_key(c.id)))


def _sort_key(rule_id: str) -> tuple[str, int]:
    area, _, number = rule_id.rpartition("_")
    return area, int(number) if number.isdigit() else 0


def rules() -> tuple[RuleInfo, ...]:
    return tuple(c.info() for c in rule_classes())


def config_rules() -> tuple[ConfigRule, ...]:
    return tuple(c() for c in rule_classes() if issubclass(c, ConfigRule))


def resource_rule_ids() -> frozenset[str]:
    return frozenset(c.id for c in rule_classes() if issubclass(c, ResourceRule))


def by_id() -> dict[str, RuleInfo]:
    return {r.id: r for r in rules()}


def suppressible_ids() -> frozenset[str]:
    """What a suppression may name: our rules and the pinned checkov's Google Cloud checks."""
    from policies.engine import checkov_ids

    return frozenset(by_id()) | checkov_ids.known()
