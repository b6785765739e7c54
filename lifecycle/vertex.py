"""The Vertex AI and Cloud Monitoring calls the lifecycle commands make, live or as a dry run.

``LiveVertex`` calls Vertex AI over REST: ``Model.upload``, ``Model.deploy`` and ``Endpoint.undeploy`` through
google-cloud-aiplatform, everything else through the SDK's public GAPIC clients (``aiplatform_v1``), because the SDK wrappers drop or
hide what the commands need: ``ModelDeploymentMonitoringJob.create`` accepts ``bigquery_tables_log_ttl`` but
never puts it into the request (aiplatform/jobs.py:3513-3528 in google-cloud-aiplatform 2.7.0),
``Endpoint.update`` re-reads the endpoint and sends that fresh etag instead of the one the command planned
from (aiplatform/models.py:2448-2531), and the alias merge is private in the SDK
(``ModelRegistry._merge_version_aliases``). ``DryRunVertex`` does no I/O at all and answers reads with
placeholders (``<...>``) resolved at run time. Both record every request (method, URL path, call,
arguments) so the dry run prints exactly what a live run sends, and a live run can report what it did.

Names read back from the API carry the project number; everything here compares models by
``identity.ModelKey`` (location, model id, version id), never by the name string.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as api_exceptions

from lifecycle.identity import ModelKey


class Placeholder(str):
    """A value only a live run can know (it reads the registry or the endpoint first)."""

    def __new__(cls, what: str) -> Placeholder:
        return super().__new__(cls, f"<{what}>")


@dataclass(frozen=True)
class ModelVersion:
    resource: str  # projects/P/locations/L/models/ID (no @version), as the API spelled it
    version_id: str
    aliases: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    image_uri: str | None = None  # containerSpec.imageUri
    artifact_uri: str | None = None
    description: str | None = None  # the version description register wrote
    kms_key: str | None = None  # encryptionSpec.kmsKeyName

    @property
    def versioned(self) -> str:
        return f"{self.resource}@{self.version_id}"

    @property
    def key(self) -> ModelKey:
        return ModelKey.of(self.resource, self.version_id)


@dataclass(frozen=True)
class Replicas:
    """A deployed model's DedicatedResources (machine_resources.proto)."""

    machine_type: str
    min_replicas: int
    max_replicas: int


@dataclass(frozen=True)
class DeployedModel:
    id: str
    model: str  # model resource without @version, as the API spelled it
    version_id: str
    display_name: str
    replicas: Replicas | None = None

    @property
    def key(self) -> ModelKey:
        return ModelKey.of(self.model, self.version_id)


@dataclass(frozen=True)
class EndpointState:
    resource: str
    deployed: tuple[DeployedModel, ...] | None  # None: unknown (dry run)
    traffic: Mapping[str, int]
    monitoring_job: str | None
    etag: str | None = None  # Endpoint.etag: "Used to perform consistent read-modify-write updates"

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

    def with_traffic(self) -> list[DeployedModel]:
        """The deployed models that serve a share of the traffic now."""
        return [d for d in self.deployed or () if self.percent(d.id) > 0]


@dataclass(frozen=True)
class MonitoringState:
    name: str
    objectives: Mapping[str, Any] | None  # deployed model id -> objective JSON; None: unknown (dry run)
    log_ttl_days: int | None = None
    bigquery_tables: tuple[str, ...] = ()
    state: str | None = None  # JobState name (JOB_STATE_RUNNING, ...); None: unknown (dry run)
    kms_key: str | None = None


@dataclass
class Recorder:
    requests: list[dict[str, Any]] = field(default_factory=list)

    def add(self, method: str, path: str, sdk: str, **arguments: Any) -> None:
        self.requests.append({"method": method, "path": path, "sdk": sdk, "arguments": _jsonable(arguments)})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def v1(resource: str, suffix: str = "") -> str:
    return f"/v1/{resource}{suffix}"


KEPT = "<kept as the job has it>"
# Fields a monitoring update overwrites (UpdateModelDeploymentMonitoringJobRequest.update_mask lists each as
# updatable: aiplatform_v1/types/job_service.py:1323-1335 in google-cloud-aiplatform 2.7.0). With job settings the
# whole alert config and the labels are replaced by the platform's: the job is the platform's, not hand-tuned.
UPDATE_MASK = (
    "model_deployment_monitoring_objective_configs",
    "model_deployment_monitoring_schedule_config",
    "model_monitoring_alert_config",
    "logging_sampling_strategy",
    "labels",
    "log_ttl",
)
# MutateDeployedModelRequest.deployed_model: "Only the following fields can be mutated: min_replica_count ...
# max_replica_count ..." (aiplatform_v1/types/endpoint_service.py:490-506); machine_type is not among them.
REPLICA_MASK = ("dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count")
DAY_SECONDS = 86400


class DryRunVertex:
    """No network: records requests, answers reads with placeholders."""

    dry_run = True

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    def get_model(self, resource: str, ref: str | None = None) -> ModelVersion | None:
        name = f"{resource}@{ref}" if ref else resource
        self.recorder.add("GET", v1(name), "aiplatform.Model", model_name=name)
        if ref is None:
            return Placeholder(f"{resource} if it exists")  # type: ignore[return-value]
        aliases = () if ref.isdigit() else (ref,)
        return ModelVersion(resource, ref if ref.isdigit() else Placeholder(f"version id of {name}"), aliases)

    def upload(self, resource: str, **kwargs: Any) -> ModelVersion:
        parent = f"projects/{kwargs['project']}/locations/{kwargs['location']}"
        self.recorder.add("POST", v1(parent, "/models:upload"), "aiplatform.Model.upload", **kwargs)
        return ModelVersion(
            resource, Placeholder("version id assigned by the registry"), tuple(kwargs["version_aliases"])
        )

    def merge_aliases(self, resource: str, version_id: str, changes: list[str]) -> None:
        name = f"{resource}@{version_id}"
        self.recorder.add(
            "POST",
            v1(name, ":mergeVersionAliases"),
            "aiplatform_v1.ModelServiceClient.merge_version_aliases",
            version=version_id,
            version_aliases=changes,
        )

    def get_endpoint(self, resource: str) -> EndpointState | None:
        self.recorder.add("GET", v1(resource), "aiplatform_v1.EndpointServiceClient.get_endpoint", name=resource)
        return EndpointState(resource, None, {}, Placeholder("monitoring job of the endpoint, if any"))

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        self.recorder.add(
            "POST",
            v1(endpoint, ":deployModel"),
            "aiplatform.Model.deploy",
            model=model.versioned,
            endpoint=endpoint,
            **kwargs,
        )
        return Placeholder("deployed model id assigned by the endpoint")

    def set_traffic(self, endpoint: str, split: Mapping[str, int], etag: str | None) -> None:
        self.recorder.add(
            "PATCH",
            v1(endpoint, "?updateMask=trafficSplit"),
            "aiplatform_v1.EndpointServiceClient.update_endpoint",
            traffic_split=dict(split),
            etag=etag or Placeholder("etag of the endpoint as read"),
        )

    def undeploy(self, endpoint: str, deployed_id: str, split: Mapping[str, int]) -> None:
        self.recorder.add(
            "POST",
            v1(endpoint, ":undeployModel"),
            "aiplatform.Endpoint.undeploy",
            deployed_model_id=deployed_id,
            traffic_split=dict(split),
        )

    def set_replicas(self, endpoint: str, deployed: DeployedModel, replicas: Replicas) -> None:
        self.recorder.add(
            "POST",
            v1(endpoint, ":mutateDeployedModel"),
            "aiplatform_v1.EndpointServiceClient.mutate_deployed_model",
            deployed_model_id=deployed.id,
            min_replica_count=replicas.min_replicas,
            max_replica_count=replicas.max_replicas,
            update_mask=list(REPLICA_MASK),
        )

    def get_monitoring(self, name: str) -> MonitoringState | None:
        self.recorder.add(
            "GET", v1(name), "aiplatform_v1.JobServiceClient.get_model_deployment_monitoring_job", name=name
        )
        return MonitoringState(name, None)

    def create_monitoring(
        self,
        endpoint: str,
        settings: Mapping[str, Any],
        objectives: Mapping[str, Any],
        project: str,
        location: str,
        kms_key: str,
    ) -> str:
        """One request with the log TTL and the key (the SDK's create() would drop the TTL)."""
        self.recorder.add(
            "POST",
            v1(f"projects/{project}/locations/{location}", "/modelDeploymentMonitoringJobs"),
            "aiplatform_v1.JobServiceClient.create_model_deployment_monitoring_job",
            endpoint=endpoint,
            objectives=dict(objectives),
            encryption_spec_key_name=kms_key,
            **settings,
        )
        return Placeholder("new monitoring job")

    def update_monitoring(
        self, name: str, settings: Mapping[str, Any] | None, write: Mapping[str, Any], keep: list[str]
    ) -> MonitoringState:
        """Entries in ``write`` are set, entries in ``keep`` stay as they are, every other entry is dropped.
        Without ``settings`` only the objectives are in the update mask."""
        objectives = {**dict.fromkeys(keep, KEPT), **write}
        mask = UPDATE_MASK if settings is not None else UPDATE_MASK[:1]
        self.recorder.add(
            "PATCH",
            v1(name, "?updateMask=" + ",".join(mask)),
            "aiplatform_v1.JobServiceClient.update_model_deployment_monitoring_job",
            objectives=objectives,
            **(settings or {}),
        )
        return MonitoringState(name, objectives, settings["log_ttl_days"] if settings else None)

    def list_channels(self, project: str) -> list[dict[str, Any]] | None:
        self.recorder.add(
            "GET", f"/v3/projects/{project}/notificationChannels", "monitoring v3 REST: notificationChannels.list"
        )
        return None


class LiveVertex(DryRunVertex):
    """The same calls through google-cloud-aiplatform (REST transport) and the Monitoring REST API."""

    dry_run = False

    def __init__(
        self,
        recorder: Recorder,
        *,
        project: str,
        location: str,
        credentials: Any,
        api_endpoint: str | None,
        monitoring_endpoint: str,
    ):
        super().__init__(recorder)
        from google.cloud import aiplatform

        logging.getLogger("google.cloud.aiplatform").setLevel(logging.WARNING)
        self.aiplatform = aiplatform
        self.credentials = credentials
        self.monitoring_endpoint = monitoring_endpoint.rstrip("/")
        # The SDK's default service endpoint is regional: <location>-aiplatform.googleapis.com
        # (aiplatform/initializer.py, get_client_options).
        self.api_endpoint = api_endpoint or f"{location}-aiplatform.googleapis.com"
        self._clients: dict[str, Any] = {}
        init: dict[str, Any] = {
            "project": project,
            "location": location,
            "credentials": credentials,
            "api_transport": "rest",
        }
        if api_endpoint:
            init["api_endpoint"] = api_endpoint
        aiplatform.init(**init)

    def _client(self, service: str) -> Any:
        """A public GAPIC client (aiplatform_v1) over REST, pointed where the SDK is pointed."""
        if service not in self._clients:
            from google.api_core.client_options import ClientOptions
            from google.cloud.aiplatform_v1.services.endpoint_service import EndpointServiceClient
            from google.cloud.aiplatform_v1.services.job_service import JobServiceClient
            from google.cloud.aiplatform_v1.services.model_service import ModelServiceClient

            cls = {"endpoint": EndpointServiceClient, "job": JobServiceClient, "model": ModelServiceClient}[service]
            self._clients[service] = cls(
                credentials=self.credentials,
                transport="rest",
                client_options=ClientOptions(api_endpoint=self.api_endpoint),
            )
        return self._clients[service]

    def get_model(self, resource: str, ref: str | None = None) -> ModelVersion | None:
        super().get_model(resource, ref)
        name = f"{resource}@{ref}" if ref else resource
        try:
            return _version(self.aiplatform.Model(model_name=name).gca_resource)
        except api_exceptions.NotFound:
            return None

    def upload(self, resource: str, **kwargs: Any) -> ModelVersion:
        super().upload(resource, **kwargs)
        args = dict(kwargs)
        # The SDK appends "default" to the caller's list in place (and rejects tuples): pass a copy.
        args["version_aliases"] = list(args["version_aliases"])
        return _version(self.aiplatform.Model.upload(sync=True, **args).gca_resource)

    def merge_aliases(self, resource: str, version_id: str, changes: list[str]) -> None:
        super().merge_aliases(resource, version_id, changes)
        self._client("model").merge_version_aliases(name=f"{resource}@{version_id}", version_aliases=list(changes))

    def get_endpoint(self, resource: str) -> EndpointState | None:
        DryRunVertex.get_endpoint(self, resource)
        try:
            return _endpoint_state(self._client("endpoint").get_endpoint(name=resource))
        except api_exceptions.NotFound:
            return None

    def deploy(self, model: ModelVersion, endpoint: str, **kwargs: Any) -> str:
        super().deploy(model, endpoint, **kwargs)
        target = self.aiplatform.Endpoint(endpoint)
        self.aiplatform.Model(model_name=model.versioned).deploy(endpoint=target, sync=True, **kwargs)
        state = _endpoint_state(self._client("endpoint").get_endpoint(name=endpoint))
        deployed = state.serving(model.key)
        if deployed is None:
            raise RuntimeError(f"{model.versioned} is not on {endpoint} after deployModel finished")
        return deployed.id

    def set_traffic(self, endpoint: str, split: Mapping[str, int], etag: str | None) -> None:
        """Only the traffic split, with the etag of the read the split was planned from: a change made since
        is refused ("If a user sends back an etag which does not match the current etag value, the service
        must send an ABORTED error", https://google.aip.dev/154)."""
        super().set_traffic(endpoint, split, etag)
        from google.cloud.aiplatform_v1.types import Endpoint
        from google.protobuf import field_mask_pb2

        self._client("endpoint").update_endpoint(
            endpoint=Endpoint(name=endpoint, traffic_split=dict(split), etag=etag or ""),
            update_mask=field_mask_pb2.FieldMask(paths=["traffic_split"]),
        )

    def undeploy(self, endpoint: str, deployed_id: str, split: Mapping[str, int]) -> None:
        super().undeploy(endpoint, deployed_id, split)
        self.aiplatform.Endpoint(endpoint).undeploy(deployed_model_id=deployed_id, traffic_split=dict(split), sync=True)

    def set_replicas(self, endpoint: str, deployed: DeployedModel, replicas: Replicas) -> None:
        super().set_replicas(endpoint, deployed, replicas)
        from google.cloud.aiplatform_v1.types import DedicatedResources, MachineSpec
        from google.cloud.aiplatform_v1.types import DeployedModel as GapicDeployedModel
        from google.protobuf import field_mask_pb2

        resources = DedicatedResources(
            machine_spec=MachineSpec(machine_type=replicas.machine_type),
            min_replica_count=replicas.min_replicas,
            max_replica_count=replicas.max_replicas,
        )
        self._client("endpoint").mutate_deployed_model(
            endpoint=endpoint,
            deployed_model=GapicDeployedModel(id=deployed.id, dedicated_resources=resources),
            update_mask=field_mask_pb2.FieldMask(paths=list(REPLICA_MASK)),
        ).result(timeout=None)

    def get_monitoring(self, name: str) -> MonitoringState | None:
        DryRunVertex.get_monitoring(self, name)
        try:
            return _monitoring_state(self._client("job").get_model_deployment_monitoring_job(name=name))
        except api_exceptions.NotFound:
            return None

    def create_monitoring(
        self,
        endpoint: str,
        settings: Mapping[str, Any],
        objectives: Mapping[str, Any],
        project: str,
        location: str,
        kms_key: str,
    ) -> str:
        super().create_monitoring(endpoint, settings, objectives, project, location, kms_key)
        from google.cloud.aiplatform_v1.types import EncryptionSpec, ModelDeploymentMonitoringJob

        job = ModelDeploymentMonitoringJob(
            display_name=settings["display_name"],
            endpoint=endpoint,
            model_deployment_monitoring_objective_configs=_objective_configs(objectives),
            encryption_spec=EncryptionSpec(kms_key_name=kms_key),
        )
        _apply_settings(job, settings)
        created = self._client("job").create_model_deployment_monitoring_job(
            parent=f"projects/{project}/locations/{location}", model_deployment_monitoring_job=job
        )
        return created.name

    def update_monitoring(
        self, name: str, settings: Mapping[str, Any] | None, write: Mapping[str, Any], keep: list[str]
    ) -> MonitoringState:
        """The job as it is, edited per deployed model (existing entries stay the protos the job has)."""
        DryRunVertex.update_monitoring(self, name, settings, write, keep)
        from google.protobuf import field_mask_pb2

        client = self._client("job")
        current = client.get_model_deployment_monitoring_job(name=name)
        entries = [
            c
            for c in current.model_deployment_monitoring_objective_configs
            if c.deployed_model_id in keep and c.deployed_model_id not in write
        ]
        current.model_deployment_monitoring_objective_configs = entries + _objective_configs(write)
        if settings is not None:
            _apply_settings(current, settings)
        mask = UPDATE_MASK if settings is not None else UPDATE_MASK[:1]
        lro = client.update_model_deployment_monitoring_job(
            model_deployment_monitoring_job=current, update_mask=field_mask_pb2.FieldMask(paths=list(mask))
        )
        return _monitoring_state(lro.result(timeout=None))

    def list_channels(self, project: str) -> list[dict[str, Any]]:
        super().list_channels(project)
        from google.auth.transport.requests import AuthorizedSession

        session = AuthorizedSession(self.credentials)
        channels: list[dict[str, Any]] = []
        token = None
        while True:
            params: dict[str, str] = {"pageToken": token} if token else {}
            reply = session.get(
                f"{self.monitoring_endpoint}/v3/projects/{project}/notificationChannels", params=params, timeout=60
            )
            reply.raise_for_status()
            body = reply.json()
            channels += body.get("notificationChannels", [])
            token = body.get("nextPageToken")
            if not token:
                return channels


def _objective_configs(objectives: Mapping[str, Any]) -> list[Any]:
    from google.cloud.aiplatform_v1.types import ModelDeploymentMonitoringObjectiveConfig

    from lifecycle.monitoring import objective_proto

    return [
        ModelDeploymentMonitoringObjectiveConfig(deployed_model_id=k, objective_config=objective_proto(v))
        for k, v in objectives.items()
    ]


def _apply_settings(job: Any, settings: Mapping[str, Any]) -> None:
    """The job settings JSON onto a ModelDeploymentMonitoringJob proto, built with the SDK's own classes."""
    from google.cloud.aiplatform import model_monitoring as mm
    from google.protobuf import duration_pb2

    job.logging_sampling_strategy = mm.RandomSampleConfig(sample_rate=settings["sample_rate"]).as_proto()
    job.model_deployment_monitoring_schedule_config = mm.ScheduleConfig(
        monitor_interval=settings["monitor_interval_hours"]
    ).as_proto()
    # AlertConfig, not EmailAlertConfig: only it takes notification_channels.
    job.model_monitoring_alert_config = mm.AlertConfig(**settings["alert"]).as_proto()
    job.labels = dict(settings["labels"])
    # ModelDeploymentMonitoringJob.log_ttl: "A day is the basic unit of the TTL".
    job.log_ttl = duration_pb2.Duration(seconds=settings["log_ttl_days"] * DAY_SECONDS)


def _version(gca: Any) -> ModelVersion:
    return ModelVersion(
        gca.name,
        str(gca.version_id),
        tuple(gca.version_aliases),
        dict(gca.labels),
        image_uri=gca.container_spec.image_uri or None,
        artifact_uri=gca.artifact_uri or None,
        description=gca.version_description or None,
        kms_key=gca.encryption_spec.kms_key_name or None,
    )


def _endpoint_state(gca: Any) -> EndpointState:
    # `model` may carry @version or @alias; the version id is the reliable field.
    deployed = tuple(
        DeployedModel(
            d.id,
            d.model.partition("@")[0],
            str(d.model_version_id),
            d.display_name,
            Replicas(
                d.dedicated_resources.machine_spec.machine_type,
                d.dedicated_resources.min_replica_count,
                d.dedicated_resources.max_replica_count,
            )
            if d.dedicated_resources.machine_spec.machine_type
            else None,
        )
        for d in gca.deployed_models
    )
    return EndpointState(
        gca.name, deployed, dict(gca.traffic_split), gca.model_deployment_monitoring_job or None, gca.etag or None
    )


def _monitoring_state(gca: Any) -> MonitoringState:
    from google.protobuf import json_format

    from lifecycle.monitoring import objective_from_api

    objectives = {
        c.deployed_model_id: objective_from_api(
            json_format.MessageToDict(type(c.objective_config).pb(c.objective_config))
        )
        for c in gca.model_deployment_monitoring_objective_configs
    }
    ttl = gca.log_ttl.total_seconds() if gca.log_ttl else 0  # proto-plus gives a timedelta
    tables = tuple(t.bigquery_table_path for t in gca.bigquery_tables)
    return MonitoringState(
        gca.name,
        objectives,
        int(-(-ttl // DAY_SECONDS)) if ttl else None,
        tables,
        gca.state.name,
        gca.encryption_spec.kms_key_name or None,
    )
