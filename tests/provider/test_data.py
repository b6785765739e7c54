"""The conformance data files: they describe the installed bindings, carry their provenance, and cover the example."""

from __future__ import annotations

import importlib.metadata
import json

from policies.provider import data_files
from policies.provider.go_rules import plain_path
from policies.provider.jsii_schema import file_sha256
from policies.provider.providers import PROVIDERS
from policies.provider.regenerate import bindings_tarball

GOOGLE = PROVIDERS["google"]


def test_schema_data_matches_the_installed_bindings():
    """Regenerate (`python -m policies.provider.regenerate`) whenever cdktn-provider-google changes."""
    schema = data_files.schema("google")
    bindings = schema["bindings"]
    assert schema["version"] == GOOGLE.version == "8.7.0"
    assert bindings["package_version"] == importlib.metadata.version("cdktn-provider-google")
    tarball = bindings_tarball(GOOGLE)
    assert bindings["tarball"] == tarball.name
    assert bindings["tarball_sha256"] == file_sha256(tarball), "the installed jsii assembly differs from the data"


def test_schema_data_covers_every_type_of_the_provider():
    schema = data_files.schema("google")
    assert schema["counts"] == {
        "resource": len(schema["resource"]),
        "data": len(schema["data"]),
        "ephemeral": len(schema["ephemeral"]),
    }
    assert schema["counts"]["resource"] > 1300 and schema["counts"]["data"] > 400 and schema["counts"]["ephemeral"] >= 6
    assert GOOGLE.schema_file.stat().st_size < 2_000_000 and GOOGLE.rules_file.stat().st_size < 2_000_000


def test_rules_data_records_its_provenance_and_the_schema_it_was_checked_against():
    rules = data_files.rules("google")
    schema = data_files.schema("google")
    source = rules["source"]
    assert source["repository"] == "hashicorp/terraform-provider-google"
    assert source["commit"].startswith("e03b7622a2") and source["date"].startswith("2026-08-21")
    assert "8.0.0" in source["parent"] and "not the 8.7.0 release" in source["note"]
    assert rules["checked_against"] == {
        "version": "8.7.0",
        "assembly_fingerprint": schema["bindings"]["assembly_fingerprint"],
    }


def _in_schema(node: dict, path: str) -> bool:
    for i, part in enumerate(path.split(".")):
        if part not in node:
            return False
        spec = node[part]
        if i < path.count("."):
            if not isinstance(spec, dict):
                return False
            node = spec["a"]
    return True


def test_every_rule_and_force_new_path_exists_in_the_pinned_schema():
    schema = data_files.schema("google")["resource"]
    rules = data_files.rules("google")["resources"]
    missing = [
        (t, k)
        for t, entry in rules.items()
        for rule in entry["rules"]
        for k in [rule["attribute"], *rule["with"]]
        if not _in_schema(schema[t], plain_path(k))
    ]
    missing += [
        (t, f["path"]) for t, entry in rules.items() for f in entry["force_new"] if not _in_schema(schema[t], f["path"])
    ]
    assert missing == []
    for entry in rules.values():
        for rule in entry["rules"] + entry["force_new"]:
            file, line = rule["at"].rsplit(":", 1)
            assert file.startswith("google/") and file.endswith(".go") and int(line) > 0


def _synthesized_types(org_stacks: dict[str, dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"resource": set(), "data": set(), "ephemeral": set()}
    for doc in org_stacks.values():
        for kind in out:
            out[kind] |= {t for t in doc.get(kind) or {} if t.startswith("google_")}
    return out


def test_every_synthesized_type_has_schema_and_cross_field_data(org_stacks):
    """Adding a resource type the data lacks fails here: regenerate with --git-dir/--commit."""
    schema = data_files.schema("google")
    rules = data_files.rules("google")["resources"]
    types = _synthesized_types(org_stacks)
    assert len(types["resource"]) >= 40 and types["ephemeral"]
    for kind, names in types.items():
        assert names <= set(schema[kind]), (kind, sorted(names - set(schema[kind])))
    assert types["resource"] <= set(rules), sorted(types["resource"] - set(rules))


def test_the_known_autopilot_and_fleet_rules_are_in_the_data():
    """Spot checks against the provider source and docs (resource_container_cluster.go, gke_hub_fleet docs)."""
    cluster = data_files.rules("google")["resources"]["google_container_cluster"]
    autopilot = {
        r["attribute"] for r in cluster["rules"] if r["kind"] == "conflicts_with" and "enable_autopilot" in r["with"]
    }
    # resource_container_cluster.go at e03b7622a2: lines 2464, 2260, 1692, 1723, 2075
    assert {
        "enable_intranode_visibility",
        "default_max_pods_per_node",
        "network_policy",
        "node_pool",
        "remove_default_node_pool",
    } <= autopilot
    fleet = data_files.schema("google")["resource"]["google_gke_hub_fleet"]
    mode = fleet["default_cluster_config"]["a"]["binary_authorization_config"]["a"]["evaluation_mode"]
    assert mode == ["s", 0, ["DISABLED", "POLICY_BINDINGS"]]
    endpoint = data_files.schema("google")["resource"]["google_vertex_ai_endpoint"]
    assert endpoint["display_name"] == ["s", 1] and endpoint["encryption_spec"]["b"] == "one"
    assert {
        k: v
        for k, v in next(
            f
            for f in data_files.rules("google")["resources"]["google_bigquery_dataset"]["force_new"]
            if f["path"] == "location"
        ).items()
        if k != "at"
    } == {"path": "location", "computed": False}


def test_data_files_are_deterministic_json():
    import gzip

    for path in (GOOGLE.schema_file, GOOGLE.rules_file):
        raw = path.read_bytes()
        assert raw[4:8] == b"\0\0\0\0", f"{path.name}: gzip mtime must be 0 for reproducible regeneration"
        json.loads(gzip.decompress(raw))
