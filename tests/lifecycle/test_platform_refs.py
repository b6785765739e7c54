"""The names the lifecycle derives from the config are those of what the stacks create (synthesized JSON).

The key the commands encrypt models and monitoring jobs with is the key the team's endpoint uses; the image
repository the gate accepts is the one the team project's Vertex AI agent may read; the labels the channel
lookup requires are the ones the team stack puts on its channels.
"""

from __future__ import annotations

import re

import pytest

from config import names
from lifecycle.platform_refs import serving_image_prefix, vertex_key
from tests.helpers import one, resources
from tests.lifecycle.conftest import STACK_LABELS

REF = re.compile(r"^\$\{([a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$")


def _resolve(stack: dict, reference: str) -> tuple[dict, str]:
    """``${type.logical_id.attr}`` -> (the resource's config, attr)."""
    match = REF.match(reference)
    assert match, reference
    tf_type, logical, attr = match.groups()
    return stack["resource"][tf_type][logical], attr


def _key_id(platform_stack: dict, reference: str) -> str:
    """The provider's id of a google_kms_crypto_key: "{{key_ring}}/cryptoKeys/{{name}}", the ring's
    "projects/{{project}}/locations/{{location}}/keyRings/{{name}}" (resource_kms_crypto_key.go:387,
    resource_kms_key_ring.go:226 at e03b7622)."""
    key, attr = _resolve(platform_stack, reference)
    assert attr == "id"
    ring, ring_attr = _resolve(platform_stack, key["key_ring"])
    assert ring_attr == "id"
    return f"projects/{ring['project']}/locations/{ring['location']}/keyRings/{ring['name']}/cryptoKeys/{key['name']}"


@pytest.mark.parametrize("team_name, env", [("ledger", "dev"), ("ledger", "prod"), ("scout", "dev")])
def test_the_vertex_key_is_the_key_of_the_teams_endpoint(org_config, org_stacks, team_name, env):
    team_stack = org_stacks[names.team_stack(team_name, env)]
    platform_stack = org_stacks[names.platform_stack(env)]
    endpoints = resources(team_stack, "google_vertex_ai_endpoint")
    assert endpoints
    for endpoint in endpoints.values():
        # ${data.terraform_remote_state.<input>.outputs.<output>}: the platform stack's output of the key id
        output = endpoint["encryption_spec"]["kms_key_name"].rsplit(".outputs.", 1)[1].rstrip("}")
        reference = platform_stack["output"][output]["value"]
        assert _key_id(platform_stack, reference) == vertex_key(org_config, env)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_image_prefix_is_the_repository_the_team_projects_vertex_agent_reads(org_config, org_stacks, env):
    platform_stack = org_stacks[names.platform_stack(env)]
    repository = one(resources(platform_stack, "google_artifact_registry_repository"))
    reads = [
        g
        for g in resources(platform_stack, "google_artifact_registry_repository_iam_member").values()
        if g["role"] == "roles/artifactregistry.reader" and "@gcp-sa-aiplatform." in g["member"]
    ]
    assert reads and {(g["project"], g["location"], g["repository"]) for g in reads} == {
        (repository["project"], repository["location"], repository["repository_id"])
    }
    assert serving_image_prefix(org_config, env) == (
        f"{repository['location']}-docker.pkg.dev/{repository['project']}/{repository['repository_id']}/"
    )


def test_the_channel_labels_the_lookup_requires_are_the_team_stacks(org_stacks):
    channels = resources(org_stacks[names.team_stack("ledger", "dev")], "google_monitoring_notification_channel")
    assert {c["display_name"]: c["user_labels"] for c in channels.values()}["ledger-oncall"] == STACK_LABELS
