"""Team namespaces on the shared cluster (fixture organisation): the kubernetes provider, the namespace
baseline and the streaming scorer's workload, judged against the provider bindings and Kubernetes' and
Google's documented contracts (docs/gke-serving.md), plus the config rules that guard them."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import cdktn_provider_kubernetes
import pytest

from config import kubernetes_rbac, names
from config.errors import ConfigInvalid
from config.loader import load_config
from policies.iam import google_iam
from tests.helpers import resources

ASSEMBLY = next((Path(cdktn_provider_kubernetes.__file__).parent / "_jsii").glob("*.jsii.tgz"))
TEAM_STACKS = [f"team-{t}-{e}" for t in ("ledger", "reach", "scout") for e in ("dev", "prod")]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def _bound_provider_version() -> str:
    """The hashicorp/kubernetes version the installed bindings were generated from (their registry links)."""
    with tarfile.open(ASSEMBLY) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/.jsii"))
        text = tar.extractfile(member).read().decode()  # type: ignore[union-attr]
    versions = set(re.findall(r"registry\.terraform\.io/providers/hashicorp/kubernetes/([0-9.]+)/docs", text))
    assert len(versions) == 1, versions
    return versions.pop()


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_team_stacks_pin_the_kubernetes_provider_the_bindings_were_made_for(org_stacks, stack_name):
    stack = org_stacks[stack_name]
    assert stack["terraform"]["required_providers"]["kubernetes"] == {
        "source": "hashicorp/kubernetes",
        "version": _bound_provider_version(),
    }
    (provider,) = stack["provider"]["kubernetes"]
    env = stack_name.rsplit("-", 1)[1]
    remote = f"data.terraform_remote_state.cross-stack-reference-input-platform-{env}.outputs."
    # The DNS-based endpoint (reachable from GitHub-hosted runners, authorized by IAM), not the IP endpoint.
    assert re.fullmatch(
        rf"https://\$\{{{re.escape(remote)}[^}}]*google_container_cluster[^}}]*"
        r"control_plane_endpoints_config0dns_endpoint_config0endpoint\}",
        provider["host"],
    )
    # A fresh token per connection from the GKE exec credential plugin, never a static access token.
    assert provider["exec"] == [
        {"api_version": "client.authentication.k8s.io/v1beta1", "command": "gke-gcloud-auth-plugin"}
    ]
    assert set(provider) == {"host", "exec"}  # no kubeconfig, no static credentials
    assert "google_client_config" not in stack.get("data", {})


def test_the_cluster_serves_its_dns_endpoint_to_ci_and_ci_may_connect(org_stacks):
    """CI runners are outside the IP endpoint's authorized networks: the DNS endpoint admits external traffic, which
    IAM container.clusters.connect authorizes; both CI roles on the cluster's project hold it (Google's role data)."""
    platform = org_stacks["platform-prod"]
    (cluster,) = platform["resource"]["google_container_cluster"].values()
    assert cluster["control_plane_endpoints_config"] == {"dns_endpoint_config": {"allow_external_traffic": True}}
    project = cluster["project"]
    roles = {
        m["member"].split("@")[0].rsplit("-", 1)[-1]: m["role"]
        for m in platform["resource"]["google_project_iam_member"].values()
        if m["project"] == project and m["role"].startswith("roles/container.")
    }
    assert roles, "no Kubernetes Engine role for CI on the cluster's project"
    for role in roles.values():
        # connect: the DNS endpoint; get: `modelops wait-namespaces` reads the endpoint (clusters.get)
        assert {"container.clusters.connect", "container.clusters.get"} <= set(
            google_iam.data()["roles"][role]["permissions"]
        )


def test_ci_writes_only_inside_team_namespaces_through_fleet_scope_rbac(org_stacks, org_config):
    """Namespace-scoped Kubernetes rights per team scope (custom ClusterRoles the fleet feature allow-lists), no
    cluster-wide Kubernetes IAM role (roles/container.developer / admin) for CI."""
    platform = org_stacks["platform-prod"]
    bindings = {
        b["scope_rbac_role_binding_id"]: b
        for b in platform["resource"]["google_gke_hub_scope_rbac_role_binding"].values()
        if "-ci-" in b["scope_rbac_role_binding_id"]
    }
    teams = [t.name for t in org_config.teams if "prod" in t.environments]
    assert set(bindings) == {f"{t}-ci-{k}" for t in teams for k in ("applier", "planner")}
    (feature_id, feature), *others = platform["resource"]["google_gke_hub_feature"].items()
    assert not others and feature["name"] == "rbacrolebindingactuation" and feature["location"] == "global"
    allowed = feature["spec"]["rbacrolebindingactuation"]["allowed_custom_roles"]
    for binding_id, binding in bindings.items():
        kind = binding_id.rsplit("-", 1)[1]
        assert binding["role"] == {"custom_role": kubernetes_rbac.role_name(kind)}
        # "The custom role format must be allowlisted in the rbacrolebindingactuation feature" (provider 8.7.0)
        assert binding["role"]["custom_role"] in allowed
        assert f"google_gke_hub_feature.{feature_id}" in binding["depends_on"]
        # RFC 1123 label: lower-case alphanumerics and '-', at most 63 characters
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", binding["role"]["custom_role"])
        assert re.fullmatch(rf"\$\{{google_service_account\.ci_{kind}_[0-9A-F]+\.email\}}", binding["user"])
    granted = {m["role"] for m in platform["resource"]["google_project_iam_member"].values()}
    assert not granted & {"roles/container.developer", "roles/container.admin"}


def test_the_ci_cluster_roles_are_least_privilege():
    """Exactly the calls the provider makes for the objects the team stacks manage: no secrets, no pods or their
    exec/attach/proxy, no RBAC, no wildcard, no list/watch/update nobody calls; the planner only reads; the one
    cluster-wide rule reads CRD schemas."""
    roles = kubernetes_rbac.namespace_roles()
    assert {r["metadata"]["name"] for r in roles.values()} == set(kubernetes_rbac.role_names())
    for kind, role in roles.items():
        assert role["apiVersion"] == "rbac.authorization.k8s.io/v1" and role["kind"] == "ClusterRole"
        granted = set()
        for rule in role["rules"]:
            assert "*" not in rule["apiGroups"] + rule["resources"] + rule["verbs"], kind
            assert not {"secrets", "pods", "pods/exec", "roles", "rolebindings"} & set(rule["resources"]), kind
            assert "rbac.authorization.k8s.io" not in rule["apiGroups"], kind
            granted |= {(g, r, v) for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
        # nothing beyond what the provider calls (config/data/kubernetes_ci_roles.yaml `calls`, from its source)
        needed = set()
        for tf_type in kubernetes_rbac.data()["calls"]:
            objects = kubernetes_rbac.objects_of(tf_type)
            needed |= {(o.group, o.resource, v) for o in objects for v in kubernetes_rbac.needed_verbs(tf_type, kind)}
        assert granted == needed, kind
    planner = roles["planner"]
    assert {v for r in planner["rules"] for v in r["verbs"]} == {"get"}
    # what Kubernetes' own edit role cannot do (system:aggregate-to-edit lists neither, kubernetes/kubernetes@025f2834
    # plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml), the reason for a custom role
    for resource in ("resourcequotas", "limitranges"):
        assert kubernetes_rbac.allows(roles["applier"], kubernetes_rbac.ApiObject("", resource), "create")
    namespaces = kubernetes_rbac.ApiObject("", "namespaces")
    assert not any(kubernetes_rbac.allows(roles["applier"], namespaces, v) for v in ("create", "patch", "delete"))
    reader = kubernetes_rbac.cluster_reader()
    assert reader["rules"] == [
        {"apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"], "verbs": ["list"]}
    ]
    binding = kubernetes_rbac.cluster_reader_binding(["a@p.iam.gserviceaccount.com"])
    assert binding["roleRef"]["name"] == reader["metadata"]["name"] and binding["subjects"][0]["kind"] == "User"


def test_every_provider_call_table_entry_cites_the_provider_source():
    """The calls come from hashicorp/terraform-provider-kubernetes, file:line per call site."""
    for tf_type, entry in kubernetes_rbac.data()["calls"].items():
        assert re.search(r"(kubernetes|manifest/provider)/[a-z_0-9]+\.go:\d+", entry["source"]), tf_type
        for verb in entry["apply"]:
            assert verb in ("create", "get", "patch", "delete"), (tf_type, verb)
    assert kubernetes_rbac.cluster_needs("kubernetes_manifest") == [
        (kubernetes_rbac.ApiObject("apiextensions.k8s.io", "customresourcedefinitions"), "list")
    ]


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_every_kubernetes_object_waits_for_the_fleets_labelled_namespace(org_stacks, stack_name):
    stack = org_stacks[stack_name]
    ((read_id, read),) = stack["data"]["kubernetes_namespace_v1"].items()
    assert read["metadata"] == [{"name": stack_name.split("-")[1]}]
    (post,) = read["lifecycle"]["postcondition"]
    assert post["condition"] == (
        '${try(self.metadata[0].labels["pod-security.kubernetes.io/enforce"], "") == "restricted"}'
    )
    assert "platform-" in post["error_message"] and "wait-namespaces" in post["error_message"]
    address = f"data.kubernetes_namespace_v1.{read_id}"
    objects = [(t, c) for t, items in stack["resource"].items() if t.startswith("kubernetes_") for c in items.values()]
    assert objects
    for tf_type, conf in objects:
        assert address in conf.get("depends_on", []), tf_type


def test_pod_security_restricted_labels_come_with_the_fleet_namespace(org_stacks):
    """Pod Security Admission reads pod-security.kubernetes.io/<mode>: <level> namespace labels
    (https://kubernetes.io/docs/concepts/security/pod-security-admission/)."""
    platform = org_stacks["platform-dev"]
    for kind in ("google_gke_hub_scope", "google_gke_hub_namespace"):
        for path, conf in resources(platform, kind).items():
            labels = conf["namespace_labels"]
            assert {labels.get(f"pod-security.kubernetes.io/{m}") for m in ("enforce", "audit", "warn")} == {
                "restricted"
            }, path


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_the_serving_account_is_the_workload_identity_member_and_no_namespace_is_created_twice(org_stacks, stack_name):
    stack = org_stacks[stack_name]
    team = stack_name.split("-")[1]
    assert "kubernetes_namespace_v1" not in stack["resource"] and "kubernetes_namespace" not in stack["resource"]
    (ksa,) = resources(stack, "kubernetes_service_account_v1").values()
    meta = ksa["metadata"]
    (binding,) = [
        c for c in resources(stack, "google_service_account_iam_member").values() if "svc.id.goog" in c["member"]
    ]
    # serviceAccount:<pool>[<namespace>/<ksa>] (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity)
    assert binding["member"].endswith(f"[{meta['namespace']}/{meta['name']}]")
    assert (meta["namespace"], meta["name"]) == (names.scope_id(team), names.kubernetes_service_account(team))
    serving = resources(stack, "google_service_account")["service-accounts/serving"]
    assert meta["annotations"]["iam.gke.io/gcp-service-account"].startswith("${google_service_account.")
    assert binding["service_account_id"].startswith("${google_service_account.") and serving
    assert ksa["automount_service_account_token"] is False


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_every_namespace_denies_by_default_and_allows_only_dns_metadata_and_google_apis(org_stacks, stack_name):
    stack = org_stacks[stack_name]
    policies = {c["metadata"]["name"]: c["spec"] for c in resources(stack, "kubernetes_network_policy_v1").values()}
    assert policies["default-deny"] == {"pod_selector": {}, "policy_types": ["Ingress", "Egress"]}
    egress_ports = {
        name: {(p["port"], p["protocol"]) for rule in spec.get("egress", []) for p in rule["ports"]}
        for name, spec in policies.items()
    }
    assert egress_ports["allow-dns"] == {("53", "UDP"), ("53", "TCP")}
    assert egress_ports["allow-metadata-server"] == {("80", "TCP"), ("988", "TCP")}
    assert egress_ports["allow-google-apis"] == {("443", "TCP")}
    # No policy opens egress more widely than these, and ingress only to a workload's metrics port.
    for name, spec in policies.items():
        if name.endswith("-scrape"):
            assert spec["policy_types"] == ["Ingress"] and spec["pod_selector"]["match_labels"]


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_google_api_egress_reaches_no_private_shared_or_reserved_address(org_stacks, stack_name):
    """RFC 1918, RFC 6598 shared (100.64.0.0/10) and reserved (240.0.0.0/4) ranges, which VPCs and GKE pod or
    service ranges may use, are excluded from the 443 allow; the Private Google Access VIPs stay reachable."""
    import ipaddress

    policies = {
        c["metadata"]["name"]: c["spec"]
        for c in resources(org_stacks[stack_name], "kubernetes_network_policy_v1").values()
    }
    blocks = [to["ip_block"] for rule in policies["allow-google-apis"]["egress"] for to in rule["to"]]

    def allowed(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(
            ip in ipaddress.ip_network(b["cidr"])
            and not any(ip in ipaddress.ip_network(e) for e in b.get("except", []))
            for b in blocks
        )

    for address in ("10.8.0.1", "172.20.0.1", "192.168.3.4", "100.64.0.10", "100.127.255.1", "240.0.0.1", "250.1.2.3"):
        ip = ipaddress.ip_address(address)
        assert ip.is_private or ip.is_reserved or ip in ipaddress.ip_network("100.64.0.0/10")
        assert not allowed(address), address
    assert allowed("199.36.153.8") and allowed("199.36.153.4")  # private. / restricted.googleapis.com VIPs


def test_quota_and_container_defaults_come_from_the_team_file(org_copy):
    team_file = org_copy / "teams" / "scout.yaml"
    team_file.write_text(
        team_file.read_text()
        + "namespace:\n  quota: {requests_cpu: '7', pods: 10}\n  container_defaults: {memory: 2Gi}\n"
    )
    team = load_config(org_copy).team("scout")
    assert (team.namespace.quota.requests_cpu, team.namespace.quota.pods) == ("7", 10)
    assert team.namespace.quota.limits_memory == "32Gi"  # the schema's default
    assert (team.namespace.container_defaults.cpu, team.namespace.container_defaults.memory) == ("500m", "2Gi")


def test_the_quota_and_limit_range_of_the_fixture_teams(org_stacks):
    stack = org_stacks["team-ledger-dev"]
    (quota,) = resources(stack, "kubernetes_resource_quota_v1").values()
    assert quota["spec"]["hard"] == {
        "requests.cpu": "8",
        "requests.memory": "32Gi",
        "limits.cpu": "8",
        "limits.memory": "32Gi",
        "pods": "40",
    }
    (limits,) = resources(stack, "kubernetes_limit_range_v1").values()
    (limit,) = limits["spec"]["limit"]
    assert limit["type"] == "Container" and limit["default"] == limit["default_request"] == {
        "cpu": "500m",
        "memory": "1Gi",
    }


# --- the streaming scorer's workload ---------------------------------------------------------------


@pytest.fixture
def scorer(org_stacks, org_config):
    stack = org_stacks["team-reach-dev"]
    model = org_config.team("reach").model("intent-propensity")
    prefix = f"{org_config.platform.region}-docker.pkg.dev/orbit-mlops-dev/{names.ARTIFACT_REPOSITORY}/"
    return stack, model, prefix


def pod_containers(deployment: dict) -> dict[str, dict]:
    """Every container of the pod by name: the main ones and the init containers (the model is a native sidecar)."""
    pod = deployment["spec"]["template"]["spec"]
    return {c["name"]: c for c in [*pod.get("init_container", []), *pod["container"]]}


def test_the_scorer_runs_both_images_by_digest_from_the_platform_registry(scorer, org_config):
    stack, model, prefix = scorer
    (deployment,) = resources(stack, "kubernetes_deployment_v1").values()
    containers = pod_containers(deployment)
    assert containers["scorer"]["image"] == f"{prefix}scorer@{org_config.platform.gke.scorer_digest}"
    assert containers["model"]["image"] == prefix + model.serving.image
    for c in containers.values():
        assert c["image"].startswith(prefix) and DIGEST.search(c["image"]), c["image"]
    env = {e["name"]: e["value"] for e in containers["scorer"]["env"]}
    assert env["SUBSCRIPTION"] == "projects/orbit-reach-dev/subscriptions/reach-intent-propensity-scoring"
    assert env["HISTORY_TABLE"].endswith(".prediction_history")
    assert env["MODEL_URL"] == "http://127.0.0.1:8080/predict"
    # The scorer reads exactly the variables the Deployment sets (scorer/settings.py).
    from scorer.settings import Settings

    assert Settings.from_env(env).subscription == env["SUBSCRIPTION"]


def test_the_scorer_pod_is_restricted_non_root_read_only_and_bounded(scorer):
    """Pod Security Standards `restricted` (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted):
    runAsNonRoot, allowPrivilegeEscalation false, capabilities drop ALL, seccomp RuntimeDefault."""
    stack, model, _ = scorer
    (deployment,) = resources(stack, "kubernetes_deployment_v1").values()
    pod = deployment["spec"]["template"]["spec"]
    assert pod["service_account_name"] == "reach-serving"
    assert not any(pod.get(k) for k in ("host_network", "host_pid", "host_ipc"))
    assert pod["security_context"]["run_as_non_root"] is True
    assert pod["security_context"]["seccomp_profile"] == {"type": "RuntimeDefault"}
    containers = pod_containers(deployment)
    assert set(containers) == {"scorer", "model"}
    for c in containers.values():
        sc = c["security_context"]
        assert sc["run_as_non_root"] is True and sc["allow_privilege_escalation"] is False
        assert sc["privileged"] is False and sc["read_only_root_filesystem"] is True
        assert sc["capabilities"] == {"drop": ["ALL"]} and sc["seccomp_profile"] == {"type": "RuntimeDefault"}
        # streaming.scorer.cpu/memory are per container (config/model.py Workload); ephemeral storage bounded too
        expected = {
            "cpu": model.streaming.scorer.cpu,
            "memory": model.streaming.scorer.memory,
            "ephemeral-storage": "1Gi",
        }
        assert c["resources"] == {"requests": expected, "limits": expected}
        assert c["readiness_probe"]["http_get"] and c["liveness_probe"]["http_get"]
        assert c["volume_mount"] == [{"name": "tmp", "mount_path": "/tmp"}]
    (tmp,) = pod["volume"]
    assert tmp == {"name": "tmp", "empty_dir": {"size_limit": "512Mi"}}


def test_autoscaler_budget_and_pod_monitoring_follow_the_team_file(scorer):
    stack, model, _ = scorer
    (hpa,) = resources(stack, "kubernetes_horizontal_pod_autoscaler_v2").values()
    assert (hpa["spec"]["min_replicas"], hpa["spec"]["max_replicas"]) == (
        model.streaming.scorer.min_replicas,
        model.streaming.scorer.max_replicas,
    )
    assert hpa["spec"]["scale_target_ref"] == {
        "api_version": "apps/v1",
        "kind": "Deployment",
        "name": "intent-propensity-scorer",
    }
    (pdb,) = resources(stack, "kubernetes_pod_disruption_budget_v1").values()
    assert pdb["spec"]["selector"]["match_labels"] == {"app.kubernetes.io/name": "intent-propensity-scorer"}
    (monitoring,) = resources(stack, "kubernetes_manifest").values()
    manifest = monitoring["manifest"]
    assert (manifest["apiVersion"], manifest["kind"]) == ("monitoring.googleapis.com/v1", "PodMonitoring")
    assert manifest["spec"]["endpoints"] == [{"port": "metrics", "interval": "30s"}]
    (deployment,) = resources(stack, "kubernetes_deployment_v1").values()
    ports = {p["name"] for c in pod_containers(deployment).values() for p in c.get("port", [])}
    assert "metrics" in ports


def test_a_streaming_model_without_an_image_gets_no_scorer_yet(org_stacks):
    """growth-like teams before their first `modelops deploy`: the pipeline exists, no pod runs."""
    for name in TEAM_STACKS:
        if not name.startswith("team-reach-"):
            deployments = org_stacks[name]["resource"].get("kubernetes_deployment_v1", {}).values()
            assert not [d for d in deployments if d["metadata"]["name"].endswith("-scorer")], name


def test_config_rules_for_the_scorer(org_copy):
    reach = org_copy / "teams" / "reach.yaml"
    reach.write_text(
        reach.read_text().replace(
            "        min_replicas: 2\n        max_replicas: 6", "        min_replicas: 7\n        max_replicas: 6"
        )
    )
    platform = org_copy / "platform.yaml"
    platform.write_text(re.sub(r"  scorer_digest: sha256:[0-9a-f]{64}\n", "", platform.read_text()))
    with pytest.raises(ConfigInvalid) as exc:
        load_config(org_copy)
    problems = {(e.path, e.message) for e in exc.value.errors}
    paths = {p for p, _ in problems}
    assert "models[1].streaming.scorer.min_replicas" in paths, problems
    assert "models[1].serving.image" in paths, problems
    assert all(e.line for e in exc.value.errors)
    assert json.dumps(sorted(problems))  # every problem at once, printable


@pytest.mark.parametrize("stack_name", TEAM_STACKS)
def test_mlops_gke_10_recognises_the_baseline_deny_and_no_allow(org_stacks, stack_name):
    """The rule's reading of "default deny" (policies/checks/gke_workload_default_deny.py) on the synthesized
    policies: exactly the baseline's `default-deny` counts, none of the additive allows does."""
    from policies.checks.gke_workload_default_deny import is_default_deny

    policies = org_stacks[stack_name]["resource"]["kubernetes_network_policy_v1"].values()
    assert [p["metadata"]["name"] for p in policies if is_default_deny(p)] == ["default-deny"]
