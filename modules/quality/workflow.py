"""The team's scheduled model-quality workflow: daily tables from SQL, then custom metrics.

Once a day (Cloud Scheduler → Workflows, as the team's pipeline service account) it
1. copies the day's Vertex request log of each model whose pattern's history source is the request
   log (online, config/patterns.py) into prediction_history (a model whose endpoint has had no
   traffic has no log table yet: it is skipped, not an error),
2. replaces the day's rows of daily_usage, data_quality, drift and model_quality per model,
3. publishes the results as `custom.googleapis.com/modelops/...` points (descriptors declared in
   modules/monitoring/metrics.py), plus the metrics a model's pattern declares (`daily_metrics`,
   e.g. a batch model's output row count).
Run it for another day with the execution argument `{"day": "YYYY-MM-DD"}`: the tables are
rewritten for that day; metrics are published only for the day that just ended (yesterday, UTC),
because Cloud Monitoring refuses a point more than 25 hours old and a point stamped now would
present an old day's value as today's. The result says which (`metrics`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cdktn_provider_google.workflows_workflow import WorkflowsWorkflow
from constructs import Construct

from config import names
from config.model import Model
from config.patterns import HistorySource, with_pattern
from modules.monitoring.metrics import CUSTOM_METRICS
from modules.quality import sql, tables, workflow_steps
from modules.workflow_schedule import schedule_workflow

DEFAULT_SCHEDULE = "0 5 * * *"


def publications(ds: sql.Dataset, models: Sequence[Model]) -> list[dict[str, Any]]:
    """(query, parameters, metric type, label columns, value type) for every custom metric the workflow writes."""

    def pub(path: str, query: str, labels: list[str]) -> dict[str, Any]:
        metric = CUSTOM_METRICS[path]
        return {"metric_type": metric.type, "query": query, "label_names": labels, "value_type": metric.value_type}

    def of_day(table: str) -> str:
        return f"FROM {ds.table(table)} WHERE {tables.day_column(table)} = @day"

    usage, quality = of_day(tables.DAILY_USAGE), of_day(tables.MODEL_QUALITY)
    out = [
        pub("usage/predictions", f"SELECT model, predictions {usage}", ["model"]),
        pub("usage/distinct_callers", f"SELECT model, distinct_callers {usage}", ["model"]),
    ]
    for metric in ("accuracy", "precision", "recall", "mae", "rmse"):
        out.append(pub(f"quality/{metric}", f"SELECT model, value {quality} AND metric = '{metric}'", ["model"]))
    out.append(
        pub(
            "data/missing_feature_ratio",
            f"SELECT model, feature, missing_ratio {of_day(tables.DATA_QUALITY)} AND missing_ratio IS NOT NULL",
            ["model", "feature"],
        )
    )
    out.append(pub("data/drift_psi", f"SELECT model, feature, psi {of_day(tables.DRIFT)}", ["model", "feature"]))
    for path, rows_of in PATTERN_METRICS.items():
        declaring = with_pattern(models, lambda spec, path=path: path in spec.daily_metrics)
        if declaring:
            out.append(pub(path, "\nUNION ALL\n".join(rows_of(ds, m) for m in declaring), ["model"]))
    return out


# Custom metrics a pattern may declare (`daily_metrics` of its spec, config/patterns.py): path -> the query
# of one model's value for the day.
PATTERN_METRICS: dict[str, Callable[[sql.Dataset, Model], str]] = {
    "batch/output_rows": lambda ds, m: sql.batch_output_rows(ds, sql.model_spec(m), names.batch_output_table(m.name)),
}


def quality_workflow(*, team: str, dataset: sql.Dataset, location: str, models: Sequence[Model]) -> dict[str, Any]:
    """The workflow definition (Workflows syntax as a dict)."""
    ingest = [
        {
            "table": names.request_log_table(m.name),
            "query": sql.ingest_request_log(dataset, sql.model_spec(m), names.request_log_table(m.name)),
        }
        for m in with_pattern(models, lambda spec: spec.history is HistorySource.REQUEST_LOG)
    ]
    scripts = [
        sql.replace_day(dataset, sql.model_spec(m), build(dataset, sql.model_spec(m)))
        for m in models
        for build in sql.DAILY_QUERIES.values()
    ]
    day = [workflow_steps.day_parameter()]
    main_steps: list[dict[str, Any]] = [
        *workflow_steps.day_argument_steps(),
        {
            "ingest_request_logs": {
                "for": {
                    "value": "log",
                    "in": ingest,
                    "steps": [
                        {
                            "ingest": {
                                "call": "ingest",
                                "args": {"table": "${log.table}", "query": "${log.query}", "day": "${day}"},
                            }
                        }
                    ],
                }
            }
        },
        {
            "write_daily_tables": {
                "for": {
                    "value": "query",
                    "in": scripts,
                    "steps": [{"write": {"call": "run_query", "args": {"query": "${query}", "parameters": day}}}],
                }
            }
        },
        # Only the day that just ended can be published (see the module docstring).
        {"metrics_window": {"switch": [{"condition": "${day != yesterday}", "next": "metrics_skipped"}]}},
        {
            "publish_metrics": {
                "for": {
                    "value": "p",
                    "in": publications(dataset, models),
                    "steps": [
                        {
                            "publish": {
                                "call": "publish_query",
                                "args": {
                                    "query": "${p.query}",
                                    "parameters": day,
                                    "metric_type": "${p.metric_type}",
                                    "label_names": "${p.label_names}",
                                    "value_type": "${p.value_type}",
                                    "team": team,
                                },
                            }
                        }
                    ],
                }
            }
        },
        {"done": {"return": {"day": "${day}", "models": len(models), "metrics": "published"}}},
        {
            "metrics_skipped": {
                "return": {
                    "day": "${day}",
                    "models": len(models),
                    "metrics": f"not published: {workflow_steps.METRICS_WINDOW_NOTE}",
                }
            }
        },
    ]
    if not ingest:
        main_steps = [s for s in main_steps if "ingest_request_logs" not in s]
    return {
        "main": {"params": ["args"], "steps": main_steps},
        "run_query": workflow_steps.run_query_subworkflow(location, dataset.dataset),
        "query_rows": workflow_steps.query_rows_subworkflow(),
        "ingest": workflow_steps.ingest_subworkflow(dataset.project, dataset.dataset),
        "publish_query": workflow_steps.publish_query_subworkflow(),
    }


class QualityWorkflow(Construct):
    """The workflow (CMEK, pipeline SA) and its daily schedule for one team.

    ``schedule`` (default ``DEFAULT_SCHEDULE``, 05:00 UTC daily, after the day's partitions are complete) is the
    Cloud Scheduler cron; ``depends_on`` (default none) what the workflow needs first (dataset, tables, grants).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        team: str,
        project: str,
        region: str,
        dataset_id: str,
        models: Sequence[Model],
        service_account: str,
        kms_key_id: str,
        labels: dict[str, str],
        schedule: str = DEFAULT_SCHEDULE,
        depends_on: Sequence[Any] = (),
    ):
        super().__init__(scope, id)
        self.definition = quality_workflow(
            team=team, dataset=sql.Dataset(project, dataset_id), location=region, models=models
        )
        self.workflow = WorkflowsWorkflow(
            self,
            "workflow",
            name=names.quality_workflow(team),
            project=project,
            region=region,
            description=f"Daily usage, data quality, drift and accuracy of {team}'s models; publishes modelops metrics.",
            service_account=service_account,
            crypto_key_name=kms_key_id,
            call_log_level="LOG_ERRORS_ONLY",
            deletion_protection=True,
            labels=labels,
            source_contents=workflow_steps.terraform_literal(workflow_steps.dump(self.definition)),
            depends_on=list(depends_on),
        )
        self.schedule = schedule_workflow(
            self,
            "schedule",
            workflow=self.workflow,
            name=names.quality_workflow(team),
            project=project,
            region=region,
            description=f"Runs {names.quality_workflow(team)} daily.",
            schedule=schedule,
            time_zone="Etc/UTC",
            service_account=service_account,
        )
