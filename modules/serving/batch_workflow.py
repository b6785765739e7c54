"""The batch pattern's Workflows definition: stage a day's input, run a Vertex AI batch prediction, copy its output.

How it waits: `batchPredictionJobs.create` is a long-running-operation connector that would block
until the job ends and raise TimeoutError after 1,800 s by default (connector_params `timeout`,
`skip_polling`: https://cloud.google.com/workflows/docs/reference/googleapis, "Invoke a connector
call"; https://cloud.google.com/workflows/docs/reference/googleapis/aiplatform/v1/projects.locations.batchPredictionJobs/create).
Batch runs take hours, so the call sets `skip_polling: true` and returns the job as created; the
workflow's own loop polls `batchPredictionJobs.get` every POLL_SECONDS until the job reaches a
state that ends the wait (JOB_STATES, every google.cloud.aiplatform_v1.types.JobState) or until
MAX_WAIT_SECONDS pass, then cancels it (the pipeline's custom role holds aiplatform.batchPredictionJobs.cancel,
which Google's REST map names for the call) and keeps polling, for at most CANCEL_WAIT_SECONDS, until the job has
ended ("JOB_STATE_CANCELLING ... may only go to SUCCEEDED, FAILED or CANCELLED"), so that whatever it wrote before
it stopped (its outputInfo) is known and set to expire with the rest.

What it leaves behind: Vertex writes `predictions_<timestamp>` and, for instances that failed,
`errors_<timestamp>` into the output dataset (BatchPredictionJob.OutputConfig.bigquery_destination;
OutputInfo.bigquery_output_table is `predictions_<timestamp>`). A successful run drops the staging
table and every table ending in the job's `_<timestamp>` (found in INFORMATION_SCHEMA.TABLES, so
no table name is guessed). A failed run, a partial success or a run that times out drops the
staging table and sets the job's tables to expire after KEEP_FAILED_DAYS, so they can be
inspected but never pile up; the execution then fails (and the batch-run-failed alert fires).

What the model sees: `instanceConfig.instanceType: object` turns each BigQuery row into a JSON
object (without it, BigQuery rows go to the model as arrays: InstanceConfig.instance_type,
https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.batchPredictionJobs#InstanceConfig),
and `includedFields` sends exactly the feature contract (`request_id` plus the features), the
same object an online caller sends (docs/monitoring.md, "Feature contract").
"""

from __future__ import annotations

from typing import Any

from config import names
from modules.quality import sql, workflow_steps
from modules.quality.workflow_steps import when
from modules.serving.context import ModelContext

POLL_SECONDS = 60
# One run scores one day; a job still not done after 23 hours would overlap the next day's run.
MAX_WAIT_SECONDS = 23 * 3600
KEEP_FAILED_DAYS = 7
# After a cancel: how long to wait for the job to end before giving up on knowing its output.
CANCEL_WAIT_SECONDS = 1800
# States after which a job writes nothing more (google.cloud.aiplatform_v1.types.JobState).
ENDED_STATES = (
    "JOB_STATE_SUCCEEDED",
    "JOB_STATE_FAILED",
    "JOB_STATE_CANCELLED",
    "JOB_STATE_EXPIRED",
    "JOB_STATE_PARTIALLY_SUCCEEDED",
)
VERTEX = "googleapis.aiplatform.v1.projects.locations.batchPredictionJobs"
# What each JobState (google.cloud.aiplatform_v1.types.JobState, google-cloud-aiplatform 2.7.0) means
# for the wait; tests compare the keys with the installed enum. A state missing here (added to the
# API later) ends the run as "unknown".
JOB_STATES: dict[str, str] = {
    "JOB_STATE_UNSPECIFIED": "failed",  # no state to act on
    "JOB_STATE_QUEUED": "wait",
    "JOB_STATE_PENDING": "wait",
    "JOB_STATE_RUNNING": "wait",
    "JOB_STATE_SUCCEEDED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_CANCELLING": "wait",  # "may only go to SUCCEEDED, FAILED or CANCELLED"
    "JOB_STATE_CANCELLED": "failed",
    "JOB_STATE_PAUSED": "wait",  # "stopped, and can be resumed": waits until MAX_WAIT_SECONDS
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_UPDATING": "wait",  # "goes back to RUNNING"
    "JOB_STATE_PARTIALLY_SUCCEEDED": "partial",  # "some results may be missing due to errors"
}
PREDICTIONS_PREFIX = "predictions"  # OutputInfo.bigquery_output_table: predictions_<timestamp>


def copy_output_sql(ctx: ModelContext, ds: sql.Dataset) -> str:
    """Predictions table (placeholder `__PREDICTIONS__`) -> output partition + prediction_history."""
    return sql.copy_batch_output(
        ds, sql.model_spec(ctx.model), names.batch_output_table(ctx.model.name), "`__PREDICTIONS__`"
    )


def job_tables_query(ds: sql.Dataset) -> str:
    """Every table of the job: the ones ending in its `_<timestamp>` (@suffix)."""
    return (
        f"SELECT table_name FROM `{ds.project}.{ds.dataset}.INFORMATION_SCHEMA.TABLES` "
        "WHERE ENDS_WITH(table_name, @suffix) ORDER BY table_name"
    )


def dispose_subworkflow(ds: sql.Dataset) -> dict[str, Any]:
    """Drop the staging table; drop the job's tables (`how` = drop) or let them expire (`how` = keep)."""
    prefix = f"{ds.project}.{ds.dataset}."
    expire = f"SET OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL {KEEP_FAILED_DAYS} DAY))"
    return {
        "params": ["job", "staging", "how"],
        "steps": [
            {
                "drop_staging": {
                    "call": "run_query",
                    "args": {"query": '${"DROP TABLE IF EXISTS `' + prefix + '" + staging + "`"}'},
                }
            },
            {"none": {"assign": [{"disposed": []}]}},
            # A job that was never created, or wrote nothing, has no tables.
            {"created": {"switch": [when("${job == null}", {"no_job": {"return": "${disposed}"}})]}},
            {
                "wrote": {
                    "switch": [
                        when(
                            '${map.get(job, ["outputInfo", "bigqueryOutputTable"]) == null}',
                            {"no_output": {"return": "${disposed}"}},
                        )
                    ]
                }
            },
            {
                "suffix": {
                    "assign": [
                        {"output_table": "${job.outputInfo.bigqueryOutputTable}"},
                        {"suffix": f"${{text.substring(output_table, {len(PREDICTIONS_PREFIX)}, len(output_table))}}"},
                    ]
                }
            },
            {
                "check_name": {
                    "switch": [
                        when(
                            f'${{not(text.match_regex(output_table, "^{PREDICTIONS_PREFIX}_[0-9A-Za-z_]+$"))}}',
                            {
                                "unexpected": {
                                    "raise": '${"unexpected output table name " + output_table + ": left in place"}'
                                }
                            },
                        )
                    ]
                }
            },
            {
                "list": {
                    "call": "query_rows",
                    "args": {
                        "query": job_tables_query(ds),
                        "parameters": [workflow_steps.string_parameter("suffix", "${suffix}")],
                    },
                    "result": "rows",
                }
            },
            {
                "each": {
                    "for": {
                        "value": "row",
                        "in": "${rows}",
                        "steps": [
                            {
                                "statement": {
                                    "switch": [
                                        when(
                                            '${how == "drop"}',
                                            {
                                                "drop": {
                                                    "assign": [
                                                        {"sql": '${"DROP TABLE `' + prefix + '" + row.f[0].v + "`"}'}
                                                    ]
                                                }
                                            },
                                        ),
                                        when(
                                            True,
                                            {
                                                "expire": {
                                                    "assign": [
                                                        {
                                                            "sql": '${"ALTER TABLE `'
                                                            + prefix
                                                            + '" + row.f[0].v + "` '
                                                            + expire
                                                            + '"}'
                                                        }
                                                    ]
                                                }
                                            },
                                        ),
                                    ]
                                }
                            },
                            {"apply": {"call": "run_query", "args": {"query": "${sql}"}}},
                            {"record": {"assign": [{"disposed": "${list.concat(disposed, row.f[0].v)}"}]}},
                        ],
                    }
                }
            },
            {"done": {"return": "${disposed}"}},
        ],
    }


def batch_workflow(ctx: ModelContext, dataset_id: str) -> dict[str, Any]:
    model, project, region = ctx.model, ctx.project, ctx.region
    ds = sql.Dataset(project, dataset_id)
    staging_prefix = f"{names.batch_staging_table(model.name)}_"
    input_table = ds.table(names.batch_input_table(model.name))
    stage_sql = (
        f"CREATE OR REPLACE TABLE `{project}.{dataset_id}.__STAGING__` "
        "OPTIONS (expiration_timestamp = TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 2 DAY)) AS "
        f"SELECT * EXCEPT (scoring_date) FROM {input_table} WHERE scoring_date = @day"
    )
    count_sql = f"SELECT COUNT(*) AS n FROM `{project}.{dataset_id}.__STAGING__`"
    job_body = {
        "displayName": '${"' + ctx.resource_name() + '-" + run_id}',
        "model": names.registry_model(project, region, ctx.team.name, model.name),
        "inputConfig": {
            "instancesFormat": "bigquery",
            "bigquerySource": {"inputUri": '${"bq://' + f"{project}.{dataset_id}." + '" + staging}'},
        },
        "instanceConfig": {
            "instanceType": "object",
            "includedFields": list(sql.instance_fields(sql.model_spec(model))),
        },
        "outputConfig": {
            "predictionsFormat": "bigquery",
            "bigqueryDestination": {"outputUri": f"bq://{project}.{dataset_id}"},
        },
        "dedicatedResources": {
            "machineSpec": {"machineType": model.serving.machine_type},
            "startingReplicaCount": model.serving.min_replicas,
            "maxReplicaCount": model.serving.max_replicas,
        },
        "encryptionSpec": {"kmsKeyName": '${sys.get_env("VERTEX_KMS_KEY")}'},
        "labels": ctx.labels,
    }
    day = [workflow_steps.day_parameter()]
    job_ref = {"name": "${job.name}", "region": region}
    run_steps = [
        {
            "create_job": {
                "call": f"{VERTEX}.create",
                "args": {
                    "parent": f"projects/{project}/locations/{region}",
                    "region": region,
                    "body": job_body,
                    # Return the job as created; the loop below waits (hours), not the connector (1,800 s).
                    "connector_params": {"skip_polling": True},
                },
                "result": "job",
            }
        },
        {"wait": {"call": "sys.sleep", "args": {"seconds": POLL_SECONDS}}},
        {"poll": {"call": f"{VERTEX}.get", "args": job_ref, "result": "job"}},
        {"classify": {"assign": [{"action": '${default(map.get(job_states, job.state), "unknown")}'}]}},
        {
            "route": {
                "switch": [
                    {"condition": '${action == "wait" and sys.now() < deadline}', "next": "wait"},
                    {"condition": '${action == "wait"}', "next": "give_up"},
                    {"condition": '${action == "succeeded" or action == "partial"}', "next": "read_output"},
                ],
                "next": "job_failed",
            }
        },
        {
            "job_failed": {
                "raise": {
                    "message": '${"batch prediction job " + job.name + " ended in " + job.state}',
                    "job": "${job.name}",
                    "state": "${job.state}",
                    "error": '${map.get(job, "error")}',
                }
            }
        },
        {"give_up": {"call": f"{VERTEX}.cancel", "args": {**job_ref, "body": {}}}},
        {"cancel_deadline": {"assign": [{"settled_by": f"${{sys.now() + {CANCEL_WAIT_SECONDS}}}"}]}},
        {"settle_wait": {"call": "sys.sleep", "args": {"seconds": POLL_SECONDS}}},
        {"settle_poll": {"call": f"{VERTEX}.get", "args": job_ref, "result": "job"}},
        {
            "settled": {
                "switch": [
                    {
                        "condition": "${not(job.state in ended_states) and sys.now() < settled_by}",
                        "next": "settle_wait",
                    }
                ],
                "next": "timed_out",
            }
        },
        {
            "timed_out": {
                "raise": {
                    "message": '${"batch prediction job " + job.name + " was still " + job.state + " after '
                    + f'{MAX_WAIT_SECONDS} s: cancelled"}}',
                    "job": "${job.name}",
                    "state": "${job.state}",
                }
            }
        },
        {
            "read_output": {
                "assign": [
                    {
                        "predictions": '${text.replace_all(job.outputInfo.bigqueryOutputDataset, "bq://", "") + "." + '
                        "job.outputInfo.bigqueryOutputTable}"
                    }
                ]
            }
        },
        {
            "copy_output": {
                "call": "run_query",
                "args": {
                    "query": '${text.replace_all(copy_template, "__PREDICTIONS__", predictions)}',
                    "parameters": day,
                },
            }
        },
        {
            "partial": {
                "switch": [
                    when(
                        '${action == "partial"}',
                        {
                            "fail_partial": {
                                "raise": {
                                    "message": '${"batch prediction job " + job.name + " partially succeeded: " + '
                                    'default(map.get(job, ["completionStats", "failedCount"]), "?") + " instances failed; "'
                                    ' + "the scored ones were copied"}',
                                    "job": "${job.name}",
                                    "state": "${job.state}",
                                    "failed": '${map.get(job, ["completionStats", "failedCount"])}',
                                }
                            }
                        },
                    )
                ]
            }
        },
        {
            "clean_up": {
                "call": "dispose",
                "args": {"job": "${job}", "staging": "${staging}", "how": "drop"},
                "result": "dropped",
            }
        },
        {
            "done": {
                "return": {
                    "day": "${day}",
                    "job": "${job.name}",
                    "state": "${job.state}",
                    "scored": '${map.get(job, ["completionStats", "successfulCount"])}',
                    "dropped": "${dropped}",
                }
            }
        },
    ]
    keep = {"call": "dispose", "args": {"job": "${job}", "staging": "${staging}", "how": "keep"}}
    return {
        "main": {
            "params": ["args"],
            "steps": [
                *workflow_steps.day_argument_steps(),
                # SQL templates are plain strings (no Workflows expression); placeholders are filled below.
                {
                    "names": {
                        "assign": [
                            {"run_id": '${text.replace_all(day, "-", "")}'},
                            {"staging": '${"' + staging_prefix + '" + run_id}'},
                            {"stage_template": stage_sql},
                            {"count_template": count_sql},
                            {"copy_template": copy_output_sql(ctx, ds)},
                            {"job_states": dict(JOB_STATES)},
                            {"ended_states": list(ENDED_STATES)},
                            {"deadline": f"${{sys.now() + {MAX_WAIT_SECONDS}}}"},
                            {"job": None},
                        ]
                    }
                },
                {
                    "stage_input": {
                        "call": "run_query",
                        "args": {
                            "query": '${text.replace_all(stage_template, "__STAGING__", staging)}',
                            "parameters": day,
                        },
                    }
                },
                {
                    "count_input": {
                        "call": "query_rows",
                        "args": {"query": '${text.replace_all(count_template, "__STAGING__", staging)}'},
                        "result": "counted",
                    }
                },
                # No rows for the day: nothing to score (the output partition stays empty and
                # batch-output-missing says so); Vertex is not asked to score an empty table.
                {
                    "nothing_to_score": {
                        "switch": [
                            when(
                                '${counted[0].f[0].v == "0"}',
                                {
                                    "drop_empty": {
                                        "call": "dispose",
                                        "args": {"job": None, "staging": "${staging}", "how": "drop"},
                                    }
                                },
                                {"skipped": {"return": {"day": "${day}", "job": None, "scored": "0", "dropped": []}}},
                            )
                        ]
                    }
                },
                {
                    "run": {
                        "try": {"steps": run_steps},
                        "except": {
                            "as": "e",
                            "steps": [
                                # Keep what the job wrote for inspection (it expires), then fail with the original error.
                                {
                                    "keep_for_inspection": {
                                        "try": keep,
                                        "except": {
                                            "as": "cleanup_error",
                                            "steps": [
                                                {
                                                    "log": {
                                                        "call": "sys.log",
                                                        "args": {
                                                            "severity": "ERROR",
                                                            "json": {
                                                                "message": "could not set the failed job's tables to expire",
                                                                "error": "${cleanup_error}",
                                                            },
                                                        },
                                                    }
                                                }
                                            ],
                                        },
                                    }
                                },
                                {"reraise": {"raise": "${e}"}},
                            ],
                        },
                    }
                },
            ],
        },
        "run_query": workflow_steps.run_query_subworkflow(region, dataset_id),
        "query_rows": workflow_steps.query_rows_subworkflow(),
        "dispose": dispose_subworkflow(ds),
    }
