"""A local HTTP fake of the Vertex AI, Cloud Logging and Cloud Monitoring REST calls the CLI makes.

It keeps state (models with versions and aliases, endpoints with deployed models and traffic,
monitoring jobs, notification channels, log entries) so the real google-cloud-aiplatform /
google-cloud-logging clients run end to end, and records every request. Each behaviour follows
Google's documented semantics and names its source; ``SOURCES`` maps a short key to it, and
tests/lifecycle/test_fake_semantics.py has one test per key. Where Google documents nothing the
fake refuses (so the CLI cannot come to depend on it) and its source says "Not documented" and why the
refusal is the conservative choice. Error codes Google does not document are marked as the fake's choice.
Time is counted in reads: a new monitoring job answers PENDING to its first ``job_pending_reads`` reads,
an updated one UPDATING to ``job_updating_reads`` reads, as a real job would for a while. Unknown routes
answer 501.

Paths of the protos below are those of googleapis/googleapis google/cloud/aiplatform/v1/*.proto, as
rendered into the docstrings of google-cloud-aiplatform 2.7.0 (``aiplatform_v1/types/*.py``).
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.helpers import send_json

V1 = "type.googleapis.com/google.cloud.aiplatform.v1."

SOURCES = {
    "project_number": "Vertex AI answers with `projects/<project number>/...` in resource names although the caller "
    "wrote the project id (observed; the SDK's docstrings call {project} a project number: "
    "aiplatform/models.py:772, jobs.py:1921). Either spelling is accepted in requests.",
    "first_version_default": "model.proto Model.version_aliases: 'A default version alias will be created for the "
    "first version of the model, and there must be exactly one default version alias'.",
    "version_id": "model.proto Model.version_id: 'an auto-incrementing decimal number in string representation'.",
    "get_default": "models.get (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/get): "
    "'If no version id or alias is specified, the \"default\" version will be returned.'",
    "alias_format": "model_service.proto MergeVersionAliasesRequest.version_aliases: match "
    "[a-z][a-zA-Z0-9-]{0,126}[a-z-0-9]; '-' prefix removes the alias.",
    "alias_moves": "https://cloud.google.com/vertex-ai/docs/model-registry/model-alias: 'If you apply an existing "
    "alias used in another version, it is removed from that version'; aliases are unique in a model.",
    "alias_cancel": "MergeVersionAliasesRequest: 'Adding and deleting the same alias in the request is not "
    "recommended, and the 2 operations will be cancelled out.'",
    "alias_versioned_name": "MergeVersionAliasesRequest.name: 'The name of the model version to merge aliases, with "
    "a version ID explicitly included.'",
    "default_kept": "Model.version_aliases: 'there must be exactly one default version alias for a model' "
    "(removing it from its only holder is refused).",
    "upload_alias_taken": "Not documented: whether models.upload with an alias another version holds moves it. The "
    "fake refuses, so the CLI moves aliases only with mergeVersionAliases.",
    "traffic_sum": "endpoint.proto Endpoint.traffic_split: 'The traffic percentage values must add up to 100, or "
    "map must be empty'; 'If a DeployedModel's ID is not listed in this map, then it receives no "
    "traffic.'",
    "traffic_zero_key": "endpoint_service.proto DeployModelRequest.traffic_split: '\"0\" should be used' for the "
    "model being deployed; 'If this field is empty, then the Endpoint's traffic_split is not "
    "updated.'",
    "deployed_model_id": "endpoint.proto DeployedModel.id: '1-10 characters, and valid characters are /[0-9]/'.",
    "deployed_model_fields": "endpoint.proto DeployedModel.model_version_id: 'Output only. The version ID of the "
    "model that is deployed.'",
    "undeploy_traffic": "endpoint_service.proto UndeployModelRequest.traffic_split: 'A DeployedModel will be "
    "successfully undeployed only if it doesn't have any traffic assigned to it when this method "
    "executes, or if this field unassigns any traffic to it'; the last one leaves the split empty.",
    "quota": "machine_resources.proto DedicatedResources.max_replica_count: quota is charged for 'max_replica_count "
    "* number of cores in the selected machine type'; min_replica_count replicas are 'always deployed'.",
    "update_mask_endpoint": "endpoint_service.proto UpdateEndpointRequest.update_mask: 'Required. The update mask "
    "applies to the resource.' Only masked fields change.",
    "update_mask_job": "job_service.proto UpdateModelDeploymentMonitoringJobRequest.update_mask: the listed "
    "'Updatable fields'; without a mask 'only the non-empty fields present in the request will be "
    "overwritten'.",
    "objective_ids_deployed": "The SDK refuses objective configs for ids that are not deployed on the endpoint "
    "(aiplatform/jobs.py:3292-3300 and 3317-3323, _parse_configs): 'The model ID must be "
    "one of [...]'. The fake refuses the same in job create and update requests.",
    "objective_covers_all": "Not documented; conservative. model_deployment_monitoring_job.proto says only 'This is "
    "a per DeployedModel config. Each DeployedModel needs to be configured separately', and "
    "the SDK's create(deployed_model_ids=...) monitors a subset (aiplatform/jobs.py:3402-3405), "
    "so Vertex AI may well accept a job that leaves a deployed model out. The fake refuses a "
    "create or update that does, so the CLI never depends on either answer (it gives every "
    "deployed model an objective and removes one only after its model is undeployed). "
    "deployModel itself does not touch the job, so a deploy may add an unmonitored model.",
    "one_job_per_endpoint": "Not documented in the protos: a second job for the same endpoint. The fake refuses, "
    "so the CLI updates the endpoint's job (Endpoint.model_deployment_monitoring_job).",
    "monitoring_tables": "ModelDeploymentMonitoringBigQueryTable.bigquery_table_path: "
    "'bq://<project_id>.model_deployment_monitoring_<endpoint_id>.<log_source>_<log_type>'.",
    "lro_error": "google/longrunning/operations.proto:140 (googleapis-common-protos 1.76.0): 'If done == true, "
    "exactly one of error or response can be set.'",
    "job_states": "JobState (aiplatform_v1/types/job_state.py:37-61): PENDING 'The service is preparing to run the "
    "job'; UPDATING 'Only jobs in the RUNNING state can be updated. After updating, the job goes back "
    "to the RUNNING state'. ModelDeploymentMonitoringJob.state (model_deployment_monitoring_job.py:"
    "92-100): 'When the job is still creating, the state will be PENDING. Once the job is successfully "
    "created, the state will be RUNNING. Pause the job, the state will be PAUSED'. How long a state "
    "lasts is the fake's choice (reads, see the module docstring).",
    "job_update_needs_running": "JobState.JOB_STATE_UPDATING: 'Only jobs in the RUNNING state can be updated'. The "
    "error code of a refused update is not documented; the fake answers 400 "
    "FAILED_PRECONDITION (google/rpc/code.proto: 'the system is not in a state required "
    "for the operation's execution').",
    "cmek_recorded": "Model.encryption_spec (model.py:299-302) and ModelDeploymentMonitoringJob.encryption_spec "
    "(model_deployment_monitoring_job.py:186-192): 'If set, this ... and all sub-resources ... will "
    "be secured by this key'; kept as sent and returned on reads. EncryptionSpec.kms_key_name "
    "(encryption_spec.py:36-42): 'The key needs to be in the same region as where the compute "
    "resource is created' (the fake refuses a key of another region).",
    "cmek_org_policy": "https://cloud.google.com/kms/docs/cmek-org-policy: constraints/gcp.restrictNonCmekServices "
    "'is used to require CMEK protection' for the listed services, and 'CMEK organization policies "
    "only apply to newly created resources'. With ``restrict_non_cmek`` (the platform's guardrail, "
    "modules/guardrails.py, denies aiplatform.googleapis.com) the fake refuses models.upload and "
    "job creates without encryptionSpec; the error code is not documented there, the fake "
    "answers 400 FAILED_PRECONDITION.",
    "endpoint_etag": "Endpoint.etag (endpoint.py:78-81): 'Used to perform consistent read-modify-write updates. If "
    "not set, a blind \"overwrite\" update happens.' https://google.aip.dev/154: 'If a user sends "
    "back an etag which does not match the current etag value, the service must send an ABORTED "
    "error response'. The fake changes the etag with every change of the endpoint.",
    "mutate_deployed_model": "MutateDeployedModelRequest.deployed_model (endpoint_service.py:490-506): 'Only the "
    "following fields can be mutated: min_replica_count ... max_replica_count ... "
    "required_replica_count ... autoscaling_metric_specs ... disable_container_logging'. The "
    "fake applies replica counts and refuses other paths.",
}

ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9-]$")
JOB_UPDATABLE = {
    "display_name",
    "model_deployment_monitoring_schedule_config",
    "model_monitoring_alert_config",
    "logging_sampling_strategy",
    "labels",
    "log_ttl",
    "enable_monitoring_pipeline_logs",
    "model_deployment_monitoring_objective_configs",
    "model_deployment_monitoring_objective_configs.objective_config.training_dataset",
    "model_deployment_monitoring_objective_configs.objective_config.training_prediction_skew_detection_config",
    "model_deployment_monitoring_objective_configs.objective_config.prediction_drift_detection_config",
}


@dataclass
class Request:
    method: str
    path: str  # URL-decoded path, e.g. /v1/projects/p/locations/l/models/m@2
    query: dict[str, list[str]]
    body: Any


class ApiError(Exception):
    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


# google.rpc.Code numbers for errors carried in an Operation (google/rpc/code.proto).
RPC_CODES = {"INVALID_ARGUMENT": 3, "NOT_FOUND": 5, "FAILED_PRECONDITION": 9, "RESOURCE_EXHAUSTED": 8, "ABORTED": 10}


_PROJECT_IDS: dict[str, str] = {}


def project_number(project: str) -> str:
    """A stable 12-digit number for a project id (numbers map to themselves)."""
    if project.isdigit():
        return project
    number = str(100000000000 + zlib.crc32(project.encode()) % 899999999999)
    _PROJECT_IDS[number] = project
    return number


def project_id(project: str) -> str:
    """The id of a project given by id or by a number this fake handed out."""
    return _PROJECT_IDS.get(project, project)


def canonical(name: str) -> str:
    """`projects/<id>/...` -> `projects/<number>/...`: how the fake stores and answers names."""
    return re.sub(r"^projects/([^/]+)", lambda m: f"projects/{project_number(m.group(1))}", name)


def snake(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def camel(path: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)


def _cores(machine_type: str) -> int:
    return int(machine_type.rsplit("-", 1)[-1])


@dataclass
class FakeGcp:
    requests: list[Request] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # canonical model -> {"versions": {id: model}}
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # canonical endpoint -> Endpoint JSON
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project -> channels
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    cpu_quota: int | None = None  # cores per project for dedicated replicas; None: unlimited
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)  # operation -> (status, message), once
    restrict_non_cmek: bool = False  # the org guardrail gcp.restrictNonCmekServices covers aiplatform (cmek_org_policy)
    job_pending_reads: int = 1  # reads a new job answers PENDING to (job_states)
    job_updating_reads: int = 1  # reads an updated job answers UPDATING to (job_states)
    drop_on_create: set[str] = field(default_factory=set)  # job fields a create ignores (a client that drops them)
    _ids: int = 100
    _etags: int = 0
    _job_clock: dict[str, int] = field(default_factory=dict)  # job -> reads until RUNNING

    # --- set-up and inspection helpers for tests -----------------------------------------
    def add_endpoint(self, name: str, display_name: str = "endpoint") -> dict[str, Any]:
        name = canonical(name)
        self.endpoints[name] = {"name": name, "displayName": display_name, "deployedModels": [], "trafficSplit": {}}
        self._touch(self.endpoints[name])
        return self.endpoints[name]

    def add_channel(self, project: str, display_name: str, type_: str = "email", labels: dict | None = None) -> str:
        name = f"projects/{project}/notificationChannels/{self._next_id()}"
        self.channels.setdefault(project, []).append(
            {"name": name, "displayName": display_name, "type": type_, "userLabels": labels or {}}
        )
        return name

    def endpoint(self, name: str) -> dict[str, Any]:
        return self.endpoints[canonical(name)]

    def versions(self, model: str) -> dict[str, dict[str, Any]]:
        return self.models[canonical(model)]["versions"]

    def aliases(self, model: str) -> dict[str, list[str]]:
        return {v: sorted(m["versionAliases"]) for v, m in self.versions(model).items()}

    def job_of(self, endpoint: str) -> dict[str, Any] | None:
        name = self.endpoint(endpoint).get("modelDeploymentMonitoringJob")
        return self.jobs.get(name) if name else None

    def fail_next(self, operation: str, status: str, message: str) -> None:
        """The next `operation` (deployModel, undeployModel, updateJob, writeLog, mergeVersionAliases or
        ``mergeVersionAliases:<alias>``, a merge that adds that alias) fails as Google reports it."""
        self.failures[operation] = (status, message)

    def set_job_state(self, endpoint: str, state: str, reads: int = 0) -> None:
        """Put the endpoint's job in ``state``; after ``reads`` reads it is RUNNING again (0: it stays)."""
        job = self.job_of(endpoint)
        assert job is not None, f"no monitoring job on {endpoint}"
        job["state"] = state
        self._job_clock[job["name"]] = reads

    def calls(self, method: str | None = None, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and re.search(pattern, r.path)]

    def _next_id(self) -> str:
        self._ids += 1
        return str(self._ids)

    def _failure(self, operation: str, *qualifiers: str) -> tuple[str, str] | None:
        for key in (*(f"{operation}:{q}" for q in qualifiers), operation):
            if key in self.failures:
                return self.failures.pop(key)
        return None

    def _touch(self, endpoint: dict[str, Any]) -> None:
        """A changed endpoint gets a new etag (source: endpoint_etag)."""
        self._etags += 1
        endpoint["etag"] = f'"{self._etags}"'

    def _check_key(self, body: dict[str, Any], resource: str, what: str) -> None:
        key = (body.get("encryptionSpec") or {}).get("kmsKeyName")
        if not key and self.restrict_non_cmek:  # source: cmek_org_policy
            raise ApiError(
                400,
                "FAILED_PRECONDITION",
                f"Constraint constraints/gcp.restrictNonCmekServices violated: {what} without a customer-managed key",
            )
        if key and key.split("/")[3] != resource.split("/")[3]:  # source: cmek_recorded
            raise ApiError(400, "INVALID_ARGUMENT", f"key {key} is not in the region of {resource}")

    # --- dispatch -------------------------------------------------------------------------
    def handle(self, req: Request) -> tuple[int, Any]:
        self.requests.append(req)
        loc = r"projects/[^/]+/locations/[^/]+"
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", rf"^/v1/({loc})/models:upload$", self._upload),
            ("POST", rf"^/v1/({loc}/models/[^/@:]+)@([^/:]+):mergeVersionAliases$", self._merge_aliases),
            ("GET", rf"^/v1/({loc}/models/[^/@:]+)(?:@([^/:]+))?$", self._get_model),
            ("GET", rf"^/v1/({loc}/endpoints/[^/:]+)$", self._get_endpoint),
            ("POST", rf"^/v1/({loc}/endpoints/[^/:]+):deployModel$", self._deploy),
            ("POST", rf"^/v1/({loc}/endpoints/[^/:]+):undeployModel$", self._undeploy),
            ("PATCH", rf"^/v1/({loc}/endpoints/[^/:]+)$", self._patch_endpoint),
            ("POST", rf"^/v1/({loc}/endpoints/[^/:]+):mutateDeployedModel$", self._mutate),
            ("POST", rf"^/v1/({loc})/modelDeploymentMonitoringJobs$", self._create_job),
            ("GET", rf"^/v1/({loc}/modelDeploymentMonitoringJobs/[^/:]+)$", self._get_job),
            ("PATCH", rf"^/v1/({loc}/modelDeploymentMonitoringJobs/[^/:]+)$", self._patch_job),
            ("GET", r"^/v3/projects/([^/]+)/notificationChannels$", self._list_channels),
            ("POST", r"^/v2/entries:write$", self._write_entries),
        ]
        for method, pattern, handler in routes:
            match = re.match(pattern, req.path)
            if match and method == req.method:
                try:
                    return 200, handler(req, *match.groups())
                except ApiError as exc:
                    return exc.code, {"error": {"code": exc.code, "status": exc.status, "message": exc.message}}
        return 501, {
            "error": {"code": 501, "status": "UNIMPLEMENTED", "message": f"fake: no route {req.method} {req.path}"}
        }

    def _operation(
        self, parent: str, response_type: str, response: dict[str, Any], failure: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """A finished long-running operation: exactly one of `error` or `response` (source: lro_error)."""
        op: dict[str, Any] = {"name": f"{parent}/operations/{self._next_id()}", "done": True}
        if failure:
            status, message = failure
            op["error"] = {"code": RPC_CODES[status], "message": message}
        else:
            op["response"] = {"@type": V1 + response_type, **response}
        return op

    # --- models ---------------------------------------------------------------------------
    def _upload(self, req: Request, parent: str) -> dict[str, Any]:
        parent = canonical(parent)
        body = req.body
        spec = body["model"]
        self._check_key(spec, parent, "models.upload")
        if body.get("parentModel"):
            resource = canonical(body["parentModel"])
            if resource not in self.models:
                raise ApiError(404, "NOT_FOUND", f"parent model {resource} not found")
        else:
            resource = f"{parent}/models/{body.get('modelId') or self._next_id()}"
            if resource in self.models:
                raise ApiError(409, "ALREADY_EXISTS", f"model {resource} already exists")
            self.models[resource] = {"versions": {}}
        versions = self.models[resource]["versions"]
        version_id = str(len(versions) + 1)  # source: version_id
        aliases = set(spec.get("versionAliases", []))
        if not versions:
            aliases.add("default")  # source: first_version_default
        for other_id, other in versions.items():  # source: upload_alias_taken
            taken = aliases & set(other["versionAliases"]) - {"default"}
            if taken:
                raise ApiError(
                    400, "INVALID_ARGUMENT", f"alias {sorted(taken)[0]} is already used by version {other_id}"
                )
        if "default" in aliases:
            for other in versions.values():
                other["versionAliases"] = [a for a in other["versionAliases"] if a != "default"]
        # Custom-container models deploy on dedicated resources (enum DEDICATED_RESOURCES = 1).
        versions[version_id] = {
            **spec,
            "name": resource,
            "versionId": version_id,
            "versionAliases": sorted(aliases),
            "labels": spec.get("labels", {}),
            "supportedDeploymentResourcesTypes": [1],
        }
        return self._operation(parent, "UploadModelResponse", {"model": resource, "modelVersionId": version_id})

    def _version(self, resource: str, ref: str | None) -> dict[str, Any]:
        resource = canonical(resource)
        if resource not in self.models:
            raise ApiError(404, "NOT_FOUND", f"model {resource} not found")
        versions = self.models[resource]["versions"]
        ref = ref or "default"  # source: get_default
        if ref in versions:
            return versions[ref]
        for version in versions.values():
            if ref in version["versionAliases"]:
                return version
        raise ApiError(404, "NOT_FOUND", f"model {resource}@{ref} not found")

    def _get_model(self, req: Request, resource: str, ref: str | None) -> dict[str, Any]:
        return self._version(resource, ref)

    def _merge_aliases(self, req: Request, resource: str, ref: str) -> dict[str, Any]:
        if not ref.isdigit():  # source: alias_versioned_name
            raise ApiError(400, "INVALID_ARGUMENT", f"{resource}@{ref}: the name must carry a version id")
        version = self._version(resource, ref)
        changes = req.body["versionAliases"]
        for change in changes:  # source: alias_format
            if not ALIAS.match(change.removeprefix("-")):
                raise ApiError(400, "INVALID_ARGUMENT", f"invalid version alias {change!r}")
        removals = {a[1:] for a in changes if a.startswith("-")}
        additions = {a for a in changes if not a.startswith("-")}
        removals, additions = removals - additions, additions - removals  # source: alias_cancel
        failure = self._failure("mergeVersionAliases", *sorted(additions))
        if failure:
            raise ApiError(400 if failure[0] != "ABORTED" else 409, failure[0], failure[1])
        if "default" in removals and "default" in version["versionAliases"]:  # source: default_kept
            raise ApiError(400, "INVALID_ARGUMENT", "the default alias must stay on one version; move it instead")
        for other in self.models[canonical(resource)]["versions"].values():  # source: alias_moves
            if other is not version:
                other["versionAliases"] = [a for a in other["versionAliases"] if a not in additions]
        version["versionAliases"] = sorted((set(version["versionAliases"]) - removals) | additions)
        return version

    # --- endpoints ------------------------------------------------------------------------
    def _endpoint(self, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        if resource not in self.endpoints:
            raise ApiError(404, "NOT_FOUND", f"endpoint {resource} not found")
        return self.endpoints[resource]

    def _get_endpoint(self, req: Request, resource: str) -> dict[str, Any]:
        return self._endpoint(resource)

    def _check_split(self, endpoint: dict[str, Any], split: dict[str, int], ids: set[str] | None = None) -> None:
        ids = {d["id"] for d in endpoint["deployedModels"]} if ids is None else ids
        if split and sum(split.values()) != 100:  # source: traffic_sum
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split must sum to 100, got {split}")
        unknown = set(split) - ids
        if unknown:
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split names unknown deployed models {sorted(unknown)}")

    def _used_cores(self, project: str) -> int:
        return sum(
            d["dedicatedResources"]["maxReplicaCount"] * _cores(d["dedicatedResources"]["machineSpec"]["machineType"])
            for name, e in self.endpoints.items()
            if name.startswith(f"projects/{project}/")
            for d in e["deployedModels"]
        )

    def _deploy(self, req: Request, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        endpoint = self._endpoint(resource)
        deployed = dict(req.body["deployedModel"])
        model, _, version = deployed["model"].partition("@")
        target = self._version(model, version or None)
        failure = self._failure("deployModel")
        resources = deployed.get("dedicatedResources")
        project = resource.split("/")[1]
        if resources and self.cpu_quota is not None and failure is None:  # source: quota
            wanted = resources["maxReplicaCount"] * _cores(resources["machineSpec"]["machineType"])
            if self._used_cores(project) + wanted > self.cpu_quota:
                failure = (
                    "RESOURCE_EXHAUSTED",
                    f"quota exceeded: {self._used_cores(project)} of {self.cpu_quota} "
                    f"cores reserved for dedicated replicas, {wanted} more requested",
                )
        # source: deployed_model_id, deployed_model_fields, project_number
        deployed.update(id=self._next_id(), model=canonical(model), modelVersionId=target["versionId"])
        split = {(deployed["id"] if k == "0" else k): v for k, v in req.body.get("trafficSplit", {}).items()}
        self._check_split(endpoint, split, {d["id"] for d in endpoint["deployedModels"]} | {deployed["id"]})
        if failure:
            return self._operation(resource, "DeployModelResponse", {}, failure)
        endpoint["deployedModels"].append(deployed)
        if split:  # source: traffic_zero_key
            endpoint["trafficSplit"] = split
        self._touch(endpoint)
        return self._operation(resource, "DeployModelResponse", {"deployedModel": deployed})

    def _undeploy(self, req: Request, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        endpoint = self._endpoint(resource)
        deployed_id = req.body["deployedModelId"]
        if deployed_id not in {d["id"] for d in endpoint["deployedModels"]}:
            raise ApiError(404, "NOT_FOUND", f"deployed model {deployed_id} not on {resource}")
        remaining = [d for d in endpoint["deployedModels"] if d["id"] != deployed_id]
        split = req.body.get("trafficSplit")
        after = dict(split) if split else dict(endpoint["trafficSplit"])  # source: undeploy_traffic
        if not remaining:  # the last one: the split ends up empty whatever it held
            after = {}
        elif after.get(deployed_id):
            raise ApiError(
                400,
                "FAILED_PRECONDITION",
                f"deployed model {deployed_id} still has {after[deployed_id]}% of the traffic",
            )
        after.pop(deployed_id, None)
        self._check_split(endpoint, after, {d["id"] for d in remaining})
        failure = self._failure("undeployModel")
        if failure:
            return self._operation(resource, "UndeployModelResponse", {}, failure)
        endpoint["deployedModels"] = remaining
        endpoint["trafficSplit"] = after
        self._touch(endpoint)
        return self._operation(resource, "UndeployModelResponse", {})

    def _patch_endpoint(self, req: Request, resource: str) -> dict[str, Any]:
        endpoint = self._endpoint(resource)
        mask = [p for p in req.query.get("updateMask", [""])[0].split(",") if p]
        if not mask:  # source: update_mask_endpoint
            raise ApiError(400, "INVALID_ARGUMENT", "update_mask is required")
        etag = (req.body or {}).get("etag")
        if etag and etag != endpoint.get("etag"):  # source: endpoint_etag
            raise ApiError(409, "ABORTED", f"etag {etag} does not match the endpoint's current etag")
        for path in mask:
            key = camel(path)
            if key == "trafficSplit":
                split = req.body.get("trafficSplit", {})
                self._check_split(endpoint, split)
                endpoint["trafficSplit"] = split
            elif key in ("displayName", "description", "labels"):
                endpoint[key] = req.body.get(key)
            else:
                raise ApiError(400, "INVALID_ARGUMENT", f"field {path} cannot be updated")
        self._touch(endpoint)
        return endpoint

    def _mutate(self, req: Request, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        endpoint = self._endpoint(resource)
        wanted = req.body["deployedModel"]
        mask = [snake(p) for p in req.body.get("updateMask", "").split(",") if p]
        mutable = {f"dedicated_resources.{f}" for f in ("min_replica_count", "max_replica_count")}
        if not mask or set(mask) - mutable:  # source: mutate_deployed_model
            raise ApiError(400, "INVALID_ARGUMENT", f"cannot mutate {sorted(set(mask) - mutable) or 'nothing'}")
        [deployed] = [d for d in endpoint["deployedModels"] if d["id"] == wanted["id"]] or [None]
        if deployed is None:
            raise ApiError(404, "NOT_FOUND", f"deployed model {wanted['id']} not on {resource}")
        for path in mask:
            key = camel(path.split(".")[1])
            deployed["dedicatedResources"][key] = wanted["dedicatedResources"][key]
        self._touch(endpoint)
        return self._operation(resource, "MutateDeployedModelResponse", {"deployedModel": deployed})

    # --- model monitoring -----------------------------------------------------------------
    def _check_objectives(self, endpoint: dict[str, Any], configs: list[dict[str, Any]]) -> None:
        ids = [c["deployedModelId"] for c in configs]
        deployed = {d["id"] for d in endpoint["deployedModels"]}
        if len(set(ids)) != len(ids):
            raise ApiError(400, "INVALID_ARGUMENT", f"more than one objective for a deployed model: {ids}")
        if set(ids) - deployed:  # source: objective_ids_deployed
            raise ApiError(
                400,
                "INVALID_ARGUMENT",
                f"objectives name models not deployed on the endpoint: {sorted(set(ids) - deployed)}",
            )
        if deployed - set(ids):  # source: objective_covers_all (not documented)
            raise ApiError(
                400, "INVALID_ARGUMENT", f"deployed models without an objective: {sorted(deployed - set(ids))}"
            )

    def _create_job(self, req: Request, parent: str) -> dict[str, Any]:
        parent = canonical(parent)
        endpoint = self._endpoint(req.body["endpoint"])
        if endpoint.get("modelDeploymentMonitoringJob"):  # source: one_job_per_endpoint
            raise ApiError(400, "FAILED_PRECONDITION", "endpoint already has a model deployment monitoring job")
        self._check_key(req.body, parent, "modelDeploymentMonitoringJobs.create")
        self._check_objectives(endpoint, req.body.get("modelDeploymentMonitoringObjectiveConfigs", []))
        name = f"{parent}/modelDeploymentMonitoringJobs/{self._next_id()}"
        project = project_id(req.body["endpoint"].split("/")[1])
        endpoint_id = endpoint["name"].rsplit("/", 1)[1]
        tables = [
            {
                "logSource": "SERVING",
                "logType": "PREDICT",  # source: monitoring_tables
                "bigqueryTablePath": f"bq://{project}.model_deployment_monitoring_{endpoint_id}.serving_predict",
            }
        ]
        body = {k: v for k, v in req.body.items() if k not in self.drop_on_create}
        state = "JOB_STATE_PENDING" if self.job_pending_reads else "JOB_STATE_RUNNING"  # source: job_states
        self.jobs[name] = {**body, "name": name, "endpoint": endpoint["name"], "state": state, "bigqueryTables": tables}
        self._job_clock[name] = self.job_pending_reads
        endpoint["modelDeploymentMonitoringJob"] = name
        self._touch(endpoint)
        return self.jobs[name]

    def _get_job(self, req: Request, name: str) -> dict[str, Any]:
        """A read answers the state, then lets the fake's clock tick (source: job_states)."""
        job = self._job(name)
        reply = dict(job)
        if self._job_clock.get(job["name"], 0) > 0:
            self._job_clock[job["name"]] -= 1
            if self._job_clock[job["name"]] == 0:
                job["state"] = "JOB_STATE_RUNNING"
        return reply

    def _job(self, name: str) -> dict[str, Any]:
        name = canonical(name)
        if name not in self.jobs:
            raise ApiError(404, "NOT_FOUND", f"job {name} not found")
        return self.jobs[name]

    def _patch_job(self, req: Request, name: str) -> dict[str, Any]:
        job = self._job(name)
        mask = [p for p in req.query.get("updateMask", [""])[0].split(",") if p]
        if not mask:  # source: update_mask_job
            mask = [snake(k) for k, v in req.body.items() if v not in (None, "", [], {}) and snake(k) in JOB_UPDATABLE]
        bad = [p for p in mask if snake(p) not in JOB_UPDATABLE]
        if bad:
            raise ApiError(400, "INVALID_ARGUMENT", f"fields cannot be updated: {bad}")
        if job["state"] != "JOB_STATE_RUNNING":  # source: job_update_needs_running
            raise ApiError(
                400,
                "FAILED_PRECONDITION",
                f"job {job['name']} is {job['state']}; only jobs in the RUNNING state can be updated",
            )
        configs_key = "modelDeploymentMonitoringObjectiveConfigs"
        if any(snake(p).startswith("model_deployment_monitoring_objective_configs") for p in mask):
            self._check_objectives(self._endpoint(job["endpoint"]), req.body.get(configs_key, []))
        failure = self._failure("updateJob")
        if failure:
            return self._operation(job["name"], "ModelDeploymentMonitoringJob", {}, failure)
        for path in mask:
            key = camel(snake(path).split(".")[0])
            job[key] = req.body.get(key)
        reply = self._operation(job["name"], "ModelDeploymentMonitoringJob", dict(job))
        if self.job_updating_reads:  # source: job_states (UPDATING, then RUNNING)
            job["state"] = "JOB_STATE_UPDATING"
            self._job_clock[job["name"]] = self.job_updating_reads
        return reply

    # --- monitoring channels and logging --------------------------------------------------
    def _list_channels(self, req: Request, project: str) -> dict[str, Any]:
        return {"notificationChannels": self.channels.get(project, [])}

    def _write_entries(self, req: Request) -> dict[str, Any]:
        failure = self._failure("writeLog")
        if failure:
            raise ApiError(403, failure[0], failure[1])
        self.log_entries.extend(req.body["entries"])
        return {}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGcp

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        status, reply = self.fake.handle(Request(self.command, unquote(url.path), parse_qs(url.query), body))
        send_json(self, status, reply)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass


class FakeServer:
    """``with FakeServer() as server: server.url, server.fake``"""

    def __init__(self) -> None:
        self.fake = FakeGcp()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
