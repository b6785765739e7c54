"""CMEK BigQuery datasets (team metadata, platform governance): protected from deletion, grants as methods."""

from __future__ import annotations

from cdktn_provider_google.bigquery_dataset import BigqueryDataset, BigqueryDatasetDefaultEncryptionConfiguration
from cdktn_provider_google.bigquery_dataset_iam_member import BigqueryDatasetIamMember
from cdktn_provider_google.bigquery_table import BigqueryTable
from cdktn_provider_google.bigquery_table_iam_member import BigqueryTableIamMember
from cdktn_provider_google.data_google_bigquery_default_service_account import DataGoogleBigqueryDefaultServiceAccount
from constructs import Construct

from modules.bigquery_tables import DAY_MS, TableSpec, schema_json
from modules.kms import PlatformKeys
from modules.principal import Principal

READ_ROLE = "roles/bigquery.dataViewer"
WRITE_ROLE = "roles/bigquery.dataEditor"


class CmekDataset(Construct):
    """A dataset encrypted with the platform's BigQuery key, whose BigQuery service agent may use that key only.

    Tables are added with ``add_table`` and exposed by name in ``tables``.

    ``max_time_travel_hours`` (default 168, BigQuery's maximum of 7 days) keeps deleted or overwritten rows
    recoverable. ``grant_key`` (default True) grants this project's BigQuery agent the key; False when the
    keys belong to another project's stack: that stack grants the agent (modules/team_platform_access.py)
    and is applied first.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        dataset_id: str,
        project: str,
        location: str,
        keys: PlatformKeys,
        description: str,
        max_time_travel_hours: int = 168,
        grant_key: bool = True,
    ):
        super().__init__(scope, id)
        kms_key_id = keys.key("bigquery").id
        self.key_grant = None
        if grant_key:
            agent = DataGoogleBigqueryDefaultServiceAccount(self, "bq-agent", project=project)
            self.key_grant = keys.grant_encrypt_decrypt(
                Principal.service_account(agent.email, "bq-agent"), "bigquery", scope=self, id="bq-agent-key"
            )
        self.kms_key_id = kms_key_id
        self.project = project
        self.name = dataset_id  # plain string: other stacks grant on it without a remote-state lookup
        self.location = location
        self.tables: dict[str, BigqueryTable] = {}
        self.specs: dict[str, TableSpec] = {}
        self._table_scopes: dict[str, tuple[Construct, str]] = {}
        # (principal, table names or None for every table): readers granted per table, never on the
        # dataset, so tables that other services create in the dataset stay closed to them.
        self._table_readers: list[tuple[Principal, frozenset[str] | None]] = []
        self.dataset = BigqueryDataset(
            self,
            "dataset",
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

    def add_table(
        self,
        spec: TableSpec,
        *,
        pii_policy_tag: str | None = None,
        scope: Construct | None = None,
        id: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> BigqueryTable:
        """A day-partitioned, clustered, CMEK table that Terraform refuses to delete.

        Schema changes must stay additive: the provider replaces a table when a column is
        removed or retyped, and ``deletion_protection`` then stops the apply instead of losing data.
        A table that belongs to one model is created in that model's construct (``scope``, ``id``),
        so its address comes from the model's name and goes away with the model only.
        """
        if spec.name in self.tables:
            raise ValueError(f"table {spec.name} is already in dataset {self.name}")
        partitioning: dict[str, object] = {"type": "DAY", "field": spec.partition_field}
        if spec.expiration_days is not None:
            partitioning["expiration_ms"] = spec.expiration_days * DAY_MS
        table = BigqueryTable(
            scope or self,
            id or spec.name,
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
        for principal, only in self._table_readers:
            if only is None or spec.name in only:
                self._grant_table_read(spec.name, principal)
        return table

    def grant_tables_read(self, principal: Principal, *, only: tuple[str, ...] | None = None) -> None:
        """Read access to every table Terraform creates in this dataset (``only`` the named ones; default: all),
        now and when later tables are added, granted table by table and never on the dataset.

        Tables that services create on their own in the dataset (Vertex AI's `request_log_<model>` with raw
        request payloads, batch `predictions_*`) carry no policy tags; a dataset-level reader would read
        them, a table-level reader cannot (https://cloud.google.com/bigquery/docs/control-access-to-resources-iam,
        table-level access).
        """
        only_set = frozenset(only) if only is not None else None
        self._table_readers.append((principal, only_set))
        for name in list(self.tables):
            if only_set is None or name in only_set:
                self._grant_table_read(name, principal)

    def _grant_table_read(self, table_name: str, principal: Principal) -> BigqueryTableIamMember:
        scope, table_id = self._table_scopes[table_name]
        return BigqueryTableIamMember(
            scope,
            f"{table_id}-{principal.slug}-{_short(READ_ROLE)}",
            project=self.project,
            dataset_id=self.dataset.dataset_id,
            table_id=self.tables[table_name].table_id,
            role=READ_ROLE,
            member=principal.member,
        )

    def grant_table_append(self, principal: Principal, table_name: str, *, role: str) -> BigqueryTableIamMember:
        """Append-only access to one table: ``role`` is the custom appender role (its name is a reference, so
        the grant waits for the role); id `<slug>-<table>-appender`."""
        return BigqueryTableIamMember(
            self,
            f"{principal.slug}-{table_name}-appender",
            project=self.project,
            dataset_id=self.dataset.dataset_id,
            table_id=self.tables[table_name].table_id,
            role=role,
            member=principal.member,
        )

    def grant_role(self, principal: Principal, role: str) -> BigqueryDatasetIamMember:
        """Additive dataset-level grant of a `roles/bigquery.*` role; logical id from slug and role."""
        return BigqueryDatasetIamMember(
            self,
            f"{principal.slug}-{_short(role)}",
            dataset_id=self.dataset.dataset_id,
            project=self.project,
            role=role,
            member=principal.member,
        )

    def grant_read(self, principal: Principal) -> BigqueryDatasetIamMember:
        return self.grant_role(principal, READ_ROLE)

    def grant_write(
        self, principal: Principal, *, scope: Construct | None = None, id: str | None = None
    ) -> BigqueryDatasetIamMember:
        """Dataset-wide write, here (id `<slug>-dataEditor`) or from another stack: ``scope`` (default: this
        dataset; e.g. the platform stack granting a team project's log sink writer on the governance dataset)
        with the caller's fixed ``id`` (no default there); the dataset is referenced by its plain name, so that
        stack needs no remote-state lookup."""
        if scope is None:
            return self.grant_role(principal, WRITE_ROLE)
        if id is None:
            raise ValueError("a grant made from another scope needs the caller's fixed logical id")
        return BigqueryDatasetIamMember(
            scope, id, dataset_id=self.name, project=self.project, role=WRITE_ROLE, member=principal.member
        )

    def grant_table_write(
        self, principal: Principal, table_name: str, *, scope: Construct | None = None
    ) -> BigqueryTableIamMember:
        """Write access to one table of this dataset (added with ``add_table``), not to the whole dataset.

        For writers that only append to a table that already exists (a BigQuery subscription, a
        scoring service); ``scope`` (default: this dataset) puts the grant next to the model it serves.
        """
        table = self.tables[table_name]
        return BigqueryTableIamMember(
            scope or self,
            f"{principal.slug}-{table_name}-{_short(WRITE_ROLE)}",
            project=self.project,
            dataset_id=self.dataset.dataset_id,
            table_id=table.table_id,
            role=WRITE_ROLE,
            member=principal.member,
        )


def _short(role: str) -> str:
    """`roles/bigquery.dataViewer` -> `dataViewer`: the role's part of a grant's logical id."""
    return role.rsplit(".", 1)[-1]
