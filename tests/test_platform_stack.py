"""PlatformStack on synthesized JSON: cluster baseline, keys, governance, audit, registry, DLP, CI."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import yaml

from modules.dlp import INFOTYPES_FILE
from tests.helpers import one, resources

INFOTYPE_EVIDENCE = yaml.safe_load(INFOTYPES_FILE.read_text())
GOOGLE_DOCS = ("https://cloud.google.com/", "https://docs.cloud.google.com/")

ENVS = ("dev", "prod")


@pytest.fixture(params=ENVS)
def platform(request, org_stacks):
    return org_stacks[f"platform-{request.param}"]


def test_cluster_is_a_private_autopilot_cluster_with_workload_identity(org_stacks):
    cluster = resources(org_stacks["platform-prod"], "google_container_cluster")["gke/cluster"]
    assert cluster["enable_autopilot"] is True
    assert cluster["private_cluster_config"]["enable_private_nodes"] is True
    assert cluster["private_cluster_config"]["master_ipv4_cidr_block"] == "172.16.0.0/28"
    assert cluster["workload_identity_config"]["workload_pool"] == "orbit-mlops-prod.svc.id.goog"
    assert cluster["master_authorized_networks_config"]["cidr_blocks"] == [
        {"cidr_block": "10.10.0.0/16", "display_name": "corp-vpn"}
    ]
    assert cluster["master_authorized_networks_config"]["gcp_public_cidrs_access_enabled"] is False
    assert cluster["master_auth"]["client_certificate_config"]["issue_client_certificate"] is False
    assert cluster["authenticator_groups_config"]["security_group"] == "gke-security-groups@orbit.example"
    assert cluster["datapath_provider"] == "ADVANCED_DATAPATH"


def test_cluster_enforces_binary_authorization_release_channel_and_deletion_protection(platform):
    cluster = resources(platform, "google_container_cluster")["gke/cluster"]
    assert cluster["binary_authorization"]["evaluation_mode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"
    assert cluster["release_channel"]["channel"] == "REGULAR"
    assert cluster["deletion_protection"] is True
    assert cluster["enable_legacy_abac"] is False
    assert cluster["monitoring_config"]["managed_prometheus"]["enabled"] is True


def test_cluster_secrets_are_encrypted_with_the_gke_key_that_the_gke_agent_may_use(platform):
    cluster = resources(platform, "google_container_cluster")["gke/cluster"]
    assert cluster["database_encryption"]["state"] == "ENCRYPTED"
    assert cluster["database_encryption"]["key_name"].startswith("${google_kms_crypto_key.kms_gke_")
    grant = resources(platform, "google_kms_crypto_key_iam_member")["agent-keys/gke"]
    assert grant["crypto_key_id"].startswith("${google_kms_crypto_key.kms_gke_")
    assert "@container-engine-robot.iam.gserviceaccount.com" in grant["member"]
    assert any("agent-keys_gke" in d for d in cluster["depends_on"])


def test_cluster_is_registered_to_the_platform_project_fleet(platform):
    cluster = resources(platform, "google_container_cluster")["gke/cluster"]
    fleet = one(resources(platform, "google_gke_hub_fleet"))
    assert cluster["fleet"] == {"project": cluster["project"]} and fleet["project"] == cluster["project"]
    # the cluster enforces the project policy itself; the fleet default accepts only DISABLED / POLICY_BINDINGS
    assert "binary_authorization_config" not in fleet["default_cluster_config"]
    assert cluster["binary_authorization"]["evaluation_mode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"


def test_binary_authorization_admits_only_platform_registry_images(org_stacks):
    policy = one(resources(org_stacks["platform-prod"], "google_binary_authorization_policy"))
    assert policy["default_admission_rule"]["evaluation_mode"] == "ALWAYS_DENY"
    assert policy["default_admission_rule"]["enforcement_mode"] == "ENFORCED_BLOCK_AND_AUDIT_LOG"
    assert policy["admission_whitelist_patterns"] == [
        {"name_pattern": "europe-west4-docker.pkg.dev/orbit-mlops-prod/serving-images/**"}
    ]
    assert policy["global_policy_evaluation_mode"] == "ENABLE"


def test_each_platform_agent_gets_only_its_own_services_key(platform):
    production = "workflows" in str(resources(platform, "google_workflows_workflow"))
    grants = resources(platform, "google_kms_crypto_key_iam_member")
    # The platform project's own agents (team projects' agents are granted under team-<name>/).
    by_key = {
        path: g["crypto_key_id"].split(".")[1].split("_")[1]
        for path, g in grants.items()
        if not path.startswith("team-")
    }
    assert by_key == {
        "agent-keys/gke": "gke",
        "agent-keys/artifacts": "artifacts",
        "governance/bq-agent-key": "bigquery",
        "audit-bucket/logging-agent-key": "logging",
        # production: the scorecard workflow's key (stacks/scorecard.py)
        **({"agent-keys/workflows": "workflows"} if production else {}),
    }
    assert "gcp-sa-artifactregistry" in grants["agent-keys/artifacts"]["member"]
    assert "bigquery_default_service_account" in grants["governance/bq-agent-key"]["member"]
    # kms_service_account_id of the project's Logging settings (one read: logging.settings.get)
    assert "logging_project_settings" in grants["audit-bucket/logging-agent-key"]["member"]
    assert grants["audit-bucket/logging-agent-key"]["member"].endswith(".kms_service_account_id}")
    assert {g["role"] for g in grants.values()} == {"roles/cloudkms.cryptoKeyEncrypterDecrypter"}


def test_governance_dataset_is_cmek_and_protected_with_explicit_tables(platform):
    dataset = resources(platform, "google_bigquery_dataset")["governance/dataset"]
    assert dataset["dataset_id"] == "orbit_mlops_governance"
    assert dataset["default_encryption_configuration"]["kms_key_name"].startswith(
        "${google_kms_crypto_key.kms_bigquery_"
    )
    assert dataset["deletion_policy"] == "PREVENT" and dataset["delete_contents_on_destroy"] is False
    tables = resources(platform, "google_bigquery_table")
    scorecard = {"governance/scorecard"} if resources(platform, "google_workflows_workflow") else set()
    assert set(tables) == {"governance/model_events", "governance/policy_exceptions"} | scorecard
    events = tables["governance/model_events"]
    assert events["deletion_protection"] is True
    assert (
        events["encryption_configuration"]["kms_key_name"]
        == dataset["default_encryption_configuration"]["kms_key_name"]
    )
    assert events["time_partitioning"] == {"type": "DAY", "field": "event_time"}  # audit: never expires
    columns = {c["name"] for c in json.loads(events["schema"])}
    assert {
        "event_time",
        "event",
        "team",
        "model",
        "model_version",
        "actor",
        "train_code_sha",
        "serve_code_sha",
        "training_data",
        "deps_sha",
    } <= columns
    exceptions = {c["name"] for c in json.loads(tables["governance/policy_exceptions"]["schema"])}
    assert {"rule", "resource", "reason", "approved_by", "expires"} <= exceptions


def test_audit_sink_routes_audit_and_modelops_logs_into_partitioned_tables_with_a_writer_grant(org_stacks):
    stack = org_stacks["platform-prod"]
    sink = resources(stack, "google_logging_project_sink")["audit-sink/sink"]
    assert sink["destination"] == "bigquery.googleapis.com/projects/orbit-mlops-prod/datasets/orbit_mlops_governance"
    assert 'logName:"cloudaudit.googleapis.com"' in sink["filter"]
    assert 'logName="projects/orbit-mlops-prod/logs/modelops-audit"' in sink["filter"]
    assert sink["bigquery_options"]["use_partitioned_tables"] is True
    assert sink["unique_writer_identity"] is True
    grant = resources(stack, "google_bigquery_dataset_iam_member")["audit-sink/writer"]
    assert grant["member"].startswith("${google_logging_project_sink.audit-sink_")
    assert grant["member"].endswith(".writer_identity}")
    assert grant["role"] == "roles/bigquery.dataEditor" and grant["dataset_id"] == "orbit_mlops_governance"


def test_audit_log_bucket_is_cmek_encrypted_and_keeps_logs_400_days(platform):
    bucket = resources(platform, "google_logging_project_bucket_config")["audit-bucket/bucket"]
    assert bucket["cmek_settings"]["kms_key_name"].startswith("${google_kms_crypto_key.kms_logging_")
    assert bucket["retention_days"] == 400 and bucket["deletion_policy"] == "PREVENT"
    sink = resources(platform, "google_logging_project_sink")["audit-bucket/sink"]
    assert sink["destination"].endswith("/buckets/modelops-audit")


def test_data_access_audit_logs_for_vertex_and_bigquery_and_log_writers(platform):
    configs = {c["service"]: c for c in resources(platform, "google_project_iam_audit_config").values()}
    assert set(configs) == {"aiplatform.googleapis.com", "bigquery.googleapis.com", "logging.googleapis.com"}
    for service in ("aiplatform.googleapis.com", "bigquery.googleapis.com"):
        assert {c["log_type"] for c in configs[service]["audit_log_config"]} == {"DATA_READ", "DATA_WRITE"}
    # Who wrote each modelops-audit entry (entries.write checks logging.logEntries.create, DATA_WRITE), GKE nodes
    # (the Compute Engine default account) exempt.
    [writes] = configs["logging.googleapis.com"]["audit_log_config"]
    assert writes["log_type"] == "DATA_WRITE"
    assert [m.split("}")[-1] for m in writes["exempted_members"]] == ["-compute@developer.gserviceaccount.com"]


def test_artifact_registry_is_cmek_with_immutable_tags(platform):
    repo = resources(platform, "google_artifact_registry_repository")["artifact-registry/repository"]
    assert repo["format"] == "DOCKER" and repo["repository_id"] == "serving-images"
    assert repo["kms_key_name"].startswith("${google_kms_crypto_key.kms_artifacts_")
    assert repo["docker_config"]["immutable_tags"] is True
    assert repo["deletion_policy"] == "PREVENT"


def _template_location(template: dict) -> str:
    return template["parent"].split("/locations/", 1)[1]


def test_inspect_template_uses_exactly_the_infotypes_verified_in_googles_reference(platform):
    template = resources(platform, "google_data_loss_prevention_inspect_template")["dlp/template"]
    config = template["inspect_config"]
    names = [t["name"] for t in config["info_types"]]
    assert len(names) == len(set(names))
    # Adding an infoType that data/dlp_infotypes.yaml does not vouch for (or dropping one it lists) fails here.
    assert set(names) == set(INFOTYPE_EVIDENCE["info_types"])
    location = _template_location(template)
    assert location == "europe-west4"
    if location != "global":
        global_only = set(INFOTYPE_EVIDENCE["global_only"]["info_types"]) | {
            n for n, e in INFOTYPE_EVIDENCE["info_types"].items() if e["availability"] == "global-only"
        }
        assert not set(names) & global_only
    assert config["include_quote"] is False
    assert config["min_likelihood"] == "POSSIBLE"


def test_every_verified_infotype_records_where_when_and_what_google_says():
    assert {"LOCATION", "ORGANIZATION_NAME"} <= set(INFOTYPE_EVIDENCE["global_only"]["info_types"])
    for section in (INFOTYPE_EVIDENCE["global_only"], *INFOTYPE_EVIDENCE["info_types"].values()):
        assert section["url"].startswith(GOOGLE_DOCS), section["url"]
        assert isinstance(section["read_on"], datetime.date)
    for name, entry in INFOTYPE_EVIDENCE["info_types"].items():
        assert re.fullmatch(r"[A-Z0-9_]{1,64}", name), name  # InfoType.name pattern [a-zA-Z0-9_]{1,64}
        assert entry["availability"] in ("regional", "global-only"), name
        assert entry["stage"] in ("GA", "preview"), name
        assert len(entry["evidence"].strip()) > 20, name


def test_template_refuses_unverified_and_global_only_infotypes(monkeypatch):
    from cdktn import App, TerraformStack

    import modules.dlp as dlp

    assert dlp.unusable_info_types(dlp.PII_INFO_TYPES, "europe-west4") == []
    assert dlp.unusable_info_types(("MEDICAL_RECORD_NUMBER",), "europe-west4") == [
        "MEDICAL_RECORD_NUMBER: not confirmed in Google's infoType reference (add it to dlp_infotypes.yaml)"
    ]
    evidence = {
        **INFOTYPE_EVIDENCE,
        "info_types": {
            **INFOTYPE_EVIDENCE["info_types"],
            "LOCATION": {"url": "https://cloud.google.com/dlp/docs/infotypes-reference", "availability": "global-only"},
        },
    }
    monkeypatch.setattr(dlp, "verified_info_types", lambda: evidence)
    assert dlp.unusable_info_types(("LOCATION",), "global") == []
    assert dlp.unusable_info_types(("LOCATION",), "europe-west4") == [
        "LOCATION: available only in the global location, the template is in europe-west4"
    ]
    monkeypatch.setattr(dlp, "PII_INFO_TYPES", (*dlp.PII_INFO_TYPES, "LOCATION"))
    with pytest.raises(ValueError, match="LOCATION: available only in the global location"):
        dlp.PiiInspectTemplate(TerraformStack(App(), "probe"), "dlp", project="p", location="europe-west4")


def test_ci_pool_trusts_only_the_platform_repository_through_github(org_stacks):
    """What each token may do is tested on the CEL condition itself in tests/test_ci_trust.py."""
    stack = org_stacks["platform-prod"]
    provider = resources(stack, "google_iam_workload_identity_pool_provider")["ci/provider"]
    assert provider["oidc"]["issuer_uri"] == "https://token.actions.githubusercontent.com"
    assert provider["attribute_condition"].endswith("&& assertion.repository == 'orbit/mlops-platform'")
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"


def test_example_has_no_org_guardrails_without_org_or_folder(platform):
    assert "google_org_policy_policy" not in platform["resource"]


def test_platform_exports_only_a_few_stable_cross_stack_outputs(platform):
    # cluster membership (2), inspect template, CI pool, and the keys team projects use
    cross_stack = [o for o in platform["output"] if o.startswith("cross-stack-output-")]
    assert len(cross_stack) <= 8
    # the one output for people: what the deploy workflow's MODELOPS_WIF_PROVIDERS variable holds
    assert set(platform["output"]) - set(cross_stack) == {"ci_workload_identity_provider"}
    assert platform["output"]["ci_workload_identity_provider"]["value"].startswith(
        "${google_iam_workload_identity_pool_provider."
    )
