"""The governance and team tables on DuckDB, as BigQuery holds them, for the demo and the scorecard SQL tests.

The audit sink's tables follow Google's BigQuery schema for exported logs
(https://cloud.google.com/logging/docs/export/bigquery): LogEntry fields keep their names (`timestamp`,
`resource.labels.project_id`), fields of a structured payload are lower-cased (`jsonpayload.result.version_id`,
from lifecycle/audit.py's event), and an audit log's payload is the record `protopayload_auditlog`, whose IAM
service data (google.iam.v1.logging.AuditData: `policy_delta`, the PolicyDelta with `binding_deltas` of action,
role, member and condition; https://cloud.google.com/iam/docs/reference/rpc/google.iam.v1.logging,
https://cloud.google.com/iam/docs/reference/rpc/google.iam.v1#google.iam.v1.PolicyDelta) is the record
`servicedata_v1_iam`. Only the fields the scorecard reads are created. Team tables and `policy_exceptions` come
from modules/metadata_tables.py, the scorecard table from modules/scorecard/queries.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from modules.bigquery_tables import Column
from modules.metadata_tables import POLICY_EXCEPTIONS, TEAM_TABLE_COLUMNS
from modules.scorecard import queries

AUDIT = (
    "timestamp TIMESTAMP, jsonpayload STRUCT(team VARCHAR, model VARCHAR, action VARCHAR, env VARCHAR, "
    "outcome VARCHAR, dry_run BOOLEAN, result STRUCT(version_id VARCHAR, rolled_back_version VARCHAR), "
    "card STRUCT(training STRUCT(data STRUCT(uri VARCHAR, snapshot VARCHAR)[], code STRUCT(repo VARCHAR, "
    '"commit" VARCHAR), dependencies STRUCT(lock_file VARCHAR, lock_sha256 VARCHAR)), '
    'prediction_code STRUCT(repo VARCHAR, "commit" VARCHAR)))'
)
ACTIVITY = (
    "timestamp TIMESTAMP, resource STRUCT(type VARCHAR, labels STRUCT(project_id VARCHAR)), "
    'protopayload_auditlog STRUCT("methodName" VARCHAR, "resourceName" VARCHAR, servicedata_v1_iam STRUCT("policyDelta" '
    'STRUCT("bindingDeltas" STRUCT(action VARCHAR, role VARCHAR, member VARCHAR, '
    "condition STRUCT(expression VARCHAR))[])))"
)
DUCK_TYPES = {
    "STRING": "VARCHAR",
    "FLOAT64": "DOUBLE",
    "INT64": "BIGINT",
    "JSON": "JSON",
    "BOOL": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP",
    "DATE": "DATE",
}


def duck_columns(columns: tuple[Column, ...]) -> str:
    def one(c: Column) -> str:
        kind = DUCK_TYPES[c.type] + ("[]" if c.mode == "REPEATED" else "")
        return f"{c.name} {kind}" + (" NOT NULL" if c.mode == "REQUIRED" else "")

    return ", ".join(one(c) for c in columns)


def create(
    execute: Callable[[str], object], project: str, governance: str, team_datasets: Iterable[tuple[str, str]]
) -> None:
    """CREATE the governance tables in ``project.governance`` and the team tables in each (catalog, dataset)."""
    execute(f"CREATE SCHEMA {project}.{governance}")
    execute(f"CREATE TABLE {project}.{governance}.{queries.AUDIT_TABLE} ({AUDIT})")
    execute(f"CREATE TABLE {project}.{governance}.{queries.ACTIVITY_TABLE} ({ACTIVITY})")
    execute(f"CREATE TABLE {project}.{governance}.{queries.EXCEPTIONS_TABLE} ({duck_columns(POLICY_EXCEPTIONS)})")
    execute(
        f"CREATE TABLE {project}.{governance}.{queries.SCORECARD_TABLE} ({duck_columns(queries.SCORECARD_COLUMNS)})"
    )
    for catalog, dataset in team_datasets:
        execute(f"CREATE SCHEMA {catalog}.{dataset}")
        for table, columns in TEAM_TABLE_COLUMNS.items():
            execute(f"CREATE TABLE {catalog}.{dataset}.{table} ({duck_columns(columns)})")
