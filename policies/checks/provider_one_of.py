"""MLOPS_TF_7: ExactlyOneOf and AtLeastOneOf groups are satisfied."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderOneOfGroups(ConfigRule):
    id = "MLOPS_TF_7"
    title = "ExactlyOneOf / AtLeastOneOf groups have the right number of members set"
    why = (
        "terraform-plugin-sdk fails validation when none (or, for ExactlyOneOf, more than one) of a group is set "
        "in a block that is present."
    )
    capability = CAPABILITY
    fix = "Set exactly one (ExactlyOneOf) or at least one (AtLeastOneOf) of the listed arguments, or drop the empty block."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "one_of")
