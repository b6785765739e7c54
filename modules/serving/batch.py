"""Batch pattern: input and output tables, a Workflows workflow that runs a Vertex AI batch prediction
(BigQuery to BigQuery) as the team's pipeline service account, a Cloud Scheduler job, and alerts.

One run scores one day: rows of `scoring_date = day` in the input table are copied to a
short-lived staging table, scored by a batch prediction job with the model version aliased
`champion`, and the predictions land in the output table's `scoring_date` partition (replacing
it, so reruns are safe) and in prediction_history (so quality, drift and accuracy cover batch
models too). The google provider has no batch-prediction resource (reference §2/§4.3): the job is
created by the workflow through the Vertex AI connector; the definition (how it waits, what it
cleans up, the instance shape) is modules/serving/batch_workflow.py.
"""

from __future__ import annotations

from typing import Any

from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from config import names, patterns
from config.model import Model
from config.names import AccountKind
from metric_catalogue.thresholds import Quantity
from modules import metadata_tables
from modules.monitoring import filters
from modules.monitoring.alerts import DAILY_ALIGNMENT, AlertSpec, aggregation, threshold, workflow_failed
from modules.monitoring.dashboards import chart, series
from modules.quality import workflow_steps
from modules.serving.batch_workflow import batch_workflow
from modules.serving.context import ModelContext
from modules.serving.pattern import ServingPattern
from modules.workflow_schedule import schedule_workflow


class BatchPrediction(ServingPattern):
    spec = patterns.BATCH

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext):
        super().__init__(scope, id, ctx=ctx)
        model = ctx.model
        dataset_id = names.metadata_dataset_id(ctx.team.name)
        self.input = ctx.add_table(self, "input", metadata_tables.batch_input(model))
        self.output = ctx.add_table(self, "output", metadata_tables.batch_output(model))
        self.workflow_name = ctx.resource_name("batch")
        self.definition = batch_workflow(ctx, dataset_id)
        self.workflow = WorkflowsWorkflow(
            self,
            "workflow",
            name=self.workflow_name,
            project=ctx.project,
            region=ctx.region,
            description=f"Batch prediction of {model.name}: {model.description}"[:1000],
            service_account=ctx.service_accounts[AccountKind.PIPELINE],
            crypto_key_name=ctx.keys["workflows"],
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=True,
            labels=ctx.labels,
            user_env_vars={"VERTEX_KMS_KEY": ctx.keys["vertex"]},
            # Workflows expressions use ${...} too: escape them so Terraform leaves them alone.
            source_contents=workflow_steps.terraform_literal(workflow_steps.dump(self.definition)),
            depends_on=[ctx.agents.key_grant("workflows"), self.input, self.output, *ctx.dataset_grants],
        )
        self.schedule = schedule_workflow(
            self,
            "schedule",
            workflow=self.workflow,
            name=self.workflow_name,
            project=ctx.project,
            region=ctx.region,
            description=f"Starts the {model.name} batch prediction on its schedule.",
            schedule=model.schedule,
            time_zone=model.time_zone,
            service_account=ctx.service_accounts[AccountKind.PIPELINE],
        )

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        workflow_id = names.model_resource_name(team, model.name, "batch")
        return [
            chart(
                "Batch runs by outcome",
                [
                    series(
                        filters.workflow(filters.FINISHED_EXECUTIONS, workflow_id),
                        "ALIGN_SUM",
                        period="3600s",
                        reducer="REDUCE_SUM",
                        group_by=["metric.label.status"],
                        legend="${metric.labels.status}",
                    )
                ],
            ),
            chart(
                "Output rows of the day's partition",
                [
                    series(
                        filters.custom("batch/output_rows", team, model.name),
                        "ALIGN_MAX",
                        period="3600s",
                        legend="rows",
                    )
                ],
            ),
        ]

    def alert_specs(self) -> list[AlertSpec]:
        team, model = self.ctx.team.name, self.ctx.model.name
        # For a batch model `latency_p99_ms` is the budget of a whole run, in milliseconds;
        # execution_times is in seconds (Google's metrics list): threshold() converts.
        budget = Quantity(self.ctx.model.monitoring.latency_p99_ms, "ms")
        return [
            AlertSpec(
                "batch-run-duration",
                (
                    threshold(
                        "a batch run took longer than its budget",
                        filters.workflow(filters.EXECUTION_TIMES, self.workflow_name),
                        comparison="COMPARISON_GT",
                        value=budget,
                        duration="0s",
                        aggregations=[aggregation("ALIGN_PERCENTILE_99", "3600s")],
                    ),
                ),
                auto_close="86400s",
                detail=f"Workflow: {self.workflow_name}; budget {budget.to('s'):g} s per run "
                f"(`latency_p99_ms`: {budget.value:g}).",
            ),
            AlertSpec(
                "batch-run-failed",
                (workflow_failed("a batch workflow execution failed", self.workflow_name),),
                auto_close="86400s",
                detail=f"Workflow: {self.workflow_name}.",
            ),
            # Published daily by the quality workflow; no point for 25 hours also counts as missing.
            AlertSpec(
                "batch-output-missing",
                (
                    threshold(
                        "output partition of the day empty or not checked",
                        filters.custom("batch/output_rows", team, model),
                        comparison="COMPARISON_LT",
                        value=Quantity(1, "1"),
                        duration="0s",
                        aggregations=[aggregation("ALIGN_MAX", DAILY_ALIGNMENT, "REDUCE_MAX", ["metric.label.model"])],
                        missing="EVALUATION_MISSING_DATA_ACTIVE",
                    ),
                ),
                auto_close="86400s",
                detail=f"Table: {names.batch_output_table(model)}.",
            ),
        ]
