"""The scheduled scorecard: its statements on DuckDB (the period derived from @day) and what the stacks create."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from config import names
from config.errors import ConfigInvalid
from modules.scorecard import catalogue, job, queries
from modules.scorecard.job import daily_statements
from stacks.scorecard import add_scorecard
from tests.helpers import resources
from tests.scorecard.duck import NOVEMBER, SOURCES, ScorecardDuck, measures
from tests.scorecard.test_scorecard_sql import MODELS, _events, _usage


def _job(duck: ScorecardDuck, day: datetime.date) -> None:
    for statement in daily_statements(SOURCES, MODELS):
        assert "@period_" not in statement
        duck.run_sql(statement, day=day)


def test_the_run_of_1_december_completes_november_and_a_rerun_replaces_it():
    duck = ScorecardDuck()
    _events(duck)
    _usage(duck)
    for _ in range(2):  # yesterday = 30 November: the whole month
        _job(duck, datetime.date(2026, 11, 30))
    rows = duck.run_sql(f"SELECT * FROM p.g.{queries.SCORECARD_TABLE}")
    assert {(r["period_start"], r["period_end"]) for r in rows} == {NOVEMBER}
    expected = duck.run("delivery", MODELS) + duck.run("value", MODELS)
    for measure in ("deployments", "change_failure_rate", "predictions_week", "usage_falling"):
        assert measures(rows, measure) == measures(expected, measure), measure


def test_a_run_in_the_month_counts_the_month_so_far():
    duck = ScorecardDuck()
    _events(duck)
    _job(duck, datetime.date(2026, 11, 10))  # period 1 November .. 11 November (exclusive)
    rows = duck.run_sql(f"SELECT * FROM p.g.{queries.SCORECARD_TABLE}")
    assert {(r["period_start"], r["period_end"]) for r in rows} == {
        (datetime.date(2026, 11, 1), datetime.date(2026, 11, 11))
    }
    # pay-scorer: v1 on 2 Nov and v2 on 10 Nov 12:00 are in; the rollback on 11 Nov is not yet.
    assert measures(rows, "deployments")[("ledger", "pay-scorer", None)] == 2
    assert ("ledger", "pay-scorer", None) not in measures(rows, "time_to_restore_hours")


def test_the_production_platform_stack_runs_the_scorecard_daily(org_stacks, org_config):
    stack = org_stacks[names.platform_stack("prod")]
    [workflow] = resources(stack, "google_workflows_workflow").values()
    assert workflow["name"] == names.SCORECARD_WORKFLOW and workflow["crypto_key_name"]
    assert "google_service_account.scorecard_account" in workflow["service_account"]
    for group in queries.GROUPS:
        assert f"'{group}' AS measure_group" in workflow["source_contents"]
    [schedule] = resources(stack, "google_cloud_scheduler_job").values()
    assert schedule["schedule"] == "0 7 * * *"
    [table] = [t for t in resources(stack, "google_bigquery_table").values() if t["table_id"] == "scorecard"]
    assert [c["name"] for c in json.loads(table["schema"])] == [c.name for c in queries.SCORECARD_COLUMNS]
    assert table["deletion_protection"] is True
    assert not resources(org_stacks[names.platform_stack("dev")], "google_workflows_workflow")


def test_team_stacks_let_the_scorecard_read_only_their_summary_tables_in_production(org_stacks, org_config):
    email = f"serviceAccount:{names.SCORECARD_ACCOUNT}@{org_config.platform.environments['prod'].project_id}"
    for team in org_config.teams:
        for env in team.environments:
            grants = [
                g
                for g in resources(
                    org_stacks[names.team_stack(team.name, env)], "google_bigquery_table_iam_member"
                ).values()
                if g["member"].startswith(email)
            ]
            wanted = sorted(names.SUMMARY_TABLES) if env == "prod" and team.models else []
            read = sorted(t for t in names.SUMMARY_TABLES if any(f"metadata_{t}_" in g["table_id"] for g in grants))
            assert (read, len(grants)) == (wanted, len(wanted)), (team.name, env)
            assert all(g["role"] == "roles/bigquery.dataViewer" for g in grants)


def test_a_catalogue_too_big_for_one_workflow_source_is_refused_at_synth(org_config):
    """Workflows refuses a source over 128KB at apply; the synth says so first, naming the size and the limit."""
    copies = tuple(
        dataclasses.replace(t, name=f"{t.name}{i:03d}") for i in range(400) for t in org_config.teams if t.models
    )
    big = dataclasses.replace(org_config, teams=copies)
    assert job.source_size_problem(_definition(org_config)) is None
    with pytest.raises(ConfigInvalid) as raised:
        add_scorecard(object(), big, "prod")  # refused before anything is added to the stack
    [error] = raised.value.errors
    assert error.file == str(org_config.platform.source.file) and error.path == "environments.prod"
    size = job.source_size(_definition(big))
    assert size > job.WORKFLOW_SOURCE_LIMIT_BYTES
    assert f"{size:,} bytes" in error.message and "128,000" in error.message


def test_the_source_size_is_what_workflows_receives(org_stacks, org_config):
    deployed = resources(org_stacks[names.platform_stack("prod")], "google_workflows_workflow")["scorecard/workflow"]
    received = deployed["source_contents"].replace("$${", "${").replace("%%{", "%{")  # Terraform's template escapes
    assert len(received.encode()) == job.source_size(_definition(org_config))


def _definition(config) -> dict:
    return job.scorecard_workflow(
        sources=catalogue.sources(config, "prod"), models=catalogue.models(config), location=config.platform.region
    )
