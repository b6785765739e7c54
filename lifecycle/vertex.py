"""The Vertex AI and Cloud Monitoring calls the lifecycle commands make, live or as a dry run.

``LiveVertex`` calls google-cloud-aiplatform over REST; ``DryRunVertex`` does no I/O at all and
answers reads with placeholders (``<...>``) that are resolved at run time. Both record every
request (method, URL path, SDK call, arguments) so the dry run prints exactly what a live run
sends, and a live run can report what it did.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

from google.api_core import exceptions as api_exceptions


class Placeholder(str):
    """A value only a live run can know (it reads the registry or the endpoint first)."""

    def __new__(cls, what: str) -> "Placeholder":
        return super().__new__(cls, f"<{what}>")


@dataclass(frozen=True)
class ModelVersion:
    resource: str            # projects/P/locations/L/models/ID (no @version)
    version_id: str
    aliases: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def versioned(self) -> str:
        return f"{self.resource}@{self.version_id}"


@dataclass(frozen=True)
class DeployedModel:
    id: str
    model: str
    version_id: str
    display_name: str


@dataclass(frozen=True)
class EndpointState:
    resource: str
    deployed: tuple[DeployedModel, ...] | None   # None: unknown (dry run)
    traffic: Mapping[str, int]
    monitoring_job: str | None

    @property
    def known(self) -> bool:
        return self.deployed is not None

    def serving(self, model: str, version_id: str) -> DeployedModel | None:
        for d in self.deployed or ():
            if d.model == model and d.version_id == version_id:
                return d
        return None


@dataclass
class Recorder:
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add(self, method: str, path: str, sdk: str, **arguments: Any) -> None:
        self.requests.append({"method": method, "path": path, "sdk": sdk, "arguments": _jsonable(arguments)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def v1(resource: str, suffix: str = "") -> str:
    return f"/v1/{resource}{suffix}"


class DryRunVertex:
    """No network: records requests, answers reads with placeholders."""

    dry_run = True

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    def get_model(self, resource: str, ref: str | None = None) -> ModelVersion | Placeholder | None:
        name = f"{resource}@{ref}" if ref else resource
        self.recorder.add("GET", v1(name), "aiplatform.Model", model_name=name)
        if ref is None:
            return Placeholder(f"{resource} if it exists")
        aliases = () if ref.isdigit() else (ref,)
        return ModelVersion(resource, Placeholder(f"version id of {name}"), aliases)

    def upload(self, resource: str, **kwargs: Any) -> ModelVersion:
        parent = f"projects/{kwargs['project']}/locations/{kwargs['location']}"
        self.recorder.add("POST", v1(parent, "/models:upload"), "aiplatform.Model.upload", **kwargs)
        return ModelVersion(resource, Placeholder("version id assigned by the registry"), tuple(kwargs["version_aliases"]))

    def merge_aliases(self, resource: str, version_id: str, changes: list[str]) -> None:
        name = f"{resource}@{version_id}"
        self.recorder.add("POST", v1(name, ":mergeVersionAliases"), "aiplatform.models.ModelRegistry._merge_version_aliases",
                          version=version_id, version_aliases=changes)

    def get_endpoint(self, resource: str) -> EndpointState:
        self.recorder.add("GET", v1(resource), "aiplatform.Endpoint", endpoint_name=resource)
        return EndpointState(resource, None, {}, None)

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        self.recorder.add("POST", v1(endpoint, ":deployModel"), "aiplatform.Model.deploy",
                          model=model.versioned, endpoint=endpoint, **kwargs)
        return Placeholder("deployed model id assigned by the endpoint")

    def set_traffic(self, endpoint: str, split: Mapping[str, int]) -> None:
        self.recorder.add("PATCH", v1(endpoint, "?updateMask=trafficSplit"), "aiplatform.Endpoint.update",
                          traffic_split=dict(split))

    def upsert_monitoring(self, endpoint: EndpointState, config: Mapping[str, Any], project: str, location: str) -> str:
        if endpoint.monitoring_job:
            self.recorder.add("PATCH", v1(endpoint.monitoring_job), "aiplatform.ModelDeploymentMonitoringJob.update",
                              **{k: v for k, v in config.items() if k != "display_name"})
            return endpoint.monitoring_job
        self.recorder.add("POST", v1(f"projects/{project}/locations/{location}", "/modelDeploymentMonitoringJobs"),
                          "aiplatform.ModelDeploymentMonitoringJob.create (or .update when the endpoint already has one)",
                          endpoint=endpoint.resource, **config)
        if self.dry_run:
            self.recorder.add("PATCH", v1("<new job>", "?updateMask=log_ttl"), "aiplatform.ModelDeploymentMonitoringJob.update",
                              bigquery_tables_log_ttl=config["bigquery_tables_log_ttl_days"])
        return Placeholder("monitoring job of the endpoint")

    def list_channels(self, project: str) -> list[dict[str, Any]] | None:
        self.recorder.add("GET", f"/v3/projects/{project}/notificationChannels", "monitoring v3 REST: notificationChannels.list")
        return None


class LiveVertex(DryRunVertex):
    """The same calls through google-cloud-aiplatform (REST transport) and the Monitoring REST API."""

    dry_run = False

    def __init__(self, recorder: Recorder, *, project: str, location: str, credentials: Any,
                 api_endpoint: str | None, monitoring_endpoint: str):
        super().__init__(recorder)
        from google.cloud import aiplatform

        logging.getLogger("google.cloud.aiplatform").setLevel(logging.WARNING)
        self.aiplatform = aiplatform
        self.credentials = credentials
        self.monitoring_endpoint = monitoring_endpoint.rstrip("/")
        init: dict[str, Any] = {"project": project, "location": location, "credentials": credentials,
                                "api_transport": "rest"}
        if api_endpoint:
            init["api_endpoint"] = api_endpoint
        aiplatform.init(**init)

    def get_model(self, resource: str, ref: str | None = None) -> ModelVersion | None:
        super().get_model(resource, ref)
        name = f"{resource}@{ref}" if ref else resource
        try:
            return _version(self.aiplatform.Model(model_name=name))
        except api_exceptions.NotFound:
            return None

    def upload(self, resource: str, **kwargs: Any) -> ModelVersion:
        super().upload(resource, **kwargs)
        args = dict(kwargs)
        # The SDK appends "default" to the caller's list in place (and rejects tuples): pass a copy.
        args["version_aliases"] = list(args["version_aliases"])
        return _version(self.aiplatform.Model.upload(sync=True, **args))

    def merge_aliases(self, resource: str, version_id: str, changes: list[str]) -> None:
        super().merge_aliases(resource, version_id, changes)
        registry = self.aiplatform.models.ModelRegistry(resource)
        registry._merge_version_aliases(version_aliases=list(changes), version=version_id)

    def get_endpoint(self, resource: str) -> EndpointState | None:
        super().get_endpoint(resource)
        try:  # the SDK reads the endpoint lazily: touch gca_resource inside the try
            return _endpoint_state(self.aiplatform.Endpoint(resource).gca_resource)
        except api_exceptions.NotFound:
            return None

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        super().deploy(model, endpoint, **kwargs)
        target = self.aiplatform.Endpoint(endpoint)
        self.aiplatform.Model(model_name=model.versioned).deploy(endpoint=target, sync=True, **kwargs)
        state = _endpoint_state(self.aiplatform.Endpoint(endpoint).gca_resource)
        deployed = state.serving(model.resource, model.version_id)
        if deployed is None:
            raise RuntimeError(f"{model.versioned} is not on {endpoint} after deployModel finished")
        return deployed.id

    def set_traffic(self, endpoint: str, split: Mapping[str, int]) -> None:
        super().set_traffic(endpoint, split)
        self.aiplatform.Endpoint(endpoint).update(traffic_split=dict(split))

    def upsert_monitoring(self, endpoint: EndpointState, config: Mapping[str, Any], project: str, location: str) -> str:
        super().upsert_monitoring(endpoint, config, project, location)
        from lifecycle.monitoring import sdk_arguments

        args = sdk_arguments(config)
        jobs = self.aiplatform.ModelDeploymentMonitoringJob
        if endpoint.monitoring_job:
            args.pop("display_name")
            job = jobs(endpoint.monitoring_job).update(**args)
        else:
            ttl = args.pop("bigquery_tables_log_ttl")
            job = jobs.create(endpoint=endpoint.resource, project=project, location=location, **args)
            # ModelDeploymentMonitoringJob.create (aiplatform 2.7.0) accepts bigquery_tables_log_ttl but
            # never puts it into the request; only update() sends log_ttl.
            self.recorder.add("PATCH", v1(job.resource_name, "?updateMask=log_ttl"),
                              "aiplatform.ModelDeploymentMonitoringJob.update", bigquery_tables_log_ttl=ttl)
            job.update(bigquery_tables_log_ttl=ttl)
        return job.resource_name

    def list_channels(self, project: str) -> list[dict[str, Any]]:
        super().list_channels(project)
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(self.credentials)
        channels, token = [], None
        while True:
            params = {"pageToken": token} if token else {}
            reply = session.get(f"{self.monitoring_endpoint}/v3/projects/{project}/notificationChannels",
                                params=params, timeout=60)
            reply.raise_for_status()
            body = reply.json()
            channels += body.get("notificationChannels", [])
            token = body.get("nextPageToken")
            if not token:
                return channels


def _version(model: Any) -> ModelVersion:
    return ModelVersion(model.resource_name, str(model.version_id), tuple(model.version_aliases),
                        dict(model.labels))


def _endpoint_state(gca: Any) -> EndpointState:
    # `model` may carry @version or @alias; the version id is the reliable field.
    deployed = tuple(DeployedModel(d.id, d.model.partition("@")[0], str(d.model_version_id), d.display_name)
                     for d in gca.deployed_models)
    return EndpointState(gca.name, deployed, dict(gca.traffic_split), gca.model_deployment_monitoring_job or None)
