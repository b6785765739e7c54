"""MLOPS_GKE_6: network policies enforced, node metadata hidden and pod traffic visible, on Autopilot and Standard alike."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class GkeNetworkPolicyAndMetadataServer(ResourceRule):
    id = "MLOPS_GKE_6"
    title = "GKE: network policies enforced, the GKE metadata server on, intranode visibility on"
    why = (
        "Team namespaces share one cluster: network policies keep a team's pods from reaching another's, and the "
        "GKE metadata server keeps pods from reading node credentials; intranode visibility puts pod-to-pod traffic "
        "on the same node into VPC flow logs. Autopilot always provides all three (and the provider refuses "
        "enable_intranode_visibility next to enable_autopilot)."
    )
    capability = "deployment: one hardened, centrally run cluster"
    fix = (
        'Use Autopilot (enable_autopilot = true); on Standard set datapath_provider = "ADVANCED_DATAPATH" '
        '(or network_policy.enabled), node_config.workload_metadata_config.mode = "GKE_METADATA" and '
        "enable_intranode_visibility = true."
    )
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        if attr(conf, "enable_autopilot") is True:
            return []
        found = []
        if (
            attr(conf, "datapath_provider") != "ADVANCED_DATAPATH"
            and attr(conf, "network_policy", "enabled") is not True
        ):
            found.append("network policies are not enforced (no Dataplane V2, network_policy not enabled)")
        if attr(conf, "node_config", "workload_metadata_config", "mode") != "GKE_METADATA":
            found.append("node_config.workload_metadata_config.mode is not GKE_METADATA")
        if attr(conf, "enable_intranode_visibility") is not True:
            found.append("enable_intranode_visibility is not true")
        return found


check = GkeNetworkPolicyAndMetadataServer()
