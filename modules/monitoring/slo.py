"""A latency and an availability SLO per online model, each with a fast-burn alert.

The SLOs hang on a custom service whose telemetry points at the Vertex endpoint. Latency: share
of predictions faster than `latency_p99_ms` (goal 99%). Availability: share of 2xx responses
(goal 1 - `max_error_rate`, capped at 99.9%). Burn rate 14.4 over one hour = 2% of a 30-day
budget in an hour, the usual paging threshold.

The latency SLO's good range is in the unit of `prediction_latencies` (ms per the metric catalogue);
its display name declares it, `[threshold: 150 ms]`, for the gate's unit check (MLOPS_MON_7). The
availability SLI counts responses (response_count), so a failed request counts in the total.
"""

from __future__ import annotations

from cdktn_provider_google.monitoring_custom_service import MonitoringCustomService
from cdktn_provider_google.monitoring_slo import MonitoringSlo
from constructs import Construct

from config import names
from metric_catalogue.compared import compared_unit
from metric_catalogue.thresholds import Quantity, declare
from modules.monitoring import filters
from modules.monitoring.alerts import AlertSpec, threshold

ROLLING_DAYS = 28
LATENCY_GOAL = 0.99
MAX_GOAL = 0.999
FAST_BURN_RATE = 14.4
BURN_WINDOW = "3600s"


def availability_goal(max_error_rate: float) -> float:
    return round(min(MAX_GOAL, 1 - max_error_rate), 4)


class EndpointSlos(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: str,
        region: str,
        team: str,
        model: str,
        endpoint_id: str,
        latency_ms: float,
        max_error_rate: float,
    ):
        super().__init__(scope, id)
        self.service = MonitoringCustomService(
            self,
            "service",
            project=project,
            service_id=names.slo_service_id(team, model),
            display_name=f"{team}/{model}",
            telemetry={
                "resource_name": f"//aiplatform.googleapis.com/projects/{project}/locations/{region}/endpoints/{endpoint_id}"
            },
            user_labels={"team": team, "model": model},
        )
        latency_filter = filters.latency(endpoint_id)
        # A distribution cut counts raw values: the range is in the metric's own unit.
        unit = compared_unit(latency_filter, [])
        latency_max = Quantity(latency_ms, "ms").to(unit)
        self.latency = MonitoringSlo(
            self,
            "latency",
            project=project,
            service=self.service.service_id,
            slo_id="latency",
            display_name=declare(
                f"{model}: {LATENCY_GOAL:.0%} of predictions within the latency budget", latency_max, unit
            ),
            goal=LATENCY_GOAL,
            rolling_period_days=ROLLING_DAYS,
            request_based_sli={
                "distribution_cut": {
                    "distribution_filter": latency_filter,
                    "range": {"max": latency_max},
                }
            },
            user_labels={"team": team, "model": model},
        )
        self.availability = MonitoringSlo(
            self,
            "availability",
            project=project,
            service=self.service.service_id,
            slo_id="availability",
            display_name=f"{model}: {availability_goal(max_error_rate):.2%} successful predictions",
            goal=availability_goal(max_error_rate),
            rolling_period_days=ROLLING_DAYS,
            request_based_sli={
                "good_total_ratio": {
                    "good_service_filter": filters.responses(endpoint_id, filters.SUCCESS_RESPONSES),
                    "total_service_filter": filters.responses(endpoint_id),
                }
            },
            user_labels={"team": team, "model": model},
        )

    def burn_rate_alerts(self) -> list[AlertSpec]:
        specs = []
        for slo_id, slo in (("latency", self.latency), ("availability", self.availability)):
            condition = threshold(
                f"{slo_id} SLO burn rate over 1h above the fast-burn rate",
                f'select_slo_burn_rate("{slo.name}", "{BURN_WINDOW}")',
                comparison="COMPARISON_GT",
                value=Quantity(FAST_BURN_RATE, "1"),
                aggregations=[],
            )
            specs.append(
                AlertSpec(
                    "slo-burn-rate", (condition,), construct_id=f"slo-burn-rate-{slo_id}", detail=f"SLO: {slo_id}."
                )
            )
        return specs
