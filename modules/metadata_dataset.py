"""CMEK BigQuery datasets (team metadata, platform governance): protected from deletion, grants as methods."""
from __future__ import annotations

from cdktn_provider_google.bigquery_dataset import BigqueryDataset, BigqueryDatasetDefaultEncryptionConfiguration
from cdktn_provider_google.bigquery_dataset_iam_member import BigqueryDatasetIamMember
from cdktn_provider_google.bigquery_table import BigqueryTable
from cdktn_provider_google.bigquery_table_iam_member import BigqueryTableIamMember
from cdktn_provider_google.data_google_bigquery_default_service_account import DataGoogleBigqueryDefaultServiceAccount
from constructs import Construct

from modules.bigquery_tables import DAY_MS, TableSpec, schema_json
from modules.kms import grant_encrypt_decrypt

READ_ROLE = "roles/bigquery.dataViewer"
WRITE_ROLE = "roles/bigquery.dataEditor"


class CmekDataset(Construct):
    """A dataset encrypted with the given key, whose BigQuery service agent may use that key only.

    Tables are added with ``add_table`` and exposed by name in ``tables``.

    ``grant_key=False`` when the key belongs to another project's stack: that stack grants this
    project's BigQuery agent (modules/team_platform_access.py), and is applied first.
    """

    def __init__(self, scope: Construct, id: str, *, dataset_id: str, project: str, location: str,
                 kms_key_id: str, description: str, max_time_travel_hours: int = 168, grant_key: bool = True):
        super().__init__(scope, id)
        self.key_grant = None
        if grant_key:
            agent = DataGoogleBigqueryDefaultServiceAccount(self, "bq-agent", project=project)
            self.key_grant = grant_encrypt_decrypt(self, "bq-agent-key", key_id=kms_key_id,
                                                   member=f"serviceAccount:{agent.email}")
        self.kms_key_id = kms_key_id
        self.project = project
        self.name = dataset_id  # plain string: other stacks grant on it without a remote-state lookup
        self.location = location
        self.tables: dict[str, BigqueryTable] = {}
        self.specs: dict[str, TableSpec] = {}
        self._table_scopes: dict[str, tuple[Construct, str]] = {}
        # (member, slug, table names or None for every table): readers granted per table, never on the
        # dataset, so tables that other services create in the dataset stay closed to them.
        self._table_readers: list[tuple[str, str, frozenset[str] | None]] = []
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
            depends_on=[self.key_grant] if self.key_grant else None,
        )

    @property
    def dataset_id(self) -> str:
        return self.dataset.dataset_id

    def add_table(self, spec: TableSpec, *, pii_policy_tag: str | None = None, scope: Construct | None = None,
                  id: str | None = None, labels: dict[str, str] | None = None) -> BigqueryTable:
        """A day-partitioned, clustered, CMEK table that Terraform refuses to delete.

        Schema changes must stay additive: the provider replaces a table when a column is
        removed or retyped, and ``deletion_protection`` then stops the apply instead of losing data.
        A table that belongs to one model is created in that model's construct (``scope``, ``id``),
        so its address comes from the model's name and goes away with the model only.
        """
        if spec.name in self.tables:
            raise ValueError(f"table {spec.name} is already in dataset {self.name}")
        partitioning = {"type": "DAY", "field": spec.partition_field}
        if spec.expiration_days is not None:
            partitioning["expiration_ms"] = spec.expiration_days * DAY_MS
        table = BigqueryTable(
            scope or self, id or spec.name,
            project=self.project,
            dataset_id=self.dataset.dataset_id,
            table_id=spec.name,
            description=spec.description,
            schema=schema_json(spec, pii_policy_tag),
            time_partitioning=partitioning,
            require_partition_filter=spec.require_partition_filter,
            clustering=list(spec.clustering),
            encryption_configuration={"kms_key_name": self.kms_key_id},
            deletion_protection=True,
            lifecycle={"prevent_destroy": True},
            labels=labels,
        )
        self.tables[spec.name] = table
        self.specs[spec.name] = spec
        self._table_scopes[spec.name] = (scope or self, id or spec.name)
        for member, slug, only in self._table_readers:
            if only is None or spec.name in only:
                self._grant_table_read(spec.name, member, slug)
        return table

    def grant_tables_read(self, member: str, slug: str, only: tuple[str, ...] | None = None) -> None:
        """Read access to every table Terraform creates in this dataset (or only the named ones), now and
        when later tables are added, granted table by table and never on the dataset.

        Tables that services create on their own in the dataset (Vertex AI's `request_log_<model>` with raw
        request payloads, batch `predictions_*`) carry no policy tags; a dataset-level reader would read
        them, a table-level reader cannot (https://cloud.google.com/bigquery/docs/control-access-to-resources-iam,
        table-level access).
        """
        only_set = frozenset(only) if only is not None else None
        self._table_readers.append((member, slug, only_set))
        for name in list(self.tables):
            if only_set is None or name in only_set:
                self._grant_table_read(name, member, slug)

    def _grant_table_read(self, table_name: str, member: str, slug: str) -> BigqueryTableIamMember:
        scope, table_id = self._table_scopes[table_name]
        return BigqueryTableIamMember(scope, f"{table_id}-{slug}-{READ_ROLE.rsplit('.', 1)[-1]}",
                                      project=self.project, dataset_id=self.dataset.dataset_id,
                                      table_id=self.tables[table_name].table_id, role=READ_ROLE, member=member)

    def grant_table_role(self, table_name: str, role: str, member: str, id: str, *,
                         scope: Construct | None = None) -> BigqueryTableIamMember:
        """Any role (e.g. a custom append-only role, whose name is a reference) on one table of this dataset."""
        return BigqueryTableIamMember(scope or self, id, project=self.project, dataset_id=self.dataset.dataset_id,
                                      table_id=self.tables[table_name].table_id, role=role, member=member)

    def grant(self, role: str, member: str, slug: str) -> BigqueryDatasetIamMember:
        """Additive dataset-level grant of a `roles/bigquery.*` role; logical id from slug and role."""
        return BigqueryDatasetIamMember(self, f"{slug}-{role.rsplit('.', 1)[-1]}", dataset_id=self.dataset.dataset_id,
                                        project=self.project, role=role, member=member)

    def grant_read(self, member: str, slug: str) -> BigqueryDatasetIamMember:
        return self.grant(READ_ROLE, member, slug)

    def grant_write(self, member: str, slug: str) -> BigqueryDatasetIamMember:
        return self.grant(WRITE_ROLE, member, slug)

    def grant_table_write(self, table_name: str, member: str, slug: str, *,
                          scope: Construct | None = None) -> BigqueryTableIamMember:
        """Write access to one table of this dataset (added with ``add_table``), not to the whole dataset.

        For writers that only append to a table that already exists (a BigQuery subscription, a
        scoring service); ``scope`` puts the grant next to the model it serves.
        """
        table = self.tables[table_name]
        return BigqueryTableIamMember(scope or self, f"{slug}-{table_name}-{WRITE_ROLE.rsplit('.', 1)[-1]}",
                                      project=self.project, dataset_id=self.dataset.dataset_id,
                                      table_id=table.table_id, role=WRITE_ROLE, member=member)

    def grant_write_from(self, scope: Construct, id: str, member: str) -> BigqueryDatasetIamMember:
        """Write access granted from another stack (``scope``), e.g. a team project's log sink writer."""
        return BigqueryDatasetIamMember(scope, id, dataset_id=self.name, project=self.project,
                                        role=WRITE_ROLE, member=member)
