"""What applying and planning needs per Terraform resource type (config/data/ci_roles.yaml), without the
provider bindings: the stacks grant from it (modules/ci_identity.py), the gate checks against it
(policies/iam/contract.py), the docs print it (scripts/docs/access.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from config import patterns
from config.model import Team

CI_ROLES_FILE = Path(__file__).resolve().parent / "data" / "ci_roles.yaml"
CUSTOM = "custom:"
PROJECT_ROLE = re.compile(r"^projects/([^/]+)/roles/([A-Za-z0-9_.]+)$")


@cache
def ci_roles() -> dict:
    """config/data/ci_roles.yaml: Terraform type -> the role that applies / plans it, with citations."""
    return yaml.safe_load(CI_ROLES_FILE.read_text())


def unchecked_types() -> frozenset[str]:
    """Types the project-IAM table does not cover: bootstrap-made ones and those outside project IAM."""
    data = ci_roles()
    return frozenset(data["bootstrap_types"]) | frozenset(data["outside_project_iam"])


def reader_role() -> str:
    """`custom:<id>` of the bootstrap-created role for reads no read-only predefined role covers."""
    return CUSTOM + ci_roles()["ci_reader_role"]


def conditioned_iam_admin() -> str:
    return str(ci_roles()["conditioned_iam_admin"])


def entry_roles(entry: Mapping[str, Any], kind: str) -> list[str]:
    """The roles (one or a list) a type's entry names for ``kind`` ("apply" or "plan")."""
    value = entry[kind]
    return [value] if isinstance(value, str) else list(value)


def reader_permissions() -> frozenset[str]:
    """The custom reader role's permissions: the deciding permission of every type that names it."""
    role = reader_role()
    return frozenset(
        e["permission"]
        for e in ci_roles()["resource_types"].values()
        if role in entry_roles(e, "apply") or role in entry_roles(e, "plan")
    )


def role_in_project(role: str, project: str) -> str:
    """`custom:<id>` -> `projects/<project>/roles/<id>` (a project's custom role is granted only there)."""
    return f"projects/{project}/roles/{role.removeprefix(CUSTOM)}" if role.startswith(CUSTOM) else role


def team_project_types(team: Team) -> set[str]:
    """The Terraform types the team's stack will contain (ci_roles.yaml `team_stack_types`)."""
    table = ci_roles()["team_stack_types"]
    types = set(table["always"])
    if team.notification_channels:
        types |= set(table["notification_channels"])
    if team.models:
        types |= set(table["models"])
    if team.access.entitlements:
        types |= set(table["access_entitlements"])
    for spec in patterns.used(team):
        types |= set(spec.terraform_types)
    for model in team.models:
        if model.serving.image is not None:
            types |= set(patterns.spec_of(model).workload_types)
    return types


def unknown_types(types: Iterable[str]) -> set[str]:
    """The types ci_roles.yaml has no row for (neither applied by CI, nor made at bootstrap, nor outside project IAM)."""
    return {t for t in types if t not in unchecked_types() and t not in ci_roles()["resource_types"]}


def roles_for_types(types: Iterable[str], kind: str) -> set[str]:
    """The roles ``kind`` ("apply" or "plan") needs for ``types``; unknown types raise (the table must grow).

    actAs is not among them: it is granted on the one account a type runs as, next to that account."""
    data = ci_roles()
    table, roles = data["resource_types"], set()
    for tf_type in types:
        if tf_type in unchecked_types():
            continue
        if tf_type not in table:
            raise ValueError(f"{tf_type}: not in {CI_ROLES_FILE.name}; add the role that applies and plans it")
        roles |= set(entry_roles(table[tf_type], kind))
    for broader, narrower in data["supersedes"].items():
        if broader in roles:
            roles -= set(narrower)
    return roles


def projects_of(tf_type: str, conf: Mapping[str, Any], default: str | None) -> list[str]:
    """Every project a resource or data source of ``tf_type`` is applied or read in: its own (project,
    project_id or parent, else ``default``) and the ones its `also_on` arguments name."""
    own = None
    for key in ("project", "project_id"):
        value = conf.get(key)
        if isinstance(value, str) and value and "${" not in value:
            own = value
            break
    parent = conf.get("parent")
    if own is None and isinstance(parent, str) and parent.startswith("projects/") and "${" not in parent:
        own = parent.split("/")[1]
    out = [own or default or ""]
    entry = ci_roles()["resource_types"].get(tf_type) or {}
    also = entry.get("also_on")
    if also:
        value = conf.get(also)
        if isinstance(value, str) and value and "${" not in value:
            out.append(value.removeprefix("projects/").split("/")[0])
    return list(dict.fromkeys(out))


def types_by_project(elements: Iterable[tuple[str, Mapping[str, Any]]], default: str | None) -> dict[str, set[str]]:
    """project -> the types (``data.``-prefixed for data sources) applied or read there."""
    out: dict[str, set[str]] = {}
    for tf_type, conf in elements:
        for project in projects_of(tf_type, conf, default):
            out.setdefault(project, set()).add(tf_type)
    return out
