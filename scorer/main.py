"""Entry point: ``python -m scorer.main``. Streams the scoring subscription until SIGTERM, then drains:
the pull stream stops, callbacks in flight finish (await_callbacks_on_shutdown) and messages received but
not yet dispatched are nacked by the client for redelivery. Kubernetes sends SIGTERM and waits
terminationGracePeriodSeconds before SIGKILL (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)."""

from __future__ import annotations

import logging
import signal
import threading

from google.cloud import bigquery, pubsub_v1  # type: ignore[attr-defined]
from prometheus_client import start_http_server

from scorer.metrics import ScorerMetrics
from scorer.settings import Settings
from scorer.worker import Scorer


def run(settings: Settings, subscriber, bigquery_client, metrics: ScorerMetrics, stop: threading.Event) -> None:
    """Consume until ``stop`` is set, then drain; returns once every callback in flight has finished."""
    scorer = Scorer(settings, bigquery_client, metrics)
    future = subscriber.subscribe(
        settings.subscription,
        callback=scorer,
        flow_control=pubsub_v1.types.FlowControl(max_messages=settings.max_outstanding_messages),
        await_callbacks_on_shutdown=True,
    )
    # A StreamingPull that ends by itself (PermissionDenied while Workload Identity propagates, a deleted
    # subscription) completes the future with its error: stop waiting then, and let result() raise it so the
    # process exits non-zero and Kubernetes restarts the container (issue 13 review, item 5).
    future.add_done_callback(lambda _: stop.set())
    stop.wait()
    future.cancel()
    future.result()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    metrics = ScorerMetrics()
    start_http_server(settings.metrics_port, registry=metrics.registry)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with pubsub_v1.SubscriberClient() as subscriber:
        try:
            run(settings, subscriber, bigquery.Client(), metrics, stop)
        except Exception:
            logging.getLogger("scorer").exception("the subscriber stopped")
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
