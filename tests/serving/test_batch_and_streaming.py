"""Batch and streaming patterns on synthesized JSON: tables, workflow, schedule, Pub/Sub wiring."""

from __future__ import annotations

import base64
import dataclasses
import json

import sqlglot
import yaml

from tests.helpers import resources

PIPELINE = "ledger-pipeline@orbit-ledger-prod.iam.gserviceaccount.com"


def _unescape(source: str) -> str:
    """Terraform renders `$${` as a literal `${`: the YAML Workflows receives."""
    return source.replace("$${", "${")


def test_batch_input_and_output_tables_are_partitioned_cmek_protected_and_in_the_team_dataset(org_stacks):
    tables = resources(org_stacks["team-ledger-prod"], "google_bigquery_table")
    for part, table_id in (
        ("input", "batch_input_refund_forecast"),
        ("output", "batch_output_refund_forecast"),
    ):
        table = tables[f"refund-forecast/{part}"]
        assert table["table_id"] == table_id
        assert table["dataset_id"].startswith("${google_bigquery_dataset.metadata_dataset_")
        assert "kms_bigquery" in table["encryption_configuration"]["kms_key_name"]
        assert table["deletion_protection"] is True and table["lifecycle"]["prevent_destroy"] is True
        assert table["time_partitioning"] == {"type": "DAY", "field": "scoring_date", "expiration_ms": 365 * 86_400_000}
        assert table["require_partition_filter"] is True and table["clustering"] == ["request_id"]
        assert table["labels"]["model"] == "refund-forecast"
    columns = [c["name"] for c in json.loads(tables["refund-forecast/input"]["schema"])]
    assert columns == ["scoring_date", "request_id", "merchant_id_hash", "weekly_volume", "dispute_rate"]


def test_batch_workflow_runs_as_pipeline_sa_with_cmek_and_starts_a_bigquery_to_bigquery_batch_job(org_stacks):
    wf = resources(org_stacks["team-ledger-prod"], "google_workflows_workflow")["refund-forecast/workflow"]
    assert wf["name"] == "ledger-refund-forecast-batch"
    assert wf["service_account"].startswith("${google_service_account.service-accounts_pipeline")
    assert "kms_workflows" in wf["crypto_key_name"] and wf["deletion_protection"] is True
    assert "kms_vertex" in wf["user_env_vars"]["VERTEX_KMS_KEY"]
    assert "${sys" not in wf["source_contents"].replace("$${", "")  # every Workflows expression is escaped
    source = yaml.safe_load(_unescape(wf["source_contents"]))
    steps = {name: body for step in source["main"]["steps"] for name, body in step.items()}
    run = {name: body for step in steps["run"]["try"]["steps"] for name, body in step.items()}
    create = run["create_job"]
    assert create["call"] == "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.create"
    body = create["args"]["body"]
    assert body["model"] == "projects/orbit-ledger-prod/locations/europe-west4/models/ledger-refund-forecast@champion"
    assert body["inputConfig"]["instancesFormat"] == "bigquery"
    assert body["outputConfig"] == {
        "predictionsFormat": "bigquery",
        "bigqueryDestination": {"outputUri": "bq://orbit-ledger-prod.ledger_metadata"},
    }
    assert body["encryptionSpec"] == {"kmsKeyName": '${sys.get_env("VERTEX_KMS_KEY")}'}
    assert "raise" in run["job_failed"]  # a failed job fails the execution (and its alert)
    templates = {k: v for a in steps["names"]["assign"] for k, v in a.items() if k.endswith("_template")}
    assert set(templates) == {"stage_template", "count_template", "copy_template"}
    for template in templates.values():
        sqlglot.parse(template.replace("__STAGING__", "t").replace("__PREDICTIONS__", "p.d.t"), read="bigquery")


def test_batch_schedule_follows_yaml_and_calls_the_workflow_with_an_oauth_token(org_stacks):
    job = resources(org_stacks["team-ledger-prod"], "google_cloud_scheduler_job")["refund-forecast/schedule"]
    assert (job["schedule"], job["time_zone"]) == ("0 3 * * *", "Europe/Amsterdam")
    target = job["http_target"]
    assert target["uri"].startswith(
        "https://workflowexecutions.googleapis.com/v1/${google_workflows_workflow.refund-forecast_workflow"
    )
    assert target["uri"].endswith("/executions") and target["http_method"] == "POST"
    assert target["oauth_token"]["service_account_email"].startswith(
        "${google_service_account.service-accounts_pipeline"
    )
    assert json.loads(base64.b64decode(target["body"])) == {"argument": "{}"}


def test_pipeline_service_account_gets_the_project_roles_batch_and_quality_need(org_stacks):
    grants = resources(org_stacks["team-ledger-prod"], "google_project_iam_member")
    roles = {g["role"] for g in grants.values() if "service-accounts_pipeline" in g["member"]}
    # Batch prediction jobs through the custom batch-runner role, not roles/aiplatform.user (issue 15, item 8).
    [custom] = [r for r in roles if r.startswith("${google_project_iam_custom_role.")]
    assert "modelopsBatchRunner" in custom
    assert roles - {custom} == {
        "roles/bigquery.jobUser",
        "roles/monitoring.metricWriter",
        "roles/workflows.invoker",
        "roles/logging.logWriter",
    }
    runner = next(
        r
        for r in resources(org_stacks["team-ledger-prod"], "google_project_iam_custom_role").values()
        if r["role_id"] == "modelopsBatchRunner"
    )
    # cancel: the workflow cancels a job still running after MAX_WAIT_SECONDS (issue 15 review, item 3); without
    # it the cancel is refused and the job runs on, writing output nothing cleans up.
    assert runner["permissions"] == [
        "aiplatform.batchPredictionJobs.cancel",
        "aiplatform.batchPredictionJobs.create",
        "aiplatform.batchPredictionJobs.get",
        "aiplatform.models.get",
    ]


def test_no_grant_is_made_twice_in_a_stack(org_stacks):
    """Two constructs granting the same role to the same member on the same target is duplicated plumbing."""
    for name, stack in org_stacks.items():
        seen = set()
        for tf_type, items in stack["resource"].items():
            if not tf_type.endswith("_iam_member"):
                continue
            for conf in items.values():
                key = (
                    tf_type,
                    json.dumps({k: v for k, v in conf.items() if k not in ("//", "depends_on")}, sort_keys=True),
                )
                assert key not in seen, f"{name}: duplicate grant {key}"
                seen.add(key)


def test_streaming_topic_has_schema_cmek_and_regional_storage(org_stacks):
    stack = org_stacks["team-reach-prod"]
    topics = resources(stack, "google_pubsub_topic")
    topic = topics["intent-propensity/topic"]
    assert topic["name"] == "reach-intent-propensity-events"
    assert "kms_pubsub" in topic["kms_key_name"]
    assert topic["schema_settings"]["encoding"] == "JSON"
    assert topic["message_storage_policy"] == {
        "allowed_persistence_regions": ["europe-west4"],
        "enforce_in_transit": True,
    }
    assert "kms_pubsub" in topics["intent-propensity/dead-letter-topic"]["kms_key_name"]
    schema = resources(stack, "google_pubsub_schema")["intent-propensity/schema"]
    avro = json.loads(schema["definition"])
    assert schema["type"] == "AVRO"
    assert [f["name"] for f in avro["fields"]] == [
        "request_id",
        "event_time",
        "pages_viewed",
        "session_seconds",
        "device_type",
        "visitor_id",  # pii: true (the scorer gets it in PII_FEATURES)
    ]
    assert avro["fields"][4]["type"] == ["null", "string"]


def test_scoring_subscription_dead_letters_after_the_yaml_attempts_and_the_agent_may_move_messages(org_stacks):
    stack = org_stacks["team-reach-prod"]
    subs = resources(stack, "google_pubsub_subscription")
    scoring = subs["intent-propensity/scoring"]
    assert scoring["dead_letter_policy"]["max_delivery_attempts"] == 10
    assert "dead-letter-topic" in scoring["dead_letter_policy"]["dead_letter_topic"]
    assert scoring["expiration_policy"] == {"ttl": ""}
    assert subs["intent-propensity/dead-letter-hold"]["topic"].startswith(
        "${google_pubsub_topic.intent-propensity_dead-letter-topic"
    )
    topic_grants = resources(stack, "google_pubsub_topic_iam_member")
    sub_grants = resources(stack, "google_pubsub_subscription_iam_member")
    assert topic_grants["intent-propensity/dead-letter-publisher"]["member"].endswith(
        "@gcp-sa-pubsub.iam.gserviceaccount.com"
    )
    assert sub_grants["intent-propensity/dead-letter-subscriber"]["role"] == "roles/pubsub.subscriber"
    assert "service-accounts_serving" in sub_grants["intent-propensity/serving-subscriber"]["member"]


def test_bigquery_subscription_archives_events_into_a_partitioned_cmek_table(org_stacks):
    stack = org_stacks["team-reach-prod"]
    archive = resources(stack, "google_pubsub_subscription")["intent-propensity/archive"]
    config = archive["bigquery_config"]
    assert config["table"].startswith("orbit-reach-prod.${google_bigquery_dataset.metadata_dataset_")
    assert ".${google_bigquery_table.intent-propensity_archive-table" in config["table"]
    assert config["use_topic_schema"] is True and config["write_metadata"] is True
    table = resources(stack, "google_bigquery_table")["intent-propensity/archive-table"]
    assert table["table_id"] == "stream_events_intent_propensity"
    assert table["deletion_protection"] is True and "kms_bigquery" in table["encryption_configuration"]["kms_key_name"]
    assert table["time_partitioning"]["field"] == "publish_time"
    assert table["lifecycle"]["prevent_destroy"] is True and table["require_partition_filter"] is True
    # The subscription writes as the Pub/Sub agent, which may write this table and nothing else.
    writer = resources(stack, "google_bigquery_table_iam_member")[
        "intent-propensity/pubsub-agent-stream_events_intent_propensity-dataEditor"
    ]
    assert writer["member"].endswith("@gcp-sa-pubsub.iam.gserviceaccount.com")
    assert writer["role"] == "roles/bigquery.dataEditor"
    assert writer["table_id"].startswith("${google_bigquery_table.intent-propensity_archive-table")
    assert any("pubsub-agent-stream_events_intent_propensity-dataEditor" in d for d in archive["depends_on"])
    dataset_members = {g["member"] for g in resources(stack, "google_bigquery_dataset_iam_member").values()}
    assert writer["member"] not in dataset_members


def _with_pii(model, feature: str):
    features = tuple(dataclasses.replace(f, pii=True) if f.name == feature else f for f in model.monitoring.features)
    return dataclasses.replace(model, monitoring=dataclasses.replace(model.monitoring, features=features))


def test_feature_columns_marked_pii_carry_the_pii_policy_tag_in_batch_and_streaming_tables(org_config):
    """The example's pii feature is on an online model; a team with pii features on batch and streaming models."""
    import cdktn

    from stacks.platform import PlatformStack
    from stacks.team import TeamStack

    ledger, reach = org_config.team("ledger"), org_config.team("reach")
    team = dataclasses.replace(
        ledger,
        models=(
            _with_pii(ledger.model("refund-forecast"), "merchant_id_hash"),
            _with_pii(reach.model("intent-propensity"), "device_type"),
        ),
    )
    app = cdktn.Testing.app()
    platform = PlatformStack(app, org_config.platform, "dev")
    stack = json.loads(cdktn.Testing.synth(TeamStack(app, team, "dev", platform)))
    ((tag_id, _),) = stack["resource"]["google_data_catalog_policy_tag"].items()
    tag = [f"${{google_data_catalog_policy_tag.{tag_id}.name}}"]
    tables = {t["table_id"]: t for t in stack["resource"]["google_bigquery_table"].values()}

    def tagged(table_id: str) -> dict[str, list[str]]:
        return {
            c["name"]: c["policyTags"]["names"] for c in json.loads(tables[table_id]["schema"]) if "policyTags" in c
        }

    assert tagged("batch_input_refund_forecast") == {"merchant_id_hash": tag}
    assert tagged("batch_output_refund_forecast") == {}
    assert tagged("stream_events_intent_propensity") == {"device_type": tag, "visitor_id": tag}
    workflows = {w["name"]: w["source_contents"] for w in stack["resource"]["google_workflows_workflow"].values()}
    source = workflows["ledger-model-quality"]
    assert (
        "JSON_VALUE(pii_features, '$.device_type')" in source and "JSON_VALUE(features, '$.device_type')" not in source
    )
    batch = workflows["ledger-refund-forecast-batch"]
    assert "TO_JSON_STRING(STRUCT(p.merchant_id_hash AS merchant_id_hash)) AS pii_features" in batch
