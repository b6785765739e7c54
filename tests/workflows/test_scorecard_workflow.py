"""The scorecard workflow's metric publication, run from the synthesized definition against fake BigQuery/Monitoring.

The four groups' SQL is tested on DuckDB (tests/scorecard/); here the `scorecard` table is filled by hand and the
deployed `publish_scorecard` subworkflow reads it and writes timeSeries.create requests, which the fake refuses
as Cloud Monitoring does (undeclared metric or label, a missing label, a wrong value type, two points of one
series in a request, more than 200 series).
"""

from __future__ import annotations

import datetime

import pytest

from config import names
from modules.metadata_tables import POLICY_EXCEPTIONS, TEAM_TABLE_COLUMNS
from modules.quality import workflow_steps
from modules.scorecard import catalogue, queries
from modules.scorecard.job import MAX_SERIES_PER_REQUEST, daily_statements, scorecard_table
from modules.scorecard.metrics import SCORECARD_METRICS
from scripts.report import demo_schema
from tests.workflows import fakes
from tests.workflows.world import at, source

DAY = "2026-11-29"
NOV, DEC = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)
OCT = datetime.date(2026, 10, 1)


def _row(measure: str, value: float | None, team=None, model=None, dimension=None, period=NOV) -> dict:
    group = next((m.group for m in SCORECARD_METRICS.values() if m.measure == measure), "adoption")
    return {
        "period_start": period,
        "period_end": datetime.date(2026, 11, 30) if period == NOV else NOV,
        "measure_group": group,
        "measure": measure,
        "team": team,
        "model": model,
        "dimension": dimension,
        "value": value,
        "computed_at": datetime.datetime(2026, 11, 30, 7),
    }


class Platform:
    def __init__(self, org_stacks, org_config):
        penv = org_config.platform.environments["prod"]
        self.project, self.region = penv.project_id, org_config.platform.region
        self.dataset = names.governance_dataset_id(org_config.platform.name)
        self.definition = source(org_stacks[names.platform_stack("prod")], "scorecard/workflow")
        self.clock = fakes.Clock(at("2026-11-30", 7))
        self.bigquery = fakes.FakeBigQuery(self.clock, self.project, self.region, {self.dataset: [scorecard_table()]})
        self.monitoring = fakes.FakeMonitoring(self.clock, self.project, [m.metric for m in SCORECARD_METRICS.values()])

    def publish(self, rows: list[dict]) -> object:
        """Run the deployed publish subworkflow (and the subworkflows it calls) for `DAY`."""
        self.bigquery.insert(self.dataset, queries.SCORECARD_TABLE, rows)
        definition = {
            **{k: v for k, v in self.definition.items() if k != "main"},
            "main": {
                "params": ["args"],
                "steps": [
                    {"init": {"assign": [{"day": DAY}]}},
                    {
                        "publish": {
                            "call": "publish_scorecard",
                            "args": {"parameters": [workflow_steps.day_parameter()]},
                            "result": "r",
                        }
                    },
                    {"done": {"return": "${r}"}},
                ],
            },
        }
        cloud = fakes.Cloud(self.clock, self.bigquery, None, self.monitoring)
        env = {"GOOGLE_CLOUD_PROJECT_ID": self.project, "GOOGLE_CLOUD_LOCATION": self.region}
        return fakes.run(definition, cloud, {}, env)


def _series(platform: Platform) -> dict[tuple, object]:
    return {
        (
            s["metric"]["type"].removeprefix("custom.googleapis.com/modelops/scorecard/"),
            tuple(sorted(s["metric"]["labels"].items())),
        ): next(iter(s["points"][0]["value"].values()))
        for r in platform.monitoring.requests
        for s in r["timeSeries"]
    }


def test_the_month_so_far_is_published_one_series_per_measure_team_and_model(org_stacks, org_config):
    platform = Platform(org_stacks, org_config)
    result = platform.publish(
        [
            _row("teams_in_production", 2.0),
            _row("models_in_production", 3.0),  # platform total per pattern/runtime: not a published series
            _row("models_in_production", 2.0, dimension="online/Vertex AI endpoint"),
            _row("models_in_production", 2.0, team="ledger"),
            _row("change_failure_rate", 0.25),
            _row("change_failure_rate", 0.5, team="ledger", model="pay-scorer"),  # per model: dashboard shows platform
            _row("lead_time_hours", 30.5),
            _row("time_to_restore_hours", None),  # undefined this month: nothing written
            _row("predictions_week", 700.0, "ledger", "pay-scorer", "2026-11-16"),
            _row("predictions_week", 350.0, "ledger", "pay-scorer", "2026-11-23"),  # the latest complete week
            _row("usage_change_week", -0.2, "ledger", "pay-scorer", "2026-11-16"),
            _row("usage_change_week", -0.5, "ledger", "pay-scorer", "2026-11-23"),
            _row("open_exceptions", 1.0, team="reach"),
            _row("teams_in_production", 1.0, period=OCT),  # last month: not this month's value
        ]
    )
    assert result == {"series": 7, "requests": 1}
    assert _series(platform) == {
        ("adoption/teams_in_production", ()): "2",
        ("adoption/models_in_production", (("team", "ledger"),)): "2",
        ("delivery/change_failure_rate", ()): 0.25,
        ("delivery/lead_time_hours", ()): 30.5,
        ("value/predictions_week", (("model", "pay-scorer"), ("team", "ledger"))): "350",
        ("value/usage_change_week", (("model", "pay-scorer"), ("team", "ledger"))): -0.5,
        ("governance/open_exceptions", (("team", "reach"),)): "1",
    }
    [request] = platform.monitoring.requests
    assert {s["resource"]["type"] for s in request["timeSeries"]} == {"global"}
    [stamp] = {s["points"][0]["interval"]["endTime"] for s in request["timeSeries"]}  # one `now` for the run
    assert stamp.startswith("2026-11-30T07:00:")


def test_more_than_200_series_go_in_several_requests(org_stacks, org_config):
    platform = Platform(org_stacks, org_config)
    rows = [_row("usage_change_week", -0.1, "ledger", f"m{i:03}", "2026-11-23") for i in range(250)]
    result = platform.publish(rows)
    assert result == {"series": 250, "requests": 2}
    assert [len(r["timeSeries"]) for r in platform.monitoring.requests] == [MAX_SERIES_PER_REQUEST, 50]
    assert len(platform.monitoring.points) == 250


class Governance(Platform):
    """The platform project and the production team projects as the whole scheduled run sees them: the governance
    dataset (scorecard, policy_exceptions, the Admin Activity sink table and, unless `audit_table=False`, the
    `modelops_audit` sink table) and each team's summary tables, in one fake BigQuery."""

    def __init__(self, org_stacks, org_config, *, audit_table: bool):
        super().__init__(org_stacks, org_config)
        self.sources, self.models = catalogue.sources(org_config, "prod"), catalogue.models(org_config)
        q = f'"{self.project}"."{self.dataset}"'
        self.bigquery.con.execute(f"CREATE TABLE {q}.{queries.ACTIVITY_TABLE} ({demo_schema.ACTIVITY})")
        self.bigquery.con.execute(
            f"CREATE TABLE {q}.{queries.EXCEPTIONS_TABLE} ({demo_schema.duck_columns(POLICY_EXCEPTIONS)})"
        )
        if audit_table:
            self.bigquery.con.execute(f"CREATE TABLE {q}.{queries.AUDIT_TABLE} ({demo_schema.AUDIT})")
        for team in self.sources.teams:
            catalogs = {
                r[0] for r in self.bigquery.con.execute("SELECT database_name FROM duckdb_databases()").fetchall()
            }
            if team.project not in catalogs:
                self.bigquery.con.execute(f"ATTACH ':memory:' AS \"{team.project}\"")
            self.bigquery.con.execute(f'CREATE SCHEMA "{team.project}"."{team.dataset}"')
            for table, columns in TEAM_TABLE_COLUMNS.items():
                self.bigquery.con.execute(
                    f'CREATE TABLE "{team.project}"."{team.dataset}".{table} ({demo_schema.duck_columns(columns)})'
                )

    def usage(self, team: str, model: str, day: datetime.date, predictions: int) -> None:
        data = next(t for t in self.sources.teams if t.team == team)
        self.bigquery.con.execute(
            f'INSERT INTO "{data.project}"."{data.dataset}".daily_usage (usage_date, model, predictions, '
            "logged_predictions, computed_at) VALUES (?, ?, ?, ?, ?)",
            [day, model, predictions, predictions, datetime.datetime(2026, 11, 30, 5)],
        )

    def run(self, argument: dict | None = None) -> object:
        """The deployed workflow from `main`, as Cloud Scheduler starts it (an empty argument: yesterday)."""
        cloud = fakes.Cloud(self.clock, self.bigquery, None, self.monitoring)
        env = {"GOOGLE_CLOUD_PROJECT_ID": self.project, "GOOGLE_CLOUD_LOCATION": self.region}
        try:
            return fakes.run(self.definition, cloud, argument or {}, env)
        except fakes.WorkflowError as e:
            return e

    def written(self) -> dict[str, set[str]]:
        """measure_group -> measures in the scorecard table."""
        found: dict[str, set[str]] = {}
        for row in self.bigquery.rows(self.dataset, queries.SCORECARD_TABLE):
            found.setdefault(row["measure_group"], set()).add(row["measure"])
        return found

    def scripts(self) -> list[str]:
        return [q.sql for q in self.bigquery.queries if "INSERT INTO" in q.sql]


def _some_usage(platform: Governance) -> None:
    team = platform.sources.teams[0].team
    model = next(m.model for m in platform.models if m.team == team)
    for day in range(1, 30):
        platform.usage(team, model, datetime.date(2026, 11, day), 100)


def test_before_the_first_lifecycle_event_every_group_runs_on_an_empty_audit_log(org_stacks, org_config):
    platform = Governance(org_stacks, org_config, audit_table=False)
    _some_usage(platform)
    result = platform.run()
    assert isinstance(result, dict), result
    assert result["audit_table"] is False and result["metrics"]["series"] > 0
    # The scripts sent are the ones tested on DuckDB (tests/scorecard), expanded for a missing audit table.
    assert platform.scripts() == daily_statements(platform.sources, platform.models, audit_table=False)
    written = platform.written()
    assert set(written) == set(queries.GROUPS)
    assert "predictions_week" in written["value"] and "change_failure_rate" in written["delivery"]
    assert not any("__scorecard_" in q.sql for q in platform.bigquery.queries)


def test_with_the_audit_table_the_groups_read_it(org_stacks, org_config):
    platform = Governance(org_stacks, org_config, audit_table=True)
    _some_usage(platform)
    result = platform.run()
    assert isinstance(result, dict) and result["audit_table"] is True, result
    assert platform.scripts() == daily_statements(platform.sources, platform.models, audit_table=True)
    assert set(platform.written()) == set(queries.GROUPS)


def test_a_failing_group_does_not_stop_the_others_and_the_execution_fails(org_stacks, org_config):
    platform = Governance(org_stacks, org_config, audit_table=True)
    _some_usage(platform)
    platform.bigquery.fail("'delivery' AS measure_group", "invalidQuery", "Unrecognized name: jsonpayload")
    result = platform.run()
    assert isinstance(result, fakes.WorkflowError)
    [failure] = result.value["failed"]
    assert failure["group"] == "delivery"
    assert "Unrecognized name" in failure["error"]["message"]
    assert set(platform.written()) == {"adoption", "value", "governance"}  # the groups after delivery ran too
    assert platform.monitoring.requests == []  # nothing published from a partial run


def test_a_rerun_for_an_older_day_rewrites_the_rows_but_publishes_nothing(org_stacks, org_config):
    platform = Governance(org_stacks, org_config, audit_table=True)
    result = platform.run({"day": "2026-10-31"})
    assert isinstance(result, dict) and result["metrics"] == "skipped: day is not yesterday", result
    assert platform.monitoring.requests == []
    periods = {r["period_start"] for r in platform.bigquery.rows(platform.dataset, queries.SCORECARD_TABLE)}
    assert periods == {OCT}


@pytest.mark.parametrize("labels", [{}, {"team": "ledger", "model": "x", "extra": "y"}])
def test_the_fake_refuses_series_whose_labels_differ_from_the_descriptor(labels, org_stacks, org_config):
    platform = Platform(org_stacks, org_config)
    series = {
        "metric": {"type": SCORECARD_METRICS["scorecard/value/usage_change_week"].metric.type, "labels": labels},
        "resource": {"type": "global", "labels": {"project_id": platform.project}},
        "points": [{"interval": {"endTime": "2026-11-30T07:00:00Z"}, "value": {"doubleValue": 0.1}}],
    }
    with pytest.raises(fakes.WorkflowError):
        platform.monitoring.create(
            f"https://monitoring.googleapis.com/v3/projects/{platform.project}/timeSeries", {"timeSeries": [series]}
        )
