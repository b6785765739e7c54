"""What a serving pattern needs to know, passed explicitly (no reaching into stacks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdktn_provider_google.bigquery_table import BigqueryTable
from constructs import Construct

from config import names
from config.model import Model, Team
from config.names import AccountKind
from modules.bigquery_tables import TableSpec
from modules.kms import ServiceAgentKeyAccess
from modules.metadata_dataset import CmekDataset
from modules.principal import Principal


@dataclass(frozen=True)
class ModelContext:
    team: Team
    model: Model
    env: str
    project: str
    region: str
    dataset: CmekDataset  # the team metadata dataset (CMEK, protected)
    keys: Mapping[str, str]  # KMS key id per service: bigquery, vertex, pubsub, workflows
    service_accounts: Mapping[AccountKind, str]  # the team's service account email per kind
    agents: ServiceAgentKeyAccess  # the team project's service agents and their key grants
    dataset_grants: tuple = ()  # team-level write grants (dataset or table) the pattern relies on
    pii_policy_tag: str | None = None  # the team taxonomy's pii tag, for feature columns marked `pii: true`
    namespace: Any = None  # the team namespace's baseline (modules/kubernetes/namespace_baseline.py), for workloads
    image_prefix: str = ""  # `<region>-docker.pkg.dev/<platform project>/serving-images/` of this environment
    scorer_digest: str | None = None  # the platform's streaming scorer image digest (platform.yaml gke.scorer_digest)

    def image(self, path_at_digest: str) -> str:
        """A serving image of the platform registry of this environment, by digest."""
        return f"{self.image_prefix}{path_at_digest}"

    @property
    def labels(self) -> dict[str, str]:
        return {
            "team": self.team.name,
            "model": self.model.name,
            "env": self.env,
            "business_owner": names.email_label(self.model.impact.owner),
            "data_class": self.team.data_classification,
        }

    def member(self, kind: AccountKind) -> str:
        return f"serviceAccount:{self.service_accounts[kind]}"

    def principal(self, kind: AccountKind) -> Principal:
        """One of the team's service accounts as a grant principal (slug = its kind)."""
        return Principal.team_account(kind, self.service_accounts[kind])

    def resource_name(self, suffix: str = "") -> str:
        return names.model_resource_name(self.team.name, self.model.name, suffix)

    def add_table(self, scope: Construct, id: str, spec: TableSpec) -> BigqueryTable:
        """A table of the model in the team dataset (CMEK, protected, partitioned, pii columns tagged)."""
        return self.dataset.add_table(spec, pii_policy_tag=self.pii_policy_tag, scope=scope, id=id, labels=self.labels)

    def table_uri(self, table_id: str) -> str:
        return f"bq://{self.project}.{self.dataset.dataset_id}.{table_id}"
