"""MLOPS_IAM_1: nobody outside the organisation is granted anything."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, blocks, policy_bindings, strings

PUBLIC = {"allUsers", "allAuthenticatedUsers", "principalSet://goog/public:all"}


class NoPublicPrincipals(ResourceRule):
    id = "MLOPS_IAM_1"
    title = "No public principals (allUsers, allAuthenticatedUsers)"
    why = "A public grant exposes models, predictions or data to the whole internet."
    capability = "governance: access control to sensitive data"
    fix = "Grant a team group or service account instead; public access is never allowed."
    severity = "CRITICAL"
    supported = (
        "google_*_iam_member",
        "google_*_iam_binding",
        "google_*_iam_policy",
        "google_bigquery_dataset",
        "google_bigquery_dataset_access",
    )

    def problems(self, conf):
        members = strings(attr(conf, "member")) + strings(conf.get("members"))
        for binding in policy_bindings(attr(conf, "policy_data")):
            members += strings(binding.get("members"))
        for entry in blocks(conf, "access") + [conf]:
            members += strings(attr(entry, "special_group")) + strings(attr(entry, "iam_member"))
        return [f"public principal {m}" for m in sorted(set(members) & PUBLIC)]


check = NoPublicPrincipals()
