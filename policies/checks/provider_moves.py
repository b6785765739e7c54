"""MLOPS_TF_10: a data-holding resource does not move to another address (destroy + create) unnoticed."""

from __future__ import annotations

from policies.checks.provider_replacement import CAPABILITY
from policies.provider import data_files
from policies.provider.replacement import moves
from policies.rulebase import ConfigRule, Outcome


class NoAddressMove(ConfigRule):
    id = "MLOPS_TF_10"
    title = "No data-holding resource moves to another address or stack (replacement preview, with --changed-from or --base-synth-dir)"
    why = (
        "Terraform tracks resources by address: a renamed construct or a resource moved to another stack is a "
        "destroy of the old address and a create of the new one, unless its state is moved."
    )
    capability = CAPABILITY
    fix = (
        "Keep the construct path (logical ids come from names), or add a `moved` block / move the state before "
        "deploying; suppress with a reason and an approver once the state move is planned."
    )
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        base = getattr(scan, "base_stacks", None)
        if base is None:
            return
        checked = {s.name for s in scan.stacks}
        for r in moves(base, scan.all_stacks, data_files.rules_for):  # every head stack: a move can cross stacks
            if r.stack in checked:
                yield Outcome(r.stack, r.address, r.construct_path, r.message is None, r.message or "")
