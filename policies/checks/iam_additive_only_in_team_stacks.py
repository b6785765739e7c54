"""MLOPS_IAM_3: team stacks use additive IAM only."""

from __future__ import annotations

from policies.rulebase import ResourceRule, blocks


class AdditiveIamInTeamStacks(ResourceRule):
    id = "MLOPS_IAM_3"
    title = "No authoritative IAM (*_iam_binding, *_iam_policy, dataset access blocks) in team stacks"
    why = "Authoritative IAM replaces every other grant of the role or resource, silently removing the platform's and other teams' access."
    capability = "governance: access control to sensitive data"
    fix = "Use the construct's grant method, which creates additive *_iam_member resources."
    severity = "HIGH"
    supported = ("google_*_iam_binding", "google_*_iam_policy", "google_bigquery_dataset")

    def problems(self, conf):
        if self.where.kind != "team":
            return []
        if self.entity_type == "google_bigquery_dataset":
            return ["authoritative access blocks on a dataset"] if blocks(conf, "access") else []
        return [f"authoritative IAM resource {self.entity_type}"]


check = AdditiveIamInTeamStacks()
