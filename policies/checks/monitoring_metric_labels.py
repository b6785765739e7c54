"""MLOPS_MON_5: every label a monitoring query filters, groups or shows by exists on its metric or resource."""

from __future__ import annotations

from metric_catalogue.aggregation import field, kept_labels
from metric_catalogue.catalogue import catalogue
from metric_catalogue.query_filter import parse, reference, template_references
from policies.metric_queries import MetricQueryRule

# group_by_fields that are not labels of the metric or resource (Aggregation.group_by_fields; filters doc)
NON_LABEL_FIELDS = ("resource.type", "metric.type")


def _normal(scope: str, key: str) -> str:
    return f"{scope}.labels.{key}"


class MetricLabels(MetricQueryRule):
    id = "MLOPS_MON_5"
    title = "Labels in monitoring filters, group-by fields and legends exist on the metric or monitored resource"
    why = (
        "A filter on a label the metric does not have matches no time series, so the alert or SLO silently "
        "watches nothing; grouping by a missing label, or showing one the reducer removed, breaks the query "
        "or mislabels the chart."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Use metric.labels.<key> / resource.labels.<key> from the metric's and resource's label lists in "
        "metric_catalogue/catalogue.yaml (Google's lists), with one of the listed values where Google "
        "enumerates them; keep legend labels among the group_by_fields of the last reduction."
    )
    severity = "HIGH"

    def check(self, query):
        cat = catalogue()
        for role, text, aggregations in query.parts():
            parsed = parse(text)
            metric = cat.metric(parsed.metric_type or "")
            if parsed.slo_selector or metric is None:
                continue  # MLOPS_MON_4 reports an unknown metric
            rtype = parsed.resource_type or (metric.resources[0] if len(metric.resources) == 1 else None)
            resource = cat.resource(rtype or "")
            prefix = "" if role == "filter" else "denominator: "

            def known(scope: str, key: str, metric=metric, resource=resource) -> tuple[bool, str]:
                if scope == "metric":
                    return (
                        key in metric.labels,
                        f"{metric.type} has metric labels {', '.join(metric.labels) or '(none)'}",
                    )
                if resource is None:
                    return True, ""  # resource unknown: MLOPS_MON_4 reports it
                return key in resource.labels, f"{resource.type} has resource labels {', '.join(resource.labels)}"

            for clause in parsed.labels:
                ok, have = known(clause.scope, clause.key)
                if not ok:
                    yield f"{prefix}filter on {clause.scope}.labels.{clause.key}, which does not exist ({have})"
                    continue
                # (an unknown resource type is MLOPS_MON_4's finding: nothing to compare with here)
                labels = metric.labels if clause.scope == "metric" else resource.labels if resource else {}
                label = labels.get(clause.key)
                if label is not None and label.values and clause.op in ("=", "!=") and clause.literals:
                    unknown = [v for v in clause.literals if v not in label.values]
                    if unknown:
                        yield (
                            f"{prefix}{clause.scope}.labels.{clause.key} compared with {', '.join(map(repr, unknown))}; "
                            f"Google lists the values {', '.join(label.values)}"
                        )
            for agg in aggregations + (query.after_ratio if role == "filter" else ()):
                for group in field(agg, "group_by_fields") or []:
                    ref = reference(str(group))
                    if ref is None:
                        if str(group) not in NON_LABEL_FIELDS and not str(group).startswith("metadata."):
                            yield f"{prefix}group_by field {group!r} is not a metric or resource label reference"
                        continue
                    ok, have = known(*ref)
                    if not ok:
                        yield f"{prefix}group_by field {group} does not exist ({have})"
            if role != "filter":
                continue
            kept = kept_labels(aggregations + query.after_ratio)
            kept_refs = {_normal(*r) for r in (reference(str(g)) for g in kept or []) if r}
            for legend in query.legends:
                for scope, key in template_references(legend):
                    ok, have = known(scope, key)
                    if not ok:
                        yield f"legend template shows {scope}.labels.{key}, which does not exist ({have})"
                    elif kept is not None and _normal(scope, key) not in kept_refs:
                        yield (
                            f"legend template shows {scope}.labels.{key}, which the reducer aggregates away "
                            f'(group_by_fields: {", ".join(kept) or "none"}; "Fields not specified in '
                            'group_by_fields are aggregated away")'
                        )


check = MetricLabels()
