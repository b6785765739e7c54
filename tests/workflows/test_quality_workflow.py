"""The daily quality workflow, executed: missing log tables, sampled usage, online accuracy, backfills, failures.

Each scenario runs the synthesized definition in the Workflows interpreter against fake BigQuery
(the generated SQL on DuckDB) and fake Cloud Monitoring, which refuses points the way the
timeSeries.create API does (more than 25 hours old, or not later than the series' last point).
"""

from __future__ import annotations

import datetime
import json

import pytest

from config import names
from modules.monitoring.metrics import CUSTOM_METRICS
from tests.workflows import fakes
from tests.workflows.world import World, at

YESTERDAY = "2026-03-10"
LOGGED = datetime.datetime(2026, 3, 10, 12, 0)


def points(world, path, **labels):
    metric = CUSTOM_METRICS[path].type
    return [
        p
        for p in world.monitoring.points
        if p["type"] == metric and all(p["labels"].get(k) == v for k, v in labels.items())
    ]


def log_rows(n, *, request_ids=None, label="1"):
    ids = request_ids or [f"tx-{i}" for i in range(n)]
    return [
        {
            "logging_time": LOGGED,
            "request_id": 900 + i,
            "deployed_model_id": "dm1",
            "request_payload": [
                json.dumps({"request_id": rid, "tenure_days": 10, "basket_value": 5.0, "segment": "a", "amount": 3.0})
            ],
            "response_payload": [json.dumps({"label": label})],
        }
        for i, rid in enumerate(ids)
    ]


def test_an_endpoint_without_traffic_yet_is_skipped_and_the_day_still_completes(org_stacks, org_config):
    """Vertex creates request_log_<model> on first traffic; until then the daily run must not fail."""
    world = World.of(org_stacks, org_config, "ledger")
    online = world.model("online")
    result, cloud = world.execute(world.quality())
    assert not isinstance(result, fakes.WorkflowError), result
    assert result == {"day": YESTERDAY, "models": 2, "metrics": "published"}
    log = names.request_log_table(online.name)
    [lookup] = [q for q in world.bigquery.queries if q.parameters.get("table") == log]
    assert "INFORMATION_SCHEMA.TABLES" in lookup.sql
    assert not [q for q in world.queries() if log in q]  # looked up, never queried
    usage = {r["model"]: r for r in world.bigquery.rows(world.dataset, "daily_usage")}
    assert usage[online.name]["predictions"] == 0
    assert [p["value"] for p in points(world, "usage/predictions", model=online.name)] == ["0"]


def test_a_missing_table_the_lookup_did_not_cover_fails_with_the_connectors_operation_error(org_stacks, org_config):
    """A query on a missing table fails as OperationError with no `code` (the old guard matched `e.code == 404`)."""
    world = World.of(org_stacks, org_config, "ledger")
    world.bigquery.con.execute(f'DROP TABLE "{world.project}"."{world.dataset}"."drift"')
    result, _ = world.execute(world.quality())
    assert isinstance(result, fakes.WorkflowError) and result.tags == ["OperationError"]
    assert "code" not in result.value and result.value["operation"]["status"]["errorResult"]["reason"] == "notFound"
    assert not world.monitoring.points  # nothing published from a half-written day


def test_sampled_online_usage_is_scaled_and_flagged_estimated_and_callers_are_not_invented(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "reach")
    online = world.model("online")
    assert online.logging.sample_rate == 0.5
    world.add_request_log(online, log_rows(3))
    result, _ = world.execute(world.quality())
    assert result["metrics"] == "published"
    usage = {r["model"]: r for r in world.bigquery.rows(world.dataset, "daily_usage")}[online.name]
    assert (usage["predictions"], usage["logged_predictions"], usage["estimated"]) == (6, 3, True)
    assert usage["distinct_callers"] is None and usage["latency_p99_ms"] is None
    assert [p["value"] for p in points(world, "usage/predictions", model=online.name)] == ["6"]
    assert not points(world, "usage/distinct_callers", model=online.name)  # unknown is not published as 0


def test_online_accuracy_is_computed_from_the_callers_request_ids(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "reach")
    online = world.model("online")
    world.add_request_log(online, log_rows(4, request_ids=["a", "b", "c", "d"]))
    world.bigquery.insert(
        world.dataset,
        "ground_truth",
        [
            {"observed_at": LOGGED, "model": online.name, "request_id": rid, "label": label, "ingested_at": LOGGED}
            for rid, label in (("a", "1"), ("b", "1"), ("c", "1"), ("d", "0"))
        ],
    )
    result, _ = world.execute(world.quality())
    history = world.bigquery.rows(world.dataset, "prediction_history")
    assert sorted(r["request_id"] for r in history) == ["a", "b", "c", "d"]
    [accuracy] = points(world, "quality/accuracy", model=online.name)
    assert float(accuracy["value"]) == pytest.approx(0.75)


def test_a_backfill_rewrites_the_tables_of_its_day_and_publishes_no_points(org_stacks, org_config):
    """Cloud Monitoring refuses points older than 25 hours; a point stamped now would show January as today."""
    world = World.of(org_stacks, org_config, "ledger")
    result, cloud = world.execute(world.quality(), {"day": "2026-01-15"})
    assert result["day"] == "2026-01-15" and result["metrics"].startswith("not published")
    assert not world.monitoring.points and "http.post" not in cloud.calls
    days = {r["usage_date"] for r in world.bigquery.rows(world.dataset, "daily_usage")}
    assert days == {datetime.date(2026, 1, 15)}


def test_the_fake_monitoring_api_refuses_what_the_real_one_does(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "ledger")
    series = {
        "metric": {"type": CUSTOM_METRICS["usage/predictions"].type, "labels": {"team": "ledger", "model": "m"}},
        "resource": {"type": "global", "labels": {"project_id": world.project}},
    }

    def write(end):
        body = {
            "timeSeries": [
                {**series, "points": [{"interval": {"endTime": fakes.rfc3339(end)}, "value": {"int64Value": "1"}}]}
            ]
        }
        return world.monitoring.create(
            f"https://monitoring.googleapis.com/v3/projects/{world.project}/timeSeries", body
        )

    with pytest.raises(fakes.WorkflowError, match="25 hours"):
        write(at("2026-03-09", 23, 59))  # the end of the day before yesterday: 29 h old
    write(at("2026-03-11", 4))
    with pytest.raises(fakes.WorkflowError, match="in order"):
        write(at("2026-03-11", 3))


def test_a_rerun_of_yesterday_publishes_again_with_a_later_point(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "ledger")
    first, _ = world.execute(world.quality())
    world.clock.advance(3 * 3600)
    second, _ = world.execute(world.quality(), {"day": YESTERDAY})
    assert first["metrics"] == second["metrics"] == "published"
    online = world.model("online")
    ends = [p["end"] for p in points(world, "usage/predictions", model=online.name)]
    assert len(ends) == 2 and ends[1] > ends[0]
    assert len(world.bigquery.rows(world.dataset, "daily_usage")) == 2  # one row per model, replaced


def test_a_failed_daily_query_fails_the_run_before_anything_is_published(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "ledger")
    world.bigquery.fail(r"INSERT INTO `[^`]*\.drift`", "resourcesExceeded", "Resources exceeded during query execution")
    result, _ = world.execute(world.quality())
    assert isinstance(result, fakes.WorkflowError) and result.tags == ["OperationError"]
    assert "Resources exceeded" in result.value["message"] and not world.monitoring.points


def test_the_batch_output_row_count_is_published_for_the_day(org_stacks, org_config):
    world = World.of(org_stacks, org_config, "ledger")
    batch = world.model("batch")
    world.bigquery.insert(
        world.dataset,
        names.batch_output_table(batch.name),
        [
            {"scoring_date": datetime.date(2026, 3, 10), "request_id": f"r{i}", "prediction": "1", "scored_at": LOGGED}
            for i in range(5)
        ],
    )
    world.execute(world.quality())
    assert [p["value"] for p in points(world, "batch/output_rows", model=batch.name)] == ["5"]
