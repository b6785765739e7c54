"""Reusable Cloud Workflows pieces (as Python dicts, dumped to YAML): BigQuery jobs and custom metrics.

`run_query` runs one SQL script as a BigQuery job with the named parameters it is given; the
`googleapis.bigquery.v2.jobs.insert` connector waits for the job and raises OperationError (an
error map with `tags`, `message` and the failed job as `operation`, no `code`) when it fails, so a
failed query fails the execution (and its alert). `query_rows` also reads the result rows.
`publish_query` runs a SELECT whose last column is the value and whose other columns are metric
labels, and writes one point per row to a custom metric through the Monitoring API.

The definitions are executed in tests by a small Workflows interpreter against fake connectors
(tests/workflows/), so every expression here stays inside the subset it implements.
"""

from __future__ import annotations

import base64
from typing import Any

import yaml

PROJECT = '${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}'
# The OAuth scope Cloud Scheduler's token carries when it starts a workflow execution.
EXECUTE_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# A connector call that starts a long-running operation waits 1,800 s by default, then raises
# TimeoutError (connector_params.timeout; https://cloud.google.com/workflows/docs/reference/googleapis
# "Invoke a connector call", and the jobs.insert connector page). BigQuery itself lets a query or
# script run 6 hours per attempt and up to three attempts
# (https://cloud.google.com/bigquery/quotas#query_script_execution_time_limit): the connector must
# not give up before BigQuery does.
BIGQUERY_JOB_TIMEOUT_SECONDS = 3 * 6 * 3600
# Monitoring refuses a point whose end time is more than 25 hours in the past
# (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/TimeInterval), so only the day that just
# ended can still be published; see `day_argument_step`.
METRICS_WINDOW_NOTE = "a point for an older day would be more than 25 hours old, which Cloud Monitoring refuses"


TIME_SERIES_URL = (
    '${"https://monitoring.googleapis.com/v3/projects/" + sys.get_env("GOOGLE_CLOUD_PROJECT_ID") + "/timeSeries"}'
)


def create_time_series(series: Any) -> dict[str, Any]:
    """A projects.timeSeries.create call of the workflow's own project, as the workflow's account
    (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create)."""
    return {
        "call": "http.post",
        "args": {"url": TIME_SERIES_URL, "auth": {"type": "OAuth2"}, "body": {"timeSeries": series}},
    }


def when(condition: Any, *steps: dict[str, Any]) -> dict[str, Any]:
    """A switch condition that runs nested steps: the form the conditions reference documents
    (https://cloud.google.com/workflows/docs/reference/syntax/conditions: `next`, or nested `steps`)."""
    return {"condition": condition, "steps": list(steps)}


def day_parameter() -> dict[str, Any]:
    """The DATE query parameter `@day` (from the workflow variable `day`)."""
    return {"name": "day", "parameterType": {"type": "DATE"}, "parameterValue": {"value": "${day}"}}


def string_parameter(name: str, expression: str) -> dict[str, Any]:
    return {"name": name, "parameterType": {"type": "STRING"}, "parameterValue": {"value": expression}}


def run_query_subworkflow(location: str, dataset: str) -> dict[str, Any]:
    """Run a script with the given named query parameters; returns the finished job."""
    return {
        "params": ["query", {"parameters": []}],
        "steps": [
            {
                "run": {
                    "call": "googleapis.bigquery.v2.jobs.insert",
                    "args": {
                        "projectId": PROJECT,
                        "body": {
                            "jobReference": {"location": location},
                            "configuration": {
                                "query": {
                                    "query": "${query}",
                                    "useLegacySql": False,
                                    "defaultDataset": {"projectId": PROJECT, "datasetId": dataset},
                                    "parameterMode": "NAMED",
                                    "queryParameters": "${parameters}",
                                }
                            },
                        },
                        "connector_params": {"timeout": BIGQUERY_JOB_TIMEOUT_SECONDS},
                    },
                    "result": "job",
                }
            },
            {"done": {"return": "${job}"}},
        ],
    }


def query_rows_subworkflow() -> dict[str, Any]:
    """Run a SELECT and return its rows as jobs.getQueryResults gives them (`[{f: [{v: ...}]}]`), [] if none.

    One page of results (at most 10 MB): the queries here return a row per model or feature.
    """
    return {
        "params": ["query", {"parameters": []}],
        "steps": [
            {
                "run": {
                    "call": "run_query",
                    "args": {"query": "${query}", "parameters": "${parameters}"},
                    "result": "job",
                }
            },
            {
                "read": {
                    "call": "googleapis.bigquery.v2.jobs.getQueryResults",
                    "args": {
                        "projectId": PROJECT,
                        "jobId": "${job.jobReference.jobId}",
                        "location": "${job.jobReference.location}",
                    },
                    "result": "results",
                }
            },
            # BigQuery leaves `rows` out of an empty result.
            {"empty": {"switch": [when('${not("rows" in results)}', {"none": {"return": []}})]}},
            {"done": {"return": "${results.rows}"}},
        ],
    }


def publish_query_subworkflow() -> dict[str, Any]:
    """Rows [label..., value] -> one GAUGE point each on ``metric_type`` (resource `global`), stamped now.

    Called only for the day that just ended (see `day_argument_step`): a point stamped on day D+1
    carries day D's value, the one mapping Monitoring accepts for a rerun as well (a rerun writes a
    later point; Monitoring refuses a point not later than the series' last one).
    """
    return {
        "params": ["query", "parameters", "metric_type", "label_names", "value_type", "team"],
        "steps": [
            {
                "read": {
                    "call": "query_rows",
                    "args": {"query": "${query}", "parameters": "${parameters}"},
                    "result": "rows",
                }
            },
            {
                "each_row": {
                    "for": {
                        "value": "row",
                        "in": "${rows}",
                        "steps": [
                            {
                                "labels": {
                                    "assign": [
                                        {"labels": {"team": "${team}"}},
                                        {"value_cell": "${row.f[len(label_names)].v}"},
                                    ]
                                }
                            },
                            {"skip_null": {"switch": [{"condition": "${value_cell == null}", "next": "continue"}]}},
                            {
                                "each_label": {
                                    "for": {
                                        "value": "i",
                                        "range": [0, "${len(label_names) - 1}"],
                                        "steps": [
                                            {"set": {"assign": [{"labels[label_names[i]]": "${row.f[i].v}"}]}},
                                        ],
                                    }
                                }
                            },
                            {
                                "value": {
                                    "switch": [
                                        when(
                                            '${value_type == "INT64"}',
                                            {
                                                "int64": {
                                                    "assign": [
                                                        {"typed": {"int64Value": "${string(int(double(value_cell)))}"}}
                                                    ]
                                                }
                                            },
                                        ),
                                        when(
                                            True,
                                            {
                                                "double": {
                                                    "assign": [{"typed": {"doubleValue": "${double(value_cell)}"}}]
                                                }
                                            },
                                        ),
                                    ]
                                }
                            },
                            {
                                "write": create_time_series(
                                    [
                                        {
                                            "metric": {"type": "${metric_type}", "labels": "${labels}"},
                                            "resource": {"type": "global", "labels": {"project_id": PROJECT}},
                                            "points": [
                                                {
                                                    "interval": {"endTime": "${time.format(sys.now())}"},
                                                    "value": "${typed}",
                                                }
                                            ],
                                        }
                                    ]
                                )
                            },
                        ],
                    }
                }
            },
            {"done": {"return": "${len(rows)}"}},
        ],
    }


def table_exists_query(project: str, dataset: str) -> str:
    """One row when the table `@table` exists in the dataset. INFORMATION_SCHEMA.TABLES
    (https://cloud.google.com/bigquery/docs/information-schema-tables) answers without an error to match."""
    return f"SELECT table_name FROM `{project}.{dataset}.INFORMATION_SCHEMA.TABLES` WHERE table_name = @table"


def ingest_subworkflow(project: str, dataset: str) -> dict[str, Any]:
    """Copy a Vertex request log of the day, if Vertex has created the table yet (it does on first traffic).

    The table's existence is looked up first instead of matching the failed query's error: the
    BigQuery connector raises OperationError for a failed job, with no HTTP code to match.
    """
    exists = table_exists_query(project, dataset)
    return {
        "params": ["table", "query", "day"],
        "steps": [
            {
                "look": {
                    "call": "query_rows",
                    "args": {"query": exists, "parameters": [string_parameter("table", "${table}")]},
                    "result": "found",
                }
            },
            {"not_created_yet": {"switch": [when("${len(found) == 0}", {"skip": {"return": 0}})]}},
            {"run": {"call": "run_query", "args": {"query": "${query}", "parameters": [day_parameter()]}}},
            {"done": {"return": 1}},
        ],
    }


def day_argument_steps() -> list[dict[str, Any]]:
    """`day` = args.day when given (reruns, backfills), else `yesterday` (UTC), kept for comparisons;
    a malformed day is refused before any query runs."""
    return [
        {
            "init": {
                "assign": [
                    {"yesterday": "${text.substring(time.format(sys.now() - 86400), 0, 10)}"},
                    {"day": '${default(map.get(args, "day"), yesterday)}'},
                ]
            }
        },
        {
            "check_day": {
                "switch": [
                    when(
                        '${not(text.match_regex(day, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))}',
                        {"refuse": {"raise": '${"the execution argument day must be YYYY-MM-DD, got " + day}'}},
                    )
                ]
            }
        },
    ]


def empty_execution_body() -> str:
    """Cloud Scheduler takes the HTTP body base64-encoded; an empty argument means 'yesterday'."""
    return base64.b64encode(b'{"argument": "{}"}').decode()


def terraform_literal(text: str) -> str:
    """Escape Terraform template syntax: Workflows expressions are `${...}` too, and must reach Workflows as is.

    (cdktn's Fn.raw_string JSON-escapes the whole string, which would corrupt the YAML.)
    """
    return text.replace("${", "$${").replace("%{", "%%{")


class _PlainDumper(yaml.SafeDumper):
    """YAML without anchors/aliases: a value reused in several steps is written out each time."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(workflow: dict[str, Any]) -> str:
    return yaml.dump(workflow, Dumper=_PlainDumper, sort_keys=False, width=1_000_000, allow_unicode=True)
