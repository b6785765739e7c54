"""MLOPS_MON_8: every PromQL query of an alert policy or a dashboard reads series a platform workload exposes,
with labels those series carry and, for closed labels, values they take (metric_catalogue/promql.yaml). A query
(or a whole dashboard_json) the gate cannot read, a Terraform token known only at apply time, is a finding: an
unchecked query is exactly the silent alert this rule is for. Whether `namespace`/`job`/`deployment` values name
workloads of the stack is MLOPS_MON_9 (policies/checks/monitoring_promql_targets.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from metric_catalogue import promql
from policies.metric_queries import ALERT, DASHBOARD, plain
from policies.rulebase import ResourceRule, is_token, items

UNREADABLE = "__unreadable__"  # a query position whose text the gate cannot read


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
        try:
            doc = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            doc = None
        if doc is None:
            yield "dashboard_json", UNREADABLE  # a token (`${...}`) or not JSON: the charts cannot be read
            return
        for query in _chart_queries(doc):
            yield "chart", query
        return
    for index, condition in enumerate(items(conf.get("conditions"))):
        for block in items(condition.get("condition_prometheus_query_language")):
            if "query" in block:
                query = block["query"]
                yield (
                    f"conditions[{index}] ({condition.get('display_name', '')})",
                    (query if isinstance(query, str) else UNREADABLE),
                )


def query_problems(conf: dict) -> Iterator[str]:
    """What is wrong with the PromQL of one alert policy or dashboard (plain JSON)."""
    for where, query in promql_queries(conf):
        if query == UNREADABLE or is_token(query):
            shown = "the value" if query == UNREADABLE else repr(query)
            yield (
                f"{where}: {shown} is not a literal the gate can read (a Terraform expression is known only at "
                "apply time), so the query cannot be checked; write it as a literal string"
            )
            continue
        for problem in promql.problems(query):
            yield f"{where}: {problem}"


class PromqlCatalogued(ResourceRule):
    id = "MLOPS_MON_8"
    title = "PromQL alert conditions and charts read series a platform workload exposes, by labels they carry"
    why = (
        "A PromQL query on a series no workload writes, or filtered by a label the series does not carry, returns "
        "no data: the alert never fires and the chart stays empty, which looks exactly like a healthy model. "
        "So does a matcher on a value the exporter never writes (the scorer's `stage`), and a query the gate "
        "cannot read (a Terraform token) is refused rather than passed unchecked."
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
        return list(query_problems(plain(conf)))


check = PromqlCatalogued()
