"""A local HTTP fake of BigQuery's tabledata.insertAll, the call ``Client.insert_rows_json`` makes
(google-cloud-bigquery 3.30.0), so the real client runs against it.

tabledata.insertAll (https://cloud.google.com/bigquery/docs/reference/rest/v2/tabledata/insertAll):
POST /bigquery/v2/projects/{projectId}/datasets/{datasetId}/tables/{tableId}/insertAll, body
``{"rows": [{"insertId", "json"}], ...}``, answer ``{"kind": "bigquery#tableDataInsertAllResponse",
"insertErrors": [{"index", "errors": [...]}]}``. The fake checks every row against the table's columns
(an unknown field is an insert error unless ignoreUnknownValues, as the reference says) and keeps one row
per insertId (best-effort de-duplication, https://cloud.google.com/bigquery/docs/streaming-data-into-bigquery#dataconsistency).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROUTE = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll$")


class FakeBigQuery:
    def __init__(self, tables: dict[str, tuple[str, ...]]) -> None:
        """``tables``: `project.dataset.table` -> its column names."""
        self.tables = tables
        self.rows: dict[str, list[dict]] = {name: [] for name in tables}
        self.insert_ids: dict[str, set[str]] = {name: set() for name in tables}
        self.fail_next = 0  # answer this many calls with a per-row insert error (HTTP 200, insertErrors)
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                match = ROUTE.match(self.path.split("?")[0])
                status, answer = fake.insert_all(match, body) if match else (404, {"error": {"code": 404}})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def insert_all(self, match, body) -> tuple[int, dict]:
        table = ".".join(match.groups())
        with self.lock:
            if self.fail_next:
                # A row-level error arrives in a 200 answer, so the client does not retry it: the caller must.
                self.fail_next -= 1
                rows = body.get("rows", [])
                return 200, {
                    "kind": "bigquery#tableDataInsertAllResponse",
                    "insertErrors": [
                        {"index": i, "errors": [{"reason": "backendError", "message": "transient"}]}
                        for i in range(len(rows))
                    ],
                }
            if table not in self.tables:
                return 404, {"error": {"code": 404, "message": f"Not found: Table {table}", "status": "NOT_FOUND"}}
            columns, errors = set(self.tables[table]), []
            for index, row in enumerate(body.get("rows", [])):
                unknown = sorted(set(row["json"]) - columns)
                if unknown and not body.get("ignoreUnknownValues"):
                    errors.append(
                        {
                            "index": index,
                            "errors": [{"reason": "invalid", "location": unknown[0], "message": "no such field."}],
                        }
                    )
            if errors:
                return 200, {"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": errors}
            for row in body.get("rows", []):
                insert_id = row.get("insertId")
                if insert_id and insert_id in self.insert_ids[table]:
                    continue
                self.insert_ids[table].add(insert_id)
                self.rows[table].append(row["json"])
        return 200, {"kind": "bigquery#tableDataInsertAllResponse"}

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
