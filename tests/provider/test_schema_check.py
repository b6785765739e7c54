"""Schema conformance of single resources against the pinned provider schema (the real data file)."""

from __future__ import annotations

from policies.provider import data_files
from policies.provider.providers import PROVIDERS
from policies.provider.schema_check import check_config

GOOGLE = PROVIDERS["google"]
KEY = "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k"
ENDPOINT = {
    "display_name": "x",
    "location": "europe-west4",
    "name": "1234567890",
    "encryption_spec": {"kms_key_name": KEY},
}


def problems(conf, tf_type="google_vertex_ai_endpoint", kind="resource"):
    return [(p.category, p.path) for p in check_config(GOOGLE, data_files.schema("google"), kind, tf_type, conf)]


def test_a_valid_resource_has_no_problem_and_meta_arguments_are_not_arguments():
    conf = {
        **ENDPOINT,
        "//": {"metadata": {}},
        "depends_on": ["x"],
        "lifecycle": {"prevent_destroy": True},
        "provider": "google.other",
        "count": 1,
    }
    assert problems(conf) == []


def test_unknown_types_are_named_with_the_closest_match_and_the_right_kind():
    [p] = check_config(GOOGLE, data_files.schema("google"), "resource", "google_vertex_ai_endpoints", {})
    assert p.category == "type" and "did you mean google_vertex_ai_endpoint?" in p.message
    [p] = check_config(GOOGLE, data_files.schema("google"), "resource", "google_client_config", {})
    assert "it exists as a data source" in p.message
    assert problems({"project_id": "p"}, "google_project", "data") == []
    assert problems({"secret": "s", "project": "p"}, "google_secret_manager_secret_version", "ephemeral") == []


def test_misspelt_and_computed_only_arguments_at_any_level():
    assert problems({**ENDPOINT, "display_nam": "x"}) == [("argument", "display_nam")]
    assert problems({**ENDPOINT, "encryption_spec": {"kms_key": KEY}}) == [
        ("argument", "encryption_spec.kms_key"),
        ("required", "encryption_spec.kms_key_name"),
    ]
    assert problems({**ENDPOINT, "create_time": "2026-01-01"}) == [("argument", "create_time")]  # computed-only
    deep = {"project": "p", "default_cluster_config": {"security_posture_config": {"mood": "BASIC"}}}
    assert problems(deep, "google_gke_hub_fleet") == [
        ("argument", "default_cluster_config.security_posture_config.mood")
    ]


def test_required_arguments_and_blocks_only_inside_blocks_that_are_present():
    conf = {k: v for k, v in ENDPOINT.items() if k != "display_name"}
    assert problems(conf) == [("required", "display_name")]
    no_block = {k: v for k, v in ENDPOINT.items() if k != "encryption_spec"}
    assert problems(no_block) == []
    # google_iam_workload_identity_pool_provider: oidc.issuer_uri is required once an oidc block exists
    wif = {"workload_identity_pool_id": "p", "workload_identity_pool_provider_id": "gh", "oidc": {}}
    assert ("required", "oidc.issuer_uri") in problems(wif, "google_iam_workload_identity_pool_provider")


def test_single_blocks_take_one_object_and_values_must_have_the_right_shape():
    assert (
        problems({**ENDPOINT, "encryption_spec": [{"kms_key_name": KEY}]}) == []
    )  # a list of one is valid JSON syntax
    two = [{"kms_key_name": KEY}, {"kms_key_name": KEY}]
    assert problems({**ENDPOINT, "encryption_spec": two}) == [("shape", "encryption_spec")]
    assert problems({**ENDPOINT, "encryption_spec": KEY}) == [("shape", "encryption_spec")]
    assert problems({**ENDPOINT, "display_name": {"a": 1}}) == [("shape", "display_name")]
    assert problems({**ENDPOINT, "labels": ["a"]}) == [("shape", "labels")]
    assert problems({**ENDPOINT, "dedicated_endpoint_enabled": "yes"}) == [("shape", "dedicated_endpoint_enabled")]
    assert problems({**ENDPOINT, "dedicated_endpoint_enabled": "true"}) == []  # Terraform converts it


def test_enum_values_come_from_the_possible_values_list():
    fleet = lambda mode: {"default_cluster_config": {"binary_authorization_config": {"evaluation_mode": mode}}}
    assert problems(fleet("POLICY_BINDINGS"), "google_gke_hub_fleet") == []
    assert problems(fleet("PROJECT_SINGLETON_POLICY_ENFORCE"), "google_gke_hub_fleet") == [
        ("enum", "default_cluster_config.binary_authorization_config.evaluation_mode")
    ]
    # optional enums accept "" (verify.ValidateEnum([]string{..., ""}), resource_gke_hub_fleet.go:153)
    assert problems(fleet(""), "google_gke_hub_fleet") == []
    assert problems(fleet("${var.mode}"), "google_gke_hub_fleet") == []  # references are known only at plan


def test_list_block_elements_are_each_checked_with_their_index():
    conf = {
        "display_name": "a",
        "combiner": "OR",
        "conditions": [{"display_name": "ok"}, {"display_name": "bad", "condition_treshold": {}}],
    }
    assert problems(conf, "google_monitoring_alert_policy") == [("argument", "conditions[1].condition_treshold")]
    assert problems(
        {**conf, "combiner": "XOR", "conditions": [{"display_name": "x"}]}, "google_monitoring_alert_policy"
    ) == [("enum", "combiner")]


def test_the_provider_block_is_checked_too():
    assert (
        check_config(
            GOOGLE,
            data_files.schema("google"),
            "provider",
            "google",
            {"project": "p", "region": "r", "default_labels": {"a": "b"}},
        )
        == []
    )
    [p] = check_config(GOOGLE, data_files.schema("google"), "provider", "google", {"projct": "p"})
    assert p.category == "argument" and "did you mean `project`" in p.message
