"""MLOPS_IAM_5: no service account keys."""

from __future__ import annotations

from policies.rulebase import ResourceRule


class NoServiceAccountKeys(ResourceRule):
    id = "MLOPS_IAM_5"
    title = "No service account keys"
    why = "Exported keys are long-lived secrets that leak; CI and workloads authenticate keylessly (workload identity federation, Workload Identity)."
    capability = "governance: access control to sensitive data"
    fix = "Remove the key; use workload identity federation (CI) or Workload Identity (GKE)."
    severity = "CRITICAL"
    supported = ("google_service_account_key",)

    def problems(self, conf):
        return ["service account key resource"]


check = NoServiceAccountKeys()
