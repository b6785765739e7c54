"""MLOPS_TF_5: enum arguments hold one of the provider's documented "Possible values"."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderEnumValues(ConfigRule):
    id = "MLOPS_TF_5"
    title = 'Enum arguments hold one of the provider\'s "Possible values"'
    why = (
        "The provider validates these with verify.ValidateEnum before any API call, so plan fails (e.g. "
        "evaluation_mode accepts only DISABLED and POLICY_BINDINGS); the bindings' docs list the values."
    )
    capability = CAPABILITY
    fix = "Use one of the listed values (the message links the provider docs), in the construct or the YAML field that feeds it."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "enum")
