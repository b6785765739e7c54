"""Alerts on the daily modelops metrics: accuracy (or RMSE), drift per feature, missing features.

Points arrive once a day, so conditions align over 25 hours (the longest an alert accepts) and
do not treat missing data as a breach (a model without ground truth yet is not an incident).
"""

from __future__ import annotations

from itertools import groupby

from config.model import Model
from metric_catalogue.thresholds import Quantity
from modules.monitoring import filters
from modules.monitoring.alerts import DAILY_ALIGNMENT, AlertSpec, aggregation, threshold

DAILY_AUTO_CLOSE = "172800s"
MAX_CONDITIONS = 6  # Cloud Monitoring's limit per policy


def _daily(group_by: list[str]) -> list[dict]:
    return [aggregation("ALIGN_MAX", DAILY_ALIGNMENT, "REDUCE_MAX", group_by)]


def quality_alert_specs(team: str, model: Model) -> list[AlertSpec]:
    mon = model.monitoring
    specs: list[AlertSpec] = []
    if model.task == "classification" and mon.min_accuracy is not None:
        specs.append(
            AlertSpec(
                "model-accuracy-low",
                (
                    threshold(
                        "accuracy below the minimum",
                        filters.custom("quality/accuracy", team, model.name),
                        comparison="COMPARISON_LT",
                        value=Quantity(mon.min_accuracy, "1"),
                        aggregations=[aggregation("ALIGN_MIN", DAILY_ALIGNMENT, "REDUCE_MIN", ["metric.label.model"])],
                    ),
                ),
                auto_close=DAILY_AUTO_CLOSE,
                detail=f"Minimum accuracy: {mon.min_accuracy:g}.",
            )
        )
    if model.task == "regression" and mon.max_rmse is not None:
        specs.append(
            AlertSpec(
                "model-rmse-high",
                (
                    threshold(
                        "RMSE above the maximum",
                        filters.custom("quality/rmse", team, model.name),
                        comparison="COMPARISON_GT",
                        value=Quantity(mon.max_rmse, "1"),
                        aggregations=_daily(["metric.label.model"]),
                    ),
                ),
                auto_close=DAILY_AUTO_CLOSE,
                detail=f"Maximum RMSE: {mon.max_rmse:g}.",
            )
        )
    # Features sharing a threshold share a condition; per-feature overrides get their own.
    thresholds = sorted(((f.drift_threshold or mon.drift_threshold), f.name) for f in mon.features)
    conditions = []
    for value, group in groupby(thresholds, key=lambda t: t[0]):
        features = [name for _, name in group]
        conditions.append(
            threshold(
                f"PSI above the drift threshold ({', '.join(features)})",
                filters.custom("data/drift_psi", team, model.name, filters.one_of("feature", features)),
                comparison="COMPARISON_GT",
                value=Quantity(value, "1"),
                aggregations=_daily(["metric.label.feature"]),
            )
        )
    for i in range(0, len(conditions), MAX_CONDITIONS):
        suffix = "" if i == 0 else f"-{i // MAX_CONDITIONS + 1}"
        specs.append(
            AlertSpec(
                "feature-drift",
                tuple(conditions[i : i + MAX_CONDITIONS]),
                auto_close=DAILY_AUTO_CLOSE,
                construct_id=f"feature-drift{suffix}",
                detail=f"Model threshold: PSI {mon.drift_threshold:g}.",
            )
        )
    specs.append(
        AlertSpec(
            "missing-features",
            (
                threshold(
                    f"a feature is missing in more than {mon.max_missing_feature_ratio:.0%} of predictions",
                    filters.custom("data/missing_feature_ratio", team, model.name),
                    comparison="COMPARISON_GT",
                    value=Quantity(mon.max_missing_feature_ratio, "1"),
                    aggregations=_daily(["metric.label.feature"]),
                ),
            ),
            auto_close=DAILY_AUTO_CLOSE,
            detail=f"Maximum missing ratio: {mon.max_missing_feature_ratio:g}.",
        )
    )
    return specs
