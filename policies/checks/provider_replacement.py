"""MLOPS_TF_9: a change does not destroy and recreate a data-holding resource through a ForceNew argument."""

from __future__ import annotations

from policies.provider import data_files
from policies.provider.replacement import replacements
from policies.rulebase import ConfigRule, Outcome

CAPABILITY = "governance: no data lost on deploy"


class NoForcedReplacement(ConfigRule):
    id = "MLOPS_TF_9"
    title = "No change to a ForceNew argument of a data-holding resource (replacement preview, with --changed-from or --base-synth-dir)"
    why = (
        "Changing an argument the provider declares ForceNew (a dataset's location, an endpoint's name) makes "
        "Terraform destroy the resource and create a new one: its data, keys or deployed models are lost, or the "
        "apply fails half-way on deletion protection."
    )
    capability = CAPABILITY
    fix = (
        "Revert the argument, or create the new resource next to the old one and migrate; if the replacement is "
        "intended, suppress with a reason and an approver."
    )
    severity = "HIGH"
    kind = "provider"

    def evaluate(self, scan):
        base = getattr(scan, "base_stacks", None)
        if base is None:
            return
        for r in replacements(base, scan.stacks, data_files.rules_for):
            yield Outcome(r.stack, r.address, r.construct_path, r.message is None, r.message or "")
