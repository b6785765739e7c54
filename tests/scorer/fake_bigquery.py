"""A local HTTP fake of BigQuery's tabledata.insertAll, the call ``Client.insert_rows_json`` makes
(google-cloud-bigquery 3.30.0), so the real client runs against it.

tabledata.insertAll (https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/insertAll):
POST /bigquery/v2/projects/{projectId}/datasets/{datasetId}/tables/{tableId}/insertAll, body
``{"rows": [{"insertId", "json"}], ...}``, answer ``{"kind": "bigquery#tableDataInsertAllResponse",
"insertErrors": [{"index", "errors": [...]}]}``. Behaviours, each with its source in ``SOURCES``:

- every row is checked against the table's columns as the platform declares them (the ``Column`` specs the
  table is synthesized from, modules/metadata_tables.py): unknown field, REQUIRED field missing or null, a value
  that does not fit the column's type; any invalid row fails the whole request (no ``skipInvalidRows``);
- insertIds de-duplicate within a window only: the fake forgets an insertId ``dedupe_window_seconds`` (60, the
  documented minimum) after it was first written, so a retry after that is a second row;
- ``lose_answers`` commits a request's rows and then drops the connection without an answer (the "client might
  receive a failure response even if the server has successfully handled the request" case), which the client
  retries with the same insertIds.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from modules.bigquery_tables import Column
from tests.helpers import send_json

ROUTE = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll$")
DEDUPE_WINDOW_SECONDS = 60.0

SOURCES = {
    "dedupe_window": "https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency: "
    "'To help ensure data consistency, you can supply insertId for each inserted row. BigQuery remembers this ID "
    "for at least one minute. If you try to stream the same set of rows within that time period and the insertId "
    "property is set, BigQuery uses the insertId property to de-duplicate your data on a best effort basis.' "
    "(the same wording is in Google's client docs, googleapis/google-cloud-dotnet BigQueryInsertRow.InsertId). "
    "The fake keeps an id exactly the guaranteed minute: the worst case a reader must expect.",
    "unknown_field": "ignoreUnknownValues (google-cloud-bigquery 3.30.0 client.py:3815, Client.insert_rows_json, "
    "as in the insertAll reference): 'Accept rows that contain values that do not match the schema. The unknown "
    "values are ignored. Default is False, which treats unknown values as errors.'",
    "all_or_nothing": "skipInvalidRows (same docstring, client.py:3811): 'Insert all valid rows of a request, even "
    "if invalid rows exist. The default value is False, which causes the entire request to fail if any invalid "
    "rows exist.'",
    "required": "https://cloud.google.com/bigquery/docs/schemas#modes: 'REQUIRED: NULL values are not allowed.'",
    "float_values": "BigQuery refuses a value it cannot read as a number with 'Cannot convert value to floating "
    "point (bad value)' (googleapis/nodejs-bigquery#45); the fake accepts JSON numbers and numeric strings.",
    "timestamp_values": "https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#timestamp_type: "
    "the canonical format is a date YYYY-[M]M-[D]D, optionally followed by a time ([H]H:[M]M:[S]S[.F], after a space "
    "or T) and a time zone; the fake reads it with datetime.fromisoformat and also takes a JSON number (seconds "
    "since the epoch), which the scorer never sends.",
    "lost_answer": "https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency: insertIds "
    "exist because a request may have succeeded although its answer did not arrive; google-cloud-bigquery 3.30.0 "
    "retries requests.exceptions.ConnectionError (google/cloud/bigquery/retry.py _UNSTRUCTURED_RETRYABLE_TYPES) "
    "with the same body.",
}


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _is_timestamp(value: Any) -> bool:
    if _is_number(value) and not isinstance(value, str):
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace(" UTC", "+00:00"))
    except ValueError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.lstrip("-").isdigit()
    )


TYPE_CHECKS = {
    "STRING": lambda v: isinstance(v, str),
    "FLOAT64": _is_number,
    "INT64": _is_int,
    "BOOL": lambda v: isinstance(v, bool) or v in ("true", "false"),
    "TIMESTAMP": _is_timestamp,
    "DATE": lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", v)),
    "JSON": lambda v: True,
}


def row_errors(columns: Sequence[Column], row: dict[str, Any], ignore_unknown: bool = False) -> list[dict]:
    """The insert errors BigQuery reports for one row (reason, location, message)."""
    by_name = {c.name: c for c in columns}
    errors = []
    if not ignore_unknown:
        for name in sorted(set(row) - set(by_name)):
            errors.append({"reason": "invalid", "location": name, "message": "no such field."})
    for column in columns:
        value = row.get(column.name)
        if value is None:
            if column.mode == "REQUIRED":
                errors.append(
                    {"reason": "invalid", "location": column.name, "message": f"Missing required field: {column.name}."}
                )
            continue
        if column.mode == "REPEATED" and not isinstance(value, list):
            errors.append(
                {"reason": "invalid", "location": column.name, "message": f"Expected an array for {column.name}."}
            )
            continue
        values = value if column.mode == "REPEATED" else [value]
        check = TYPE_CHECKS[column.type]
        for item in values:
            if not check(item):
                errors.append(
                    {
                        "reason": "invalid",
                        "location": column.name,
                        "message": f"Cannot convert value to {column.type} (bad value): {str(item)[:80]}",
                    }
                )
    return errors


class FakeBigQuery:
    def __init__(self, tables: dict[str, Sequence[Column]], dedupe_window_seconds: float = DEDUPE_WINDOW_SECONDS):
        """``tables``: `project.dataset.table` -> its columns (the platform's ``Column`` specs)."""
        self.tables = tables
        self.rows: dict[str, list[dict]] = {name: [] for name in tables}
        self.insert_ids: dict[str, dict[str, float]] = {name: {} for name in tables}  # id -> when first written
        self.dedupe_window_seconds = dedupe_window_seconds
        self.deduplicated = 0  # rows dropped because their insertId was seen within the window
        self.requests = 0
        self.fail_next = 0  # answer this many calls with a per-row insert error (HTTP 200, insertErrors)
        self.lose_answers = 0  # commit this many calls' rows, then close the connection without an answer
        self.skew = 0.0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def column_names(self, table: str) -> set[str]:
        return {c.name for c in self.tables[table]}

    def now(self) -> float:
        return time.monotonic() + self.skew

    def advance(self, seconds: float) -> None:
        """Let time pass for the dedupe window (the test's clock, not the wall clock)."""
        with self.lock:
            self.skew += seconds

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                match = ROUTE.match(self.path.split("?")[0])
                status, answer = fake.insert_all(match, body) if match else (404, {"error": {"code": 404}})
                if answer is None:  # the answer is lost
                    self.close_connection = True
                    return
                send_json(self, status, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def insert_all(self, match, body) -> tuple[int, dict | None]:
        table = ".".join(match.groups())
        rows = body.get("rows", [])
        with self.lock:
            self.requests += 1
            if self.fail_next:
                # A row-level error arrives in a 200 answer, so the client does not retry it: the caller must.
                self.fail_next -= 1
                return 200, {
                    "kind": "bigquery#tableDataInsertAllResponse",
                    "insertErrors": [
                        {"index": i, "errors": [{"reason": "backendError", "message": "transient"}]}
                        for i in range(len(rows))
                    ],
                }
            if table not in self.tables:
                return 404, {"error": {"code": 404, "message": f"Not found: Table {table}", "status": "NOT_FOUND"}}
            ignore_unknown = bool(body.get("ignoreUnknownValues"))
            errors = [
                {"index": i, "errors": found}
                for i, r in enumerate(rows)
                if (found := row_errors(self.tables[table], r["json"], ignore_unknown))
            ]
            if errors:
                return 200, {"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": errors}
            now, seen = self.now(), self.insert_ids[table]
            for r in rows:
                insert_id = r.get("insertId")
                if insert_id and insert_id in seen and now - seen[insert_id] < self.dedupe_window_seconds:
                    self.deduplicated += 1
                    continue
                if insert_id:
                    seen[insert_id] = now
                self.rows[table].append({k: v for k, v in r["json"].items() if k in self.column_names(table)})
            if self.lose_answers:
                self.lose_answers -= 1
                return 200, None
        return 200, {"kind": "bigquery#tableDataInsertAllResponse"}

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
