"""The lifecycle against a local fake of the Google APIs, through the real google-cloud-aiplatform
and google-cloud-logging clients over REST. Assertions are on the requests the fake recorded."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from config import names
from lifecycle import actions
from lifecycle.card import load_card
from lifecycle.context import LifecycleError
from lifecycle.identity import with_project
from lifecycle.provenance import card_digest
from tests.lifecycle.conftest import CARDS, audit_entries
from tests.lifecycle.fake_gcp import canonical

MODEL = "projects/orbit-ledger-dev/locations/europe-west4/models/ledger-pay-scorer"
SERVING_SA = "ledger-serving@orbit-ledger-dev.iam.gserviceaccount.com"
VERTEX_KEY = "projects/orbit-mlops-dev/locations/europe-west4/keyRings/orbit-mlops-dev/cryptoKeys/vertex"


def second_card(card):
    raw = {**card.raw, "version": "2024.11.0"}
    return dataclasses.replace(card, version="2024.11.0", raw=raw)


def aliases(server) -> dict[str, list[str]]:
    return server.fake.aliases(MODEL)


def deployed_ids(server, endpoint) -> list[str]:
    return [d["id"] for d in server.fake.endpoint(endpoint)["deployedModels"]]


def test_register_first_version_creates_the_model_with_labels_aliases_and_descriptions(
    server, live, config, card_scorer
):
    outcome = actions.register(config, live, card_scorer)
    upload = server.fake.calls("POST", r"/models:upload$")
    assert len(upload) == 1
    body = upload[0].body
    assert body["modelId"] == "ledger-pay-scorer" and "parentModel" not in body
    model = body["model"]
    assert model["versionAliases"] == ["default"]  # candidate follows by mergeVersionAliases
    assert model["labels"] == {
        "team": "ledger",
        "model": "pay-scorer",
        "env": "dev",
        "card_version": "2024_10_1",
        "train_code_sha": "3f9c2a7d1e5b8c0a4f6d2e9b7a1c3e5f7d9b0a2c",
        "serve_code_sha": "8b1d4f6a2c9e0b3d5f7a1c4e6b8d0f2a4c6e8b0d",
        "deps_sha": "5d41402abc4b2a76b9719d911017c592ae1f2b5c",
        "data_class": "restricted",
        "personal_data": "yes",
        "card_sha": card_digest(card_scorer)[:40],
        "managed-by": "modelops",
    }
    assert all(names.LABEL_VALUE.match(v) for v in model["labels"].values())
    assert model["containerSpec"]["imageUri"] == card_scorer.serving_image
    assert model["artifactUri"] == card_scorer.artifact_uri
    assert (
        "bq://orbit-ledger-prod.ledger_features.transactions_train @ transactions_train_snapshot_20240930"
        in model["versionDescription"]
    )
    assert (
        "uv.lock sha256:5d41402abc4b2a76b9719d911017c592ae1f2b5c8d3e6f9a0b1c2d3e4f5a6b7c" in model["versionDescription"]
    )
    assert outcome.result["version_id"] == "1" and outcome.result["model"] == MODEL
    # After the LRO the SDK reads the new version back by its versioned name (the project as a number).
    assert server.fake.calls("GET", r"/models/ledger-pay-scorer@1$")
    assert aliases(server) == {"1": ["candidate", "default"]}


def test_register_writes_one_audit_event_with_every_card_field(server, live, config, card_scorer):
    actions.register(config, live, card_scorer)
    entries = server.fake.log_entries
    # The client's diagnostic entry is suppressed: the governance table only gets audit events.
    assert not [e for e in entries if "logging.googleapis.com/diagnostic" in e.get("jsonPayload", {})]
    [entry] = audit_entries(server)
    assert entry["logName"] == "projects/orbit-mlops-dev/logs/modelops-audit"
    assert entry["resource"] == {"type": "global", "labels": {"project_id": "orbit-mlops-dev"}}
    assert entry["severity"] == "NOTICE"
    assert entry["labels"] == {
        "team": "ledger",
        "model": "pay-scorer",
        "action": "register",
        "env": "dev",
        "outcome": "succeeded",
    }
    payload = entry["jsonPayload"]
    assert payload["card"] == dict(card_scorer.raw)
    assert payload["result"]["model"] == MODEL and payload["result"]["version_id"] == "1"
    assert payload["dry_run"] is False and payload["caller"]["host"] == socket.gethostname()
    assert payload["project"] == "orbit-ledger-dev" and payload["event"] == "model_register"


def test_register_new_version_uses_the_parent_model_and_moves_the_candidate_alias(server, live, config, card_scorer):
    actions.register(config, live, card_scorer)
    outcome = actions.register(config, live, second_card(card_scorer))
    second = server.fake.calls("POST", r"/models:upload$")[1].body
    assert second["parentModel"] == MODEL and "modelId" not in second
    assert "versionAliases" not in second["model"]  # the default alias stays on version 1
    merge = server.fake.calls("POST", r":mergeVersionAliases$")
    # One call per registration: the merge on the new version moves candidate off the old one.
    assert [(m.path.rsplit("/", 1)[1], m.body) for m in merge] == [
        ("ledger-pay-scorer@1:mergeVersionAliases", {"versionAliases": ["candidate"]}),
        ("ledger-pay-scorer@2:mergeVersionAliases", {"versionAliases": ["candidate"]}),
    ]
    assert aliases(server) == {"1": ["default"], "2": ["candidate"]}
    assert outcome.result["version_id"] == "2"


def test_dry_run_prints_the_same_upload_arguments_a_live_run_sends(server, live, config, card_scorer):
    dry = actions.register(config, dataclasses.replace(live, dry_run=True), card_scorer)
    assert server.fake.requests == []  # nothing reached the server
    actions.register(config, live, card_scorer)
    planned = next(r for r in dry.requests if r["path"].endswith("/models:upload"))["arguments"]
    sent = server.fake.calls("POST", r"/models:upload$")[0].body["model"]
    assert planned["labels"] == sent["labels"]
    assert planned["version_description"] == sent["versionDescription"]
    assert planned["description"] == sent["description"]
    assert planned["serving_container_image_uri"] == sent["containerSpec"]["imageUri"]
    planned_upload = next(r for r in dry.requests if r["sdk"] == "aiplatform.Model.upload")
    assert planned_upload["path"] == server.fake.calls("POST", r"/models:upload$")[0].path
    assert dry.requests[0]["path"] == server.fake.requests[0].path  # the existence check comes first in both


def deploy_first(server, live, config, card):
    actions.register(config, live, card)
    return actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card)


def test_first_deploy_takes_all_traffic_on_dedicated_replicas_as_the_team_serving_account(
    server, live, config, card_scorer, ledger_endpoint
):
    outcome = deploy_first(server, live, config, card_scorer)
    [call] = server.fake.calls("POST", r":deployModel$")
    assert call.path == f"/v1/{canonical(ledger_endpoint)}:deployModel"  # the SDK reuses the name Vertex returned
    deployed = call.body["deployedModel"]
    assert deployed["model"] == f"{canonical(MODEL)}@1"
    assert deployed["serviceAccount"] == SERVING_SA
    assert deployed["displayName"] == "pay-scorer-v1"
    assert deployed["dedicatedResources"] == {
        "machineSpec": {"machineType": "n2-standard-4"},
        "minReplicaCount": 2,
        "maxReplicaCount": 10,
    }
    assert deployed["enableAccessLogging"] is True
    assert call.body["trafficSplit"] == {"0": 100}
    assert outcome.result["traffic_percent"] == 100


def test_deploy_creates_monitoring_with_per_feature_thresholds_baseline_channels_and_logging(
    server, live, config, card_scorer, ledger_endpoint
):
    deploy_first(server, live, config, card_scorer)
    [create] = server.fake.calls("POST", r"/modelDeploymentMonitoringJobs$")
    job = create.body
    assert job["endpoint"] == canonical(ledger_endpoint)
    assert job["displayName"] == "ledger-pay-scorer-dev-monitoring"
    [objective] = job["modelDeploymentMonitoringObjectiveConfigs"]
    [deployed_id] = deployed_ids(server, ledger_endpoint)
    assert objective["deployedModelId"] == deployed_id
    config_ = objective["objectiveConfig"]
    # Thresholds from tests/fixtures/org/teams/ledger.yaml; the pii feature customer_email is not monitored.
    expected = {"amount": {"value": 0.2}, "merchant_category": {"value": 0.2}, "card_country": {"value": 0.2}}
    assert config_["predictionDriftDetectionConfig"]["driftThresholds"] == expected
    assert config_["trainingPredictionSkewDetectionConfig"]["skewThresholds"] == expected
    # The card's snapshot table (training.data[0].snapshot), not the live table.
    assert config_["trainingDataset"] == {
        "bigquerySource": {"inputUri": "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20240930"},
        "targetField": "is_fraud",
    }
    channel = server.fake.channels["orbit-ledger-dev"][0]["name"]
    alert = job["modelMonitoringAlertConfig"]
    assert alert["notificationChannels"] == [channel] and alert["enableLogging"] is True
    assert job["modelDeploymentMonitoringScheduleConfig"] == {"monitorInterval": "3600s"}
    assert job["loggingSamplingStrategy"] == {"randomSampleConfig": {"sampleRate": 1.0}}
    # The SDK's create() drops bigquery_tables_log_ttl (aiplatform/jobs.py:3513-3528 in 2.7.0): the GAPIC create
    # carries it, with the platform's Vertex AI key, so no update has to follow (a new job is PENDING).
    assert job["logTtl"] == f"{730 * 86400}s"
    assert job["encryptionSpec"] == {"kmsKeyName": VERTEX_KEY}
    assert not server.fake.calls("PATCH", r"/modelDeploymentMonitoringJobs/")
    assert job["labels"]["team"] == "ledger"


def test_second_deploy_is_a_canary_next_to_the_champion_and_updates_monitoring(
    server, live, config, card_scorer, ledger_endpoint
):
    deploy_first(server, live, config, card_scorer)
    actions.promote(config, live, "ledger", "pay-scorer", "1")
    [first_id] = deployed_ids(server, ledger_endpoint)
    actions.register(config, live, second_card(card_scorer))
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    second_deploy = server.fake.calls("POST", r":deployModel$")[1]
    assert second_deploy.body["deployedModel"]["model"] == f"{canonical(MODEL)}@2"
    assert second_deploy.body["trafficSplit"] == {"0": 10, first_id: 90}
    second_id = outcome.result["deployed_model_id"]
    assert server.fake.endpoint(ledger_endpoint)["trafficSplit"] == {first_id: 90, second_id: 10}
    # One monitoring job per endpoint: the second deploy updates it to cover both deployed models.
    assert len(server.fake.calls("POST", r"/modelDeploymentMonitoringJobs$")) == 1
    patch = server.fake.calls("PATCH", r"/modelDeploymentMonitoringJobs/")[-1]
    covered = {c["deployedModelId"] for c in patch.body["modelDeploymentMonitoringObjectiveConfigs"]}
    assert covered == {first_id, second_id}
    assert "modelDeploymentMonitoringObjectiveConfigs" in patch.query["updateMask"][0]


def test_canary_without_a_champion_is_refused(server, live, config, card_scorer, ledger_endpoint):
    actions.register(config, live, card_scorer)
    with pytest.raises(LifecycleError, match="first deployment takes 100%"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", traffic=20)
    assert not server.fake.calls("POST", r":deployModel$")
    [event] = audit_entries(server)[-1:]
    assert event["jsonPayload"]["outcome"] == "failed" and event["severity"] == "ERROR"


def test_promote_sends_all_traffic_and_moves_champion_and_previous_champion(
    server, live, config, card_scorer, ledger_endpoint
):
    deploy_first(server, live, config, card_scorer)
    actions.promote(config, live, "ledger", "pay-scorer", "1")
    actions.register(config, live, second_card(card_scorer))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    first_id, second_id = deployed_ids(server, ledger_endpoint)
    outcome = actions.promote(config, live, "ledger", "pay-scorer", "candidate")
    patch = server.fake.calls("PATCH", r"/endpoints/")[-1]
    assert patch.query["updateMask"] == ["trafficSplit"]
    assert patch.body["trafficSplit"] == {first_id: 0, second_id: 100}
    assert aliases(server) == {"1": ["default", "previous-champion"], "2": ["champion"]}
    assert deployed_ids(server, ledger_endpoint) == [first_id, second_id]  # the previous champion stays deployed
    assert outcome.result["previous_champion"] == "1"
    event = audit_entries(server)[-1]["jsonPayload"]
    assert event["action"] == "promote" and event["result"]["traffic_split"] == {first_id: 0, second_id: 100}


def test_rollback_returns_traffic_and_the_champion_alias_to_the_previous_champion(
    server, live, config, card_scorer, ledger_endpoint
):
    deploy_first(server, live, config, card_scorer)
    actions.promote(config, live, "ledger", "pay-scorer", "1")
    actions.register(config, live, second_card(card_scorer))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    actions.promote(config, live, "ledger", "pay-scorer", "2")
    first_id, second_id = deployed_ids(server, ledger_endpoint)
    outcome = actions.rollback(config, live, "ledger", "pay-scorer")
    assert server.fake.calls("PATCH", r"/endpoints/")[-1].body["trafficSplit"] == {first_id: 100, second_id: 0}
    assert aliases(server) == {"1": ["champion", "default"], "2": []}
    result = {k: v for k, v in outcome.result.items() if k not in ("monitoring", "monitoring_logs")}
    assert result == {
        "endpoint": ledger_endpoint,
        "endpoint_id": ledger_endpoint.rsplit("/", 1)[1],
        "traffic_split": {first_id: 100, second_id: 0},
        "model": MODEL,
        "model_id": "ledger-pay-scorer",
        "version_id": "1",
        "rolled_back_version": "2",
        "undeployed": [{"deployed_model_id": second_id, "version_id": "2"}],
        "monitoring_job": with_project(
            server.fake.endpoint(ledger_endpoint)["modelDeploymentMonitoringJob"], "orbit-ledger-dev"
        ),
    }
    assert result["monitoring_job"].startswith("projects/orbit-ledger-dev/")  # the project id, as events spell it
    assert deployed_ids(server, ledger_endpoint) == [first_id]
    with pytest.raises(LifecycleError, match="no previous-champion"):
        actions.rollback(config, live, "ledger", "pay-scorer")
    actions_logged = [e["jsonPayload"]["action"] for e in audit_entries(server)]
    assert actions_logged == ["register", "deploy", "promote", "register", "deploy", "promote", "rollback", "rollback"]
    assert audit_entries(server)[-1]["jsonPayload"]["outcome"] == "failed"


def test_batch_models_are_promoted_by_alias_only(server, live, config):
    card, _ = load_card(CARDS / "ledger-refund-forecast.yaml")
    actions.register(config, live, card)
    with pytest.raises(LifecycleError, match=r"batch model .* no endpoint"):
        actions.deploy(config, live, "ledger", "refund-forecast", "candidate")
    outcome = actions.promote(config, live, "ledger", "refund-forecast", "candidate")
    versions = server.fake.aliases("projects/orbit-ledger-dev/locations/europe-west4/models/ledger-refund-forecast")
    assert versions["1"] == ["champion", "default"]
    assert not server.fake.calls(pattern=r"/endpoints/")
    assert "alias" in outcome.notes[0]


def test_deploy_to_a_missing_endpoint_names_the_stack_to_deploy(server, live, config, card_scorer):
    actions.register(config, live, card_scorer)
    with pytest.raises(LifecycleError, match="cdktn deploy team-ledger-dev"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")


def test_deploy_refuses_a_card_that_is_not_the_registered_version(server, live, config, card_scorer, ledger_endpoint):
    actions.register(config, live, card_scorer)
    with pytest.raises(
        LifecycleError,
        match=r"--card 2024.11.0 is not the card it was registered from; labels differ: "
        r"card_sha=.*card_version='2024_10_1' \(card: '2024_11_0'\)",
    ):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=second_card(card_scorer))


def test_missing_notification_channel_is_bad_input(server, live, config, card_scorer, ledger_endpoint):
    server.fake.channels.clear()
    actions.register(config, live, card_scorer)
    with pytest.raises(LifecycleError, match="notification channel 'ledger-oncall'"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", channels=["42"])
    assert outcome.result["monitoring"]["alert"]["notification_channels"] == [
        "projects/orbit-ledger-dev/notificationChannels/42"
    ]


def test_the_network_guard_fails_non_loopback_connections():
    with socket.socket() as sock, pytest.raises(AssertionError, match="non-loopback"):
        sock.connect(("10.255.255.1", 443))
