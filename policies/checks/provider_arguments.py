"""MLOPS_TF_2: every argument and block exists on its type, at every nesting level."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderArgumentsExist(ConfigRule):
    id = "MLOPS_TF_2"
    title = (
        "Every argument and block is one the provider's schema has for that type (no misspelt or computed-only names)"
    )
    why = (
        'An unknown argument fails terraform plan ("An argument named ... is not expected here"), and a '
        "computed-only attribute cannot be set; the bindings list exactly the configurable ones."
    )
    capability = CAPABILITY
    fix = "Rename the argument to the provider's spelling (the message suggests one) or remove it, in the construct under modules/."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "argument")
