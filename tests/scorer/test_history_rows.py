"""The rows the scorer writes fit prediction_history as the platform declares it (modules/metadata_tables.py), and
the fake BigQuery refuses rows that do not, through the real google-cloud-bigquery client (issue 13 review,
items 12 and 16)."""

from __future__ import annotations

import datetime
import json

import pytest
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from config.patterns import STREAMING, HistorySource
from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS
from scorer import history
from tests.scorer.conftest import EVENT_TIME_MICROS, TABLE
from tests.scorer.fake_bigquery import FakeBigQuery, row_errors

NOW = datetime.datetime(2025, 11, 30, 0, 0, 1, tzinfo=datetime.UTC)
EVENT = {"request_id": "r-1", "event_time": EVENT_TIME_MICROS, "pages_viewed": 4, "email": "a@example.com"}


def _row(prediction=0.4, **kwargs):
    return history.row(model="m", version="7", event=EVENT, prediction=prediction, latency_ms=3.5, now=NOW, **kwargs)


@pytest.mark.parametrize("prediction", [0.4, 1, "buy", True, {"label": "buy", "score": 0.9}, {"label": "x"}, None])
def test_every_prediction_shape_makes_a_valid_row(prediction):
    row = _row(prediction, pii_features=frozenset({"email"}))
    assert row_errors(PREDICTION_HISTORY_COLUMNS, row) == []
    assert "email" not in json.loads(row["features"])


def test_the_source_is_the_streaming_patterns_and_the_column_names_it():
    """config/patterns.py says how each pattern's predictions reach prediction_history; the column's description
    lists the values (modules/metadata_tables.py)."""
    assert STREAMING.history is HistorySource.SCORER
    assert _row()["source"] == history.SOURCE == HistorySource.SCORER.value
    source = next(c for c in PREDICTION_HISTORY_COLUMNS if c.name == "source")
    assert history.SOURCE in source.description


def test_event_time_goes_to_its_own_column():
    row = _row()
    assert row["event_time"] == "2025-11-30T00:00:00+00:00"
    assert "event_time" not in json.loads(row["features"])
    columns = {c.name: c for c in PREDICTION_HISTORY_COLUMNS}
    assert (columns["event_time"].type, columns["event_time"].mode) == ("TIMESTAMP", "NULLABLE")
    assert row_errors(PREDICTION_HISTORY_COLUMNS, row) == []


@pytest.fixture
def bq():
    fake = FakeBigQuery({TABLE: PREDICTION_HISTORY_COLUMNS})
    client = bigquery.Client(
        project="reach-dev", credentials=AnonymousCredentials(), client_options=ClientOptions(api_endpoint=fake.start())
    )
    yield fake, client
    fake.stop()


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        ({"prediction_time": None}, "prediction_time", "Missing required field: prediction_time."),
        ({"model": None}, "model", "Missing required field: model."),
        ({"predicted_value": "buy"}, "predicted_value", "Cannot convert value to FLOAT64 (bad value): buy"),
        (
            {"prediction_time": "yesterday"},
            "prediction_time",
            "Cannot convert value to TIMESTAMP (bad value): yesterday",
        ),
        ({"latency_ms": True}, "latency_ms", "Cannot convert value to FLOAT64 (bad value): True"),
        ({"request_payload": "{}"}, "request_payload", "Expected an array for request_payload."),
        ({"request_payload": [1]}, "request_payload", "Cannot convert value to STRING (bad value): 1"),
        ({"entity": "c-1"}, "entity", "no such field."),
    ],
)
def test_the_fake_refuses_rows_that_do_not_fit_the_table(bq, change, location, message):
    fake, client = bq
    row = {k: v for k, v in {**_row(), **change}.items() if v is not None}
    errors = client.insert_rows_json(TABLE, [_row(), row], row_ids=["a", "b"])
    assert [e["index"] for e in errors] == [1]  # the valid row is reported fine...
    (error,) = errors[0]["errors"]
    assert (error["location"], error["message"][: len(message)]) == (location, message)
    assert fake.rows[TABLE] == []  # ...but nothing is written: skipInvalidRows is false


def test_a_numeric_string_is_a_float_as_bigquery_reads_it(bq):
    fake, client = bq
    assert client.insert_rows_json(TABLE, [{**_row(), "predicted_value": "0.25"}]) == []
    assert len(fake.rows[TABLE]) == 1
