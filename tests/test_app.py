"""The app: which stacks exist, backends, labels, and the first slice of real resources."""

from __future__ import annotations

import re

from modules.labels import NOT_LABELS
from tests.helpers import all_resources, one, resources

TEAMS = ("ledger", "reach", "scout")
ENVS = ("dev", "prod")


def test_one_platform_stack_per_env_and_one_team_stack_per_team_and_env(org_stacks):
    expected = {f"platform-{e}" for e in ENVS} | {f"team-{t}-{e}" for t in TEAMS for e in ENVS}
    assert set(org_stacks) == expected


def test_gcs_backend_per_env_bucket_and_one_prefix_per_stack(org_stacks):
    """(Without a bucket state is local: tests/deploy/test_readme_deploy.py deploys such a config.)"""
    for env in ("dev", "prod"):
        backend = org_stacks[f"team-ledger-{env}"]["terraform"]["backend"]
        assert backend == {"gcs": {"bucket": f"orbit-mlops-tfstate-{env}", "prefix": f"team-ledger-{env}"}}


def test_google_provider_is_pinned_by_the_bindings(org_stacks):
    for stack in org_stacks.values():
        assert stack["terraform"]["required_providers"]["google"] == {"source": "hashicorp/google", "version": "8.7.0"}


def test_provider_default_labels_keep_their_keys(org_stacks):
    provider = org_stacks["team-reach-dev"]["provider"]["google"][0]
    assert provider["default_labels"] == {"team": "reach", "env": "dev", "managed-by": "modelops"}


def test_every_labelled_resource_carries_team_env_and_managed_by(org_stacks):
    checked = 0
    for name, stack in org_stacks.items():
        env = name.rsplit("-", 1)[1]
        team = "platform" if name.startswith("platform-") else name.split("-")[1]
        for tf_type, logical_id, conf in all_resources(stack):
            for attr in ("labels", "resource_labels", "user_labels"):
                if attr in conf and (tf_type, attr) not in NOT_LABELS:
                    labels = conf[attr]
                    assert (
                        labels.get("team") == team
                        and labels.get("env") == env
                        and labels.get("managed-by") == "modelops"
                    ), (name, logical_id, labels)
                    assert all(re.fullmatch(r"[a-z0-9_-]{0,63}", v) for v in labels.values()), labels
                    checked += 1
    assert checked > 0


def test_team_metadata_dataset_is_cmek_encrypted_with_the_platform_bigquery_key(org_stacks):
    dataset = resources(org_stacks["team-ledger-prod"], "google_bigquery_dataset")["metadata/dataset"]
    key_ref = dataset["default_encryption_configuration"]["kms_key_name"]
    assert "terraform_remote_state.cross-stack-reference-input-platform-prod" in key_ref
    assert "kms_bigquery" in key_ref
    assert dataset["dataset_id"] == "ledger_metadata"


def test_team_metadata_dataset_is_protected_from_deletion(org_stacks):
    for name in (f"team-{t}-{e}" for t in TEAMS for e in ENVS):
        dataset = resources(org_stacks[name], "google_bigquery_dataset")["metadata/dataset"]
        assert dataset["deletion_policy"] == "PREVENT"
        assert dataset["delete_contents_on_destroy"] is False
        assert dataset["lifecycle"]["prevent_destroy"] is True


def test_bigquery_agent_may_use_only_the_bigquery_key(org_stacks):
    grant = resources(org_stacks["platform-dev"], "google_kms_crypto_key_iam_member")["team-scout/bq-agent-key"]
    assert grant["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert "kms_bigquery" in grant["crypto_key_id"]
    assert grant["member"].startswith("serviceAccount:${data.google_bigquery_default_service_account.")


def test_team_service_accounts_are_named_from_the_team_and_have_no_keys(org_stacks):
    accounts = resources(org_stacks["team-reach-prod"], "google_service_account")
    assert {a["account_id"] for a in accounts.values()} == {"reach-serving", "reach-pipeline", "reach-deployer"}
    assert all(a["project"] == "orbit-reach-prod" for a in accounts.values())
    assert not any(t == "google_service_account_key" for s in org_stacks.values() for t, _, _ in all_resources(s))


def test_platform_keys_rotate_and_are_protected(org_stacks):
    keys = resources(org_stacks["platform-prod"], "google_kms_crypto_key")
    assert {"kms/bigquery", "kms/vertex", "kms/pubsub", "kms/logging", "kms/gke", "kms/artifacts"} <= set(keys)
    for key in keys.values():
        assert key["rotation_period"] == "7776000s"
        assert key["deletion_policy"] == "PREVENT" and key["lifecycle"]["prevent_destroy"] is True


def test_team_stacks_depend_on_their_environment_platform_stack(org_synth_dir):
    import json

    manifest = json.loads((org_synth_dir / "manifest.json").read_text())
    assert manifest["stacks"]["team-ledger-prod"]["dependencies"] == ["platform-prod"]
    assert manifest["stacks"]["team-ledger-dev"]["dependencies"] == ["platform-dev"]


def test_logical_ids_come_from_names_not_positions(org_stacks):
    dataset = one(org_stacks["team-ledger-dev"]["resource"]["google_bigquery_dataset"])
    assert dataset["//"]["metadata"]["path"] == "team-ledger-dev/metadata/dataset"


def test_cdktn_cli_and_in_process_synth_target_the_same_terraform_versions():
    import json
    from pathlib import Path

    from stacks.app import TARGET_VERSIONS

    cdktf_json = json.loads((Path(__file__).resolve().parent.parent / "infra" / "cdktf.json").read_text())
    assert cdktf_json["targetVersions"] == TARGET_VERSIONS


def test_every_stack_requires_a_terraform_that_supports_write_only_arguments(org_stacks):
    assert {s["terraform"]["required_version"] for s in org_stacks.values()} == {">= 1.11.0"}


def test_every_cross_stack_remote_state_resolves_to_the_state_its_stack_writes(org_synth_dir):
    """Terraform runs each stack in its manifest workingDirectory and resolves local paths from there."""
    import json
    import os
    from pathlib import Path

    manifest = json.loads((org_synth_dir / "manifest.json").read_text())["stacks"]

    def where(backend: str, config: dict, stack: str) -> tuple:
        if backend == "local":
            return ("local", os.path.normpath(org_synth_dir / manifest[stack]["workingDirectory"] / config["path"]))
        return (backend, config["bucket"], config["prefix"])

    checked = 0
    for name, entry in manifest.items():
        doc = json.loads((org_synth_dir / entry["synthesizedStackPath"]).read_text())
        for ref in (doc.get("data", {}).get("terraform_remote_state") or {}).values():
            (target,) = entry["dependencies"]  # a team stack reads exactly its platform stack
            ((backend, config),) = json.loads((org_synth_dir / manifest[target]["synthesizedStackPath"]).read_text())[
                "terraform"
            ]["backend"].items()
            assert where(ref["backend"], ref["config"], name) == where(backend, config, target), name
            if backend == "local":  # outside the synth output, which `modelops synth` replaces wholesale
                assert not Path(where(backend, config, target)[1]).is_relative_to(org_synth_dir)
            checked += 1
    assert checked == sum(1 for e in manifest.values() if e["dependencies"])
