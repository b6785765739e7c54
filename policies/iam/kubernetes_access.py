"""The CI identities may do, in the cluster, what the team stacks ask of it: every Kubernetes object of a team stack
is judged against the roles the bootstrap applies (config/kubernetes_rbac.py), by the calls the kubernetes provider
makes for its type, read from the provider's source (config/data/kubernetes_ci_roles.yaml `calls`). Part of
MLOPS_IAM_7: a missing verb fails `cdktn deploy` only after the platform stack is applied, with a 403 from the API
server half-way through a team's apply (or at every plan, for the CRD list of kubernetes_manifest)."""

from __future__ import annotations

from collections.abc import Iterator

from config import kubernetes_rbac
from policies.engine.stackset import Resource, StackDoc

FEATURE = "google_gke_hub_feature"


def _kubernetes(resource: Resource) -> bool:
    return resource.type.removeprefix("data.").startswith("kubernetes_")


def problems(stack: StackDoc) -> Iterator[tuple[Resource, list[str]]]:
    """(Kubernetes resource of ``stack``, what the CI roles lack for it); an empty list passes."""
    roles = kubernetes_rbac.namespace_roles()
    reader = kubernetes_rbac.cluster_reader()
    for resource in stack.resources_and_data():
        if not _kubernetes(resource):
            continue
        obj = kubernetes_rbac.api_object(resource.type, resource.conf)
        if obj is None:
            what = (
                f"a {resource.conf.get('manifest', {}).get('kind')} manifest"
                if resource.type == "kubernetes_manifest"
                else resource.type
            )
            yield (
                resource,
                [
                    f"the CI identities' Kubernetes roles do not cover {what}: add the provider's calls for it to "
                    "config/data/kubernetes_ci_roles.yaml, the rules to its roles, and re-run the cluster bootstrap "
                    "(docs/access.md)"
                ],
            )
            continue
        missing = [
            f"{kubernetes_rbac.role_name(kind)} ({kind}) lacks {verb} on {obj}"
            for kind in kubernetes_rbac.CI_KINDS
            for verb in kubernetes_rbac.needed_verbs(resource.type, kind)
            if not kubernetes_rbac.allows(roles[kind], obj, verb)
        ]
        missing += [
            f"{reader['metadata']['name']} (cluster-wide) lacks {verb} on {cluster_obj}"
            for cluster_obj, verb in kubernetes_rbac.cluster_needs(resource.type)
            if not kubernetes_rbac.allows(reader, cluster_obj, verb)
        ]
        yield resource, missing


def feature_problems(stack: StackDoc) -> Iterator[tuple[Resource, list[str]]]:
    """The fleet's allow-list names exactly the CI roles (and those being retired): a ClusterRole such as
    cluster-admin on it could be bound to any scope through the Fleet API."""
    for resource in stack.resources(FEATURE):
        if resource.conf.get("name") != "rbacrolebindingactuation":
            continue
        spec = (resource.conf.get("spec") or {}).get("rbacrolebindingactuation") or {}
        if isinstance(spec, list):
            spec = spec[0] if spec else {}
        allowed = list(spec.get("allowed_custom_roles") or [])
        want = kubernetes_rbac.allowed_custom_roles()
        yield (
            resource,
            []
            if sorted(allowed) == sorted(want)
            else [
                f"allowed_custom_roles is {sorted(allowed)}, not the CI roles {sorted(want)} (config/data/kubernetes_ci_roles.yaml)"
            ],
        )
