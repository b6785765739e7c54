"""MLOPS_IAM_6: no project-wide impersonation or key administration."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

IMPERSONATION = {"roles/iam.serviceAccountTokenCreator", "roles/iam.serviceAccountKeyAdmin"}


class NoTokenCreatorAtProject(ResourceRule):
    id = "MLOPS_IAM_6"
    title = "No serviceAccountTokenCreator or serviceAccountKeyAdmin at project, folder or organisation level"
    why = "At project level these roles let the holder act as every service account in the project, bypassing every other grant."
    capability = "governance: access control to sensitive data"
    fix = "Grant the role on the one service account that needs it (google_service_account_iam_member)."
    severity = "HIGH"
    supported = (
        "google_project_iam_member",
        "google_project_iam_binding",
        "google_folder_iam_member",
        "google_folder_iam_binding",
        "google_organization_iam_member",
        "google_organization_iam_binding",
    )

    def problems(self, conf):
        role = attr(conf, "role")
        return [f"{role} granted on the whole {self.entity_type.split('_')[1]}"] if role in IMPERSONATION else []


check = NoTokenCreatorAtProject()
