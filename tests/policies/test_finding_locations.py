"""Findings point at the most specific YAML line, speak YAML field names, and read well in an 80-column CI log."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policies.engine.gate import run_gate
from tests.helpers import ORG, ORG_DIR
from tests.policies.conftest import TODAY
from tests.test_cli import MODELOPS, REPO


def _line(team: str, after: str, text: str) -> int:
    """1-based line of the first line containing ``text`` after the line containing ``after``."""
    lines = (ORG / "teams" / f"{team}.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines[start:], start) if text in line) + 1


def _mutated(synth_dir: Path, tmp_path: Path) -> Path:
    """ledger's pay-scorer logs 1% in prod; scout's result-ranker (no `serving.access` in its file) goes public."""
    out = tmp_path / "cdktf.out"
    shutil.copytree(synth_dir, out)
    for stack, change in (("team-ledger-prod", "sampling"), ("team-scout-prod", "public")):
        file = out / "stacks" / stack / "cdk.tf.json"
        doc = json.loads(file.read_text())
        (endpoint,) = doc["resource"]["google_vertex_ai_endpoint"].values()
        if change == "sampling":
            endpoint["predict_request_response_logging_config"]["sampling_rate"] = 0.01
        else:
            endpoint.pop("private_service_connect_config", None)
            endpoint["dedicated_endpoint_enabled"] = True
        file.write_text(json.dumps(doc))
    return out


@pytest.fixture(scope="module")
def mutated(org_synth_dir, tmp_path_factory) -> Path:
    return _mutated(org_synth_dir, tmp_path_factory.mktemp("located"))


@pytest.fixture(scope="module")
def result(org_config, mutated):
    return run_gate(org_config, mutated, only={"team-ledger-prod", "team-reach-prod", "team-scout-prod"}, today=TODAY)


def test_a_sampling_finding_points_at_the_models_sample_rate_line_in_yaml_words(result):
    [f] = [f for f in result.failed if f.rule == "MLOPS_AUDIT_2"]
    assert (f.file, f.line) == (f"{ORG_DIR}/teams/ledger.yaml", _line("ledger", "- name: pay-scorer", "sample_rate:"))
    assert f.message.startswith("logging.sample_rate 0.01 is below 0.1 in prod")


def test_an_access_finding_points_at_serving_access_when_the_file_sets_it(result):
    [f] = [f for f in result.suppressed if f.rule == "MLOPS_NET_1" and f.stack == "team-reach-prod"]
    assert f.line == _line("reach", "- name: offer-ranker", "access: dedicated")
    assert f.message.startswith("serving.access dedicated")


def test_without_the_field_in_the_file_the_finding_points_at_the_nearest_enclosing_entry(result):
    [f] = [f for f in result.failed if f.rule == "MLOPS_NET_1"]
    assert f.stack == "team-scout-prod"
    assert f.line == _line("scout", "- name: result-ranker", "    serving:")  # the block has no `access`


def test_the_console_report_fits_80_columns_and_states_the_fix(mutated):
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [*MODELOPS, "check", "-c", ORG_DIR, "--synth-dir", str(mutated), "--today", str(TODAY)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    text = re.sub(r"\s+", " ", done.stdout)
    assert f"MLOPS_AUDIT_2 MEDIUM {ORG_DIR}/teams/ledger.yaml:" in text
    assert "logging.sample_rate 0.01 is below 0.1 in prod" in text
    assert "fix: Raise the model's `logging.sample_rate` to at least 0.1." in text
    assert "fix: Set `serving.access: private_service_connect`" in text
    # no one-word cells: the message's words stay together on a line
    assert any("logging.sample_rate 0.01 is below 0.1 in prod" in line for line in lines)


def test_findings_json_carries_the_fix(mutated):
    done = subprocess.run(
        [*MODELOPS, "check", "-c", ORG_DIR, "--synth-dir", str(mutated), "--today", str(TODAY), "-o", "json"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    findings = json.loads(done.stdout)["findings"]
    assert findings and all(f["fix"] for f in findings)
