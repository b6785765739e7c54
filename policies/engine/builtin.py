"""checkov's built-in Google checks: which ones do not apply to this design, and why.

Every built-in check runs unless it is listed here with its reason; docs/policies.md shows this
list. Nothing is disabled silently, and a suppression (with approver and expiry) is the tool for
a single exception; this list is only for checks whose premise does not hold for the platform.
"""

from __future__ import annotations

from policies.rulebase import RuleInfo

DISABLED_BUILTIN_CHECKS: dict[str, str] = {
    "CKV_GCP_12": "Superseded by MLOPS_GKE_6: checkov only accepts a Standard cluster's network_policy block; "
    "Autopilot (the platform's cluster) always enforces network policies with Dataplane V2 and "
    "rejects that block. MLOPS_GKE_6 checks both cluster kinds.",
    "CKV_GCP_61": "Cannot be met on Autopilot: it requires enable_intranode_visibility = true, which the google provider "
    "rejects next to enable_autopilot (ConflictsWith, resource_container_cluster.go:2464 at provider source "
    "e03b7622a2; MLOPS_TF_6) and sets to true itself for Autopilot clusters "
    "(containerClusterAutopilotCustomizeDiff, same file, line 8570). MLOPS_GKE_6 requires it on Standard clusters.",
    "CKV_GCP_69": "Superseded by MLOPS_GKE_6: checkov only accepts node_config.workload_metadata_config on Standard "
    "node pools; Autopilot always runs the GKE metadata server. MLOPS_GKE_6 checks both cluster kinds.",
    "CKV2_GCP_33": "Superseded by MLOPS_NET_1: checkov only accepts VPC peering (`network`) as private, so it flags "
    "Private Service Connect endpoints, the platform's default. MLOPS_NET_1 accepts either and "
    "still fails dedicated and shared public endpoints.",
}

BUILTIN_SEVERITY = "MEDIUM"
BUILTIN_CAPABILITY = "governance: checkov built-in baseline"


def builtin_info(check_id: str, title: str) -> RuleInfo:
    """Metadata for a checkov built-in check seen in a run (checkov OSS offline has no severities)."""
    return RuleInfo(
        id=check_id,
        title=title,
        why="checkov built-in Google Cloud check.",
        capability=BUILTIN_CAPABILITY,
        fix=f"See https://www.checkov.io (search {check_id}); or suppress with a reason, approver and expiry.",
        severity=BUILTIN_SEVERITY,
        kind="builtin",
    )
