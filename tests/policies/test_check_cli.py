"""`modelops check` and `modelops stacks --changed-from` as a user runs them."""
from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from scripts.changes import classify
from tests.test_cli import REPO, run

TODAY = "2026-11-01"


def _insecure_copy(synth_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(synth_dir, out)
    file = out / "stacks" / "team-fraud-prod" / "cdk.tf.json"
    doc = json.loads(file.read_text())
    next(iter(doc["resource"]["google_bigquery_dataset_iam_member"].values()))["member"] = "allUsers"
    file.write_text(json.dumps(doc))
    return out


def test_check_synth_dir_exits_1_and_writes_every_report(synth_dir, tmp_path):
    reports = tmp_path / "reports"
    result = run("check", "--synth-dir", str(_insecure_copy(synth_dir, tmp_path)), "--report-dir", str(reports),
                 "--today", TODAY)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "MLOPS_IAM_1" in result.stdout and "governance gate failed" in result.stdout

    findings = json.loads((reports / "findings.json").read_text())
    [public] = [f for f in findings["findings"] if f["rule"] == "MLOPS_IAM_1"]
    assert public["file"] == "infra/teams/fraud.yaml" and public["line"] == 2 and public["stack"] == "team-fraud-prod"
    assert public["address"].startswith("google_bigquery_dataset_iam_member.")
    assert findings["summary"]["exit_code"] == 1

    sarif = json.loads((reports / "findings.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    result_ = next(r for r in run_["results"] if r["ruleId"] == "MLOPS_IAM_1")
    location = result_["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "infra/teams/fraud.yaml"}, "region": {"startLine": 2}}
    assert run_["tool"]["driver"]["rules"][result_["ruleIndex"]]["id"] == "MLOPS_IAM_1"

    suites = ET.parse(reports / "junit.xml").getroot()
    fraud_prod = next(s for s in suites if s.get("name") == "team-fraud-prod")
    assert int(fraud_prod.get("failures")) >= 1 and int(fraud_prod.get("tests")) > int(fraud_prod.get("failures"))

    summary = (reports / "summary.md").read_text()
    assert summary.startswith("## ModelOps governance gate: failed") and "### fraud" in summary
    assert "`infra/teams/fraud.yaml:2`" in summary


def test_check_json_output_is_the_findings_document(synth_dir):
    result = run("check", "--synth-dir", str(synth_dir), "--team", "growth", "--output", "json", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["stacks"] == ["team-growth-dev", "team-growth-prod"]
    # growth's only findings are its documented public endpoint, suppressed
    assert {(f["team"], f["rule"], f["status"]) for f in doc["findings"]} == {("growth", "MLOPS_NET_1", "suppressed")}


def test_check_bad_input_exits_2_without_traceback(tmp_path):
    for args, message in [
        (("--synth-dir", str(tmp_path)), "no stacks/<stack>/cdk.tf.json inside"),
        (("--team", "nope"), "--team nope: no such team"),
        (("--changed-from", "no-such-ref-xyz"), "--changed-from no-such-ref-xyz"),
        (("--today", "tomorrow"), "--today tomorrow: not a date"),
    ]:
        result = run("check", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr


def test_check_synthesizes_when_no_synth_dir_is_given(tmp_path):
    result = run("check", "--team", "search", "--report-dir", str(tmp_path), "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    assert doc["stacks"] == ["team-search-dev", "team-search-prod"]


# --- incremental ------------------------------------------------------------------------------

def test_changed_files_map_to_affected_stacks(example_config):
    root = REPO
    assert classify(example_config, ["infra/teams/growth.yaml"], root).teams == {"growth"}
    assert not classify(example_config, ["infra/teams/growth.yaml"], root).everything
    assert classify(example_config, ["infra/platform.yaml"], root).everything
    assert classify(example_config, ["modules/kms.py"], root).everything
    assert classify(example_config, ["docs/policies.md", "tests/test_cli.py", "README.md"], root).nothing
    assert classify(example_config, ["infra/teams/retired.yaml"], root).nothing  # deleted team file


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo, check=True,
                   capture_output=True)


def test_stacks_changed_from_prints_a_github_matrix_of_the_changed_team(tmp_path, config_copy):
    repo = config_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    growth = config_copy / "teams" / "growth.yaml"
    growth.write_text(growth.read_text().replace("max_replicas: 5", "max_replicas: 6"))
    result = run("stacks", "--config-dir", str(config_copy), "--changed-from", "HEAD", "--format", "github-matrix",
                 cwd=repo)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"include": [
        {"stack": "team-growth-dev", "env": "dev", "team": "growth", "platform_project": "acme-mlops-dev"},
        {"stack": "team-growth-prod", "env": "prod", "team": "growth", "platform_project": "acme-mlops-prod"}]}
    # what `cdktn deploy` takes in one run: each team stack with the platform stack it reads
    deploy = run("stacks", "--config-dir", str(config_copy), "--changed-from", "HEAD", "--env", "prod",
                 "--with-dependencies", cwd=repo)
    assert deploy.returncode == 0, deploy.stderr
    assert deploy.stdout.split() == ["platform-prod", "team-growth-prod"]
