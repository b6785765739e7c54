"""MLOPS_NET_1: online endpoints are reachable only privately (Private Service Connect or VPC)."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class PrivateEndpoints(ResourceRule):
    id = "MLOPS_NET_1"
    title = "Vertex AI endpoints are private: Private Service Connect or a VPC network"
    why = (
        "Models that score sensitive data should not be reachable from the internet, even behind IAM; "
        "Private Service Connect and VPC peering keep traffic on private addresses."
    )
    capability = "governance: access control to sensitive data"
    fix = (
        "Set `serving.access: private_service_connect` (the default) on the model; a dedicated or shared "
        "public endpoint needs a suppression with the reason, an approver and an expiry."
    )
    severity = "MEDIUM"
    model_field = ("serving", "access")
    supported = ("google_vertex_ai_endpoint",)

    def problems(self, conf):
        if attr(conf, "private_service_connect_config", "enable_private_service_connect") is True:
            return []
        if attr(conf, "network"):
            return []
        if attr(conf, "dedicated_endpoint_enabled") is True:
            return ["serving.access dedicated: a public DNS name, no Private Service Connect or VPC network"]
        return ["serving.access shared: the public regional endpoint, no Private Service Connect or VPC network"]


check = PrivateEndpoints()
