"""Cloud Monitoring metric types, monitored-resource types and filters, shared by alerts and dashboards.

Names follow ../shared/reference/gcp-building-blocks.md §5.1 (Vertex AI) and the Pub/Sub and
Workflows metric lists; keeping them in one module means an alert and its dashboard tile can
never disagree on what they watch.
"""
from __future__ import annotations

from stacks import names

ENDPOINT_RESOURCE = "aiplatform.googleapis.com/Endpoint"
VERTEX_PREFIX = "aiplatform.googleapis.com/prediction/online/"
PREDICTION_COUNT = VERTEX_PREFIX + "prediction_count"
PREDICTION_LATENCIES = VERTEX_PREFIX + "prediction_latencies"
ERROR_COUNT = VERTEX_PREFIX + "error_count"
RESPONSE_COUNT = VERTEX_PREFIX + "response_count"
REPLICAS = VERTEX_PREFIX + "replicas"

WORKFLOW_RESOURCE = "workflows.googleapis.com/Workflow"
FINISHED_EXECUTIONS = "workflows.googleapis.com/finished_execution_count"
EXECUTION_TIMES = "workflows.googleapis.com/execution_times"

SUBSCRIPTION_RESOURCE = "pubsub_subscription"
TOPIC_RESOURCE = "pubsub_topic"
OLDEST_UNACKED_AGE = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
DEAD_LETTER_COUNT = "pubsub.googleapis.com/subscription/dead_letter_message_count"
TOPIC_SEND_COUNT = "pubsub.googleapis.com/topic/send_message_operation_count"

CUSTOM_RESOURCE = "global"


def _filter(resource: str, metric: str, *clauses: str) -> str:
    return " AND ".join((f'resource.type="{resource}"', f'metric.type="{metric}"', *clauses))


def endpoint(metric: str, endpoint_id: str, *clauses: str) -> str:
    return _filter(ENDPOINT_RESOURCE, metric, f'resource.labels.endpoint_id="{endpoint_id}"', *clauses)


def latency(endpoint_id: str) -> str:
    return endpoint(PREDICTION_LATENCIES, endpoint_id, 'metric.labels.latency_type="total"')


def workflow(metric: str, workflow_id: str, *clauses: str) -> str:
    return _filter(WORKFLOW_RESOURCE, metric, f'resource.labels.workflow_id="{workflow_id}"', *clauses)


def subscription(metric: str, subscription_id: str) -> str:
    return _filter(SUBSCRIPTION_RESOURCE, metric, f'resource.labels.subscription_id="{subscription_id}"')


def topic(metric: str, topic_id: str) -> str:
    return _filter(TOPIC_RESOURCE, metric, f'resource.labels.topic_id="{topic_id}"')


def custom(path: str, team: str, model: str | None = None, *clauses: str) -> str:
    """A modelops custom metric (written by the quality workflow) for a team, optionally one model."""
    scope = [f'metric.labels.team="{team}"'] + ([f'metric.labels.model="{model}"'] if model else [])
    return _filter(CUSTOM_RESOURCE, names.custom_metric_type(path), *scope, *clauses)


def one_of(label: str, values: list[str]) -> str:
    quoted = ", ".join(f'"{v}"' for v in values)
    return f"metric.labels.{label}=one_of({quoted})"
