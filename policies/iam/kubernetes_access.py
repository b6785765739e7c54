"""The CI identities may do, in a team namespace, what the team stack asks of the cluster: every Kubernetes object
of a team stack is judged against the ClusterRoles the fleet binds to the applier and the planner
(config/kubernetes_rbac.py). Part of MLOPS_IAM_7: a missing verb fails `cdktn deploy` only after the platform
stack is applied, with a 403 from the API server half-way through a team's apply."""

from __future__ import annotations

from collections.abc import Iterator

from config import kubernetes_rbac
from policies.engine.stackset import Resource, StackDoc


def _kubernetes(resource: Resource) -> bool:
    return resource.type.removeprefix("data.").startswith("kubernetes_")


def problems(stack: StackDoc) -> Iterator[tuple[Resource, list[str]]]:
    """(Kubernetes resource of ``stack``, what the CI roles lack for it); an empty list passes."""
    roles = {kind: role for kind, role in zip(kubernetes_rbac.CI_KINDS, kubernetes_rbac.cluster_roles(), strict=True)}
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
                    f"the CI identities' Kubernetes roles do not cover {what}: add its API group and resource to "
                    "config/data/kubernetes_ci_roles.yaml (and re-run the cluster bootstrap, docs/access.md)"
                ],
            )
            continue
        missing = [
            f"{kubernetes_rbac.role_name(kind)} ({kind}) lacks {verb} on {obj}"
            for kind in kubernetes_rbac.CI_KINDS
            for verb in kubernetes_rbac.needed_verbs(resource.type, kind)
            if not kubernetes_rbac.allows(roles[kind], obj, verb)
        ]
        yield resource, missing
