"""MLOPS_MON_8: every PromQL query of an alert policy or a dashboard reads series a platform workload exposes,
with labels those series carry (metric_catalogue/promql.yaml)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from metric_catalogue import promql
from policies.metric_queries import ALERT, DASHBOARD, plain
from policies.rulebase import ResourceRule, items


def _chart_queries(node: Any) -> Iterator[str]:
    """Every TimeSeriesQuery.prometheusQuery of a dashboard
    (https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards#timeseriesquery)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "prometheusQuery" and isinstance(value, str):
                yield value
            else:
                yield from _chart_queries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _chart_queries(value)


def promql_queries(conf: dict) -> Iterator[tuple[str, str]]:
    """(where, query) of every PromQL query of an alert policy (conditions[].condition_prometheus_query_language,
    provider 8.7.0) or a dashboard (dashboard_json)."""
    if "dashboard_json" in conf:
        raw = conf["dashboard_json"]
        if isinstance(raw, str) and not raw.startswith("${"):
            for query in _chart_queries(json.loads(raw)):
                yield "chart", query
        return
    for index, condition in enumerate(items(conf.get("conditions"))):
        for block in items(condition.get("condition_prometheus_query_language")):
            if isinstance(block.get("query"), str):
                yield f"conditions[{index}] ({condition.get('display_name', '')})", block["query"]


class PromqlCatalogued(ResourceRule):
    id = "MLOPS_MON_8"
    title = "PromQL alert conditions and charts read series a platform workload exposes, by labels they carry"
    why = (
        "A PromQL query on a series no workload writes, or filtered by a label the series does not carry, returns "
        "no data: the alert never fires and the chart stays empty, which looks exactly like a healthy model."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Query the series of metric_catalogue/promql.yaml (the scorer's, the model-container metric contract, "
        "kube-state-metrics) by their labels and the scrape target labels; a new series is added there with its "
        "source first (and the workload that exposes it)."
    )
    severity = "HIGH"
    supported = (ALERT, DASHBOARD)
    model_field = ("monitoring",)

    def problems(self, conf: dict[str, Any]) -> list[str]:
        return [
            f"{where}: {problem}" for where, query in promql_queries(plain(conf)) for problem in promql.problems(query)
        ]


check = PromqlCatalogued()
