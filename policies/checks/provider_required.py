"""MLOPS_TF_3: every required argument and block is set."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderRequiredArguments(ConfigRule):
    id = "MLOPS_TF_3"
    title = "Required arguments and blocks are present (in every block that is present)"
    why = 'terraform plan fails with "Missing required argument"; the bindings mark which arguments are optional.'
    capability = CAPABILITY
    fix = "Set the argument in the construct under modules/ (the message links the provider docs for it)."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "required")
