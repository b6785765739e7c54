"""MLOPS_GKE_5: legacy ABAC is off."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr


class GkeNoLegacyAbac(ResourceRule):
    id = "MLOPS_GKE_5"
    title = "GKE: legacy ABAC off"
    why = "Legacy ABAC grants broad static permissions outside IAM and RBAC, defeating team scopes."
    capability = "deployment: one hardened, centrally run cluster"
    fix = "Remove enable_legacy_abac (default false)."
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        return ["enable_legacy_abac is true"] if attr(conf, "enable_legacy_abac") is True else []


check = GkeNoLegacyAbac()
