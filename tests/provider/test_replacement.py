"""The replacement preview on plain stacks: ForceNew changes and address moves of data-holding resources."""

from __future__ import annotations

from dataclasses import dataclass

from policies.provider import data_files
from policies.provider.replacement import DATA_HOLDING, forced_changes, moves, replacements, values_at


@dataclass
class Stack:
    name: str
    doc: dict


def stack(name, **resources):
    doc: dict = {"resource": {}}
    for address, conf in resources.items():
        tf_type, logical = address.split("__")
        doc["resource"].setdefault(tf_type, {})[logical] = conf
    return Stack(name, doc)


DATASET = {
    "dataset_id": "d",
    "project": "p",
    "location": "EU",
    "default_encryption_configuration": {"kms_key_name": "k"},
}


def found(results):
    return [(r.stack, r.address, r.message) for r in results if r.message]


def test_a_forcenew_change_of_a_dataset_is_a_replacement_and_other_changes_are_not():
    base = [stack("s", google_bigquery_dataset__d=DATASET)]
    same = [stack("s", google_bigquery_dataset__d={**DATASET, "description": "now documented"})]
    moved_region = [stack("s", google_bigquery_dataset__d={**DATASET, "location": "US"})]
    assert found(replacements(base, same, data_files.rules_for)) == []
    [(s, address, message)] = found(replacements(base, moved_region, data_files.rules_for))
    assert address == "google_bigquery_dataset.d" and '`location` "EU" -> "US"' in message
    assert "destroys and recreates" in message and "resource_bigquery_dataset.go:" in message


def test_optional_computed_forcenew_arguments_removed_from_config_are_kept_by_the_provider():
    base = [stack("s", google_bigquery_dataset__d=DATASET)]
    head = [stack("s", google_bigquery_dataset__d={k: v for k, v in DATASET.items() if k != "project"})]
    assert found(replacements(base, head, data_files.rules_for)) == []


def test_endpoint_name_change_and_block_count_changes():
    endpoint = {"name": "1", "display_name": "e", "location": "europe-west4", "encryption_spec": {"kms_key_name": "k"}}
    base = [stack("s", google_vertex_ai_endpoint__e=endpoint)]
    renamed = [stack("s", google_vertex_ai_endpoint__e={**endpoint, "name": "2"})]
    [(_, _, message)] = found(replacements(base, renamed, data_files.rules_for))
    assert '`name` "1" -> "2"' in message
    rekeyed = [stack("s", google_vertex_ai_endpoint__e={**endpoint, "encryption_spec": [{"kms_key_name": "k2"}]})]
    [(_, _, message)] = found(replacements(base, rekeyed, data_files.rules_for))
    assert "encryption_spec.kms_key_name" in message
    dict_vs_list = [stack("s", google_vertex_ai_endpoint__e={**endpoint, "encryption_spec": [{"kms_key_name": "k"}]})]
    assert found(replacements(base, dict_vs_list, data_files.rules_for)) == []


def test_a_dataset_moved_to_another_address_or_stack_is_reported_once():
    base = [stack("team", google_bigquery_dataset__old=DATASET), stack("platform")]
    renamed = [stack("team", google_bigquery_dataset__new=DATASET), stack("platform")]
    [(s, address, message)] = found(moves(base, renamed, data_files.rules_for))
    assert (s, address) == ("team", "google_bigquery_dataset.new") and "moved` block" in message
    across = [stack("team"), stack("platform", google_bigquery_dataset__new=DATASET)]
    [(s, _, message)] = found(moves(base, across, data_files.rules_for))
    assert s == "platform" and "team/google_bigquery_dataset.old" in message
    other = [stack("team", google_bigquery_dataset__new={**DATASET, "dataset_id": "other"}), stack("platform")]
    assert found(moves(base, other, data_files.rules_for)) == []


def test_only_data_holding_types_are_previewed():
    assert "google_workflows_workflow" not in DATA_HOLDING and "google_project_iam_member" not in DATA_HOLDING
    wf = {"name": "w", "region": "europe-west4", "source_contents": "x"}
    base = [stack("s", google_workflows_workflow__w=wf)]
    head = [stack("s", google_workflows_workflow__w={**wf, "name": "w2"})]
    assert list(replacements(base, head, data_files.rules_for)) == []
    assert values_at({"a": [{"b": 1}, {"b": True}]}, "a.b") == ["1", "true"]
    assert forced_changes({"x": 1}, {"x": 1}, [{"path": "x", "computed": False, "at": "f.go:1"}]) == []
