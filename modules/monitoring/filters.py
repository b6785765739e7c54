"""Cloud Monitoring metric types, monitored-resource types and filters, shared by alerts, SLOs and dashboards.

Every type named here is an entry of the metric catalogue (metric_catalogue/catalogue.yaml: kind,
value type, unit, labels and launch stage as Google's metrics list publishes them), and the gate checks
every query built from these filters against it. Keeping the names in one module means an alert and
its dashboard tile can never disagree on what they watch.
"""

from __future__ import annotations

from config import names

ENDPOINT_RESOURCE = "aiplatform.googleapis.com/Endpoint"
VERTEX_PREFIX = "aiplatform.googleapis.com/prediction/online/"
PREDICTION_COUNT = VERTEX_PREFIX + "prediction_count"
PREDICTION_LATENCIES = VERTEX_PREFIX + "prediction_latencies"
RESPONSE_COUNT = VERTEX_PREFIX + "response_count"
REPLICAS = VERTEX_PREFIX + "replicas"
# response_count's `response_code` is "HTTP response code (1xx, 2xx, 3xx, 4xx, 5xx)"; Google does not say
# whether a value is the class ("5xx") or the code ("503"), so the first digit is matched (RE2, full match).
ERROR_RESPONSES = 'metric.labels.response_code=monitoring.regex.full_match("[45]..")'
SUCCESS_RESPONSES = 'metric.labels.response_code=monitoring.regex.full_match("2..")'

WORKFLOW_RESOURCE = "workflows.googleapis.com/Workflow"
FINISHED_EXECUTIONS = "workflows.googleapis.com/finished_execution_count"
EXECUTION_TIMES = "workflows.googleapis.com/execution_times"

SUBSCRIPTION_RESOURCE = "pubsub_subscription"
TOPIC_RESOURCE = "pubsub_topic"
OLDEST_UNACKED_AGE = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
DEAD_LETTER_COUNT = "pubsub.googleapis.com/subscription/dead_letter_message_count"
# topic/send_message_operation_count is DEPRECATED on Google's list. Publish requests are counted with
# send_request_count, and only those whose response_class (success, invalid or internal) is success.
PUBLISH_REQUESTS = "pubsub.googleapis.com/topic/send_request_count"
PUBLISH_SUCCEEDED = 'metric.labels.response_class="success"'

CUSTOM_RESOURCE = "global"


def _filter(resource: str, metric: str, *clauses: str) -> str:
    return " AND ".join((f'resource.type="{resource}"', f'metric.type="{metric}"', *clauses))


def endpoint(metric: str, endpoint_id: str, *clauses: str) -> str:
    return _filter(ENDPOINT_RESOURCE, metric, f'resource.labels.endpoint_id="{endpoint_id}"', *clauses)


def latency(endpoint_id: str) -> str:
    return endpoint(PREDICTION_LATENCIES, endpoint_id, 'metric.labels.latency_type="total"')


def responses(endpoint_id: str, *clauses: str) -> str:
    """Every online prediction response of an endpoint, whatever its code (the error ratio's denominator)."""
    return endpoint(RESPONSE_COUNT, endpoint_id, *clauses)


def error_responses(endpoint_id: str) -> str:
    """Online prediction responses with a 4xx or 5xx code."""
    return responses(endpoint_id, ERROR_RESPONSES)


def workflow(metric: str, workflow_id: str, *clauses: str) -> str:
    return _filter(WORKFLOW_RESOURCE, metric, f'resource.labels.workflow_id="{workflow_id}"', *clauses)


def subscription(metric: str, subscription_id: str) -> str:
    return _filter(SUBSCRIPTION_RESOURCE, metric, f'resource.labels.subscription_id="{subscription_id}"')


def topic(metric: str, topic_id: str, *clauses: str) -> str:
    return _filter(TOPIC_RESOURCE, metric, f'resource.labels.topic_id="{topic_id}"', *clauses)


def published(topic_id: str) -> str:
    """Successful publish requests to a topic."""
    return topic(PUBLISH_REQUESTS, topic_id, PUBLISH_SUCCEEDED)


def custom(path: str, team: str, model: str | None = None, *clauses: str) -> str:
    """A modelops custom metric (written by the quality workflow) for a team, optionally one model."""
    scope = [f'metric.labels.team="{team}"'] + ([f'metric.labels.model="{model}"'] if model else [])
    return _filter(CUSTOM_RESOURCE, names.custom_metric_type(path), *scope, *clauses)


def one_of(label: str, values: list[str]) -> str:
    quoted = ", ".join(f'"{v}"' for v in values)
    return f"metric.labels.{label}=one_of({quoted})"
