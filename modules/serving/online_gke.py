"""Online pattern on the shared GKE cluster (`serving.runtime: gke`): the model's image as a Deployment behind an
internal load balancer in the team namespace, with the alerts of a Vertex endpoint on Managed Prometheus series.

Per model (once `serving.image` is set, by `modelops deploy`): Deployment, HorizontalPodAutoscaler (serving
min/max replicas), PodDisruptionBudget, PodMonitoring and scrape policy (modules/kubernetes/workloads.py), an
internal LoadBalancer Service and the policy letting VPC callers in (modules/kubernetes/internal_service.py). No
Vertex AI endpoint. The container serves the Vertex AI custom-container contract on 8080, exposes the request
metrics of the metric contract on 9090 (modules/monitoring/promql.py) and appends one prediction_history row per
request (docs/gke-serving.md, "Prediction history"); it runs as the team's serving account, which holds the
append grant on prediction_history (DatasetWrite.SERVING_APPENDS_HISTORY of the ONLINE_GKE spec).

Alerts are PromQL conditions on the series the cluster writes into the platform project; the team project's
metrics scope includes that project (the team stack adds it, modules/monitoring/platform_metrics.py).
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from config import names, patterns
from config.model import Model
from metric_catalogue.thresholds import Quantity, declare
from modules.kubernetes.internal_service import InternalService
from modules.kubernetes.workloads import METRICS_PORT_NAME, Container, ModelWorkload
from modules.monitoring import promql
from modules.monitoring.alerts import AlertSpec, promql_condition
from modules.monitoring.dashboards import promql_chart, text
from modules.serving.context import ModelContext
from modules.serving.model_container import model_container_env, pii_features_env
from modules.serving.pattern import ServingPattern

# The prediction_history row the container appends per request (tabledata.insertAll, insertId = request_id, like
# the streaming scorer's scorer/history.py): columns of modules/metadata_tables.py PREDICTION_HISTORY_COLUMNS.
HISTORY_SOURCE = patterns.HistorySource.SERVING_CONTAINER.value
HISTORY_ROW = (
    "prediction_time",  # when the response was sent (UTC)
    "model",  # MODEL_NAME
    "model_version",  # MODEL_VERSION (the registered version id; the image digest when none is recorded)
    "pattern",  # "online"
    "source",  # HISTORY_SOURCE
    "request_id",  # the caller's request id (instance `request_id`), joins ground truth
    "features",  # non-pii features as a JSON object
    "pii_features",  # features marked `pii: true` as a JSON object
    "predicted_label",
    "predicted_value",
    "latency_ms",  # the request's handling time
)
MODEL_PORT = 8080
METRICS_PORT = 9090
PREDICT_ROUTE = "/predict"
HEALTH_ROUTE = "/health"


def namespace_of(team: str) -> str:
    """The team namespace (the fleet scope's, config/names.py scope_id)."""
    return names.scope_id(team)


class OnlineGkeDeployment(ServingPattern):
    spec = patterns.ONLINE_GKE

    def __init__(self, scope: Construct, id: str, *, ctx: ModelContext):
        super().__init__(scope, id, ctx=ctx)
        model = ctx.model
        self.workload_name = names.online_workload(model.name)
        self.namespace = namespace_of(ctx.team.name)
        self.workload: ModelWorkload | None = None
        self.service: InternalService | None = None
        if ctx.namespace is None or model.serving.image is None:
            return  # no version deployed yet: `modelops deploy` writes serving.image
        labels = {"team": ctx.team.name, "model": model.name}
        self.workload = ModelWorkload(
            self,
            "workload",
            name=self.workload_name,
            namespace=ctx.namespace,
            containers=[
                Container(
                    "model",
                    ctx.image(model.serving.image),
                    env={
                        # The Vertex AI custom-container contract (modules/serving/model_container.py).
                        **model_container_env(model, MODEL_PORT, PREDICT_ROUTE, HEALTH_ROUTE),
                        # The platform's additions (docs/gke-serving.md, "Metric contract", "Prediction history").
                        "METRICS_PORT": str(METRICS_PORT),
                        "HISTORY_TABLE": f"{ctx.project}.{ctx.dataset.dataset_id}.{names.PREDICTION_HISTORY_TABLE}",
                        "MODEL_NAME": model.name,
                        "MODEL_VERSION": model.serving.model_version or "",
                        # The container writes these to the policy-tagged pii_features column (review 13c, item 2).
                        "PII_FEATURES": pii_features_env(model),
                    },
                    ports={"http": MODEL_PORT, METRICS_PORT_NAME: METRICS_PORT},
                    probe=(HEALTH_ROUTE, MODEL_PORT),
                )
            ],
            sizing=model.serving.workload,
            metrics_port=METRICS_PORT,
            labels=labels,
            # The pods append prediction_history as the serving account from their first request.
            depends_on=list(ctx.dataset_grants),
        )
        self.service = InternalService(
            self,
            "service",
            name=self.workload_name,
            namespace=ctx.namespace,
            selector=self.workload.selector,
            labels=self.workload.labels,
            target_port=MODEL_PORT,
        )

    @staticmethod
    def dashboard_tiles(team: str, env: str, model: Model) -> list[dict[str, Any]]:
        job, ns = names.online_workload(model.name), namespace_of(team)
        if model.serving.image is None:  # nothing runs yet: no series to chart (and no PodMonitoring, MLOPS_MON_9)
            return [
                text(
                    "Served on GKE",
                    f"`{model.name}` will run as Deployment `{job}` in namespace `{ns}` once `modelops deploy` "
                    "writes its serving.image.",
                )
            ]
        sel = promql.selector(ns, job)
        return [
            promql_chart("Traffic (requests/s)", f"sum(rate({promql.REQUESTS}{sel}[5m]))", "requests/s"),
            promql_chart(
                "Latency p99 (s)",
                f"histogram_quantile(0.99, sum by (le) (rate({promql.REQUEST_DURATION}_bucket{sel}[5m])))",
                "s",
            ),
            promql_chart(
                "Error ratio",
                f"sum(rate({promql.REQUESTS}{promql.selector(ns, job, code=promql.ERROR_CODES)}[5m])) "
                f"/ sum(rate({promql.REQUESTS}{sel}[5m]))",
                "",
            ),
            promql_chart(
                "Replicas",
                f'max({promql.DEPLOYMENT_REPLICAS}{{namespace="{ns}",deployment="{job}"}})',
                "replicas",
            ),
            text(
                "Served on GKE",
                f"`{model.name}` runs as Deployment `{job}` behind internal Service `{job}` in namespace `{ns}` "
                "of the shared cluster (series from Managed Prometheus, in the platform project).",
            ),
        ]

    def alert_specs(self) -> list[AlertSpec]:
        mon, serving = self.ctx.model.monitoring, self.ctx.model.serving
        ns, job = self.namespace, self.workload_name
        latency_s = Quantity(mon.latency_p99_ms, "ms").to("s")
        specs = [
            AlertSpec(
                "gke-latency-p99",
                (
                    promql_condition(
                        declare("p99 request duration above the latency budget for 5 min", latency_s, "s"),
                        promql.latency_p99_above(ns, job, latency_s),
                        duration="300s",
                    ),
                ),
                detail=f"Threshold: {mon.latency_p99_ms:g} ms at p99 (Deployment {job}, namespace {ns}).",
            ),
            AlertSpec(
                "gke-error-ratio",
                (
                    promql_condition(
                        declare(
                            "4xx/5xx responses per response above the error budget for 5 min", mon.max_error_rate, "1"
                        ),
                        promql.error_ratio_above(ns, job, mon.max_error_rate),
                        duration="300s",
                    ),
                ),
                detail=f"Threshold: error ratio {mon.max_error_rate:g} (4xx and 5xx responses / all responses).",
            ),
            AlertSpec(
                "gke-replicas-at-max",
                (
                    promql_condition(
                        declare(f"replicas at max ({serving.max_replicas}) for 15 min", serving.max_replicas, "1"),
                        promql.replicas_at_max(ns, job, serving.max_replicas),
                        duration="900s",
                    ),
                ),
                detail=f"Maximum replicas: {serving.max_replicas} (`serving.max_replicas`).",
            ),
        ]
        if mon.min_predictions_per_hour > 0:
            specs.append(
                AlertSpec(
                    "gke-traffic-drop",
                    (
                        promql_condition(
                            declare(
                                "fewer requests in the last hour than the hourly minimum (or none at all)",
                                mon.min_predictions_per_hour,
                                "1",
                            ),
                            promql.requests_per_hour_below(ns, job, mon.min_predictions_per_hour),
                            duration="0s",
                        ),
                    ),
                    detail=f"Minimum: {mon.min_predictions_per_hour} requests per hour.",
                )
            )
        return specs
