"""The gate on the synthesized example, insecure variants of it, and suppressions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.errors import ConfigInvalid
from policies.engine.gate import run_gate
from tests.helpers import ORG_DIR
from tests.policies.conftest import TODAY


@pytest.fixture(scope="module")
def example_result(org_config, org_synth_dir):
    return run_gate(org_config, org_synth_dir, today=TODAY)


def test_example_passes_the_gate(example_result):
    assert example_result.exit_code == 0, sorted({(f.rule, f.construct_path) for f in example_result.failed})
    assert example_result.failed == []


def test_the_only_exceptions_are_reachs_public_endpoint_and_the_ci_appliers_service_account_roles(example_result):
    suppressed = sorted((f.rule, f.construct_path) for f in example_result.suppressed)
    endpoint = [s for s in suppressed if s[0] == "MLOPS_NET_1"]
    assert endpoint == [
        ("MLOPS_NET_1", "team-reach-dev/offer-ranker/endpoint"),
        ("MLOPS_NET_1", "team-reach-prod/offer-ranker/endpoint"),
    ]
    # The applier sets IAM on the accounts the stacks create (platform.yaml suppression): checkov's project-level
    # service-account management check, on the applier's Service Account Admin only, on every project it applies.
    # No project-level actAs is left to suppress (CKV_GCP_41): it holds actAs on single accounts (issue 15, item 5).
    applier = [s for s in suppressed if s[0] != "MLOPS_NET_1"]
    expected = set()
    for env, projects in (
        ("dev", ("platform", "team-ledger", "team-reach", "team-scout")),
        ("prod", ("platform", "team-ledger", "team-reach", "team-scout")),
    ):
        for slug in projects:
            expected |= {("CKV_GCP_49", f"platform-{env}/ci/applier-{slug}-iam-serviceAccountAdmin")}
    assert set(applier) == expected and len(applier) == len(expected)


def test_example_runs_checkov_builtins_and_our_resource_rules(example_result):
    rules = {p.rule for p in example_result.passed}
    assert {"CKV_GCP_81", "MLOPS_CMEK_1", "MLOPS_DATA_1", "MLOPS_IAM_4", "MLOPS_LABEL_1"} <= rules
    assert len(example_result.stacks) == 8


def _mutated(org_synth_dir: Path, tmp_path: Path, stack: str, mutate) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(file.read_text())
    mutate(doc["resource"])
    file.write_text(json.dumps(doc, indent=2))
    return out


def _first(resources: dict, tf_type: str) -> dict:
    return next(iter(resources[tf_type].values()))


def _add_alert(resources):
    resources.setdefault("google_monitoring_alert_policy", {})["pay-scorer_latency_X"] = {
        "//": {"metadata": {"path": "team-ledger-prod/pay-scorer/latency"}},
        "display_name": "latency",
        "combiner": "OR",
        "severity": "CRITICAL",
        "notification_channels": ["x"],
        "documentation": {"content": "p99 latency above threshold"},  # no runbook link
        "user_labels": {
            "team": "ledger",
            "env": "prod",
            "managed-by": "modelops",
            "model": "pay-scorer",
            "signal": "latency",
        },
        "conditions": [{"display_name": "p99", "condition_threshold": {"filter": "x", "comparison": "COMPARISON_GT"}}],
    }


def _add_endpoint(resources):
    resources.setdefault("google_vertex_ai_endpoint", {})["pay-scorer_endpoint_X"] = {
        "//": {"metadata": {"path": "team-ledger-prod/pay-scorer/endpoint"}},
        "name": "1234567890",
        "display_name": "pay-scorer",
        "location": "europe-west4",
        "encryption_spec": {"kms_key_name": "k"},
        "labels": {"team": "ledger", "env": "prod", "managed-by": "modelops", "model": "pay-scorer"},
        "predict_request_response_logging_config": {"enabled": False},
    }


INSECURE_VARIANTS = {
    "public principal": (
        "MLOPS_IAM_1",
        "google_bigquery_dataset_iam_member",
        lambda r: _first(r, "google_bigquery_dataset_iam_member").update(member="allUsers"),
    ),
    "basic role": (
        "MLOPS_IAM_2",
        "google_bigquery_dataset_iam_member",
        lambda r: _first(r, "google_bigquery_dataset_iam_member").update(role="roles/owner"),
    ),
    "user principal": (
        "MLOPS_IAM_4",
        "google_bigquery_dataset_iam_member",
        lambda r: _first(r, "google_bigquery_dataset_iam_member").update(member="user:bob@orbit.example"),
    ),
    "missing CMEK": (
        "MLOPS_CMEK_1",
        "google_bigquery_dataset",
        lambda r: _first(r, "google_bigquery_dataset").pop("default_encryption_configuration"),
    ),
    "deletion protection off": (
        "MLOPS_DATA_1",
        "google_bigquery_dataset",
        lambda r: _first(r, "google_bigquery_dataset").update(deletion_policy="DELETE"),
    ),
    "contents deleted on destroy": (
        "MLOPS_DATA_2",
        "google_bigquery_dataset",
        lambda r: _first(r, "google_bigquery_dataset").update(delete_contents_on_destroy=True),
    ),
    "labels removed": (
        "MLOPS_LABEL_1",
        "google_bigquery_dataset",
        lambda r: _first(r, "google_bigquery_dataset").update(labels={"team": "ledger"}),
    ),
    "alert without runbook": ("MLOPS_MON_2", "google_monitoring_alert_policy", _add_alert),
    "endpoint logging off": ("MLOPS_AUDIT_1", "google_vertex_ai_endpoint", _add_endpoint),
}


@pytest.mark.parametrize("variant", sorted(INSECURE_VARIANTS))
def test_insecure_variant_of_the_example_fails_on_the_changed_resource(variant, org_config, org_synth_dir, tmp_path):
    rule, tf_type, mutate = INSECURE_VARIANTS[variant]
    out = _mutated(org_synth_dir, tmp_path, "team-ledger-prod", mutate)
    result = run_gate(org_config, out, only={"team-ledger-prod"}, today=TODAY)  # the other stacks pass above
    hits = [f for f in result.failed if f.rule == rule]
    assert result.exit_code == 1
    assert [f.stack for f in hits] == ["team-ledger-prod"]
    assert hits[0].address.startswith(f"{tf_type}.")
    assert hits[0].file == f"{ORG_DIR}/teams/ledger.yaml"


# --- suppressions ---------------------------------------------------------------------------


def _suppress(org_copy: Path, entry: str) -> None:
    team = org_copy / "teams" / "ledger.yaml"
    team.write_text(team.read_text().replace("suppressions: []", f"suppressions:\n{entry}"))


SUPPRESSION = """  - rule: MLOPS_PII_1
    resource: "team-ledger-*/metadata/dataset"
    reason: DLP discovery for the ledger dataset is being moved to the organisation-level scan
    approved_by: security-lead@orbit.example
    expires: "{expires}"
"""


@pytest.fixture(scope="module")
def without_ledger_dlp(org_synth_dir, tmp_path_factory) -> Path:
    """The example with ledger's DLP discovery removed: MLOPS_PII_1 fails for ledger in both envs."""
    out = tmp_path_factory.mktemp("no-dlp") / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    for env in ("dev", "prod"):
        file = out / "stacks" / f"team-ledger-{env}" / "cdk.tf.json"
        doc = json.loads(file.read_text())
        doc["resource"].pop("google_data_loss_prevention_discovery_config")
        file.write_text(json.dumps(doc))
        # ... and the CI roles that only the discovery config needed (MLOPS_IAM_7 would flag them unused).
        platform = out / "stacks" / f"platform-{env}" / "cdk.tf.json"
        doc = json.loads(platform.read_text())
        grants = doc["resource"]["google_project_iam_member"]
        for lid in [
            lid
            for lid, g in grants.items()
            if g["project"] == f"orbit-ledger-{env}" and g["role"] in ("roles/dlp.admin", "roles/dlp.reader")
        ]:
            del grants[lid]
        # ... which the applier's Project IAM Admin condition then no longer lists either (exact list, item 5).
        for g in grants.values():
            if g["project"] == f"orbit-ledger-{env}" and "condition" in g:
                for role in ("roles/dlp.admin", "roles/dlp.reader"):
                    g["condition"]["expression"] = g["condition"]["expression"].replace(f"'{role}', ", "")
        platform.write_text(json.dumps(doc))
    return out


def test_removing_a_teams_dlp_scan_fails_the_pii_rule(org_config, without_ledger_dlp):
    result = run_gate(org_config, without_ledger_dlp, today=TODAY)
    assert {(f.rule, f.stack) for f in result.failed} == {
        ("MLOPS_PII_1", "team-ledger-dev"),
        ("MLOPS_PII_1", "team-ledger-prod"),
    }


def test_valid_suppression_is_applied_and_listed(org_copy, without_ledger_dlp):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires="2026-12-31"))
    result = run_gate(load_config(org_copy), without_ledger_dlp, today=TODAY)
    suppressed = [f for f in result.findings if f.suppressed and f.team == "ledger"]
    assert {(f.rule, f.stack) for f in suppressed} == {
        ("MLOPS_PII_1", "team-ledger-dev"),
        ("MLOPS_PII_1", "team-ledger-prod"),
    }
    assert suppressed[0].suppressed_by.approved_by == "security-lead@orbit.example"
    assert [(o.owner, o.suppression.rule, n) for o, n in result.used if o.owner == "ledger"] == [
        ("ledger", "MLOPS_PII_1", 2)
    ]
    assert result.unused == []
    assert result.failed == []


def test_suppression_only_applies_to_its_own_team(org_copy, without_ledger_dlp):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires="2026-12-31").replace("team-ledger-*", "team-reach-*"))
    result = run_gate(load_config(org_copy), without_ledger_dlp, today=TODAY)
    assert {(f.rule, f.team) for f in result.failed} == {("MLOPS_PII_1", "ledger")}
    assert [o.suppression.resource for o in result.unused] == ["team-reach-*/metadata/dataset"]


def test_unused_suppression_is_reported(org_copy, org_synth_dir):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires="2026-12-31").replace("MLOPS_PII_1", "MLOPS_IAM_1"))
    result = run_gate(load_config(org_copy), org_synth_dir, today=TODAY)
    assert [(o.owner, o.suppression.rule) for o in result.unused] == [("ledger", "MLOPS_IAM_1")]
    # reach's documented endpoint exception and the platform's one CI-applier exception (Service Account Admin)
    assert sorted(o.owner for o, _ in result.used) == ["platform", "reach"]


@pytest.mark.parametrize(
    "expires, message",
    [
        ("2026-10-31", "expired on 2026-10-31"),
        ("2027-06-01", "more than 180 days ahead"),
    ],
)
def test_expired_or_too_long_suppression_is_bad_input(org_copy, org_synth_dir, expires, message):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires=expires))
    with pytest.raises(ConfigInvalid) as raised:
        run_gate(load_config(org_copy), org_synth_dir, today=TODAY)
    [error] = raised.value.errors
    assert error.file.endswith("teams/ledger.yaml") and error.line and error.path == "suppressions[0].expires"
    assert message in error.message


@pytest.mark.parametrize(
    "old, new, field",
    [
        (
            "reason: DLP discovery for the ledger dataset is being moved to the organisation-level scan",
            "reason: later",
            "reason",
        ),
        ("    approved_by: security-lead@orbit.example\n", "", "approved_by"),
        ("approved_by: security-lead@orbit.example", "approved_by: security-lead", "approved_by"),
    ],
)
def test_malformed_suppression_is_rejected_with_file_and_line(org_copy, old, new, field):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires="2026-12-31").replace(old, new))
    with pytest.raises(ConfigInvalid) as raised:
        load_config(org_copy)
    assert any(
        e.file.endswith("teams/ledger.yaml") and e.line and field in (e.path + e.message) for e in raised.value.errors
    ), raised.value.errors


def test_suppression_for_an_unknown_rule_is_bad_input(org_copy, org_synth_dir):
    from config.loader import load_config

    _suppress(org_copy, SUPPRESSION.format(expires="2026-12-31").replace("MLOPS_PII_1", "MLOPS_PII_9"))
    with pytest.raises(ConfigInvalid) as raised:
        run_gate(load_config(org_copy), org_synth_dir, today=TODAY)
    assert "unknown rule 'MLOPS_PII_9'" in raised.value.errors[0].message


def test_platform_suppression_applies_to_platform_stacks(org_copy, org_synth_dir, tmp_path):
    from config.loader import load_config

    out = _mutated(
        org_synth_dir,
        tmp_path,
        "platform-prod",
        lambda r: _first(r, "google_kms_crypto_key").update(deletion_policy="DELETE"),
    )
    platform = org_copy / "platform.yaml"
    platform.write_text(
        platform.read_text()
        + SUPPRESSION.replace("MLOPS_PII_1", "MLOPS_DATA_1")
        .replace("team-ledger-*/metadata/dataset", "platform-prod/kms/*")
        .format(expires="2026-12-01")
    )  # platform.yaml ends with its suppressions
    result = run_gate(load_config(org_copy), out, today=TODAY)
    [hit] = [f for f in result.findings if f.rule == "MLOPS_DATA_1"]
    assert hit.suppressed and hit.stack == "platform-prod" and hit.file.endswith("platform.yaml")
