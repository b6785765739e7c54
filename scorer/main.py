"""Entry point: ``python -m scorer.main``. Streams the scoring subscription until SIGTERM, then drains:
the pull stream stops, callbacks in flight finish (await_callbacks_on_shutdown) and messages received but
not yet dispatched are nacked by the client for redelivery. Kubernetes sends SIGTERM and waits
terminationGracePeriodSeconds before SIGKILL (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).

A subscriber that stops by itself (PERMISSION_DENIED while the Workload Identity binding propagates, a deleted
subscription: non-retryable StreamingPull errors) turns /healthz to 503 and ends the process with exit status 1,
so Kubernetes restarts the container (issue 13 review, item 5)."""

from __future__ import annotations

import logging
import signal
import threading

from google.cloud import bigquery, pubsub_v1  # type: ignore[attr-defined]

from scorer.http_server import Health, serve
from scorer.metrics import ScorerMetrics
from scorer.settings import Settings
from scorer.worker import Scorer


def run(
    settings: Settings,
    subscriber,
    bigquery_client,
    metrics: ScorerMetrics,
    stop: threading.Event,
    health: Health | None = None,
) -> None:
    """Consume until ``stop`` is set or the subscriber fails, then drain; returns once every callback in flight
    has finished, or raises the subscriber's error."""
    scorer = Scorer(settings, bigquery_client, metrics)
    future = subscriber.subscribe(
        settings.subscription,
        callback=scorer,
        flow_control=pubsub_v1.types.FlowControl(max_messages=settings.max_outstanding_messages),
        await_callbacks_on_shutdown=True,
    )
    if health is not None:
        health.future = future
    # A StreamingPull that ends by itself completes the future with its error: stop waiting then, and let
    # result() raise it so the process exits non-zero.
    future.add_done_callback(lambda _: stop.set())
    stop.wait()
    future.cancel()
    future.result()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    metrics = ScorerMetrics()
    health = Health()
    serve(settings.metrics_port, metrics.registry, health)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with pubsub_v1.SubscriberClient() as subscriber:
        try:
            run(settings, subscriber, bigquery.Client(), metrics, stop, health)
        except Exception:
            logging.getLogger("scorer").exception("the subscriber stopped")
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
