"""MLOPS_IAM_4: grants go to groups and service accounts, never to individual users, except the standing grants
a team file declares (`access.grants`): exactly that member, a catalogue role of that grant, on the team's own
project of that environment, with exactly the condition the team stack writes (its time window and the
catalogue's narrowing, config/access_catalogue.py standing_condition). The whole expression is compared: an
appended `|| true` or a dropped narrowing is a different expression, and so a finding."""

from __future__ import annotations

import json
import re
from functools import cache

from policies.rulebase import ResourceRule, attr, blocks, is_token, scanned_path, standing_grants, strings

ALLOWED_PREFIXES = ("group:", "serviceAccount:", "principal://", "principalSet://")
CUSTOM_ROLE_REF = re.compile(r"^\$\{google_project_iam_custom_role\.([^.}]+)\.name\}$")


@cache
def _custom_roles(stack_file: str) -> dict[str, tuple[str, str]]:
    """Logical id -> (role_id, project) of the custom roles in one synthesized stack."""
    try:
        doc = json.loads(scanned_path(stack_file).read_text())
    except (OSError, ValueError):
        return {}
    roles = (doc.get("resource") or {}).get("google_project_iam_custom_role") or {}
    return {lid: (str(c.get("role_id")), str(c.get("project"))) for lid, c in roles.items()}


def role_matches(declared: str, role: str, project: str, stack_file: str) -> bool:
    """The synthesized ``role`` is the declared one: the same predefined role, or for `custom:<id>` that custom role
    of the same project (by name, or by a reference to the custom role resource in the same stack)."""
    if not declared.startswith("custom:"):
        return role == declared
    role_id = declared.split(":", 1)[1]
    if role == f"projects/{project}/roles/{role_id}":
        return True
    ref = CUSTOM_ROLE_REF.match(role)
    return ref is not None and _custom_roles(stack_file).get(ref.group(1)) == (role_id, project)


def declared(stack: str, member: str, role: str, project: str, expression: str, stack_file: str) -> bool:
    """A declared standing grant binding matches this IAM member exactly."""
    return any(
        (s, m, p, e) == (stack, member, project, expression) and role_matches(r, role, project, stack_file)
        for s, m, r, p, e in standing_grants()
    )


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
        project = str(attr(conf, "project") or "")
        stack_file, tf_type, _ = self.entity_path.rsplit(":", 2)
        standing_type = tf_type == "google_project_iam_member"
        return [
            f"principal {m} is not a group or service account"
            + (
                " (nor exactly a standing grant declared in access.grants: member, role, team project and condition)"
                if m.startswith("user:")
                else ""
            )
            for m in members
            if not m.startswith(ALLOWED_PREFIXES)
            and not (is_token(m) and m.startswith("${"))
            and not (
                standing_type
                and m.startswith("user:")
                and declared(self.where.stack, m, role, project, expression, stack_file)
            )
        ]


check = GroupsAndServiceAccountsOnly()
