"""MLOPS_IAM_4: grants go to groups and service accounts, never to individual users."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, is_token, strings

ALLOWED_PREFIXES = ("group:", "serviceAccount:", "principal://", "principalSet://")


class GroupsAndServiceAccountsOnly(ResourceRule):
    id = "MLOPS_IAM_4"
    title = "Grants go to group: or serviceAccount: principals only, never user:"
    why = "Access through groups survives people joining and leaving; grants to individuals are invisible in the team file and outlive their owners."
    capability = "governance: access control to sensitive data"
    fix = "Add the person to the team's group in `groups` and grant the group."
    severity = "HIGH"
    team_field = ("groups",)
    supported = ("google_*_iam_member", "google_*_iam_binding")

    def problems(self, conf):
        members = strings(attr(conf, "member")) + strings(conf.get("members"))
        return [
            f"principal {m} is not a group or service account"
            for m in members
            if not m.startswith(ALLOWED_PREFIXES) and not (is_token(m) and m.startswith("${"))
        ]


check = GroupsAndServiceAccountsOnly()
