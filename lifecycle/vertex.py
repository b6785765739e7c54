"""The Vertex AI and Cloud Monitoring calls the lifecycle commands make, live or as a dry run.

``LiveVertex`` calls google-cloud-aiplatform over REST; ``DryRunVertex`` does no I/O at all and
answers reads with placeholders (``<...>``) that are resolved at run time. Both record every
request (method, URL path, SDK call, arguments) so the dry run prints exactly what a live run
sends, and a live run can report what it did.

Names read back from the API carry the project number; everything here compares models by
``identity.ModelKey`` (location, model id, version id), never by the name string.
"""
from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any, Mapping

from google.api_core import exceptions as api_exceptions

from lifecycle.identity import ModelKey


class Placeholder(str):
    """A value only a live run can know (it reads the registry or the endpoint first)."""

    def __new__(cls, what: str) -> "Placeholder":
        return super().__new__(cls, f"<{what}>")


@dataclass(frozen=True)
class ModelVersion:
    resource: str            # projects/P/locations/L/models/ID (no @version), as the API spelled it
    version_id: str
    aliases: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def versioned(self) -> str:
        return f"{self.resource}@{self.version_id}"

    @property
    def key(self) -> ModelKey:
        return ModelKey.of(self.resource, self.version_id)


@dataclass(frozen=True)
class DeployedModel:
    id: str
    model: str               # model resource without @version, as the API spelled it
    version_id: str
    display_name: str

    @property
    def key(self) -> ModelKey:
        return ModelKey.of(self.model, self.version_id)


@dataclass(frozen=True)
class EndpointState:
    resource: str
    deployed: tuple[DeployedModel, ...] | None   # None: unknown (dry run)
    traffic: Mapping[str, int]
    monitoring_job: str | None

    @property
    def known(self) -> bool:
        return self.deployed is not None

    def serving(self, key: ModelKey) -> DeployedModel | None:
        for d in self.deployed or ():
            if d.key == key:
                return d
        return None

    def percent(self, deployed_id: str) -> int:
        return int(self.traffic.get(deployed_id, 0))


@dataclass(frozen=True)
class MonitoringState:
    name: str
    objectives: Mapping[str, Any] | None          # deployed model id -> objective JSON; None: unknown (dry run)
    log_ttl_days: int | None = None
    bigquery_tables: tuple[str, ...] = ()


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


KEPT = "<kept as the job has it>"
# Fields a monitoring update overwrites (UpdateModelDeploymentMonitoringJobRequest.update_mask lists each as
# updatable: aiplatform_v1/types/job_service.py:1323-1335 in google-cloud-aiplatform 2.7.0).
UPDATE_MASK = ("model_deployment_monitoring_objective_configs", "model_deployment_monitoring_schedule_config",
               "model_monitoring_alert_config", "logging_sampling_strategy", "labels", "log_ttl")


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
        return ModelVersion(resource, ref if ref.isdigit() else Placeholder(f"version id of {name}"), aliases)

    def upload(self, resource: str, **kwargs: Any) -> ModelVersion:
        parent = f"projects/{kwargs['project']}/locations/{kwargs['location']}"
        self.recorder.add("POST", v1(parent, "/models:upload"), "aiplatform.Model.upload", **kwargs)
        return ModelVersion(resource, Placeholder("version id assigned by the registry"), tuple(kwargs["version_aliases"]))

    def merge_aliases(self, resource: str, version_id: str, changes: list[str]) -> None:
        name = f"{resource}@{version_id}"
        self.recorder.add("POST", v1(name, ":mergeVersionAliases"), "aiplatform.models.ModelRegistry._merge_version_aliases",
                          version=version_id, version_aliases=changes)

    def get_endpoint(self, resource: str) -> EndpointState | None:
        self.recorder.add("GET", v1(resource), "aiplatform.Endpoint", endpoint_name=resource)
        return EndpointState(resource, None, {}, Placeholder("monitoring job of the endpoint, if any"))

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        self.recorder.add("POST", v1(endpoint, ":deployModel"), "aiplatform.Model.deploy",
                          model=model.versioned, endpoint=endpoint, **kwargs)
        return Placeholder("deployed model id assigned by the endpoint")

    def set_traffic(self, endpoint: str, split: Mapping[str, int]) -> None:
        self.recorder.add("PATCH", v1(endpoint, "?updateMask=trafficSplit"), "aiplatform.Endpoint.update",
                          traffic_split=dict(split))

    def undeploy(self, endpoint: str, deployed_id: str, split: Mapping[str, int]) -> None:
        self.recorder.add("POST", v1(endpoint, ":undeployModel"), "aiplatform.Endpoint.undeploy",
                          deployed_model_id=deployed_id, traffic_split=dict(split))

    def get_monitoring(self, name: str) -> MonitoringState | None:
        self.recorder.add("GET", v1(name), "aiplatform.ModelDeploymentMonitoringJob", name=name)
        return MonitoringState(name, None)

    def create_monitoring(self, endpoint: str, settings: Mapping[str, Any], objectives: Mapping[str, Any],
                          project: str, location: str) -> str:
        self.recorder.add("POST", v1(f"projects/{project}/locations/{location}", "/modelDeploymentMonitoringJobs"),
                          "aiplatform.ModelDeploymentMonitoringJob.create", endpoint=endpoint,
                          objectives=dict(objectives), **{k: v for k, v in settings.items() if k != "log_ttl_days"})
        name = Placeholder("new monitoring job")
        # ModelDeploymentMonitoringJob.create (aiplatform 2.7.0) accepts bigquery_tables_log_ttl but never puts
        # it into the request (jobs.py:3510-3527): the TTL follows with an update.
        self.recorder.add("PATCH", v1(name, "?updateMask=log_ttl"), "aiplatform.ModelDeploymentMonitoringJob.update",
                          bigquery_tables_log_ttl=settings["log_ttl_days"])
        return name

    def update_monitoring(self, name: str, settings: Mapping[str, Any] | None, write: Mapping[str, Any],
                          keep: list[str]) -> MonitoringState:
        """Entries in ``write`` are set, entries in ``keep`` stay as they are, every other entry is dropped.
        Without ``settings`` only the objectives are in the update mask."""
        objectives = {**{k: KEPT for k in keep}, **write}
        mask = UPDATE_MASK if settings is not None else UPDATE_MASK[:1]
        self.recorder.add("PATCH", v1(name, "?updateMask=" + ",".join(mask)),
                          "ModelDeploymentMonitoringJob.api_client.update_model_deployment_monitoring_job",
                          objectives=objectives, **(settings or {}))
        return MonitoringState(name, objectives, settings["log_ttl_days"] if settings else None)

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
        DryRunVertex.get_endpoint(self, resource)
        try:  # the SDK reads the endpoint lazily: touch gca_resource inside the try
            return _endpoint_state(self.aiplatform.Endpoint(resource).gca_resource)
        except api_exceptions.NotFound:
            return None

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        super().deploy(model, endpoint, **kwargs)
        target = self.aiplatform.Endpoint(endpoint)
        self.aiplatform.Model(model_name=model.versioned).deploy(endpoint=target, sync=True, **kwargs)
        state = _endpoint_state(self.aiplatform.Endpoint(endpoint).gca_resource)
        deployed = state.serving(model.key)
        if deployed is None:
            raise RuntimeError(f"{model.versioned} is not on {endpoint} after deployModel finished")
        return deployed.id

    def set_traffic(self, endpoint: str, split: Mapping[str, int]) -> None:
        super().set_traffic(endpoint, split)
        self.aiplatform.Endpoint(endpoint).update(traffic_split=dict(split))

    def undeploy(self, endpoint: str, deployed_id: str, split: Mapping[str, int]) -> None:
        super().undeploy(endpoint, deployed_id, split)
        self.aiplatform.Endpoint(endpoint).undeploy(deployed_model_id=deployed_id, traffic_split=dict(split),
                                                    sync=True)

    def get_monitoring(self, name: str) -> MonitoringState | None:
        DryRunVertex.get_monitoring(self, name)
        try:
            return _monitoring_state(self.aiplatform.ModelDeploymentMonitoringJob(name).gca_resource)
        except api_exceptions.NotFound:
            return None

    def create_monitoring(self, endpoint: str, settings: Mapping[str, Any], objectives: Mapping[str, Any],
                          project: str, location: str) -> str:
        super().create_monitoring(endpoint, settings, objectives, project, location)
        self.recorder.requests.pop()  # the live TTL update is recorded below with the job's real name
        from lifecycle.monitoring import objective_config

        args = _settings_arguments(settings)
        ttl = args.pop("bigquery_tables_log_ttl")
        job = self.aiplatform.ModelDeploymentMonitoringJob.create(
            endpoint=endpoint, project=project, location=location,
            objective_configs={k: objective_config(v) for k, v in objectives.items()}, **args)
        self.recorder.add("PATCH", v1(job.resource_name, "?updateMask=log_ttl"),
                          "aiplatform.ModelDeploymentMonitoringJob.update", bigquery_tables_log_ttl=ttl)
        job.update(bigquery_tables_log_ttl=ttl)
        return job.resource_name

    def update_monitoring(self, name: str, settings: Mapping[str, Any] | None, write: Mapping[str, Any],
                          keep: list[str]) -> MonitoringState:
        DryRunVertex.update_monitoring(self, name, settings, write, keep)
        from google.cloud.aiplatform.compat.types import model_deployment_monitoring_job as mdm
        from google.protobuf import duration_pb2, field_mask_pb2

        from lifecycle.monitoring import objective_proto

        job = self.aiplatform.ModelDeploymentMonitoringJob(name)
        current = copy.deepcopy(job.gca_resource)
        entries = [c for c in current.model_deployment_monitoring_objective_configs
                   if c.deployed_model_id in keep and c.deployed_model_id not in write]
        entries += [mdm.ModelDeploymentMonitoringObjectiveConfig(deployed_model_id=k, objective_config=objective_proto(v))
                    for k, v in write.items()]
        current.model_deployment_monitoring_objective_configs = entries
        if settings is not None:
            args = _settings_arguments(settings)
            current.model_deployment_monitoring_schedule_config = args["schedule_config"].as_proto()
            current.model_monitoring_alert_config = args["alert_config"].as_proto()
            current.logging_sampling_strategy = args["logging_sampling_strategy"].as_proto()
            current.labels = args["labels"]
            current.log_ttl = duration_pb2.Duration(seconds=settings["log_ttl_days"] * 86400)
        mask = UPDATE_MASK if settings is not None else UPDATE_MASK[:1]
        # The SDK's update() would rebuild every objective from one config; the service call it makes is used
        # directly with the job as it is, edited per deployed model.
        lro = job.api_client.update_model_deployment_monitoring_job(
            model_deployment_monitoring_job=current, update_mask=field_mask_pb2.FieldMask(paths=list(mask)))
        return _monitoring_state(lro.result(timeout=None))

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


def _settings_arguments(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ModelDeploymentMonitoringJob.create from the job settings JSON."""
    from google.cloud.aiplatform import model_monitoring as mm

    return {
        "display_name": settings["display_name"],
        "logging_sampling_strategy": mm.RandomSampleConfig(sample_rate=settings["sample_rate"]),
        "schedule_config": mm.ScheduleConfig(monitor_interval=settings["monitor_interval_hours"]),
        # AlertConfig, not EmailAlertConfig: only it takes notification_channels.
        "alert_config": mm.AlertConfig(**settings["alert"]),
        "bigquery_tables_log_ttl": settings["log_ttl_days"],
        "labels": dict(settings["labels"]),
    }


def _version(model: Any) -> ModelVersion:
    return ModelVersion(model.resource_name, str(model.version_id), tuple(model.version_aliases),
                        dict(model.labels))


def _endpoint_state(gca: Any) -> EndpointState:
    # `model` may carry @version or @alias; the version id is the reliable field.
    deployed = tuple(DeployedModel(d.id, d.model.partition("@")[0], str(d.model_version_id), d.display_name)
                     for d in gca.deployed_models)
    return EndpointState(gca.name, deployed, dict(gca.traffic_split), gca.model_deployment_monitoring_job or None)


def _monitoring_state(gca: Any) -> MonitoringState:
    from google.protobuf import json_format

    from lifecycle.monitoring import objective_from_api

    objectives = {c.deployed_model_id: objective_from_api(json_format.MessageToDict(type(c.objective_config).pb(c.objective_config)))
                  for c in gca.model_deployment_monitoring_objective_configs}
    ttl = gca.log_ttl.total_seconds() if gca.log_ttl else 0  # proto-plus gives a timedelta
    tables = tuple(t.bigquery_table_path for t in gca.bigquery_tables)
    return MonitoringState(gca.name, objectives, int(-(-ttl // 86400)) if ttl else None, tables)
