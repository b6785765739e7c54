"""Which aligner and reducer may be applied to which time series, and what each makes of it.

Source: the `Aggregation.Aligner` and `Aggregation.Reducer` enums and the `alignment_period` field in
google/monitoring/v3/common.proto (googleapis/googleapis at 11e309d19377d05fe354c97d9bd3def00fa9b5e4, read
2026-11-30), the text published as https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#aligner
and #reducer. Each rule below quotes the sentence it encodes. Where the proto says the output keeps the
input's value type or names none, the kind and value type are kept; where it names none for the unit,
the unit is kept (a percentile of milliseconds is milliseconds) except:

- ALIGN_RATE divides by time: "rate = (y1 - y0)/(t1 - t0)", per second, so unit U becomes U/s;
- counting aligners and reducers (COUNT, COUNT_TRUE, COUNT_FALSE) yield a number of points, unit 1;
- FRACTION_TRUE yields a ratio in [0, 1], unit 1; ALIGN_PERCENT_CHANGE yields a percentage, unit %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from metric_catalogue import units

NUMERIC = frozenset({"INT64", "DOUBLE"})
BOOL = frozenset({"BOOL"})
DISTRIBUTION = frozenset({"DISTRIBUTION"})
ANY_VALUE = frozenset({"BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION", "MONEY"})
ANY_KIND = frozenset({"GAUGE", "DELTA", "CUMULATIVE"})
GAUGE_DELTA = frozenset({"GAUGE", "DELTA"})
SAME = None

MIN_ALIGNMENT_SECONDS = 60  # "The value must be at least 60 seconds."
MAX_ALERT_ALIGNMENT_SECONDS = 90000  # "... 90,000 seconds (25 hours) for alerting policies."
MAX_CHART_ALIGNMENT_SECONDS = 104 * 7 * 86400  # "The maximum value ... is 104 weeks (2 years) for charts"


@dataclass(frozen=True)
class Rule:
    kinds: frozenset[str]
    values: frozenset[str]
    says: str  # the proto sentence this encodes
    out_kind: str | None = SAME
    out_value: str | None = SAME
    unit: str = "same"  # "same" | "per_second" | "1" | "%"


def _rule(kinds, values, says, out_kind=SAME, out_value=SAME, unit="same") -> Rule:
    return Rule(frozenset(kinds), frozenset(values), says, out_kind, out_value, unit)


_PERCENTILE_ALIGN = (
    "valid for GAUGE and DELTA metrics with distribution values. The output is a GAUGE metric with value_type DOUBLE"
)
ALIGNERS: dict[str, Rule] = {
    "ALIGN_NONE": _rule(
        ANY_KIND, ANY_VALUE, "No alignment. Raw data is returned. Not valid if cross-series reduction is requested."
    ),
    "ALIGN_DELTA": _rule(
        {"CUMULATIVE", "DELTA"},
        ANY_VALUE,
        "valid for CUMULATIVE and DELTA metrics ... the value_type of the aligned result is the same as the value_type of the input",
        out_kind="DELTA",
    ),
    "ALIGN_RATE": _rule(
        {"CUMULATIVE", "DELTA"},
        NUMERIC,
        "valid for CUMULATIVE and DELTA metrics with numeric values ... The output is a GAUGE metric with value_type DOUBLE",
        out_kind="GAUGE",
        out_value="DOUBLE",
        unit="per_second",
    ),
    "ALIGN_INTERPOLATE": _rule({"GAUGE"}, NUMERIC, "valid for GAUGE metrics with numeric values"),
    "ALIGN_NEXT_OLDER": _rule({"GAUGE"}, ANY_VALUE, "valid for GAUGE metrics"),
    "ALIGN_MIN": _rule(GAUGE_DELTA, NUMERIC, "valid for GAUGE and DELTA metrics with numeric values"),
    "ALIGN_MAX": _rule(GAUGE_DELTA, NUMERIC, "valid for GAUGE and DELTA metrics with numeric values"),
    "ALIGN_MEAN": _rule(
        GAUGE_DELTA,
        NUMERIC,
        "valid for GAUGE and DELTA metrics with numeric values. The value_type of the aligned result is DOUBLE",
        out_value="DOUBLE",
    ),
    "ALIGN_COUNT": _rule(
        GAUGE_DELTA,
        NUMERIC | BOOL,
        "valid for GAUGE and DELTA metrics with numeric or Boolean values. The value_type of the aligned result is INT64",
        out_value="INT64",
        unit="1",
    ),
    "ALIGN_SUM": _rule(
        GAUGE_DELTA, NUMERIC | DISTRIBUTION, "valid for GAUGE and DELTA metrics with numeric and distribution values"
    ),
    "ALIGN_STDDEV": _rule(
        GAUGE_DELTA,
        NUMERIC,
        "valid for GAUGE and DELTA metrics with numeric values. The value_type of the output is DOUBLE",
        out_value="DOUBLE",
    ),
    "ALIGN_COUNT_TRUE": _rule(
        {"GAUGE"},
        BOOL,
        "valid for GAUGE metrics with Boolean values. The value_type of the output is INT64",
        out_value="INT64",
        unit="1",
    ),
    "ALIGN_COUNT_FALSE": _rule(
        {"GAUGE"},
        BOOL,
        "valid for GAUGE metrics with Boolean values. The value_type of the output is INT64",
        out_value="INT64",
        unit="1",
    ),
    "ALIGN_FRACTION_TRUE": _rule(
        {"GAUGE"},
        BOOL,
        "valid for GAUGE metrics with Boolean values. The output value is in the range [0.0, 1.0]",
        out_value="DOUBLE",
        unit="1",
    ),
    **{
        f"ALIGN_PERCENTILE_{p}": _rule(
            GAUGE_DELTA, DISTRIBUTION, _PERCENTILE_ALIGN, out_kind="GAUGE", out_value="DOUBLE"
        )
        for p in ("99", "95", "50", "05")
    },
    "ALIGN_PERCENT_CHANGE": _rule(
        GAUGE_DELTA,
        NUMERIC,
        "valid for GAUGE and DELTA metrics with numeric values ... The output is a GAUGE metric with value_type DOUBLE",
        out_kind="GAUGE",
        out_value="DOUBLE",
        unit="%",
    ),
}

_PERCENTILE_REDUCE = (
    "valid for GAUGE and DELTA metrics of numeric and distribution type. The value of the output is DOUBLE"
)
REDUCERS: dict[str, Rule] = {
    "REDUCE_NONE": _rule(ANY_KIND, ANY_VALUE, "No cross-time series reduction."),
    "REDUCE_MEAN": _rule(
        GAUGE_DELTA,
        NUMERIC | DISTRIBUTION,
        "valid for DELTA and GAUGE metrics with numeric or distribution values. The value_type of the output is DOUBLE",
        out_value="DOUBLE",
    ),
    "REDUCE_MIN": _rule(GAUGE_DELTA, NUMERIC, "valid for DELTA and GAUGE metrics with numeric values"),
    "REDUCE_MAX": _rule(GAUGE_DELTA, NUMERIC, "valid for DELTA and GAUGE metrics with numeric values"),
    "REDUCE_SUM": _rule(
        GAUGE_DELTA, NUMERIC | DISTRIBUTION, "valid for DELTA and GAUGE metrics with numeric and distribution values"
    ),
    "REDUCE_STDDEV": _rule(
        GAUGE_DELTA,
        NUMERIC | DISTRIBUTION,
        "valid for DELTA and GAUGE metrics with numeric or distribution values. The value_type of the output is DOUBLE",
        out_value="DOUBLE",
    ),
    "REDUCE_COUNT": _rule(
        GAUGE_DELTA,
        NUMERIC | BOOL | DISTRIBUTION | {"STRING"},
        "valid for DELTA and GAUGE metrics of numeric, Boolean, distribution, and string value_type. The value_type of the output is INT64",
        out_value="INT64",
        unit="1",
    ),
    "REDUCE_COUNT_TRUE": _rule(
        GAUGE_DELTA,
        BOOL,
        "valid for DELTA and GAUGE metrics of Boolean value_type. The value_type of the output is INT64",
        out_value="INT64",
        unit="1",
    ),
    "REDUCE_COUNT_FALSE": _rule(
        GAUGE_DELTA,
        BOOL,
        "valid for DELTA and GAUGE metrics of Boolean value_type. The value_type of the output is INT64",
        out_value="INT64",
        unit="1",
    ),
    "REDUCE_FRACTION_TRUE": _rule(
        GAUGE_DELTA,
        BOOL,
        "valid for DELTA and GAUGE metrics of Boolean value_type. The output value is in the range [0.0, 1.0]",
        out_value="DOUBLE",
        unit="1",
    ),
    **{
        f"REDUCE_PERCENTILE_{p}": _rule(GAUGE_DELTA, NUMERIC | DISTRIBUTION, _PERCENTILE_REDUCE, out_value="DOUBLE")
        for p in ("99", "95", "50", "05")
    },
}


@dataclass(frozen=True)
class Series:
    """What a query yields at one step: kind, value type and unit of its points."""

    kind: str
    value_type: str
    unit: str


def field(agg: Mapping[str, Any], snake: str) -> Any:
    """An aggregation field by its Terraform (snake_case) or dashboard JSON (camelCase) name."""
    camel = snake.split("_")[0] + "".join(w.title() for w in snake.split("_")[1:])
    return agg.get(snake, agg.get(camel))


def seconds(duration: Any) -> float | None:
    """`"300s"` -> 300.0; None when absent or not a literal duration."""
    if isinstance(duration, (int, float)):
        return float(duration)
    if isinstance(duration, str) and duration.endswith("s"):
        try:
            return float(duration[:-1])
        except ValueError:
            return None
    return None


def _apply(series: Series, rule: Rule) -> Series:
    unit = {"same": series.unit, "per_second": units.per_second(series.unit), "1": units.DIMENSIONLESS, "%": "%"}[
        rule.unit
    ]
    return replace(series, kind=rule.out_kind or series.kind, value_type=rule.out_value or series.value_type, unit=unit)


def _valid(name: str, rule: Rule, series: Series, what: str) -> str | None:
    if series.kind in rule.kinds and series.value_type in rule.values:
        return None
    return (
        f"{what} {name} is not valid for a {series.kind} {series.value_type} time series "
        f'(Google\'s Aggregation reference: "{rule.says}")'
    )


def evaluate(series: Series, aggregations: Iterable[Mapping[str, Any]], *, context: str) -> tuple[Series, list[str]]:
    """Apply ``aggregations`` in order (as the API does) to ``series``; returns the result and every problem.

    ``context`` is "alert" (alert policy conditions, alignment up to 25 hours) or "chart" (dashboards).
    """
    problems: list[str] = []
    max_period = MAX_ALERT_ALIGNMENT_SECONDS if context == "alert" else MAX_CHART_ALIGNMENT_SECONDS
    for agg in aggregations:
        aligner = field(agg, "per_series_aligner") or "ALIGN_NONE"
        reducer = field(agg, "cross_series_reducer") or "REDUCE_NONE"
        period = seconds(field(agg, "alignment_period"))
        align_rule, reduce_rule = ALIGNERS.get(aligner), REDUCERS.get(reducer)
        if align_rule is None:
            problems.append(f"unknown per_series_aligner {aligner}")
        if reduce_rule is None:
            problems.append(f"unknown cross_series_reducer {reducer}")
        if align_rule is None or reduce_rule is None:
            return series, problems
        if reducer != "REDUCE_NONE" and aligner == "ALIGN_NONE":
            problems.append(
                f'{reducer} needs a per_series_aligner other than ALIGN_NONE ("If cross_series_reducer '
                'is specified, then per_series_aligner must be specified, and must not be ALIGN_NONE")'
            )
        if aligner != "ALIGN_NONE":
            if period is None:
                problems.append(
                    f'{aligner} needs an alignment_period ("If a per-series aligner other than ALIGN_NONE '
                    'is specified, this field is required")'
                )
            elif not MIN_ALIGNMENT_SECONDS <= period <= max_period:
                problems.append(
                    f"alignment_period {period:g}s is outside {MIN_ALIGNMENT_SECONDS}s..{max_period}s allowed "
                    f"for {'alert policies' if context == 'alert' else 'charts'}"
                )
        problem = _valid(aligner, align_rule, series, "per_series_aligner")
        if problem:
            problems.append(problem)
        series = _apply(series, align_rule)
        if reducer != "REDUCE_NONE":
            problem = _valid(reducer, reduce_rule, series, "cross_series_reducer")
            if problem:
                problems.append(problem + f" (after {aligner})")
            series = _apply(series, reduce_rule)
    return series, problems


def kept_labels(aggregations: Iterable[Mapping[str, Any]]) -> list[str] | None:
    """The group_by_fields left after the last reduction, or None when nothing is reduced.

    "Fields not specified in group_by_fields are aggregated away." (Aggregation.group_by_fields)
    """
    kept = None
    for agg in aggregations:
        if (field(agg, "cross_series_reducer") or "REDUCE_NONE") != "REDUCE_NONE":
            kept = list(field(agg, "group_by_fields") or [])
    return kept
