"""MLOPS_TF_4: blocks are blocks, values are values, and single-object blocks hold one object."""

from __future__ import annotations

from policies.checks.provider_types import CAPABILITY
from policies.provider.gate_checks import outcomes
from policies.rulebase import ConfigRule


class ProviderBlockShapes(ConfigRule):
    id = "MLOPS_TF_4"
    title = "Block nesting and value shapes match the schema (one object for MaxItems-1 blocks, lists and maps where expected)"
    why = (
        'Terraform rejects a second block where the provider allows one ("Too many ... blocks"), a block where it '
        "expects a value and a value of the wrong type; the bindings type single-object blocks and list blocks apart."
    )
    capability = CAPABILITY
    fix = "Give the block as one object (or a list for list blocks) and values of the documented type, in the construct under modules/."
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        return outcomes(scan, "shape")
