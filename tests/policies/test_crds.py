"""The vendored custom-resource schemas (policies/provider/crds.py) and what they catch."""

from __future__ import annotations

import copy

from config import kubernetes_rbac
from policies.provider.crds import data, manifest_problems

POD_MONITORING = {
    "apiVersion": "monitoring.googleapis.com/v1",
    "kind": "PodMonitoring",
    "metadata": {"name": "m-online", "namespace": "t"},
    "spec": {"endpoints": [{"port": "metrics", "interval": "30s"}], "selector": {"matchLabels": {"app": "m"}}},
}


def test_provenance_is_google_s_published_crd():
    source = data()["source"]
    assert source["repository"] == "GoogleCloudPlatform/prometheus-engine" and len(source["commit"]) == 40


def test_every_manifest_kind_the_ci_roles_cover_has_a_schema_and_its_rbac_resource_is_the_crd_plural():
    """The RBAC resource name of a custom resource is its CRD's plural: the CI role is grounded in the CRD."""
    for key, entry in kubernetes_rbac.data()["manifest_kinds"].items():
        vendored = data()["kinds"][key]
        assert entry["resource"] == vendored["plural"], key
        assert entry["group"] == key.split("/")[0]


def test_a_valid_pod_monitoring_passes():
    assert manifest_problems(POD_MONITORING) == []


def test_types_required_fields_and_pruned_fields_are_found():
    wrong_type = copy.deepcopy(POD_MONITORING)
    wrong_type["spec"]["endpoints"] = {"port": "metrics"}
    assert any("spec.endpoints" in p and "is not of type 'array'" in p for p in manifest_problems(wrong_type))
    missing = copy.deepcopy(POD_MONITORING)
    del missing["spec"]["selector"]
    assert any("'selector' is a required property" in p for p in manifest_problems(missing))
    misspelt = copy.deepcopy(POD_MONITORING)
    misspelt["spec"]["endpoints"][0]["path "] = "/metrics"
    assert manifest_problems(misspelt) == [
        "spec.endpoints[0].path : not in the PodMonitoring schema, the API server drops it"
    ]


def test_a_kind_without_a_vendored_schema_cannot_pass():
    other = dict(POD_MONITORING, kind="ServiceMonitor")
    (problem,) = manifest_problems(other)
    assert "no published schema is vendored for monitoring.googleapis.com/v1/ServiceMonitor" in problem
