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
from modules.quality import workflow_steps
from modules.scorecard import queries
from modules.scorecard.job import MAX_SERIES_PER_REQUEST, scorecard_table
from modules.scorecard.metrics import SCORECARD_METRICS
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


def test_a_rerun_for_an_older_day_rewrites_the_rows_but_publishes_nothing(org_stacks, org_config):
    definition = Platform(org_stacks, org_config).definition
    [publish] = [s["publish"] for s in definition["main"]["steps"] if "publish" in s]
    [condition] = publish["switch"]
    assert condition["condition"] == "${day == yesterday}"
    assert [next(iter(s)) for s in definition["main"]["steps"]][-3:] == ["skip_metrics", "publish", "done"]


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
