"""At-least-once delivery meets best-effort de-duplication (issue 13 review, items 10 and 12).

Pub/Sub may deliver a message again: the scoring subscription has no exactly-once delivery, so a lost ack lets
the lease expire and the message comes back with the next delivery attempt (fake_pubsub.py SOURCES "lost_ack",
"lease_expiry"). The row's insertId (the request id) keeps the second write out of prediction_history only if it
arrives while BigQuery still remembers the id: at least one minute, best effort (fake_bigquery.py SOURCES
"dedupe_window"). After that the table holds two rows for the request, which is why readers de-duplicate on
(model, request_id) (scorer/README.md)."""

from __future__ import annotations

from scorer import metrics as scorer_metrics
from tests.scorer.conftest import SUBSCRIPTION, TABLE, TOPIC, event, until, value
from tests.scorer.fake_bigquery import DEDUPE_WINDOW_SECONDS

# The scoring subscription's retry_policy minimum_backoff (modules/serving/streaming.py): Pub/Sub waits at least this
# long before redelivering a message whose deadline passed. The fake does not model the backoff; a test lets it
# pass on the clocks together with the lease.
MINIMUM_BACKOFF_SECONDS = 10


def _lose_the_ack_and_let_the_lease_expire(env, request_id: str, *, backoff: float) -> str:
    """Score one event whose ack is lost, then let its lease's deadline and ``backoff`` seconds pass on both
    fakes' clocks."""
    env["pubsub"].lose_acks = 1
    env.consume()
    message_id = env["pubsub"].publish(TOPIC, event(request_id))
    until(lambda: env["bq"].rows[TABLE] and env["model"].calls == 1)
    sub = env["pubsub"].subscriptions[SUBSCRIPTION]
    until(lambda: env["pubsub"].lose_acks == 0)  # the scorer acked; the fake dropped it
    assert sub.acked == [] and sub.outstanding  # still leased: the service never saw the ack
    # The client stopped extending the lease when it acked; the deadline is its last extension's.
    (remaining,) = env["pubsub"].lease_remaining(SUBSCRIPTION)
    elapsed = remaining + backoff
    env["bq"].advance(elapsed)
    env["pubsub"].advance(elapsed)  # the lease's deadline passes: an ack_deadline exceeds event
    until(lambda: env["model"].calls == 2 and env["pubsub"].settled(SUBSCRIPTION))
    assert sub.expired == 1
    # The expiry counts as a delivery attempt (ReceivedMessage.delivery_attempt).
    assert sub.deliveries == [(message_id, 1), (message_id, 2)]
    assert sub.acked == [message_id]
    return message_id


def test_a_redelivery_within_the_dedupe_window_is_written_once(env):
    """The first redelivery: the lease the client last extended (10 s, google-cloud-pubsub's minimum lease)
    plus the minimum backoff, well inside the minute BigQuery remembers the insertId."""
    _lose_the_ack_and_let_the_lease_expire(env, "r-lost-ack", backoff=MINIMUM_BACKOFF_SECONDS)
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-lost-ack"]
    assert env["bq"].deduplicated == 1
    assert value(env["metrics"], scorer_metrics.PREDICTIONS + "_total", model="intent-propensity") == 2


def test_a_redelivery_after_the_dedupe_window_is_a_second_row(env):
    """Documents the duplicate readers must expect: a redelivery whose backoff grew past the window (the policy's
    maximum_backoff is 600 s) writes the same model and request_id again."""
    _lose_the_ack_and_let_the_lease_expire(env, "r-late", backoff=DEDUPE_WINDOW_SECONDS)
    rows = env["bq"].rows[TABLE]
    assert [(r["model"], r["request_id"]) for r in rows] == [("intent-propensity", "r-late")] * 2
    assert env["bq"].deduplicated == 0


def test_a_history_write_whose_answer_is_lost_is_retried_and_kept_once(env):
    """The first insertAll is committed but its answer never arrives; google-cloud-bigquery retries the same
    body (same insertIds) and the fake drops the repeated row: one row, one ack, no error. Without insertIds
    (history.append's row_ids) this test would find two rows."""
    env["bq"].lose_answers = 1
    env.consume()
    message_id = env["pubsub"].publish(TOPIC, event("r-3"))
    until(lambda: env["pubsub"].settled(SUBSCRIPTION))
    assert [r["request_id"] for r in env["bq"].rows[TABLE]] == ["r-3"]
    assert env["bq"].requests == 2 and env["bq"].deduplicated == 1
    assert env["pubsub"].subscriptions[SUBSCRIPTION].acked == [message_id]
    assert value(env["metrics"], scorer_metrics.ERRORS + "_total", model="intent-propensity", stage="history") == 0
