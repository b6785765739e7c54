"""The scorecard's measures as custom metrics of the platform project, for the Model Operations Center and alerts.

The scorecard workflow (modules/scorecard/job.py) publishes, after its SQL, the current month's value of each
measure below as a GAUGE point on `custom.googleapis.com/modelops/scorecard/<group>/<measure>` (resource
`global`). Which rows of the `scorecard` table a metric takes is fixed by its ``scope``:

- ``platform``: the platform-wide row (team, model and dimension NULL), no labels;
- ``team``: one row per team (model and dimension NULL), label ``team``;
- ``model``: one row per model; for the weekly value measures the latest week of the period (dimension = the
  week's start), labels ``team`` and ``model``.

Google's rules these declarations are checked against (tests/scorecard/test_metrics.py):
- the type's relative name (after ``custom.googleapis.com/``) has only letters, digits, ``/`` and ``_`` and at
  most 100 characters; a label key matches ``[a-zA-Z][a-zA-Z0-9_]*`` and has at most 100 characters; metric kind
  and value type are among the provider's possible values (google_monitoring_metric_descriptor ``type``,
  ``labels.key``, ``metric_kind``, ``value_type`` in hashicorp/google 8.7.0, jsii assembly of
  cdktn-provider-google 21.1.0);
- at most 30 labels per user-defined metric descriptor (https://cloud.google.com/monitoring/quotas, "Labels per
  metric descriptor");
- every label the descriptor declares gets a value in each written series
  (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/Metric, ``labels``).
"""

from __future__ import annotations

from dataclasses import dataclass

from modules.monitoring.metrics import CustomMetric

SCOPE_LABELS: dict[str, tuple[str, ...]] = {"platform": (), "team": ("team",), "model": ("team", "model")}
PREFIX = "scorecard"


@dataclass(frozen=True)
class ScorecardMetric:
    group: str  # adoption | delivery | value | governance (queries.GROUPS)
    measure: str  # the scorecard row's `measure` (docs/scorecard.md)
    scope: str  # platform | team | model
    value_type: str  # INT64 | DOUBLE
    unit: str  # UCUM subset of MetricDescriptor.unit
    description: str

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.group}/{self.measure}"

    @property
    def metric(self) -> CustomMetric:
        return CustomMetric(self.path, self.value_type, self.unit, SCOPE_LABELS[self.scope], self.description)


SCORECARD_METRICS: dict[str, ScorecardMetric] = {
    m.path: m
    for m in (
        ScorecardMetric(
            "adoption", "teams_in_production", "platform", "INT64", "1", "Teams with a model in production."
        ),
        ScorecardMetric("adoption", "models_in_production", "team", "INT64", "1", "Models of the team in production."),
        ScorecardMetric(
            "adoption",
            "monitoring_all_green_share",
            "platform",
            "DOUBLE",
            "1",
            "Share of production models with every monitoring signal configured and green (0-1).",
        ),
        ScorecardMetric(
            "delivery",
            "deployments_per_week",
            "platform",
            "DOUBLE",
            "1",
            "Promotions to production per week in the month so far.",
        ),
        ScorecardMetric(
            "delivery",
            "change_failure_rate",
            "platform",
            "DOUBLE",
            "1",
            "Rollbacks / promotions in the month so far (0-1).",
        ),
        ScorecardMetric(
            "delivery",
            "lead_time_hours",
            "platform",
            "DOUBLE",
            "h",
            "Median hours from a version's registration to its promotion, month so far.",
        ),
        ScorecardMetric(
            "delivery",
            "time_to_restore_hours",
            "platform",
            "DOUBLE",
            "h",
            "Median hours a rolled-back version served, month so far.",
        ),
        ScorecardMetric(
            "value",
            "predictions_week",
            "model",
            "INT64",
            "1",
            "Predictions of the model in the latest complete ISO week of the month.",
        ),
        ScorecardMetric(
            "value",
            "usage_change_week",
            "model",
            "DOUBLE",
            "1",
            "Week-over-week change of the model's predictions, latest complete week (-0.4 = 40 % fewer).",
        ),
        ScorecardMetric(
            "governance",
            "card_complete_share",
            "platform",
            "DOUBLE",
            "1",
            "Share of production models whose card carries all six metadata items (0-1).",
        ),
        ScorecardMetric("governance", "open_exceptions", "team", "INT64", "1", "Open policy exceptions of the team."),
    )
}
USAGE_CHANGE = "scorecard/value/usage_change_week"


def publication_query(scorecard_table: str) -> str:
    """Rows ``metric_type, value_type, team, model, value``: one per series, the current month's values of `@day`.

    A series appears at most once (scope filter + latest week), so one timeSeries.create request never carries
    two points of one series ("Adds at most one data point to each of several time series",
    https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create).
    """
    catalogue = "\n  UNION ALL ".join(
        f"SELECT '{m.measure}' AS measure, '{m.metric.type}' AS metric_type, '{m.value_type}' AS value_type, "
        f"'{m.scope}' AS scope"
        for m in SCORECARD_METRICS.values()
    )
    return f"""WITH published AS (
  {catalogue}
),
current_rows AS (
  SELECT measure, team, model, dimension, value,
         MAX(dimension) OVER (PARTITION BY measure, team, model) AS latest
  FROM {scorecard_table}
  WHERE period_start = DATE_TRUNC(@day, MONTH) AND value IS NOT NULL
)
SELECT p.metric_type, p.value_type, r.team, r.model, r.value
FROM current_rows AS r JOIN published AS p ON p.measure = r.measure
WHERE (p.scope = 'platform' AND r.team IS NULL AND r.model IS NULL AND r.dimension IS NULL)
   OR (p.scope = 'team' AND r.team IS NOT NULL AND r.model IS NULL AND r.dimension IS NULL)
   OR (p.scope = 'model' AND r.model IS NOT NULL AND (r.dimension IS NULL OR r.dimension = r.latest))
ORDER BY p.metric_type, r.team, r.model"""
