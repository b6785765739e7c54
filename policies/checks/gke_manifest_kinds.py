"""MLOPS_GKE_11: `kubernetes_manifest` only for the allow-listed kinds the platform synthesizes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from config import kubernetes_rbac
from policies.kubernetes_pods import MANIFEST, manifest_kind
from policies.rulebase import ResourceRule

# (apiVersion, kind) a team stack may hold as kubernetes_manifest: Managed Service for Prometheus' PodMonitoring
# (https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed, "Configure a PodMonitoring
# resource": apiVersion monitoring.googleapis.com/v1), which modules/kubernetes/workloads.py writes because the
# provider has no typed resource for custom resources. Everything else has a typed resource whose arguments
# provider conformance checks against the schema, and which the workload rules (MLOPS_GKE_7..10) read.
# The list is config/data/kubernetes_ci_roles.yaml `manifest_kinds` (the kinds the CI namespace roles may write),
# one place for both.
ALLOWED_KINDS = {tuple(key.rsplit("/", 1)) for key in kubernetes_rbac.data()["manifest_kinds"]}


def manifest_problems(conf: dict[str, Any]) -> Iterator[str]:
    api_version, kind = manifest_kind(conf)
    if (api_version, kind) not in ALLOWED_KINDS:
        allowed = ", ".join(f"{a} {k}" for a, k in sorted(ALLOWED_KINDS))
        yield f"manifest {api_version or '(no apiVersion)'} {kind or '(no kind)'} is not an allowed kind ({allowed})"


class GkeManifestKinds(ResourceRule):
    id = "MLOPS_GKE_11"
    title = "GKE: kubernetes_manifest only for allow-listed kinds"
    why = (
        "A `kubernetes_manifest` body is any Kubernetes object, passed to the API server as written: provider "
        "conformance cannot check it (the argument is dynamic in the provider schema), the CI role table cannot "
        "tell a Deployment from a ClusterRoleBinding, and the plan needs the API server. Only the kinds the "
        "platform itself synthesizes (PodMonitoring) may use it; workloads, policies and roles use the provider's "
        "typed resources, which the gate reads. Pod-bearing kinds in a manifest are also held to MLOPS_GKE_7..10."
    )
    capability = "governance: hardened, shared deployment function"
    fix = (
        "Use the typed resource (kubernetes_deployment_v1, kubernetes_job_v1, ...) through the platform's "
        "constructs, or ask the platform team to allow-list the kind."
    )
    severity = "HIGH"
    supported = (MANIFEST,)

    def problems(self, conf):
        return manifest_problems(conf)


check = GkeManifestKinds()
