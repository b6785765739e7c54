"""MLOPS_MON_6: aligners, reducers and SLI fields are valid for the metric's kind and value type."""

from __future__ import annotations

from metric_catalogue.aggregation import evaluate
from metric_catalogue.compared import NotComparable, series_of
from policies.metric_queries import MetricQueryRule


class MetricAggregation(MetricQueryRule):
    id = "MLOPS_MON_6"
    title = "Aligners, reducers and SLI filters match the metric's kind and value type"
    why = (
        "Cloud Monitoring rejects, or silently returns nothing for, an aligner or reducer that does not apply "
        "to the metric (a percentile of a count, a rate of a distribution) and an SLI on the wrong kind of "
        "series: the alert or SLO is then broken on the first apply or never fires."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Pick per_series_aligner / cross_series_reducer valid for the metric's kind and value type in "
        "metric_catalogue/catalogue.yaml, per Google's Aggregation reference (e.g. ALIGN_PERCENTILE_* needs a "
        "DISTRIBUTION, ALIGN_RATE a numeric DELTA or CUMULATIVE metric); alignment periods of 60 s to 25 h "
        "in alert policies."
    )
    severity = "HIGH"

    def check(self, query):
        for role, text, aggregations in query.parts():
            prefix = "" if role == "filter" else "denominator: "
            try:
                series = series_of(text)
            except NotComparable:
                continue  # MLOPS_MON_4 reports an unknown metric
            if query.requires and role == "filter":
                kinds, values, says = query.requires
                if series.kind not in kinds or series.value_type not in values:
                    yield f"the SLI needs another kind of time series than {series.kind} {series.value_type} ({says})"
            result, problems = evaluate(series, aggregations, context=query.alignment_context)
            for problem in problems:
                yield prefix + problem
            if role == "filter" and query.after_ratio:
                for problem in evaluate(result, query.after_ratio, context=query.alignment_context)[1]:
                    yield "secondaryAggregation: " + problem


check = MetricAggregation()
