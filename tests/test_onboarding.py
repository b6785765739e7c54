"""Onboarding: `modelops new-team` writes a valid team file; `modelops docs` is deterministic and fresh."""

from __future__ import annotations

import pytest

from config import names
from config.loader import load_config
from scripts.docs.teams import render_all
from tests.helpers import ORG_DIR
from tests.test_cli import run


def test_new_team_writes_a_file_that_validates_and_prints_next_steps(org_copy):
    result = run(
        "new-team",
        "treasury",
        "--config-dir",
        str(org_copy),
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
    config = load_config(org_copy)
    team = config.team("treasury")
    assert [m.pattern for m in team.models] == ["online", "batch", "streaming"]
    assert team.groups.admins == "treasury-admins@orbit.example"
    assert set(team.environments) == {"dev", "prod"}
    text = (org_copy / "teams" / "treasury.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../policies/schemas/team.schema.json")


def test_new_team_output_synthesizes_and_passes_the_gate_unchanged(org_copy, tmp_path):
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
    assert run("new-team", "treasury", "--config-dir", str(org_copy), *args).returncode == 0
    from policies.engine.gate import run_gate
    from scripts.synth import synthesize
    from stacks.app import Selection

    config = load_config(org_copy)
    result = synthesize(config, tmp_path / "out", Selection.of(teams=["treasury"], envs=["prod"]))
    assert [s.name for s in result.stacks] == ["platform-prod", "team-treasury-prod"]
    gate = run_gate(config, tmp_path / "out", only={"team-treasury-prod"})
    assert gate.exit_code == 0, [(f.rule, f.construct_path, f.message) for f in gate.failed]
    assert gate.passed and not gate.suppressed


def test_new_team_refuses_to_overwrite(org_copy):
    before = (org_copy / "teams" / "ledger.yaml").read_text()
    result = run("new-team", "ledger", "--config-dir", str(org_copy))
    assert result.returncode == 2
    assert "already exists; refusing to overwrite a team file" in result.stderr
    assert (org_copy / "teams" / "ledger.yaml").read_text() == before


@pytest.mark.parametrize("name", ["Treasury", "p", "9lives", "a-very-long-team-name-indeed"])
def test_new_team_rejects_invalid_names_without_writing(org_copy, name):
    result = run("new-team", name, "--config-dir", str(org_copy))
    assert result.returncode == 2
    assert "is not a valid team name" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (org_copy / "teams").iterdir()) == ["ledger.yaml", "reach.yaml", "scout.yaml"]


def test_new_team_rejects_an_invalid_owner_with_the_field_named(org_copy):
    result = run("new-team", "treasury", "--config-dir", str(org_copy), "--business-owner", "not-an-email")
    assert result.returncode == 2
    assert "treasury.yaml:" in result.stderr and "business_owner" in result.stderr
    assert not (org_copy / "teams" / "treasury.yaml").exists()


def test_docs_are_deterministic(org_config, org_synth_dir):
    assert render_all(org_config, org_synth_dir) == render_all(org_config, org_synth_dir)


def test_docs_check_flags_an_edited_page(org_synth_dir, tmp_path):
    out = tmp_path / "teams"
    only = ("--config-dir", ORG_DIR, "--only", "teams", "--synth-dir", str(org_synth_dir), "--docs-dir", str(tmp_path))
    assert run("docs", *only).returncode == 0
    assert run("docs", *only, "--check").returncode == 0
    (out / "reach.md").write_text((out / "reach.md").read_text() + "hand edit\n")
    result = run("docs", *only, "--check")
    assert result.returncode == 1
    assert "stale:" in result.stdout and "reach.md" in result.stdout


def test_team_page_states_facts_that_match_the_synthesized_json(org_config, org_synth_dir, org_stacks):
    page = render_all(org_config, org_synth_dir)["ledger.md"]
    for env in ("dev", "prod"):
        stack = org_stacks[f"team-ledger-{env}"]
        for account in stack["resource"]["google_service_account"].values():
            assert f"`{account['account_id']}@{account['project']}.iam.gserviceaccount.com`" in page
        for grant in stack["resource"].get("google_bigquery_dataset_iam_member", {}).values():
            assert f"`{grant['role']}`" in page
        for endpoint in stack["resource"].get("google_vertex_ai_endpoint", {}).values():
            assert f"/endpoints/{endpoint['name']}`" in page
            assert endpoint["name"] == names.endpoint_name("ledger", endpoint["labels"]["model"], env)
        for alert in stack["resource"].get("google_monitoring_alert_policy", {}).values():
            assert alert["display_name"] in page
    for model in org_config.team("ledger").models:
        assert f"| {model.name} | {model.pattern} |" in page
        assert f"p99 <= {model.monitoring.latency_p99_ms:g} ms" in page


def test_team_page_lists_every_kubernetes_object_of_each_model(org_config, org_synth_dir, org_stacks):
    """Each Kubernetes object under a model's construct (the gke model of scout, the scorer of reach) is a row of
    the team page's workload table, named as in the synthesized JSON."""
    pages = render_all(org_config, org_synth_dir)
    checked = 0
    for team in ("scout", "reach"):
        for env in ("dev", "prod"):
            stack = org_stacks[f"team-{team}-{env}"]
            models = {m.name for m in org_config.team(team).models}
            for tf_type, kind in (
                ("kubernetes_deployment_v1", "Deployment"),
                ("kubernetes_service_v1", "Service"),
                ("kubernetes_horizontal_pod_autoscaler_v2", "HorizontalPodAutoscaler"),
                ("kubernetes_network_policy_v1", "NetworkPolicy"),
            ):
                for conf in stack["resource"].get(tf_type, {}).values():
                    model = conf["//"]["metadata"]["path"].split("/")[1]
                    if model in models:
                        assert f"| {model} | {kind} | `{conf['metadata']['name']}` |" in pages[f"{team}.md"]
                        checked += 1
    assert "LoadBalancer (internal), port 80->8080" in pages["scout.md"]
    assert checked >= 2 * (4 + 2)  # scout: deployment, service, hpa, 2 policies; reach: deployment, hpa, 1 policy


def test_index_lists_every_team_and_model(org_config, org_synth_dir):
    index = render_all(org_config, org_synth_dir)["README.md"]
    for team in org_config.teams:
        assert f"[{team.display_name}]({team.name}.md)" in index
        for model in team.models:
            assert f"| {model.name} | {model.pattern} |" in index
