"""Online pattern: a Vertex AI endpoint (CMEK, request/response logging, private access), SLOs, alerts.

Models are deployed onto the endpoint by the lifecycle CLI (`modelops deploy`): the google
provider has no resource for deploying a model (reference §2). Terraform owns the endpoint,
its encryption, its logging into the team dataset and everything that watches it.
"""

from __future__ import annotations

from typing import Any

from cdktn_provider_google.vertex_ai_endpoint import VertexAiEndpoint
from constructs import Construct

from config import names, patterns
from config.model import Model
from metric_catalogue.thresholds import Quantity
from modules.monitoring import filters
from modules.monitoring.alerts import AlertSpec, aggregation, matched_log, threshold
from modules.monitoring.dashboards import chart, ratio, series
from modules.monitoring.slo import EndpointSlos
from modules.serving.context import ModelContext
from modules.serving.pattern import ServingPattern

ZERO_TRAFFIC_SAFE = "EVALUATION_MISSING_DATA_ACTIVE"
# No ratio point means no error responses (or no responses at all): not a breach. Zero traffic is the
# traffic-drop alert's job. EVALUATION_MISSING_DATA_INACTIVE: "If there is no data to evaluate the
# condition, then evaluate the condition as false."
NO_ERRORS_WITHOUT_DATA = "EVALUATION_MISSING_DATA_INACTIVE"


def logging_change_filter(project: str, endpoint_id: str) -> str:
    """Admin Activity audit entries of UpdateEndpoint calls on one endpoint whose update mask names
    predict_request_response_logging_config (UpdateEndpointRequest.update_mask; Admin Activity logs are always
    written, https://cloud.google.com/logging/docs/audit#admin-activity). The mask may read in either JSON
    spelling (snake or camel case), hence the case-insensitive pattern."""
    return "\n".join(
        (
            f'logName="projects/{project}/logs/cloudaudit.googleapis.com%2Factivity"',
            'protoPayload.serviceName="aiplatform.googleapis.com"',
            'protoPayload.methodName=~"EndpointService\\.UpdateEndpoint$"',
            f'protoPayload.resourceName=~"/endpoints/{endpoint_id}$"',
            'protoPayload.request.updateMask=~"(?i)predict_?request_?response_?logging_?config"',
        )
    )


class OnlineEndpoint(ServingPattern):
    """One Vertex AI endpoint per model and environment, named deterministically from team/model/env."""

    spec = patterns.ONLINE

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext):
        super().__init__(scope, id, ctx=ctx)
        model = ctx.model
        self.endpoint_id = names.endpoint_name(ctx.team.name, model.name, ctx.env)
        self.log_table = names.request_log_table(model.name)
        access = model.serving.access
        key_grant = ctx.agents.key_grant("vertex")
        self.endpoint = VertexAiEndpoint(
            self,
            "endpoint",
            name=self.endpoint_id,
            display_name=ctx.resource_name(),
            description=model.description,
            project=ctx.project,
            location=ctx.region,
            region=ctx.region,
            labels=ctx.labels,
            encryption_spec={"kms_key_name": ctx.keys["vertex"]},
            predict_request_response_logging_config={
                "enabled": True,
                "sampling_rate": model.logging.sample_rate,
                # The table must not exist: Vertex creates it with its own schema on first use.
                "bigquery_destination": {"output_uri": ctx.table_uri(self.log_table)},
            },
            private_service_connect_config=(
                {"enable_private_service_connect": True, "project_allowlist": [ctx.project]}
                if access == "private_service_connect"
                else None
            ),
            dedicated_endpoint_enabled=True if access == "dedicated" else None,
            depends_on=[key_grant, *ctx.dataset_grants],
        )
        self.slos = EndpointSlos(
            self,
            "slo",
            project=ctx.project,
            region=ctx.region,
            team=ctx.team.name,
            model=model.name,
            endpoint_id=self.endpoint_id,
            latency_ms=model.monitoring.latency_p99_ms,
            max_error_rate=model.monitoring.max_error_rate,
        )

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        endpoint_id = names.endpoint_name(team, model.name, env)
        mon = model.monitoring
        by_endpoint = ["resource.label.endpoint_id"]
        return [
            chart(
                "Traffic (predictions/s)",
                [
                    series(
                        filters.endpoint(filters.PREDICTION_COUNT, endpoint_id),
                        "ALIGN_RATE",
                        reducer="REDUCE_SUM",
                        group_by=by_endpoint,
                        legend="predictions/s",
                    )
                ],
                y_label="predictions/s",
            ),
            chart(
                "Latency p50 / p99 (ms)",
                [
                    series(
                        filters.latency(endpoint_id),
                        "ALIGN_DELTA",
                        reducer=f"REDUCE_PERCENTILE_{p}",
                        group_by=by_endpoint,
                        legend=f"p{p}",
                    )
                    for p in (50, 99)
                ],
                thresholds=[Quantity(mon.latency_p99_ms, "ms")],
                y_label="ms",
            ),
            chart(
                "Error ratio",
                [
                    ratio(
                        filters.error_responses(endpoint_id),
                        filters.responses(endpoint_id),
                        group_by=by_endpoint,
                        legend="4xx/5xx responses / all responses",
                    )
                ],
                thresholds=[Quantity(mon.max_error_rate, "1")],
            ),
            chart(
                "Replicas",
                [
                    series(
                        filters.endpoint(filters.REPLICAS, endpoint_id),
                        "ALIGN_MAX",
                        reducer="REDUCE_SUM",
                        group_by=["metric.label.deployed_model_id"],
                        legend="${metric.labels.deployed_model_id}",
                    )
                ],
                thresholds=[Quantity(model.serving.max_replicas, "1")],
            ),
        ]

    def alert_specs(self) -> list[AlertSpec]:
        mon = self.ctx.model.monitoring
        eid = self.endpoint_id
        by_endpoint = ["resource.label.endpoint_id"]
        max_replicas = self.ctx.model.serving.max_replicas
        per_second = [aggregation("ALIGN_RATE", "300s", "REDUCE_SUM", by_endpoint)]
        specs = [
            AlertSpec(
                "endpoint-latency-p99",
                (
                    threshold(
                        "p99 latency above the latency budget for 5 min",
                        filters.latency(eid),
                        comparison="COMPARISON_GT",
                        value=Quantity(mon.latency_p99_ms, "ms"),
                        duration="300s",
                        aggregations=[aggregation("ALIGN_PERCENTILE_99", "300s", "REDUCE_MAX", by_endpoint)],
                    ),
                ),
                detail=f"Threshold: {mon.latency_p99_ms:g} ms at p99.",
            ),
            # Responses, not predictions: prediction_count counts every instance of a request, and
            # response_count counts every response whatever its code, so a request that fails is in the
            # denominator. Both series come from the same metric, labels and sampling.
            AlertSpec(
                "endpoint-error-ratio",
                (
                    threshold(
                        "4xx/5xx responses per response above the error budget for 5 min",
                        filters.error_responses(eid),
                        comparison="COMPARISON_GT",
                        value=Quantity(mon.max_error_rate, "1"),
                        duration="300s",
                        aggregations=per_second,
                        denominator_filter=filters.responses(eid),
                        denominator_aggregations=per_second,
                        missing=NO_ERRORS_WITHOUT_DATA,
                    ),
                ),
                detail=f"Threshold: error ratio {mon.max_error_rate:g} (4xx and 5xx responses / all responses).",
            ),
            AlertSpec(
                "endpoint-replicas-at-max",
                (
                    threshold(
                        f"replicas at max ({max_replicas}) for 15 min",
                        filters.endpoint(filters.REPLICAS, eid),
                        comparison="COMPARISON_GT",
                        value=Quantity(max_replicas - 0.5, "1"),
                        duration="900s",
                        aggregations=[
                            aggregation("ALIGN_MIN", "300s", "REDUCE_MAX", ["metric.label.deployed_model_id"])
                        ],
                    ),
                ),
                detail=f"Maximum replicas: {max_replicas}.",
            ),
        ]
        if mon.min_predictions_per_hour > 0:
            # A DELTA metric writes no points at zero traffic: missing data must count as a breach.
            specs.append(
                AlertSpec(
                    "endpoint-traffic-drop",
                    (
                        threshold(
                            "fewer predictions in the last hour than the hourly minimum (or none at all)",
                            filters.endpoint(filters.PREDICTION_COUNT, eid),
                            comparison="COMPARISON_LT",
                            value=Quantity(mon.min_predictions_per_hour, "1"),
                            duration="0s",
                            aggregations=[aggregation("ALIGN_SUM", "3600s", "REDUCE_SUM", by_endpoint)],
                            missing=ZERO_TRAFFIC_SAFE,
                        ),
                    ),
                    detail=f"Minimum: {mon.min_predictions_per_hour} predictions per hour.",
                )
            )
        # The deployer and admins hold aiplatform.endpoints.update (traffic splits), which also switches request-
        # response logging off or elsewhere: an accepted exception with this alert (docs/access.md, Exceptions).
        specs.append(
            AlertSpec(
                "endpoint-logging-changed",
                (
                    matched_log(
                        "UpdateEndpoint changed request-response logging", logging_change_filter(self.ctx.project, eid)
                    ),
                ),
                detail=f"Endpoint id: {eid}.",
            )
        )
        return specs + self.slos.burn_rate_alerts()
