"""Prometheus metrics of the scorer, scraped by Managed Prometheus (the PodMonitoring of the team stack,
modules/kubernetes/workloads.py) and queryable with PromQL in the cluster's project (docs/gke-serving.md)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

PREDICTIONS = "modelops_scorer_predictions"
ERRORS = "modelops_scorer_errors"
LATENCY = "modelops_scorer_latency_seconds"
# Model-call latency buckets (seconds): the alert thresholds of teams sit between 50 ms and a few seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ScorerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.predictions = Counter(
            PREDICTIONS, "Events scored and written to prediction_history.", ["model"], registry=self.registry
        )
        self.errors = Counter(
            ERRORS,
            "Events nacked: the model call or the history write failed.",
            ["model", "stage"],
            registry=self.registry,
        )
        self.latency = Histogram(
            LATENCY, "Model call latency.", ["model"], buckets=LATENCY_BUCKETS, registry=self.registry
        )
