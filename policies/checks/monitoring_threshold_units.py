"""MLOPS_MON_7: every threshold declares its unit, and it is the unit the query compares in."""

from __future__ import annotations

from metric_catalogue import units
from metric_catalogue.compared import NotComparable
from metric_catalogue.thresholds import declared, number
from policies.metric_queries import MetricQueryRule, dimensionless, is_number


class ThresholdUnits(MetricQueryRule):
    id = "MLOPS_MON_7"
    title = "Thresholds state their unit, and it is the metric's unit after aggregation"
    why = (
        "Terraform thresholds are bare numbers compared in the metric's own unit: a budget in milliseconds "
        "against a metric in seconds never fires. Stating the unit next to every threshold makes the "
        "conversion explicit and checkable."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Build thresholds from the YAML value and its unit (metric_catalogue.thresholds.Quantity) with the "
        "alert/SLO/dashboard constructs, which convert it into the query's unit and write "
        "`[threshold: <value> <unit>]` into the condition name, SLO name or chart threshold label."
    )
    severity = "HIGH"
    model_field = ("monitoring",)

    def check(self, query):
        if not query.bounds:
            return
        try:
            unit = query.unit()
        except (NotComparable, units.UnitError):
            return  # MLOPS_MON_4/6 report why the unit cannot be known
        for bound in query.bounds:
            if not is_number(bound.value):
                continue  # an interpolation: known only at apply time
            found = declared(bound.declared_in)
            if not found:
                if not dimensionless(unit):
                    yield (
                        f"{bound.field} {number(bound.value)} states no unit; it is compared in {unit} "
                        f"(declare it as `[threshold: {number(bound.value)} {unit}]`)"
                    )
                continue
            match = next(
                (
                    d
                    for d in found
                    if d.value is not None and abs(d.value - bound.value) <= 1e-9 * max(1.0, abs(bound.value))
                ),
                None,
            )
            if match is None:
                yield (
                    f"{bound.field} is {number(bound.value)} but the declared threshold is "
                    f"{', '.join(d.text for d in found)}"
                )
                continue
            try:
                same = units.same(match.unit, unit)
            except units.UnitError as exc:
                yield f"{bound.field}: declared unit {match.unit!r} is not a Cloud Monitoring unit ({exc})"
                continue
            if not same:
                yield (
                    f"{bound.field} {number(bound.value)} is declared in {match.unit} but compared in {unit} "
                    "(the metric's catalogue unit after aggregation)"
                )


check = ThresholdUnits()
