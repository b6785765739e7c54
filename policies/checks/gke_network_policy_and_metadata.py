"""MLOPS_GKE_6: network policies enforced and node metadata hidden, on Autopilot and Standard alike."""
from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class GkeNetworkPolicyAndMetadataServer(ResourceRule):
    id = "MLOPS_GKE_6"
    title = "GKE: network policies enforced and the GKE metadata server on"
    why = ("Team namespaces share one cluster: network policies keep a team's pods from reaching another's, and the "
           "GKE metadata server keeps pods from reading node credentials. Autopilot always provides both.")
    capability = "deployment: one hardened, centrally run cluster"
    fix = ("Use Autopilot (enable_autopilot = true); on Standard set datapath_provider = \"ADVANCED_DATAPATH\" "
           "(or network_policy.enabled) and node_config.workload_metadata_config.mode = \"GKE_METADATA\".")
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        if attr(conf, "enable_autopilot") is True:
            return []
        found = []
        if attr(conf, "datapath_provider") != "ADVANCED_DATAPATH" and attr(conf, "network_policy", "enabled") is not True:
            found.append("network policies are not enforced (no Dataplane V2, network_policy not enabled)")
        if attr(conf, "node_config", "workload_metadata_config", "mode") != "GKE_METADATA":
            found.append("node_config.workload_metadata_config.mode is not GKE_METADATA")
        return found


check = GkeNetworkPolicyAndMetadataServer()
