"""`modelops` as a user runs it: a subprocess, exit codes, output, no tracebacks."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ORG_DIR

REPO = Path(__file__).resolve().parent.parent
MODELOPS = [sys.executable, "-m", "scripts.cli"]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([*MODELOPS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_validate_example_exits_0_with_a_one_line_summary():
    result = run("validate", "--config-dir", ORG_DIR)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == ["config valid: 3 teams, 7 models, 2 environments (dev, prod)"]


def test_validate_json_output():
    result = run("validate", "--config-dir", ORG_DIR, "--output", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"valid": True, "teams": 3, "models": 7, "environments": ["dev", "prod"]}


def test_validate_broken_team_exits_2_with_file_line_messages_and_no_traceback(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    team.write_text(team.read_text().replace("latency_p99_ms: 150", "latency_p99_ms: 0"))
    (org_copy / "teams" / "empty.yaml").write_text("")
    result = run("validate", "--config-dir", str(org_copy))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert f"{team}:34: models[0].monitoring.latency_p99_ms: must be greater than 0" in lines
    assert f"{org_copy / 'teams' / 'empty.yaml'}: file is empty; expected a mapping of fields" in lines
    assert lines[-1] == "2 problems found"


def test_validate_emits_github_annotations_inside_actions(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    team.write_text(team.read_text().replace("latency_p99_ms: 150", "latency_p99_ms: 0"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "GITHUB_ACTIONS": "true"}
    result = subprocess.run(
        [*MODELOPS, "validate", "-c", str(org_copy)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert f"::error file={team},line=34::models[0].monitoring.latency_p99_ms: must be greater than 0" in result.stdout


def test_stacks_lists_names_and_rejects_unknown_teams():
    listed = run("stacks", "--config-dir", ORG_DIR, "--team", "reach")
    assert listed.returncode == 0
    assert listed.stdout.split() == ["platform-dev", "team-reach-dev", "platform-prod", "team-reach-prod"]
    unknown = run("stacks", "--config-dir", ORG_DIR, "--team", "nope")
    assert unknown.returncode == 2
    assert "--team nope: no such team" in unknown.stderr
    bad_ref = run("stacks", "--config-dir", ORG_DIR, "--changed-from", "no-such-ref-anywhere")
    assert bad_ref.returncode == 2 and "unknown git ref 'no-such-ref-anywhere'" in bad_ref.stderr, bad_ref.stderr
    assert "Traceback" not in bad_ref.stderr


def test_unknown_option_is_bad_input():
    result = run("validate", "--no-such-flag")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_synth_writes_selected_stacks_and_a_failed_synth_leaves_them_untouched(org_copy, tmp_path):
    out = tmp_path / "cdktf.out"
    ok = run("synth", "--config-dir", str(org_copy), "--out", str(out), "--team", "scout", "--env", "dev")
    assert ok.returncode == 0, ok.stderr
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["platform-dev", "team-scout-dev"]
    assert "team-scout-dev" in ok.stdout and "seconds" in ok.stdout
    before = tree_digest(out)

    team = org_copy / "teams" / "scout.yaml"
    team.write_text(team.read_text().replace("pattern: batch", "pattern: nightly"))
    failed = run("synth", "--config-dir", str(org_copy), "--out", str(out))
    assert failed.returncode == 2
    assert "models[2].pattern: must be one of" in failed.stderr  # scout: result-ranker, query-suggest, item-embeddings
    assert "Traceback" not in failed.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "infra"]  # no staging dir left behind
