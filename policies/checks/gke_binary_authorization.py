"""MLOPS_GKE_3: only attested images run on the shared cluster."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

ENFORCE = "PROJECT_SINGLETON_POLICY_ENFORCE"


class GkeBinaryAuthorization(ResourceRule):
    id = "MLOPS_GKE_3"
    title = "GKE: Binary Authorization enforced"
    why = "The cluster is shared by every team; enforcement keeps unreviewed images from running next to other teams' models."
    capability = "deployment: one hardened, centrally run cluster"
    fix = f'Set binary_authorization.evaluation_mode = "{ENFORCE}".'
    severity = "HIGH"
    platform_field = ("gke",)
    supported = ("google_container_cluster",)

    def problems(self, conf):
        mode = attr(conf, "binary_authorization", "evaluation_mode")
        return [] if mode == ENFORCE else [f"binary_authorization.evaluation_mode is {mode or 'unset'}"]


check = GkeBinaryAuthorization()
