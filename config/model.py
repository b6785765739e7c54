"""The typed config model: validated once at the edge (config.loader), immutable afterwards.

Every object that came from YAML remembers its ``Source`` (file and line) so that error
messages and policy findings can point at the line a person has to change.

Defaults live here, once: a field the YAML may leave out has its default on the dataclass, the JSON
Schema states the same value as `default` (what editors show), and the loader passes only what the
file sets (tests/test_config_defaults.py keeps the two equal). Defaults that depend on other fields
(a cluster named after the platform, guardrails in the last environment) are computed by the loader.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

Classification = Literal["public", "internal", "confidential", "restricted"]
CLASSIFICATION_ORDER: tuple[str, ...] = ("public", "internal", "confidential", "restricted")


@dataclass(frozen=True)
class Source:
    """Where a config object was written: file path and 1-based line."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class NotificationChannel:
    key: str
    type: Literal["email", "pagerduty", "slack", "webhook"]
    display_name: str
    # Non-secret settings (address, channel name, url) and secret references (Secret Manager
    # version names). Secret values themselves never appear in config.
    settings: Mapping[str, str]
    source: Source


@dataclass(frozen=True, kw_only=True)
class PlatformEnv:
    name: str
    project_id: str
    # Production environments: people get read-only Vertex AI access (champion and traffic move only through the
    # lifecycle CLI) and endpoints log at least MLOPS_AUDIT_2's share of predictions. platform.yaml
    # `production:`; absent, an environment named as in DEFAULT_PRODUCTION_NAMES is production (the loader
    # decides: no dataclass default, since it depends on the name).
    production: bool
    state_bucket: str | None = None  # local state when absent
    network: str = "default"
    subnetwork: str | None = None


@dataclass(frozen=True)
class AuthorizedNetwork:
    cidr_block: str
    display_name: str


@dataclass(frozen=True, kw_only=True)
class Gke:
    cluster_name: str  # default (loader): `<platform name>-gke`
    release_channel: str = "REGULAR"
    master_ipv4_cidr_block: str = "172.16.0.0/28"
    master_authorized_networks: tuple[AuthorizedNetwork, ...] = ()
    # The platform's streaming scorer image (scorer/) by digest; required once a team has a streaming model.
    scorer_digest: str | None = None


# GitHub Actions' OIDC issuer: the CI trust is tightened further for it (modules/ci_identity.py).
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True, kw_only=True)
class Ci:
    repository: str
    issuer_uri: str = GITHUB_ISSUER
    branch: str = "main"
    # GitHub's numeric repository id: unlike the name, it cannot be re-registered by someone else.
    repository_id: str | None = None
    # The workflow file allowed to plan and apply (GitHub's `workflow_ref` claim).
    workflow: str = ".github/workflows/deploy.yml"


@dataclass(frozen=True)
class Organization:
    domain: str
    org_id: str | None
    folder_id: str | None
    customer_id: str | None
    # The environment whose platform stack owns the org policies (they exist once per parent).
    guardrails_env: str | None = None


@dataclass(frozen=True, kw_only=True)
class DefaultThresholds:
    """platform.yaml `default_thresholds`: what a model takes when its team file leaves a task threshold out."""

    min_accuracy: float | None = None
    max_rmse: float | None = None


DEFAULT_PRODUCTION_NAMES = ("prod", "production")


@dataclass(frozen=True)
class Platform:
    name: str
    region: str
    organization: Organization
    environments: Mapping[str, PlatformEnv]
    notification_channels: Mapping[str, NotificationChannel]
    oncall_channel: str | None
    gke: Gke
    ci: Ci | None
    source: Source
    suppressions: tuple[Suppression, ...] = ()
    # Who may approve a suppression anywhere (never a team's own people): platform.yaml `suppression_approvers`.
    suppression_approvers: tuple[str, ...] = ()
    default_thresholds: DefaultThresholds = DefaultThresholds()
    # The platform's data-owner group: may approve any team's access requests (platform.yaml `data_owners`).
    data_owners: str | None = None

    def is_production(self, env: str) -> bool:
        """Whether ``env`` is a production environment (platform.yaml `production:`, see PlatformEnv)."""
        known = self.environments.get(env)
        return known.production if known else env in DEFAULT_PRODUCTION_NAMES


@dataclass(frozen=True)
class Feature:
    name: str
    type: str = "FLOAT64"
    pii: bool = False
    drift_threshold: float | None = None


@dataclass(frozen=True)
class Monitoring:
    latency_p99_ms: float
    max_error_rate: float
    min_predictions_per_hour: int
    drift_threshold: float
    max_missing_feature_ratio: float
    features: tuple[Feature, ...]
    min_accuracy: float | None = None
    max_rmse: float | None = None


@dataclass(frozen=True)
class Logging:
    sample_rate: float
    retention_days: int


@dataclass(frozen=True)
class Impact:
    kpi: str
    owner: str
    # Week-over-week fall in predictions that counts as falling usage on the scorecard (team schema default).
    usage_drop_alert: float = 0.3


@dataclass(frozen=True)
class Serving:
    machine_type: str = "n2-standard-4"
    min_replicas: int = 1
    max_replicas: int = 3
    access: Literal["private_service_connect", "dedicated", "shared"] = "private_service_connect"
    # Online models: where the model serves. `vertex`: a Vertex AI endpoint; `gke`: a Deployment of `image` behind an
    # internal load balancer in the team namespace of the shared cluster (modules/serving/online_gke.py).
    runtime: Literal["vertex", "gke"] = "vertex"
    cpu: str = "500m"  # `runtime: gke`: CPU and memory of the model container, the pod's only one (requests = limits)
    memory: str = "1Gi"
    # The model's serving image in the platform's serving-images repository, `<path>@sha256:<digest>`
    # (streaming models: the container the scorer calls). The same digest in every environment's registry.
    image: str | None = None
    # The Model Registry version id serving.image belongs to, and the card's artifact location (`gs://...`), written
    # with it by `modelops deploy`: MODEL_VERSION and AIP_STORAGE_URI of the workload.
    version: str | None = None
    artifact_uri: str | None = None

    @property
    def model_version(self) -> str | None:
        """What prediction_history records as model_version: the registered version id, else the image digest."""
        if self.version is not None:
            return self.version
        return self.image.rsplit("@", 1)[1] if self.image else None

    @property
    def workload(self) -> Workload:
        """`runtime: gke`: the Deployment's autoscaling bounds and pod size."""
        return Workload(self.min_replicas, self.max_replicas, self.cpu, self.memory)


@dataclass(frozen=True)
class Workload:
    """A Deployment on the shared cluster: autoscaling bounds and the requests (equal to the limits) of **each
    container** of a pod: a streaming scorer pod has two (scorer and model), so it requests twice cpu and memory."""

    min_replicas: int = 1
    max_replicas: int = 3
    cpu: str = "500m"
    memory: str = "1Gi"


@dataclass(frozen=True)
class Streaming:
    max_delivery_attempts: int = 5
    message_retention_hours: int = 168
    max_oldest_unacked_seconds: int = 600
    scorer: Workload = Workload()


@dataclass(frozen=True)
class NamespaceQuota:
    """ResourceQuota `hard` of the team namespace."""

    requests_cpu: str = "8"
    requests_memory: str = "32Gi"
    limits_cpu: str = "8"
    limits_memory: str = "32Gi"
    pods: int = 40


@dataclass(frozen=True)
class ContainerDefaults:
    """LimitRange default request and limit of a container that states none."""

    cpu: str = "500m"
    memory: str = "1Gi"


@dataclass(frozen=True)
class Namespace:
    quota: NamespaceQuota = NamespaceQuota()
    container_defaults: ContainerDefaults = ContainerDefaults()


@dataclass(frozen=True, kw_only=True)
class Model:
    name: str
    pattern: str  # a registered serving pattern (config/patterns.py; the schema's enum)
    description: str
    impact: Impact
    monitoring: Monitoring
    logging: Logging
    source: Source
    task: Literal["classification", "regression"] = "classification"
    serving: Serving = Serving()
    streaming: Streaming = Streaming()
    schedule: str | None = None  # cron; required for scheduled patterns (the schema says which)
    time_zone: str = "Etc/UTC"
    # Thresholds (`monitoring.<field>`) the team file left out and platform.yaml's default_thresholds gave.
    platform_defaults: tuple[str, ...] = field(default=(), metadata={"derived": True})


class GroupKind(StrEnum):
    """The groups a team file names (`groups.<kind>`); the value is the field, the slug goes into logical ids."""

    ADMINS = "admins"
    DEVELOPERS = "developers"
    VIEWERS = "viewers"
    SENSITIVE_DATA_READERS = "sensitive_data_readers"
    CONSUMERS = "consumers"

    @property
    def slug(self) -> str:
        return self.value.replace("_", "-")


@dataclass(frozen=True)
class Groups:
    admins: str
    developers: str
    viewers: str
    sensitive_data_readers: str
    # Optional: callers of the team's endpoints (applications' groups); get the predictor role only.
    consumers: str | None = None

    def get(self, kind: GroupKind) -> str | None:
        return getattr(self, kind.value)

    def items(self) -> tuple[tuple[GroupKind, str], ...]:
        """(kind, email) of every group the team file sets."""
        return tuple((k, email) for k in GroupKind if (email := self.get(k)) is not None)


@dataclass(frozen=True)
class TeamEnv:
    name: str
    project_id: str


NOT_A_DATE = "'{}' is not a calendar date (YYYY-MM-DD)"


@dataclass(frozen=True)
class Suppression:
    rule: str
    resource: str
    reason: str
    approved_by: str
    expires: str
    source: Source

    @property
    def expiry(self) -> datetime.date | None:
        """`expires` as a date; None when it is not a calendar date (the schema checks only the shape)."""
        try:
            return datetime.date.fromisoformat(self.expires)
        except ValueError:
            return None


@dataclass(frozen=True)
class Entitlement:
    """`access.entitlements[]`: one catalogue entry a team offers through Privileged Access Manager."""

    entitlement: str  # a key of config/data/access_catalogue.yaml
    max_duration: str  # `<n>m|h|d`, at most the catalogue's cap
    eligible: tuple[str, ...]  # group kinds of this team file (GroupKind values)
    approvers: tuple[str, ...]  # `business_owner` | `data_owners`
    source: Source


@dataclass(frozen=True)
class StandingGrant:
    """`access.grants[]`: planned long-term access for one person, as an IAM member that expires."""

    member: str  # user:<email>
    role: str  # a catalogue key
    reason: str
    ticket: str
    granted: str  # YYYY-MM-DD: when it was approved; access starts when this day begins (00:00 UTC)
    expires: str  # YYYY-MM-DD: access ends when this day begins (00:00 UTC)
    approved_by: str  # `business_owner` | `data_owners`
    source: Source

    @property
    def email(self) -> str:
        return self.member.split(":", 1)[1]


@dataclass(frozen=True)
class Access:
    entitlements: tuple[Entitlement, ...] = ()
    grants: tuple[StandingGrant, ...] = ()


@dataclass(frozen=True)
class Team:
    name: str
    display_name: str
    business_owner: str
    groups: Groups
    data_classification: Classification
    environments: Mapping[str, TeamEnv]
    notification_channels: Mapping[str, NotificationChannel]
    models: tuple[Model, ...]
    suppressions: tuple[Suppression, ...]
    source: Source
    access: Access = Access()
    namespace: Namespace = Namespace()

    def model(self, name: str) -> Model:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)


@dataclass(frozen=True)
class Config:
    """The whole platform instance: platform.yaml plus every team file."""

    root: Path
    platform: Platform
    teams: tuple[Team, ...] = field(default_factory=tuple)

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        raise KeyError(name)
