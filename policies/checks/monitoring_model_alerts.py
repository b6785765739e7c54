"""MLOPS_MON_1: every model has latency, error and traffic-drop alerts in every environment."""

from __future__ import annotations

import json

from config import names
from policies.rulebase import ConfigRule, Outcome, dig, items

SIGNALS = ("latency", "errors", "traffic")
# Fallback when an alert has no `user_labels.signal`: metric names in its condition, checked in
# this order (an error ratio mentions prediction_count in its denominator, so errors come first).
METRIC_HINTS = (
    ("latency", ("prediction_latencies", "oldest_unacked_message_age", "execution_times", "latency")),
    ("errors", ("error_count", "response_code", "dead_letter", "finished_execution_count", "failed")),
    ("traffic", ("prediction_count", "send_request_count", "row_count", "traffic")),
)
CONDITIONS = (
    "condition_threshold",
    "condition_absent",
    "condition_prometheus_query_language",
    "condition_matched_log",
    "condition_monitoring_query_language",
    "condition_sql",
)


def alert_signals(conf: dict) -> set[str]:
    """The signals one alert policy watches: its `signal` label, else what its conditions measure."""
    label = (conf.get("user_labels") or {}).get("signal")
    if label:
        return {label}
    found = set()
    for condition in items(conf.get("conditions")):
        for kind in CONDITIONS:
            body = dig(condition, kind)
            if body is None:
                continue
            text = json.dumps({k: v for k, v in items(body)[0].items() if not k.startswith("denominator")}).lower()
            if kind == "condition_absent":
                found.add("traffic")
                continue
            found |= {next((signal for signal, hints in METRIC_HINTS if any(h in text for h in hints)), "other")}
    return found


class ModelAlerts(ConfigRule):
    id = "MLOPS_MON_1"
    title = "Every model has latency, error and traffic-drop alerts"
    why = "Nobody notices a slow, failing or silently unused model without alerts; the guide asks for invocations below a threshold to alert."
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = "Deploy the model through its pattern construct, which creates the three alerts from the model's `monitoring` thresholds."
    severity = "HIGH"
    model_field = ("monitoring",)

    def evaluate(self, scan):
        for stack in scan.team_stacks():
            team = scan.config.team(stack.team)
            watched: dict[str | None, set[str]] = {}
            for resource in stack.resources("google_monitoring_alert_policy"):
                parts = resource.construct_path.split("/")
                model = (resource.conf.get("user_labels") or {}).get("model") or (parts[1] if len(parts) > 2 else None)
                watched.setdefault(model, set()).update(alert_signals(resource.conf))
            for model in team.models:
                have = watched.get(model.name, set()) | watched.get(names.label_value(model.name), set())
                for signal in SIGNALS:
                    yield Outcome(
                        stack.name,
                        f"google_monitoring_alert_policy[{model.name}/{signal}]",
                        f"{stack.name}/{model.name}",
                        signal in have,
                        f"model {model.name} has no {signal} alert in {stack.env}",
                    )
