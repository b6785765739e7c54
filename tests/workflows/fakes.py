"""Fake Google services behind the Workflows connectors our definitions call, answering as Google documents.

- `Clock`: `sys.now()`; `sys.sleep` and every connector that waits advance it.
- `FakeBigQuery`: `jobs.insert` runs the query on DuckDB (BigQuery SQL transpiled by sqlglot, the
  tables created from modules/metadata_tables.py's specs) and `jobs.getQueryResults` returns the rows
  in the REST shape (strings in `rows[].f[].v`, no `rows` when empty). A failing statement becomes
  the connector's OperationError (no `code`). `INFORMATION_SCHEMA.TABLES` of a dataset is a view
  over DuckDB's catalog; `ALTER TABLE ... SET OPTIONS (expiration_timestamp ...)` is recorded in
  `expirations` (DuckDB has no table options).
- `FakeVertex`: batch prediction jobs that follow a scripted state timeline, read their BigQuery
  input, send each row to a model function as the job's `instanceConfig` shapes it, and write
  `predictions_<ts>` / `errors_<ts>` tables into the output dataset.
- `FakeMonitoring`: `timeSeries.create` through `http.post`, refusing points Cloud Monitoring refuses.

Connector waiting follows https://cloud.google.com/workflows/docs/connectors ("Long-running
operations"): a long-running call blocks until the operation is done, raising TimeoutError after
`connector_params.timeout` seconds (default 1800), unless `connector_params.skip_polling` is true.
Response and error shapes come from tests/workflows/recorded/*.json, each naming its source.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from modules.bigquery_tables import Column, TableSpec
from modules.monitoring.metrics import CUSTOM_METRICS, CustomMetric
from tests.quality.duck import duck_column, to_duckdb
from tests.workflows.expressions import Unsupported, WorkflowError, standard_library
from tests.workflows.interpreter import Interpreter

RECORDED = Path(__file__).parent / "recorded"
logging.getLogger("sqlglot").setLevel(logging.ERROR)  # BigQuery OPTIONS (...) have no DuckDB form: dropped on purpose
DEFAULT_LRO_TIMEOUT = 1800  # connectors reference: connector_params.timeout default
MAX_PAST_SECONDS = 25 * 3600  # TimeInterval: end time at most 25 hours in the past
MAX_FUTURE_SECONDS = 5 * 60  # ... and at most five minutes in the future
MAX_SERIES_PER_REQUEST = 200  # CreateTimeSeriesRequest.timeSeries: "The maximum number ... per Create request is 200"
CONNECTOR_PARAMS = {"timeout", "polling_policy", "skip_polling", "scopes"}
# Arguments each connector method takes (its page under https://cloud.google.com/workflows/docs/reference/googleapis).
ARGUMENTS = {
    "googleapis.bigquery.v2.jobs.insert": ({"projectId", "body"}, {"connector_params"}),
    "googleapis.bigquery.v2.jobs.getQueryResults": (
        {"projectId", "jobId"},
        {"location", "maxResults", "pageToken", "startIndex", "timeoutMs", "connector_params"},
    ),
    "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.create": (
        {"parent", "region", "body"},
        {"connector_params"},
    ),
    "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.get": ({"name", "region"}, {"connector_params"}),
    "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.cancel": (
        {"name", "region"},
        {"body", "connector_params"},
    ),
}
TERMINAL = {
    "JOB_STATE_SUCCEEDED",
    "JOB_STATE_FAILED",
    "JOB_STATE_CANCELLED",
    "JOB_STATE_EXPIRED",
    "JOB_STATE_PARTIALLY_SUCCEEDED",
}


def recorded(name: str) -> dict[str, Any]:
    data = json.loads((RECORDED / f"{name}.json").read_text())
    data.pop("_source", None)
    return data


def connector_error(kind: str, message: str) -> WorkflowError:
    value = recorded("connector_errors")[kind]
    value["message"] = message
    if kind == "HttpError":
        value["body"]["error"]["message"] = message
    return WorkflowError(value)


def rfc3339(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Clock:
    now: float

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise Unsupported("time cannot go backwards")
        self.now += seconds


def _params(args: Mapping[str, Any], method: str) -> dict[str, Any]:
    required, optional = ARGUMENTS[method]
    missing, unknown = required - set(args), set(args) - required - optional
    if missing or unknown:
        raise Unsupported(f"{method}: missing arguments {sorted(missing)}, unknown arguments {sorted(unknown)}")
    params = args.get("connector_params", {})
    if set(params) - CONNECTOR_PARAMS:
        raise Unsupported(f"{method}: unknown connector_params {sorted(set(params) - CONNECTOR_PARAMS)}")
    return params


def _wait_for(clock: Clock, params: Mapping[str, Any], seconds_left: float, what: str) -> None:
    """A long-running connector call blocks until the operation ends, or raises TimeoutError at its timeout."""
    timeout = params.get("timeout", DEFAULT_LRO_TIMEOUT)
    if seconds_left > timeout:
        clock.advance(timeout)
        raise connector_error("TimeoutError", f"{what} did not finish within the connector timeout of {timeout} s")
    clock.advance(seconds_left)


# -- BigQuery ------------------------------------------------------------------------------------
@dataclass
class QueryRecord:
    sql: str
    parameters: dict[str, Any]
    job_id: str
    error: str | None = None


class FakeBigQuery:
    """BigQuery for one project: datasets as DuckDB schemas, jobs run on DuckDB."""

    def __init__(self, clock: Clock, project: str, location: str, datasets: Mapping[str, Iterable[TableSpec]]):
        self.clock, self.project, self.location = clock, project, location
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"ATTACH ':memory:' AS \"{project}\"")
        for dataset, specs in datasets.items():
            self.con.execute(f'CREATE SCHEMA "{project}"."{dataset}"')
            self.con.execute(
                f'CREATE VIEW "{project}"."{dataset}"."INFORMATION_SCHEMA.TABLES" AS SELECT table_name, '
                f"table_type FROM information_schema.tables WHERE table_catalog = '{project}' "
                f"AND table_schema = '{dataset}' AND table_name <> 'INFORMATION_SCHEMA.TABLES'"
            )
            for spec in specs:
                self.create_table(dataset, spec.name, spec.columns)
        self.queries: list[QueryRecord] = []
        self.results: dict[str, tuple[list[str], list[tuple]]] = {}
        self.expirations: dict[str, str] = {}
        self.failures: list[tuple[re.Pattern[str], str, str]] = []
        self.durations: list[tuple[re.Pattern[str], float]] = []

    # test set-up ---------------------------------------------------------------------------------
    def create_table(self, dataset: str, table: str, columns: Iterable[Column]) -> None:
        self.con.execute(
            f'CREATE TABLE "{self.project}"."{dataset}"."{table}" ({", ".join(duck_column(c) for c in columns)})'
        )

    def insert(self, dataset: str, table: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.con.execute(
                f'INSERT INTO "{self.project}"."{dataset}"."{table}" ({", ".join(row)}) '
                f"VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )

    def rows(self, dataset: str, table: str) -> list[dict[str, Any]]:
        result = self.con.execute(f'SELECT * FROM "{self.project}"."{dataset}"."{table}"')
        names = [d[0] for d in result.description]
        return [dict(zip(names, r, strict=True)) for r in result.fetchall()]

    def tables(self, dataset: str) -> set[str]:
        return {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
                "AND table_type = 'BASE TABLE'",
                [self.project, dataset],
            ).fetchall()
        }

    def fail(self, pattern: str, reason: str, message: str) -> None:
        """Queries matching `pattern` fail as a BigQuery job with this errorResult."""
        self.failures.append((re.compile(pattern, re.S), reason, message))

    def take(self, pattern: str, seconds: float) -> None:
        """Queries matching `pattern` run this long (others: 2 s)."""
        self.durations.append((re.compile(pattern, re.S), seconds))

    # connector methods ---------------------------------------------------------------------------
    def insert_job(self, args: Mapping[str, Any]) -> dict[str, Any]:
        params = _params(args, "googleapis.bigquery.v2.jobs.insert")
        query = args["body"]["configuration"]["query"]
        if query.get("useLegacySql", True) is not False:
            raise Unsupported("queries must set useLegacySql: false (GoogleSQL)")
        location = args["body"].get("jobReference", {}).get("location", self.location)
        values = {p["name"]: self._parameter(p) for p in query.get("queryParameters", [])}
        if values and query.get("parameterMode") != "NAMED":
            raise Unsupported("named query parameters need parameterMode NAMED")
        job_id = f"job_{len(self.queries) + 1:04d}"
        record = QueryRecord(query["query"], values, job_id)
        self.queries.append(record)
        job = recorded("bigquery_job")
        job["id"] = f"{args['projectId']}:{location}.{job_id}"
        job["jobReference"] = {"projectId": args["projectId"], "jobId": job_id, "location": location}
        job["configuration"] = copy.deepcopy(args["body"]["configuration"])
        if params.get("skip_polling"):
            raise Unsupported("skip_polling on jobs.insert: the definitions wait for their queries")
        _wait_for(self.clock, params, self._duration(query["query"]), f"BigQuery job {job_id}")
        failure = self._failure(query["query"]) or self._execute(job_id, query["query"], values)
        if failure:
            record.error = failure[1]
            error = recorded("bigquery_operation_error")
            error["message"] = f"Long-running operation failed: {failure[1]}"
            error["operation"]["jobReference"] = job["jobReference"]
            problem = {"reason": failure[0], "location": "", "message": failure[1]}
            error["operation"]["status"] = {"state": "DONE", "errorResult": problem, "errors": [problem]}
            raise WorkflowError(error)
        return job

    def get_query_results(self, args: Mapping[str, Any]) -> dict[str, Any]:
        _params(args, "googleapis.bigquery.v2.jobs.getQueryResults")
        names, rows = self.results[args["jobId"]]
        out = recorded("bigquery_query_results")
        out["jobReference"] = {
            "projectId": args["projectId"],
            "jobId": args["jobId"],
            "location": args.get("location", self.location),
        }
        out["schema"] = {"fields": [{"name": n} for n in names]}
        out["totalRows"] = str(len(rows))
        if rows:
            out["rows"] = [{"f": [{"v": _cell(v)} for v in row]} for row in rows]
        return out

    # internals -----------------------------------------------------------------------------------
    @staticmethod
    def _parameter(p: Mapping[str, Any]) -> Any:
        kind, value = p["parameterType"]["type"], p["parameterValue"]["value"]
        if kind == "DATE":
            return datetime.date.fromisoformat(value)
        if kind == "STRING":
            return str(value)
        if kind == "INT64":
            return int(value)
        raise Unsupported(f"query parameter type {kind}")

    def _duration(self, sql: str) -> float:
        return next((s for p, s in self.durations if p.search(sql)), 2.0)

    def _failure(self, sql: str) -> tuple[str, str] | None:
        return next(((reason, message) for p, reason, message in self.failures if p.search(sql)), None)

    def _execute(self, job_id: str, sql: str, values: Mapping[str, Any]) -> tuple[str, str] | None:
        """Run the script; (reason, message) of the first failing statement, None when it succeeded."""
        names: list[str] = []
        rows: list[tuple] = []
        try:
            for statement in sqlglot.parse(sql, read="bigquery"):
                if statement is None:
                    continue
                if isinstance(statement, exp.Alter):
                    self._alter(statement)
                    continue
                text = to_duckdb(statement)
                bound = {k: v for k, v in values.items() if f"${k}" in text}
                result = self.con.execute(text, bound) if bound else self.con.execute(text)
                if result.description is not None and isinstance(statement, exp.Query):
                    names, rows = [d[0] for d in result.description], result.fetchall()
        except duckdb.CatalogException as e:
            self._rollback()
            return "notFound", f"Not found: {str(e).splitlines()[0]}"
        except (duckdb.Error, sqlglot.errors.SqlglotError) as e:
            self._rollback()
            return "invalidQuery", str(e).splitlines()[0]
        self.results[job_id] = (names, rows)
        return None

    def _rollback(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.execute("ROLLBACK")

    def _alter(self, statement: exp.Alter) -> None:
        table = statement.this
        exists = self.con.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
            "AND table_name = ?",
            [table.catalog, table.db, table.name],
        ).fetchone()[0]
        if not exists:
            raise duckdb.CatalogException(f"Table with name {table.name} does not exist!")
        for prop in statement.find_all(exp.Property):
            if prop.name != "expiration_timestamp":
                raise Unsupported(f"ALTER TABLE SET OPTIONS {prop.name}")
            self.expirations[table.name] = prop.args["value"].sql("bigquery")


def _cell(value: Any) -> str | None:
    """A value as BigQuery's REST API returns it in rows[].f[].v: a string, or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.datetime,)):
        return str(value.replace(tzinfo=datetime.UTC).timestamp())
    return str(value)


# -- Vertex AI batch prediction ------------------------------------------------------------------
Model = Callable[[Any], Any]


@dataclass
class JobScript:
    """How a fake batch prediction job behaves: states at seconds after creation, then its end state.

    `end` = "auto" ends SUCCEEDED when every instance scored, PARTIALLY_SUCCEEDED when some failed,
    FAILED when all did; any JobState name forces that end state. `end_after` None never ends.
    """

    running: list[tuple[float, str]] = field(
        default_factory=lambda: [(0, "JOB_STATE_PENDING"), (30, "JOB_STATE_RUNNING")]
    )
    end_after: float | None = 600
    end: str = "auto"
    # A job cancelled after it wrote its output tables keeps them, and its outputInfo names them (modelled: a
    # stuck job may have written before it stopped, which is why the workflow waits for the cancel to land).
    wrote_before_cancel: bool = False


@dataclass
class FakeJob:
    name: str
    body: dict[str, Any]
    created: float
    script: JobScript
    cancelled_at: float | None = None
    written: dict[str, Any] | None = None


class FakeVertex:
    """Batch prediction jobs in one region, reading and writing through a FakeBigQuery."""

    def __init__(
        self,
        clock: Clock,
        bigquery: FakeBigQuery,
        model: Model,
        script: JobScript,
        project_number: str = "123456789012",
    ):
        self.clock, self.bigquery, self.model, self.script = clock, bigquery, model, script
        self.project_number = project_number
        self.jobs: dict[str, FakeJob] = {}
        self.cancelled: list[str] = []
        self.instances: list[Any] = []

    def create(self, args: Mapping[str, Any]) -> dict[str, Any]:
        params = _params(args, "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.create")
        name = f"projects/{self.project_number}/locations/{args['region']}/batchPredictionJobs/{len(self.jobs) + 1}"
        job = FakeJob(name, copy.deepcopy(args["body"]), self.clock.now, self.script)
        self.jobs[name] = job
        if not params.get("skip_polling"):
            # The connector polls the job until it ends (or its timeout passes).
            if job.script.end_after is None:
                _wait_for(self.clock, params, float("inf"), f"batch prediction job {name}")
            _wait_for(self.clock, params, job.script.end_after, f"batch prediction job {name}")
            state = self._view(job)
            if state["state"] != "JOB_STATE_SUCCEEDED":
                raise WorkflowError(
                    {"tags": ["OperationError"], "message": f"job ended in {state['state']}", "operation": state}
                )
            return state
        return self._view(job)

    def get(self, args: Mapping[str, Any]) -> dict[str, Any]:
        _params(args, "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.get")
        if args["name"] not in self.jobs:
            raise connector_error("HttpError", f"batch prediction job {args['name']} not found")
        return self._view(self.jobs[args["name"]])

    def cancel(self, args: Mapping[str, Any]) -> dict[str, Any]:
        _params(args, "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.cancel")
        job = self.jobs[args["name"]]
        if self._state(job) in TERMINAL:
            raise connector_error("HttpError", f"job {job.name} is already in a terminal state")
        job.cancelled_at = self.clock.now
        self.cancelled.append(job.name)
        if job.script.wrote_before_cancel:
            self._write_outputs(job)
        return {}

    # internals -----------------------------------------------------------------------------------
    def _state(self, job: FakeJob) -> str:
        age = self.clock.now - job.created
        if job.cancelled_at is not None:
            return "JOB_STATE_CANCELLING" if self.clock.now - job.cancelled_at < 30 else "JOB_STATE_CANCELLED"
        if job.script.end_after is not None and age >= job.script.end_after:
            return self._end_state(job)
        return [s for at, s in job.script.running if at <= age][-1]

    def _end_state(self, job: FakeJob) -> str:
        if job.script.end in ("auto", "JOB_STATE_SUCCEEDED", "JOB_STATE_PARTIALLY_SUCCEEDED"):
            written = self._write_outputs(job)
            if job.script.end != "auto":
                return job.script.end
            if written["failed"] == 0:
                return "JOB_STATE_SUCCEEDED"
            return "JOB_STATE_PARTIALLY_SUCCEEDED" if written["succeeded"] else "JOB_STATE_FAILED"
        return job.script.end

    def _view(self, job: FakeJob) -> dict[str, Any]:
        view = recorded("batch_prediction_job")
        state = self._state(job)
        view.update(
            name=job.name,
            displayName=job.body["displayName"],
            model=job.body["model"],
            state=state,
            createTime=rfc3339(job.created),
            updateTime=rfc3339(self.clock.now),
            labels=job.body.get("labels", {}),
        )
        for key in ("inputConfig", "instanceConfig", "outputConfig", "dedicatedResources", "encryptionSpec"):
            if key in job.body:
                view[key] = copy.deepcopy(job.body[key])
        if job.written is not None:
            view["outputInfo"] = {
                "bigqueryOutputDataset": job.written["dataset_uri"],
                "bigqueryOutputTable": job.written["predictions"],
            }
            view["completionStats"] = {
                "successfulCount": str(job.written["succeeded"]),
                "failedCount": str(job.written["failed"]),
                "incompleteCount": "0",
            }
        if state == "JOB_STATE_FAILED":
            view["error"] = {"code": 3, "message": "every instance failed to score"}
        return view

    def _write_outputs(self, job: FakeJob) -> dict[str, Any]:
        """Score the input table once and write predictions_<ts> / errors_<ts> into the output dataset."""
        if job.written is not None:
            return job.written
        source = job.body["inputConfig"]["bigquerySource"]["inputUri"].removeprefix("bq://")
        project, dataset, table = source.split(".")
        out_uri = job.body["outputConfig"]["bigqueryDestination"]["outputUri"]
        out_project, out_dataset = out_uri.removeprefix("bq://").split(".")
        if project != self.bigquery.project or out_project != self.bigquery.project:
            raise Unsupported("cross-project batch prediction")
        result = self.bigquery.con.execute(f'SELECT * FROM "{project}"."{dataset}"."{table}"')
        columns, input_rows = [d[0] for d in result.description], result.fetchall()
        types = dict(
            self.bigquery.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ? AND "
                "table_schema = ? AND table_name = ?",
                [project, dataset, table],
            ).fetchall()
        )
        config = job.body.get("instanceConfig", {})
        sent = [c for c in columns if c not in config.get("excludedFields", [])]
        if config.get("includedFields"):
            sent = list(config["includedFields"])
        stamp = datetime.datetime.fromtimestamp(job.created, tz=datetime.UTC)
        suffix = stamp.strftime("%Y_%m_%dT%H_%M_%S_") + f"{stamp.microsecond // 1000:03d}Z_{len(self.jobs):03d}"
        ok, failed = [], []
        for row in input_rows:
            record = dict(zip(columns, row, strict=False))
            # instanceType "object": a JSON object per row; unset or "array": the values in column order.
            instance = (
                {c: record[c] for c in sent} if config.get("instanceType") == "object" else [record[c] for c in sent]
            )
            self.instances.append(instance)
            try:
                ok.append((row, json.dumps(self.model(instance))))
            except Exception as e:
                failed.append((row, str(e)))
        cols = ", ".join(f'"{c}" {types[c]}' for c in columns)
        target = f'"{project}"."{out_dataset}"'
        predictions, errors = f"predictions_{suffix}", f"errors_{suffix}"
        self.bigquery.con.execute(f'CREATE TABLE {target}."{predictions}" ({cols}, prediction JSON)')
        self.bigquery.con.execute(
            f'CREATE TABLE {target}."{errors}" ({cols}, errors STRUCT(code BIGINT, message VARCHAR))'
        )
        marks = ", ".join("?" for _ in columns)
        for row, prediction in ok:
            self.bigquery.con.execute(f'INSERT INTO {target}."{predictions}" VALUES ({marks}, ?)', [*row, prediction])
        for row, message in failed:
            self.bigquery.con.execute(
                f'INSERT INTO {target}."{errors}" VALUES ({marks}, struct_pack(code := 3, message := ?))',
                [*row, message],
            )
        job.written = {
            "dataset_uri": out_uri,
            "predictions": predictions,
            "errors": errors,
            "succeeded": len(ok),
            "failed": len(failed),
        }
        return job.written


# -- Cloud Monitoring ----------------------------------------------------------------------------
class FakeMonitoring:
    """projects.timeSeries.create: https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create.

    Refuses, as the API does, a point whose end time is more than 25 hours in the past or more than
    five minutes in the future, and one not later than the previous point of its series
    (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/TimeInterval). Checks each point against
    the descriptors declared in the project (default: the team metrics of modules/monitoring/metrics.py): type,
    labels (every declared label given a value: https://cloud.google.com/monitoring/api/ref_v3/rest/v3/Metric),
    value type. A request holds at most 200 series and at most one point per series
    (CreateTimeSeriesRequest.timeSeries, projects.timeSeries/create). `requests` keeps each request's bodies.
    """

    def __init__(self, clock: Clock, project: str, declared: Iterable[CustomMetric] | None = None):
        self.clock, self.project = clock, project
        self.declared = {m.type: m for m in (CUSTOM_METRICS.values() if declared is None else declared)}
        self.points: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.last_end: dict[str, float] = {}

    def create(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        if url != f"https://monitoring.googleapis.com/v3/projects/{self.project}/timeSeries":
            raise Unsupported(f"http.post to {url}")
        self.requests.append(copy.deepcopy(dict(body)))
        if not 1 <= len(body["timeSeries"]) <= MAX_SERIES_PER_REQUEST:
            raise connector_error("HttpError", f"{len(body['timeSeries'])} time series in one request")
        keys = [json.dumps([s["metric"], s["resource"]], sort_keys=True) for s in body["timeSeries"]]
        if len(set(keys)) != len(keys):
            raise connector_error("HttpError", "Field timeSeries had more than one point for the same time series")
        for series in body["timeSeries"]:
            metric = self.declared.get(series["metric"]["type"])
            if metric is None:
                raise connector_error("HttpError", f"metric {series['metric']['type']} has no descriptor")
            labels = series["metric"].get("labels", {})
            if set(labels) != set(metric.labels):
                raise connector_error(
                    "HttpError", f"labels {sorted(labels)} of {metric.type}: the descriptor declares {metric.labels}"
                )
            [point] = series["points"]
            value_key = {"INT64": "int64Value", "DOUBLE": "doubleValue"}[metric.value_type]
            if list(point["value"]) != [value_key]:
                raise connector_error("HttpError", f"{metric.type} takes {value_key}, got {list(point['value'])}")
            end = parse_rfc3339(point["interval"]["endTime"])
            if end < self.clock.now - MAX_PAST_SECONDS or end > self.clock.now + MAX_FUTURE_SECONDS:
                raise connector_error(
                    "HttpError",
                    "The end time must not be more than 25 hours in the past or more than five minutes in the future.",
                )
            key = json.dumps([metric.type, labels, series["resource"]], sort_keys=True)
            if end <= self.last_end.get(key, float("-inf")):
                raise connector_error(
                    "HttpError",
                    "Points must be written in order. One or more of the points "
                    "specified had an older end time than the most recent point.",
                )
            self.last_end[key] = end
            self.points.append({"type": metric.type, "labels": labels, "end": end, "value": point["value"][value_key]})
        return {"code": 200, "headers": {}, "body": {}}


# -- the connector layer -------------------------------------------------------------------------
class Cloud:
    """Dispatches every `call:` that is not a subworkflow to the fake service that answers it."""

    def __init__(
        self,
        clock: Clock,
        bigquery: FakeBigQuery,
        vertex: FakeVertex | None = None,
        monitoring: FakeMonitoring | None = None,
    ):
        self.clock, self.bigquery, self.vertex, self.monitoring = clock, bigquery, vertex, monitoring
        self.calls: list[str] = []
        self.logs: list[Any] = []

    def __call__(self, function: str, args: dict[str, Any]) -> Any:
        self.calls.append(function)
        vertex = "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs."
        if function == "sys.sleep":
            self.clock.advance(args["seconds"])
            return None
        if function == "sys.log":
            self.logs.append(args)
            return None
        if function == "http.post" and self.monitoring is not None:
            if args.get("auth", {}).get("type") != "OAuth2":
                raise Unsupported("Google API calls need auth: {type: OAuth2}")
            return self.monitoring.create(args["url"], args["body"])
        if function == "googleapis.bigquery.v2.jobs.insert":
            return self.bigquery.insert_job(args)
        if function == "googleapis.bigquery.v2.jobs.getQueryResults":
            return self.bigquery.get_query_results(args)
        if function.startswith(vertex) and self.vertex is not None:
            return getattr(self.vertex, function.removeprefix(vertex))(args)
        raise Unsupported(f"no fake for call {function}")


def run(definition: Mapping[str, Any], cloud: Cloud, argument: Any = None, env: Mapping[str, str] = ()) -> Any:
    """Execute a definition against the fakes; the result, or the WorkflowError it raised."""
    functions = standard_library(lambda: cloud.clock.now, dict(env))
    return Interpreter(definition, cloud, functions).run(argument)
