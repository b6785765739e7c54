"""Custom metric descriptors `custom.googleapis.com/modelops/...`, declared before anything writes them.

The team's quality workflow publishes these from the daily tables; alerts and dashboards read
them. Declaring the descriptors in Terraform fixes their kind, type, unit and labels (an
undeclared custom metric would be auto-created from whatever the first write looked like).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cdktn_provider_google.monitoring_metric_descriptor import (
    MonitoringMetricDescriptor,
    MonitoringMetricDescriptorLabels,
)
from constructs import Construct

from config import names

MODEL_LABELS = ("team", "model")
FEATURE_LABELS = ("team", "model", "feature")


@dataclass(frozen=True)
class CustomMetric:
    path: str  # after custom.googleapis.com/modelops/
    value_type: str  # INT64 | DOUBLE
    unit: str
    labels: tuple[str, ...]
    description: str

    @property
    def type(self) -> str:
        return names.custom_metric_type(self.path)

    @property
    def construct_id(self) -> str:
        return self.path.replace("/", "-")


CUSTOM_METRICS: dict[str, CustomMetric] = {
    m.path: m
    for m in (
        CustomMetric("usage/predictions", "INT64", "1", MODEL_LABELS, "Predictions served per model per day."),
        CustomMetric("usage/distinct_callers", "INT64", "1", MODEL_LABELS, "Distinct callers per model per day."),
        CustomMetric(
            "quality/accuracy",
            "DOUBLE",
            "1",
            MODEL_LABELS,
            "Classification accuracy, last 30 days of labelled predictions.",
        ),
        CustomMetric("quality/precision", "DOUBLE", "1", MODEL_LABELS, "Macro-averaged precision, last 30 days."),
        CustomMetric("quality/recall", "DOUBLE", "1", MODEL_LABELS, "Macro-averaged recall, last 30 days."),
        CustomMetric("quality/mae", "DOUBLE", "1", MODEL_LABELS, "Regression mean absolute error, last 30 days."),
        CustomMetric("quality/rmse", "DOUBLE", "1", MODEL_LABELS, "Regression root mean squared error, last 30 days."),
        CustomMetric(
            "data/missing_feature_ratio",
            "DOUBLE",
            "1",
            FEATURE_LABELS,
            "Share of a day's predictions missing the feature.",
        ),
        CustomMetric(
            "data/drift_psi",
            "DOUBLE",
            "1",
            FEATURE_LABELS,
            "Population stability index of a day's serving data vs the training baseline.",
        ),
        CustomMetric(
            "batch/output_rows", "INT64", "1", MODEL_LABELS, "Rows in a batch model's output partition for the day."
        ),
    )
}

LABEL_DESCRIPTIONS = {"team": "Team name.", "model": "Model name from the team YAML.", "feature": "Feature name."}


class CustomMetricDescriptors(Construct):
    """Custom metric descriptors in one project; construct ids from metric paths.

    ``metrics`` (default: the team metrics above, ``CUSTOM_METRICS``) the descriptors to declare.
    """

    def __init__(self, scope: Construct, id: str, *, project: str, metrics: Iterable[CustomMetric] | None = None):
        super().__init__(scope, id)
        self.descriptors = {
            m.path: MonitoringMetricDescriptor(
                self,
                m.construct_id,
                project=project,
                type=m.type,
                metric_kind="GAUGE",
                value_type=m.value_type,
                unit=m.unit,
                display_name=f"modelops {m.path}",
                description=m.description,
                labels=[
                    MonitoringMetricDescriptorLabels(key=k, value_type="STRING", description=LABEL_DESCRIPTIONS[k])
                    for k in m.labels
                ],
                launch_stage="GA",
            )
            for m in (CUSTOM_METRICS.values() if metrics is None else metrics)
        }
