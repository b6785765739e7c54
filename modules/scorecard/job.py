"""The platform's scheduled scorecard: daily, the month so far, written to the governance dataset's `scorecard`.

Once a day (Cloud Scheduler → Workflows, as the `modelops-scorecard` account of the platform project) the
workflow runs the four measure groups for the month of `day` (default yesterday, UTC): `@period_start` is the
first of that month, `@period_end` the day after `day`, so on the 1st the previous month is completed. Each group
replaces its rows of the period (``queries.replace_period``). The statements take the one DATE parameter `@day`
like the team quality workflow; the period is derived from it in SQL.

What the account may do: run query jobs in the platform project, read the governance dataset (the audit sink's
tables are created by Cloud Logging, so the grant is dataset-wide, read only), write the `scorecard` table only,
and read each team's summary tables (granted by the team stacks, table by table: no column marked pii).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_google.cloud_scheduler_job import CloudSchedulerJob
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account import ServiceAccount
from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from config import names
from modules.bigquery_tables import TableSpec
from modules.metadata_dataset import CmekDataset
from modules.principal import Principal
from modules.quality import workflow_steps
from modules.scorecard import queries
from modules.scorecard.catalogue import ModelRow, Sources

# After the team quality workflows (05:00 UTC, modules/quality/workflow.py) have written yesterday's rows.
DEFAULT_SCHEDULE = "0 7 * * *"
PERIOD_START = "DATE_TRUNC(@day, MONTH)"
PERIOD_END = "DATE_ADD(@day, INTERVAL 1 DAY)"
PROJECT_ROLES = {
    "jobs": "roles/bigquery.jobUser",  # run the query jobs in the platform project
    "invoker": "roles/workflows.invoker",  # Cloud Scheduler starts the workflow as this account
}


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


def scorecard_workflow(*, sources: Sources, models: Sequence[ModelRow], location: str) -> dict[str, Any]:
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
                {"done": {"return": {"day": "${day}", "groups": len(queries.GROUPS)}}},
            ],
        },
        "run_query": workflow_steps.run_query_subworkflow(location, sources.governance_dataset),
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
            depends_on=[*depends_on, *self.grants.values(), self.table],
        )
        self.schedule = CloudSchedulerJob(
            self,
            "schedule",
            name=names.SCORECARD_WORKFLOW,
            project=project,
            region=region,
            description=f"Runs {names.SCORECARD_WORKFLOW} daily.",
            schedule=schedule,
            time_zone="Etc/UTC",
            http_target={
                "uri": f"https://workflowexecutions.googleapis.com/v1/{self.workflow.id}/executions",
                "http_method": "POST",
                "body": workflow_steps.empty_execution_body(),
                "oauth_token": {
                    "service_account_email": self.account.email,
                    "scope": workflow_steps.EXECUTE_SCOPE,
                },
            },
            retry_config={"retry_count": 2},
        )
