"""Vertex AI model monitoring for a deployment: drift and skew per feature from the team YAML,
the training baseline from the card (training-serving skew needs it), alerts to the team's channels, anomaly logging on.

The config is built as plain JSON (printed by dry runs, stored in audit events) and turned into
SDK objects only when a live run calls ModelDeploymentMonitoringJob.create / update.
"""
from __future__ import annotations

from typing import Any, Mapping

from lifecycle.card import ModelCard
from stacks import names
from stacks.config import Model

# Vertex runs monitoring at most hourly; the interval is in hours.
MONITOR_INTERVAL_HOURS = 1


def thresholds(model: Model) -> dict[str, float]:
    """Per-feature threshold: the feature's own drift_threshold, else the model's.

    Features marked ``pii: true`` are left out: their distributions (e-mail addresses...) carry no
    drift signal and monitoring would copy raw personal values into monitoring statistics.
    """
    default = model.monitoring.drift_threshold
    return {f.name: f.drift_threshold or default for f in model.monitoring.features if not f.pii}


def monitoring_config(team: str, model: Model, env: str, card: ModelCard | None, channels: list[str],
                      interval_hours: int = MONITOR_INTERVAL_HOURS) -> dict[str, Any]:
    limits = thresholds(model)
    skew: dict[str, Any] | None = None
    if card is not None and card.target_field:
        skew = {"data_source": card.baseline, "target_field": card.target_field, "skew_thresholds": limits}
    return {
        "display_name": names.monitoring_job_display_name(team, model.name, env),
        "objective": {"skew": skew, "drift": {"drift_thresholds": limits}},
        "sample_rate": model.logging.sample_rate,
        "monitor_interval_hours": interval_hours,
        "alert": {"notification_channels": channels, "enable_logging": True},
        "bigquery_tables_log_ttl_days": model.logging.retention_days,
        "labels": {"team": team, "model": model.name, "env": env, "managed-by": names.MANAGED_BY},
    }


def sdk_arguments(config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ModelDeploymentMonitoringJob.create/update."""
    from google.cloud.aiplatform import model_monitoring as mm

    skew = config["objective"]["skew"]
    objective = mm.ObjectiveConfig(
        skew_detection_config=mm.SkewDetectionConfig(**skew) if skew else None,
        drift_detection_config=mm.DriftDetectionConfig(**config["objective"]["drift"]),
    )
    return {
        "display_name": config["display_name"],
        "objective_configs": objective,
        "logging_sampling_strategy": mm.RandomSampleConfig(sample_rate=config["sample_rate"]),
        "schedule_config": mm.ScheduleConfig(monitor_interval=config["monitor_interval_hours"]),
        # AlertConfig, not EmailAlertConfig: only it takes notification_channels.
        "alert_config": mm.AlertConfig(**config["alert"]),
        "bigquery_tables_log_ttl": config["bigquery_tables_log_ttl_days"],
        "labels": dict(config["labels"]),
    }
