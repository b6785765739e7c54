"""Organization-policy guardrails, attached to the organization or the folder holding ML projects.

Only built when `organization.org_id` or `organization.folder_id` is set: without either, the
platform has no node above its projects to attach policies to. Org policies are one per
constraint and parent, so exactly one platform stack owns them: the environment named by
`organization.guardrails_env` (default: the last environment in platform.yaml).
"""

from __future__ import annotations

from cdktn_provider_google.org_policy_policy import OrgPolicyPolicy, OrgPolicyPolicySpecRules
from constructs import Construct

from config.model import Organization

# Services whose data must be encrypted with customer-managed keys.
CMEK_SERVICES = (
    "aiplatform.googleapis.com",
    "bigquery.googleapis.com",
    "pubsub.googleapis.com",
    "storage.googleapis.com",
    "container.googleapis.com",
    "artifactregistry.googleapis.com",
    "logging.googleapis.com",
    "workflows.googleapis.com",
)
ENFORCED = (
    "iam.disableServiceAccountKeyCreation",
    "iam.automaticIamGrantsForDefaultServiceAccounts",
    "storage.uniformBucketLevelAccess",
    "storage.publicAccessPrevention",
)


def guardrail_parent(org: Organization) -> str | None:
    """The folder when given (narrower), else the organization, else None."""
    if org.folder_id:
        return f"folders/{org.folder_id}"
    if org.org_id:
        return f"organizations/{org.org_id}"
    return None


class OrgGuardrails(Construct):
    """Boolean constraints enforced; list constraints restrict members, locations and CMEK."""

    def __init__(
        self, scope: Construct, id: str, *, parent: str, customer_id: str | None, region: str, key_projects: list[str]
    ):
        super().__init__(scope, id)
        self.parent = parent
        self.policies: dict[str, OrgPolicyPolicy] = {}
        for constraint in ENFORCED:
            self._policy(constraint, {"enforce": "TRUE"})
        if customer_id:
            self._policy("iam.allowedPolicyMemberDomains", {"values": {"allowed_values": [customer_id]}})
        self._policy("gcp.resourceLocations", {"values": {"allowed_values": [f"in:{region}-locations"]}})
        self._policy("gcp.restrictNonCmekServices", {"values": {"denied_values": list(CMEK_SERVICES)}})
        self._policy(
            "gcp.restrictCmekCryptoKeyProjects",
            {"values": {"allowed_values": [f"under:projects/{p}" for p in key_projects]}},
        )

    def _policy(self, constraint: str, rule: dict) -> None:
        self.policies[constraint] = OrgPolicyPolicy(
            self,
            constraint.replace(".", "-"),
            name=f"{self.parent}/policies/{constraint}",
            parent=self.parent,
            spec={"rules": [OrgPolicyPolicySpecRules(**rule)]},
        )
