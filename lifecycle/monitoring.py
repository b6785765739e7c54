"""Vertex AI model monitoring for an endpoint: one job, one objective per deployed model.

The job's ``model_deployment_monitoring_objective_configs`` "is a per DeployedModel config. Each
DeployedModel needs to be configured separately" (google/cloud/aiplatform/v1/
model_deployment_monitoring_job.proto; aiplatform_v1/types/model_deployment_monitoring_job.py:107-111 in
google-cloud-aiplatform 2.7.0). A deploy changes only the entry of the model it deploys and keeps the entries
of the other deployed models exactly as the job has them (as protos, read back from the job). The SDK's
``update()`` takes a per-model dict too (aiplatform/jobs.py:3567-3576, ``_parse_configs``), but only of its own
``ObjectiveConfig`` objects, which cannot carry an existing entry over losslessly; so the update goes through
the GAPIC client with the job as read, edited per deployed model (lifecycle/vertex.py, update_monitoring).

Objectives and job settings are plain JSON (printed by dry runs, stored in audit events); they become
SDK/proto objects only when a live run sends them.

Nothing here keeps a feature out of what the job logs: the job logs the sampled requests and responses whole
(``bigquery_tables``: "Serving data logging predict request/response"); ``pii: true`` only leaves the feature
without a threshold. docs/model-lifecycle.md, "Monitoring data", says what governs those tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from config import names
from config.model import Model
from lifecycle.card import ModelCard

# Vertex runs monitoring at most hourly; the interval is in hours.
MONITOR_INTERVAL_HOURS = 1
DAY_SECONDS = 86400


def thresholds(model: Model) -> dict[str, float]:
    """Per-feature threshold: the feature's own drift_threshold, else the model's.

    Features marked ``pii: true`` get no threshold: their distributions (e-mail addresses...) carry no
    drift signal. They are still in the logged requests: see ``docs/model-lifecycle.md``, "Monitoring
    data", for where the job keeps them and who can read them.
    """
    default = model.monitoring.drift_threshold
    return {f.name: f.drift_threshold or default for f in model.monitoring.features if not f.pii}


def objective(model: Model, card: ModelCard | None) -> dict[str, Any]:
    """The objective of one deployed model: drift always, skew against the card's fixed baseline."""
    limits = thresholds(model)
    skew: dict[str, Any] | None = None
    if card is not None and card.target_field and card.baseline is not None:
        skew = {
            "baseline": card.baseline.uri,
            "data_format": card.baseline.data_format,
            "target_field": card.target_field,
            "thresholds": limits,
        }
    return {"skew": skew, "drift": {"thresholds": limits}}


def job_settings(
    team: str, model: Model, env: str, channels: list[str], interval_hours: int = MONITOR_INTERVAL_HOURS
) -> dict[str, Any]:
    """What the job has besides objectives. ``log_ttl_days``: how long the job's own BigQuery tables keep
    the logged requests and responses (ModelDeploymentMonitoringJob.log_ttl), the model's retention."""
    return {
        "display_name": names.monitoring_job_display_name(team, model.name, env),
        "sample_rate": model.logging.sample_rate,
        "monitor_interval_hours": interval_hours,
        "alert": {"notification_channels": list(channels), "enable_logging": True},
        "log_ttl_days": model.logging.retention_days,
        "labels": {"team": team, "model": model.name, "env": env, "managed-by": names.MANAGED_BY},
    }


# --- to and from the API ------------------------------------------------------------------------


def objective_config(spec: Mapping[str, Any]) -> Any:
    """The SDK's ObjectiveConfig for one deployed model (ModelDeploymentMonitoringJob.create takes a map of these)."""
    from google.cloud.aiplatform import model_monitoring as mm

    skew = spec.get("skew")
    return mm.ObjectiveConfig(
        skew_detection_config=mm.SkewDetectionConfig(
            data_source=skew["baseline"],
            target_field=skew["target_field"],
            skew_thresholds=dict(skew["thresholds"]),
            data_format=skew["data_format"],
        )
        if skew
        else None,
        drift_detection_config=mm.DriftDetectionConfig(drift_thresholds=dict(spec["drift"]["thresholds"])),
    )


def objective_proto(spec: Mapping[str, Any]) -> Any:
    """ModelMonitoringObjectiveConfig (proto), built by the SDK's own classes."""
    return objective_config(spec).as_proto()


def objective_from_api(config: Mapping[str, Any]) -> dict[str, Any]:
    """Our JSON form of a REST ``objectiveConfig`` (camelCase, as the API and MessageToDict spell it)."""
    dataset = config.get("trainingDataset") or {}
    skew_config = config.get("trainingPredictionSkewDetectionConfig")
    drift_config = config.get("predictionDriftDetectionConfig") or {}
    skew = None
    if skew_config is not None and dataset:
        source = (
            (dataset.get("bigquerySource") or {}).get("inputUri")
            or ", ".join((dataset.get("gcsSource") or {}).get("uris", []))
            or dataset.get("dataset")
        )
        skew = {
            "baseline": source,
            "data_format": dataset.get("dataFormat") or None,
            "target_field": dataset.get("targetField"),
            "thresholds": _values(skew_config.get("skewThresholds")),
        }
    return {"skew": skew, "drift": {"thresholds": _values(drift_config.get("driftThresholds"))}}


def _values(raw: Mapping[str, Any] | None) -> dict[str, float]:
    return {k: float(v.get("value", 0.0)) for k, v in sorted((raw or {}).items())}
