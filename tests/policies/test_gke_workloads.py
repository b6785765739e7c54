"""MLOPS_GKE_7..11 (review 13, item 7): every pod-bearing resource type of the provider schema and every
pod-bearing `kubernetes_manifest` kind is read, each bypass the review found fails for its own reason, in the
shape checkov hands the rules and in plain JSON, and the registry the gate pins is the one the platform stack
creates."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import pytest
from checkov.terraform_json.parser import hclify

from policies.checks.gke_manifest_kinds import manifest_problems
from policies.checks.gke_workload_default_deny import GkeWorkloadDefaultDeny
from policies.checks.gke_workload_images import image_problems
from policies.checks.gke_workload_pod_security import pod_security_problems
from policies.checks.gke_workload_resources import quantity, resource_problems
from policies.engine.gate import serving_registries
from policies.engine.stackset import Scan, StackDoc
from policies.kubernetes_pods import (
    CONTAINER_ROLES,
    MANIFEST_POD_SPEC_PATHS,
    POD_SPEC_PATHS,
    PodTemplate,
    pod_templates,
    provider_shape,
    snake,
)
from policies.provider.providers import PROVIDERS
from tests.policies.conftest import FIXTURES, stack_doc

SCHEMA_FILE = PROVIDERS["kubernetes"].schema_file
PROD_REGISTRY = "europe-west4-docker.pkg.dev/orbit-mlops-prod/serving-images/"


def fixture(rule: str) -> dict:
    return json.loads((FIXTURES / f"{rule}.json").read_text())


def shapes(conf: dict) -> list[dict]:
    """The resource as checkov hands it to a check (HCL-style lists) and as plain cdk.tf.json."""
    return [hclify(copy.deepcopy(conf)), conf]


def by_path(rule: str, case: str) -> dict[str, dict]:
    return {r["path"].split("/", 1)[1]: r for r in fixture(rule)[case]}


# --- the walker against the provider schema ------------------------------------------------------------------


def _schema() -> dict:
    with gzip.open(SCHEMA_FILE, "rb") as handle:
        return json.loads(handle.read())["resource"]


def _pod_specs(block: dict, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict]]:
    """Every nested block of the schema that holds containers with an image: a pod spec."""
    attrs = block.get("a", block)
    if isinstance(attrs.get("container"), dict) and "image" in attrs["container"].get("a", {}):
        return [(path, attrs)]
    out = []
    for key, value in attrs.items():
        if isinstance(value, dict):
            out += _pod_specs(value, (*path, key))
    return out


def test_the_walker_knows_every_pod_bearing_type_of_the_provider_schema_and_its_pod_spec_path():
    found = {t: _pod_specs(r) for t, r in _schema().items()}
    found = {t: specs for t, specs in found.items() if specs}
    assert {t: [p for p, _ in specs] for t, specs in found.items()} == {t: [p] for t, p in POD_SPEC_PATHS.items()}


def test_the_walker_reads_every_container_list_the_schema_has():
    for tf_type, specs in ((t, _pod_specs(r)) for t, r in _schema().items() if t in POD_SPEC_PATHS):
        lists = {k for k in specs[0][1] if k.endswith("container")}
        assert lists == {"container", "init_container"}, tf_type  # 3.4.0 has no ephemeral containers
        assert lists <= set(CONTAINER_ROLES)


def _keys(block: dict) -> set[str]:
    attrs = block.get("a", block)
    out = set(attrs)
    for value in attrs.values():
        if isinstance(value, dict):
            out |= _keys(value)
    return out


# API field names the rules read (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/)
API_FIELDS = [
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "securityContext",
    "runAsNonRoot",
    "runAsUser",
    "seccompProfile",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "seLinuxOptions",
    "windowsOptions",
    "hostProcess",
    "capabilities",
    "privileged",
    "containers",
    "initContainers",
    "volumes",
    "ports",
    "hostPort",
    "sysctls",
    "hostPath",
    "emptyDir",
    "configMap",
    "downwardAPI",
    "persistentVolumeClaim",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "cephFS",
    "flexVolume",
    "livenessProbe",
    "httpGet",
    "tcpSocket",
    "postStart",
    "preStop",
    "resources",
]


@pytest.mark.parametrize("api_field", API_FIELDS)
def test_a_manifest_field_name_becomes_the_provider_schemas(api_field):
    from policies.kubernetes_pods import PLURAL_BLOCKS

    name = PLURAL_BLOCKS.get(snake(api_field), snake(api_field))
    assert name in _keys(_schema()["kubernetes_pod_v1"]["spec"]), (api_field, name)


def test_manifest_data_maps_keep_their_keys():
    shaped = provider_shape(
        {"resources": {"limits": {"nvidia.com/GPU": "1"}}, "nodeSelector": {"cloud.google.com/X": "y"}}
    )
    assert shaped == {"resources": {"limits": {"nvidia.com/GPU": "1"}}, "node_selector": {"cloud.google.com/X": "y"}}


@pytest.mark.parametrize("kind", sorted(MANIFEST_POD_SPEC_PATHS))
def test_every_pod_bearing_manifest_kind_yields_its_pod(kind):
    spec = {"containers": [{"name": "c", "image": "x"}], "hostNetwork": True}
    body: dict = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "n"}}
    node = body
    for key in MANIFEST_POD_SPEC_PATHS[kind][:-1]:
        node = node.setdefault(key, {})
    node["spec"] = spec
    for conf in shapes({"manifest": body}):
        [pod] = pod_templates("kubernetes_manifest", conf)
        assert [c.name for c in pod.containers] == ["c"]
        assert "host_network is true" in list(pod_security_problems("kubernetes_manifest", conf))


def test_a_manifest_that_runs_no_pod_yields_none():
    body = {"apiVersion": "monitoring.googleapis.com/v1", "kind": "PodMonitoring", "spec": {"selector": {}}}
    assert pod_templates("kubernetes_manifest", {"manifest": body}) == []
    assert pod_templates("kubernetes_service_v1", {"spec": {}}) == []


# --- each bypass, for its own reason -------------------------------------------------------------------------

POD_SECURITY_BYPASSES = {
    "bypass/capabilities-add": "capabilities add SYS_ADMIN, NET_RAW",
    "bypass/host-path": "volume root: type host_path is not allowed",
    "bypass/host-port": "container scorer: host_port 9090",
    "bypass/sysctl": "pod: sysctl kernel.msgmax is not in the safe set",
    "bypass/run-as-user-0": "container scorer: run_as_user is 0",
    "bypass/pod-run-as-user-0": "pod: run_as_user is 0",
    "bypass/container-non-root-false": "container scorer: run_as_non_root is not true",
    "bypass/gce-disk": "type gce_persistent_disk is not allowed",
    "bypass/apparmor-annotation": "AppArmor profile unconfined",
    "bypass/selinux-user": "se_linux_options.user is set",
    "bypass/probe-host": "liveness_probe.http_get.host is set",
    "bypass/seccomp-unconfined": "seccomp profile is Unconfined",
    "bypass/init-escalates": "init container init: allow_privilege_escalation is not false",
    "bypass/legacy-host-pid": "host_pid is true",
    "bypass/legacy-pod-privileged": "container scorer: privileged",
    "bypass/legacy-job-host-ipc": "host_ipc is true",
    "bypass/legacy-cron-caps": "capabilities do not drop ALL",
    "bypass/legacy-daemonset-host-network": "host_network is true",
    "bypass/legacy-rc-root": "run_as_user is 0",
    "bypass/legacy-sts-writable": "read_only_root_filesystem is not true",
    "bypass/manifest-pod-proc-mount": "proc_mount is Unmasked",
    "bypass/manifest-deployment-host-network": "host_network is true",
    "bypass/manifest-cron-job-privileged-init": "init container init: privileged",
    "bypass/manifest-replica-set-apparmor": "pod: app_armor_profile.type Unconfined",
    "bypass/manifest-stateful-set-host-path": "type host_path is not allowed",
    "bypass/manifest-daemon-set-host-port": "host_port 9090",
    "bypass/manifest-job-sysctl": "sysctl net.core.somaxconn is not in the safe set",
    "bypass/manifest-rc-caps": "capabilities add SYS_ADMIN",
    "bypass/manifest-pod-ephemeral-root": "ephemeral container debug: run_as_user is 0",
    "bypass/run-as-user-00": "container scorer: run_as_user is 0",
    "bypass/pod-seccomp-unconfined": "pod: seccomp profile is Unconfined",
}


def test_every_pod_security_bypass_has_an_expected_reason():
    assert set(POD_SECURITY_BYPASSES) == {p for p in by_path("MLOPS_GKE_8", "non_compliant") if "bypass/" in p}


@pytest.mark.parametrize("path", sorted(POD_SECURITY_BYPASSES))
def test_a_pod_security_bypass_fails_for_its_reason(path):
    resource = by_path("MLOPS_GKE_8", "non_compliant")[path]
    for conf in shapes(resource["conf"]):
        problems = list(pod_security_problems(resource["type"], conf))
        assert any(POD_SECURITY_BYPASSES[path] in p for p in problems), problems
        assert len(problems) <= 2, problems  # the bypass itself, not a fixture broken elsewhere


@pytest.mark.parametrize("rule", ["MLOPS_GKE_7", "MLOPS_GKE_8", "MLOPS_GKE_9"])
def test_the_compliant_resources_pass_in_both_shapes(rule):
    check = {
        "MLOPS_GKE_7": lambda t, c: image_problems(t, c, PROD_REGISTRY),
        "MLOPS_GKE_8": pod_security_problems,
        "MLOPS_GKE_9": resource_problems,
    }[rule]
    for resource in fixture(rule)["compliant"]:
        for conf in shapes(resource["conf"]):
            assert list(check(resource["type"], conf)) == [], resource["path"]


def test_a_container_may_leave_run_as_non_root_to_the_pod_but_not_contradict_it():
    pod = {"security_context": {"run_as_non_root": True, "seccomp_profile": {"type": "RuntimeDefault"}}}
    base = {
        "name": "c",
        "security_context": {
            "allow_privilege_escalation": False,
            "read_only_root_filesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    unset = {"spec": {**pod, "container": [base]}}
    assert list(pod_security_problems("kubernetes_pod_v1", unset)) == []
    contradicting = copy.deepcopy(unset)
    contradicting["spec"]["container"][0]["security_context"]["run_as_non_root"] = False
    assert list(pod_security_problems("kubernetes_pod_v1", contradicting)) == [
        "container c: run_as_non_root is not true (in the container, or in the pod with the container unset)"
    ]
    no_pod_level = copy.deepcopy(unset)
    del no_pod_level["spec"]["security_context"]["run_as_non_root"]
    assert any("run_as_non_root" in p for p in pod_security_problems("kubernetes_pod_v1", no_pod_level))


@pytest.mark.parametrize(
    ("uid", "root"),
    [
        ("0", True),
        ("00", True),
        (" 0", True),
        (0, True),
        ("65532", False),
        ("${var.uid}", False),
        (None, False),
        (False, False),
    ],
)
def test_uids_compare_as_integers(uid, root):
    from policies.checks.gke_workload_pod_security import is_root

    assert is_root(uid) is root


# --- upstream Pod Security Admission test data through the manifest path -------------------------------------

PSA_DIR = FIXTURES / "pod-security-admission"
# The upstream check each fail file is named after -> what our finding says (the admission controller's check
# names: staging/src/k8s.io/pod-security-admission/policy/check_*.go).
PSA_REASONS = {
    "seccompprofile": "seccomp profile is",
    "runasuser": "run_as_user is 0",
    "runasnonroot": "run_as_non_root is not true",
    "capabilities": "capabilities do not drop ALL",
    "addcapabilities": "capabilities add",
    "hostnamespaces": "host_network is true",
    "privileged": "privileged",
    "sysctls": "sysctl othersysctl is not in the safe set",
    "hostpathvolumes": "type host_path is not allowed",
}
# Ours on top of Restricted (module docstring): upstream pods do not set it.
OURS = "read_only_root_filesystem is not true"


def _psa(verdict: str) -> list[tuple[str, dict]]:
    import yaml

    return [(p.name, yaml.safe_load(p.read_text())) for p in sorted(PSA_DIR.glob(f"*-{verdict}-*.yaml"))]


def test_every_vendored_psa_file_has_its_source_and_commit():
    import yaml

    sources = yaml.safe_load((PSA_DIR / "SOURCES.yaml").read_text())["files"]
    assert set(sources) == {p.name for p in PSA_DIR.glob("v*.yaml")}
    for name, source in sources.items():
        version, verdict, check = name.removesuffix(".yaml").split("-", 2)
        assert source["path"].endswith(f"/restricted/{version}/{verdict}/{check}.yaml")
        assert len(source["commit"]) == 40


@pytest.mark.parametrize(("name", "pod"), _psa("fail"), ids=[n for n, _ in _psa("fail")])
def test_a_pod_the_admission_controller_refuses_fails_the_gate_for_that_control(name, pod):
    check = name.removesuffix(".yaml").split("-", 2)[2].rstrip("0123456789").removesuffix("_baseline")
    reason = PSA_REASONS[check.removesuffix("_restricted")]
    for conf in shapes({"manifest": pod}):
        problems = [p for p in pod_security_problems("kubernetes_manifest", conf) if OURS not in p]
        assert any(reason in p for p in problems), problems


@pytest.mark.parametrize(("name", "pod"), _psa("pass"), ids=[n for n, _ in _psa("pass")])
def test_a_pod_the_admission_controller_admits_passes_but_for_the_read_only_root(name, pod):
    for conf in shapes({"manifest": pod}):
        problems = list(pod_security_problems("kubernetes_manifest", conf))
        assert problems and all(OURS in p for p in problems), problems


def test_a_pod_level_unconfined_profile_fails_even_when_every_container_sets_runtime_default():
    """Upstream base_linux (admitted) with the pod's profile Unconfined and each container's RuntimeDefault:
    Restricted lists spec.securityContext.seccompProfile.type itself."""
    [(_, pod)] = _psa("pass")
    pod = copy.deepcopy(pod)
    pod["spec"]["securityContext"]["seccompProfile"]["type"] = "Unconfined"
    for c in pod["spec"]["containers"] + pod["spec"]["initContainers"]:
        c["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    problems = [p for p in pod_security_problems("kubernetes_manifest", {"manifest": pod}) if OURS not in p]
    assert problems == ["pod: seccomp profile is Unconfined, not RuntimeDefault or Localhost"]


IMAGE_BYPASSES = {
    "bypass/other-project": "evil-proj-123",
    "bypass/other-region": "us-central1-docker.pkg.dev",
    "bypass/other-environment": "orbit-mlops-dev",
    "bypass/other-repository": "team-images",
    "bypass/cron-job-tag": "scorer:latest",
    "bypass/legacy-job-docker-hub": "docker.io/library/python:3.11",
    "bypass/manifest-deployment-tag": "scorer:1.0",
    "bypass/manifest-pod-init-elsewhere": "init container init: image ghcr.io/evil/init",
}


def test_every_image_bypass_has_an_expected_reason():
    assert set(IMAGE_BYPASSES) == {p for p in by_path("MLOPS_GKE_7", "non_compliant") if "bypass/" in p}


@pytest.mark.parametrize("path", sorted(IMAGE_BYPASSES))
def test_an_image_bypass_fails_for_its_reason(path):
    resource = by_path("MLOPS_GKE_7", "non_compliant")[path]
    for conf in shapes(resource["conf"]):
        problems = list(image_problems(resource["type"], conf, PROD_REGISTRY))
        assert len(problems) == 1 and IMAGE_BYPASSES[path] in problems[0], problems


def test_without_a_known_registry_every_image_fails():
    resource = fixture("MLOPS_GKE_7")["compliant"][0]
    assert len(list(image_problems(resource["type"], resource["conf"], None))) == 2


RESOURCE_BYPASSES = {
    "bypass/requests-below-limits": "cpu request 1m differs from its limit 64",
    "bypass/memory-burst": "memory request 1Gi differs from its limit 2Gi",
    "bypass/init-without-resources": "init container init: no requests for cpu, memory",
    "bypass/legacy-daemonset-no-limits": "no limits for cpu, memory",
    "bypass/manifest-pod-cpu-only": "no requests for memory",
    "bypass/manifest-cron-job-burst": "cpu request 100m differs from its limit 4",
    "bypass/manifest-pod-ephemeral": "ephemeral container debug: a workload may not declare ephemeral containers",
}


def test_every_resource_bypass_has_an_expected_reason():
    assert set(RESOURCE_BYPASSES) == {p for p in by_path("MLOPS_GKE_9", "non_compliant") if "bypass/" in p}


@pytest.mark.parametrize("path", sorted(RESOURCE_BYPASSES))
def test_a_resource_bypass_fails_for_its_reason(path):
    resource = by_path("MLOPS_GKE_9", "non_compliant")[path]
    for conf in shapes(resource["conf"]):
        problems = list(resource_problems(resource["type"], conf))
        assert any(RESOURCE_BYPASSES[path] in p for p in problems), problems


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [("500m", "0.5", True), ("1Gi", "1024Mi", True), ("1k", "1e3", True), ("1G", "1Gi", False), ("2", "2000m", True)],
)
def test_quantities_compare_by_value(a, b, equal):
    assert (quantity(a) == quantity(b)) is equal


@pytest.mark.parametrize("value", ["", "one", "${var.cpu}", "1.5.2", "5Q"])
def test_a_non_quantity_is_none(value):
    assert quantity(value) is None


def test_manifest_kinds_outside_the_allow_list_fail():
    for resource in fixture("MLOPS_GKE_11")["non_compliant"]:
        for conf in shapes(resource["conf"]):
            assert len(list(manifest_problems(conf))) == 1, resource["path"]
    for resource in fixture("MLOPS_GKE_11")["compliant"]:
        for conf in shapes(resource["conf"]):
            assert list(manifest_problems(conf)) == []


# --- MLOPS_GKE_10 on every pod-bearing type ------------------------------------------------------------------


def _scan(org_config, resources: list[dict]) -> Scan:
    doc = stack_doc("team-ledger-prod", "orbit-ledger-prod", resources)
    stack = StackDoc("team-ledger-prod", Path("team-ledger-prod/cdk.tf.json"), doc, team="ledger", env="prod")
    return Scan(org_config, [stack])


def test_the_default_deny_rule_judges_every_pod_bearing_resource_and_no_other(org_config):
    outcomes = {
        o.construct_path.split("/", 2)[2]: o.passed
        for o in GkeWorkloadDefaultDeny().evaluate(_scan(org_config, fixture("MLOPS_GKE_10")["non_compliant"]))
    }
    assert outcomes == {
        "scorer/deployment": False,
        "bypass/pod": False,
        "bypass/legacy-cron-job": False,
        "bypass/manifest-job": False,
        "bypass/manifest-pod-default-namespace": False,
    }
    compliant = {
        o.construct_path.split("/", 2)[2]: o.passed
        for o in GkeWorkloadDefaultDeny().evaluate(_scan(org_config, fixture("MLOPS_GKE_10")["compliant"]))
    }
    assert compliant == {"scorer/deployment": True, "raw/cron-job": True, "raw/manifest-deployment": True}


# --- the registry MLOPS_GKE_7 pins is the platform stack's ---------------------------------------------------


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_pinned_registry_is_the_repository_the_platform_stack_creates(org_config, org_stacks, env):
    [repo] = org_stacks[f"platform-{env}"]["resource"]["google_artifact_registry_repository"].values()
    synthesized = f"{repo['location']}-docker.pkg.dev/{repo['project']}/{repo['repository_id']}/"
    assert serving_registries(org_config)[env] == synthesized


def test_the_synthesized_workloads_use_their_own_environments_registry(org_config, org_stacks):
    registries = serving_registries(org_config)
    checked = 0
    for name, doc in org_stacks.items():
        for tf_type, items in (doc.get("resource") or {}).items():
            for conf in items.values():
                for pod in pod_templates(tf_type, conf):
                    assert isinstance(pod, PodTemplate)
                    checked += 1
                    assert list(image_problems(tf_type, conf, registries[name.rsplit("-", 1)[1]])) == [], name
    assert checked >= 4


# --- MLOPS_GKE_12: Services stay inside the VPC ----------------------------------------------------------------

SERVICE_BYPASSES = {
    "service/service": "without annotation networking.gke.io/load-balancer-type: 'Internal' (is missing)",
    "bypass/annotation-external": "(is 'External')",
    "bypass/legacy-annotation": "(is missing)",
    "bypass/external-class": "load_balancer_class networking.gke.io/l4-regional-external",
    "bypass/external-ips": "external_ips 203.0.113.7",
    "bypass/node-port": "type NodePort",
    "bypass/legacy-service-external": "without annotation",
    "bypass/manifest-external": "without annotation",
    "bypass/manifest-external-ips": "external_ips 203.0.113.8",
}


def test_every_service_bypass_has_an_expected_reason():
    assert set(SERVICE_BYPASSES) == set(by_path("MLOPS_GKE_12", "non_compliant"))


@pytest.mark.parametrize("path", sorted(SERVICE_BYPASSES))
def test_a_service_bypass_fails_for_its_reason(path):
    from policies.checks.gke_service_exposure import service_problems

    resource = by_path("MLOPS_GKE_12", "non_compliant")[path]
    for conf in shapes(resource["conf"]):
        problems = list(service_problems(resource["type"], conf))
        assert len(problems) == 1 and SERVICE_BYPASSES[path] in problems[0], problems


def test_the_compliant_services_pass_in_both_shapes():
    from policies.checks.gke_service_exposure import service_problems

    for resource in fixture("MLOPS_GKE_12")["compliant"]:
        for conf in shapes(resource["conf"]):
            assert list(service_problems(resource["type"], conf)) == [], resource["path"]


def test_the_service_rule_reads_every_service_type_of_the_provider_schema_with_the_fields_it_reads():
    from policies.checks.gke_service_exposure import SERVICE_TYPES

    schema = _schema()
    services = {t for t in schema if t.startswith("kubernetes_service") and "external_ips" in _keys(schema[t])}
    assert services == set(SERVICE_TYPES)
    for tf_type in SERVICE_TYPES:
        spec = schema[tf_type]["spec"].get("a", schema[tf_type]["spec"])
        assert {"type", "external_ips", "load_balancer_class"} <= set(spec), tf_type


def test_the_synthesized_model_services_are_internal(org_stacks):
    from policies.checks.gke_service_exposure import SERVICE_TYPES, service_problems

    checked = 0
    for doc in org_stacks.values():
        for tf_type in SERVICE_TYPES:
            for conf in ((doc.get("resource") or {}).get(tf_type) or {}).values():
                assert list(service_problems(tf_type, conf)) == []
                checked += 1
    assert checked >= 1
