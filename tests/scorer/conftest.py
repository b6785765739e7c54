"""Shared set-up of the scorer tests: the real google-cloud-pubsub and google-cloud-bigquery clients against the
local fakes (fake_pubsub.py, fake_bigquery.py), a model container on loopback, and the scorer's run()."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery, pubsub_v1

from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS
from scorer.main import run
from scorer.metrics import ScorerMetrics
from scorer.settings import Settings
from tests.scorer.fake_bigquery import FakeBigQuery
from tests.scorer.fake_pubsub import FakePubSub

PROJECT = "reach-dev"
TOPIC = f"projects/{PROJECT}/topics/reach-intent-propensity-events"
DEAD_LETTER = f"projects/{PROJECT}/topics/reach-intent-propensity-dead-letter"
SUBSCRIPTION = f"projects/{PROJECT}/subscriptions/reach-intent-propensity-scoring"
TABLE = f"{PROJECT}.modelops_reach.prediction_history"
ACK_DEADLINE_SECONDS = 60  # the scoring subscription's (modules/serving/streaming.py ACK_DEADLINE_SECONDS)
EVENT_TIME_MICROS = 1764460800000000  # 2025-11-30T00:00:00Z


class Model:
    """A model container on loopback: answers {"predictions": [...]}, or 500 while ``failing``."""

    def __init__(self) -> None:
        self.failing = False
        self.delay = 0.0
        self.started = threading.Event()
        self.calls = 0
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.calls += 1
                model.started.set()
                time.sleep(model.delay)
                if model.failing:
                    self.send_response(500)
                    self.end_headers()
                    return
                pages = body["instances"][0]["pages_viewed"]
                data = json.dumps({"predictions": [{"label": "buy", "score": min(1.0, pages / 10)}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/predict"


class Env(dict):
    """The fakes, the model, the scorer's settings and a consumer thread (started by the test)."""

    def consume(self, settings: Settings | None = None, **kwargs) -> threading.Thread:
        self["thread"] = threading.Thread(
            target=run,
            args=(settings or self["settings"], self["subscriber"], self["bq_client"], self["metrics"], self["stop"]),
            kwargs=kwargs,
            daemon=True,
        )
        self["thread"].start()
        return self["thread"]


@pytest.fixture
def env(monkeypatch):
    pubsub = FakePubSub()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub.start())
    pubsub.create_subscription(
        SUBSCRIPTION,
        TOPIC,
        max_delivery_attempts=5,
        dead_letter_topic=DEAD_LETTER,
        ack_deadline_seconds=ACK_DEADLINE_SECONDS,
    )
    bq = FakeBigQuery({TABLE: PREDICTION_HISTORY_COLUMNS})
    bq_client = bigquery.Client(
        project=PROJECT, credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=bq.start())
    )
    model = Model()
    settings = Settings(
        subscription=SUBSCRIPTION,
        history_table=TABLE,
        model_name="intent-propensity",
        model_version="7",
        model_url=model.url,
        model_timeout_seconds=5,
    )
    subscriber = pubsub_v1.SubscriberClient()
    state = Env(
        pubsub=pubsub,
        bq=bq,
        model=model,
        metrics=ScorerMetrics(),
        stop=threading.Event(),
        thread=None,
        settings=settings,
        subscriber=subscriber,
        bq_client=bq_client,
    )
    yield state
    state["stop"].set()
    if state["thread"] is not None:
        state["thread"].join(10)
    subscriber.close()
    pubsub.stop()
    bq.stop()
    model.server.shutdown()


def event(request_id: str, pages: int = 4, event_time=EVENT_TIME_MICROS) -> bytes:
    return json.dumps(
        {"request_id": request_id, "event_time": event_time, "pages_viewed": pages, "device_type": "mobile"}
    ).encode()


def until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def value(metrics: ScorerMetrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0
