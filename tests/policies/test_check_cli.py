"""`modelops check` and `modelops stacks --changed-from` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from config.yaml_source import load
from policies.engine import registry
from scripts.changes import classify
from tests.helpers import ORG_DIR
from tests.test_cli import run

TODAY = "2026-11-01"


def _insecure_copy(org_synth_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    file = out / "stacks" / "team-ledger-prod" / "cdk.tf.json"
    doc = json.loads(file.read_text())
    next(iter(doc["resource"]["google_bigquery_dataset_iam_member"].values()))["member"] = "allUsers"
    file.write_text(json.dumps(doc))
    return out


def test_check_synth_dir_exits_1_and_writes_every_report(org_synth_dir, tmp_path):
    reports = tmp_path / "reports"
    result = run(
        "check",
        "--config-dir",
        ORG_DIR,
        "--synth-dir",
        str(_insecure_copy(org_synth_dir, tmp_path)),
        "--report-dir",
        str(reports),
        "--today",
        TODAY,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "MLOPS_IAM_1" in result.stdout and "governance gate failed" in result.stdout

    findings = json.loads((reports / "findings.json").read_text())
    [public] = [f for f in findings["findings"] if f["rule"] == "MLOPS_IAM_1"]
    assert (
        public["file"] == f"{ORG_DIR}/teams/ledger.yaml"
        and public["line"] == 2
        and public["stack"] == "team-ledger-prod"
    )
    assert public["address"].startswith("google_bigquery_dataset_iam_member.")
    assert findings["summary"]["exit_code"] == 1

    sarif = json.loads((reports / "findings.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    result_ = next(r for r in run_["results"] if r["ruleId"] == "MLOPS_IAM_1")
    location = result_["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": f"{ORG_DIR}/teams/ledger.yaml"}, "region": {"startLine": 2}}
    assert run_["tool"]["driver"]["rules"][result_["ruleIndex"]]["id"] == "MLOPS_IAM_1"

    suites = ET.parse(reports / "junit.xml").getroot()
    ledger_prod = next(s for s in suites if s.get("name") == "team-ledger-prod")
    assert int(ledger_prod.get("failures")) >= 1 and int(ledger_prod.get("tests")) > int(ledger_prod.get("failures"))

    summary = (reports / "summary.md").read_text()
    assert summary.startswith("## ModelOps governance gate: failed") and "### ledger" in summary
    assert f"`{ORG_DIR}/teams/ledger.yaml:2`" in summary


def test_check_json_output_is_the_findings_document(org_synth_dir):
    result = run(
        "check",
        "-c",
        ORG_DIR,
        "--synth-dir",
        str(org_synth_dir),
        "--team",
        "reach",
        "--output",
        "json",
        "--today",
        TODAY,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["stacks"] == ["team-reach-dev", "team-reach-prod"]
    # reach's only findings are its documented public endpoint, suppressed
    assert {(f["team"], f["rule"], f["status"]) for f in doc["findings"]} == {("reach", "MLOPS_NET_1", "suppressed")}


def test_check_bad_input_exits_2_without_traceback(tmp_path):
    for args, message in [
        (("--synth-dir", str(tmp_path)), "no stacks/<stack>/cdk.tf.json inside"),
        (("--team", "nope"), "--team nope: no such team"),
        (("--changed-from", "no-such-ref-xyz"), "--changed-from no-such-ref-xyz"),
        (("--today", "tomorrow"), "--today tomorrow: not a date"),
    ]:
        result = run("check", "--config-dir", ORG_DIR, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr


def test_check_synthesizes_when_no_synth_dir_is_given(tmp_path):
    result = run("check", "--config-dir", ORG_DIR, "--team", "scout", "--report-dir", str(tmp_path), "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    assert doc["stacks"] == ["team-scout-dev", "team-scout-prod"]


# --- incremental ------------------------------------------------------------------------------


def test_changed_files_map_to_affected_stacks(org_config):
    """By path alone: code selects every stack, files outside the config and the code none (config changes are
    decided by what each stack reads: tests/test_changed_from.py)."""
    root = org_config.root  # a repository whose config directory is its root
    every = classify(org_config, ["modules/kms.py"], root)
    assert every.everything and len(every.stacks) == 8
    assert classify(org_config, ["main.py"], root).everything  # the config directory's cdktn app
    assert classify(org_config, ["docs/policies.md", "tests/test_cli.py", "README.md", "notes/x"], root).nothing
    unreadable_base = classify(org_config, ["teams/reach.yaml"], root, base=None)
    assert unreadable_base.everything  # no base config to compare with: everything, never nothing
    assert classify(org_config, ["teams/reach.yaml"], root, base=org_config).nothing  # the same config


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo, check=True, capture_output=True
    )


def test_stacks_changed_from_prints_a_github_matrix_of_the_changed_team(tmp_path, org_copy):
    repo = org_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    reach = org_copy / "teams" / "reach.yaml"
    reach.write_text(reach.read_text().replace("max_replicas: 5", "max_replicas: 6"))
    result = run(
        "stacks", "--config-dir", str(org_copy), "--changed-from", "HEAD", "--format", "github-matrix", cwd=repo
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "include": [
            {"stack": "team-reach-dev", "env": "dev", "team": "reach", "platform_project": "orbit-mlops-dev"},
            {"stack": "team-reach-prod", "env": "prod", "team": "reach", "platform_project": "orbit-mlops-prod"},
        ]
    }
    # what `cdktn deploy` takes in one run: each team stack with the platform stack it reads
    deploy = run(
        "stacks",
        "--config-dir",
        str(org_copy),
        "--changed-from",
        "HEAD",
        "--env",
        "prod",
        "--with-dependencies",
        cwd=repo,
    )
    assert deploy.returncode == 0, deploy.stderr
    assert deploy.stdout.split() == ["platform-prod", "team-reach-prod"]


# --- the metric rules (MLOPS_MON_4..7) on mutated synth output -----------------------------------

METRIC_RULES = ("MLOPS_MON_4", "MLOPS_MON_5", "MLOPS_MON_6", "MLOPS_MON_7")


def _by_path(doc: dict, tf_type: str, path: str) -> dict:
    return next(conf for conf in doc["resource"][tf_type].values() if conf["//"]["metadata"]["path"] == path)


def _mutate_ledger(doc: dict) -> None:
    alerts = "google_monitoring_alert_policy"
    traffic = _by_path(doc, alerts, "team-ledger-prod/pay-scorer/endpoint-traffic-drop")["conditions"][0]
    traffic["condition_threshold"]["filter"] += ' AND metric.labels.status="FAILED"'  # not a label of prediction_count
    errors = _by_path(doc, alerts, "team-ledger-prod/pay-scorer/endpoint-error-ratio")["conditions"][0]
    errors["condition_threshold"]["aggregations"][0]["per_series_aligner"] = "ALIGN_PERCENTILE_99"  # on DELTA INT64
    latency = _by_path(doc, alerts, "team-ledger-prod/pay-scorer/endpoint-latency-p99")["conditions"][0]
    latency["display_name"] = "p99 latency above 150"  # no unit stated
    duration = _by_path(doc, alerts, "team-ledger-prod/refund-forecast/batch-run-duration")["conditions"][0]
    duration["condition_threshold"]["threshold_value"] = 3600000  # the old defect: ms vs s
    duration["display_name"] = "a batch run took longer than its budget [threshold: 3600000 ms]"


def _mutate_reach(doc: dict) -> None:
    drop = _by_path(doc, "google_monitoring_alert_policy", "team-reach-prod/intent-propensity/stream-traffic-drop")
    cond = drop["conditions"][0]["condition_threshold"]
    cond["filter"] = cond["filter"].replace("topic/send_request_count", "topic/send_message_operation_count")


def test_check_reports_each_metric_mutation_on_its_resource_and_nothing_else(org_synth_dir, tmp_path, org_config):
    out = tmp_path / "cdktf.out"
    shutil.copytree(org_synth_dir, out)
    for stack, mutate in (("team-ledger-prod", _mutate_ledger), ("team-reach-prod", _mutate_reach)):
        file = out / "stacks" / stack / "cdk.tf.json"
        doc = json.loads(file.read_text())
        mutate(doc)
        file.write_text(json.dumps(doc))
    result = run("check", "-c", ORG_DIR, "--synth-dir", str(out), "--output", "json", "--today", TODAY)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] in METRIC_RULES]
    found = {(f["rule"], f["construct_path"]): f for f in findings}
    assert set(found) == {
        ("MLOPS_MON_5", "team-ledger-prod/pay-scorer/endpoint-traffic-drop"),
        ("MLOPS_MON_6", "team-ledger-prod/pay-scorer/endpoint-error-ratio"),
        ("MLOPS_MON_7", "team-ledger-prod/pay-scorer/endpoint-latency-p99"),
        ("MLOPS_MON_7", "team-ledger-prod/refund-forecast/batch-run-duration"),
        ("MLOPS_MON_4", "team-reach-prod/intent-propensity/stream-traffic-drop"),
        # the deprecated metric has no response_class label either
        ("MLOPS_MON_5", "team-reach-prod/intent-propensity/stream-traffic-drop"),
    }, sorted(found)
    assert (
        "metric.labels.status, which does not exist"
        in found["MLOPS_MON_5", "team-ledger-prod/pay-scorer/endpoint-traffic-drop"]["message"]
    )
    assert (
        "ALIGN_PERCENTILE_99 is not valid for a DELTA INT64"
        in found["MLOPS_MON_6", "team-ledger-prod/pay-scorer/endpoint-error-ratio"]["message"]
    )
    assert (
        "states no unit; it is compared in ms"
        in found["MLOPS_MON_7", "team-ledger-prod/pay-scorer/endpoint-latency-p99"]["message"]
    )
    assert (
        "declared in ms but compared in s"
        in found["MLOPS_MON_7", "team-ledger-prod/refund-forecast/batch-run-duration"]["message"]
    )
    assert "DEPRECATED" in found["MLOPS_MON_4", "team-reach-prod/intent-propensity/stream-traffic-drop"]["message"]
    for (_rule, path), finding in found.items():
        team, model = path.split("/")[0].split("-")[1], path.split("/")[1]
        entry = next(m for m in org_config.team(team).models if m.name == model)
        doc, _ = load(entry.source.file)
        field = registry.by_id()[_rule].model_field  # MLOPS_MON_7 is about the `monitoring` thresholds
        line = doc.line(("models", org_config.team(team).models.index(entry), *field))
        assert (finding["file"], finding["line"]) == (f"{ORG_DIR}/teams/{team}.yaml", line), finding
        assert finding["status"] == "failed" and finding["address"].startswith("google_monitoring_alert_policy."), (
            finding
        )


def test_stacks_removed_since_names_the_stacks_a_removed_team_leaves_behind(org_copy):
    """`cdktn deploy` cannot destroy a stack that left the app: the apply job stops on it instead."""
    repo = org_copy.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    unchanged = run("stacks", "--config-dir", str(org_copy), "--removed-since", "HEAD", cwd=repo)
    assert unchanged.returncode == 0 and unchanged.stdout == "", unchanged.stderr
    (org_copy / "teams" / "reach.yaml").unlink()
    removed = run("stacks", "--config-dir", str(org_copy), "--removed-since", "HEAD", "--env", "prod", cwd=repo)
    assert removed.returncode == 1
    assert removed.stdout.split() == ["team-reach-prod"]
    assert "cannot destroy" in removed.stderr and "Traceback" not in removed.stderr
    bad = run("stacks", "--config-dir", str(org_copy), "--removed-since", "no-such-ref", cwd=repo)
    assert bad.returncode == 2 and "--removed-since no-such-ref" in bad.stderr
