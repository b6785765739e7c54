"""The CI identities' Kubernetes roles in team namespaces (config/data/kubernetes_ci_roles.yaml): the ClusterRole
manifests the bootstrap applies, the names the fleet binds, and what each Terraform type needs. The platform
stack binds them (modules/tenancy.py), the gate checks every Kubernetes object of a team stack against them
(policies/iam/kubernetes_access.py), the docs print them (scripts/docs/access.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROLES_FILE = Path(__file__).resolve().parent / "data" / "kubernetes_ci_roles.yaml"
CI_KINDS = ("applier", "planner")
VERBS_OF_KIND = {"applier": "apply", "planner": "plan"}
MANAGED_BY = {"app.kubernetes.io/managed-by": "modelops-bootstrap"}


@dataclass(frozen=True)
class ApiObject:
    """An object kind as Kubernetes RBAC names it."""

    group: str
    resource: str

    def __str__(self) -> str:
        return f"{self.group or 'core'}/{self.resource}"


@cache
def data() -> dict:
    return yaml.safe_load(ROLES_FILE.read_text())


def role_name(kind: str) -> str:
    """The ClusterRole the fleet binds for a CI kind (``applier``, ``planner``)."""
    return data()["roles"][kind]["name"]


def role_names() -> list[str]:
    return [role_name(kind) for kind in CI_KINDS]


def api_object(tf_type: str, conf: Mapping[str, Any] | None = None) -> ApiObject | None:
    """What a Terraform type (``data.<type>`` for a data source) manages; ``kubernetes_manifest`` by its
    manifest's apiVersion and kind. None: not a kind the CI roles know."""
    if tf_type == "kubernetes_manifest":
        manifest = (conf or {}).get("manifest") or {}
        entry = data()["manifest_kinds"].get(f"{manifest.get('apiVersion')}/{manifest.get('kind')}")
    else:
        entry = data()["objects"].get(tf_type)
    return ApiObject(entry["group"], entry["resource"]) if entry else None


def needed_verbs(tf_type: str, kind: str) -> tuple[str, ...]:
    """The verbs a CI kind needs on what ``tf_type`` manages: data sources are only read."""
    verbs = data()["verbs"]
    if tf_type in data()["read_only"]:
        return tuple(verbs["read"])
    return tuple(verbs[VERBS_OF_KIND[kind]])


def _rules(kind: str) -> list[dict[str, Any]]:
    """One rule per (API group, verb set): every object the team stacks manage, with the verbs the kind needs."""
    grouped: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    entries = [(t, e) for t, e in data()["objects"].items()] + [
        ("kubernetes_manifest", e) for e in data()["manifest_kinds"].values()
    ]
    for tf_type, entry in entries:
        grouped.setdefault((entry["group"], needed_verbs(tf_type, kind)), set()).add(entry["resource"])
    return [
        {"apiGroups": [group], "resources": sorted(resources), "verbs": list(verbs)}
        for (group, verbs), resources in sorted(grouped.items())
    ]


def cluster_roles() -> list[dict[str, Any]]:
    """The ClusterRole manifests (rbac.authorization.k8s.io/v1) a cluster administrator applies once."""
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {
                "name": role_name(kind),
                "labels": dict(MANAGED_BY),
                "annotations": {"description": data()["roles"][kind]["description"]},
            },
            "rules": _rules(kind),
        }
        for kind in CI_KINDS
    ]


def allows(role: Mapping[str, Any], obj: ApiObject, verb: str) -> bool:
    """Does a ClusterRole manifest's rule list allow ``verb`` on ``obj`` (RBAC rules are additive; ``*`` matches
    all, https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources)."""

    def has(values: list[str], want: str) -> bool:
        return "*" in values or want in values

    return any(
        has(r.get("apiGroups", []), obj.group) and has(r.get("resources", []), obj.resource) and has(r["verbs"], verb)
        for r in role.get("rules", [])
    )


def manifest_yaml() -> str:
    """The manifests as one multi-document YAML, for ``kubectl apply -f -``."""
    return "---\n".join(yaml.safe_dump(doc, sort_keys=False) for doc in cluster_roles())
