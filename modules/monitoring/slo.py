"""A latency and an availability SLO per online model, each with a fast-burn alert.

The SLOs hang on a custom service whose telemetry points at the Vertex endpoint. Latency: share
of predictions faster than `latency_p99_ms` (goal 99%). Availability: share of 2xx responses
(goal 1 - `max_error_rate`, capped at 99.9%). Burn rate 14.4 over one hour = 2% of a 30-day
budget in an hour, the usual paging threshold.
"""
from __future__ import annotations

from cdktn_provider_google.monitoring_custom_service import MonitoringCustomService
from cdktn_provider_google.monitoring_slo import MonitoringSlo
from constructs import Construct

from modules.monitoring import filters
from modules.monitoring.alerts import AlertSpec, threshold
from stacks import names

ROLLING_DAYS = 28
LATENCY_GOAL = 0.99
MAX_GOAL = 0.999
FAST_BURN_RATE = 14.4
BURN_WINDOW = "3600s"


def availability_goal(max_error_rate: float) -> float:
    return round(min(MAX_GOAL, 1 - max_error_rate), 4)


class EndpointSlos(Construct):
    def __init__(self, scope: Construct, id: str, *, project: str, region: str, team: str, model: str,
                 endpoint_id: str, latency_ms: float, max_error_rate: float):
        super().__init__(scope, id)
        self.service = MonitoringCustomService(
            self, "service",
            project=project,
            service_id=names.slo_service_id(team, model),
            display_name=f"{team}/{model}",
            telemetry={"resource_name": f"//aiplatform.googleapis.com/projects/{project}/locations/{region}/endpoints/{endpoint_id}"},
            user_labels={"team": team, "model": model},
        )
        self.latency = MonitoringSlo(
            self, "latency",
            project=project,
            service=self.service.service_id,
            slo_id="latency",
            display_name=f"{model}: {LATENCY_GOAL:.0%} of predictions under {latency_ms:g} ms",
            goal=LATENCY_GOAL,
            rolling_period_days=ROLLING_DAYS,
            request_based_sli={"distribution_cut": {
                "distribution_filter": filters.latency(endpoint_id),
                "range": {"max": latency_ms},
            }},
            user_labels={"team": team, "model": model},
        )
        self.availability = MonitoringSlo(
            self, "availability",
            project=project,
            service=self.service.service_id,
            slo_id="availability",
            display_name=f"{model}: {availability_goal(max_error_rate):.2%} successful predictions",
            goal=availability_goal(max_error_rate),
            rolling_period_days=ROLLING_DAYS,
            request_based_sli={"good_total_ratio": {
                "good_service_filter": filters.endpoint(filters.RESPONSE_COUNT, endpoint_id,
                                                        'metric.labels.response_code=monitoring.regex.full_match("2..")'),
                "total_service_filter": filters.endpoint(filters.RESPONSE_COUNT, endpoint_id),
            }},
            user_labels={"team": team, "model": model},
        )

    def burn_rate_alerts(self) -> list[AlertSpec]:
        specs = []
        for slo_id, slo in (("latency", self.latency), ("availability", self.availability)):
            condition = threshold(
                f"{slo_id} SLO burn rate over 1h above {FAST_BURN_RATE}",
                f'select_slo_burn_rate("{slo.name}", "{BURN_WINDOW}")',
                comparison="COMPARISON_GT", value=FAST_BURN_RATE, aggregations=[],
            )
            specs.append(AlertSpec("slo-burn-rate", (condition,), construct_id=f"slo-burn-rate-{slo_id}",
                                   detail=f"SLO: {slo_id}."))
        return specs
