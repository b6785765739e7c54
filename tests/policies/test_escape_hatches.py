"""Resources added through escape hatches (overrides, raw resources) carry no construct metadata: rules see
their stack, team and environment from the stack file they are in, and check them like any other."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from policies.engine.gate import run_gate
from tests.helpers import ORG_DIR
from tests.policies.conftest import TODAY

RAW_DATASET = {  # authoritative access blocks, as `stack.add_override` or a raw resource block would add them
    "dataset_id": "raw_copy",
    "project": "orbit-ledger-{env}",
    "location": "europe-west4",
    "access": [{"role": "OWNER", "group_by_email": "ledger-developers@orbit.example"}],
}
RAW_ENDPOINT = {
    "name": "9999999999",
    "display_name": "raw",
    "location": "europe-west4",
    "project": "orbit-ledger-{env}",
    "predict_request_response_logging_config": {
        "enabled": True,
        "sampling_rate": 0.01,
        "bigquery_destination": {"output_uri": "bq://orbit-ledger-{env}.ledger_metadata"},
    },
}


def _inject(synth_dir: Path, tmp_path: Path, env: str) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(synth_dir, out)
    file = out / "stacks" / f"team-ledger-{env}" / "cdk.tf.json"
    doc = json.loads(file.read_text())
    dataset = json.loads(json.dumps(RAW_DATASET).replace("{env}", env))
    doc["resource"].setdefault("google_bigquery_dataset", {})["raw_dataset"] = dataset
    endpoint = json.loads(json.dumps(RAW_ENDPOINT).replace("{env}", env))
    doc["resource"].setdefault("google_vertex_ai_endpoint", {})["raw_endpoint"] = endpoint
    file.write_text(json.dumps(doc))
    return out


@pytest.fixture(scope="module")
def raw_findings(org_config, org_synth_dir, tmp_path_factory):
    out = {}
    for env in ("dev", "prod"):
        synth = _inject(org_synth_dir, tmp_path_factory.mktemp(f"raw-{env}"), env)
        result = run_gate(org_config, synth, only={f"team-ledger-{env}"}, today=TODAY)
        out[env] = [f for f in result.failed if f.address.split(".", 1)[1].startswith("raw_")]
    return out


def _rules(findings, address: str) -> set[str]:
    return {f.rule for f in findings if f.address == address}


def test_raw_authoritative_iam_in_a_team_stack_is_found_without_metadata(raw_findings):
    for env, findings in raw_findings.items():
        assert {"MLOPS_IAM_3", "MLOPS_CMEK_1"} <= _rules(findings, "google_bigquery_dataset.raw_dataset"), env


def test_the_raw_endpoint_is_checked_for_its_stacks_environment(raw_findings):
    prod, dev = raw_findings["prod"], raw_findings["dev"]
    assert "MLOPS_AUDIT_2" in _rules(prod, "google_vertex_ai_endpoint.raw_endpoint")  # 1% logged in prod
    assert "MLOPS_AUDIT_2" not in _rules(dev, "google_vertex_ai_endpoint.raw_endpoint")  # dev may sample less
    for findings in (prod, dev):  # and like any endpoint: CMEK, labels, private access
        assert {"MLOPS_CMEK_1", "MLOPS_LABEL_1", "MLOPS_NET_1"} <= _rules(
            findings, "google_vertex_ai_endpoint.raw_endpoint"
        )


def test_findings_on_raw_resources_name_their_stack_team_env_and_the_team_file(raw_findings):
    for env, findings in raw_findings.items():
        assert findings
        for f in findings:
            assert (f.stack, f.team, f.env) == (f"team-ledger-{env}", "ledger", env), f
            assert f.file == f"{ORG_DIR}/teams/ledger.yaml" and f.line >= 1, f
            assert f.construct_path == f"team-ledger-{env}/{f.address.split('.', 1)[1]}", f


def test_a_suppression_can_name_a_raw_resource_by_its_stack_path(org_copy, org_synth_dir, tmp_path):
    from config.loader import load_config

    team = org_copy / "teams" / "ledger.yaml"
    team.write_text(
        team.read_text().replace(
            "suppressions: []",
            "suppressions:\n"
            "  - rule: MLOPS_IAM_3\n"
            '    resource: "team-ledger-prod/raw_dataset"\n'
            "    reason: a migration keeps one authoritative binding until the old project is gone\n"
            "    approved_by: security-architecture@orbit.example\n"
            '    expires: "2027-01-31"\n',
        )
    )
    synth = _inject(org_synth_dir, tmp_path, "prod")
    result = run_gate(load_config(org_copy), synth, only={"team-ledger-prod"}, today=TODAY)
    [suppressed] = [f for f in result.suppressed if f.rule == "MLOPS_IAM_3"]
    assert suppressed.address == "google_bigquery_dataset.raw_dataset"


def test_a_raw_resource_of_a_type_ci_has_no_roles_for_is_a_finding_not_a_crash(org_config, org_synth_dir, tmp_path):
    """config/data/ci_roles.yaml lists the roles CI needs per Terraform type; a raw resource of a type it does not
    list leaves CI's roles unknown: MLOPS_IAM_7 says so on that resource, at the team file."""
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / "team-ledger-prod" / "cdk.tf.json"
    doc = json.loads(file.read_text())
    doc["resource"]["google_spanner_instance"] = {
        "raw_spanner": {"name": "ledger-raw", "config": "regional-europe-west4", "display_name": "raw"}
    }
    file.write_text(json.dumps(doc))
    result = run_gate(org_config, out, today=TODAY)
    [finding] = [
        f for f in result.failed if f.address == "google_spanner_instance.raw_spanner" and f.rule == "MLOPS_IAM_7"
    ]
    assert "config/data/ci_roles.yaml" in finding.message and finding.file == f"{ORG_DIR}/teams/ledger.yaml"
    assert (finding.team, finding.env) == ("ledger", "prod")
