"""The scorecard on a platform Cloud Logging has not filled yet: the log-sink tables have only the fields of the
entries routed so far (https://cloud.google.com/logging/docs/export/bigquery: a field's column is added when the
first entry carrying it arrives), or the audit table does not exist. The groups must still run and give the
measures the events allow: nothing where no event says anything.
"""

from __future__ import annotations

import datetime

import pytest

from modules.scorecard import queries
from tests.scorecard.duck import SOURCES as SOURCES_
from tests.scorecard.duck import ScorecardDuck, measures
from tests.scorecard.test_scorecard_sql import MODELS, _usage

# No rollback yet (no result.rolled_back_version), no card yet (no card), no conditional binding (no condition).
YOUNG_AUDIT = (
    "timestamp TIMESTAMP, jsonpayload STRUCT(team VARCHAR, model VARCHAR, action VARCHAR, env VARCHAR, "
    "outcome VARCHAR, dry_run BOOLEAN, result STRUCT(version_id VARCHAR))"
)
YOUNG_ACTIVITY = (
    "timestamp TIMESTAMP, resource STRUCT(type VARCHAR, labels STRUCT(project_id VARCHAR)), "
    'protopayload_auditlog STRUCT("methodName" VARCHAR, "resourceName" VARCHAR, servicedata_v1_iam '
    'STRUCT("policyDelta" STRUCT("bindingDeltas" STRUCT(action VARCHAR, role VARCHAR, member VARCHAR)[])))'
)


def _young(duck: ScorecardDuck) -> None:
    for table, ddl in ((queries.AUDIT_TABLE, YOUNG_AUDIT), (queries.ACTIVITY_TABLE, YOUNG_ACTIVITY)):
        duck.con.execute(f"DROP TABLE p.g.{table}")
        duck.con.execute(f"CREATE TABLE p.g.{table} ({ddl})")


def _event(duck: ScorecardDuck, when: str, name: str, action: str, version: str) -> None:
    payload = {"team": "ledger", "model": name, "action": action, "env": "prod", "outcome": "succeeded"}
    payload |= {"dry_run": False, "result": {"version_id": version}}
    duck.insert(
        f"p.g.{queries.AUDIT_TABLE}", [{"timestamp": datetime.datetime.fromisoformat(when), "jsonpayload": payload}]
    )


@pytest.fixture
def young() -> ScorecardDuck:
    duck = ScorecardDuck()
    _young(duck)
    _event(duck, "2026-11-01 10:00", "pay-scorer", "register", "1")
    _event(duck, "2026-11-03 10:00", "pay-scorer", "promote", "1")  # lead time 48 h
    duck.insert(
        f"p.g.{queries.ACTIVITY_TABLE}",
        [
            {
                "timestamp": datetime.datetime(2026, 11, 5, 9),
                "resource": {"type": "project", "labels": {"project_id": "orbit-ledger-prod"}},
                "protopayload_auditlog": {
                    "methodName": "SetIamPolicy",
                    "resourceName": "projects/orbit-ledger-prod",
                    "servicedata_v1_iam": {
                        "policyDelta": {
                            "bindingDeltas": [
                                {"action": "ADD", "role": "roles/viewer", "member": "user:a@orbit.example"}
                            ]
                        }
                    },
                },
            }
        ],
    )
    return duck


def test_delivery_without_rollbacks_or_cards_in_the_log_table(young):
    rows = young.run("delivery", MODELS)
    assert measures(rows, "deployments") == {("ledger", "pay-scorer", None): 1}
    assert measures(rows, "rollbacks") == {("ledger", "pay-scorer", None): 0}
    assert measures(rows, "lead_time_hours") == pytest.approx(
        {("ledger", "pay-scorer", None): 48.0, (None, None, None): 48.0}
    )
    assert measures(rows, "version_service_hours_before_rollback") == {}


def test_adoption_and_governance_without_cards_or_conditions(young):
    _usage(young)
    adoption = young.run("adoption", MODELS)
    assert measures(adoption, "models_in_production") == {
        (None, None, "online/Vertex AI endpoint"): 1,
        ("ledger", None, None): 1,
    }
    rows = young.run("governance", MODELS)
    # No card in the log yet: the version id and the logged predictions are the two items there are.
    assert measures(rows, "card_items") == {("ledger", "pay-scorer", None): 2}
    assert measures(rows, "access_grants") == {("ledger", None, "no_expiry"): 1}


@pytest.mark.parametrize("group", queries.GROUPS)
def test_every_group_runs_before_the_audit_table_exists(group):
    duck = ScorecardDuck()
    duck.con.execute(f"DROP TABLE p.g.{queries.AUDIT_TABLE}")
    _usage(duck)
    rows = duck.run_sql(queries.query(group, SOURCES_, MODELS, audit_table=False))
    if group == "adoption":
        assert measures(rows, "teams_in_production") == {(None, None, None): 0}
        assert measures(rows, "models_in_production") == {}
    if group == "delivery":
        assert measures(rows, "deployments") == {}
        assert measures(rows, "change_failure_rate") == {(None, None, None): None}
    if group == "governance":
        assert measures(rows, "card_items") == {}
    if group == "value":  # needs no events: the same rows as with the table
        assert measures(rows, "predictions_week")[("ledger", "pay-scorer", "2026-11-02")] == 700


def test_the_audit_table_check_reads_information_schema():
    """The job decides with this query which script to run (INFORMATION_SCHEMA.TABLES answers without an error)."""
    sql = queries.audit_table_exists(SOURCES_)
    assert "`p.g.INFORMATION_SCHEMA.TABLES`" in sql and f"'{queries.AUDIT_TABLE}'" in sql
    assert [g for g in queries.GROUPS if queries.uses_audit(g)] == ["adoption", "delivery", "governance"]


def test_a_rerun_is_one_transaction(young):
    """A failing INSERT leaves the period's earlier rows: DELETE and INSERT commit together or not at all."""
    script = queries.replace_period("delivery", SOURCES_, MODELS)
    statements = [s.strip() for s in script.split(";\n")]
    assert statements[0] == "BEGIN TRANSACTION" and statements[-1] == "COMMIT TRANSACTION;"
    young.run_sql(script)
    before = young.run_sql(f"SELECT COUNT(*) AS n FROM p.g.{queries.SCORECARD_TABLE}")[0]["n"]
    assert before > 0
    young.con.execute(f"DROP TABLE p.g.{queries.AUDIT_TABLE}")  # the INSERT now fails after the DELETE
    with pytest.raises(Exception, match="modelops_audit"):
        young.run_sql(script)
    young.con.execute("ROLLBACK")  # what BigQuery does to a failed transaction's open changes
    assert young.run_sql(f"SELECT COUNT(*) AS n FROM p.g.{queries.SCORECARD_TABLE}")[0]["n"] == before
