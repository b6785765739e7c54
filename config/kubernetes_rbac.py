"""The CI identities' Kubernetes roles (config/data/kubernetes_ci_roles.yaml): the ClusterRoles and the binding the
bootstrap applies, the names the fleet binds, and what the kubernetes provider calls for each Terraform type. The
platform stack binds them (modules/tenancy.py, modules/gke_cluster.py), the gate compares the calls with the roles
for every Kubernetes object of a team stack (policies/iam/kubernetes_access.py), `modelops wait-namespaces` asks the
cluster whether it grants them (lifecycle/namespaces.py), the docs print them (scripts/docs/access.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROLES_FILE = Path(__file__).resolve().parent / "data" / "kubernetes_ci_roles.yaml"
CI_KINDS = ("applier", "planner")
PHASE_OF_KIND = {"applier": "apply", "planner": "plan"}
MANAGED_BY = {"app.kubernetes.io/managed-by": "modelops-bootstrap"}
RBAC_API = "rbac.authorization.k8s.io/v1"


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


def allowed_custom_roles() -> list[str]:
    """The fleet feature's allow-list: the current names and any being retired (a bound name cannot leave it)."""
    return role_names() + list(data().get("retired_names") or [])


def calls(tf_type: str) -> dict[str, Any] | None:
    return data()["calls"].get(tf_type)


def api_object(tf_type: str, conf: Mapping[str, Any] | None = None) -> ApiObject | None:
    """What a Terraform type (``data.<type>`` for a data source) manages; ``kubernetes_manifest`` by its
    manifest's apiVersion and kind. None: not a kind the CI roles know."""
    entry = calls(tf_type)
    if entry is None:
        return None
    target = entry["object"]
    if target == "manifest_kinds":
        manifest = (conf or {}).get("manifest") or {}
        target = data()["manifest_kinds"].get(f"{manifest.get('apiVersion')}/{manifest.get('kind')}")
        if target is None:
            return None
    return ApiObject(target["group"], target["resource"])


def objects_of(tf_type: str) -> list[ApiObject]:
    """Every kind a Terraform type may manage (``kubernetes_manifest``: each kind of ``manifest_kinds``)."""
    target = (calls(tf_type) or {}).get("object")
    if target is None:
        return []
    if target == "manifest_kinds":
        return [ApiObject(t["group"], t["resource"]) for t in data()["manifest_kinds"].values()]
    return [ApiObject(target["group"], target["resource"])]


def needed_verbs(tf_type: str, kind: str) -> tuple[str, ...]:
    """The verbs the provider calls on what ``tf_type`` manages, when the CI ``kind`` runs it."""
    entry = calls(tf_type) or {}
    return tuple(entry.get(PHASE_OF_KIND[kind], ()))


def cluster_needs(tf_type: str) -> list[tuple[ApiObject, str]]:
    """Cluster-scoped calls of a type (both CI kinds make them: they run at plan time too)."""
    entry = calls(tf_type) or {}
    return [(ApiObject(c["group"], c["resource"]), verb) for c in entry.get("cluster", ()) for verb in c["verbs"]]


def _cluster_role(name: str, description: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API,
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": dict(MANAGED_BY), "annotations": {"description": description}},
        "rules": [dict(r) for r in rules],
    }


def namespace_roles() -> dict[str, dict[str, Any]]:
    """CI kind -> the ClusterRole the fleet binds in each team namespace."""
    return {
        kind: _cluster_role(role_name(kind), data()["roles"][kind]["description"], data()["roles"][kind]["rules"])
        for kind in CI_KINDS
    }


def cluster_reader() -> dict[str, Any]:
    """The ClusterRole of the cluster-scoped reads both CI identities need."""
    reader = data()["cluster_reader"]
    return _cluster_role(reader["name"], reader["description"], reader["rules"])


def cluster_roles() -> list[dict[str, Any]]:
    """Every ClusterRole the bootstrap applies (the same in every environment)."""
    return [*namespace_roles().values(), cluster_reader()]


def cluster_reader_binding(users: Iterable[str]) -> dict[str, Any]:
    """The ClusterRoleBinding of one environment's CI identities (their e-mail is their Kubernetes user name on
    GKE, as the fleet's `user` bindings name them)."""
    name = data()["cluster_reader"]["name"]
    return {
        "apiVersion": RBAC_API,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": dict(MANAGED_BY)},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": u} for u in users],
    }


def allows(role: Mapping[str, Any], obj: ApiObject, verb: str) -> bool:
    """Does a ClusterRole manifest's rule list allow ``verb`` on ``obj`` (RBAC rules are additive; ``*`` matches
    all, https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources)."""

    def has(values: list[str], want: str) -> bool:
        return "*" in values or want in values

    return any(
        has(r.get("apiGroups", []), obj.group) and has(r.get("resources", []), obj.resource) and has(r["verbs"], verb)
        for r in role.get("rules", [])
    )


def manifest_yaml(documents: Iterable[dict[str, Any]]) -> str:
    """Documents as one multi-document YAML, for ``kubectl apply -f -``."""
    return "---\n".join(yaml.safe_dump(doc, sort_keys=False) for doc in documents)


def applier_requests() -> list[tuple[ApiObject, str, bool]]:
    """(object, verb, cluster_scoped) of every call the applier makes on the kinds the stacks manage: what
    `modelops wait-namespaces` asks the cluster about."""
    out: list[tuple[ApiObject, str, bool]] = []
    for tf_type, entry in data()["calls"].items():
        out += [(obj, verb, False) for obj in objects_of(tf_type) for verb in entry["apply"]]
        out += [(obj, verb, True) for obj, verb in cluster_needs(tf_type)]
    return sorted(set(out), key=lambda t: (str(t[0]), t[1], t[2]))
