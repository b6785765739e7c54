"""The platform project in the team project's metrics scope: where the team's PromQL alerts find their series.

Managed Prometheus writes the series of the shared cluster's workloads into the cluster's project, the platform
project. Alert policies notify only channels of their own project (modules/monitoring/alerts.py), so the team's
policies stay in the team project and read the platform project through the team project's metrics scope: "A
monitored project can also belong to more than one metrics scope"
(https://cloud.google.com/stackdriver/docs/managed-prometheus/best-practices/config, "Metrics scopes"). Each team
stack adds the link for its own scope only; the platform stack is not changed and reads no team setting.
Trade-off (docs/gke-serving.md, "Where the alerts read the cluster's series"): whoever reads the team project's
metrics also reads the platform project's, every team's workload series included.
"""

from __future__ import annotations

from cdktn_provider_google.monitoring_monitored_project import MonitoringMonitoredProject
from constructs import Construct


class PlatformMetricsInScope(Construct):
    def __init__(self, scope: Construct, id: str, *, team_project: str, platform_project: str) -> None:
        super().__init__(scope, id)
        self.link = MonitoringMonitoredProject(
            self,
            "platform-project",
            metrics_scope=f"locations/global/metricsScopes/{team_project}",
            name=platform_project,
        )
