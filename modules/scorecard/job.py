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


def daily_statements(sources: Sources, models: Sequence[ModelRow]) -> list[str]:
    """The four groups' replace-the-period scripts, with the period derived from `@day`."""
    return [
        queries.replace_period(group, sources, models)
        .replace("@period_start", PERIOD_START)
        .replace("@period_end", PERIOD_END)
        for group in queries.GROUPS
    ]


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
        "steps": [
            {
                "write": {
                    "call": "http.post",
                    "args": {
                        "url": '${"https://monitoring.googleapis.com/v3/projects/" + '
                        'sys.get_env("GOOGLE_CLOUD_PROJECT_ID") + "/timeSeries"}',
                        "auth": {"type": "OAuth2"},
                        "body": {"timeSeries": "${series}"},
                    },
                }
            }
        ],
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
                {
                    "write_scorecard": {
                        "for": {
                            "value": "query",
                            "in": daily_statements(sources, models),
                            "steps": [
                                {"write": {"call": "run_query", "args": {"query": "${query}", "parameters": day}}}
                            ],
                        }
                    }
                },
                {"skip_metrics": {"assign": [{"metrics": "skipped: day is not yesterday"}]}},
                {
                    "publish": {
                        "switch": [
                            when(
                                "${day == yesterday}",
                                {
                                    "write_metrics": {
                                        "call": "publish_scorecard",
                                        "args": {"parameters": day},
                                        "result": "metrics",
                                    }
                                },
                            )
                        ]
                    }
                },
                {"done": {"return": {"day": "${day}", "groups": len(queries.GROUPS), "metrics": "${metrics}"}}},
            ],
        },
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
