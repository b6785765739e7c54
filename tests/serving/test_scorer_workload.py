"""The streaming scorer's pod on synthesized JSON of the fixture organisation (reach/intent-propensity, which has a
`pii: true` feature and a recorded registry version): the scorer's settings come from the team file and are read
back by the scorer's own parser, its probes point at the health route it serves on its metrics port, the model runs
as a native sidecar the provider schema admits, and the loader keeps the team's workloads inside its namespace quota.
"""

from __future__ import annotations

import datetime
import json
import tarfile
from pathlib import Path

import cdktn_provider_kubernetes
import pytest

from config.errors import ConfigInvalid
from config.loader import load_config
from scorer.history import row
from scorer.settings import Settings
from tests.helpers import resources

ASSEMBLY = next((Path(cdktn_provider_kubernetes.__file__).parent / "_jsii").glob("*.jsii.tgz"))
INIT_CONTAINER = "@cdktn/provider-kubernetes.deploymentV1.DeploymentV1SpecTemplateSpecInitContainer"


def _pod(stack: dict, name: str) -> dict:
    deployments = resources(stack, "kubernetes_deployment_v1")
    (deployment,) = [d for d in deployments.values() if d["metadata"]["name"] == name]
    return deployment["spec"]["template"]["spec"]


@pytest.fixture(params=["dev", "prod"])
def scorer_pod(request, org_stacks, org_config):
    model = org_config.team("reach").model("intent-propensity")
    return _pod(org_stacks[f"team-reach-{request.param}"], "intent-propensity-scorer"), model


def _env(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


def test_the_scorer_gets_the_pii_features_and_splits_them_into_the_tagged_column(scorer_pod):
    pod, model = scorer_pod
    (scorer,) = pod["container"]
    env = _env(scorer)
    pii = {f.name for f in model.monitoring.features if f.pii}
    assert pii == {"visitor_id"}  # the fixture's streaming model has one
    assert env["PII_FEATURES"] == "visitor_id"
    # The scorer's own parser reads the Deployment's env, and its row builder keeps the feature out of `features`.
    settings = Settings.from_env(env)
    assert settings.pii_features == frozenset(pii)
    event = {"request_id": "r1", "event_time": 1, "pages_viewed": 3, "visitor_id": "v-42"}
    written = row(
        model=settings.model_name,
        version=settings.model_version,
        event=event,
        prediction=0.7,
        latency_ms=5.0,
        now=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        pii_features=settings.pii_features,
    )
    assert json.loads(written["features"]) == {"pages_viewed": 3}
    assert json.loads(written["pii_features"]) == {"visitor_id": "v-42"}


def test_the_scorer_probes_its_health_route_on_the_scraped_metrics_port(scorer_pod, org_stacks):
    pod, _ = scorer_pod
    (scorer,) = pod["container"]
    env = _env(scorer)
    ports = {p["name"]: p["container_port"] for p in scorer["port"]}
    assert Settings.from_env(env).metrics_port == ports["metrics"] == 9090
    for probe in ("readiness_probe", "liveness_probe"):
        assert scorer[probe]["http_get"] == {"path": "/healthz", "port": str(ports["metrics"])}
    monitoring = resources(org_stacks["team-reach-dev"], "kubernetes_manifest")
    (pod_monitoring,) = monitoring.values()
    assert pod_monitoring["manifest"]["spec"]["endpoints"][0]["port"] == "metrics"


def test_the_model_is_a_native_sidecar_started_before_and_stopped_after_the_scorer(scorer_pod):
    pod, _ = scorer_pod
    (model,) = pod["init_container"]
    assert model["name"] == "model" and [c["name"] for c in pod["container"]] == ["scorer"]
    assert model["restart_policy"] == "Always"
    # the scorer starts once the model's startup probe answers on the route it predicts beside
    assert model["startup_probe"]["http_get"] == {"path": "/health", "port": "8080"}
    assert _env(pod["container"][0])["MODEL_URL"] == "http://127.0.0.1:8080/predict"
    # the sidecar is held to what the main containers are: digest image, restricted, requests = limits
    assert "@sha256:" in model["image"]
    assert model["security_context"]["run_as_non_root"] is True
    assert model["security_context"]["capabilities"] == {"drop": ["ALL"]}
    assert model["resources"]["requests"] == model["resources"]["limits"]
    # the pod's grace period is what the scorer drains within before the model is stopped
    assert pod["termination_grace_period_seconds"] >= 30


def test_the_provider_admits_restart_policy_always_on_an_init_container():
    """hashicorp/kubernetes 3.4.0 (bindings 17.1.0): `restart_policy` of an init container, "Can only be `Always`"."""
    with tarfile.open(ASSEMBLY) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/.jsii"))
        assembly = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
    prop = next(p for p in assembly["types"][INIT_CONTAINER]["properties"] if p["name"] == "restartPolicy")
    assert "Can only be `Always`" in prop["docs"]["summary"]


def test_model_version_and_artifacts_come_from_the_team_file(scorer_pod, org_stacks, org_config):
    pod, model = scorer_pod
    assert _env(pod["container"][0])["MODEL_VERSION"] == model.serving.version == "4"
    model_env = _env(pod["init_container"][0])
    assert model_env["AIP_STORAGE_URI"] == model.serving.artifact_uri
    assert {"AIP_HTTP_PORT", "AIP_PREDICT_ROUTE", "AIP_HEALTH_ROUTE"} <= set(model_env)
    # scout/query-suggest records no version: the digest stands in, and there is no artifact location
    suggest = org_config.team("scout").model("query-suggest")
    (container,) = _pod(org_stacks["team-scout-dev"], "query-suggest-online")["container"]
    env = _env(container)
    assert suggest.serving.version is None and env["MODEL_VERSION"] == suggest.serving.image.rsplit("@", 1)[1]
    assert "AIP_STORAGE_URI" not in env


def _set_scorer_max(org_copy: Path, value: int) -> Path:
    reach = org_copy / "teams" / "reach.yaml"
    text = reach.read_text()
    assert text.count("        max_replicas: 6\n") == 1
    reach.write_text(text.replace("        max_replicas: 6\n", f"        max_replicas: {value}\n"))
    return reach


def test_the_fixture_teams_fit_their_quota_exactly_counted(org_config):
    """reach: (6 + 1 surge) pods x 2 containers x 500m = 7 CPU of 8; scout: (6 + 1) x 1 x 1 CPU = 7 of 8."""
    from config import quota

    for team, model, cpu in (("reach", "intent-propensity", 7), ("scout", "query-suggest", 7)):
        usage = quota.usage(org_config.team(team).model(model))
        assert usage is not None and (usage.pods, usage.cpu) == (7, cpu)


def test_workloads_beyond_the_namespace_quota_are_refused_at_the_line_to_change(org_copy):
    reach = _set_scorer_max(org_copy, 8)  # 9 pods x 2 x 500m = 9 CPU > 8
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    lines = reach.read_text().splitlines()
    max_line = next(i for i, line in enumerate(lines, 1) if line == "        max_replicas: 8")
    problems = {e.path: e for e in exc.value.errors}
    assert set(problems) == {"models[1].streaming.scorer.max_replicas"}, problems  # cpu requests and limits
    assert all(e.line == max_line and "9 CPU" in e.message for e in exc.value.errors)
    assert sorted(e.message.split("namespace.quota.")[1].split(" ")[0] for e in exc.value.errors) == [
        "limits_cpu",
        "requests_cpu",
    ]


def test_quota_problems_point_at_the_quota_the_file_sets_all_at_once(org_copy):
    reach = _set_scorer_max(org_copy, 8)
    reach.write_text(reach.read_text() + "namespace:\n  quota:\n    requests_cpu: '9'\n    pods: 8\n")
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    lines = reach.read_text().splitlines()
    by_path = {e.path: e.line for e in exc.value.errors}
    # requests fit 9 CPU now; the default 8 CPU limit and the 8 pods do not
    assert by_path == {
        "namespace.quota.pods": lines.index("    pods: 8") + 1,
        "models[1].streaming.scorer.max_replicas": lines.index("        max_replicas: 8") + 1,
    }
