"""A team's service accounts: serving, pipeline and CI deployer. Never keys."""
from __future__ import annotations

from cdktn_provider_google.service_account import ServiceAccount
from constructs import Construct

from config import names

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
                self, role,
                account_id=names.service_account_id(team, role),
                display_name=f"{team} {role}",
                description=PURPOSES[role],
                project=project,
            )
            for role in names.TEAM_SERVICE_ACCOUNTS
        }

    def member(self, role: str) -> str:
        return f"serviceAccount:{self.accounts[role].email}"

    def email(self, role: str) -> str:
        return self.accounts[role].email
