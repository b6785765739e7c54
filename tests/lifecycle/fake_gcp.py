"""A local HTTP fake of the Vertex AI, Cloud Logging and Cloud Monitoring REST calls the CLI makes.

It keeps just enough state (models with versions and aliases, endpoints with deployed models
and traffic, monitoring jobs, notification channels, log entries) for the real
google-cloud-aiplatform / google-cloud-logging clients to run end to end, and records every
request so tests can assert on what went over the wire. Behaviour the real API enforces and
our code relies on is enforced here too: version aliases are unique within a model, traffic
splits sum to 100 and name deployed models that exist, unknown routes answer 501.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

V1 = "type.googleapis.com/google.cloud.aiplatform.v1."


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


@dataclass
class FakeGcp:
    requests: list[Request] = field(default_factory=list)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)     # model resource -> {"versions": {id: model}}
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # endpoint resource -> Endpoint JSON
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project -> channels
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    _ids: int = 100

    # --- set-up helpers for tests ---------------------------------------------------------
    def add_endpoint(self, name: str, display_name: str = "endpoint") -> dict[str, Any]:
        self.endpoints[name] = {"name": name, "displayName": display_name, "deployedModels": [], "trafficSplit": {}}
        return self.endpoints[name]

    def add_channel(self, project: str, display_name: str, type_: str = "email", labels: dict | None = None) -> str:
        name = f"projects/{project}/notificationChannels/{self._next_id()}"
        self.channels.setdefault(project, []).append(
            {"name": name, "displayName": display_name, "type": type_, "userLabels": labels or {}})
        return name

    def calls(self, method: str | None = None, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if (method is None or r.method == method) and re.search(pattern, r.path)]

    def _next_id(self) -> str:
        self._ids += 1
        return str(self._ids)

    # --- dispatch -------------------------------------------------------------------------
    def handle(self, req: Request) -> tuple[int, Any]:
        self.requests.append(req)
        routes = [
            ("POST", r"^/v1/(projects/[^/]+/locations/[^/]+)/models:upload$", self._upload),
            ("POST", r"^/v1/(projects/[^/]+/locations/[^/]+/models/[^/@:]+)@([^/:]+):mergeVersionAliases$", self._merge_aliases),
            ("GET", r"^/v1/(projects/[^/]+/locations/[^/]+/models/[^/@:]+)(?:@([^/:]+))?$", self._get_model),
            ("GET", r"^/v1/(projects/[^/]+/locations/[^/]+/endpoints/[^/:]+)$", self._get_endpoint),
            ("POST", r"^/v1/(projects/[^/]+/locations/[^/]+/endpoints/[^/:]+):deployModel$", self._deploy),
            ("PATCH", r"^/v1/(projects/[^/]+/locations/[^/]+/endpoints/[^/:]+)$", self._patch_endpoint),
            ("POST", r"^/v1/(projects/[^/]+/locations/[^/]+)/modelDeploymentMonitoringJobs$", self._create_job),
            ("GET", r"^/v1/(projects/[^/]+/locations/[^/]+/modelDeploymentMonitoringJobs/[^/:]+)$", self._get_job),
            ("PATCH", r"^/v1/(projects/[^/]+/locations/[^/]+/modelDeploymentMonitoringJobs/[^/:]+)$", self._patch_job),
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

    # --- models ---------------------------------------------------------------------------
    def _upload(self, req: Request, parent: str) -> dict[str, Any]:
        body = req.body
        spec = body["model"]
        if body.get("parentModel"):
            resource = body["parentModel"]
            if resource not in self.models:
                raise ApiError(404, "NOT_FOUND", f"parent model {resource} not found")
        else:
            resource = f"{parent}/models/{body.get('modelId') or self._next_id()}"
            if resource in self.models:
                raise ApiError(409, "ALREADY_EXISTS", f"model {resource} already exists")
            self.models[resource] = {"versions": {}}
        versions = self.models[resource]["versions"]
        version_id = str(len(versions) + 1)
        aliases = list(spec.get("versionAliases", []))
        self._check_aliases_free(resource, aliases, version_id)
        if "default" in aliases:
            for other in versions.values():
                other["versionAliases"] = [a for a in other["versionAliases"] if a != "default"]
        # Custom-container models deploy on dedicated resources (enum DEDICATED_RESOURCES = 1).
        versions[version_id] = {**spec, "name": resource, "versionId": version_id, "versionAliases": aliases,
                                "labels": spec.get("labels", {}), "supportedDeploymentResourcesTypes": [1]}
        return {"name": f"{parent}/operations/{self._next_id()}", "done": True,
                "response": {"@type": V1 + "UploadModelResponse", "model": resource, "modelVersionId": version_id}}

    def _version(self, resource: str, ref: str | None) -> dict[str, Any]:
        if resource not in self.models:
            raise ApiError(404, "NOT_FOUND", f"model {resource} not found")
        versions = self.models[resource]["versions"]
        ref = ref or "default"
        if ref in versions:
            return versions[ref]
        for version in versions.values():
            if ref in version["versionAliases"]:
                return version
        raise ApiError(404, "NOT_FOUND", f"model {resource}@{ref} not found")

    def _get_model(self, req: Request, resource: str, ref: str | None) -> dict[str, Any]:
        return self._version(resource, ref)

    def _check_aliases_free(self, resource: str, aliases: list[str], version_id: str) -> None:
        for other_id, other in self.models[resource]["versions"].items():
            taken = set(aliases) & set(other["versionAliases"]) - {"default"}
            if other_id != version_id and taken:
                raise ApiError(400, "INVALID_ARGUMENT", f"alias {sorted(taken)[0]} is already used by version {other_id}")

    def _merge_aliases(self, req: Request, resource: str, ref: str) -> dict[str, Any]:
        version = self._version(resource, ref)
        changes = req.body["versionAliases"]
        removals = {a[1:] for a in changes if a.startswith("-")}
        additions = [a for a in changes if not a.startswith("-")]
        self._check_aliases_free(resource, additions, version["versionId"])
        kept = [a for a in version["versionAliases"] if a not in removals]
        version["versionAliases"] = kept + [a for a in additions if a not in kept]
        return version

    # --- endpoints ------------------------------------------------------------------------
    def _endpoint(self, resource: str) -> dict[str, Any]:
        if resource not in self.endpoints:
            raise ApiError(404, "NOT_FOUND", f"endpoint {resource} not found")
        return self.endpoints[resource]

    def _get_endpoint(self, req: Request, resource: str) -> dict[str, Any]:
        return self._endpoint(resource)

    def _check_split(self, endpoint: dict[str, Any], split: dict[str, int]) -> None:
        ids = {d["id"] for d in endpoint["deployedModels"]}
        if split and sum(split.values()) != 100:
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split must sum to 100, got {split}")
        unknown = set(split) - ids
        if unknown:
            raise ApiError(400, "INVALID_ARGUMENT", f"traffic split names unknown deployed models {sorted(unknown)}")

    def _deploy(self, req: Request, resource: str) -> dict[str, Any]:
        endpoint = self._endpoint(resource)
        deployed = dict(req.body["deployedModel"])
        model, _, version = deployed["model"].partition("@")
        target = self._version(model, version or None)
        deployed.update(id=self._next_id(), model=model, modelVersionId=target["versionId"])
        split = {(deployed["id"] if k == "0" else k): v for k, v in req.body.get("trafficSplit", {}).items()}
        endpoint["deployedModels"].append(deployed)
        try:
            self._check_split(endpoint, split)
        except ApiError:
            endpoint["deployedModels"].pop()
            raise
        endpoint["trafficSplit"] = split
        return {"name": f"{resource}/operations/{self._next_id()}", "done": True,
                "response": {"@type": V1 + "DeployModelResponse", "deployedModel": deployed}}

    def _patch_endpoint(self, req: Request, resource: str) -> dict[str, Any]:
        endpoint = self._endpoint(resource)
        mask = req.query.get("updateMask", [""])[0].split(",")
        if "trafficSplit" in mask or "traffic_split" in mask:
            split = req.body.get("trafficSplit", {})
            self._check_split(endpoint, split)
            endpoint["trafficSplit"] = split
        return endpoint

    # --- model monitoring -----------------------------------------------------------------
    def _create_job(self, req: Request, parent: str) -> dict[str, Any]:
        endpoint = self._endpoint(req.body["endpoint"])
        if endpoint.get("modelDeploymentMonitoringJob"):
            raise ApiError(400, "FAILED_PRECONDITION", "endpoint already has a model deployment monitoring job")
        name = f"{parent}/modelDeploymentMonitoringJobs/{self._next_id()}"
        self.jobs[name] = {**req.body, "name": name, "state": "JOB_STATE_RUNNING"}
        endpoint["modelDeploymentMonitoringJob"] = name
        return self.jobs[name]

    def _get_job(self, req: Request, name: str) -> dict[str, Any]:
        if name not in self.jobs:
            raise ApiError(404, "NOT_FOUND", f"job {name} not found")
        return self.jobs[name]

    def _patch_job(self, req: Request, name: str) -> dict[str, Any]:
        job = self._get_job(req, name)
        for path in req.query.get("updateMask", [""])[0].split(","):
            key = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path)
            if key in req.body:
                job[key] = req.body[key]
        return {"name": f"{name}/operations/{self._next_id()}", "done": True,
                "response": {"@type": V1 + "ModelDeploymentMonitoringJob", **job}}

    # --- monitoring channels and logging --------------------------------------------------
    def _list_channels(self, req: Request, project: str) -> dict[str, Any]:
        return {"notificationChannels": self.channels.get(project, [])}

    def _write_entries(self, req: Request) -> dict[str, Any]:
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
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
