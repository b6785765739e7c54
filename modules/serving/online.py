"""Online pattern: a Vertex AI endpoint (CMEK, request/response logging, private access), SLOs, alerts.

Models are deployed onto the endpoint by the lifecycle CLI (`modelops deploy`): the google
provider has no resource for deploying a model (reference §2). Terraform owns the endpoint,
its encryption, its logging into the team dataset and everything that watches it.
"""
from __future__ import annotations

from cdktn_provider_google.vertex_ai_endpoint import VertexAiEndpoint
from constructs import Construct

from modules.monitoring import filters
from modules.monitoring.alerts import AlertSpec, aggregation, threshold
from modules.monitoring.slo import EndpointSlos
from modules.serving.context import ModelContext
from stacks import names

ZERO_TRAFFIC_SAFE = "EVALUATION_MISSING_DATA_ACTIVE"


class OnlineEndpoint(Construct):
    """One Vertex AI endpoint per model and environment, named deterministically from team/model/env."""

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext):
        super().__init__(scope, id)
        self.ctx = ctx
        model = ctx.model
        self.endpoint_id = names.endpoint_name(ctx.team.name, model.name, ctx.env)
        self.log_table = names.request_log_table(model.name)
        access = model.serving.access
        key_grant = ctx.agents.key_grant("vertex")
        self.endpoint = VertexAiEndpoint(
            self, "endpoint",
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
                if access == "private_service_connect" else None),
            dedicated_endpoint_enabled=True if access == "dedicated" else None,
            depends_on=[key_grant, *ctx.dataset_grants],
        )
        self.slos = EndpointSlos(
            self, "slo", project=ctx.project, region=ctx.region, team=ctx.team.name, model=model.name,
            endpoint_id=self.endpoint_id, latency_ms=model.monitoring.latency_p99_ms,
            max_error_rate=model.monitoring.max_error_rate,
        )

    def alert_specs(self) -> list[AlertSpec]:
        mon = self.ctx.model.monitoring
        eid = self.endpoint_id
        by_endpoint = ["resource.label.endpoint_id"]
        specs = [
            AlertSpec("endpoint-latency-p99", (threshold(
                f"p99 latency above {mon.latency_p99_ms:g} ms for 5 min", filters.latency(eid),
                comparison="COMPARISON_GT", value=mon.latency_p99_ms, duration="300s",
                aggregations=[aggregation("ALIGN_PERCENTILE_99", "300s", "REDUCE_MAX", by_endpoint)]),),
                detail=f"Threshold: {mon.latency_p99_ms:g} ms at p99."),
            AlertSpec("endpoint-error-ratio", (threshold(
                f"errors / predictions above {mon.max_error_rate:g} for 5 min",
                filters.endpoint(filters.ERROR_COUNT, eid),
                comparison="COMPARISON_GT", value=mon.max_error_rate, duration="300s",
                aggregations=[aggregation("ALIGN_RATE", "300s", "REDUCE_SUM", by_endpoint)],
                denominator_filter=filters.endpoint(filters.PREDICTION_COUNT, eid),
                denominator_aggregations=[aggregation("ALIGN_RATE", "300s", "REDUCE_SUM", by_endpoint)]),),
                detail=f"Threshold: error ratio {mon.max_error_rate:g}."),
            AlertSpec("endpoint-replicas-at-max", (threshold(
                f"replicas at max ({self.ctx.model.serving.max_replicas}) for 15 min",
                filters.endpoint(filters.REPLICAS, eid),
                comparison="COMPARISON_GT", value=self.ctx.model.serving.max_replicas - 0.5, duration="900s",
                aggregations=[aggregation("ALIGN_MIN", "300s", "REDUCE_MAX", ["metric.label.deployed_model_id"])]),),
                detail=f"Maximum replicas: {self.ctx.model.serving.max_replicas}."),
        ]
        if mon.min_predictions_per_hour > 0:
            # A DELTA metric writes no points at zero traffic: missing data must count as a breach.
            specs.append(AlertSpec("endpoint-traffic-drop", (threshold(
                f"fewer than {mon.min_predictions_per_hour} predictions in the last hour (or none at all)",
                filters.endpoint(filters.PREDICTION_COUNT, eid),
                comparison="COMPARISON_LT", value=mon.min_predictions_per_hour, duration="0s",
                aggregations=[aggregation("ALIGN_SUM", "3600s", "REDUCE_SUM", by_endpoint)],
                missing=ZERO_TRAFFIC_SAFE),),
                detail=f"Minimum: {mon.min_predictions_per_hour} predictions per hour."))
        return specs + self.slos.burn_rate_alerts()
