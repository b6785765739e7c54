"""The reference scorer (scorer/) with the real google-cloud-pubsub and google-cloud-bigquery clients against
local fakes (fake_pubsub.py, fake_bigquery.py) and a local model server: an event becomes a prediction_history
row; a failing model call nacks until Pub/Sub dead-letters the event; metrics are served; SIGTERM drains."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery, pubsub_v1
from prometheus_client import start_http_server

from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS
from scorer import metrics as scorer_metrics
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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/predict"


@pytest.fixture
def env(monkeypatch):
    pubsub = FakePubSub()
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub.start())
    pubsub.create_subscription(SUBSCRIPTION, TOPIC, max_delivery_attempts=5, dead_letter_topic=DEAD_LETTER)
    bq = FakeBigQuery({TABLE: tuple(c.name for c in PREDICTION_HISTORY_COLUMNS)})
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
    metrics = ScorerMetrics()
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(settings, subscriber, bq_client, metrics, stop), daemon=True)
    state = {
        "pubsub": pubsub,
        "bq": bq,
        "model": model,
        "metrics": metrics,
        "stop": stop,
        "thread": thread,
        "settings": settings,
        "subscriber": subscriber,
        "bq_client": bq_client,
    }
    yield state
    stop.set()
    if state["thread"].ident is not None:  # a test may run its own consumer instead
        state["thread"].join(10)
    subscriber.close()
    pubsub.stop()
    bq.stop()
    model.server.shutdown()


def _event(request_id: str, pages: int = 4) -> bytes:
    return json.dumps(
        {"request_id": request_id, "event_time": 1764460800000000, "pages_viewed": pages, "device_type": "mobile"}
    ).encode()


def _until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _value(metrics: ScorerMetrics, name: str, **labels) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_an_event_becomes_a_prediction_history_row_and_is_acked(env):
    env["thread"].start()
    message_id = env["pubsub"].publish(TOPIC, _event("r-1", pages=4))
    _until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    (row,) = env["bq"].rows[TABLE]
    assert row["model"] == "intent-propensity"
    assert row["model_version"] == "7"
    assert row["pattern"] == "streaming"
    assert row["request_id"] == "r-1"
    assert json.loads(row["features"]) == {"device_type": "mobile", "pages_viewed": 4}
    assert row["predicted_label"] == "buy" and row["predicted_value"] == pytest.approx(0.4)
    assert row["latency_ms"] > 0 and row["prediction_time"]
    assert env["bq"].insert_ids[TABLE] == {"r-1"}
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked == [message_id]
    assert env["pubsub"].dead_letters(DEAD_LETTER) == []
    assert _value(env["metrics"], scorer_metrics.PREDICTIONS + "_total", model="intent-propensity") == 1


def test_a_failing_model_nacks_until_the_event_reaches_the_dead_letter_topic(env):
    env["model"].failing = True
    env["thread"].start()
    env["pubsub"].publish(TOPIC, _event("r-2"))
    _until(lambda: env["pubsub"].dead_letters(DEAD_LETTER))
    assert env["pubsub"].dead_letters(DEAD_LETTER) == [_event("r-2")]
    assert env["model"].calls == 5  # max_delivery_attempts: 1 delivery + 4 redeliveries after NACKs
    assert env["bq"].rows[TABLE] == []
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked == []
    errors = _value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="model")
    assert errors == 5


def test_a_failed_history_write_nacks_and_the_redelivery_is_written_once(env):
    env["bq"].fail_next = 1
    env["thread"].start()
    env["pubsub"].publish(TOPIC, _event("r-3"))
    _until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-3"]
    assert _value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="history") == 1


def test_metrics_are_served_in_prometheus_format(env):
    env["thread"].start()
    env["pubsub"].publish(TOPIC, _event("r-4"))
    _until(lambda: env["pubsub"].settled(SUBSCRIPTION) and env["bq"].rows[TABLE])
    server, _ = start_http_server(0, addr="127.0.0.1", registry=env["metrics"].registry)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
    assert 'modelops_scorer_predictions_total{model="intent-propensity"} 1.0' in text
    assert 'modelops_scorer_latency_seconds_count{model="intent-propensity"} 1.0' in text
    assert "# TYPE modelops_scorer_errors_total counter" in text
    assert "# TYPE modelops_scorer_latency_seconds histogram" in text


def test_shutdown_drains_the_event_in_flight_before_returning(env):
    env["model"].delay = 1.0
    env["thread"].start()
    env["pubsub"].publish(TOPIC, _event("r-5"))
    assert env["model"].started.wait(20)
    env["stop"].set()  # what SIGTERM does (scorer/main.py)
    env["thread"].join(15)
    assert not env["thread"].is_alive()
    # run() returned only after the callback in flight wrote its row and acked.
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-5"]
    _until(lambda: env["pubsub"].settled(SUBSCRIPTION), timeout=5)
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked


def test_pii_features_go_to_the_policy_tagged_column_only(env):
    """prediction_history keeps `pii: true` features in pii_features (the column under the pii policy tag,
    modules/metadata_tables.py), never in the untagged features column."""
    settings = dataclasses.replace(env["settings"], pii_features=frozenset({"device_type"}))
    env["thread"] = threading.Thread(
        target=run, args=(settings, env["subscriber"], env["bq_client"], env["metrics"], env["stop"]), daemon=True
    )
    env["thread"].start()
    env["pubsub"].publish(TOPIC, _event("r-pii", pages=2))
    _until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    (row,) = env["bq"].rows[TABLE]
    assert json.loads(row["features"]) == {"pages_viewed": 2}
    assert json.loads(row["pii_features"]) == {"device_type": "mobile"}


def test_pii_feature_names_come_from_the_environment():
    base = {"SUBSCRIPTION": "s", "HISTORY_TABLE": "t", "MODEL_NAME": "m", "MODEL_VERSION": "1", "MODEL_URL": "u"}
    assert Settings.from_env(base).pii_features == frozenset()
    assert Settings.from_env({**base, "PII_FEATURES": "email, phone,"}).pii_features == {"email", "phone"}


def test_a_subscriber_that_dies_ends_the_run_with_its_error():
    """A StreamingPull that fails by itself (e.g. PERMISSION_DENIED) must end the process, not leave a zombie pod
    whose metrics port still answers (issue 13 review, item 5)."""
    from concurrent.futures import Future

    from google.api_core.exceptions import PermissionDenied

    future: Future = Future()

    class Subscriber:
        def subscribe(self, *args, **kwargs):
            return future

    settings = Settings(subscription="s", history_table="t", model_name="m", model_version="1", model_url="u")
    outcome: list[BaseException] = []

    def consume() -> None:
        try:
            run(settings, Subscriber(), None, ScorerMetrics(), threading.Event())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    future.set_exception(PermissionDenied("caller does not have permission"))
    thread.join(5)
    assert not thread.is_alive(), "run() kept waiting after the subscriber died"
    assert len(outcome) == 1 and isinstance(outcome[0], PermissionDenied)
