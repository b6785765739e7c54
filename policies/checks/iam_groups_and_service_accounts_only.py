"""MLOPS_IAM_4: grants go to groups and service accounts, never to individual users, except the standing grants
a team file declares (`access.grants`): for exactly that member, a catalogue role of that grant, at project level,
with the grant's expiry condition (`request.time < timestamp("<expires>T00:00:00Z")`, modules/access.py)."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, blocks, is_token, standing_grants, strings

ALLOWED_PREFIXES = ("group:", "serviceAccount:", "principal://", "principalSet://")


def declared(team: str | None, member: str, role: str, expression: str) -> bool:
    """A standing grant of ``team`` names this member and role, and ``expression`` begins with its expiry."""
    for t, m, r, expiry in standing_grants():
        if t != team or m != member or not expression.startswith(expiry):
            continue
        rest = expression[len(expiry) :]
        if rest and not rest.startswith(" && ("):
            continue
        if r == role or (r.startswith("custom:") and is_token(role) and r.split(":", 1)[1] in role):
            return True
    return False


class GroupsAndServiceAccountsOnly(ResourceRule):
    id = "MLOPS_IAM_4"
    title = "Grants go to group: or serviceAccount: principals only; user: only as a declared, expiring standing grant"
    why = "Access through groups survives people joining and leaving; grants to individuals are invisible in the team file and outlive their owners."
    capability = "governance: access control to sensitive data"
    fix = "Add the person to the team's group in `groups` and grant the group, or declare the person's planned access in `access.grants` (catalogue role, reason, ticket, expiry, approver)."
    severity = "HIGH"
    team_field = ("groups",)
    supported = ("google_*_iam_member", "google_*_iam_binding")

    def problems(self, conf):
        members = strings(attr(conf, "member")) + strings(conf.get("members"))
        condition = blocks(conf, "condition")
        expression = str(attr(condition[0], "expression") or "") if condition else ""
        role = str(attr(conf, "role") or "")
        standing_type = self.entity_path.rsplit(":", 2)[1] == "google_project_iam_member"
        return [
            f"principal {m} is not a group or service account"
            + (" (nor a standing grant declared in access.grants with its expiry)" if m.startswith("user:") else "")
            for m in members
            if not m.startswith(ALLOWED_PREFIXES)
            and not (is_token(m) and m.startswith("${"))
            and not (standing_type and m.startswith("user:") and declared(self.where.team, m, role, expression))
        ]


check = GroupsAndServiceAccountsOnly()
