"""A loopback BigQuery REST fake for `modelops report`: jobs.query runs the query on DuckDB.

What it implements, from Google's reference:
- `POST /bigquery/v2/projects/{projectId}/queries` (jobs.query,
  https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/query): request `query`, `useLegacySql`,
  `parameterMode` NAMED and `queryParameters` (QueryParameter: name, parameterType.type,
  parameterValue.value, https://cloud.google.com/bigquery/docs/reference/rest/v2/QueryParameter); response
  `kind` bigquery#queryResponse, `schema.fields` (name, type, mode), `jobReference`, `totalRows` (a string),
  `rows` of `{"f": [{"v": value}]}` with every value as a string or null, and `jobComplete` true (all rows in one
  page, so the client needs no getQueryResults call).
- `GET /bigquery/v2/projects/{projectId}/queries/{jobId}` (jobs.getQueryResults,
  https://cloud.google.com/bigquery/docs/reference/rest/v2/jobs/getQueryResults): the same rows again.
Anything else is a 404, so a call the report should not make fails the test.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from scripts.report.duck import Duck
from tests.helpers import send_json

TYPES = {"DATE": datetime.date.fromisoformat, "STRING": str, "INT64": int, "FLOAT64": float}


def _field_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, datetime.date) for v in present):
        return "DATE"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "FLOAT"
    return "STRING"


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, datetime.datetime):
        v = v.date()
    return v.isoformat() if isinstance(v, datetime.date) else str(v)


class FakeBigQuery:
    def __init__(self, duck: Duck):
        self.duck = duck
        self.requests: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}

    def query(self, project: str, body: dict[str, Any]) -> dict[str, Any]:
        self.requests.append({"project": project, **body})
        params = {
            p["name"]: TYPES[p["parameterType"]["type"]](p["parameterValue"]["value"])
            if p["parameterValue"].get("value") is not None
            else None
            for p in body.get("queryParameters", [])
        }
        rows = self.duck.query(body["query"], params)
        names = list(rows[0]) if rows else []
        fields = [{"name": n, "type": _field_type([r[n] for r in rows]), "mode": "NULLABLE"} for n in names]
        job_id = f"job_{len(self.requests)}"
        response = {
            "kind": "bigquery#queryResponse",
            "schema": {"fields": fields},
            "jobReference": {"projectId": project, "jobId": job_id, "location": "europe-west4"},
            "totalRows": str(len(rows)),
            "rows": [{"f": [{"v": _cell(r[n])} for n in names]} for r in rows],
            "jobComplete": True,
        }
        self.results[job_id] = response
        return response


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBigQuery

    def _send(self, status: int, body: dict[str, Any]) -> None:
        send_json(self, status, body)

    def do_POST(self) -> None:
        found = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries", self.path.split("?")[0])
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if not found:
            self._send(404, {"error": {"code": 404, "message": f"not in the fake: POST {self.path}"}})
            return
        try:
            self._send(200, self.fake.query(found.group(1), body))
        except Exception as exc:  # a query DuckDB refuses: BigQuery would answer 400 invalidQuery
            self._send(400, {"error": {"code": 400, "message": str(exc), "errors": [{"reason": "invalidQuery"}]}})

    def do_GET(self) -> None:
        found = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", self.path.split("?")[0])
        if not found or found.group(2) not in self.fake.results:
            self._send(404, {"error": {"code": 404, "message": f"not in the fake: GET {self.path}"}})
            return
        self._send(200, self.fake.results[found.group(2)])

    def log_message(self, *args: Any) -> None:
        pass


class FakeBigQueryServer:
    def __init__(self, fake: FakeBigQuery):
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeBigQueryServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
