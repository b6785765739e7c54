"""Online models with `serving.runtime: gke` (fixture organisation: scout/query-suggest) on synthesized JSON:
the Kubernetes objects, no Vertex endpoint, PromQL alerts reading the platform project through the team
project's metrics scope, the metric contract and the prediction-history contract (docs/gke-serving.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from config import names, patterns
from config.errors import ConfigInvalid
from config.loader import load_config
from modules.monitoring import promql
from tests.helpers import resources

DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
MODEL = "query-suggest"
WORKLOAD = "query-suggest-online"


@pytest.fixture(params=["dev", "prod"])
def suggest(request, org_stacks, org_config):
    env = request.param
    model = org_config.team("scout").model(MODEL)
    return org_stacks[f"team-scout-{env}"], model, env


def _of_model(stack: dict, tf_type: str) -> dict[str, dict]:
    return {k: v for k, v in resources(stack, tf_type).items() if k.startswith(f"{MODEL}/")}


def test_the_fixture_model_is_online_on_gke_with_its_own_spec(org_config):
    model = org_config.team("scout").model(MODEL)
    assert (model.pattern, model.serving.runtime) == ("online", "gke")
    spec = patterns.spec_of(model)
    assert spec is patterns.ONLINE_GKE and spec.name == "online" and not spec.lifecycle.endpoint
    assert patterns.spec_of(org_config.team("scout").model("result-ranker")) is patterns.ONLINE


def test_no_vertex_endpoint_and_no_request_log_for_a_gke_model(suggest):
    stack, model, env = suggest
    endpoints = resources(stack, "google_vertex_ai_endpoint")
    assert not [k for k in endpoints if k.startswith(f"{MODEL}/")]
    assert [k for k in endpoints if k.startswith("result-ranker/")]  # the vertex model of the same team keeps its own
    workflow = resources(stack, "google_workflows_workflow")["model-quality/workflow"]
    assert names.request_log_table(MODEL) not in workflow["source_contents"]
    assert names.request_log_table("result-ranker") in workflow["source_contents"]


def test_the_deployment_runs_the_digest_pinned_image_of_the_platform_registry_restricted(suggest, org_config):
    stack, model, env = suggest
    (deployment,) = _of_model(stack, "kubernetes_deployment_v1").values()
    assert deployment["metadata"] == {
        "name": WORKLOAD,
        "namespace": "scout",
        "labels": {"team": "scout", "model": MODEL, "app.kubernetes.io/name": WORKLOAD},
    }
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["container"]
    prefix = f"{org_config.platform.region}-docker.pkg.dev/orbit-mlops-{env}/{names.ARTIFACT_REPOSITORY}/"
    assert container["image"] == prefix + model.serving.image and DIGEST.search(container["image"])
    assert pod["service_account_name"] == "scout-serving" and pod["automount_service_account_token"] is False
    assert not any(pod.get(k) for k in ("host_network", "host_pid", "host_ipc"))
    sc = container["security_context"]
    assert sc["run_as_non_root"] is True and sc["allow_privilege_escalation"] is False and sc["privileged"] is False
    assert sc["read_only_root_filesystem"] is True and sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccomp_profile"] == {"type": "RuntimeDefault"}
    # serving.cpu / serving.memory of scout.yaml; ephemeral storage at Autopilot's container default
    size = {"cpu": "1", "memory": "2Gi", "ephemeral-storage": "1Gi"}
    assert container["resources"] == {"requests": size, "limits": size}
    assert {p["name"]: p["container_port"] for p in container["port"]} == {"http": 8080, "metrics": 9090}
    assert container["readiness_probe"]["http_get"] == {"path": "/health", "port": "8080"}


def test_hpa_pdb_and_pod_monitoring_follow_the_team_file(suggest):
    stack, model, _ = suggest
    (hpa,) = _of_model(stack, "kubernetes_horizontal_pod_autoscaler_v2").values()
    assert (hpa["spec"]["min_replicas"], hpa["spec"]["max_replicas"]) == (2, 6)
    assert (model.serving.min_replicas, model.serving.max_replicas) == (2, 6)
    assert hpa["spec"]["scale_target_ref"]["name"] == WORKLOAD
    (pdb,) = _of_model(stack, "kubernetes_pod_disruption_budget_v1").values()
    assert pdb["spec"]["selector"]["match_labels"] == {"app.kubernetes.io/name": WORKLOAD}
    (monitoring,) = _of_model(stack, "kubernetes_manifest").values()
    assert monitoring["manifest"]["kind"] == "PodMonitoring"
    assert monitoring["manifest"]["metadata"]["name"] == WORKLOAD  # the `job` label the alerts select on
    assert monitoring["manifest"]["spec"]["endpoints"] == [{"port": "metrics", "interval": "30s"}]


def test_the_service_is_an_internal_load_balancer_and_only_vpc_callers_and_health_checks_get_in(suggest):
    """https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing (annotation);
    https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges (probe ranges)."""
    stack, _, _ = suggest
    (service,) = _of_model(stack, "kubernetes_service_v1").values()
    assert service["metadata"]["annotations"] == {"networking.gke.io/load-balancer-type": "Internal"}
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": WORKLOAD}
    assert service["spec"]["port"] == [{"name": "http", "port": 80, "target_port": "8080", "protocol": "TCP"}]
    policies = {p["metadata"]["name"]: p for p in _of_model(stack, "kubernetes_network_policy_v1").values()}
    assert set(policies) == {f"{WORKLOAD}-callers", f"{WORKLOAD}-scrape"}
    callers = policies[f"{WORKLOAD}-callers"]["spec"]
    assert callers["policy_types"] == ["Ingress"]
    (rule,) = callers["ingress"]
    assert rule["ports"] == [{"port": "8080", "protocol": "TCP"}]
    cidrs = {peer["ip_block"]["cidr"] for peer in rule["from"]}
    assert cidrs == {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "35.191.0.0/16", "130.211.0.0/22"}
    (scrape,) = policies[f"{WORKLOAD}-scrape"]["spec"]["ingress"]
    assert scrape["ports"] == [{"port": "9090", "protocol": "TCP"}]


def _one_policy(stack: dict, kind: str) -> dict:
    """The stack's only alert policy of ``kind``."""
    [policy] = [
        p for p in resources(stack, "google_monitoring_alert_policy").values() if p["user_labels"]["alert_kind"] == kind
    ]
    return policy


def _policies(stack: dict) -> dict[str, dict]:
    return {
        p["user_labels"]["alert_kind"]: p
        for k, p in resources(stack, "google_monitoring_alert_policy").items()
        if k.startswith(f"{MODEL}/")
    }


def test_the_vertex_alert_kinds_exist_as_promql_conditions_with_the_team_file_thresholds(suggest):
    stack, model, _ = suggest
    policies = _policies(stack)
    queries = {}
    for kind in ("gke-latency-p99", "gke-error-ratio", "gke-traffic-drop", "gke-replicas-at-max"):
        (condition,) = policies[kind]["conditions"]
        body = condition["condition_prometheus_query_language"]
        # evaluationInterval "Must be a positive multiple of 30 seconds"; metric validation off because the series
        # exists only after the first scrape (PrometheusQueryLanguageCondition, Monitoring API v3).
        assert int(body["evaluation_interval"].rstrip("s")) % 30 == 0
        assert body["disable_metric_validation"] is True
        assert 'namespace="scout"' in body["query"]
        queries[kind] = body["query"]
    assert queries["gke-latency-p99"].endswith(" > 0.06")  # latency_p99_ms: 60
    assert queries["gke-error-ratio"].endswith(" > 0.01") and 'code=~"[45].."' in queries["gke-error-ratio"]
    # fires at zero: with no series at all, `or vector(0)` yields 0 < minimum
    assert queries["gke-traffic-drop"] == (
        f'(sum(increase(modelops_requests_total{{namespace="scout",job="{WORKLOAD}"}}[1h])) or vector(0)) < 2000'
    )
    assert queries["gke-replicas-at-max"] == (
        f'max(kube_deployment_status_replicas{{namespace="scout",deployment="{WORKLOAD}"}}) >= 6'
    )
    signals = {p["user_labels"]["signal"] for p in policies.values()}
    assert {"latency", "errors", "traffic", "capacity"} <= signals


def test_promql_alerts_depend_on_the_platform_project_in_the_team_metrics_scope(suggest):
    stack, _, env = suggest
    (link,) = resources(stack, "google_monitoring_monitored_project").values()
    assert link["metrics_scope"] == f"locations/global/metricsScopes/orbit-scout-{env}"
    assert link["name"] == f"orbit-mlops-{env}"  # the cluster's project, where Managed Prometheus writes
    link_id = next(iter(stack["resource"]["google_monitoring_monitored_project"]))
    for kind, policy in _policies(stack).items():
        if kind.startswith("gke-"):
            assert policy["project"] == f"orbit-scout-{env}"
            assert f"google_monitoring_monitored_project.{link_id}" in policy["depends_on"]


def test_a_team_without_cluster_alerts_keeps_its_metrics_scope_to_itself(org_stacks):
    assert "google_monitoring_monitored_project" not in org_stacks["team-ledger-prod"]["resource"]


def _exposed_names(registry: CollectorRegistry) -> set[str]:
    text = generate_latest(registry).decode()
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def test_a_container_following_the_metric_contract_exposes_every_series_the_alerts_query():
    """The documented contract, implemented with the real prometheus_client: a Counter `modelops_requests` with
    label `code` and a Histogram `modelops_request_duration_seconds`. Every metric name in the queries must be
    among the exposed series (a name the container cannot produce would leave an alert silent)."""
    registry = CollectorRegistry()
    Counter("modelops_requests", "Prediction requests answered.", ["code"], registry=registry).labels("200").inc()
    Histogram("modelops_request_duration_seconds", "Request handling time.", registry=registry).observe(0.02)
    exposed = _exposed_names(registry)
    queries = [
        promql.latency_p99_above("t", "j", 0.1),
        promql.error_ratio_above("t", "j", 0.01),
        promql.requests_per_hour_below("t", "j", 10),
    ]
    used = {m for q in queries for m in re.findall(r"\b(modelops_[a-z_]+)\{", q)}
    assert used and used <= exposed, (used, exposed)


def test_the_scorer_alert_queries_the_series_the_scorer_exposes():
    from scorer.metrics import ScorerMetrics

    metrics = ScorerMetrics()
    metrics.predictions.labels("m").inc()
    metrics.errors.labels("m", "model").inc()
    used = set(re.findall(r"\b(modelops_[a-z_]+)\{", promql.scorer_error_ratio_above("t", "j", 0.02)))
    assert used == {promql.SCORER_ERRORS, promql.SCORER_PREDICTIONS}
    assert used <= _exposed_names(metrics.registry)


def test_the_streaming_scorer_has_an_error_ratio_alert_with_a_runbook(org_stacks, org_config):
    model = org_config.team("reach").model("intent-propensity")
    for env in ("dev", "prod"):
        stack = org_stacks[f"team-reach-{env}"]
        policy = _one_policy(stack, "scorer-error-ratio")
        query = policy["conditions"][0]["condition_prometheus_query_language"]["query"]
        assert 'job="intent-propensity-scorer"' in query and 'namespace="reach"' in query
        assert query.endswith(f" > {model.monitoring.max_error_rate:g}")
        assert "docs/runbooks/scorer-error-ratio.md" in policy["documentation"]["content"]
        assert "google_monitoring_monitored_project" in stack["resource"]


def test_the_container_gets_the_prediction_history_contract_and_the_grant_to_append(suggest):
    """The container appends one prediction_history row per request as the serving account (docs/gke-serving.md,
    "Prediction history"): the Deployment names the table and the version; the account holds the append role on
    exactly that table."""
    stack, model, env = suggest
    (deployment,) = _of_model(stack, "kubernetes_deployment_v1").values()
    (container,) = deployment["spec"]["template"]["spec"]["container"]
    env_vars = {e["name"]: e["value"] for e in container["env"]}
    # `<project>.<team metadata dataset (a reference)>.prediction_history`
    assert re.fullmatch(
        rf"orbit-scout-{env}\.\$\{{google_bigquery_dataset\.metadata_dataset_[0-9A-F]+\.dataset_id\}}\."
        + names.PREDICTION_HISTORY_TABLE,
        env_vars["HISTORY_TABLE"],
    ), env_vars["HISTORY_TABLE"]
    assert env_vars["MODEL_NAME"] == MODEL
    assert env_vars["MODEL_VERSION"] == model.serving.image.rsplit("@", 1)[1]
    assert (env_vars["AIP_HTTP_PORT"], env_vars["METRICS_PORT"]) == ("8080", "9090")
    # the container learns which features to put in the policy-tagged column from the team file, not from its image
    assert [n for n in env_vars["PII_FEATURES"].split(",") if n] == [f.name for f in model.monitoring.features if f.pii]
    grants = [
        g
        for g in resources(stack, "google_bigquery_table_iam_member").values()
        if g["table_id"].startswith("${google_bigquery_table.metadata_prediction_history_")
        and g["member"].startswith("serviceAccount:${google_service_account.service-accounts_serving_")
    ]
    assert len(grants) == 1 and "modelopsTableAppender" in grants[0]["role"]
    # the pods start after the grant exists
    assert any("google_bigquery_table_iam_member.metadata_" in d for d in deployment["depends_on"])


def test_runtime_gke_is_only_for_online_models(org_copy):
    reach = org_copy / "teams" / "reach.yaml"
    text = reach.read_text()
    marker = "      image: intent-propensity@"
    assert marker in text
    reach.write_text(text.replace(marker, "      runtime: gke\n" + marker))
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    [error] = [e for e in exc.value.errors if e.path.endswith("serving.runtime")]
    assert error.path == "models[1].serving.runtime" and error.line
    assert "online" in error.message


def test_the_documented_history_row_fits_prediction_history():
    """The row a gke container appends (modules/serving/online_gke.py HISTORY_ROW, docs/gke-serving.md) names only
    columns of the table and every REQUIRED one; the quality SQL replaces rows per source, so the source is its own."""
    from modules.metadata_tables import PREDICTION_HISTORY_COLUMNS
    from modules.serving.online_gke import HISTORY_ROW, HISTORY_SOURCE

    columns = {c.name: c for c in PREDICTION_HISTORY_COLUMNS}
    assert set(HISTORY_ROW) <= set(columns)
    assert {n for n, c in columns.items() if c.mode == "REQUIRED"} <= set(HISTORY_ROW)
    assert HISTORY_SOURCE not in {
        s.value for s in patterns.HistorySource if s is not patterns.HistorySource.SERVING_CONTAINER
    }
    doc = (Path(__file__).resolve().parents[2] / "docs" / "gke-serving.md").read_text()
    section = doc.split("### Prediction history", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{field}`" in section for field in HISTORY_ROW) and f"`{HISTORY_SOURCE}`" in section


def test_before_the_first_deploy_no_chart_queries_a_workload_that_does_not_run(org_config):
    """Without serving.image there is no Deployment and no PodMonitoring: a PromQL chart would name a job nothing
    scrapes (MLOPS_MON_9). With the image, the charts read catalogued series (MLOPS_MON_8)."""
    import dataclasses

    from metric_catalogue import promql as catalogue
    from modules.serving.online_gke import OnlineGkeDeployment
    from modules.serving.streaming import StreamingPipeline
    from policies.checks.monitoring_promql_catalogued import _chart_queries

    for team, name, pattern in (
        ("scout", MODEL, OnlineGkeDeployment),
        ("reach", "intent-propensity", StreamingPipeline),
    ):
        model = org_config.team(team).model(name)
        assert model.serving.image
        with_image = list(_chart_queries(pattern.dashboard_tiles(team, "dev", model)))
        assert with_image and all(catalogue.problems(q) == [] for q in with_image)
        bare = dataclasses.replace(model, serving=dataclasses.replace(model.serving, image=None))
        assert list(_chart_queries(pattern.dashboard_tiles(team, "dev", bare))) == []


def test_a_streaming_models_latency_budget_is_alerted_on_the_scorers_model_calls(org_stacks, org_config):
    """monitoring.latency_p99_ms of a streaming model: the p99 of modelops_scorer_latency_seconds (seconds) of its
    scorer Deployment, compared in seconds."""
    model = org_config.team("reach").model("intent-propensity")
    stack = org_stacks["team-reach-prod"]
    policy = _one_policy(stack, "scorer-latency-p99")
    query = policy["conditions"][0]["condition_prometheus_query_language"]["query"]
    assert "modelops_scorer_latency_seconds_bucket{" in query and 'job="intent-propensity-scorer"' in query
    assert query.endswith(f" > {model.monitoring.latency_p99_ms / 1000:g}")
    assert "docs/runbooks/scorer-latency-p99.md" in policy["documentation"]["content"]
