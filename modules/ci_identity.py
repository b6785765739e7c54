"""Keyless CI: a workload identity pool trusting the CI system's OIDC tokens from one repository.

No service-account key exists anywhere: CI exchanges its OIDC token for short-lived credentials
of a deployer service account. The attribute condition admits only tokens minted for the
platform repository's protected branch, so a fork or another repository gets nothing.
"""
from __future__ import annotations

from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import IamWorkloadIdentityPoolProvider
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from stacks import names
from stacks.config import Ci

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.ref": "assertion.ref",
}


GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def attribute_condition(ci: Ci) -> str:
    """Only the platform repository's protected branch. GitHub's `sub` claim pins both at once."""
    condition = f"assertion.repository == '{ci.repository}' && assertion.ref == 'refs/heads/{ci.branch}'"
    if ci.issuer_uri == GITHUB_ISSUER:
        condition = f"assertion.sub == 'repo:{ci.repository}:ref:refs/heads/{ci.branch}' && {condition}"
    return condition


class CiIdentity(Construct):
    def __init__(self, scope: Construct, id: str, *, ci: Ci, project: str):
        super().__init__(scope, id)
        self.ci = ci
        self.pool = IamWorkloadIdentityPool(
            self, "pool",
            project=project,
            workload_identity_pool_id=names.CI_POOL,
            display_name="ModelOps CI",
            description="Short-lived credentials for the platform repository's CI; no keys.",
        )
        self.provider = IamWorkloadIdentityPoolProvider(
            self, "provider",
            project=project,
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=names.CI_PROVIDER,
            display_name="CI OIDC",
            attribute_mapping=ATTRIBUTE_MAPPING,
            attribute_condition=attribute_condition(ci),
            oidc={"issuer_uri": ci.issuer_uri},
        )
        self.deployer = ServiceAccount(
            self, "deployer",
            project=project,
            account_id=names.CI_DEPLOYER,
            display_name="platform CI deployer",
            description="Pushes serving images; impersonated by CI through workload identity federation.",
        )
        self.allow_impersonation(self, "deployer-federation", self.deployer.name)

    @property
    def principal_set(self) -> str:
        """Every CI token from the platform repository (the provider's condition narrows it to the branch)."""
        return f"principalSet://iam.googleapis.com/{self.pool.name}/attribute.repository/{self.ci.repository}"

    def allow_impersonation(self, scope: Construct, id: str, service_account_name: str) -> ServiceAccountIamMember:
        """Let CI act as ``service_account_name`` (a team deployer, from the team's stack)."""
        return ServiceAccountIamMember(scope, id, service_account_id=service_account_name,
                                       role=WORKLOAD_IDENTITY_USER, member=self.principal_set)
