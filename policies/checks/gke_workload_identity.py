"""MLOPS_GKE_2: pods authenticate with Workload Identity."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class GkeWorkloadIdentity(ResourceRule):
    id = "MLOPS_GKE_2"
    title = "GKE: Workload Identity"
    why = "Pods act as their team's service account without keys and cannot read the node's credentials."
    capability = "deployment: one hardened, centrally run cluster"
    fix = 'Use Autopilot (enable_autopilot = true) or set workload_identity_config.workload_pool = "<project>.svc.id.goog".'
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        if attr(conf, "enable_autopilot") is True or attr(conf, "workload_identity_config", "workload_pool"):
            return []
        return ["neither Autopilot nor workload_identity_config.workload_pool"]


check = GkeWorkloadIdentity()
