"""Org-policy guardrails appear only when an organization or folder is configured."""

from __future__ import annotations

import json

import pytest

from config.errors import ConfigInvalid
from config.loader import load_config
from tests.helpers import resources


def _with_org(config_dir, extra: str) -> None:
    platform = config_dir / "platform.yaml"
    text = platform.read_text()
    assert "  # org_id:" in text
    platform.write_text(text.replace('  # org_id: "123456789012"', extra))


@pytest.fixture
def guarded_stacks(org_copy):
    import cdktn

    from stacks.platform import PlatformStack

    _with_org(org_copy, '  org_id: "123456789012"\n  customer_id: C01abc23d')
    config = load_config(org_copy)
    app = cdktn.Testing.app()
    return {env: json.loads(cdktn.Testing.synth(PlatformStack(app, config.platform, env))) for env in ("dev", "prod")}


def test_org_policies_are_enforced_on_the_organization_when_org_id_is_set(guarded_stacks):
    policies = {p["name"]: p for p in resources(guarded_stacks["prod"], "google_org_policy_policy").values()}
    parent = "organizations/123456789012"
    assert {p["parent"] for p in policies.values()} == {parent}

    def rules(constraint):
        return policies[f"{parent}/policies/{constraint}"]["spec"]["rules"]

    for constraint in (
        "iam.disableServiceAccountKeyCreation",
        "storage.uniformBucketLevelAccess",
        "storage.publicAccessPrevention",
        "iam.automaticIamGrantsForDefaultServiceAccounts",
    ):
        assert rules(constraint) == [{"enforce": "TRUE"}], constraint
    assert rules("iam.allowedPolicyMemberDomains") == [{"values": {"allowed_values": ["C01abc23d"]}}]
    assert rules("gcp.resourceLocations") == [{"values": {"allowed_values": ["in:europe-west4-locations"]}}]
    cmek = rules("gcp.restrictNonCmekServices")[0]["values"]["denied_values"]
    assert {"aiplatform.googleapis.com", "bigquery.googleapis.com", "pubsub.googleapis.com"} <= set(cmek)
    assert rules("gcp.restrictCmekCryptoKeyProjects") == [
        {"values": {"allowed_values": ["under:projects/orbit-mlops-dev", "under:projects/orbit-mlops-prod"]}}
    ]


def test_only_the_guardrails_env_owns_the_org_policies(guarded_stacks):
    # Policies exist once per parent and constraint: two stacks managing them would fight.
    assert "google_org_policy_policy" not in guarded_stacks["dev"].get("resource", {})


def test_folder_id_wins_over_org_id():
    from config.model import Organization
    from modules.guardrails import guardrail_parent

    assert guardrail_parent(Organization("orbit.example", "1234567", "7654321", "C01abc23d")) == "folders/7654321"
    assert guardrail_parent(Organization("orbit.example", "1234567", None, "C01abc23d")) == "organizations/1234567"
    assert guardrail_parent(Organization("orbit.example", None, None, None)) is None


def test_org_id_without_customer_id_is_a_config_error(org_copy):
    _with_org(org_copy, '  org_id: "123456789012"')
    with pytest.raises(ConfigInvalid) as info:
        load_config(org_copy)
    assert any("customer_id is required" in str(e) for e in info.value.errors)


def test_unknown_guardrails_env_is_a_config_error(org_copy):
    _with_org(org_copy, "  guardrails_env: staging")
    with pytest.raises(ConfigInvalid) as info:
        load_config(org_copy)
    assert any("guardrails_env" in str(e) and "unknown environment 'staging'" in str(e) for e in info.value.errors)
