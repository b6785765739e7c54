"""The platform's scheduled scorecard: daily, the month so far, written to the governance dataset's `scorecard`.

Once a day (Cloud Scheduler → Workflows, as the `modelops-scorecard` account of the platform project) the
workflow runs the four measure groups for the month of `day` (default yesterday, UTC): `@period_start` is the
first of that month, `@period_end` the day after `day`, so on the 1st the previous month is completed. Each group
replaces its rows of the period (``queries.replace_period``). The statements take the one DATE parameter `@day`
like the team quality workflow; the period is derived from it in SQL.

After the SQL, when `day` is yesterday, the workflow publishes the month so far as custom metrics of the platform
project (modules/scorecard/metrics.py; descriptors declared here) through projects.timeSeries.create.

What the account may do: run query jobs in the platform project, write metric points (Monitoring Metric Writer), read the governance dataset (the audit sink's
tables are created by Cloud Logging, so the grant is dataset-wide, read only), write the `scorecard` table only,
and read each team's summary tables (granted by the team stacks, table by table: no column marked pii).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from config import names
from modules.bigquery_tables import TableSpec
from modules.metadata_dataset import CmekDataset
from modules.monitoring.metrics import CustomMetricDescriptors
from modules.principal import Principal
from modules.quality import workflow_steps
from modules.quality.workflow_steps import PROJECT, when
from modules.scorecard import queries
from modules.scorecard.catalogue import ModelRow, Sources
from modules.scorecard.metrics import SCORECARD_METRICS, publication_query
from modules.workflow_schedule import schedule_workflow

# After the team quality workflows (05:00 UTC, modules/quality/workflow.py) have written yesterday's rows.
DEFAULT_SCHEDULE = "0 7 * * *"
PERIOD_START = "DATE_TRUNC(@day, MONTH)"
PERIOD_END = "DATE_ADD(@day, INTERVAL 1 DAY)"
PROJECT_ROLES = {
    "jobs": "roles/bigquery.jobUser",  # run the query jobs in the platform project
    "invoker": "roles/workflows.invoker",  # Cloud Scheduler starts the workflow as this account
    "metrics": "roles/monitoring.metricWriter",  # publish the measures (modules/scorecard/metrics.py)
}
# "The maximum number of TimeSeries objects per Create request is 200"
# (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create, request body `timeSeries`).
MAX_SERIES_PER_REQUEST = 200
# google_workflows_workflow `source_contents`: "Workflow code to be executed. The size limit is 128KB." (hashicorp/google
# 8.7.0 schema, jsii assembly of cdktn-provider-google 21.1.0; Workflow.sourceContents in the Workflows REST API).
# Read as 128,000 bytes, the smaller of the two meanings of KB, so a source that passes here passes there.
WORKFLOW_SOURCE_LIMIT_BYTES = 128_000


def source_size(definition: dict[str, Any]) -> int:
    """Bytes of the YAML Workflows receives (after Terraform turns `$${` back into `${`)."""
    return len(workflow_steps.dump(definition).encode())


def source_size_problem(definition: dict[str, Any]) -> str | None:
    """Why Workflows would refuse the source at apply, said at synth time; None when it fits."""
    size = source_size(definition)
    if size <= WORKFLOW_SOURCE_LIMIT_BYTES:
        return None
    return (
        f"the scorecard workflow source would be {size:,} bytes; Workflows accepts at most "
        f'{WORKFLOW_SOURCE_LIMIT_BYTES:,} (google_workflows_workflow source_contents: "The size limit is 128KB"). '
        "It grows with the production teams and models (docs/benchmarks.md, scorecard source size)."
    )


def scorecard_table() -> TableSpec:
    """One row per measure, period and key; kept forever like the other governance tables."""
    return TableSpec(
        queries.SCORECARD_TABLE,
        "The MLOps programme scorecard per month (docs/scorecard.md), written daily by the scorecard workflow.",
        "period_start",
        queries.SCORECARD_COLUMNS,
        ("measure_group", "measure"),
        expiration_days=None,
        require_partition_filter=False,
    )


def _with_day(script: str) -> str:
    return script.replace("@period_start", PERIOD_START).replace("@period_end", PERIOD_END)


def daily_statements(sources: Sources, models: Sequence[ModelRow], audit_table: bool = True) -> list[str]:
    """The four groups' replace-the-period scripts, with the period derived from `@day`, as BigQuery runs them."""
    return [_with_day(queries.replace_period(group, sources, models, audit_table)) for group in queries.GROUPS]


def workflow_statements(sources: Sources, models: Sequence[ModelRow]) -> list[dict[str, str]]:
    """``{group, query}`` per group as the workflow holds them: fragments as markers (``expand_subworkflow``)."""
    return [
        {"group": group, "query": _with_day(queries.replace_period(group, sources, models, expanded=False))}
        for group in queries.GROUPS
    ]


def expand_subworkflow(sources: Sources, models: Sequence[ModelRow]) -> dict[str, Any]:
    """A statement with its fragments put in (``queries.expand`` does the same in Python).

    Each configuration-sized piece is written once in the source and substituted at run time
    (``text.replace_all``, https://cloud.google.com/workflows/docs/reference/stdlib/text/replace_all) instead of
    inlined into every statement: the catalogues and events as text; each team read as one template that a loop
    over the team list turns into the union (the source grows by a team's names, not by its reads' SQL). Then
    the audit source chosen by the existence check.
    """
    fragments = queries.fragments(sources, models)
    by_loop = set(queries.TEAM_READS) if sources.teams else set()
    pieces = [[queries.marker(name), _with_day(text)] for name, text in fragments.items() if name not in by_loop]
    reads = [
        {"marker": queries.marker(read), **dict(zip(("head", "mid", "tail"), map(_with_day, parts), strict=True))}
        for read in sorted(by_loop)
        for parts in [queries.team_read_parts(read)]
    ]
    teams = [{"team": queries.plain_team_name(t.team), "dataset": f"{t.project}.{t.dataset}"} for t in sources.teams]
    union = "${union + separator + read.head + team.team + read.mid + team.dataset + read.tail}"
    return {
        "params": ["query", "audit"],
        "steps": [
            {
                "each_piece": {
                    "for": {
                        "value": "piece",
                        "in": pieces,
                        "steps": [{"put": {"assign": [{"query": "${text.replace_all(query, piece[0], piece[1])}"}]}}],
                    }
                }
            },
            {
                "each_read": {
                    "for": {
                        "value": "read",
                        "in": reads,
                        "steps": [
                            {"start": {"assign": [{"union": ""}, {"separator": ""}]}},
                            {
                                "each_team": {
                                    "for": {
                                        "value": "team",
                                        "in": teams,
                                        "steps": [
                                            {"add": {"assign": [{"union": union}, {"separator": " UNION ALL "}]}}
                                        ],
                                    }
                                }
                            },
                            {
                                "put_read": {
                                    "assign": [{"query": '${text.replace_all(query, read.marker, "(" + union + ")")}'}]
                                }
                            },
                        ],
                    }
                }
            },
            {"done": {"return": f'${{text.replace_all(query, "{queries.marker(queries.AUDIT)}", audit)}}'}},
        ],
    }


def audit_choice_steps(sources: Sources) -> list[dict[str, Any]]:
    """`audit` = the audit table, or before Cloud Logging has created it (the first lifecycle event does) a typed
    empty table, so the groups still run (INFORMATION_SCHEMA.TABLES answers without an error either way)."""
    return [
        {
            "look_for_audit": {
                "call": "query_rows",
                "args": {"query": queries.audit_table_exists(sources)},
                "result": "audit_tables",
            }
        },
        {"audit_present": {"assign": [{"audit": queries.audit_source(sources, True)}]}},
        {
            "audit_absent": {
                "switch": [
                    when(
                        "${len(audit_tables) == 0}",
                        {"no_audit_yet": {"assign": [{"audit": queries.audit_source(sources, False)}]}},
                    )
                ]
            }
        },
    ]


def write_groups_step(sources: Sources, models: Sequence[ModelRow]) -> dict[str, Any]:
    """Each group in its own try/except (https://cloud.google.com/workflows/docs/reference/syntax/catching-errors):
    one failing group leaves the others to write their rows; its error is kept in `failed`."""
    return {
        "write_scorecard": {
            "for": {
                "value": "statement",
                "in": workflow_statements(sources, models),
                "steps": [
                    {
                        "attempt": {
                            "try": {
                                "steps": [
                                    {
                                        "expand": {
                                            "call": "expand_query",
                                            "args": {"query": "${statement.query}", "audit": "${audit}"},
                                            "result": "script",
                                        }
                                    },
                                    {
                                        "write": {
                                            "call": "run_query",
                                            "args": {
                                                "query": "${script}",
                                                "parameters": [workflow_steps.day_parameter()],
                                            },
                                        }
                                    },
                                ]
                            },
                            "except": {
                                "as": "e",
                                "steps": [
                                    {
                                        "record": {
                                            "assign": [
                                                {"failure": {"group": "${statement.group}", "error": "${e}"}},
                                                {"failed": "${list.concat(failed, failure)}"},
                                            ]
                                        }
                                    }
                                ],
                            },
                        }
                    }
                ],
            }
        }
    }


def _typed_value() -> dict[str, Any]:
    """A row's value as the descriptor's type: INT64 points carry `int64Value` as a decimal string (JSON int64)."""
    return {
        "value": {
            "switch": [
                when(
                    '${row.f[1].v == "INT64"}',
                    {"int64": {"assign": [{"typed": {"int64Value": "${string(int(double(row.f[4].v)))}"}}]}},
                ),
                when(True, {"double": {"assign": [{"typed": {"doubleValue": "${double(row.f[4].v)}"}}]}}),
            ]
        }
    }


def publish_subworkflow(scorecard_table: str) -> dict[str, Any]:
    """The month-so-far values as one GAUGE point per series, stamped now, at most 200 series per request.

    Rows come from ``metrics.publication_query``: ``metric_type, value_type, team, model, value``; a NULL team
    or model is not a label (platform-wide measures have none).
    """
    return {
        "params": ["parameters"],
        "steps": [
            {
                "read": {
                    "call": "query_rows",
                    "args": {"query": publication_query(scorecard_table), "parameters": "${parameters}"},
                    "result": "rows",
                }
            },
            {"init": {"assign": [{"series": []}, {"now": "${time.format(sys.now())}"}, {"requests": 0}]}},
            {
                "each_row": {
                    "for": {
                        "value": "row",
                        "in": "${rows}",
                        "steps": [
                            {"labels": {"assign": [{"labels": {}}]}},
                            {
                                "team_label": {
                                    "switch": [
                                        when(
                                            "${row.f[2].v != null}",
                                            {"set_team": {"assign": [{"labels.team": "${row.f[2].v}"}]}},
                                        )
                                    ]
                                }
                            },
                            {
                                "model_label": {
                                    "switch": [
                                        when(
                                            "${row.f[3].v != null}",
                                            {"set_model": {"assign": [{"labels.model": "${row.f[3].v}"}]}},
                                        )
                                    ]
                                }
                            },
                            _typed_value(),
                            {
                                "one": {
                                    "assign": [
                                        {
                                            "point": {
                                                "metric": {"type": "${row.f[0].v}", "labels": "${labels}"},
                                                "resource": {"type": "global", "labels": {"project_id": PROJECT}},
                                                "points": [{"interval": {"endTime": "${now}"}, "value": "${typed}"}],
                                            }
                                        },
                                        {"series": "${list.concat(series, point)}"},
                                    ]
                                }
                            },
                            {
                                "full": {
                                    "switch": [
                                        when(
                                            f"${{len(series) == {MAX_SERIES_PER_REQUEST}}}",
                                            {"send": {"call": "write_series", "args": {"series": "${series}"}}},
                                            {"reset": {"assign": [{"series": []}, {"requests": "${requests + 1}"}]}},
                                        )
                                    ]
                                }
                            },
                        ],
                    }
                }
            },
            {
                "rest": {
                    "switch": [
                        when(
                            "${len(series) > 0}",
                            {"send_rest": {"call": "write_series", "args": {"series": "${series}"}}},
                            {"count_rest": {"assign": [{"requests": "${requests + 1}"}]}},
                        )
                    ]
                }
            },
            {"done": {"return": {"series": "${len(rows)}", "requests": "${requests}"}}},
        ],
    }


def write_series_subworkflow() -> dict[str, Any]:
    """projects.timeSeries.create (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create)."""
    return {
        "params": ["series"],
        "steps": [{"write": workflow_steps.create_time_series("${series}")}],
    }


def scorecard_workflow(*, sources: Sources, models: Sequence[ModelRow], location: str) -> dict[str, Any]:
    """Write the period's rows, then publish the month so far as metrics when `day` is yesterday.

    A rerun for an older day rewrites its month's rows but publishes nothing: a point stamped now would show an
    old month's value as today's (workflow_steps.METRICS_WINDOW_NOTE). The result says which (`metrics`).
    """
    day = [workflow_steps.day_parameter()]
    return {
        "main": {
            "params": ["args"],
            "steps": [
                *workflow_steps.day_argument_steps(),
                *audit_choice_steps(sources),
                {"no_failures": {"assign": [{"failed": []}]}},
                write_groups_step(sources, models),
                {"skip_metrics": {"assign": [{"metrics": "skipped: day is not yesterday"}]}},
                {
                    "publish": {
                        "switch": [
                            when(
                                "${len(failed) > 0}",
                                {"not_published": {"assign": [{"metrics": "skipped: a measure group failed"}]}},
                            ),
                            when(
                                "${day == yesterday}",
                                {
                                    "write_metrics": {
                                        "call": "publish_scorecard",
                                        "args": {"parameters": day},
                                        "result": "metrics",
                                    }
                                },
                            ),
                        ]
                    }
                },
                {
                    "fail_if_any": {
                        "switch": [
                            when(
                                "${len(failed) > 0}",
                                {
                                    "raise_failures": {
                                        "raise": {
                                            "message": "scorecard measure groups failed (the others wrote their rows)",
                                            "day": "${day}",
                                            "failed": "${failed}",
                                        }
                                    }
                                },
                            )
                        ]
                    }
                },
                {
                    "done": {
                        "return": {
                            "day": "${day}",
                            "groups": len(queries.GROUPS),
                            "audit_table": "${len(audit_tables) > 0}",
                            "metrics": "${metrics}",
                        }
                    }
                },
            ],
        },
        "expand_query": expand_subworkflow(sources, models),
        "run_query": workflow_steps.run_query_subworkflow(location, sources.governance_dataset),
        "query_rows": workflow_steps.query_rows_subworkflow(),
        "publish_scorecard": publish_subworkflow(sources.governance(queries.SCORECARD_TABLE)),
        "write_series": write_series_subworkflow(),
    }


class ScorecardJob(Construct):
    """The scorecard table, the account, its grants, the workflow (CMEK) and its daily schedule.

    ``schedule`` (default ``DEFAULT_SCHEDULE``, 07:00 UTC daily, after the teams' quality workflows) is the Cloud
    Scheduler cron; ``depends_on`` (default none) what the workflow needs first (the Workflows agent's key grant).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        sources: Sources,
        models: Sequence[ModelRow],
        project: str,
        region: str,
        governance: CmekDataset,
        kms_key_id: str,
        depends_on: Sequence[Any] = (),
        schedule: str = DEFAULT_SCHEDULE,
    ):
        super().__init__(scope, id)
        self.account = ServiceAccount(
            self,
            "account",
            project=project,
            account_id=names.SCORECARD_ACCOUNT,
            display_name="ModelOps scorecard",
            description="Runs the daily scorecard workflow: reads governance and team summary tables, writes the "
            "scorecard table.",
            deletion_policy="PREVENT",
        )
        self.principal = Principal.service_account(self.account.email, "scorecard")
        self.table = governance.add_table(scorecard_table())
        self.grants: dict[str, Any] = {
            "governance-read": governance.grant_read(self.principal),
            "scorecard-write": governance.grant_table_write(self.principal, queries.SCORECARD_TABLE, scope=self),
        }
        for key, role in PROJECT_ROLES.items():
            self.grants[key] = ProjectIamMember(self, key, project=project, role=role, member=self.principal.member)
        self.descriptors = CustomMetricDescriptors(
            self, "metric-descriptors", project=project, metrics=[m.metric for m in SCORECARD_METRICS.values()]
        )
        self.definition = scorecard_workflow(sources=sources, models=models, location=region)
        self.workflow = WorkflowsWorkflow(
            self,
            "workflow",
            name=names.SCORECARD_WORKFLOW,
            project=project,
            region=region,
            description="Daily MLOps scorecard (docs/scorecard.md): adoption, delivery, value and governance.",
            service_account=self.account.email,
            crypto_key_name=kms_key_id,
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=True,
            source_contents=workflow_steps.terraform_literal(workflow_steps.dump(self.definition)),
            # A point written before its descriptor exists would auto-create the metric from the point's shape.
            depends_on=[*depends_on, *self.grants.values(), self.table, *self.descriptors.descriptors.values()],
        )
        self.schedule = schedule_workflow(
            self,
            "schedule",
            workflow=self.workflow,
            name=names.SCORECARD_WORKFLOW,
            project=project,
            region=region,
            description=f"Runs {names.SCORECARD_WORKFLOW} daily.",
            schedule=schedule,
            time_zone="Etc/UTC",
            service_account=self.account.email,
        )
