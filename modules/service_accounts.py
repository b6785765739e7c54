"""A team's service accounts: serving, pipeline and CI deployer. Never keys."""

from __future__ import annotations

from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from config import names
from config.names import AccountKind
from modules.principal import Principal

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
PURPOSES = {
    "serving": "Runs the team's online models (Vertex AI endpoints, GKE namespace via Workload Identity).",
    "pipeline": "Runs batch prediction, scheduled quality jobs and streaming subscriptions.",
    "deployer": "Used by CI (keyless, via workload identity federation) to register and deploy models.",
}


class TeamServiceAccounts(Construct):
    def __init__(self, scope: Construct, id: str, *, team: str, project: str):
        super().__init__(scope, id)
        self.accounts: dict[str, ServiceAccount] = {
            role: ServiceAccount(
                self,
                role,
                account_id=names.service_account_id(team, role),
                display_name=f"{team} {role}",
                description=PURPOSES[role],
                project=project,
            )
            for role in names.TEAM_SERVICE_ACCOUNTS
        }

    def member(self, role: str) -> str:
        return f"serviceAccount:{self.accounts[role].email}"

    def principal(self, kind: AccountKind) -> Principal:
        return Principal.team_account(kind, self.accounts[kind].email)

    def grant_workload_identity_user(
        self, principal: Principal, kind: AccountKind, *, scope: Construct | None = None, id: str | None = None
    ) -> ServiceAccountIamMember:
        """Let ``principal`` act as the team's ``kind`` account through workload identity federation (CI).
        ``scope`` (default: these accounts) and ``id`` (default `<slug>-<kind>-workload-identity-user`) place
        the grant."""
        return ServiceAccountIamMember(
            scope or self,
            id or f"{principal.slug}-{kind}-workload-identity-user",
            service_account_id=self.accounts[kind].name,
            role=WORKLOAD_IDENTITY_USER,
            member=principal.member,
        )

    def email(self, role: str) -> str:
        return self.accounts[role].email
