"""Every alert is actionable, and each watches exactly the metric, resource and filter it claims to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import names
from modules.monitoring.runbooks import RUNBOOKS
from tests.helpers import resources

REPO = Path(__file__).resolve().parents[2]
TEAM_STACKS = [f"team-{t}-{e}" for t in ("ledger", "reach", "scout") for e in ("dev", "prod")]


def policies(org_stacks, stack="team-ledger-prod") -> dict[str, dict]:
    return resources(org_stacks[stack], "google_monitoring_alert_policy")


def threshold(policy: dict, index: int = 0) -> dict:
    return policy["conditions"][index]["condition_threshold"]


def test_traffic_drop_fires_at_zero_traffic(org_stacks):
    cond = threshold(policies(org_stacks)["pay-scorer/endpoint-traffic-drop"])
    eid = names.endpoint_name("ledger", "pay-scorer", "prod")
    assert cond["filter"] == (
        'resource.type="aiplatform.googleapis.com/Endpoint" AND '
        'metric.type="aiplatform.googleapis.com/prediction/online/prediction_count" AND '
        f'resource.labels.endpoint_id="{eid}"'
    )
    assert cond["comparison"] == "COMPARISON_LT" and cond["threshold_value"] == 1000
    # A DELTA metric writes no points at zero traffic; missing data must count as below the threshold.
    assert cond["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_ACTIVE"
    assert cond["aggregations"] == [
        {
            "alignment_period": "3600s",
            "per_series_aligner": "ALIGN_SUM",
            "cross_series_reducer": "REDUCE_SUM",
            "group_by_fields": ["resource.label.endpoint_id"],
        }
    ]


def test_latency_alert_uses_p99_of_total_latency_against_the_yaml_threshold(org_stacks):
    cond = threshold(policies(org_stacks)["pay-scorer/endpoint-latency-p99"])
    assert 'metric.type="aiplatform.googleapis.com/prediction/online/prediction_latencies"' in cond["filter"]
    assert 'resource.type="aiplatform.googleapis.com/Endpoint"' in cond["filter"]
    assert 'metric.labels.latency_type="total"' in cond["filter"]
    assert cond["aggregations"][0]["per_series_aligner"] == "ALIGN_PERCENTILE_99"
    assert (cond["comparison"], cond["threshold_value"]) == ("COMPARISON_GT", 150)


def test_error_alert_is_the_share_of_4xx_and_5xx_responses_among_all_responses(org_stacks):
    """Numerator and denominator are the same metric (response_count: every response, whatever its code),
    so a failed request is always in the denominator; prediction_count counts instances, not requests."""
    cond = threshold(policies(org_stacks, "team-scout-prod")["result-ranker/endpoint-error-ratio"])
    eid = names.endpoint_name("scout", "result-ranker", "prod")
    responses = (
        'resource.type="aiplatform.googleapis.com/Endpoint" AND '
        'metric.type="aiplatform.googleapis.com/prediction/online/response_count" AND '
        f'resource.labels.endpoint_id="{eid}"'
    )
    assert cond["filter"] == responses + ' AND metric.labels.response_code=monitoring.regex.full_match("[45]..")'
    assert cond["denominator_filter"] == responses
    assert cond["aggregations"][0]["per_series_aligner"] == "ALIGN_RATE"
    assert cond["denominator_aggregations"] == cond["aggregations"]
    assert (cond["comparison"], cond["threshold_value"]) == ("COMPARISON_GT", 0.005)
    # No ratio point = no error response (or no response at all, the traffic-drop alert's case): not a breach.
    assert cond["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_INACTIVE"


def test_error_regex_counts_4xx_and_5xx_whether_response_code_is_a_class_or_a_code():
    """Google documents response_code as "HTTP response code (1xx, 2xx, 3xx, 4xx, 5xx)" without saying
    which form a value takes; the RE2 full match on the first digit counts either."""
    import re

    from modules.monitoring.filters import ERROR_RESPONSES, SUCCESS_RESPONSES

    errors = re.fullmatch(r'.*full_match\("(.*)"\)', ERROR_RESPONSES).group(1)
    good = re.fullmatch(r'.*full_match\("(.*)"\)', SUCCESS_RESPONSES).group(1)
    for code in ("4xx", "5xx", "404", "429", "500", "503"):
        assert re.fullmatch(errors, code) and not re.fullmatch(good, code), code
    for code in ("2xx", "200", "1xx", "3xx", "302"):
        assert not re.fullmatch(errors, code), code


def test_replicas_alert_fires_when_the_minimum_over_the_window_is_at_max_replicas(org_stacks):
    cond = threshold(policies(org_stacks)["pay-scorer/endpoint-replicas-at-max"])
    assert 'metric.type="aiplatform.googleapis.com/prediction/online/replicas"' in cond["filter"]
    assert cond["aggregations"][0]["per_series_aligner"] == "ALIGN_MIN"
    assert cond["comparison"] == "COMPARISON_GT" and cond["threshold_value"] == 9.5  # max_replicas 10


def test_slo_burn_rate_alerts_select_the_slo_burn_rate(org_stacks):
    found = policies(org_stacks)
    for slo in ("latency", "availability"):
        cond = threshold(found[f"pay-scorer/slo-burn-rate-{slo}"])
        assert cond["filter"].startswith('select_slo_burn_rate("${google_monitoring_slo.pay-scorer_slo_' + slo)
        assert cond["filter"].endswith('.name}", "3600s")')
        assert (cond["comparison"], cond["threshold_value"]) == ("COMPARISON_GT", 14.4)


def test_batch_alerts_watch_failed_workflow_runs_and_the_missing_output_partition(org_stacks):
    found = policies(org_stacks)
    failed = threshold(found["refund-forecast/batch-run-failed"])
    assert failed["filter"] == (
        'resource.type="workflows.googleapis.com/Workflow" AND '
        'metric.type="workflows.googleapis.com/finished_execution_count" AND '
        'resource.labels.workflow_id="ledger-refund-forecast-batch" AND metric.labels.status="FAILED"'
    )
    missing = threshold(found["refund-forecast/batch-output-missing"])
    assert missing["filter"] == (
        'resource.type="global" AND metric.type="custom.googleapis.com/modelops/batch/output_rows" '
        'AND metric.labels.team="ledger" AND metric.labels.model="refund-forecast"'
    )
    assert missing["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_ACTIVE"
    assert missing["aggregations"][0]["alignment_period"] == "90000s"


def test_streaming_alerts_watch_backlog_age_and_dead_letters_of_the_scoring_subscription(org_stacks):
    found = policies(org_stacks, "team-reach-prod")
    age = threshold(found["intent-propensity/stream-backlog-age"])
    assert age["filter"] == (
        'resource.type="pubsub_subscription" AND '
        'metric.type="pubsub.googleapis.com/subscription/oldest_unacked_message_age" AND '
        'resource.labels.subscription_id="reach-intent-propensity-scoring"'
    )
    assert age["threshold_value"] == 300
    dead = threshold(found["intent-propensity/stream-dead-letters"])
    assert 'metric.type="pubsub.googleapis.com/subscription/dead_letter_message_count"' in dead["filter"]
    assert (dead["comparison"], dead["threshold_value"]) == ("COMPARISON_GT", 0)


def test_quality_alerts_use_the_yaml_thresholds_and_the_model_task(org_stacks):
    ledger = policies(org_stacks)
    accuracy = threshold(ledger["pay-scorer/model-accuracy-low"])
    assert 'metric.type="custom.googleapis.com/modelops/quality/accuracy"' in accuracy["filter"]
    assert (accuracy["comparison"], accuracy["threshold_value"]) == ("COMPARISON_LT", 0.9)
    rmse = threshold(ledger["refund-forecast/model-rmse-high"])
    assert (rmse["comparison"], rmse["threshold_value"]) == ("COMPARISON_GT", 25)
    assert "pay-scorer/model-rmse-high" not in ledger and "refund-forecast/model-accuracy-low" not in ledger
    drift = threshold(ledger["pay-scorer/feature-drift"])
    assert (
        'metric.labels.feature=one_of("amount", "card_country", "customer_email", "merchant_category")'
        in drift["filter"]
    )
    assert drift["threshold_value"] == 0.2
    missing = threshold(ledger["pay-scorer/missing-features"])
    assert 'metric.type="custom.googleapis.com/modelops/data/missing_feature_ratio"' in missing["filter"]
    assert missing["threshold_value"] == 0.05
    assert any("custom-metrics" in d for d in ledger["pay-scorer/missing-features"]["depends_on"])


@pytest.mark.parametrize("stack", TEAM_STACKS)
def test_every_alert_is_actionable(org_stacks, org_config, stack):
    _, team_name, env = stack.split("-")
    team = org_config.team(team_name)
    found = policies(org_stacks, stack)
    assert found
    for path, policy in found.items():
        model, kind = path.split("/")[0], policy["user_labels"]["alert_kind"]
        book = RUNBOOKS[kind]
        assert policy["severity"] == book.severity
        doc = policy["documentation"]
        assert doc["mime_type"] == "text/markdown"
        content = doc["content"]
        assert book.meaning in content and "**First three things to check:**" in content
        assert all(f"{i}. {check}" in content for i, check in enumerate(book.checks, 1))
        assert f"**Owner:** {team.display_name} ({team.groups.admins})" in content
        assert "**Dashboard:** https://console.cloud.google.com/monitoring/dashboards/builder/" in content
        runbook = doc["links"][0]["url"]
        assert runbook == f"https://github.com/orbit/mlops-platform/blob/main/docs/runbooks/{kind}.md"
        assert (REPO / "docs" / "runbooks" / f"{kind}.md").is_file()
        assert doc["links"][1]["url"].startswith("https://console.cloud.google.com/monitoring/dashboards/builder/")
        assert {k: policy["user_labels"][k] for k in ("team", "model", "env")} == {
            "team": team_name,
            "model": model,
            "env": env,
        }
        assert policy["alert_strategy"]["auto_close"]
        channels = policy["notification_channels"]
        team_channels = [c for c in channels if "platform-oncall" not in c]
        assert team_channels, path
        oncall = [c for c in channels if "platform-oncall" in c]
        assert bool(oncall) == (policy["severity"] == "CRITICAL"), path


def test_platform_oncall_is_copied_into_the_team_project_because_policies_notify_only_same_project_channels(org_stacks):
    channel = resources(org_stacks["team-ledger-prod"], "google_monitoring_notification_channel")[
        "platform-oncall/platform-oncall"
    ]
    assert channel["project"] == "orbit-ledger-prod" and channel["type"] == "pagerduty"
    assert channel["sensitive_labels"]["service_key_wo"].startswith("${ephemeral.google_secret_manager_secret_version.")


def test_a_team_without_channels_is_alerted_through_its_admins_group(org_stacks):
    channels = resources(org_stacks["team-scout-prod"], "google_monitoring_notification_channel")
    assert channels["default-channels/team-admins"]["labels"] == {"email_address": "scout-admins@orbit.example"}
    policy = policies(org_stacks, "team-scout-prod")["result-ranker/endpoint-latency-p99"]
    assert policy["notification_channels"] == [
        "${google_monitoring_notification_channel.default-channels_team-admins_"
        + policy["notification_channels"][0].split("_team-admins_")[1]
    ]


def test_alert_counts_per_pattern(org_stacks):
    def kinds(stack, model):
        return sorted(p.split("/", 1)[1] for p in policies(org_stacks, stack) if p.startswith(f"{model}/"))

    assert kinds("team-ledger-prod", "pay-scorer") == sorted(
        [
            "endpoint-latency-p99",
            "endpoint-error-ratio",
            "endpoint-traffic-drop",
            "endpoint-replicas-at-max",
            "endpoint-logging-changed",
            "slo-burn-rate-latency",
            "slo-burn-rate-availability",
            "model-accuracy-low",
            "feature-drift",
            "missing-features",
        ]
    )
    assert kinds("team-ledger-prod", "refund-forecast") == sorted(
        [
            "batch-run-failed",
            "batch-run-duration",
            "batch-output-missing",
            "model-rmse-high",
            "feature-drift",
            "missing-features",
        ]
    )
    # no min_accuracy in its file: platform.yaml's default_thresholds gives one, so it has an accuracy alert too
    assert kinds("team-reach-prod", "intent-propensity") == sorted(
        [
            "stream-backlog-age",
            "stream-dead-letters",
            "stream-traffic-drop",
            "scorer-error-ratio",  # its scorer runs (serving.image set)
            "scorer-latency-p99",  # monitoring.latency_p99_ms, on the scorer's model-call histogram
            "model-accuracy-low",
            "feature-drift",
            "missing-features",
        ]
    )
    # online on GKE: the Vertex endpoint's kinds on PromQL, without the endpoint-only ones (logging change, SLOs)
    assert kinds("team-scout-prod", "query-suggest") == sorted(
        [
            "gke-latency-p99",
            "gke-error-ratio",
            "gke-traffic-drop",
            "gke-replicas-at-max",
            "model-accuracy-low",
            "feature-drift",
            "missing-features",
        ]
    )


def test_every_alert_says_which_signal_it_watches(org_stacks):
    """The policy gate's MLOPS_MON_1 reads `user_labels.signal`: latency, errors and traffic per model."""
    from modules.monitoring.runbooks import WATCHES

    for name in ("team-ledger-prod", "team-reach-prod", "team-scout-prod"):
        per_model: dict[str, set[str]] = {}
        for policy in resources(org_stacks[name], "google_monitoring_alert_policy").values():
            labels = policy["user_labels"]
            assert labels["signal"] == WATCHES[labels["alert_kind"]]
            per_model.setdefault(labels["model"], set()).add(labels["signal"])
        for model, signals in per_model.items():
            assert {"latency", "errors", "traffic"} <= signals, (name, model, signals)


def test_streaming_traffic_drop_counts_successful_publish_requests_and_fires_when_nothing_is_published(org_stacks):
    """send_message_operation_count is DEPRECATED on Google's list and counted failed publishes too."""
    policy = policies(org_stacks, "team-reach-prod")["intent-propensity/stream-traffic-drop"]
    condition = policy["conditions"][0]["condition_threshold"]
    assert condition["filter"] == (
        'resource.type="pubsub_topic" AND '
        'metric.type="pubsub.googleapis.com/topic/send_request_count" AND '
        'resource.labels.topic_id="reach-intent-propensity-events" AND '
        'metric.labels.response_class="success"'
    )
    assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_LT", 2000)
    assert condition["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_ACTIVE"
    assert condition["aggregations"][0]["per_series_aligner"] == "ALIGN_SUM"


def test_batch_run_duration_compares_seconds_with_the_budget_converted_from_milliseconds(org_stacks):
    """execution_times is in seconds (Google's metrics list); latency_p99_ms is 3,600,000 ms = 3,600 s."""
    policy = policies(org_stacks, "team-ledger-prod")["refund-forecast/batch-run-duration"]
    condition = policy["conditions"][0]["condition_threshold"]
    assert 'metric.type="workflows.googleapis.com/execution_times"' in condition["filter"]
    assert (condition["comparison"], condition["threshold_value"]) == ("COMPARISON_GT", 3600)
    assert policy["conditions"][0]["display_name"].endswith("[threshold: 3600 s]")


@pytest.mark.parametrize("stack", TEAM_STACKS)
def test_every_alert_threshold_declares_the_unit_it_is_compared_in(org_stacks, stack):
    from metric_catalogue.compared import compared_unit
    from metric_catalogue.thresholds import declared

    for path, policy in policies(org_stacks, stack).items():
        for condition in policy["conditions"]:
            if "condition_matched_log" in condition:
                continue  # a log match compares no number
            if "condition_prometheus_query_language" in condition:
                # PromQL compares in the query: the declared number is the one after its final comparison, in the
                # unit of the metric contract (seconds for durations, docs/gke-serving.md; 1 for counts and ratios)
                query = condition["condition_prometheus_query_language"]["query"]
                [declaration] = declared(condition["display_name"])
                compared = re.search(r"(>=|<=|>|<)\s*([0-9.e+-]+)$", query)
                assert compared and float(compared.group(2)) == declaration.value, (path, query)
                assert declaration.unit == ("s" if "_seconds_bucket" in query else "1"), path
                continue
            cond = condition["condition_threshold"]
            [declaration] = declared(condition["display_name"])
            assert declaration.value == cond["threshold_value"], path
            assert declaration.unit == compared_unit(
                cond["filter"],
                cond.get("aggregations", []),
                denominator_filter=cond.get("denominator_filter"),
                denominator_aggregations=cond.get("denominator_aggregations"),
            ), path
