"""The platform on-call hears when the daily scorecard run fails, or when its numbers stop being refreshed.

Two policies on the workflow's own Cloud Monitoring metric, `workflows.googleapis.com/finished_execution_count`
(DELTA, INT64, label `status`; metric_catalogue/catalogue.yaml from Google's metrics list), resource
`workflows.googleapis.com/Workflow` with `workflow_id` = the workflow's name:

- ``scorecard-run-failed``: an execution finished with status FAILED (a measure group failed: the workflow runs
  the others, then raises; or the audit check, a malformed `day`, the publication). Summed over 5 minutes, as
  the batch workflows' `batch-run-failed`.
- ``scorecard-stale``: no execution finished with status SUCCEEDED in the last 25 hours (the longest alignment
  an alert accepts, modules/monitoring/alerts.py DAILY_ALIGNMENT; the alignment period is a sliding look-back,
  https://cloud.google.com/monitoring/alerts/concepts-indepth), held for one more hour (`duration`): about 26 hours
  after the last success. A DELTA metric writes no point when nothing finished, so a window without any
  success has no data, which `EVALUATION_MISSING_DATA_ACTIVE` counts as a breach. This also catches what the
  first policy cannot: the scheduler not starting the workflow at all, or an execution still running.
  Status names are Execution.State's (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions#State).

Both notify the platform's `oncall_channel` (platform.yaml), or every platform channel when none is named; with
no platform channel at all there is nobody to notify and no policy is made. The scorecard is a platform job, not
a team's model: the policies carry `team=platform` and `model=<the workflow's name>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_google.monitoring_alert_policy import MonitoringAlertPolicy
from constructs import Construct

from config import names
from metric_catalogue.thresholds import Quantity
from modules.monitoring import filters
from modules.monitoring.alerts import DAILY_ALIGNMENT, AlertFactory, AlertSpec, aggregation, threshold, workflow_failed

FAILED_KIND = "scorecard-run-failed"
STALE_KIND = "scorecard-stale"
STALE_HOLD = "3600s"  # after 25 hours without a success, one more hour: ~26 h, past a late or retried run
PLATFORM_TEAM = "platform"


def run_failed_spec(workflow: str) -> AlertSpec:
    return AlertSpec(
        FAILED_KIND,
        (workflow_failed("a scorecard execution failed", workflow),),
        auto_close="86400s",
        detail=f"Workflow: {workflow}.",
    )


def stale_spec(workflow: str) -> AlertSpec:
    return AlertSpec(
        STALE_KIND,
        (
            threshold(
                "no successful scorecard execution for 26 hours",
                filters.workflow(filters.FINISHED_EXECUTIONS, workflow, 'metric.labels.status="SUCCEEDED"'),
                comparison="COMPARISON_LT",
                value=Quantity(1, "1"),
                duration=STALE_HOLD,
                aggregations=[aggregation("ALIGN_SUM", DAILY_ALIGNMENT, "REDUCE_SUM", ["resource.label.workflow_id"])],
                missing="EVALUATION_MISSING_DATA_ACTIVE",
            ),
        ),
        auto_close="86400s",
        detail=f"Workflow: {workflow}; the scorecard table and its metrics keep the last successful run's numbers.",
    )


class PlatformJobAlerts(AlertFactory):
    """AlertFactory for a platform job: the documentation speaks of the job and the platform team, not a model."""

    def subject(self, model: str) -> str:
        return f"platform/{model}"

    def heading(self, model: str) -> str:
        return f"platform job `{model}` in `{self.env}` (project `{self.project}`)"

    def owner(self) -> str:
        return "the platform team (on-call)"


class ScorecardRunAlerts(Construct):
    """The failed-run and stale-data policies of the scorecard workflow (none when ``channel_ids`` is empty).

    ``depends_on`` (default none): what the policies need first.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        env: str,
        project: str,
        channel_ids: Sequence[str],
        dashboard_url: str,
        repository: str | None,
        branch: str,
        depends_on: Sequence[Any] = (),
    ):
        super().__init__(scope, id)
        self.policies: dict[str, MonitoringAlertPolicy] = {}
        if not channel_ids:
            return
        factory = PlatformJobAlerts(
            team=PLATFORM_TEAM,
            team_display_name="Platform",
            business_owner="",
            owner_group="",
            env=env,
            project=project,
            channel_ids=list(channel_ids),
            dashboard_url=dashboard_url,
            dashboard_title=names.PLATFORM_DASHBOARD_TITLE,
            repository=repository,
            branch=branch,
        )
        for spec in (run_failed_spec(names.SCORECARD_WORKFLOW), stale_spec(names.SCORECARD_WORKFLOW)):
            self.policies[spec.kind] = factory.create(self, spec, names.SCORECARD_WORKFLOW, depends_on=depends_on)
