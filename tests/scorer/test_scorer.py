"""The reference scorer (scorer/) with the real google-cloud-pubsub and google-cloud-bigquery clients against
local fakes (fake_pubsub.py, fake_bigquery.py) and a local model server: an event becomes a prediction_history
row; a failing model call nacks until Pub/Sub dead-letters the event; metrics are served; SIGTERM drains."""

from __future__ import annotations

import dataclasses
import json
import threading

import pytest

from scorer import metrics as scorer_metrics
from scorer.main import run
from scorer.metrics import ScorerMetrics
from scorer.settings import Settings
from tests.scorer.conftest import DEAD_LETTER, SUBSCRIPTION, TABLE, TOPIC, event, until, value


def test_an_event_becomes_a_prediction_history_row_and_is_acked(env):
    env.consume()
    message_id = env["pubsub"].publish(TOPIC, event("r-1", pages=4))
    until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    (row,) = env["bq"].rows[TABLE]
    assert row["model"] == "intent-propensity"
    assert row["model_version"] == "7"
    assert row["pattern"] == "streaming"
    assert row["request_id"] == "r-1"
    features = json.loads(row["features"])
    assert features == {"device_type": "mobile", "pages_viewed": 4}
    assert row["event_time"] == "2025-11-30T00:00:00+00:00"
    assert row["predicted_label"] == "buy" and row["predicted_value"] == pytest.approx(0.4)
    assert row["latency_ms"] > 0 and row["prediction_time"]
    assert set(env["bq"].insert_ids[TABLE]) == {"r-1"}
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked == [message_id]
    assert env["pubsub"].dead_letters(DEAD_LETTER) == []
    assert value(env["metrics"], scorer_metrics.PREDICTIONS + "_total", model="intent-propensity") == 1


def test_a_failing_model_nacks_until_the_event_reaches_the_dead_letter_topic(env):
    env["model"].failing = True
    env.consume()
    env["pubsub"].publish(TOPIC, event("r-2"))
    until(lambda: env["pubsub"].dead_letters(DEAD_LETTER))
    assert env["pubsub"].dead_letters(DEAD_LETTER) == [event("r-2")]
    assert env["model"].calls == 5  # max_delivery_attempts: 1 delivery + 4 redeliveries after NACKs
    assert [attempt for _, attempt in env["pubsub"].subscriptions[SUBSCRIPTION].deliveries] == [1, 2, 3, 4, 5]
    assert env["bq"].rows[TABLE] == []
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked == []
    errors = value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="model")
    assert errors == 5


def test_a_refused_history_write_nacks_and_the_redelivery_writes_the_row(env):
    """insertErrors in a 200 answer: nothing was written, the client does not retry, the scorer nacks."""
    env["bq"].fail_next = 1
    env.consume()
    env["pubsub"].publish(TOPIC, event("r-3"))
    until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-3"]
    assert env["model"].calls == 2
    assert value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="history") == 1


def test_shutdown_drains_the_event_in_flight_before_returning(env):
    env["model"].delay = 1.0
    thread = env.consume()
    env["pubsub"].publish(TOPIC, event("r-5"))
    assert env["model"].started.wait(20)
    env["stop"].set()  # what SIGTERM does (scorer/main.py)
    thread.join(15)
    assert not thread.is_alive()
    # run() returned only after the callback in flight wrote its row and acked.
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-5"]
    until(lambda: env["pubsub"].settled(SUBSCRIPTION), timeout=5)
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked


def test_pii_features_go_to_the_policy_tagged_column_only(env):
    """prediction_history keeps `pii: true` features in pii_features (the column under the pii policy tag,
    modules/metadata_tables.py), never in the untagged features column."""
    env.consume(dataclasses.replace(env["settings"], pii_features=frozenset({"device_type"})))
    env["pubsub"].publish(TOPIC, event("r-pii", pages=2))
    until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    (row,) = env["bq"].rows[TABLE]
    assert json.loads(row["features"]) == {"pages_viewed": 2}
    assert json.loads(row["pii_features"]) == {"device_type": "mobile"}


def test_an_event_without_a_valid_event_time_is_nacked_at_decode(env):
    """The topic schema makes event_time a required timestamp-micros (modules/serving/streaming.py avro_schema):
    an event that breaks the contract is the event's fault and ends in the dead-letter topic."""
    env.consume()
    env["pubsub"].publish(TOPIC, event("r-bad", event_time="yesterday"))
    until(lambda: env["pubsub"].dead_letters(DEAD_LETTER))
    assert env["model"].calls == 0 and env["bq"].rows[TABLE] == []
    assert value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="decode") == 5


def test_settings_come_from_the_environment():
    base = {"SUBSCRIPTION": "s", "HISTORY_TABLE": "t", "MODEL_NAME": "m", "MODEL_VERSION": "1", "MODEL_URL": "u"}
    assert Settings.from_env(base).pii_features == frozenset()
    assert Settings.from_env({**base, "PII_FEATURES": "email, phone,"}).pii_features == {"email", "phone"}
    with pytest.raises(SystemExit, match="missing environment variables: MODEL_NAME, MODEL_URL"):
        Settings.from_env({k: v for k, v in base.items() if k not in ("MODEL_URL", "MODEL_NAME")})
    with pytest.raises(SystemExit) as raised:
        Settings.from_env({**base, "METRICS_PORT": "http", "MODEL_TIMEOUT_SECONDS": "-1"})
    assert str(raised.value) == (
        "scorer: METRICS_PORT must be a whole number, got 'http'; MODEL_TIMEOUT_SECONDS must be positive, got '-1'"
    )


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


def test_an_avro_json_encoded_event_reaches_the_model_and_the_row_as_bare_values(env):
    """The topic's schema encoding is JSON and every feature is a ["null", T] union: under Avro's JSON encoding a
    publisher sends {"long": 4} (https://avro.apache.org/docs/1.11.1/specification/#json-encoding). The scorer reads
    both shapes alike."""
    env.consume()
    wrapped = {
        "request_id": "r-avro",
        "event_time": json.loads(event("x"))["event_time"],
        "pages_viewed": {"long": 4},
        "device_type": {"string": "mobile"},
    }
    env["pubsub"].publish(TOPIC, json.dumps(wrapped).encode())
    until(lambda: env["bq"].rows[TABLE] and env["pubsub"].settled(SUBSCRIPTION))
    (row,) = env["bq"].rows[TABLE]
    assert json.loads(row["features"]) == {"device_type": "mobile", "pages_viewed": 4}
