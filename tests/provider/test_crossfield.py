"""Cross-field rules with terraform-plugin-sdk v2 semantics, on the real rules data."""

from __future__ import annotations

from policies.provider import data_files
from policies.provider.crossfield_check import MISSING, check_rules, expansions, is_set, lookup


def problems(tf_type, conf):
    entry = data_files.rules("google")["resources"][tf_type]
    return [(p.category, p.path) for p in check_rules(conf, entry["rules"], "test")]


AUTOPILOT = {"name": "c", "location": "europe-west4", "enable_autopilot": True}


def test_lookup_follows_sdk_keys_through_single_and_list_blocks():
    conf = {"a": {"b": [{"c": 1}, {"c": 2}]}, "d": None, "e": []}
    assert lookup(conf, "a.0.b.1.c") == 2 and lookup(conf, "a.0.b.2.c") is MISSING
    assert not is_set(conf, "d") and not is_set(conf, "e") and is_set(conf, "a.0.b")
    assert list(expansions(conf, "a.0.b.0.c")) == ["a.0.b.0.c", "a.0.b.1.c"]


def test_standard_only_arguments_conflict_with_autopilot_even_when_false():
    assert problems("google_container_cluster", AUTOPILOT) == []
    assert problems("google_container_cluster", {**AUTOPILOT, "enable_intranode_visibility": True}) == [
        ("conflicts", "enable_intranode_visibility")
    ]
    # an explicit false is a configured value: validateConflictingAttributes uses c.Get on the raw config
    assert problems("google_container_cluster", {**AUTOPILOT, "enable_intranode_visibility": False}) == [
        ("conflicts", "enable_intranode_visibility")
    ]
    assert problems("google_container_cluster", {**AUTOPILOT, "default_max_pods_per_node": 32}) == [
        ("conflicts", "default_max_pods_per_node")
    ]
    standard = {k: v for k, v in AUTOPILOT.items() if k != "enable_autopilot"}
    assert problems("google_container_cluster", {**standard, "enable_intranode_visibility": True}) == []


def test_exactly_one_of_needs_one_and_only_one():
    binding = {"scope_id": "s", "scope_rbac_role_binding_id": "b", "role": {"predefined_role": "VIEW"}}
    assert problems("google_gke_hub_scope_rbac_role_binding", {**binding, "group": "g@x"}) == []
    assert problems("google_gke_hub_scope_rbac_role_binding", binding) == [("one_of", "group")]
    assert problems("google_gke_hub_scope_rbac_role_binding", {**binding, "group": "g@x", "user": "u@x"}) == [
        ("one_of", "group")
    ]
    both_roles = {**binding, "group": "g@x", "role": {"predefined_role": "VIEW", "custom_role": "r"}}
    assert problems("google_gke_hub_scope_rbac_role_binding", both_roles) == [("one_of", "role.0.custom_role")]


def test_nested_groups_apply_only_when_their_block_exists():
    policy = {"display_name": "p", "combiner": "OR", "conditions": [{"display_name": "c"}]}
    assert problems("google_monitoring_alert_policy", policy) == []
    assert problems("google_monitoring_alert_policy", {**policy, "documentation": {}}) == [
        ("one_of", "documentation.0.content")
    ]
    assert problems("google_monitoring_alert_policy", {**policy, "documentation": {"content": "x"}}) == []


def test_required_with_and_references_count_as_set():
    channel = {"type": "pagerduty", "sensitive_labels": {"service_key_wo": "${ephemeral.x.secret_data}"}}
    assert problems("google_monitoring_notification_channel", channel) == [
        ("required_with", "sensitive_labels.0.service_key_wo")
    ]
    channel["sensitive_labels"]["service_key_wo_version"] = 1
    assert problems("google_monitoring_notification_channel", channel) == []
