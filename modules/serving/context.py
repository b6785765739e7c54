"""What a serving pattern needs to know, passed explicitly (no reaching into stacks)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from modules.kms import ServiceAgentKeyAccess
from modules.metadata_dataset import CmekDataset
from stacks import names
from stacks.config import Model, Team


@dataclass(frozen=True)
class ModelContext:
    team: Team
    model: Model
    env: str
    project: str
    region: str
    dataset: CmekDataset                 # the team metadata dataset (CMEK, protected)
    keys: Mapping[str, str]              # KMS key id per service: bigquery, vertex, pubsub, workflows
    service_accounts: Mapping[str, str]  # team service account email per role: serving, pipeline, deployer
    agents: ServiceAgentKeyAccess        # the team project's service agents and their key grants
    dataset_grants: tuple = ()           # team-level dataset grants the pattern's writers rely on

    @property
    def labels(self) -> dict[str, str]:
        return {
            "team": self.team.name,
            "model": self.model.name,
            "env": self.env,
            "business_owner": names.email_label(self.model.impact.owner),
            "data_class": self.team.data_classification,
        }

    def member(self, role: str) -> str:
        return f"serviceAccount:{self.service_accounts[role]}"

    def resource_name(self, suffix: str = "") -> str:
        return names.model_resource_name(self.team.name, self.model.name, suffix)

    def table_uri(self, table_id: str) -> str:
        return f"bq://{self.project}.{self.dataset.dataset_id}.{table_id}"
