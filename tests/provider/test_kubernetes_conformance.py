"""Provider conformance covers the kubernetes provider of the team stacks (hashicorp/kubernetes 3.4.0): its schema
data describes the installed bindings, every kubernetes block of the fixture organisation conforms, and a
wrong argument, a missing required block or a wrongly typed value in a namespace object is found."""

from __future__ import annotations

import copy
import importlib.metadata

import pytest

from policies.provider import data_files
from policies.provider.jsii_schema import file_sha256
from policies.provider.providers import PROVIDERS
from policies.provider.regenerate import bindings_tarball
from policies.provider.schema_check import check_config
from tests.helpers import resources

KUBERNETES = PROVIDERS["kubernetes"]


def problems(conf, tf_type, kind="resource"):
    schema = data_files.schema("kubernetes")
    return [(p.category, p.path) for p in check_config(KUBERNETES, schema, kind, tf_type, conf)]


def test_schema_data_matches_the_installed_bindings():
    """Regenerate with `python -m policies.provider.regenerate --provider kubernetes` when the bindings change."""
    schema = data_files.schema("kubernetes")
    assert schema["version"] == KUBERNETES.version == "3.4.0"
    assert schema["bindings"]["package_version"] == importlib.metadata.version("cdktn-provider-kubernetes")
    assert schema["bindings"]["tarball_sha256"] == file_sha256(bindings_tarball(KUBERNETES))
    assert {"kubernetes_deployment_v1", "kubernetes_network_policy_v1", "kubernetes_manifest"} <= set(
        schema["resource"]
    )
    assert data_files.rules("kubernetes")["resources"] == {}  # no Go source read: schema checks only


@pytest.mark.parametrize("stack_name", ["team-reach-dev", "team-ledger-prod"])
def test_every_kubernetes_block_of_the_fixture_organisation_conforms(org_stacks, stack_name):
    stack = org_stacks[stack_name]
    checked = 0
    for tf_type in stack["resource"]:
        if tf_type.startswith("kubernetes_"):
            for conf in resources(stack, tf_type).values():
                assert problems(conf, tf_type) == [], tf_type
                checked += 1
    (provider,) = stack["provider"]["kubernetes"]
    assert problems(provider, "kubernetes", kind="provider") == []
    assert checked >= 6


def test_wrong_kubernetes_arguments_are_found(org_stacks):
    policy = next(
        c
        for c in resources(org_stacks["team-reach-dev"], "kubernetes_network_policy_v1").values()
        if c["metadata"]["name"] == "default-deny"
    )
    unknown = copy.deepcopy(policy)
    unknown["spec"]["pod_selectr"] = {}
    assert ("argument", "spec.pod_selectr") in problems(unknown, "kubernetes_network_policy_v1")
    missing = copy.deepcopy(policy)
    del missing["spec"]["pod_selector"]  # required (NetworkPolicyV1Spec.podSelector)
    assert ("required", "spec.pod_selector") in problems(missing, "kubernetes_network_policy_v1")
    deployment = copy.deepcopy(next(iter(resources(org_stacks["team-reach-dev"], "kubernetes_deployment_v1").values())))
    deployment["spec"]["template"]["spec"]["container"][0]["security_context"]["run_as_non_root"] = "yes please"
    assert problems(deployment, "kubernetes_deployment_v1")
