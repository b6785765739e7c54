"""MLOPS_IAM_8: a standing grant past its expiry is a finding at its line in the team file.

IAM stops honouring the grant when its condition (`request.time < timestamp(expiry)`, config/access_catalogue.py window_condition) turns false, but the binding
stays in the project's policy (and counts towards its size limit, pam_best_practices in
config/data/access_catalogue.yaml) until someone removes the entry: the gate asks for that, or for a renewal
with a new approval."""

from __future__ import annotations

import datetime

from config import access_catalogue
from policies.rulebase import ConfigRule, Outcome


class StandingGrantsCurrent(ConfigRule):
    id = "MLOPS_IAM_8"
    title = "Standing grants for one person (access.grants) have not expired"
    why = "An expired grant no longer gives access but still reads as if it did; the team file must say who has access today."
    capability = "governance: access control to sensitive data"
    fix = "Remove the expired entry from access.grants, or renew it with a new `granted` date, ticket and approval."
    severity = "MEDIUM"
    team_field = ("access", "grants")

    def evaluate(self, scan):
        if scan.today is None:
            return
        entries = access_catalogue.catalogue()
        for stack in scan.team_stacks():
            team = scan.config.team(stack.team)
            for i, g in enumerate(team.access.grants):
                expires = datetime.date.fromisoformat(g.expires)
                yield Outcome(
                    stack.name,
                    f"access.grants[{g.member}/{g.role}]",
                    f"{stack.name}/access/{access_catalogue.standing_id(g.email, g.role, entries[g.role].roles[0].role)}"
                    if g.role in entries
                    else f"{stack.name}/access",
                    expires > scan.today,
                    f"the standing {g.role} grant of {g.member} expired on {g.expires} (ticket {g.ticket})",
                    ("access", "grants", i, "expires"),
                )
