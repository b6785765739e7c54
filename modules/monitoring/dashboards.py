"""Model Operations Center dashboards, generated as Cloud Monitoring dashboard JSON.

Per team: "<team> — Model Operations Center", one row of tiles per model: its serving pattern's
(``dashboard_tiles`` of the pattern construct in modules/serving/, e.g. traffic, latency p50/p99,
error ratio and replicas of an online endpoint), then accuracy, drift, missing features and daily
usage for every model.
Platform-wide: one dashboard in the platform project whose metrics scope includes every team
project, comparing all models of all teams.

Chart thresholds are ``Quantity``s from the team YAML, converted into the unit the chart's queries
produce (metric catalogue unit after aggregation) and labelled with it, `[threshold: 150 ms]`, so the
gate (MLOPS_MON_7) can check them like alert thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cdktn import Fn
from cdktn_provider_google.monitoring_dashboard import MonitoringDashboard
from cdktn_provider_google.monitoring_monitored_project import MonitoringMonitoredProject
from constructs import Construct

from config import names
from config.model import Model, Team
from metric_catalogue.compared import compared_unit
from metric_catalogue.thresholds import Quantity, declare
from modules.monitoring import filters

COLUMNS = 48
TILE_W, TILE_H, HEADER_H = 16, 12, 4


def series(
    filter: str,
    aligner: str,
    *,
    period: str = "300s",
    reducer: str | None = None,
    group_by: Sequence[str] = (),
    legend: str = "",
) -> dict[str, Any]:
    aggregation: dict[str, Any] = {"alignmentPeriod": period, "perSeriesAligner": aligner}
    if reducer:
        aggregation.update(crossSeriesReducer=reducer, groupByFields=list(group_by))
    data: dict[str, Any] = {
        "timeSeriesQuery": {"timeSeriesFilter": {"filter": filter, "aggregation": aggregation}},
        "plotType": "LINE",
        "minAlignmentPeriod": period,
    }
    if legend:
        data["legendTemplate"] = legend
    return data


def ratio(numerator: str, denominator: str, *, group_by: Sequence[str], legend: str = "") -> dict[str, Any]:
    agg = {
        "alignmentPeriod": "300s",
        "perSeriesAligner": "ALIGN_RATE",
        "crossSeriesReducer": "REDUCE_SUM",
        "groupByFields": list(group_by),
    }
    data: dict[str, Any] = {
        "timeSeriesQuery": {
            "timeSeriesFilterRatio": {
                "numerator": {"filter": numerator, "aggregation": agg},
                "denominator": {"filter": denominator, "aggregation": agg},
            }
        },
        "plotType": "LINE",
        "minAlignmentPeriod": "300s",
    }
    if legend:
        data["legendTemplate"] = legend
    return data


def dataset_unit(data: dict[str, Any]) -> str:
    """The unit of a data set's points: its metric's catalogue unit after the aggregation (a ratio: n/d)."""
    query = data["timeSeriesQuery"]
    if "timeSeriesFilterRatio" in query:
        ratio_query = query["timeSeriesFilterRatio"]
        num, den = ratio_query["numerator"], ratio_query["denominator"]
        return compared_unit(
            num["filter"],
            [num["aggregation"]],
            denominator_filter=den["filter"],
            denominator_aggregations=[den["aggregation"]],
            context="chart",
        )
    single = query["timeSeriesFilter"]
    return compared_unit(single["filter"], [single["aggregation"]], context="chart")


def chart(
    title: str, datasets: Iterable[dict], *, thresholds: Iterable[Quantity] = (), y_label: str = ""
) -> dict[str, Any]:
    datasets = list(datasets)
    xy: dict[str, Any] = {
        "dataSets": datasets,
        "timeshiftDuration": "0s",
        "yAxis": {"label": y_label, "scale": "LINEAR"},
    }
    thresholds = list(thresholds)
    if thresholds:
        unit = dataset_unit(datasets[0])
        xy["thresholds"] = [
            {"value": q.to(unit), "color": "RED", "direction": "ABOVE", "label": declare("limit", q.to(unit), unit)}
            for q in thresholds
        ]
    return {"title": title, "xyChart": xy}


def text(title: str, content: str) -> dict[str, Any]:
    return {"title": title, "text": {"content": content, "format": "MARKDOWN"}}


class Layout:
    """Places widgets left to right in rows of COLUMNS; a header starts a new full-width row."""

    def __init__(self) -> None:
        self.tiles: list[dict[str, Any]] = []
        self.x = self.y = 0
        self.row_h = 0

    def header(self, widget: dict[str, Any]) -> None:
        self._newline()
        self.tiles.append({"xPos": 0, "yPos": self.y, "width": COLUMNS, "height": HEADER_H, "widget": widget})
        self.y += HEADER_H

    def add(self, widget: dict[str, Any]) -> None:
        if self.x + TILE_W > COLUMNS:
            self._newline()
        self.tiles.append({"xPos": self.x, "yPos": self.y, "width": TILE_W, "height": TILE_H, "widget": widget})
        self.x += TILE_W
        self.row_h = TILE_H

    def _newline(self) -> None:
        self.y += self.row_h
        self.x, self.row_h = 0, 0


def quality_tiles(team: str, model: Model) -> list[dict[str, Any]]:
    mon = model.monitoring
    if model.task == "classification":
        quality = chart(
            "Accuracy / precision / recall (30 days)",
            [
                series(filters.custom(f"quality/{m}", team, model.name), "ALIGN_MAX", period="3600s", legend=m)
                for m in ("accuracy", "precision", "recall")
            ],
            thresholds=[Quantity(mon.min_accuracy, "1")] if mon.min_accuracy is not None else [],
        )
    else:
        quality = chart(
            "MAE / RMSE (30 days)",
            [
                series(filters.custom(f"quality/{m}", team, model.name), "ALIGN_MAX", period="3600s", legend=m)
                for m in ("mae", "rmse")
            ],
            thresholds=[Quantity(mon.max_rmse, "1")] if mon.max_rmse is not None else [],
        )
    by_feature: dict[str, Any] = dict(
        reducer="REDUCE_MAX", group_by=["metric.label.feature"], period="3600s", legend="${metric.labels.feature}"
    )
    return [
        quality,
        chart(
            "Drift (PSI) by feature",
            [series(filters.custom("data/drift_psi", team, model.name), "ALIGN_MAX", **by_feature)],
            thresholds=[Quantity(mon.drift_threshold, "1")],
        ),
        chart(
            "Missing features (share of predictions)",
            [series(filters.custom("data/missing_feature_ratio", team, model.name), "ALIGN_MAX", **by_feature)],
            thresholds=[Quantity(mon.max_missing_feature_ratio, "1")],
        ),
        chart(
            "Daily usage: predictions and distinct callers",
            [
                series(
                    filters.custom("usage/predictions", team, model.name),
                    "ALIGN_MAX",
                    period="3600s",
                    legend="predictions",
                ),
                series(
                    filters.custom("usage/distinct_callers", team, model.name),
                    "ALIGN_MAX",
                    period="3600s",
                    legend="distinct callers",
                ),
            ],
        ),
    ]


def team_dashboard(team: Team, env: str, pattern_tiles: Callable[[Model], list[dict[str, Any]]]) -> dict[str, Any]:
    """One header and row of tiles per model: ``pattern_tiles(model)`` (its serving pattern's), then quality."""
    layout = Layout()
    layout.header(
        text(
            "About",
            f"**{team.display_name}** in `{env}` — business owner {team.business_owner}. "
            "Runbooks: docs/runbooks/. Quality, drift and usage tiles update daily.",
        )
    )
    for model in team.models:
        layout.header(
            text(
                f"{model.name} ({model.pattern}, {model.task})",
                f"{model.description} KPI: {model.impact.kpi}; owner {model.impact.owner}.",
            )
        )
        for widget in pattern_tiles(model) + quality_tiles(team.name, model):
            layout.add(widget)
    return {
        "displayName": names.team_dashboard_title(team.name),
        "mosaicLayout": {"columns": COLUMNS, "tiles": layout.tiles},
    }


# The scorecard workflow writes one point a day (07:00 UTC); an alignment of a day shows each day's value.
SCORECARD_ALIGNMENT = "86400s"
# (group heading, explanation, [(tile title, metric path, group-by labels)]) in the order of docs/scorecard.md.
SCORECARD_TILES: tuple[tuple[str, str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    (
        "Adoption",
        "Are teams using the platform?",
        (
            ("Teams with a model in production", "scorecard/adoption/teams_in_production", ()),
            ("Models in production by team", "scorecard/adoption/models_in_production", ("team",)),
            ("Share of production models all green (0-1)", "scorecard/adoption/monitoring_all_green_share", ()),
        ),
    ),
    (
        "Delivery",
        "How well do models get to production (DORA measures, month so far)?",
        (
            ("Change failure rate (rollbacks / promotions)", "scorecard/delivery/change_failure_rate", ()),
            ("Lead time, registration to promotion (median, h)", "scorecard/delivery/lead_time_hours", ()),
            ("Deployments per week", "scorecard/delivery/deployments_per_week", ()),
            ("Time to restore (median, h)", "scorecard/delivery/time_to_restore_hours", ()),
        ),
    ),
    (
        "Value",
        "Are models used? The latest complete ISO week of the month, per model.",
        (
            ("Predictions per week by model", "scorecard/value/predictions_week", ("team", "model")),
            ("Week-over-week usage change by model", "scorecard/value/usage_change_week", ("team", "model")),
        ),
    ),
    (
        "Governance",
        "Are models governed?",
        (
            ("Share of production models with a complete card (0-1)", "scorecard/governance/card_complete_share", ()),
            ("Open policy exceptions by team", "scorecard/governance/open_exceptions", ("team",)),
        ),
    ),
)


def scorecard_tiles(layout: Layout) -> None:
    """The programme scorecard (modules/scorecard/metrics.py): a heading per measure group, a chart per measure."""
    layout.header(
        text(
            "Programme scorecard",
            "Written daily by the `modelops-scorecard` workflow from the governance dataset's `scorecard` table "
            "(month so far). What each measure means and how to act on it: docs/scorecard.md. The monthly report: "
            "`modelops report`.",
        )
    )
    for heading, explanation, tiles in SCORECARD_TILES:
        layout.header(text(f"Scorecard: {heading}", explanation))
        for title, path, labels in tiles:
            filter = f'resource.type="{filters.CUSTOM_RESOURCE}" AND metric.type="{names.custom_metric_type(path)}"'
            group_by = [f"metric.label.{label}" for label in labels]
            legend = "/".join(f"${{metric.labels.{label}}}" for label in labels)
            layout.add(
                chart(
                    title,
                    [
                        series(
                            filter,
                            "ALIGN_MAX",
                            period=SCORECARD_ALIGNMENT,
                            reducer="REDUCE_MAX",
                            group_by=group_by,
                            legend=legend,
                        )
                    ],
                )
            )


def platform_dashboard(teams: Sequence[Team], env: str, *, scorecard: bool = False) -> dict[str, Any]:
    """All teams side by side: Vertex metrics grouped by endpoint, modelops metrics by team and model; with
    ``scorecard`` (production environments, where the scorecard job runs) the programme scorecard first."""
    layout = Layout()
    rows = "\n".join(f"| {t.name} | {m.name} | {m.pattern} | {m.impact.owner} |" for t in teams for m in t.models)
    layout.header(text(f"Models in {env}", "| Team | Model | Pattern | Business owner |\n|---|---|---|---|\n" + rows))
    if scorecard:
        scorecard_tiles(layout)
    endpoint_metric = f'resource.type="{filters.ENDPOINT_RESOURCE}" AND metric.type="{{}}"'
    by_endpoint = ["resource.label.resource_container", "metric.label.endpoint_display_name"]
    by_model = ["metric.label.team", "metric.label.model"]
    endpoint_legend = "${metric.labels.endpoint_display_name}"
    model_legend = "${metric.labels.team}/${metric.labels.model}"

    def custom(path: str) -> str:
        return f'resource.type="{filters.CUSTOM_RESOURCE}" AND metric.type="{names.custom_metric_type(path)}"'

    layout.header(text("Online serving", "Vertex AI endpoints of every team (metrics scope of the platform project)."))
    layout.add(
        chart(
            "Predictions/s by endpoint",
            [
                series(
                    endpoint_metric.format(filters.PREDICTION_COUNT),
                    "ALIGN_RATE",
                    reducer="REDUCE_SUM",
                    group_by=by_endpoint,
                    legend=endpoint_legend,
                )
            ],
        )
    )
    layout.add(
        chart(
            "p99 latency by endpoint (ms)",
            [
                series(
                    endpoint_metric.format(filters.PREDICTION_LATENCIES) + ' AND metric.labels.latency_type="total"',
                    "ALIGN_DELTA",
                    reducer="REDUCE_PERCENTILE_99",
                    group_by=by_endpoint,
                    legend=endpoint_legend,
                )
            ],
        )
    )
    layout.add(
        chart(
            "Error ratio by endpoint (4xx/5xx responses / all responses)",
            [
                ratio(
                    endpoint_metric.format(filters.RESPONSE_COUNT) + f" AND {filters.ERROR_RESPONSES}",
                    endpoint_metric.format(filters.RESPONSE_COUNT),
                    group_by=by_endpoint,
                    legend=endpoint_legend,
                )
            ],
        )
    )
    layout.header(text("Usage and quality", "Daily, from each team's model-quality workflow."))
    daily: dict[str, Any] = dict(period="3600s", reducer="REDUCE_MAX", group_by=by_model, legend=model_legend)
    layout.add(chart("Daily predictions by model", [series(custom("usage/predictions"), "ALIGN_MAX", **daily)]))
    layout.add(chart("Accuracy by model", [series(custom("quality/accuracy"), "ALIGN_MAX", **daily)]))
    layout.add(chart("RMSE by model", [series(custom("quality/rmse"), "ALIGN_MAX", **daily)]))
    layout.add(chart("Worst feature drift (PSI) by model", [series(custom("data/drift_psi"), "ALIGN_MAX", **daily)]))
    layout.add(
        chart(
            "Worst missing-feature ratio by model", [series(custom("data/missing_feature_ratio"), "ALIGN_MAX", **daily)]
        )
    )
    layout.add(chart("Batch output rows by model", [series(custom("batch/output_rows"), "ALIGN_MAX", **daily)]))
    layout.header(text("Pipelines", "Batch workflows and streaming subscriptions of every team."))
    layout.add(
        chart(
            "Failed workflow runs",
            [
                series(
                    f'resource.type="{filters.WORKFLOW_RESOURCE}" AND metric.type="{filters.FINISHED_EXECUTIONS}" '
                    'AND metric.labels.status="FAILED"',
                    "ALIGN_SUM",
                    period="3600s",
                    reducer="REDUCE_SUM",
                    group_by=["resource.label.workflow_id"],
                    legend="${resource.labels.workflow_id}",
                )
            ],
        )
    )
    layout.add(
        chart(
            "Oldest unacknowledged event by subscription (s)",
            [
                series(
                    f'resource.type="{filters.SUBSCRIPTION_RESOURCE}" AND metric.type="{filters.OLDEST_UNACKED_AGE}"',
                    "ALIGN_MAX",
                    reducer="REDUCE_MAX",
                    group_by=["resource.label.subscription_id"],
                    legend="${resource.labels.subscription_id}",
                )
            ],
        )
    )
    return {"displayName": names.PLATFORM_DASHBOARD_TITLE, "mosaicLayout": {"columns": COLUMNS, "tiles": layout.tiles}}


class Dashboard(Construct):
    """A dashboard from generated JSON; ``url`` is its console link (used in alert documentation)."""

    def __init__(self, scope: Construct, id: str, *, project: str, body: dict[str, Any]):
        super().__init__(scope, id)
        self.body = body
        self.dashboard = MonitoringDashboard(
            self, "dashboard", project=project, dashboard_json=json.dumps(body, sort_keys=True)
        )
        dashboard_id = Fn.element(Fn.split("/", self.dashboard.id), 3)
        self.url = f"https://console.cloud.google.com/monitoring/dashboards/builder/{dashboard_id}?project={project}"


class MetricsScope(Construct):
    """Adds team projects to the platform project's metrics scope so one dashboard sees all teams."""

    def __init__(self, scope: Construct, id: str, *, host_project: str, projects: Iterable[str]):
        super().__init__(scope, id)
        self.members = {
            project: MonitoringMonitoredProject(
                self, project, metrics_scope=f"locations/global/metricsScopes/{host_project}", name=project
            )
            for project in sorted(set(projects))
        }


def promql_chart(title: str, query: str, y_label: str) -> dict[str, Any]:
    """A line chart of one PromQL query (TimeSeriesQuery.prometheusQuery,
    https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards#timeseriesquery)."""
    return {
        "title": title,
        "xyChart": {
            "dataSets": [{"timeSeriesQuery": {"prometheusQuery": query}, "plotType": "LINE"}],
            "timeshiftDuration": "0s",
            "yAxis": {"label": y_label, "scale": "LINEAR"},
        },
    }
