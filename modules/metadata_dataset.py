"""A team's BigQuery metadata dataset: CMEK, protected from deletion, grants as methods."""
from __future__ import annotations

from cdktn_provider_google.bigquery_dataset import BigqueryDataset, BigqueryDatasetDefaultEncryptionConfiguration
from cdktn_provider_google.bigquery_dataset_iam_member import BigqueryDatasetIamMember
from cdktn_provider_google.data_google_bigquery_default_service_account import DataGoogleBigqueryDefaultServiceAccount
from constructs import Construct

from modules.kms import grant_encrypt_decrypt

READ_ROLE = "roles/bigquery.dataViewer"
WRITE_ROLE = "roles/bigquery.dataEditor"


class CmekDataset(Construct):
    """A dataset encrypted with the given key, whose BigQuery service agent may use that key only."""

    def __init__(self, scope: Construct, id: str, *, dataset_id: str, project: str, location: str,
                 kms_key_id: str, description: str, max_time_travel_hours: int = 168):
        super().__init__(scope, id)
        agent = DataGoogleBigqueryDefaultServiceAccount(self, "bq-agent", project=project)
        self.key_grant = grant_encrypt_decrypt(self, "bq-agent-key", key_id=kms_key_id,
                                               member=f"serviceAccount:{agent.email}")
        self.kms_key_id = kms_key_id
        self.project = project
        self.dataset = BigqueryDataset(
            self, "dataset",
            dataset_id=dataset_id,
            project=project,
            location=location,
            description=description,
            default_encryption_configuration=BigqueryDatasetDefaultEncryptionConfiguration(kms_key_name=kms_key_id),
            max_time_travel_hours=str(max_time_travel_hours),
            delete_contents_on_destroy=False,
            deletion_policy="PREVENT",
            lifecycle={"prevent_destroy": True},
            depends_on=[self.key_grant],
        )

    @property
    def dataset_id(self) -> str:
        return self.dataset.dataset_id

    def _grant(self, role: str, member: str, slug: str) -> BigqueryDatasetIamMember:
        return BigqueryDatasetIamMember(self, f"{slug}-{role.rsplit('.', 1)[-1]}", dataset_id=self.dataset.dataset_id,
                                        project=self.project, role=role, member=member)

    def grant_read(self, member: str, slug: str) -> BigqueryDatasetIamMember:
        return self._grant(READ_ROLE, member, slug)

    def grant_write(self, member: str, slug: str) -> BigqueryDatasetIamMember:
        return self._grant(WRITE_ROLE, member, slug)
