"""MLOPS_TF_1: every resource, data source and ephemeral resource type exists in the pinned provider."""

from __future__ import annotations

from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule

CAPABILITY = "deployment: stacks that plan and apply on the first try"


class ProviderTypeExists(ConfigRule):
    id = "MLOPS_TF_1"
    title = "Resource, data source and ephemeral resource types exist in the pinned google provider"
    why = (
        "terraform plan stops at the first unknown type; the pinned provider's schema (from the cdktn bindings' "
        "jsii assembly) says which types exist."
    )
    capability = CAPABILITY
    fix = "Use a type the pinned provider has (the message suggests the closest); new types need a provider upgrade."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "type")
