"""The signals a model is watched on and the threshold of each: one list for the loader, `new-team` and the team page.

Every model has latency, errors, traffic, drift and missing features; its task adds accuracy (classification)
or RMSE (regression); its pattern adds its own (config/patterns.py ``signals``). A task threshold the team file
leaves out comes from platform.yaml's ``default_thresholds``; with neither, the config is invalid: a model
without ``min_accuracy`` would get no accuracy alert and the card gate would accept any accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config import patterns

COMMON = (
    "monitoring.latency_p99_ms",
    "monitoring.max_error_rate",
    "monitoring.min_predictions_per_hour",
    "monitoring.drift_threshold",
    "monitoring.max_missing_feature_ratio",
)
# The task's quality signal: the field under `monitoring` (also the key of platform.yaml's default_thresholds).
TASK_THRESHOLD = {"classification": "min_accuracy", "regression": "max_rmse"}


@dataclass(frozen=True)
class Threshold:
    field: str  # the YAML path under the model, e.g. `monitoring.min_accuracy`
    value: Any
    platform_default: bool = False  # taken from platform.yaml default_thresholds


def signal_fields(pattern: str, task: str) -> tuple[str, ...]:
    """Every threshold field a model of ``pattern`` and ``task`` has, in a stable order."""
    return (*COMMON, f"monitoring.{TASK_THRESHOLD[task]}", *patterns.pattern(pattern).signals)


def thresholds(model: Any) -> list[Threshold]:
    """The value of every signal's threshold of a loaded ``config.model.Model``."""
    out = []
    for field in signal_fields(model.pattern, model.task):
        block, name = field.split(".")
        out.append(Threshold(field, getattr(getattr(model, block), name), name in model.platform_defaults))
    return out
