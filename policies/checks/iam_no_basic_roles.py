"""MLOPS_IAM_2: no basic roles (owner, editor, viewer)."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, blocks, policy_bindings

BASIC = {"roles/owner", "roles/editor", "roles/viewer"}
LEGACY_DATASET_ROLES = {"OWNER", "WRITER", "READER"}


class NoBasicRoles(ResourceRule):
    id = "MLOPS_IAM_2"
    title = "No basic roles (roles/owner, roles/editor, roles/viewer)"
    why = "Basic roles grant thousands of permissions across every service in the project; least privilege needs predefined roles."
    capability = "governance: access control to sensitive data"
    fix = "Use a predefined role (e.g. roles/bigquery.dataViewer, roles/aiplatform.user) through a construct's grant method."
    severity = "HIGH"
    supported = ("google_*_iam_member", "google_*_iam_binding", "google_*_iam_policy", "google_bigquery_dataset")

    def problems(self, conf):
        roles = [attr(conf, "role")] + [b.get("role") for b in policy_bindings(attr(conf, "policy_data"))]
        found = [f"basic role {r}" for r in roles if r in BASIC]
        for entry in blocks(conf, "access"):
            role = attr(entry, "role")
            if role in BASIC or role in LEGACY_DATASET_ROLES:
                found.append(f"dataset access block grants basic role {role}")
        return found


check = NoBasicRoles()
