"""MLOPS_GKE_9: every workload container states CPU and memory requests and limits."""

from __future__ import annotations

from policies.kubernetes_pods import WORKLOAD_TYPES, containers, name_of
from policies.rulebase import ResourceRule, attr

RESOURCES = ("cpu", "memory")


class GkeWorkloadResources(ResourceRule):
    id = "MLOPS_GKE_9"
    title = "GKE workloads: CPU and memory requests and limits on every container"
    why = (
        "On a shared cluster a container without limits can starve its neighbours, and the namespace's "
        "ResourceQuota on requests.* and limits.* refuses pods whose containers state none "
        "(https://kubernetes.io/docs/concepts/policy/resource-quotas/: with a quota on cpu or memory, "
        "every new container must state a request or limit for it)."
    )
    capability = "deployment: one shared, centrally run cluster"
    fix = "Set `streaming.scorer.cpu` and `memory` (streaming) or `serving.cpu` and `memory` (`runtime: gke`) in the team YAML."
    severity = "MEDIUM"
    model_field = ("streaming", "scorer")
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        for c in containers(conf):
            for kind in ("requests", "limits"):
                missing = [r for r in RESOURCES if not attr(c, "resources", kind, r)]
                if missing:
                    yield f"container {name_of(c)}: no {kind} for {', '.join(missing)}"


check = GkeWorkloadResources()
