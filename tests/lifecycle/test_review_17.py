"""One test (or a few) per finding of review 17 (/work/notes/review-17.md), each failing against the code it
reviewed, with the fake answering as Vertex AI does (tests/lifecycle/fake_gcp.py, pinned by
test_fake_semantics.py). Finding 6 (who may write audit events) belongs to the audit-trail change."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.request

import pytest
from google.api_core.exceptions import GoogleAPICallError
from typer.testing import CliRunner

from lifecycle import actions
from lifecycle.card import from_dict
from lifecycle.context import LifecycleError
from lifecycle.errors import EndpointChanged, MonitoringNotReady
from lifecycle.identity import with_project
from lifecycle.platform_refs import vertex_key
from lifecycle.traffic import canary_split
from lifecycle.vertex import DeployedModel, EndpointState, LiveVertex, ModelVersion
from scripts.cli import app
from tests.lifecycle.conftest import STACK_LABELS, audit_entries

MODEL = "projects/orbit-ledger-dev/locations/europe-west4/models/ledger-pay-scorer"
LOC = "projects/orbit-ledger-dev/locations/europe-west4"
IMAGE = "europe-west4-docker.pkg.dev/orbit-mlops-dev/serving-images/ledger/pay-scorer@sha256:" + "b" * 64


def card_version(card, version: str, **training):
    return from_dict({**card.raw, "version": version, "training": {**card.raw["training"], **training}})


def traffic(server, endpoint) -> dict[str, int]:
    """Traffic by version id."""
    ep = server.fake.endpoint(endpoint)
    version = {d["id"]: d["modelVersionId"] for d in ep["deployedModels"]}
    return {version[k]: v for k, v in ep["trafficSplit"].items()}


def deployed_versions(server, endpoint) -> list[str]:
    return sorted(d["modelVersionId"] for d in server.fake.endpoint(endpoint)["deployedModels"])


def first_champion(config, live, card):
    actions.register(config, live, card)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card)
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")


def champion_and_canary(config, live, card):
    first_champion(config, live, card)
    actions.register(config, live, card_version(card, "2024.11.0"))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")


def champion_and_previous(config, live, card):
    champion_and_canary(config, live, card)
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")


def upload_directly(server, **model) -> None:
    """What a principal with aiplatform.models.upload can do without `modelops register`."""
    body = {"parentModel": MODEL, "model": {"displayName": "x", **model}}
    request = urllib.request.Request(
        f"{server.url}/v1/{LOC}/models:upload",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).read()


def last_event(server) -> dict:
    return audit_entries(server)[-1]["jsonPayload"]


# --- 1. monitoring-job updates sent to a job that is not RUNNING ---------------------------------


def test_1_the_first_deploy_creates_the_job_with_its_log_ttl_and_sends_no_update_to_the_pending_job(
    server, live, config, card_scorer, ledger_endpoint
):
    server.fake.job_pending_reads = 10**6  # the job stays PENDING (no prediction traffic yet)
    actions.register(config, live, card_scorer)
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    [create] = server.fake.calls("POST", r"/modelDeploymentMonitoringJobs$")
    assert create.body["logTtl"] == f"{730 * 86400}s"
    assert not server.fake.calls("PATCH", r"/modelDeploymentMonitoringJobs/")
    job = server.fake.job_of(ledger_endpoint)
    assert job["state"] == "JOB_STATE_PENDING" and job["logTtl"] == f"{730 * 86400}s"
    assert outcome.result["monitoring_logs"]["log_ttl_days"] == 730


def test_1_a_deploy_waits_for_an_updating_job_then_updates_it(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_UPDATING", reads=3)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    [patch] = server.fake.calls("PATCH", r"/modelDeploymentMonitoringJobs/")
    reads = [
        r
        for r in server.fake.requests[: server.fake.requests.index(patch)]
        if "modelDeploymentMonitoringJobs/" in r.path
    ]
    assert len(reads) >= 3  # read until RUNNING, then updated
    assert len(server.fake.job_of(ledger_endpoint)["modelDeploymentMonitoringObjectiveConfigs"]) == 2


def test_1_a_job_that_stays_pending_stops_a_deploy_before_anything_changes(
    server, live, config, card_scorer, ledger_endpoint, monkeypatch
):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_PENDING")
    monkeypatch.setattr("lifecycle.job_state.DEFAULT_WAIT_SECONDS", 0.2)
    with pytest.raises(MonitoringNotReady, match=r"PENDING after 0s.*first 1000 prediction requests"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    assert len(server.fake.calls("POST", r":deployModel$")) == 1  # only the first deploy's
    assert traffic(server, ledger_endpoint) == {"1": 100}
    event = last_event(server)
    assert event["outcome"] == "failed" and event["steps"] == [] and "PENDING" in event["error"]


def test_1_a_paused_job_stops_a_deploy_at_once_and_says_how_to_resume_it(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_PAUSED")
    started = time.monotonic()
    with pytest.raises(
        MonitoringNotReady,
        match=r"PAUSED: someone paused it.*gcloud ai model-monitoring-jobs resume "
        r"\d+ --region=europe-west4",
    ):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")  # the default wait: 600 s
    assert time.monotonic() - started < 30  # PAUSED does not pass by itself: no waiting
    assert len(server.fake.calls("POST", r":deployModel$")) == 1


@pytest.mark.parametrize("command", ["rollback", "promote"])
def test_1_promote_and_rollback_move_traffic_and_aliases_and_leave_monitoring_pending(
    server, live, config, card_scorer, ledger_endpoint, command
):
    champion_and_previous(config, live, card_scorer)  # v2 champion, v1 previous-champion, both deployed
    actions.register(config, live, card_version(card_scorer, "2024.12.0"))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")  # v3 canary at 10%
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_PAUSED")
    objectives = len(server.fake.job_of(ledger_endpoint)["modelDeploymentMonitoringObjectiveConfigs"])
    if command == "rollback":
        outcome = actions.rollback(config, live, "ledger", "pay-scorer")
        assert traffic(server, ledger_endpoint) == {"1": 100, "2": 0, "3": 0}
        assert server.fake.aliases(MODEL)["1"] == ["champion", "default"]
    else:
        outcome = actions.promote(config, live, "ledger", "pay-scorer", "candidate")
        assert traffic(server, ledger_endpoint) == {"1": 0, "2": 0, "3": 100}
        assert server.fake.aliases(MODEL)["3"] == ["champion"]
    assert deployed_versions(server, ledger_endpoint) == ["1", "2", "3"]  # nothing undeployed: objectives unchanged
    assert len(server.fake.job_of(ledger_endpoint)["modelDeploymentMonitoringObjectiveConfigs"]) == objectives
    pending = outcome.result["monitoring_pending"]
    assert pending["state"] == "JOB_STATE_PAUSED" and pending["monitoring_job"].startswith("projects/orbit-ledger-dev/")
    assert any("stay deployed at 0%" in n and "modelops promote --version champion" in n for n in outcome.notes)
    assert last_event(server)["outcome"] == "succeeded"
    # Once the job runs again, promoting the champion finishes the clean-up.
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_RUNNING")
    tidy = actions.promote(config, live, "ledger", "pay-scorer", "champion")
    assert "monitoring_pending" not in tidy.result
    # what a rollback or promote with a RUNNING job leaves (test_scenario.py): champion, and previous after a promote
    assert deployed_versions(server, ledger_endpoint) == (["1"] if command == "rollback" else ["2", "3"])
    assert len(server.fake.job_of(ledger_endpoint)["modelDeploymentMonitoringObjectiveConfigs"]) == len(
        deployed_versions(server, ledger_endpoint)
    )


def test_1_a_job_that_is_not_running_is_exit_1_without_traceback(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_PAUSED")
    result = CliRunner().invoke(
        app, ["deploy", "-t", "ledger", "-m", "pay-scorer", "-v", "candidate", "--emulator", server.url]
    )
    assert result.exit_code == 1, result.output
    assert "error: monitoring job projects/orbit-ledger-dev/" in result.stderr and "is PAUSED" in result.stderr
    assert "Traceback" not in result.output
    server.fake.set_job_state(ledger_endpoint, "JOB_STATE_PENDING")
    args = ["deploy", "-t", "ledger", "-m", "pay-scorer", "-v", "candidate", "--emulator", server.url]
    waited = CliRunner().invoke(app, [*args, "--monitoring-wait", "0"])
    assert waited.exit_code == 1 and "is PENDING after 0s" in waited.stderr


# --- 2. nothing the lifecycle created was encrypted with CMEK -----------------------------------


def test_2_under_the_cmek_guardrail_the_version_and_the_job_use_the_platforms_vertex_key(
    server, live, config, card_scorer, ledger_endpoint
):
    server.fake.restrict_non_cmek = True  # gcp.restrictNonCmekServices denies aiplatform.googleapis.com
    registered = actions.register(config, live, card_scorer)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    key = vertex_key(config, "dev")
    assert key == "projects/orbit-mlops-dev/locations/europe-west4/keyRings/orbit-mlops-dev/cryptoKeys/vertex"
    assert server.fake.versions(MODEL)["1"]["encryptionSpec"] == {"kmsKeyName": key}
    assert server.fake.job_of(ledger_endpoint)["encryptionSpec"] == {"kmsKeyName": key}
    assert registered.result["encryption_key"] == key
    assert audit_entries(server)[0]["jsonPayload"]["result"]["encryption_key"] == key


# --- 3. a second deploy without a promote took 100% and undeployed what served -------------------


def test_3_a_second_deploy_without_a_promote_is_a_canary_next_to_the_version_that_serves(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)  # 100%, never promoted
    second = card_version(card_scorer, "2024.11.0")
    actions.register(config, live, second)
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=second)
    assert traffic(server, ledger_endpoint) == {"1": 90, "2": 10}
    assert outcome.result["traffic_percent"] == 10 and outcome.result["undeployed"] == []


def _endpoint(*served: tuple[str, str, int]) -> EndpointState:
    deployed = tuple(DeployedModel(i, MODEL, v, f"pay-scorer-v{v}") for i, v, _ in served)
    return EndpointState("projects/p/locations/l/endpoints/1", deployed, {i: p for i, _, p in served}, None)


def test_3_the_rest_stays_with_every_serving_version_in_proportion_when_no_champion_serves():
    endpoint = _endpoint(("11", "1", 75), ("12", "2", 25))
    pct, split, already = canary_split(endpoint, ModelVersion(MODEL, "3"), None, 20)
    assert (pct, split, already) == (20, {"11": 60, "12": 20, "0": 20}, None)
    pct, split, _ = canary_split(_endpoint(("11", "1", 67), ("12", "2", 33)), ModelVersion(MODEL, "3"), None, None)
    assert split == {"11": 60, "12": 30, "0": 10} and sum(split.values()) == 100


def test_3_only_an_empty_endpoint_gets_100_by_default():
    assert canary_split(_endpoint(), ModelVersion(MODEL, "1"), None, None)[:2] == (100, {"0": 100})
    with pytest.raises(LifecycleError, match="none serves traffic; pass --traffic 100"):
        canary_split(_endpoint(("11", "1", 0)), ModelVersion(MODEL, "2"), None, None)


# --- 4. deploy bypassed the card gates ----------------------------------------------------------


def test_4_a_version_uploaded_outside_register_is_not_deployed(server, live, config, card_scorer, ledger_endpoint):
    actions.register(config, live, card_scorer)
    upload_directly(server, containerSpec={"imageUri": "docker.io/evil/x:latest"})
    with pytest.raises(
        LifecycleError,
        match=r"@2 may not be deployed: it was not registered by `modelops register`"
        r".*no card_sha label.*its container image: 'docker.io/evil/x:latest'",
    ):
        actions.deploy(config, live, "ledger", "pay-scorer", "2")
    assert not server.fake.calls("POST", r":deployModel$")


def test_4_copied_labels_do_not_let_an_image_from_elsewhere_through(server, live, config, card_scorer, ledger_endpoint):
    actions.register(config, live, card_scorer)
    labels = server.fake.versions(MODEL)["1"]["labels"]
    upload_directly(
        server, labels=labels, containerSpec={"imageUri": "us-docker.pkg.dev/other/public/x@sha256:" + "a" * 64}
    )
    with pytest.raises(
        LifecycleError,
        match=r"its container image: 'us-docker\.pkg\.dev/other/public/x@sha256:a+' is "
        r"not in the platform's serving-image repository",
    ):
        actions.deploy(config, live, "ledger", "pay-scorer", "2")


def test_4_traffic_100_next_to_the_champion_is_refused(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    with pytest.raises(
        LifecycleError,
        match=r"--traffic 100 would take all traffic from version 1 \(100%\).*"
        "modelops promote",
    ):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", traffic=100)
    assert traffic(server, ledger_endpoint) == {"1": 100}


def test_4_a_card_whose_version_label_normalises_alike_is_not_the_registered_card(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)  # 2024.10.1 -> label 2024_10_1
    look_alike = card_version(card_scorer, "2024_10_1")
    with pytest.raises(LifecycleError, match="--card 2024_10_1 is not the card it was registered from"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=look_alike)


def test_4_a_card_with_another_skew_baseline_under_the_same_version_is_refused(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)
    other = card_version(
        card_scorer, card_scorer.version, baseline="bq://orbit-ledger-prod.ledger_features.other_table"
    )
    with pytest.raises(LifecycleError, match="labels differ: card_sha="):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=other)
    assert not server.fake.calls("POST", r":deployModel$")


# --- 8. audit events incomplete where it matters ----------------------------------------------


def test_8_when_the_log_ttl_cannot_be_set_after_create_the_event_names_the_job(
    server, live, config, card_scorer, ledger_endpoint
):
    server.fake.drop_on_create = {"logTtl"}  # a create that comes back without the TTL
    server.fake.fail_next("updateJob", "FAILED_PRECONDITION", "the TTL update is refused")
    actions.register(config, live, card_scorer)
    with pytest.raises(GoogleAPICallError, match="the TTL update is refused"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    job = with_project(server.fake.job_of(ledger_endpoint)["name"], "orbit-ledger-dev")
    event = last_event(server)
    assert event["result"]["monitoring_job"] == job
    assert [(s["step"], s["status"], s.get("monitoring_job")) for s in event["steps"]] == [
        ("deploy_model", "done", None),
        ("create_monitoring", "done", job),
        ("set_log_ttl", "failed", job),
    ]


def test_8_ctrl_c_during_deploy_model_still_writes_the_event(
    server, live, config, card_scorer, ledger_endpoint, monkeypatch
):
    actions.register(config, live, card_scorer)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(LiveVertex, "deploy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    event = last_event(server)
    assert event["action"] == "deploy" and event["outcome"] == "failed"
    assert event["error"] == "KeyboardInterrupt: interrupted"
    assert [(s["step"], s["status"]) for s in event["steps"]] == [("deploy_model", "failed")]


def test_8_sigterm_during_deploy_model_writes_the_event_then_exits(
    server, live, config, card_scorer, ledger_endpoint, monkeypatch
):
    actions.register(config, live, card_scorer)

    def cancelled(self, *args, **kwargs):  # CI cancels the job while deployModel runs
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)

    monkeypatch.setattr(LiveVertex, "deploy", cancelled)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is the command's only
    event = last_event(server)
    assert event["outcome"] == "failed" and event["error"] == "Terminated: terminated by SIGTERM"


def test_8_a_failure_says_what_was_done_before_it(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.fail_next("updateJob", "FAILED_PRECONDITION", "job is being updated")
    with pytest.raises(GoogleAPICallError) as failed:
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    assert any(n.startswith("done before it stopped: deploy_model") for n in failed.value.__notes__)


# --- 10. private SDK internals ------------------------------------------------------------------


def test_10_aliases_move_without_the_sdks_private_merge(server, live, config, card_scorer, monkeypatch):
    from google.cloud.aiplatform.models import ModelRegistry

    def private(*args, **kwargs):
        raise AssertionError("ModelRegistry._merge_version_aliases is private")

    monkeypatch.setattr(ModelRegistry, "_merge_version_aliases", private)
    actions.register(config, live, card_scorer)
    assert server.fake.aliases(MODEL) == {"1": ["candidate", "default"]}


# --- 12. no concurrency control ------------------------------------------------------------------


def test_12_a_promote_planned_from_a_read_that_went_stale_is_aborted_by_the_etag(
    server, live, config, card_scorer, ledger_endpoint
):
    champion_and_canary(config, live, card_scorer)
    read = server.fake._get_endpoint
    reads: list[dict] = []

    def read_then_someone_acts(req, resource):
        reply = dict(read(req, resource))
        if not reads:  # right after the promote's own read, another command changes the endpoint
            server.fake._touch(server.fake.endpoint(ledger_endpoint))
        reads.append(reply)
        return reply

    server.fake._get_endpoint = read_then_someone_acts
    with pytest.raises(GoogleAPICallError, match="etag") as refused:  # ABORTED is HTTP 409 (google/rpc/code.proto)
        actions.promote(config, live, "ledger", "pay-scorer", "candidate")
    assert refused.value.code == 409
    assert traffic(server, ledger_endpoint) == {"1": 90, "2": 10}


def test_12_a_deploy_that_finds_the_endpoint_changed_after_deploy_model_undeploys_nothing(
    server, live, config, card_scorer, ledger_endpoint
):
    champion_and_canary(config, live, card_scorer)  # v1 90%, v2 10%
    actions.register(config, live, card_version(card_scorer, "2024.12.0"))
    deploy = server.fake._deploy

    def deploy_while_someone_promotes(req, resource):
        reply = deploy(req, resource)
        endpoint = server.fake.endpoint(ledger_endpoint)
        ids = {d["modelVersionId"]: d["id"] for d in endpoint["deployedModels"]}
        endpoint["trafficSplit"] = {ids["1"]: 0, ids["2"]: 90, ids["3"]: 10}  # v2 promoted meanwhile
        return reply

    server.fake._deploy = deploy_while_someone_promotes
    with pytest.raises(EndpointChanged, match="changed while this command ran"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    assert traffic(server, ledger_endpoint) == {"1": 0, "2": 90, "3": 10}  # v2 still serves: not undeployed
    assert deployed_versions(server, ledger_endpoint) == ["1", "2", "3"]


# --- 13. personal data in registry labels --------------------------------------------------------


def test_13_no_registry_label_carries_the_business_owners_email(server, live, config, card_scorer):
    actions.register(config, live, card_scorer)
    labels = server.fake.versions(MODEL)["1"]["labels"]
    assert "business_owner" not in labels
    assert not [v for v in labels.values() if "maria" in v or "orbit_example" in v]


# --- 14. a promote that stops halfway --------------------------------------------------------------


def test_14_rollback_after_a_promote_stopped_between_its_alias_moves(
    server, live, config, card_scorer, ledger_endpoint
):
    champion_and_canary(config, live, card_scorer)
    server.fake.fail_next("mergeVersionAliases:champion", "FAILED_PRECONDITION", "the registry is busy")
    with pytest.raises(GoogleAPICallError) as failed:
        actions.promote(config, live, "ledger", "pay-scorer", "candidate")
    assert any(
        "run `modelops promote --version 2` again to finish, or `modelops rollback`" in n
        for n in failed.value.__notes__
    )
    assert server.fake.aliases(MODEL)["1"] == ["champion", "default", "previous-champion"]
    assert traffic(server, ledger_endpoint) == {"1": 0, "2": 100}
    outcome = actions.rollback(config, live, "ledger", "pay-scorer")
    assert traffic(server, ledger_endpoint) == {"1": 100}
    assert server.fake.aliases(MODEL) == {"1": ["champion", "default"], "2": ["candidate"]}
    assert outcome.result["rolled_back_version"] == "2"
    assert any("a promote stopped between its two alias moves" in n for n in outcome.notes)


# --- 15. alert routing by display name ---------------------------------------------------------


def test_15_a_look_alike_channel_without_the_stacks_labels_is_not_used(
    server, live, config, card_scorer, ledger_endpoint
):
    real = server.fake.channels["orbit-ledger-dev"].pop()
    fake = server.fake.add_channel("orbit-ledger-dev", "ledger-oncall", labels={"team": "ledger"})  # made by hand
    server.fake.channels["orbit-ledger-dev"].append(real)
    actions.register(config, live, card_scorer)
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    assert outcome.result["monitoring"]["alert"]["notification_channels"] == [real["name"]] != [fake]


def test_15_two_channels_with_the_stacks_labels_are_ambiguous(server, live, config, card_scorer, ledger_endpoint):
    server.fake.add_channel("orbit-ledger-dev", "ledger-oncall", labels=STACK_LABELS)
    actions.register(config, live, card_scorer)
    with pytest.raises(LifecycleError, match="2 channels carry it with the stack's labels"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)


# --- 17. YAML serving changes never reached deployed versions -------------------------------------


def test_17_a_redeploy_brings_the_replica_counts_of_the_team_file(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    [deployed] = server.fake.endpoint(ledger_endpoint)["deployedModels"]
    deployed["dedicatedResources"].update(
        minReplicaCount=1, maxReplicaCount=3, machineSpec={"machineType": "n2-standard-8"}
    )
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "1")
    [mutate] = server.fake.calls("POST", r":mutateDeployedModel$")
    assert mutate.body["deployedModel"]["id"] == deployed["id"]
    assert deployed["dedicatedResources"] == {
        "machineSpec": {"machineType": "n2-standard-8"},
        "minReplicaCount": 2,
        "maxReplicaCount": 10,
    }  # tests/fixtures/org/teams/ledger.yaml
    assert traffic(server, ledger_endpoint) == {"1": 100}  # a redeploy keeps the share
    assert any("runs on n2-standard-8" in n and "cannot change" in n for n in outcome.notes)
    assert [s["step"] for s in outcome.audit_event["steps"]] == ["set_traffic", "set_replicas", "update_monitoring"]
