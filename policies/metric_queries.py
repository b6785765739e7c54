"""Every Cloud Monitoring query a synthesized resource makes, in one shape the metric rules can check.

The rules MLOPS_MON_4..7 (policies/checks/monitoring_metric_*.py) read the same three resource types:

- `google_monitoring_alert_policy`: each condition's filter, aggregations, denominator and threshold
  (`condition_threshold`, `condition_absent`);
- `google_monitoring_slo`: the SLI filters (request-based distribution cut or good/total ratio,
  windows-based variants), the good range, and what kind of series each SLI field accepts;
- `google_monitoring_dashboard`: every data set of every chart in `dashboard_json`, its legend
  template and the chart's thresholds.

PromQL, MQL, SQL and log-match conditions and PromQL/MQL chart queries name no catalogue metric and
are not read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from metric_catalogue import units
from metric_catalogue.aggregation import Series, evaluate
from metric_catalogue.compared import NotComparable, compared_unit
from policies.rulebase import ResourceRule, items

ALERT, SLO, DASHBOARD = "google_monitoring_alert_policy", "google_monitoring_slo", "google_monitoring_dashboard"
SUPPORTED = (ALERT, SLO, DASHBOARD)

# google/monitoring/v3/service.proto (googleapis @2124b6251e56e2ec8dd5c47e7d3815d7d5841880, read 2026-11-30):
DISTRIBUTION_CUT = (
    frozenset({"DELTA", "CUMULATIVE"}),
    frozenset({"DISTRIBUTION"}),
    'DistributionCut: "Must have ValueType = DISTRIBUTION and MetricKind = DELTA or MetricKind = CUMULATIVE"',
)
TIME_SERIES_RATIO = (
    frozenset({"DELTA", "CUMULATIVE"}),
    frozenset({"INT64", "DOUBLE"}),
    'TimeSeriesRatio: "Must have ValueType = DOUBLE or ValueType = INT64 and must have MetricKind = DELTA '
    'or MetricKind = CUMULATIVE"',
)
METRIC_RANGE = (
    frozenset({"GAUGE"}),
    frozenset({"INT64", "DOUBLE"}),
    'MetricRange: "The provided TimeSeries must have ValueType = INT64 or ValueType = DOUBLE and MetricKind = GAUGE"',
)
GOOD_BAD_METRIC = (
    frozenset({"GAUGE", "DELTA", "CUMULATIVE"}),
    frozenset({"BOOL"}),
    'good_bad_metric_filter: "specifying a TimeSeries with ValueType = BOOL"',
)


@dataclass(frozen=True)
class Bound:
    """A number compared with the query's values, and the text that must declare its unit."""

    value: Any
    field: str
    declared_in: str


@dataclass(frozen=True)
class Query:
    where: str
    context: str  # "alert" | "slo" | "chart"
    filter: str
    aggregations: tuple[dict, ...] = ()
    denominator_filter: str | None = None
    denominator_aggregations: tuple[dict, ...] = ()
    after_ratio: tuple[dict, ...] = ()  # a chart ratio's secondaryAggregation
    bounds: tuple[Bound, ...] = ()
    legends: tuple[str, ...] = ()
    requires: tuple[frozenset, frozenset, str] | None = None  # (kinds, value types, Google's sentence)

    @property
    def alignment_context(self) -> str:
        return "chart" if self.context == "chart" else "alert"

    def parts(self) -> Iterator[tuple[str, str, tuple[dict, ...]]]:
        """(role, filter, aggregations) of the numerator and, for a ratio, the denominator."""
        yield ("filter", self.filter, self.aggregations)
        if self.denominator_filter:
            yield ("denominator", self.denominator_filter, self.denominator_aggregations or self.aggregations)

    def unit(self) -> str:
        """The unit of the values this query's thresholds are compared with; NotComparable when unknown."""
        unit = compared_unit(
            self.filter,
            self.aggregations,
            denominator_filter=self.denominator_filter,
            denominator_aggregations=self.denominator_aggregations or None,
            context=self.alignment_context,
        )
        if self.after_ratio:
            series, problems = evaluate(
                Series("GAUGE", "DOUBLE", unit), self.after_ratio, context=self.alignment_context
            )
            if problems:
                raise NotComparable("; ".join(problems))
            unit = series.unit
        return unit


# --- checkov's HCL-style conf -> the plain JSON cdk.tf.json holds -----------------------------------


def plain(value: Any) -> Any:
    """checkov wraps every attribute value in a list and adds `__startline__` marks; undo both.

    Nested blocks stay lists of dicts (the readers accept a dict or a list of dicts).
    """
    if isinstance(value, dict):
        return {k: _attribute(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("__"))}
    return value


def _attribute(value: Any) -> Any:
    if isinstance(value, dict):
        return plain(value)
    if not isinstance(value, list):
        return value
    if value and all(isinstance(v, dict) for v in value):
        return [plain(v) for v in value]  # nested blocks
    if len(value) == 1:
        inner = value[0]  # the wrapper around one attribute value
        return [plain(v) for v in inner] if isinstance(inner, list) else plain(inner)
    return [plain(v) for v in value]


def resource_type(conf: dict) -> str | None:
    if "dashboard_json" in conf:
        return DASHBOARD
    if "conditions" in conf:
        return ALERT
    if "request_based_sli" in conf or "windows_based_sli" in conf or "basic_sli" in conf:
        return SLO
    return None


def queries(conf: dict, tf_type: str | None = None) -> list[Query]:
    """Every checkable query of one resource, from plain (cdk.tf.json) configuration."""
    tf_type = tf_type or resource_type(conf)
    if tf_type == ALERT:
        return list(_alert_queries(conf))
    if tf_type == SLO:
        return list(_slo_queries(conf))
    if tf_type == DASHBOARD:
        return list(_dashboard_queries(conf))
    return []


def _aggs(value: Any) -> tuple[dict, ...]:
    return tuple(items(value))


def _alert_queries(conf: dict) -> Iterator[Query]:
    for condition in items(conf.get("conditions")):
        name = str(condition.get("display_name") or "")
        where = f'condition "{name}"'
        for threshold in items(condition.get("condition_threshold")):
            bounds = (Bound(threshold.get("threshold_value", 0), "threshold_value", name),)
            yield Query(
                where,
                "alert",
                str(threshold.get("filter") or ""),
                _aggs(threshold.get("aggregations")),
                threshold.get("denominator_filter") or None,
                _aggs(threshold.get("denominator_aggregations")),
                bounds=bounds,
            )
        for absent in items(condition.get("condition_absent")):
            yield Query(where, "alert", str(absent.get("filter") or ""), _aggs(absent.get("aggregations")))


def _range_bounds(rng: Any, name: str, path: str) -> tuple[Bound, ...]:
    bounds = []
    for r in items(rng):
        for key in ("min", "max"):
            if r.get(key) is not None:
                bounds.append(Bound(r[key], f"{path}.range.{key}", name))
    return tuple(bounds)


def _request_sli(sli: dict, name: str, path: str) -> Iterator[Query]:
    for cut in items(sli.get("distribution_cut")):
        where = f"{path}.distribution_cut.distribution_filter"
        yield Query(
            where,
            "slo",
            str(cut.get("distribution_filter") or ""),
            bounds=_range_bounds(cut.get("range"), name, f"{path}.distribution_cut"),
            requires=DISTRIBUTION_CUT,
        )
    for ratio in items(sli.get("good_total_ratio")):
        for key in ("good_service_filter", "bad_service_filter", "total_service_filter"):
            if ratio.get(key):
                yield Query(f"{path}.good_total_ratio.{key}", "slo", str(ratio[key]), requires=TIME_SERIES_RATIO)


def _slo_queries(conf: dict) -> Iterator[Query]:
    name = str(conf.get("display_name") or "")
    for sli in items(conf.get("request_based_sli")):
        yield from _request_sli(sli, name, "request_based_sli")
    for sli in items(conf.get("windows_based_sli")):
        if sli.get("good_bad_metric_filter"):
            yield Query(
                "windows_based_sli.good_bad_metric_filter",
                "slo",
                str(sli["good_bad_metric_filter"]),
                requires=GOOD_BAD_METRIC,
            )
        for threshold in items(sli.get("good_total_ratio_threshold")):
            for performance in items(threshold.get("performance")):
                yield from _request_sli(performance, name, "windows_based_sli.good_total_ratio_threshold.performance")
        for key in ("metric_mean_in_range", "metric_sum_in_range"):
            for rng in items(sli.get(key)):
                yield Query(
                    f"windows_based_sli.{key}.time_series",
                    "slo",
                    str(rng.get("time_series") or ""),
                    bounds=_range_bounds(rng.get("range"), name, f"windows_based_sli.{key}"),
                    requires=METRIC_RANGE,
                )


CHARTS = ("xyChart", "scorecard", "timeSeriesTable", "pieChart")


def _widgets(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if any(k in node for k in CHARTS):
            yield node
        for value in node.values():
            yield from _widgets(value)
    elif isinstance(node, list):
        for value in node:
            yield from _widgets(value)


def _dataset_query(where: str, data: dict, bounds: tuple[Bound, ...]) -> Iterator[Query]:
    ts = data.get("timeSeriesQuery") or {}
    legends = (data["legendTemplate"],) if data.get("legendTemplate") else ()
    if "timeSeriesFilter" in ts:
        single = ts["timeSeriesFilter"]
        aggs = tuple(a for a in (single.get("aggregation"), single.get("secondaryAggregation")) if a)
        yield Query(where, "chart", str(single.get("filter") or ""), aggs, bounds=bounds, legends=legends)
    elif "timeSeriesFilterRatio" in ts:
        ratio = ts["timeSeriesFilterRatio"]
        num, den = ratio.get("numerator") or {}, ratio.get("denominator") or {}
        yield Query(
            where,
            "chart",
            str(num.get("filter") or ""),
            _aggs(num.get("aggregation")),
            str(den.get("filter") or ""),
            _aggs(den.get("aggregation")),
            after_ratio=_aggs(ratio.get("secondaryAggregation")),
            bounds=bounds,
            legends=legends,
        )


def _dashboard_queries(conf: dict) -> Iterator[Query]:
    raw = conf.get("dashboard_json")
    try:
        body = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return
    for widget in _widgets(body):
        title = str(widget.get("title") or "")
        for kind in CHARTS:
            chart = widget.get(kind)
            if not isinstance(chart, dict):
                continue
            thresholds = [t for t in chart.get("thresholds") or [] if isinstance(t, dict)]
            datasets = chart.get("dataSets") or (
                [{"timeSeriesQuery": chart["timeSeriesQuery"]}] if "timeSeriesQuery" in chart else []
            )
            for i, data in enumerate(d for d in datasets if isinstance(d, dict)):
                axis = data.get("targetAxis") or "Y1"
                bounds = tuple(
                    Bound(t.get("value"), f"thresholds[{j}].value", str(t.get("label") or ""))
                    for j, t in enumerate(thresholds)
                    if (t.get("targetAxis") or "Y1") == axis
                )
                yield from _dataset_query(f'chart "{title}" data set {i + 1}', data, bounds)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def dimensionless(unit: str) -> bool:
    parsed = units.parse(unit)
    return parsed.dimensionless and parsed.factor == 1.0


@dataclass
class Checked:
    """Problems found on one resource, each prefixed with where it is."""

    problems: list[str] = field(default_factory=list)

    def add(self, query: Query, message: str) -> None:
        text = f"{query.where}: {message}"
        if text not in self.problems:
            self.problems.append(text)


class MetricQueryRule(ResourceRule):
    """A rule applied to every query of every alert policy, SLO and dashboard: ``check(query)`` lists problems."""

    supported = SUPPORTED
    severity: str = "HIGH"

    def problems(self, conf: dict) -> list[str]:
        tf_type = getattr(self, "entity_type", None)
        found = Checked()
        for query in queries(plain(conf), tf_type if tf_type in SUPPORTED else None):
            for message in self.check(query):
                found.add(query, message)
        return found.problems

    def check(self, query: Query) -> Iterator[str]:
        raise NotImplementedError
