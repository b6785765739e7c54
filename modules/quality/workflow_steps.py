"""Reusable Cloud Workflows pieces (as Python dicts, dumped to YAML): BigQuery jobs and custom metrics.

`run_query` runs one SQL script as a BigQuery job with the named DATE parameter `@day`; the
`googleapis.bigquery.v2.jobs.insert` connector waits for the job to finish and raises on
failure, so a failed query fails the execution (and its alert).
`publish_query` runs a SELECT whose last column is the value and whose other columns are metric
labels, and writes one point per row to a custom metric through the Monitoring API.
"""
from __future__ import annotations

import base64
from typing import Any

import yaml

PROJECT = '${sys.get_env("GOOGLE_CLOUD_PROJECT_ID")}'


def run_query_subworkflow(location: str, dataset: str) -> dict[str, Any]:
    return {
        "params": ["query", "day"],
        "steps": [
            {"run": {
                "call": "googleapis.bigquery.v2.jobs.insert",
                "args": {
                    "projectId": PROJECT,
                    "body": {
                        "jobReference": {"location": location},
                        "configuration": {"query": {
                            "query": "${query}",
                            "useLegacySql": False,
                            "defaultDataset": {"projectId": PROJECT, "datasetId": dataset},
                            "parameterMode": "NAMED",
                            "queryParameters": [{"name": "day", "parameterType": {"type": "DATE"},
                                                 "parameterValue": {"value": "${day}"}}],
                        }},
                    },
                },
                "result": "job",
            }},
            {"done": {"return": "${job}"}},
        ],
    }


def publish_query_subworkflow() -> dict[str, Any]:
    """Rows [label..., value] -> one GAUGE point each on ``metric_type`` (resource `global`)."""
    return {
        "params": ["query", "day", "metric_type", "label_names", "value_type", "team"],
        "steps": [
            {"run": {"call": "run_query", "args": {"query": "${query}", "day": "${day}"}, "result": "job"}},
            {"read": {
                "call": "googleapis.bigquery.v2.jobs.getQueryResults",
                "args": {"projectId": PROJECT, "jobId": "${job.jobReference.jobId}",
                         "location": "${job.jobReference.location}"},
                "result": "results",
            }},
            {"check_rows": {"switch": [{"condition": '${not("rows" in results)}', "return": 0}]}},
            {"each_row": {"for": {"value": "row", "in": "${results.rows}", "steps": [
                {"labels": {"assign": [{"labels": {"team": "${team}"}},
                                       {"value_cell": "${row.f[len(label_names)].v}"}]}},
                {"skip_null": {"switch": [{"condition": "${value_cell == null}", "next": "continue"}]}},
                {"each_label": {"for": {"value": "i", "range": [0, "${len(label_names) - 1}"], "steps": [
                    {"set": {"assign": [{"labels[label_names[i]]": "${row.f[i].v}"}]}},
                ]}}},
                {"value": {"switch": [
                    {"condition": '${value_type == "INT64"}',
                     "assign": [{"typed": {"int64Value": "${string(int(double(value_cell)))}"}}]},
                    {"condition": True, "assign": [{"typed": {"doubleValue": "${double(value_cell)}"}}]},
                ]}},
                {"write": {
                    "call": "http.post",
                    "args": {
                        "url": '${"https://monitoring.googleapis.com/v3/projects/" + '
                               'sys.get_env("GOOGLE_CLOUD_PROJECT_ID") + "/timeSeries"}',
                        "auth": {"type": "OAuth2"},
                        "body": {"timeSeries": [{
                            "metric": {"type": "${metric_type}", "labels": "${labels}"},
                            "resource": {"type": "global", "labels": {"project_id": PROJECT}},
                            "points": [{"interval": {"endTime": "${time.format(sys.now())}"}, "value": "${typed}"}],
                        }]},
                    },
                }},
            ]}}},
            {"done": {"return": "${len(results.rows)}"}},
        ],
    }


def ingest_subworkflow() -> dict[str, Any]:
    """Run a query that reads a table Vertex creates lazily: a missing table (no traffic yet) is not an error."""
    return {
        "params": ["query", "day"],
        "steps": [
            {"run": {
                "try": {"call": "run_query", "args": {"query": "${query}", "day": "${day}"}, "result": "job"},
                "except": {"as": "e", "steps": [
                    {"not_created_yet": {"switch": [{"condition": '${"code" in e and e.code == 404}', "return": 0}]}},
                    {"reraise": {"raise": "${e}"}},
                ]},
            }},
            {"done": {"return": 1}},
        ],
    }


def day_argument_step() -> dict[str, Any]:
    """`day` = args.day when given (reruns, backfills), else yesterday (UTC)."""
    return {"init": {"assign": [
        {"day": '${default(map.get(args, "day"), text.substring(time.format(sys.now() - 86400), 0, 10))}'},
    ]}}


def empty_execution_body() -> str:
    """Cloud Scheduler takes the HTTP body base64-encoded; an empty argument means 'yesterday'."""
    return base64.b64encode(b'{"argument": "{}"}').decode()


def terraform_literal(text: str) -> str:
    """Escape Terraform template syntax: Workflows expressions are `${...}` too, and must reach Workflows as is.

    (cdktn's Fn.raw_string JSON-escapes the whole string, which would corrupt the YAML.)
    """
    return text.replace("${", "$${").replace("%{", "%%{")


def dump(workflow: dict[str, Any]) -> str:
    return yaml.safe_dump(workflow, sort_keys=False, width=1_000_000, allow_unicode=True)
