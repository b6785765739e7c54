"""MLOPS_GKE_1: cluster nodes have no public IP addresses."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class GkePrivateNodes(ResourceRule):
    id = "MLOPS_GKE_1"
    title = "GKE: private nodes"
    why = "Nodes without public IPs cannot be reached from the internet; model containers run next to sensitive data."
    capability = "deployment: one hardened, centrally run cluster"
    fix = "Set private_cluster_config.enable_private_nodes = true (the platform cluster construct does)."
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        return (
            []
            if attr(conf, "private_cluster_config", "enable_private_nodes") is True
            else ["private_cluster_config.enable_private_nodes is not true"]
        )


check = GkePrivateNodes()
