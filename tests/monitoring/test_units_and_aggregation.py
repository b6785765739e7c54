"""Units and aggregation as Google's references define them (metric.proto `unit`, common.proto Aligner/Reducer)."""

from __future__ import annotations

import pytest

from metric_catalogue import units
from metric_catalogue.aggregation import Series, evaluate, kept_labels
from metric_catalogue.compared import NotComparable, compared_unit
from metric_catalogue.thresholds import Quantity, declare, declared, number


def agg(aligner, period="300s", reducer=None, group_by=()):
    out = {"alignment_period": period, "per_series_aligner": aligner}
    if reducer:
        out.update(cross_series_reducer=reducer, group_by_fields=list(group_by))
    return out


DELTA_INT = Series("DELTA", "INT64", "1")
DELTA_DIST_MS = Series("DELTA", "DISTRIBUTION", "ms")
GAUGE_INT_S = Series("GAUGE", "INT64", "s")


@pytest.mark.parametrize(
    "series, aggregations, valid",
    [
        # "ALIGN_PERCENTILE_99 ... valid for GAUGE and DELTA metrics with distribution values"
        (DELTA_DIST_MS, [agg("ALIGN_PERCENTILE_99")], True),
        (DELTA_INT, [agg("ALIGN_PERCENTILE_99")], False),
        # "ALIGN_RATE ... valid for CUMULATIVE and DELTA metrics with numeric values"
        (DELTA_INT, [agg("ALIGN_RATE")], True),
        (DELTA_DIST_MS, [agg("ALIGN_RATE")], False),
        (GAUGE_INT_S, [agg("ALIGN_RATE")], False),
        # "ALIGN_COUNT ... valid for GAUGE and DELTA metrics with numeric or Boolean values": not a distribution,
        # which is why topic/message_sizes cannot replace the deprecated publish count in a threshold condition
        (Series("DELTA", "DISTRIBUTION", "By"), [agg("ALIGN_COUNT")], False),
        # "ALIGN_DELTA ... valid for CUMULATIVE and DELTA metrics"; then a percentile reducer over distributions
        (
            DELTA_DIST_MS,
            [agg("ALIGN_DELTA", reducer="REDUCE_PERCENTILE_99", group_by=["resource.label.endpoint_id"])],
            True,
        ),
        # "ALIGN_MIN/MAX ... GAUGE and DELTA metrics with numeric values"
        (GAUGE_INT_S, [agg("ALIGN_MAX", "60s")], True),
        (Series("CUMULATIVE", "INT64", "1"), [agg("ALIGN_MAX")], False),
        # "If cross_series_reducer is specified, then per_series_aligner must be specified, and must not be ALIGN_NONE"
        (DELTA_INT, [{"cross_series_reducer": "REDUCE_SUM", "alignment_period": "60s"}], False),
        # "The value must be at least 60 seconds"; "90,000 seconds (25 hours) for alerting policies"
        (DELTA_INT, [agg("ALIGN_SUM", "30s")], False),
        (DELTA_INT, [agg("ALIGN_SUM", "90000s")], True),
        (DELTA_INT, [agg("ALIGN_SUM", "90060s")], False),
        # REDUCE_MAX "valid for DELTA and GAUGE metrics with numeric values"
        (DELTA_DIST_MS, [agg("ALIGN_DELTA", reducer="REDUCE_MAX")], False),
    ],
)
def test_aligners_and_reducers_follow_the_aggregation_reference(series, aggregations, valid):
    _, problems = evaluate(series, aggregations, context="alert")
    assert (problems == []) is valid, problems


def test_charts_may_align_longer_than_alerts():
    assert evaluate(DELTA_INT, [agg("ALIGN_SUM", "172800s")], context="chart")[1] == []
    assert evaluate(DELTA_INT, [agg("ALIGN_SUM", "172800s")], context="alert")[1]


@pytest.mark.parametrize(
    "series, aggregations, unit",
    [
        (DELTA_INT, [agg("ALIGN_RATE")], "1/s"),  # rate = (y1 - y0)/(t1 - t0)
        (Series("DELTA", "INT64", "By"), [agg("ALIGN_RATE")], "By/s"),
        (DELTA_DIST_MS, [agg("ALIGN_PERCENTILE_99")], "ms"),
        (Series("DELTA", "DISTRIBUTION", "s"), [agg("ALIGN_PERCENTILE_99", "3600s")], "s"),
        (DELTA_INT, [agg("ALIGN_SUM", "3600s", "REDUCE_COUNT")], "1"),
        (GAUGE_INT_S, [agg("ALIGN_MAX", "60s")], "s"),
    ],
)
def test_aggregation_changes_the_unit_as_the_operation_does(series, aggregations, unit):
    result, problems = evaluate(series, aggregations, context="alert")
    assert problems == [] and units.same(result.unit, unit), (result, problems)


def test_a_ratio_of_two_rates_is_dimensionless_and_the_catalogue_unit_is_used():
    responses = 'metric.type="aiplatform.googleapis.com/prediction/online/response_count"'
    rate = [agg("ALIGN_RATE", reducer="REDUCE_SUM", group_by=["resource.label.endpoint_id"])]
    assert compared_unit(responses, rate, denominator_filter=responses) == "1"
    assert (
        compared_unit('metric.type="workflows.googleapis.com/execution_times"', [agg("ALIGN_PERCENTILE_99", "3600s")])
        == "s"
    )
    assert compared_unit('select_slo_burn_rate("projects/p/services/s/serviceLevelObjectives/o", "3600s")', []) == "1"
    with pytest.raises(NotComparable, match="not in the metric catalogue"):
        compared_unit('metric.type="aiplatform.googleapis.com/prediction/online/no_such_metric"', [])


def test_kept_labels_are_the_last_reductions_group_by_fields():
    assert kept_labels([agg("ALIGN_SUM")]) is None
    assert kept_labels([agg("ALIGN_SUM", reducer="REDUCE_SUM", group_by=["metric.label.status"])]) == [
        "metric.label.status"
    ]


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("1/s", "{request}/s", True),  # "an annotation alone is equivalent to 1"
        ("10^2.%", "1", True),  # "a ratio ... multiplied by 100 and displayed as a percentage"
        ("ms", "s", False),
        ("min", "s", False),
        ("By", "bit", False),
        ("kBy", "By", False),
    ],
)
def test_unit_identity_follows_the_metric_descriptor_grammar(a, b, same):
    assert units.same(a, b) is same


def test_conversions_and_refusals():
    assert Quantity(3_600_000, "ms").to("s") == 3600
    assert Quantity(150, "ms").to("ms") == 150
    assert Quantity(2, "min").to("s") == 120
    assert Quantity(1, "MiBy").to("By") == 1048576
    with pytest.raises(units.UnitError, match="different dimensions"):
        Quantity(150, "ms").to("1")
    with pytest.raises(units.UnitError, match="not a unit"):
        units.parse("furlong")


def test_declarations_read_back_exactly():
    text = declare("p99 above the budget", 0.1 + 0.2, "s")
    [found] = declared(text)
    assert (found.value, found.unit) == (0.1 + 0.2, "s")
    assert number(3600.0) == "3600" and number(0.005) == "0.005"
    assert declared("no unit here") == []
    with pytest.raises(units.UnitError):
        declare("x", 1, "furlongs")
