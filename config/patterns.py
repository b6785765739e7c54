"""What each serving pattern declares: the one place every other layer reads pattern facts from.

A pattern is one unit: a ``PatternSpec`` here (pure data, readable without the provider bindings by
the loader, the policy gate, the lifecycle commands and the CLI) and one construct in
modules/serving/ that implements it (resources, alert specs, dashboard tiles) and is registered
under the same name. Keys, dataset grants, CI roles, starter thresholds, config rules and lifecycle
behaviour are all derived from the spec; nothing else names a pattern. The team schema's `pattern`
enum lists the same names (tests/serving/test_patterns.py checks the three agree).

Adding a pattern (README, "Add a serving pattern"): a spec in ``PATTERNS`` below, a construct file in
modules/serving/ registered in modules/serving/__init__.py, and the name in the schema's enum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.model import Model, Team

# The daily quality workflow runs for every team with models, whatever their patterns; it is CMEK-encrypted
# with the Workflows key (modules/quality/workflow.py).
QUALITY_WORKFLOW_KEY = "workflows"


class DatasetWrite(str, Enum):
    """How a pattern's predictions get into the team metadata dataset (the grant the team stack makes)."""

    # Vertex AI's service agent *creates* its tables (request_log_<model> on the first logged request,
    # predictions_<timestamp> per batch job): a table grant needs the table, so the grant is dataset-wide.
    VERTEX_AGENT_CREATES_TABLES = "vertex_agent_creates_tables"
    # The team's serving account appends predictions to prediction_history (tabledata.insertAll) and reads nothing.
    SERVING_APPENDS_HISTORY = "serving_appends_history"


class HistorySource(str, Enum):
    """How a pattern's predictions reach prediction_history."""

    REQUEST_LOG = "request_log"  # the daily quality workflow copies the Vertex request log in
    JOB_OUTPUT = "batch_output"  # the pattern's own job copies its output in
    SCORER = "scorer"  # the platform's streaming scorer writes it as it scores (scorer/history.py)
    # The model's own serving container appends one row per request (docs/gke-serving.md, "Prediction history").
    SERVING_CONTAINER = "serving_container"


@dataclass(frozen=True)
class StarterThresholds:
    """What `modelops new-team` writes for a starter model: conservative values a team tunes after a week."""

    latency_p99_ms: float
    max_error_rate: float
    min_predictions_per_hour: int
    sample_rate: float
    retention_days: int


@dataclass(frozen=True)
class Lifecycle:
    """What `modelops deploy | promote | rollback` do for a model of the pattern."""

    endpoint: bool  # the model serves on its Vertex AI endpoint (names.endpoint_name)
    champion_reader: str | None = None  # otherwise: what reads the `champion` alias that promote moves
    # `modelops deploy` writes the version (serving.image, version, artifact_uri) into the team file: the model runs
    # in the team namespace of the cluster, rolled out by the team stack (lifecycle/team_file.py)
    team_file: bool = False


@dataclass(frozen=True)
class PatternSpec:
    name: str
    summary: str
    key_services: tuple[str, ...]  # platform keys the team project's agents need (config.names.KEY_SERVICES)
    dataset_writes: tuple[DatasetWrite, ...]  # team-level grants on the metadata dataset the pattern relies on
    history: HistorySource
    starter: StarterThresholds
    lifecycle: Lifecycle
    terraform_types: tuple[str, ...] = ()  # types its construct adds to a team stack (CI apply/plan roles)
    # types it adds only once a model version runs (`serving.image` set), e.g. the metrics-scope link its
    # workload's PromQL alerts need (modules/monitoring/platform_metrics.py)
    workload_types: tuple[str, ...] = ()
    daily_metrics: tuple[str, ...] = ()  # pattern-specific custom metrics the quality workflow publishes
    scheduled: bool = False  # takes `schedule` (cron, in `time_zone`)
    # The model fields (`<block>.<field>`) holding the thresholds of the pattern's own alerts, beyond those every
    # model has (config/signals.py): `modelops new-team` writes them and the team page lists them.
    signals: tuple[str, ...] = ()
    data_engineer_note: str = ""  # a line of the team page's data-engineer checklist; {models} = names


ONLINE = PatternSpec(
    name="online",
    summary="Vertex AI endpoint with CMEK, private access and request/response logging to BigQuery",
    key_services=("vertex",),
    dataset_writes=(DatasetWrite.VERTEX_AGENT_CREATES_TABLES,),
    history=HistorySource.REQUEST_LOG,
    starter=StarterThresholds(
        latency_p99_ms=300, max_error_rate=0.01, min_predictions_per_hour=100, sample_rate=1.0, retention_days=400
    ),
    lifecycle=Lifecycle(endpoint=True),
    signals=("serving.max_replicas",),  # replicas at max
    terraform_types=("google_vertex_ai_endpoint", "google_monitoring_custom_service", "google_monitoring_slo"),
    data_engineer_note="Online endpoints ({models}) log requests to BigQuery; keep feature names stable: drift is "
    "computed per feature.",
)
BATCH = PatternSpec(
    name="batch",
    summary="scheduled Workflows run of a Vertex AI batch prediction, BigQuery to BigQuery",
    # Batch jobs encrypt with the Vertex key, the batch workflow with the Workflows key.
    key_services=("vertex", "workflows"),
    dataset_writes=(DatasetWrite.VERTEX_AGENT_CREATES_TABLES,),
    history=HistorySource.JOB_OUTPUT,
    starter=StarterThresholds(
        latency_p99_ms=120000, max_error_rate=0.05, min_predictions_per_hour=0, sample_rate=1.0, retention_days=400
    ),
    lifecycle=Lifecycle(endpoint=False, champion_reader="batch prediction job"),
    daily_metrics=("batch/output_rows",),
    scheduled=True,
)
STREAMING = PatternSpec(
    name="streaming",
    summary="Pub/Sub topic with a schema, a scoring subscription with dead letters and a BigQuery archive",
    # Topics encrypt with the Pub/Sub key; the model versions the scorer loads are Vertex AI models.
    key_services=("vertex", "pubsub"),
    dataset_writes=(DatasetWrite.SERVING_APPENDS_HISTORY,),
    history=HistorySource.SCORER,
    starter=StarterThresholds(
        latency_p99_ms=1000, max_error_rate=0.02, min_predictions_per_hour=100, sample_rate=1.0, retention_days=180
    ),
    lifecycle=Lifecycle(endpoint=False, champion_reader="streaming scorer", team_file=True),
    signals=("streaming.max_oldest_unacked_seconds", "streaming.max_delivery_attempts"),  # backlog, dead letters
    terraform_types=(
        "google_pubsub_schema",
        "google_pubsub_topic",
        "google_pubsub_topic_iam_member",
        "google_pubsub_subscription",
        "google_pubsub_subscription_iam_member",
    ),
    workload_types=("google_monitoring_monitored_project",),  # the scorer's error-ratio alert
    data_engineer_note="Publish events for {models} in the topic schema's format; failed messages land in the "
    "dead-letter topic.",
)

PATTERNS: dict[str, PatternSpec] = {p.name: p for p in (ONLINE, BATCH, STREAMING)}

# An online model with `serving.runtime: gke`: the same pattern (name, starter thresholds, alert kinds) served by a
# Deployment in the team namespace instead of a Vertex AI endpoint. No Vertex key or endpoint; the serving container
# appends prediction_history itself (the scorer's grant); `modelops deploy` writes `serving.image` into the team
# file instead of deploying to an endpoint.
ONLINE_GKE = replace(
    ONLINE,
    summary="Deployment of the model's image behind an internal load balancer in the team namespace of the shared GKE "
    "cluster",
    key_services=(),
    dataset_writes=(DatasetWrite.SERVING_APPENDS_HISTORY,),
    history=HistorySource.SERVING_CONTAINER,
    lifecycle=Lifecycle(
        endpoint=False, champion_reader="GKE deployment (serving.image in the team file)", team_file=True
    ),
    terraform_types=("google_monitoring_monitored_project",),
    data_engineer_note="Online models on GKE ({models}) append one prediction_history row per request; keep feature "
    "names stable: drift is computed per feature.",
)
RUNTIMES: dict[str, PatternSpec] = {"gke": ONLINE_GKE}


def register(spec: PatternSpec) -> PatternSpec:
    """Add a pattern (modules/serving registers its construct under the same name); a name is taken once."""
    if PATTERNS.get(spec.name, spec) is not spec:
        raise ValueError(f"serving pattern {spec.name!r} is already registered")
    PATTERNS[spec.name] = spec
    return spec


def pattern(name: str) -> PatternSpec:
    return PATTERNS[name]


def spec_of(model: Model) -> PatternSpec:
    """The spec a model is built with: its pattern's, or its serving runtime's variant of it (`runtime: gke`)."""
    if model.pattern == ONLINE.name and model.serving.runtime in RUNTIMES:
        return RUNTIMES[model.serving.runtime]
    return PATTERNS[model.pattern]


def names() -> tuple[str, ...]:
    return tuple(PATTERNS)


def used(team: Team) -> list[PatternSpec]:
    """The specs of the team's models (a runtime variant after its pattern), in registry order."""
    wanted = {id(spec_of(m)) for m in team.models}
    ordered = [s for p in PATTERNS.values() for s in (p, *(r for r in RUNTIMES.values() if r.name == p.name))]
    return [spec for spec in ordered if id(spec) in wanted]


def dataset_writes(team: Team) -> list[DatasetWrite]:
    """The dataset grants the team's patterns rely on, in declaration order."""
    wanted = {w for spec in used(team) for w in spec.dataset_writes}
    return [w for w in DatasetWrite if w in wanted]


def team_key_services(team: Team) -> list[str]:
    """Platform keys the team project's service agents need: the quality workflow's and each pattern's."""
    return sorted(
        {*((QUALITY_WORKFLOW_KEY,) if team.models else ()), *(s for spec in used(team) for s in spec.key_services)}
    )


def with_pattern(models: Iterable, predicate) -> list:
    """The models whose pattern's spec satisfies ``predicate`` (e.g. ``lambda s: s.lifecycle.endpoint``)."""
    return [m for m in models if predicate(spec_of(m))]
