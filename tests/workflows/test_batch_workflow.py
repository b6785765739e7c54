"""The batch workflow, executed: every job outcome ends the run, output lands, every job table goes away.

Each scenario runs the definition Terraform deploys (synthesized `source_contents`) in the
Workflows interpreter against fake Vertex AI and BigQuery services (tests/workflows/fakes.py): the
fake job scores the staged rows with a model function, writes `predictions_<ts>` / `errors_<ts>`
like Vertex, and the SQL runs on DuckDB.
"""

from __future__ import annotations

import datetime
import re

import pytest
from google.cloud.aiplatform_v1.types import JobState

from config import names
from modules.quality import sql
from modules.serving import batch_workflow
from tests.workflows import fakes
from tests.workflows.world import World, at

DAY = "2026-03-10"
ROWS = 4
VERTEX = "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs"


def batch_models(config):
    return [(t.name, m.name) for t in config.teams for m in t.models if m.pattern == "batch"]


def world_with_input(org_stacks, config, team="ledger", rows=ROWS):
    world = World.of(org_stacks, config, team, now=at("2026-03-11", 2))
    model = world.model("batch")
    sample = {"FLOAT64": 1.5, "INT64": 3, "STRING": "x", "BOOL": True}
    world.bigquery.insert(
        world.dataset,
        names.batch_input_table(model.name),
        [
            {
                "scoring_date": datetime.date.fromisoformat(DAY),
                "request_id": f"r{i}",
                **{f.name: sample[f.type] for f in model.monitoring.features},
            }
            for i in range(rows)
        ],
    )
    return world, model


def scorer(fail_ids=()):
    """A model server that, like an online one, reads features by name from a JSON object."""

    def score(instance):
        if not isinstance(instance, dict):
            raise TypeError(f"expected a JSON object instance, got {type(instance).__name__}")
        if instance["request_id"] in fail_ids:
            raise ValueError("model could not score this instance")
        return {"value": 0.5}

    return score


def job_tables(world):
    return {t for t in world.bigquery.tables(world.dataset) if t.startswith(("predictions_", "errors_"))}


def test_every_jobstate_of_the_installed_sdk_has_an_action_in_the_deployed_definition(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    deployed = next(s["names"] for s in world.batch(model)["main"]["steps"] if "names" in s)
    states = next(a["job_states"] for a in deployed["assign"] if "job_states" in a)
    assert set(states) == set(JobState.__members__) == set(batch_workflow.JOB_STATES)
    assert set(states.values()) <= {"wait", "succeeded", "partial", "failed"}


@pytest.mark.parametrize("team_model", [("ledger", "refund-forecast"), ("scout", "item-embeddings")])
def test_a_successful_run_copies_every_prediction_and_drops_every_table_the_job_made(
    org_stacks, org_config, team_model
):
    assert team_model in batch_models(org_config)
    world, model = world_with_input(org_stacks, org_config, team_model[0])
    result, cloud = world.execute(world.batch(model), model=scorer())
    assert result["state"] == "JOB_STATE_SUCCEEDED" and result["scored"] == str(ROWS)
    output = world.bigquery.rows(world.dataset, names.batch_output_table(model.name))
    assert sorted(r["request_id"] for r in output) == [f"r{i}" for i in range(ROWS)]
    history = world.bigquery.rows(world.dataset, "prediction_history")
    assert sorted(r["request_id"] for r in history) == [f"r{i}" for i in range(ROWS)]
    # predictions_<ts> and errors_<ts> (Vertex writes both) and the staging table are gone.
    assert set(result["dropped"]) == {p for p in result["dropped"] if p.startswith(("predictions_", "errors_"))}
    assert len(result["dropped"]) == 2 and not job_tables(world)
    assert not any(t.startswith("batch_staging_") for t in world.bigquery.tables(world.dataset))


def test_a_two_hour_job_is_waited_for_by_the_poll_loop_not_by_the_connector(org_stacks, org_config):
    """The create connector would raise TimeoutError after its default 1,800 s (tests/workflows/fakes.py)."""
    world, model = world_with_input(org_stacks, org_config)
    start = world.clock.now
    result, cloud = world.execute(world.batch(model), model=scorer(), script=fakes.JobScript(end_after=2 * 3600))
    assert not isinstance(result, fakes.WorkflowError), result
    assert result["state"] == "JOB_STATE_SUCCEEDED"
    assert 2 * 3600 <= world.clock.now - start < 2 * 3600 + 2 * batch_workflow.POLL_SECONDS + 60
    assert cloud.calls.count(f"{VERTEX}.create") == 1 and cloud.calls.count(f"{VERTEX}.get") >= 120


def test_the_create_call_skips_connector_polling_and_queries_may_run_as_long_as_bigquery_allows(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    definition = world.batch(model)
    [create] = [s["create_job"] for s in definition["main"]["steps"][-1]["run"]["try"]["steps"] if "create_job" in s]
    assert create["args"]["connector_params"] == {"skip_polling": True}
    run_query = definition["run_query"]["steps"][0]["run"]["args"]
    assert run_query["connector_params"] == {"timeout": 64800}  # 3 attempts x 6 h (BigQuery quotas)


def test_instances_reach_the_model_as_objects_with_exactly_the_online_feature_contract(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    result, cloud = world.execute(world.batch(model), model=scorer())
    instances = cloud.vertex.instances
    assert len(instances) == ROWS and all(isinstance(i, dict) for i in instances)
    contract = sql.instance_fields(sql.model_spec(model))
    assert all(tuple(i) == contract for i in instances) and contract[0] == "request_id"
    body = next(iter(cloud.vertex.jobs.values())).body
    assert body["instanceConfig"] == {"instanceType": "object", "includedFields": list(contract)}


def test_a_partial_success_copies_what_scored_keeps_the_job_tables_for_a_week_and_fails_the_run(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    result, cloud = world.execute(world.batch(model), model=scorer(fail_ids={"r1"}))
    assert isinstance(result, fakes.WorkflowError)
    assert result.value["state"] == "JOB_STATE_PARTIALLY_SUCCEEDED" and result.value["failed"] == "1"
    assert "partially succeeded" in result.value["message"]
    output = world.bigquery.rows(world.dataset, names.batch_output_table(model.name))
    assert sorted(r["request_id"] for r in output) == ["r0", "r2", "r3"]
    tables = job_tables(world)
    assert {t.split("_", 1)[0] for t in tables} == {"predictions", "errors"}
    assert set(world.bigquery.expirations) == tables  # both expire: inspected, never piled up
    assert all(re.search(r"INTERVAL '?7'? DAY", e) for e in world.bigquery.expirations.values())
    assert not any(t.startswith("batch_staging_") for t in world.bigquery.tables(world.dataset))


@pytest.mark.parametrize(
    "state", ["JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED", "JOB_STATE_UNSPECIFIED"]
)
def test_a_job_that_ends_without_output_fails_the_run_with_its_state_and_leaves_no_tables(
    org_stacks, org_config, state
):
    world, model = world_with_input(org_stacks, org_config)
    result, cloud = world.execute(world.batch(model), model=scorer(), script=fakes.JobScript(end=state))
    assert isinstance(result, fakes.WorkflowError) and result.value["state"] == state
    assert not job_tables(world) and not world.bigquery.rows(world.dataset, names.batch_output_table(model.name))
    assert not any(t.startswith("batch_staging_") for t in world.bigquery.tables(world.dataset))


@pytest.mark.parametrize("state", ["JOB_STATE_PAUSED", "JOB_STATE_RUNNING", "JOB_STATE_QUEUED", "JOB_STATE_UPDATING"])
def test_a_job_that_never_ends_is_cancelled_at_the_deadline(org_stacks, org_config, state):
    world, model = world_with_input(org_stacks, org_config)
    start = world.clock.now
    script = fakes.JobScript(running=[(0, "JOB_STATE_PENDING"), (300, state)], end_after=None)
    result, cloud = world.execute(world.batch(model), model=scorer(), script=script)
    assert isinstance(result, fakes.WorkflowError) and "cancelled" in result.value["message"]
    assert cloud.vertex.cancelled == list(cloud.vertex.jobs)
    waited = world.clock.now - start
    assert batch_workflow.MAX_WAIT_SECONDS <= waited < batch_workflow.MAX_WAIT_SECONDS + 3 * batch_workflow.POLL_SECONDS


def test_a_cancelled_job_that_wrote_output_has_its_tables_expire(org_stacks, org_config):
    """Issue 15 review, item 3: a stuck job is cancelled (the runner role may cancel), and the workflow waits
    until the cancel lands, so the tables the job wrote before it stopped are known and set to expire instead of
    keeping every input column forever."""
    world, model = world_with_input(org_stacks, org_config)
    script = fakes.JobScript(running=[(0, "JOB_STATE_RUNNING")], end_after=None, wrote_before_cancel=True)
    result, cloud = world.execute(world.batch(model), model=scorer(), script=script)
    assert isinstance(result, fakes.WorkflowError) and "cancelled" in result.value["message"]
    assert result.value["state"] == "JOB_STATE_CANCELLED"  # the state after the cancel landed
    written = [t for t in world.bigquery.tables(world.dataset) if t.startswith(("predictions_", "errors_"))]
    assert written and set(written) <= set(world.bigquery.expirations)


def test_every_jobstate_ends_the_run(org_stacks, org_config):
    """No state, terminal or not, keeps the execution polling forever."""
    for state in JobState.__members__:
        world, model = world_with_input(org_stacks, org_config)
        script = fakes.JobScript(running=[(0, state)], end_after=None)
        result, _ = world.execute(world.batch(model), model=scorer(), script=script)
        assert world.clock.now - at("2026-03-11", 2) <= batch_workflow.MAX_WAIT_SECONDS + 3600, state
        assert result is not None, state


def test_a_failed_copy_query_fails_the_run_with_the_connectors_operation_error(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    world.bigquery.fail(r"INSERT INTO `[^`]*batch_output_", "invalidQuery", "Query error: division by zero")
    result, cloud = world.execute(world.batch(model), model=scorer())
    assert isinstance(result, fakes.WorkflowError) and result.tags == ["OperationError"]
    assert "code" not in result.value and "division by zero" in result.value["message"]
    assert set(world.bigquery.expirations) == job_tables(world) and len(job_tables(world)) == 2


def test_a_day_without_input_rows_runs_no_job(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config, rows=0)
    result, cloud = world.execute(world.batch(model), model=scorer())
    assert result == {"day": DAY, "job": None, "scored": "0", "dropped": []}
    assert not any(c.startswith(VERTEX) for c in cloud.calls)
    assert not any(t.startswith("batch_staging_") for t in world.bigquery.tables(world.dataset))


def test_a_rerun_replaces_the_days_output_instead_of_adding_to_it(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    for _ in range(2):
        result, _ = world.execute(world.batch(model), {"day": DAY}, model=scorer())
        assert result["state"] == "JOB_STATE_SUCCEEDED"
    assert len(world.bigquery.rows(world.dataset, names.batch_output_table(model.name))) == ROWS
    assert len(world.bigquery.rows(world.dataset, "prediction_history")) == ROWS
    assert not job_tables(world)


def test_a_malformed_day_is_refused_before_anything_runs(org_stacks, org_config):
    world, model = world_with_input(org_stacks, org_config)
    result, cloud = world.execute(world.batch(model), {"day": "10/03/2026"}, model=scorer())
    assert isinstance(result, fakes.WorkflowError) and "YYYY-MM-DD" in result.value
    assert cloud.calls == []
