"""Cross-field rules read from a provider checkout (a tiny Go provider in a temporary git repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.provider.go_rules import RegenerationError, collect
from policies.provider.go_source import Source
from policies.provider.providers import PROVIDERS
from policies.provider.regenerate import rules_doc
from tests.helpers import git

RESOURCE = """package demo

import (
\t"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
\t"github.com/hashicorp/terraform-provider-google/google/registry"
\t"github.com/hashicorp/terraform-provider-google/google/tpgresource"
)

// Shared AtLeastOneOf keys, as resource_container_cluster.go does with addonsConfigKeys.
var thingKeys = []string{"block.0.a", "block.0.b"}

func init() {
\tregistry.Schema{
\t\tName:        "google_demo_thing",
\t\tProductName: "demo",
\t\tType:        registry.SchemaTypeResource,
\t\tSchema:      ResourceDemoThing(),
\t}.Register()
\tregistry.Schema{
\t\tName:        "google_demo_broken",
\t\tProductName: "demo",
\t\tType:        registry.SchemaTypeResource,
\t\tSchema:      somethingElse.Build(),
\t}.Register()
}

func ResourceDemoThing() *schema.Resource {
\tr := &schema.Resource{
\t\tSchema: tpgresource.MergeSchemas(baseSchema(), map[string]*schema.Schema{
\t\t\t"name": {Type: schema.TypeString, Required: true, ForceNew: true},
\t\t\t"mode": {
\t\t\t\tType:          schema.TypeString,
\t\t\t\tOptional:      true,
\t\t\t\tConflictsWith: []string{"legacy"},
\t\t\t},
\t\t\t"legacy": {Type: schema.TypeBool, Optional: true},
\t\t\t"block": {
\t\t\t\tType: schema.TypeList, Optional: true, MaxItems: 1,
\t\t\t\tElem: &schema.Resource{Schema: map[string]*schema.Schema{
\t\t\t\t\t"a": {Type: schema.TypeString, Optional: true, AtLeastOneOf: thingKeys},
\t\t\t\t\t"b": {Type: schema.TypeString, Optional: true, AtLeastOneOf: thingKeys},
\t\t\t\t}},
\t\t\t},
\t\t\t"nested": nestedSchema(),
\t\t}),
\t}
\tr.Schema["extra"] = &schema.Schema{Type: schema.TypeString, Optional: true, RequiredWith: []string{"name"}}
\treturn r
}

func nestedSchema() *schema.Schema {
\treturn &schema.Schema{Type: schema.TypeList, Optional: true, ForceNew: true,
\t\tElem: &schema.Resource{Schema: map[string]*schema.Schema{
\t\t\t"x": {Type: schema.TypeString, Optional: true, ForceNew: true, ExactlyOneOf: []string{"nested.0.x", "nested.0.y"}},
\t\t\t"y": {Type: schema.TypeString, Optional: true},
\t\t}}}
}

func baseSchema() map[string]*schema.Schema {
\treturn map[string]*schema.Schema{
\t\t"project":          {Type: schema.TypeString, Optional: true, Computed: true, ForceNew: true},
\t\t"effective_labels": {Type: schema.TypeMap, Computed: true, ForceNew: true},
\t}
}
"""

SCHEMA = {
    "resource": {
        "google_demo_thing": {
            "name": ["s", 1],
            "mode": ["s", 0],
            "legacy": ["b", 0],
            "project": ["s", 0],
            "extra": ["s", 0],
            "block": {"b": "one", "r": 0, "a": {"a": ["s", 0], "b": ["s", 0]}},
            "nested": {"b": "list", "r": 0, "a": {"x": ["s", 0], "y": ["s", 0]}},
        }
    }
}
SCHEMA_8_7 = {**SCHEMA, "bindings": {"assembly_fingerprint": "fp"}, "version": "8.7.0"}


def line_of(snippet: str, nth: int = 0) -> int:
    """1-based line of the nth line of RESOURCE containing ``snippet``."""
    return [i for i, line in enumerate(RESOURCE.splitlines(), 1) if snippet in line][nth]


@pytest.fixture
def checkout(tmp_path) -> tuple[Path, str]:
    repo = tmp_path / "provider"
    (repo / "google/services/demo").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "README.md").write_text("demo\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Merge feature branch major release 8.0.0")
    (repo / "google/services/demo/resource_demo_thing.go").write_text(RESOURCE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "demo resource")
    return repo / ".git", git(repo, "rev-parse", "HEAD").strip()


def test_rules_flags_and_their_lines_come_from_the_source(checkout):
    git_dir, commit = checkout
    data = collect(Source(git_dir, commit), SCHEMA)
    thing = data["resources"]["google_demo_thing"]
    file = "google/services/demo/resource_demo_thing.go"
    assert thing["file"] == f"{file}:{line_of('registry.Schema{')}"
    rules = {(r["kind"], r["attribute"]): (r["with"], r["at"]) for r in thing["rules"]}
    assert rules == {
        ("conflicts_with", "mode"): (["legacy"], f"{file}:{line_of('ConflictsWith')}"),
        ("at_least_one_of", "block.0.a"): (["block.0.a", "block.0.b"], f"{file}:{line_of('AtLeastOneOf: thingKeys')}"),
        ("at_least_one_of", "block.0.b"): (
            ["block.0.a", "block.0.b"],
            f"{file}:{line_of('AtLeastOneOf: thingKeys', 1)}",
        ),
        ("exactly_one_of", "nested.0.x"): (["nested.0.x", "nested.0.y"], f"{file}:{line_of('ExactlyOneOf')}"),
        ("required_with", "extra"): (["name"], f"{file}:{line_of('RequiredWith')}"),
    }
    force_new = {f["path"]: f["computed"] for f in thing["force_new"]}
    # effective_labels is computed-only: never in config, so never a change
    assert force_new == {"name": False, "nested": False, "nested.x": False, "project": True}
    assert set(data["unparsed"]) == {"google_demo_broken"}  # recorded, not guessed
    assert "somethingElse.Build" in data["unparsed"]["google_demo_broken"]


def test_a_rule_naming_an_attribute_the_pinned_schema_lacks_stops_regeneration(checkout):
    git_dir, commit = checkout
    narrow = {
        "resource": {
            "google_demo_thing": {k: v for k, v in SCHEMA["resource"]["google_demo_thing"].items() if k != "legacy"}
        }
    }
    with pytest.raises(RegenerationError, match=r"conflicts_with .* names legacy"):
        collect(Source(git_dir, commit), narrow)


def test_rules_document_records_commit_parent_and_the_schema_it_was_checked_against(checkout):
    git_dir, commit = checkout
    doc = rules_doc(PROVIDERS["google"], SCHEMA_8_7, git_dir, commit[:10])
    assert doc["source"]["commit"] == commit and "major release 8.0.0" in doc["source"]["parent"]
    assert doc["checked_against"] == {"version": "8.7.0", "assembly_fingerprint": "fp"}
    assert set(doc["resources"]) == {"google_demo_thing"}


MIRROR = Path("/work/.mirror/hashicorp+terraform-provider-google/repo")


@pytest.mark.skipif(not MIRROR.exists(), reason="no terraform-provider-google checkout on this machine")
def test_committed_rules_match_a_fresh_read_of_the_recorded_commit_for_the_synthesized_types(org_stacks):
    """Regeneration is reproducible: the example's types, re-read from the recorded commit, equal the data."""
    from policies.provider import data_files

    recorded = data_files.rules("google")
    types = {t for doc in org_stacks.values() for t in doc.get("resource") or {} if t.startswith("google_")}
    fresh = collect(Source(MIRROR, recorded["source"]["commit"]), data_files.schema("google"), only=types)
    assert {t: fresh["resources"][t] for t in types} == {t: recorded["resources"][t] for t in types}
