"""MLOPS_TF_6: no two arguments the provider declares ConflictsWith are set together (Autopilot included)."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderConflictingArguments(ConfigRule):
    id = "MLOPS_TF_6"
    title = "No argument is set together with one it ConflictsWith (e.g. Standard-only cluster arguments on Autopilot)"
    why = (
        "terraform-plugin-sdk fails validation when both are in the configuration, even as false; the google "
        "provider marks every argument Autopilot does not accept as ConflictsWith enable_autopilot."
    )
    capability = CAPABILITY
    fix = "Remove one of the two from the construct (for Autopilot: drop the Standard-only argument; Autopilot manages it)."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "conflicts")
