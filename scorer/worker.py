"""One event: decode, call the model, append the history row, then ack; any failure nacks, so Pub/Sub
redelivers it and, after the subscription's max_delivery_attempts, forwards it to the dead-letter topic
(https://cloud.google.com/pubsub/docs/handling-failures#dead_letter_topic)."""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from scorer import history, model_client
from scorer.metrics import ScorerMetrics
from scorer.settings import Settings

LOG = logging.getLogger("scorer")


class Scorer:
    def __init__(
        self,
        settings: Settings,
        bigquery_client,
        metrics: ScorerMetrics,
        *,
        predict: Callable[[str, dict[str, Any], float], Any] = model_client.predict,
        clock: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
    ) -> None:
        self.settings = settings
        self.bigquery = bigquery_client
        self.metrics = metrics
        self.predict = predict
        self.clock = clock

    def __call__(self, message) -> None:
        """The subscriber callback (google.cloud.pubsub_v1 calls it on its executor threads)."""
        model = self.settings.model_name
        stage = "decode"
        try:
            # the topic's schema encoding is JSON (modules/serving/streaming.py)
            event = history.unwrap_unions(json.loads(message.data))
            if not isinstance(event, dict) or not event.get("request_id"):
                raise ValueError("event is not an object with a request_id")
            history.event_time(event)  # the contract's timestamp-micros; a malformed one is the event's fault
            stage = "model"
            started = time.perf_counter()
            prediction = self.predict(self.settings.model_url, event, self.settings.model_timeout_seconds)
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(model).observe(elapsed)
            stage = "history"
            history.append(
                self.bigquery,
                self.settings.history_table,
                [
                    history.row(
                        model=model,
                        version=self.settings.model_version,
                        event=event,
                        prediction=prediction,
                        latency_ms=elapsed * 1000,
                        now=self.clock(),
                        pii_features=self.settings.pii_features,
                    )
                ],
            )
        except Exception as exc:  # every failure is the event's: nack it, count it, keep consuming
            self.metrics.errors.labels(model, stage).inc()
            LOG.warning("nack %s (%s): %s", message.message_id, stage, exc)
            message.nack()
            return
        self.metrics.predictions.labels(model).inc()
        message.ack()
