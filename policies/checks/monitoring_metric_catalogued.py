"""MLOPS_MON_4: every monitoring query names a catalogued, current metric on a monitored resource it is written on."""

from __future__ import annotations

from metric_catalogue.catalogue import catalogue
from metric_catalogue.query_filter import parse
from policies.metric_queries import MetricQueryRule


class MetricCatalogued(MetricQueryRule):
    id = "MLOPS_MON_4"
    title = "Alert, SLO and dashboard queries use a catalogued, non-deprecated metric on its monitored resource"
    why = (
        "A filter on a metric Google does not publish, has deprecated, or does not write on that resource type "
        "returns no data: the alert never fires, the SLO and the tile stay empty, and nobody notices."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Use a metric type and its monitored-resource type from metric_catalogue/catalogue.yaml (copied from "
        "Google's metrics and monitored-resource lists); for a deprecated metric use the replacement the entry "
        "names. A metric the platform starts using is added to the catalogue with its source first."
    )
    severity = "HIGH"

    def check(self, query):
        cat = catalogue()
        for role, text, _ in query.parts():
            parsed = parse(text)
            prefix = "" if role == "filter" else "denominator: "
            if parsed.slo_selector:
                if query.context != "alert":
                    yield f"{prefix}{parsed.slo_selector}(...) is an alerting time-series selector, not a metric filter"
                elif parsed.slo_selector == "select_slo_burn_rate" and not parsed.slo_window:
                    yield f"{prefix}select_slo_burn_rate needs the lookback period as its second argument"
                continue
            if not parsed.metric_type:
                yield f"{prefix}the filter names no metric.type"
                continue
            if not parsed.metric_type_literal:
                yield f"{prefix}metric.type must be compared with = to one metric type to be checked against the catalogue"
                continue
            metric = cat.metric(parsed.metric_type)
            if metric is None:
                yield (
                    f"{prefix}{parsed.metric_type} is not in the metric catalogue (metric_catalogue/catalogue.yaml); "
                    "add it from Google's metrics list with its source, or use a catalogued metric"
                )
                continue
            if not metric.verified:
                yield f"{prefix}the catalogue entry of {metric.type} is not verified on Google's list: {metric.reason}"
            if metric.deprecated:
                replacement = f"; replacement: {metric.replacement}" if metric.replacement else ""
                yield f"{prefix}{metric.type} is DEPRECATED on Google's metrics list ({metric.source.url}): {metric.deprecation.rstrip('.')}{replacement}"
            if not parsed.resource_type:
                yield (
                    f"{prefix}the filter does not name resource.type; {metric.type} is written on "
                    f"{', '.join(metric.resources)}"
                )
            elif parsed.resource_type not in metric.resources:
                yield (
                    f"{prefix}{metric.type} is not written on resource type {parsed.resource_type} "
                    f"(Google lists {', '.join(metric.resources)})"
                )
            elif cat.resource(parsed.resource_type) is None:
                yield f"{prefix}resource type {parsed.resource_type} is not in the metric catalogue"


check = MetricCatalogued()
