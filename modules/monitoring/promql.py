"""PromQL queries over the Managed Prometheus series of the team's workloads on the shared cluster.

The series are written by the cluster's managed collectors into the cluster's project (the platform project);
the team project's metrics scope includes it (modules/monitoring/platform_metrics.py), so the team's alert
policies query them from the team project. Every selector names the team namespace: the platform project holds
every team's series.

Metric contract of a model container with `serving.runtime: gke` (docs/gke-serving.md, "Metric contract"),
Prometheus names as exposed on the `metrics` port:
- ``modelops_requests_total{code}``: counter of prediction requests answered, by HTTP status code;
- ``modelops_request_duration_seconds``: histogram of request handling time (``_bucket{le}``, ``_sum``, ``_count``).
The streaming scorer's own series are named in scorer/metrics.py (a test checks these names against it). Every
series and label a query here may use is in metric_catalogue/promql.yaml, which the gate checks every synthesized
PromQL query against (MLOPS_MON_8).
Replicas: kube-state-metrics' ``kube_deployment_status_replicas{namespace, deployment}`` (Gauge, STABLE,
https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/deployment-metrics.md); GKE's
managed package writes kube state metrics for Deployments and HorizontalPodAutoscalers under the open-source names,
enabled by default on Autopilot from 1.27.4-gke.900
(https://cloud.google.com/kubernetes-engine/docs/how-to/kube-state-metrics).
"""

from __future__ import annotations

REQUESTS = "modelops_requests_total"
REQUEST_DURATION = "modelops_request_duration_seconds"
SCORER_PREDICTIONS = "modelops_scorer_predictions_total"  # scorer/metrics.py PREDICTIONS (a Counter adds _total)
SCORER_ERRORS = "modelops_scorer_errors_total"  # scorer/metrics.py ERRORS
SCORER_LATENCY = "modelops_scorer_latency_seconds"  # scorer/metrics.py LATENCY (a histogram: _bucket{le})
DEPLOYMENT_REPLICAS = "kube_deployment_status_replicas"
# The Vertex endpoint alert counts 4xx and 5xx responses as errors (modules/serving/online.py): the same here.
ERROR_CODES = "[45].."


def selector(namespace: str, job: str, **more: str) -> str:
    """Series of one workload: its namespace and the PodMonitoring's job (Managed Prometheus sets ``job`` to the
    PodMonitoring's name, which is the workload's name, modules/kubernetes/workloads.py)."""
    labels = {"namespace": namespace, "job": job}
    parts = [f'{k}="{v}"' for k, v in labels.items()] + [f'{k}=~"{v}"' for k, v in more.items()]
    return "{" + ",".join(parts) + "}"


def latency_p99_above(namespace: str, job: str, seconds: float) -> str:
    return (
        f"histogram_quantile(0.99, sum by (le) (rate({REQUEST_DURATION}_bucket{selector(namespace, job)}[5m])))"
        f" > {seconds:g}"
    )


def error_ratio_above(namespace: str, job: str, ratio: float) -> str:
    """4xx/5xx responses per response over 5 min; no requests, no result (zero traffic is the traffic alert's)."""
    errors = f"sum(rate({REQUESTS}{selector(namespace, job, code=ERROR_CODES)}[5m]))"
    return f"{errors} / sum(rate({REQUESTS}{selector(namespace, job)}[5m])) > {ratio:g}"


def requests_per_hour_below(namespace: str, job: str, minimum: int) -> str:
    """Fires below the hourly minimum, and at zero: ``or vector(0)`` stands in when no series exists at all."""
    return f"(sum(increase({REQUESTS}{selector(namespace, job)}[1h])) or vector(0)) < {minimum}"


def replicas_at_max(namespace: str, deployment: str, maximum: int) -> str:
    return f'max({DEPLOYMENT_REPLICAS}{{namespace="{namespace}",deployment="{deployment}"}}) >= {maximum}'


def scorer_error_ratio(namespace: str, job: str) -> str:
    """Nacked events per event handled over 5 min (errors count failures, predictions count successes)."""
    errors = f"sum(rate({SCORER_ERRORS}{selector(namespace, job)}[5m]))"
    successes = f"sum(rate({SCORER_PREDICTIONS}{selector(namespace, job)}[5m]))"
    return f"{errors} / ({errors} + {successes})"


def scorer_error_ratio_above(namespace: str, job: str, ratio: float) -> str:
    return f"{scorer_error_ratio(namespace, job)} > {ratio:g}"


def scorer_latency_p99(namespace: str, job: str) -> str:
    """p99 of the scorer's model calls over 5 min, in seconds."""
    return f"histogram_quantile(0.99, sum by (le) (rate({SCORER_LATENCY}_bucket{selector(namespace, job)}[5m])))"


def scorer_latency_p99_above(namespace: str, job: str, seconds: float) -> str:
    return f"{scorer_latency_p99(namespace, job)} > {seconds:g}"
