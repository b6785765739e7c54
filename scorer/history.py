"""prediction_history rows (the team dataset's table, modules/metadata_tables.py PREDICTION_HISTORY_COLUMNS),
appended with tabledata.insertAll (``Client.insert_rows_json``, the permission the serving account holds:
bigquery.tables.updateData, policies/iam/contract.yaml).

The event's request id is the row's insertId. BigQuery "remembers this ID for at least one minute" and
de-duplicates "on a best effort basis"
(https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency), so a redelivery within
that window is usually kept once, and one after it (a lost ack, a lease that expired, Pub/Sub's retry backoff of
up to 600 s) is a second row: readers de-duplicate on (model, request_id) (scorer/README.md)."""

from __future__ import annotations

import datetime
import json
from typing import Any

EVENT_FIELDS = ("request_id", "event_time")  # the event contract's own fields (modules/serving/streaming.py)
# The `source` value of the scorer's rows: config/patterns.py HistorySource.SCORER, one of the values the
# column's description lists (modules/metadata_tables.py). The scorer imports nothing of the platform, so the
# value is repeated here and a test keeps the two equal.
SOURCE = "scorer"
# The event's own time, kept in the NULLABLE TIMESTAMP column of that name (modules/metadata_tables.py).
EVENT_TIME = "event_time"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


# Avro's JSON encoding of a union value other than null: "a JSON object with one name/value pair whose name is the
# type's name and whose value is the recursively encoded value" (Avro specification, "JSON Encoding",
# https://avro.apache.org/docs/1.11.1/specification/#json-encoding). The topic schema makes every feature
# ["null", <primitive>] (modules/serving/streaming.py avro_schema), so a publisher that follows the Avro JSON
# encoding sends {"long": 4}; one that does not sends 4. Both are read as the bare value.
AVRO_PRIMITIVES = frozenset({"boolean", "int", "long", "float", "double", "bytes", "string"})


def unwrap_unions(event: Any) -> Any:
    """The event with every Avro-JSON-encoded union value of a field replaced by the value itself."""
    if not isinstance(event, dict):
        return event
    return {
        k: next(iter(v.values())) if isinstance(v, dict) and len(v) == 1 and set(v) <= AVRO_PRIMITIVES else v
        for k, v in event.items()
    }


class HistoryWriteError(Exception):
    """BigQuery refused the row (insertErrors) or the call failed."""


def event_time(event: dict[str, Any]) -> datetime.datetime:
    """The event's time: Avro ``timestamp-micros`` (modules/serving/streaming.py avro_schema), which the topic's
    JSON encoding carries as a number of microseconds since the epoch."""
    value = event.get(EVENT_TIME)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"event_time must be microseconds since the epoch (an integer), got {value!r}")
    return _EPOCH + datetime.timedelta(microseconds=value)


def row(
    *,
    model: str,
    version: str,
    event: dict[str, Any],
    prediction: Any,
    latency_ms: float,
    now: datetime.datetime,
    pii_features: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Features marked ``pii: true`` go to ``pii_features``, the column under the pii policy tag
    (modules/metadata_tables.py; the quality SQL reads pii features from it, modules/quality/sql.py), never to
    the untagged ``features`` column (issue 13 review, item 4). The event time is kept in its own column
    (review item 16)."""
    inputs = {k: v for k, v in event.items() if k not in EVENT_FIELDS}
    features = {k: v for k, v in inputs.items() if k not in pii_features}
    pii = {k: v for k, v in inputs.items() if k in pii_features}
    happened = event_time(event).isoformat()
    label, value = _prediction(prediction)
    out = {
        "prediction_time": now.isoformat(),
        "model": model,
        "model_version": version,
        "pattern": "streaming",
        "source": SOURCE,
        "request_id": event.get("request_id"),
        "features": json.dumps(features, sort_keys=True),
        "pii_features": json.dumps(pii, sort_keys=True) if pii else None,
        "predicted_label": label,
        "predicted_value": value,
        "latency_ms": latency_ms,
        EVENT_TIME: happened,
    }
    return out


def _prediction(prediction: Any) -> tuple[str | None, float | None]:
    """A number is a score; a string a label; an object may carry both (`label`, `score`)."""
    if isinstance(prediction, bool):
        return str(prediction).lower(), None
    if isinstance(prediction, (int, float)):
        return None, float(prediction)
    if isinstance(prediction, str):
        return prediction, None
    if isinstance(prediction, dict):
        score = prediction.get("score", prediction.get("value"))
        label = prediction.get("label")
        return (str(label) if label is not None else None), (float(score) if score is not None else None)
    return None, None


def append(client, table: str, rows: list[dict[str, Any]]) -> None:
    try:
        errors = client.insert_rows_json(table, rows, row_ids=[r["request_id"] for r in rows])
    except Exception as exc:  # the client raises google.api_core exceptions on HTTP errors
        raise HistoryWriteError(str(exc)) from exc
    if errors:
        raise HistoryWriteError(json.dumps(errors)[:500])
