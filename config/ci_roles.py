"""What applying and planning needs per Terraform resource type (config/data/ci_roles.yaml), without the
provider bindings: the gate reads it too (policies/iam/contract.py)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from config import patterns
from config.model import Team

CI_ROLES_FILE = Path(__file__).resolve().parent / "data" / "ci_roles.yaml"


@cache
def ci_roles() -> dict:
    """config/data/ci_roles.yaml: Terraform type -> the role that applies / plans it, with citations."""
    return yaml.safe_load(CI_ROLES_FILE.read_text())


def team_project_types(team: Team) -> set[str]:
    """The Terraform types the team's stack will contain (ci_roles.yaml `team_stack_types`)."""
    table = ci_roles()["team_stack_types"]
    types = set(table["always"])
    if team.notification_channels:
        types |= set(table["notification_channels"])
    if team.models:
        types |= set(table["models"])
    for spec in patterns.used(team):
        types |= set(spec.terraform_types)
    return types


def roles_for_types(types: Iterable[str], kind: str) -> set[str]:
    """The roles ``kind`` ("apply" or "plan") needs for ``types``; unknown types raise (the table must grow)."""
    data = ci_roles()
    table, roles = data["resource_types"], set()
    for tf_type in types:
        if tf_type in data["bootstrap_types"]:
            continue
        if tf_type not in table:
            raise ValueError(f"{tf_type}: not in {CI_ROLES_FILE.name}; add the role that applies and plans it")
        roles.add(table[tf_type][kind])
        if kind == "apply" and table[tf_type].get("also") == "actAs":
            roles.add(data["act_as_role"])
    for broader, narrower in data["supersedes"].items():
        if broader in roles:
            roles -= set(narrower)
    return roles
