"""The fake behaves as Google documents: one test per behaviour in ``fake_gcp.SOURCES``, over plain HTTP.

These pin the fake to its cited sources, so the lifecycle tests that run the real SDK against it test
the CLI against Google's semantics rather than against our own beliefs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.lifecycle.fake_gcp import SOURCES, canonical, project_number

LOC = "projects/orbit-ledger-dev/locations/europe-west4"
MODEL = f"{LOC}/models/m"
ENDPOINT = f"{LOC}/endpoints/123"
RESOURCES = {
    "dedicatedResources": {"machineSpec": {"machineType": "n2-standard-4"}, "minReplicaCount": 1, "maxReplicaCount": 2}
}
TESTED: set[str] = set()


def covers(*keys: str):
    TESTED.update(keys)
    return pytest.mark.parametrize("_source", [keys])


def api(server, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{server.url}/v1/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def upload(server, aliases=(), parent: bool = False) -> str:
    body: dict[str, Any] = {"model": {"displayName": "m", "versionAliases": list(aliases)}}
    body.update({"parentModel": MODEL} if parent else {"modelId": "m"})
    status, op = api(server, "POST", f"{LOC}/models:upload", body)
    assert status == 200, op
    return op["response"]["modelVersionId"]


def merge(server, version: str, changes: list[str]) -> tuple[int, dict]:
    return api(server, "POST", f"{MODEL}@{version}:mergeVersionAliases", {"versionAliases": changes})


def aliases(server) -> dict[str, list[str]]:
    return server.fake.aliases(MODEL)


def deploy(server, version: str, split: dict | None = None, resources=RESOURCES) -> dict:
    body = {"deployedModel": {"model": f"{MODEL}@{version}", **resources}}
    if split is not None:
        body["trafficSplit"] = split
    status, op = api(server, "POST", f"{ENDPOINT}:deployModel", body)
    assert status == 200, op
    return op


@pytest.fixture
def endpoint(server):
    server.fake.add_endpoint(ENDPOINT)
    return server.fake.endpoint(ENDPOINT)


@covers("project_number")
def test_names_come_back_with_the_project_number_and_either_spelling_is_accepted(server, _source):
    upload(server)
    number = project_number("orbit-ledger-dev")
    assert number.isdigit() and len(number) == 12
    by_id = api(server, "GET", MODEL)[1]
    by_number = api(server, "GET", MODEL.replace("orbit-ledger-dev", number))[1]
    assert by_id == by_number and by_id["name"] == f"projects/{number}/locations/europe-west4/models/m"


@covers("first_version_default", "version_id")
def test_the_first_version_gets_default_and_version_ids_count_up(server, _source):
    assert upload(server) == "1"
    assert upload(server, parent=True) == "2"
    assert aliases(server) == {"1": ["default"], "2": []}


@covers("get_default")
def test_a_name_without_version_reads_the_default_version(server, _source):
    upload(server)
    upload(server, parent=True)
    merge(server, "2", ["default"])
    assert api(server, "GET", MODEL)[1]["versionId"] == "2"


@covers("alias_format")
def test_aliases_must_match_the_documented_pattern(server, _source):
    upload(server)
    assert merge(server, "1", ["Champion"])[0] == 400
    assert merge(server, "1", ["2nd"])[0] == 400
    assert merge(server, "1", ["champion"])[0] == 200


@covers("alias_moves")
def test_merging_an_alias_another_version_holds_moves_it_in_one_call(server, _source):
    upload(server)
    upload(server, parent=True)
    merge(server, "1", ["champion"])
    status, _ = merge(server, "2", ["champion"])
    assert status == 200 and aliases(server) == {"1": ["default"], "2": ["champion"]}


@covers("alias_cancel")
def test_adding_and_removing_the_same_alias_cancels_out(server, _source):
    upload(server)
    merge(server, "1", ["blue"])
    merge(server, "1", ["blue", "-blue", "green"])
    assert aliases(server) == {"1": ["blue", "default", "green"]}


@covers("alias_versioned_name")
def test_merge_needs_a_version_id_in_the_name(server, _source):
    upload(server)
    assert merge(server, "default", ["x"])[0] == 400


@covers("default_kept")
def test_the_default_alias_cannot_be_removed_only_moved(server, _source):
    upload(server)
    assert merge(server, "1", ["-default"])[0] == 400


@covers("upload_alias_taken")
def test_an_upload_with_an_alias_another_version_holds_is_refused(server, _source):
    upload(server, aliases=["candidate"])
    body = {"parentModel": MODEL, "model": {"displayName": "m", "versionAliases": ["candidate"]}}
    assert api(server, "POST", f"{LOC}/models:upload", body)[0] == 400


@covers("traffic_sum")
def test_traffic_must_sum_to_100_and_unlisted_models_get_none(server, endpoint, _source):
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    second = deploy(server, "1", {first: 100})["response"]["deployedModel"]["id"]  # "0" unlisted: no traffic
    assert endpoint["trafficSplit"] == {first: 100}
    status, _ = api(server, "PATCH", f"{ENDPOINT}?updateMask=trafficSplit", {"trafficSplit": {first: 50, second: 40}})
    assert status == 400
    status, _ = api(server, "PATCH", f"{ENDPOINT}?updateMask=trafficSplit", {"trafficSplit": {"999": 100}})
    assert status == 400


@covers("traffic_zero_key")
def test_deploy_fills_in_the_new_id_for_0_and_an_empty_split_leaves_traffic_alone(server, endpoint, _source):
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    deploy(server, "1")
    assert endpoint["trafficSplit"] == {first: 100} and len(endpoint["deployedModels"]) == 2


@covers("deployed_model_id", "deployed_model_fields")
def test_deployed_models_have_numeric_ids_versionless_models_and_a_version_id(server, endpoint, _source):
    upload(server)
    deployed = deploy(server, "1", {"0": 100})["response"]["deployedModel"]
    assert deployed["id"].isdigit() and 1 <= len(deployed["id"]) <= 10
    assert deployed["model"] == canonical(MODEL) and deployed["modelVersionId"] == "1"


@covers("undeploy_traffic")
def test_a_model_with_traffic_is_undeployed_only_if_the_request_unassigns_it(server, endpoint, _source):
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    second = deploy(server, "1", {first: 100})["response"]["deployedModel"]["id"]
    assert api(server, "POST", f"{ENDPOINT}:undeployModel", {"deployedModelId": first})[0] == 400
    api(server, "POST", f"{ENDPOINT}:undeployModel", {"deployedModelId": first, "trafficSplit": {second: 100}})
    assert endpoint["trafficSplit"] == {second: 100}
    api(server, "POST", f"{ENDPOINT}:undeployModel", {"deployedModelId": second, "trafficSplit": {}})
    assert endpoint["trafficSplit"] == {} and endpoint["deployedModels"] == []


@covers("quota", "lro_error")
def test_dedicated_replicas_reserve_quota_at_max_replicas_and_the_operation_reports_the_error(
    server, endpoint, _source
):
    server.fake.cpu_quota = 16  # two deployments of 2 x n2-standard-4 (4 cores each)
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    deploy(server, "1", {first: 100})
    op = deploy(server, "1", {first: 100})
    assert op["done"] is True and "response" not in op
    assert op["error"]["code"] == 8 and "quota" in op["error"]["message"]  # RESOURCE_EXHAUSTED


@covers("update_mask_endpoint")
def test_an_endpoint_update_needs_a_mask_and_changes_only_masked_fields(server, endpoint, _source):
    assert api(server, "PATCH", ENDPOINT, {"displayName": "x"})[0] == 400
    api(server, "PATCH", f"{ENDPOINT}?updateMask=displayName", {"displayName": "x", "description": "ignored"})
    assert endpoint["displayName"] == "x" and "description" not in endpoint


def _job(server, endpoint, running: bool = True, **extra) -> str:
    """A job on ENDPOINT for one deployed model; ``running``: read it until it has left PENDING."""
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    body = {
        "displayName": "j",
        "endpoint": ENDPOINT,
        "modelDeploymentMonitoringObjectiveConfigs": [{"deployedModelId": first, "objectiveConfig": {}}],
        **extra,
    }
    status, job = api(server, "POST", f"{LOC}/modelDeploymentMonitoringJobs", body)
    assert status == 200, job
    while running and api(server, "GET", job["name"])[1]["state"] != "JOB_STATE_RUNNING":
        pass
    return job["name"]


def _settle(server, name: str) -> None:
    while api(server, "GET", name)[1]["state"] != "JOB_STATE_RUNNING":
        pass


@covers("update_mask_job")
def test_a_job_update_changes_only_updatable_fields(server, endpoint, _source):
    name = _job(server, endpoint)
    assert api(server, "PATCH", f"{name}?updateMask=endpoint", {"endpoint": "elsewhere"})[0] == 400
    api(server, "PATCH", f"{name}?updateMask=log_ttl", {"logTtl": "86400s", "displayName": "ignored"})
    job = server.fake.jobs[name]
    assert job["logTtl"] == "86400s" and job["displayName"] == "j"
    _settle(server, name)
    api(server, "PATCH", name, {"labels": {"a": "b"}})  # no mask: the non-empty updatable fields
    assert job["labels"] == {"a": "b"}


@covers("objective_ids_deployed", "objective_covers_all")
def test_objectives_name_deployed_models_and_conservatively_cover_all_of_them(server, endpoint, _source):
    name = _job(server, endpoint)
    [first] = [d["id"] for d in endpoint["deployedModels"]]
    second = deploy(server, "1", {first: 100})["response"]["deployedModel"]["id"]  # deployModel: no objective needed
    mask = "?updateMask=model_deployment_monitoring_objective_configs"
    only_first = {"modelDeploymentMonitoringObjectiveConfigs": [{"deployedModelId": first, "objectiveConfig": {}}]}
    assert api(server, "PATCH", name + mask, only_first)[0] == 400  # objective_covers_all: the fake's assumption
    both = {
        "modelDeploymentMonitoringObjectiveConfigs": [
            {"deployedModelId": i, "objectiveConfig": {}} for i in (first, second)
        ]
    }
    assert api(server, "PATCH", name + mask, both)[0] == 200
    _settle(server, name)
    stranger = {
        "modelDeploymentMonitoringObjectiveConfigs": both["modelDeploymentMonitoringObjectiveConfigs"]
        + [{"deployedModelId": "999", "objectiveConfig": {}}]
    }
    assert api(server, "PATCH", name + mask, stranger)[0] == 400  # objective_ids_deployed: the SDK's own check


@covers("job_states", "job_update_needs_running")
def test_a_new_job_is_pending_an_updated_one_updating_and_only_a_running_one_takes_updates(server, endpoint, _source):
    server.fake.job_pending_reads = server.fake.job_updating_reads = 2
    name = _job(server, endpoint, running=False)
    mask = f"{name}?updateMask=labels"
    states = [api(server, "GET", name)[1]["state"] for _ in range(3)]
    assert states == ["JOB_STATE_PENDING", "JOB_STATE_PENDING", "JOB_STATE_RUNNING"]
    status, reply = api(server, "PATCH", mask, {"labels": {"a": "b"}})
    assert status == 200 and reply["done"] is True
    assert api(server, "GET", name)[1]["state"] == "JOB_STATE_UPDATING"
    assert api(server, "PATCH", mask, {"labels": {"a": "c"}})[0] == 400  # UPDATING: refused
    assert [api(server, "GET", name)[1]["state"] for _ in range(2)] == ["JOB_STATE_UPDATING", "JOB_STATE_RUNNING"]
    server.fake.set_job_state(ENDPOINT, "JOB_STATE_PAUSED")
    status, error = api(server, "PATCH", mask, {"labels": {"a": "d"}})
    assert status == 400 and error["error"]["status"] == "FAILED_PRECONDITION" and "PAUSED" in error["error"]["message"]
    assert server.fake.jobs[name]["labels"] == {"a": "b"}


@covers("cmek_recorded", "cmek_org_policy")
def test_keys_are_kept_in_their_region_and_the_guardrail_refuses_resources_without_one(server, endpoint, _source):
    key = "projects/orbit-mlops-dev/locations/europe-west4/keyRings/orbit-mlops-dev/cryptoKeys/vertex"
    server.fake.restrict_non_cmek = True
    body = {"modelId": "m", "model": {"displayName": "m"}}
    status, error = api(server, "POST", f"{LOC}/models:upload", body)
    assert status == 400 and "restrictNonCmekServices" in error["error"]["message"]
    elsewhere = {
        "modelId": "m",
        "model": {"displayName": "m", "encryptionSpec": {"kmsKeyName": key.replace("europe-west4", "us-central1")}},
    }
    assert api(server, "POST", f"{LOC}/models:upload", elsewhere)[0] == 400
    with_key = {"modelId": "m", "model": {"displayName": "m", "encryptionSpec": {"kmsKeyName": key}}}
    assert api(server, "POST", f"{LOC}/models:upload", with_key)[0] == 200
    assert api(server, "GET", MODEL)[1]["encryptionSpec"] == {"kmsKeyName": key}
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    job = {
        "displayName": "j",
        "endpoint": ENDPOINT,
        "modelDeploymentMonitoringObjectiveConfigs": [{"deployedModelId": first, "objectiveConfig": {}}],
    }
    assert api(server, "POST", f"{LOC}/modelDeploymentMonitoringJobs", job)[0] == 400
    status, created = api(
        server, "POST", f"{LOC}/modelDeploymentMonitoringJobs", {**job, "encryptionSpec": {"kmsKeyName": key}}
    )
    assert status == 200 and server.fake.jobs[created["name"]]["encryptionSpec"] == {"kmsKeyName": key}


@covers("endpoint_etag")
def test_an_endpoint_update_with_a_stale_etag_is_aborted(server, endpoint, _source):
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    read = api(server, "GET", ENDPOINT)[1]["etag"]
    second = deploy(server, "1", {first: 100})["response"]["deployedModel"]["id"]  # a change: a new etag
    stale = {"trafficSplit": {first: 50, second: 50}, "etag": read}
    status, error = api(server, "PATCH", f"{ENDPOINT}?updateMask=trafficSplit", stale)
    assert status == 409 and error["error"]["status"] == "ABORTED"
    fresh = {**stale, "etag": api(server, "GET", ENDPOINT)[1]["etag"]}
    assert api(server, "PATCH", f"{ENDPOINT}?updateMask=trafficSplit", fresh)[0] == 200
    assert api(server, "PATCH", f"{ENDPOINT}?updateMask=trafficSplit", {"trafficSplit": {first: 100}})[0] == 200


@covers("mutate_deployed_model")
def test_only_replica_counts_of_a_deployed_model_can_be_mutated(server, endpoint, _source):
    upload(server)
    first = deploy(server, "1", {"0": 100})["response"]["deployedModel"]["id"]
    path = f"{ENDPOINT}:mutateDeployedModel"
    wanted = {
        "id": first,
        "dedicatedResources": {
            "machineSpec": {"machineType": "n2-standard-8"},
            "minReplicaCount": 3,
            "maxReplicaCount": 4,
        },
    }
    body = {
        "deployedModel": wanted,
        "updateMask": "dedicatedResources.minReplicaCount,dedicatedResources.maxReplicaCount",
    }
    status, op = api(server, "POST", path, body)
    assert status == 200 and op["done"] is True
    assert endpoint["deployedModels"][0]["dedicatedResources"] == {
        "machineSpec": {"machineType": "n2-standard-4"},
        "minReplicaCount": 3,
        "maxReplicaCount": 4,
    }
    machine = {**body, "updateMask": "dedicatedResources.machineSpec"}
    assert api(server, "POST", path, machine)[0] == 400


@covers("one_job_per_endpoint", "monitoring_tables")
def test_one_job_per_endpoint_logging_into_its_own_dataset(server, endpoint, _source):
    name = _job(server, endpoint)
    assert endpoint["modelDeploymentMonitoringJob"] == name
    [table] = server.fake.jobs[name]["bigqueryTables"]
    assert table["bigqueryTablePath"] == "bq://orbit-ledger-dev.model_deployment_monitoring_123.serving_predict"
    body = {"displayName": "j2", "endpoint": ENDPOINT, "modelDeploymentMonitoringObjectiveConfigs": []}
    assert api(server, "POST", f"{LOC}/modelDeploymentMonitoringJobs", body)[0] == 400


def test_every_cited_behaviour_has_a_test():
    assert set(SOURCES) == TESTED
