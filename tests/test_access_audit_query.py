"""The auditor's just-in-time access query (docs/access.md) runs on the shape the BigQuery export gives Cloud
Audit Logs (https://cloud.google.com/logging/docs/export/bigquery: the LogEntry's `protoPayload` as the column
`protopayload_auditlog`, its request as the JSON string `requestJson`; `resource.labels` a struct), transpiled
with sqlglot to DuckDB, with known answers."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

DOC = Path(__file__).resolve().parents[1] / "docs" / "access.md"
TABLE = "cloudaudit_googleapis_com_activity"


def _bigquery_type(field, seen: tuple[str, ...] = ()) -> str | None:
    """A protobuf field as the BigQuery export types it (https://cloud.google.com/logging/docs/export/bigquery):
    nested messages become RECORDs, repeated fields REPEATED, google.protobuf.Struct payloads JSON strings
    (`request` -> `requestJson`, handled by the caller), Timestamps TIMESTAMP. google.protobuf.Any and maps are
    left out: the query reads neither."""
    from google.protobuf.descriptor import FieldDescriptor as F

    if field.message_type is not None:
        name = field.message_type.full_name
        if field.message_type.GetOptions().map_entry or name == "google.protobuf.Any" or name in seen:
            return None
        if name == "google.protobuf.Timestamp":
            kind = "TIMESTAMP"
        else:
            members = _record(field.message_type, (*seen, name))
            if not members:
                return None
            kind = f"STRUCT({members})"
    else:
        kind = {F.TYPE_BOOL: "BOOLEAN", F.TYPE_INT32: "BIGINT", F.TYPE_INT64: "BIGINT", F.TYPE_DOUBLE: "DOUBLE"}.get(
            field.type, "VARCHAR"
        )
    return f"{kind}[]" if field.is_repeated else kind


def _record(descriptor, seen: tuple[str, ...] = ()) -> str:
    columns = []
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.full_name == "google.protobuf.Struct":
            columns.append(f'"{field.json_name}Json" VARCHAR')
        elif (kind := _bigquery_type(field, seen)) is not None:
            columns.append(f'"{field.json_name}" {kind}')
    return ", ".join(columns)


def shape() -> str:
    """The sunk activity table as the export writes it, from Google's own message definition of the audit payload
    (google.cloud.audit.AuditLog, package google-cloud-audit-log), not from the query's column list: LogEntry's
    `timestamp`, `resource` (a MonitoredResource: `type` and its labels as a RECORD, for audited_resource
    `project_id`, `service`, `method`), and `protoPayload` as `protopayload_auditlog`."""
    from google.cloud.audit import audit_log_pb2

    return (
        "timestamp TIMESTAMP, "
        "resource STRUCT(type VARCHAR, labels STRUCT(project_id VARCHAR, service VARCHAR, method VARCHAR)), "
        f"protopayload_auditlog STRUCT({_record(audit_log_pb2.AuditLog.DESCRIPTOR)})"
    )


SERVICE = "google.cloud.privilegedaccessmanager.v1.PrivilegedAccessManager."
GRANT = "projects/acme-fraud-prod/locations/global/entitlements/modelops-pii-reader/grants/g1"


def query() -> str:
    [sql] = [b for b in re.findall(r"```sql\n(.*?)```", DOC.read_text(), re.S) if "privilegedaccessmanager" in b]
    return sql


def test_the_query_reads_only_the_sunk_activity_table():
    statements = [s for s in sqlglot.parse(query(), read="bigquery") if s is not None]
    assert {t.name for s in statements for t in s.find_all(exp.Table)} == {TABLE}


def test_the_query_answers_who_asked_for_how_long_why_and_who_decided():
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    rows = [
        (now - datetime.timedelta(hours=3), "privilegedaccessmanager.googleapis.com", "CreateGrant", "ana@acme.example",
         {"parent": GRANT.rsplit("/grants/", 1)[0], "grant": {"requestedDuration": "14400s",
          "justification": {"unstructuredJustification": "case 4711"}}}),
        (now - datetime.timedelta(hours=2), "privilegedaccessmanager.googleapis.com", "ApproveGrant",
         "maria.rossi@acme.example", {"name": GRANT, "reason": "ok for the complaint"}),
        (now - datetime.timedelta(hours=1), "privilegedaccessmanager.googleapis.com", "RevokeGrant",
         "lee@acme.example", {"name": GRANT, "reason": "done"}),
        (now - datetime.timedelta(hours=1), "bigquery.googleapis.com", "InsertJob", "ana@acme.example", {}),
        (now - datetime.timedelta(days=120), "privilegedaccessmanager.googleapis.com", "CreateGrant", "old@acme.example", {}),
    ]  # fmt: skip
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("ATTACH ':memory:' AS \"acme-mlops-prod\"")
    con.execute('CREATE SCHEMA "acme-mlops-prod".acme_mlops_governance')
    con.execute(f'CREATE TABLE "acme-mlops-prod".acme_mlops_governance.{TABLE} ({shape()})')
    payload = con.execute(
        f"SELECT data_type FROM information_schema.columns WHERE table_name = '{TABLE}' "
        "AND column_name = 'protopayload_auditlog'"
    ).fetchone()[0]
    for ts, service, method, who, request in rows:
        con.execute(
            f'INSERT INTO "acme-mlops-prod".acme_mlops_governance.{TABLE} '
            "(timestamp, resource, protopayload_auditlog) VALUES "
            "(?, {'type': 'audited_resource', 'labels': {'project_id': 'acme-fraud-prod'}}, "
            "{'serviceName': ?, 'methodName': ?, 'resourceName': ?, 'authenticationInfo': {'principalEmail': ?}, "
            f"'requestJson': ?}}::{payload})",
            [ts, service, SERVICE + method, GRANT, who, json.dumps(request)],
        )
    [statement] = [s for s in sqlglot.parse(query(), read="bigquery") if s is not None and s.find(exp.Select)]
    got = con.execute(statement.sql(dialect="duckdb")).fetchall()
    assert [(r[2], r[3], r[5], r[6], r[7]) for r in got] == [
        ("CreateGrant", "ana@acme.example", "14400s", "case 4711", None),
        ("ApproveGrant", "maria.rossi@acme.example", None, None, "ok for the complaint"),
        ("RevokeGrant", "lee@acme.example", None, None, "done"),
    ]
    assert {r[1] for r in got} == {"acme-fraud-prod"}
