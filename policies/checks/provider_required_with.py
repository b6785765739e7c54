"""MLOPS_TF_8: arguments declared RequiredWith others come with them."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderRequiredWith(ConfigRule):
    id = "MLOPS_TF_8"
    title = "Arguments declared RequiredWith others are only set together with them"
    why = "terraform-plugin-sdk fails validation when an argument is set without the ones it is RequiredWith."
    capability = CAPABILITY
    fix = "Set the listed arguments too, or remove the one that needs them, in the construct under modules/."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "required_with")
