"""A Cloud Scheduler job that starts a workflow: the one shape the batch pattern, the quality job and the scorecard
share (Workflows executions.create with an empty argument, as the workflow's own identity, two retries)."""

from __future__ import annotations

from cdktn_provider_google.cloud_scheduler_job import CloudSchedulerJob
from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from modules.quality import workflow_steps


def schedule_workflow(
    scope: Construct,
    id: str,
    *,
    workflow: WorkflowsWorkflow,
    name: str,
    project: str,
    region: str,
    description: str,
    schedule: str | None,
    time_zone: str | None,
    service_account: str,
) -> CloudSchedulerJob:
    # https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions/create
    return CloudSchedulerJob(
        scope,
        id,
        name=name,
        project=project,
        region=region,
        description=description,
        schedule=schedule,
        time_zone=time_zone,
        http_target={
            "uri": f"https://workflowexecutions.googleapis.com/v1/{workflow.id}/executions",
            "http_method": "POST",
            "body": workflow_steps.empty_execution_body(),
            "oauth_token": {"service_account_email": service_account, "scope": workflow_steps.EXECUTE_SCOPE},
        },
        retry_config={"retry_count": 2},
    )
