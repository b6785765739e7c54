"""What the metric rules read from each resource, beyond the rule fixtures: checkov's conf shape, windows-based SLIs."""

from __future__ import annotations

import json

from policies.checks.monitoring_metric_aggregation import check as aggregation_rule
from policies.checks.monitoring_threshold_units import check as unit_rule
from policies.metric_queries import plain, queries

AGE = (
    'resource.type="pubsub_subscription" AND metric.type="pubsub.googleapis.com/subscription/oldest_unacked_message_age"'
    ' AND resource.labels.subscription_id="ledger-pay-scorer-scoring"'
)
DEAD = (
    'resource.type="pubsub_subscription" AND metric.type="pubsub.googleapis.com/subscription/dead_letter_message_count"'
    ' AND resource.labels.subscription_id="ledger-pay-scorer-scoring"'
)


def _problems(rule, conf, tf_type):
    return [m for q in queries(conf, tf_type) for m in rule.check(q)]


def test_checkov_conf_reads_like_the_synthesized_json():
    """checkov wraps every attribute in a list (lists of values twice) and marks lines; plain() undoes it."""
    checkov_conf = {
        "conditions": [
            {
                "display_name": ["x [threshold: 1 1]"],
                "__startline__": 3,
                "condition_threshold": [
                    {
                        "filter": [DEAD],
                        "threshold_value": [1],
                        "comparison": ["COMPARISON_GT"],
                        "aggregations": [
                            {
                                "alignment_period": ["600s"],
                                "per_series_aligner": ["ALIGN_SUM"],
                                "cross_series_reducer": ["REDUCE_SUM"],
                                "group_by_fields": [["resource.label.subscription_id"]],
                            }
                        ],
                    }
                ],
            }
        ],
        "display_name": ["p"],
        "__endline__": 9,
    }
    conf = plain(checkov_conf)
    [query] = queries(conf, "google_monitoring_alert_policy")
    assert query.filter == DEAD and query.bounds[0].value == 1
    assert query.aggregations[0]["group_by_fields"] == ["resource.label.subscription_id"]
    assert query.unit() == "1"


def test_windows_based_slis_are_checked_for_kind_and_range_unit():
    good = {
        "display_name": "backlog young [threshold: 300 s]",
        "windows_based_sli": {
            "window_period": "300s",
            "metric_mean_in_range": {"time_series": AGE, "range": {"max": 300}},
        },
    }
    assert _problems(aggregation_rule, good, "google_monitoring_slo") == []
    assert _problems(unit_rule, good, "google_monitoring_slo") == []
    in_ms = {**good, "display_name": "backlog young [threshold: 300 ms]"}
    assert "declared in ms but compared in s" in _problems(unit_rule, in_ms, "google_monitoring_slo")[0]
    # "MetricRange ... must have ... MetricKind = GAUGE": a DELTA count is refused
    delta = {
        "display_name": "x",
        "windows_based_sli": {"metric_sum_in_range": {"time_series": DEAD, "range": {"max": 1}}},
    }
    assert "MetricRange" in _problems(aggregation_rule, delta, "google_monitoring_slo")[0]


def test_promql_tiles_and_log_conditions_name_no_catalogue_metric_and_are_not_read():
    body = {
        "mosaicLayout": {
            "tiles": [
                {
                    "widget": {
                        "title": "p",
                        "xyChart": {"dataSets": [{"timeSeriesQuery": {"prometheusQuery": "sum(rate(x[5m]))"}}]},
                    }
                }
            ]
        }
    }
    assert queries({"dashboard_json": json.dumps(body)}, "google_monitoring_dashboard") == []
    assert (
        queries(
            {"conditions": [{"display_name": "log", "condition_matched_log": {"filter": "severity>=ERROR"}}]},
            "google_monitoring_alert_policy",
        )
        == []
    )


def test_the_model_alert_rule_still_infers_traffic_from_the_new_publish_metric():
    from policies.checks.monitoring_model_alerts import alert_signals

    publish = {
        "conditions": [
            {
                "condition_threshold": {
                    "filter": 'metric.type="pubsub.googleapis.com/topic/send_request_count" AND metric.labels.response_class="success"'
                }
            }
        ]
    }
    assert alert_signals(publish) == {"traffic"}
