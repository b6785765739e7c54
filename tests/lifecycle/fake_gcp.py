"""A local HTTP fake of the Vertex AI, Cloud Logging and Cloud Monitoring REST calls the CLI makes.

It keeps state (models with versions and aliases, endpoints with deployed models and traffic,
monitoring jobs, notification channels, log entries) so the real google-cloud-aiplatform /
google-cloud-logging clients run end to end, and records every request. Each behaviour follows
Google's documented semantics and names its source; ``SOURCES`` maps a short key to it, and
tests/lifecycle/test_fake_semantics.py has one test per key. Where Google documents nothing the
fake refuses (so the CLI cannot come to depend on it) and says so. Unknown routes answer 501.

Paths of the protos below are those of googleapis/googleapis google/cloud/aiplatform/v1/*.proto, as
rendered into the docstrings of google-cloud-aiplatform 2.7.0 (``aiplatform_v1/types/*.py``).
"""
from __future__ import annotations

import json
import re
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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
    "objective_per_model": "model_deployment_monitoring_job.proto: objective configs are 'a per DeployedModel "
                           "config. Each DeployedModel needs to be configured separately'; the SDK refuses ids that "
                           "are not deployed on the endpoint (aiplatform/jobs.py:3291-3300, _parse_configs).",
    "one_job_per_endpoint": "Not documented in the protos: a second job for the same endpoint. The fake refuses, "
                            "so the CLI updates the endpoint's job (Endpoint.model_deployment_monitoring_job).",
    "monitoring_tables": "ModelDeploymentMonitoringBigQueryTable.bigquery_table_path: "
                         "'bq://<project_id>.model_deployment_monitoring_<endpoint_id>.<log_source>_<log_type>'.",
    "lro_error": "google/longrunning/operations.proto:140 (googleapis-common-protos 1.76.0): 'If done == true, "
                 "exactly one of error or response can be set.'",
}

ALIAS = re.compile(r"^[a-z][a-zA-Z0-9-]{0,126}[a-z0-9-]$")
JOB_UPDATABLE = {"display_name", "model_deployment_monitoring_schedule_config", "model_monitoring_alert_config",
                 "logging_sampling_strategy", "labels", "log_ttl", "enable_monitoring_pipeline_logs",
                 "model_deployment_monitoring_objective_configs",
                 "model_deployment_monitoring_objective_configs.objective_config.training_dataset",
                 "model_deployment_monitoring_objective_configs.objective_config.training_prediction_skew_detection_config",
                 "model_deployment_monitoring_objective_configs.objective_config.prediction_drift_detection_config"}


@dataclass
class Request:
    method: str
    path: str          # URL-decoded path, e.g. /v1/projects/p/locations/l/models/m@2
    query: dict[str, list[str]]
    body: Any


class ApiError(Exception):
    def __init__(self, code: int, status: str, message: str):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


# google.rpc.Code numbers for errors carried in an Operation (google/rpc/code.proto).
RPC_CODES = {"INVALID_ARGUMENT": 3, "NOT_FOUND": 5, "FAILED_PRECONDITION": 9, "RESOURCE_EXHAUSTED": 8}


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
    models: dict[str, dict[str, Any]] = field(default_factory=dict)     # canonical model -> {"versions": {id: model}}
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # canonical endpoint -> Endpoint JSON
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project -> channels
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    cpu_quota: int | None = None        # cores per project for dedicated replicas; None: unlimited
    failures: dict[str, tuple[str, str]] = field(default_factory=dict)  # operation -> (status, message), once
    _ids: int = 100

    # --- set-up and inspection helpers for tests -----------------------------------------
    def add_endpoint(self, name: str, display_name: str = "endpoint") -> dict[str, Any]:
        name = canonical(name)
        self.endpoints[name] = {"name": name, "displayName": display_name, "deployedModels": [], "trafficSplit": {}}
        return self.endpoints[name]

    def add_channel(self, project: str, display_name: str, type_: str = "email", labels: dict | None = None) -> str:
        name = f"projects/{project}/notificationChannels/{self._next_id()}"
        self.channels.setdefault(project, []).append(
            {"name": name, "displayName": display_name, "type": type_, "userLabels": labels or {}})
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
        """The next `operation` (deployModel, undeployModel, updateJob, writeLog) fails as Google reports it."""
        self.failures[operation] = (status, message)

    def calls(self, method: str | None = None, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and re.search(pattern, r.path)]

    def _next_id(self) -> str:
        self._ids += 1
        return str(self._ids)

    def _failure(self, operation: str) -> tuple[str, str] | None:
        return self.failures.pop(operation, None)

    # --- dispatch -------------------------------------------------------------------------
    def handle(self, req: Request) -> tuple[int, Any]:
        self.requests.append(req)
        loc = r"projects/[^/]+/locations/[^/]+"
        routes = [
            ("POST", rf"^/v1/({loc})/models:upload$", self._upload),
            ("POST", rf"^/v1/({loc}/models/[^/@:]+)@([^/:]+):mergeVersionAliases$", self._merge_aliases),
            ("GET", rf"^/v1/({loc}/models/[^/@:]+)(?:@([^/:]+))?$", self._get_model),
            ("GET", rf"^/v1/({loc}/endpoints/[^/:]+)$", self._get_endpoint),
            ("POST", rf"^/v1/({loc}/endpoints/[^/:]+):deployModel$", self._deploy),
            ("POST", rf"^/v1/({loc}/endpoints/[^/:]+):undeployModel$", self._undeploy),
            ("PATCH", rf"^/v1/({loc}/endpoints/[^/:]+)$", self._patch_endpoint),
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
        return 501, {"error": {"code": 501, "status": "UNIMPLEMENTED", "message": f"fake: no route {req.method} {req.path}"}}

    def _operation(self, parent: str, response_type: str, response: dict[str, Any],
                   failure: tuple[str, str] | None = None) -> dict[str, Any]:
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
        version_id = str(len(versions) + 1)                       # source: version_id
        aliases = set(spec.get("versionAliases", []))
        if not versions:
            aliases.add("default")                                 # source: first_version_default
        for other_id, other in versions.items():                   # source: upload_alias_taken
            taken = aliases & set(other["versionAliases"]) - {"default"}
            if taken:
                raise ApiError(400, "INVALID_ARGUMENT", f"alias {sorted(taken)[0]} is already used by version {other_id}")
        if "default" in aliases:
            for other in versions.values():
                other["versionAliases"] = [a for a in other["versionAliases"] if a != "default"]
        # Custom-container models deploy on dedicated resources (enum DEDICATED_RESOURCES = 1).
        versions[version_id] = {**spec, "name": resource, "versionId": version_id, "versionAliases": sorted(aliases),
                                "labels": spec.get("labels", {}), "supportedDeploymentResourcesTypes": [1]}
        return self._operation(parent, "UploadModelResponse", {"model": resource, "modelVersionId": version_id})

    def _version(self, resource: str, ref: str | None) -> dict[str, Any]:
        resource = canonical(resource)
        if resource not in self.models:
            raise ApiError(404, "NOT_FOUND", f"model {resource} not found")
        versions = self.models[resource]["versions"]
        ref = ref or "default"                                     # source: get_default
        if ref in versions:
            return versions[ref]
        for version in versions.values():
            if ref in version["versionAliases"]:
                return version
        raise ApiError(404, "NOT_FOUND", f"model {resource}@{ref} not found")

    def _get_model(self, req: Request, resource: str, ref: str | None) -> dict[str, Any]:
        return self._version(resource, ref)

    def _merge_aliases(self, req: Request, resource: str, ref: str) -> dict[str, Any]:
        if not ref.isdigit():                                      # source: alias_versioned_name
            raise ApiError(400, "INVALID_ARGUMENT", f"{resource}@{ref}: the name must carry a version id")
        version = self._version(resource, ref)
        changes = req.body["versionAliases"]
        for change in changes:                                     # source: alias_format
            if not ALIAS.match(change.removeprefix("-")):
                raise ApiError(400, "INVALID_ARGUMENT", f"invalid version alias {change!r}")
        removals = {a[1:] for a in changes if a.startswith("-")}
        additions = {a for a in changes if not a.startswith("-")}
        removals, additions = removals - additions, additions - removals   # source: alias_cancel
        if "default" in removals and "default" in version["versionAliases"]:   # source: default_kept
            raise ApiError(400, "INVALID_ARGUMENT", "the default alias must stay on one version; move it instead")
        for other in self.models[canonical(resource)]["versions"].values():    # source: alias_moves
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
        if split and sum(split.values()) != 100:                   # source: traffic_sum
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split must sum to 100, got {split}")
        unknown = set(split) - ids
        if unknown:
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split names unknown deployed models {sorted(unknown)}")

    def _used_cores(self, project: str) -> int:
        return sum(d["dedicatedResources"]["maxReplicaCount"] * _cores(d["dedicatedResources"]["machineSpec"]["machineType"])
                   for name, e in self.endpoints.items() if name.startswith(f"projects/{project}/")
                   for d in e["deployedModels"])

    def _deploy(self, req: Request, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        endpoint = self._endpoint(resource)
        deployed = dict(req.body["deployedModel"])
        model, _, version = deployed["model"].partition("@")
        target = self._version(model, version or None)
        failure = self._failure("deployModel")
        resources = deployed.get("dedicatedResources")
        project = resource.split("/")[1]
        if resources and self.cpu_quota is not None and failure is None:     # source: quota
            wanted = resources["maxReplicaCount"] * _cores(resources["machineSpec"]["machineType"])
            if self._used_cores(project) + wanted > self.cpu_quota:
                failure = ("RESOURCE_EXHAUSTED", f"quota exceeded: {self._used_cores(project)} of {self.cpu_quota} "
                                                 f"cores reserved for dedicated replicas, {wanted} more requested")
        # source: deployed_model_id, deployed_model_fields, project_number
        deployed.update(id=self._next_id(), model=canonical(model), modelVersionId=target["versionId"])
        split = {(deployed["id"] if k == "0" else k): v for k, v in req.body.get("trafficSplit", {}).items()}
        self._check_split(endpoint, split, {d["id"] for d in endpoint["deployedModels"]} | {deployed["id"]})
        if failure:
            return self._operation(resource, "DeployModelResponse", {}, failure)
        endpoint["deployedModels"].append(deployed)
        if split:                                                  # source: traffic_zero_key
            endpoint["trafficSplit"] = split
        return self._operation(resource, "DeployModelResponse", {"deployedModel": deployed})

    def _undeploy(self, req: Request, resource: str) -> dict[str, Any]:
        resource = canonical(resource)
        endpoint = self._endpoint(resource)
        deployed_id = req.body["deployedModelId"]
        if deployed_id not in {d["id"] for d in endpoint["deployedModels"]}:
            raise ApiError(404, "NOT_FOUND", f"deployed model {deployed_id} not on {resource}")
        remaining = [d for d in endpoint["deployedModels"] if d["id"] != deployed_id]
        split = req.body.get("trafficSplit")
        after = dict(split) if split else dict(endpoint["trafficSplit"])   # source: undeploy_traffic
        if not remaining:  # the last one: the split ends up empty whatever it held
            after = {}
        elif after.get(deployed_id):
            raise ApiError(400, "FAILED_PRECONDITION", f"deployed model {deployed_id} still has {after[deployed_id]}% "
                                                       "of the traffic")
        after.pop(deployed_id, None)
        self._check_split(endpoint, after, {d["id"] for d in remaining})
        failure = self._failure("undeployModel")
        if failure:
            return self._operation(resource, "UndeployModelResponse", {}, failure)
        endpoint["deployedModels"] = remaining
        endpoint["trafficSplit"] = after
        return self._operation(resource, "UndeployModelResponse", {})

    def _patch_endpoint(self, req: Request, resource: str) -> dict[str, Any]:
        endpoint = self._endpoint(resource)
        mask = [p for p in req.query.get("updateMask", [""])[0].split(",") if p]
        if not mask:                                               # source: update_mask_endpoint
            raise ApiError(400, "INVALID_ARGUMENT", "update_mask is required")
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
        return endpoint

    # --- model monitoring -----------------------------------------------------------------
    def _check_objectives(self, endpoint: dict[str, Any], configs: list[dict[str, Any]]) -> None:
        ids = [c["deployedModelId"] for c in configs]              # source: objective_per_model
        deployed = {d["id"] for d in endpoint["deployedModels"]}
        if len(set(ids)) != len(ids):
            raise ApiError(400, "INVALID_ARGUMENT", f"more than one objective for a deployed model: {ids}")
        if set(ids) - deployed:
            raise ApiError(400, "INVALID_ARGUMENT", f"objectives name models not deployed on the endpoint: "
                                                    f"{sorted(set(ids) - deployed)}")
        if deployed - set(ids):
            raise ApiError(400, "INVALID_ARGUMENT", f"deployed models without an objective: {sorted(deployed - set(ids))}")

    def _create_job(self, req: Request, parent: str) -> dict[str, Any]:
        parent = canonical(parent)
        endpoint = self._endpoint(req.body["endpoint"])
        if endpoint.get("modelDeploymentMonitoringJob"):           # source: one_job_per_endpoint
            raise ApiError(400, "FAILED_PRECONDITION", "endpoint already has a model deployment monitoring job")
        self._check_objectives(endpoint, req.body.get("modelDeploymentMonitoringObjectiveConfigs", []))
        name = f"{parent}/modelDeploymentMonitoringJobs/{self._next_id()}"
        project = project_id(req.body["endpoint"].split("/")[1])
        endpoint_id = endpoint["name"].rsplit("/", 1)[1]
        tables = [{"logSource": "SERVING", "logType": "PREDICT",   # source: monitoring_tables
                   "bigqueryTablePath": f"bq://{project}.model_deployment_monitoring_{endpoint_id}.serving_predict"}]
        self.jobs[name] = {**req.body, "name": name, "endpoint": endpoint["name"], "state": "JOB_STATE_RUNNING",
                           "bigqueryTables": tables}
        endpoint["modelDeploymentMonitoringJob"] = name
        return self.jobs[name]

    def _get_job(self, req: Request, name: str) -> dict[str, Any]:
        name = canonical(name)
        if name not in self.jobs:
            raise ApiError(404, "NOT_FOUND", f"job {name} not found")
        return self.jobs[name]

    def _patch_job(self, req: Request, name: str) -> dict[str, Any]:
        job = self._get_job(req, name)
        mask = [p for p in req.query.get("updateMask", [""])[0].split(",") if p]
        if not mask:                                               # source: update_mask_job
            mask = [snake(k) for k, v in req.body.items() if v not in (None, "", [], {})
                    and snake(k) in JOB_UPDATABLE]
        bad = [p for p in mask if snake(p) not in JOB_UPDATABLE]
        if bad:
            raise ApiError(400, "INVALID_ARGUMENT", f"fields cannot be updated: {bad}")
        configs_key = "modelDeploymentMonitoringObjectiveConfigs"
        if any(snake(p).startswith("model_deployment_monitoring_objective_configs") for p in mask):
            self._check_objectives(self._endpoint(job["endpoint"]), req.body.get(configs_key, []))
        failure = self._failure("updateJob")
        if failure:
            return self._operation(job["name"], "ModelDeploymentMonitoringJob", {}, failure)
        for path in mask:
            key = camel(snake(path).split(".")[0])
            job[key] = req.body.get(key)
        return self._operation(job["name"], "ModelDeploymentMonitoringJob", job)

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
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

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

    def __enter__(self) -> "FakeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
