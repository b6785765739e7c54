"""The team quality workflow: schedule, identity, CMEK, and SQL that matches the column contract."""

from __future__ import annotations

import json

import sqlglot
import yaml

from modules.monitoring.metrics import CUSTOM_METRICS
from modules.quality import tables
from tests.helpers import resources


def workflow(org_stacks, stack="team-ledger-prod"):
    return resources(org_stacks[stack], "google_workflows_workflow")["model-quality/workflow"]


def definition(org_stacks, stack="team-ledger-prod") -> dict:
    return yaml.safe_load(workflow(org_stacks, stack)["source_contents"].replace("$${", "${"))


def main_steps(defn) -> dict:
    return {name: body for step in defn["main"]["steps"] for name, body in step.items()}


def test_quality_workflow_runs_daily_as_the_pipeline_sa_with_cmek(org_stacks):
    wf = workflow(org_stacks)
    assert wf["name"] == "ledger-model-quality" and wf["region"] == "europe-west4"
    assert wf["service_account"].startswith("${google_service_account.service-accounts_pipeline")
    assert "kms_workflows" in wf["crypto_key_name"] and wf["deletion_protection"] is True
    job = resources(org_stacks["team-ledger-prod"], "google_cloud_scheduler_job")["model-quality/schedule"]
    assert (job["schedule"], job["time_zone"]) == ("0 5 * * *", "Etc/UTC")
    assert "model-quality_workflow" in job["http_target"]["uri"]


def test_workflow_writes_every_daily_table_for_every_model_and_each_script_is_valid_bigquery(org_stacks, org_config):
    steps = main_steps(definition(org_stacks))
    scripts = steps["write_daily_tables"]["for"]["in"]
    models = org_config.team("ledger").models
    assert len(scripts) == len(models) * len(tables.DAILY_TABLES)
    for table in tables.DAILY_TABLES:
        for model in models:
            target = f"`orbit-ledger-prod.ledger_metadata.{table}`"
            day = tables.day_column(table)
            assert any(f"DELETE FROM {target} WHERE {day} = @day AND model = '{model.name}'" in s for s in scripts)
    for script in scripts + [log["query"] for log in steps["ingest_request_logs"]["for"]["in"]]:
        assert all(sqlglot.parse(script, read="bigquery"))


def test_pii_features_are_read_from_and_written_to_the_tagged_pii_features_column_only(org_stacks):
    steps = main_steps(definition(org_stacks))
    # ledger's pay-scorer marks customer_email `pii: true`
    scripts = [s for s in steps["write_daily_tables"]["for"]["in"] if "'pay-scorer'" in s]
    text = "\n".join(scripts)
    assert "JSON_VALUE(pii_features, '$.customer_email')" in text
    assert "JSON_VALUE(features, '$.customer_email')" not in text
    assert "JSON_VALUE(features, '$.amount')" in text
    [log] = steps["ingest_request_logs"]["for"]["in"]
    ingest = log["query"]
    features, pii = ingest.split(" AS features,")[0], ingest.split(" AS features,")[1].split(" AS pii_features")[0]
    assert "customer_email" not in features and "'$.amount'" in features
    assert "JSON_VALUE(instance, '$.customer_email') AS customer_email" in pii and "amount" not in pii


def test_only_online_models_ingest_vertex_request_logs(org_stacks):
    [log] = main_steps(definition(org_stacks))["ingest_request_logs"]["for"]["in"]
    assert log["table"] == "request_log_pay_scorer"
    assert "`orbit-ledger-prod.ledger_metadata.request_log_pay_scorer`" in log["query"]
    [reach] = main_steps(definition(org_stacks, "team-reach-prod"))["ingest_request_logs"]["for"]["in"]
    assert reach["table"] == "request_log_offer_ranker"  # not the streaming model


def test_workflow_publishes_only_declared_custom_metrics(org_stacks):
    steps = main_steps(definition(org_stacks))
    published = steps["publish_metrics"]["for"]["in"]
    declared = {m.type: m for m in CUSTOM_METRICS.values()}
    assert {p["metric_type"] for p in published} == set(declared)  # ledger has a batch model: all ten
    for p in published:
        assert p["value_type"] == declared[p["metric_type"]].value_type
        assert p["label_names"] == [label for label in declared[p["metric_type"]].labels if label != "team"]
        sqlglot.parse_one(p["query"], read="bigquery")
    reach = {
        p["metric_type"] for p in main_steps(definition(org_stacks, "team-reach-prod"))["publish_metrics"]["for"]["in"]
    }
    assert "custom.googleapis.com/modelops/batch/output_rows" not in reach


def test_publish_subworkflow_writes_time_series_to_the_monitoring_api(org_stacks):
    sub = definition(org_stacks)["publish_query"]
    text = json.dumps(sub)
    assert "https://monitoring.googleapis.com/v3/projects/" in text and '"type": "OAuth2"' in text
    assert '"resource": {"type": "global"' in text
    run = definition(org_stacks)["run_query"]["steps"][0]["run"]
    assert run["call"] == "googleapis.bigquery.v2.jobs.insert"
    assert run["args"]["body"]["configuration"]["query"]["queryParameters"] == "${parameters}"
    publish = main_steps(definition(org_stacks))["publish_metrics"]["for"]["steps"][0]["publish"]
    assert publish["args"]["parameters"] == [
        {"name": "day", "parameterType": {"type": "DATE"}, "parameterValue": {"value": "${day}"}}
    ]


def test_feature_baseline_table_follows_its_spec_and_is_protected_and_kept(org_stacks):
    table = resources(org_stacks["team-ledger-prod"], "google_bigquery_table")["feature-baseline/table"]
    spec = tables.SPECS[tables.FEATURE_BASELINE]
    assert table["table_id"] == tables.FEATURE_BASELINE
    assert [(c["name"], c["type"], c["mode"]) for c in json.loads(table["schema"])] == [
        (c.name, c.type, c.mode) for c in spec.columns
    ]
    assert table["deletion_protection"] is True and table["lifecycle"]["prevent_destroy"] is True
    assert "kms_bigquery" in table["encryption_configuration"]["kms_key_name"]
    # Rewritten per model at registration: never expires, the drift SQL reads a model's whole baseline.
    assert table["time_partitioning"] == {"type": "DAY", "field": "computed_at"}
    assert table["require_partition_filter"] is False and table["clustering"] == ["model", "feature"]


def test_workflow_sources_are_plain_yaml_without_anchors(org_stacks):
    """Definitions reuse Python objects (the @day parameter); the YAML must spell each one out."""
    for stack in org_stacks.values():
        for wf in resources(stack, "google_workflows_workflow").values():
            assert "&id" not in wf["source_contents"] and "*id" not in wf["source_contents"]
