"""Onboarding: `modelops new-team` writes a valid team file; `modelops docs` is deterministic and fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import names
from config.loader import load_config
from scripts.docs.teams import expected, owned, render_all
from tests.test_cli import run

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "teams"


def test_new_team_writes_a_file_that_validates_and_prints_next_steps(config_copy):
    result = run(
        "new-team",
        "payments",
        "--config-dir",
        str(config_copy),
        "--pattern",
        "online",
        "--pattern",
        "batch",
        "--pattern",
        "streaming",
        "--data-classification",
        "confidential",
    )
    assert result.returncode == 0, result.stderr
    assert "next steps" in result.stdout and "modelops check" in result.stdout
    config = load_config(config_copy)
    team = config.team("payments")
    assert [m.pattern for m in team.models] == ["online", "batch", "streaming"]
    assert team.groups.admins == "payments-admins@acme.example"
    assert set(team.environments) == {"dev", "prod"}
    text = (config_copy / "teams" / "payments.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../policies/schemas/team.schema.json")


def test_new_team_output_synthesizes_and_passes_the_gate_unchanged(config_copy, tmp_path):
    args = [
        "--pattern",
        "online",
        "--pattern",
        "batch",
        "--pattern",
        "streaming",
        "--data-classification",
        "restricted",
    ]
    assert run("new-team", "payments", "--config-dir", str(config_copy), *args).returncode == 0
    from policies.engine.gate import run_gate
    from scripts.synth import synthesize
    from stacks.app import Selection

    config = load_config(config_copy)
    result = synthesize(config, tmp_path / "out", Selection.of(teams=["payments"], envs=["prod"]))
    assert [s.name for s in result.stacks] == ["platform-prod", "team-payments-prod"]
    gate = run_gate(config, tmp_path / "out", only={"team-payments-prod"})
    assert gate.exit_code == 0, [(f.rule, f.construct_path, f.message) for f in gate.failed]
    assert gate.passed and not gate.suppressed


def test_new_team_refuses_to_overwrite(config_copy):
    before = (config_copy / "teams" / "fraud.yaml").read_text()
    result = run("new-team", "fraud", "--config-dir", str(config_copy))
    assert result.returncode == 2
    assert "already exists; refusing to overwrite a team file" in result.stderr
    assert (config_copy / "teams" / "fraud.yaml").read_text() == before


@pytest.mark.parametrize("name", ["Payments", "p", "9lives", "a-very-long-team-name-indeed"])
def test_new_team_rejects_invalid_names_without_writing(config_copy, name):
    result = run("new-team", name, "--config-dir", str(config_copy))
    assert result.returncode == 2
    assert "is not a valid team name" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (config_copy / "teams").iterdir()) == ["fraud.yaml", "growth.yaml", "search.yaml"]


def test_new_team_rejects_an_invalid_owner_with_the_field_named(config_copy):
    result = run("new-team", "payments", "--config-dir", str(config_copy), "--business-owner", "not-an-email")
    assert result.returncode == 2
    assert "payments.yaml:" in result.stderr and "business_owner" in result.stderr
    assert not (config_copy / "teams" / "payments.yaml").exists()


def test_docs_are_deterministic(example_config, synth_dir):
    assert render_all(example_config, synth_dir) == render_all(example_config, synth_dir)


def test_committed_team_docs_are_fresh(example_config, synth_dir):
    """Like Fabric's documentation check: regenerate with `modelops docs` when this fails."""
    wanted = expected(DOCS, render_all(example_config, synth_dir))
    problems = [p.name for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    problems += [p.name for p in owned(DOCS) if p not in wanted]
    assert not problems, f"stale generated docs {problems}: run `.venv/bin/modelops docs`"


def test_docs_check_flags_an_edited_page(synth_dir, tmp_path):
    out = tmp_path / "teams"
    only = ("--only", "teams", "--synth-dir", str(synth_dir), "--out", str(out))
    assert run("docs", *only).returncode == 0
    assert run("docs", *only, "--check").returncode == 0
    (out / "growth.md").write_text((out / "growth.md").read_text() + "hand edit\n")
    result = run("docs", *only, "--check")
    assert result.returncode == 1
    assert "stale:" in result.stdout and "growth.md" in result.stdout


def test_team_page_states_facts_that_match_the_synthesized_json(example_config, stacks):
    page = (DOCS / "fraud.md").read_text()
    for env in ("dev", "prod"):
        stack = stacks[f"team-fraud-{env}"]
        for account in stack["resource"]["google_service_account"].values():
            assert f"`{account['account_id']}@{account['project']}.iam.gserviceaccount.com`" in page
        for grant in stack["resource"].get("google_bigquery_dataset_iam_member", {}).values():
            assert f"`{grant['role']}`" in page
        for endpoint in stack["resource"].get("google_vertex_ai_endpoint", {}).values():
            assert f"/endpoints/{endpoint['name']}`" in page
            assert endpoint["name"] == names.endpoint_name("fraud", endpoint["labels"]["model"], env)
        for alert in stack["resource"].get("google_monitoring_alert_policy", {}).values():
            assert alert["display_name"] in page
    for model in example_config.team("fraud").models:
        assert f"| {model.name} | {model.pattern} |" in page
        assert f"p99 <= {model.monitoring.latency_p99_ms:g} ms" in page


def test_index_lists_every_team_and_model(example_config):
    index = (DOCS / "README.md").read_text()
    for team in example_config.teams:
        assert f"[{team.display_name}]({team.name}.md)" in index
        for model in team.models:
            assert f"| {model.name} | {model.pattern} |" in index
