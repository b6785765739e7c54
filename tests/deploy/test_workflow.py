"""The deploy workflow: plan per affected stack on pull requests, apply dev then prod on merge, keyless."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from config import names
from scripts.plan_summary import main as plan_summary_main
from scripts.plan_summary import read_plan, render
from tests.helpers import ORG_DIR, resources

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text())
APPLY = yaml.safe_load((REPO / ".github/actions/apply/action.yml").read_text())
JOBS = WORKFLOW["jobs"]


def steps_using(steps: list[dict], action: str) -> list[dict]:
    return [s for s in steps if str(s.get("uses", "")).startswith(action)]


def test_pull_requests_plan_and_pushes_to_main_apply():
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"pull_request", "push"} and triggers["push"]["branches"] == ["main"]
    assert "pull_request" not in str(triggers["pull_request"])  # plain pull_request, never pull_request_target
    assert "pull_request" in JOBS["plan"]["if"]
    assert all("push" in JOBS[j]["if"] for j in ("apply-dev", "plan-prod", "apply-prod"))
    assert JOBS["plan"]["strategy"]["matrix"] == "${{ fromJSON(needs.affected.outputs.matrix) }}"
    assert "--format github-matrix" in JOBS["affected"]["steps"][-1]["run"]


def test_plans_run_in_the_plan_environment_the_planner_trusts(org_stacks):
    assert JOBS["plan"]["environment"] == "${{ matrix.env }}-plan" and JOBS["plan-prod"]["environment"] == "prod-plan"
    bindings = resources(org_stacks["platform-prod"], "google_service_account_iam_member")
    assert bindings["ci/planner-federation"]["member"].endswith(
        "/subject/repo:orbit/mlops-platform:environment:prod-plan"
    )


def test_apply_runs_dev_then_a_visible_prod_plan_then_prod_behind_its_environment():
    assert JOBS["apply-dev"]["environment"] == "dev" and JOBS["apply-prod"]["environment"] == "prod"
    assert JOBS["plan-prod"]["needs"] == "apply-dev" and JOBS["apply-prod"]["needs"] == "plan-prod"
    modes = {}
    for job, env in (("apply-dev", "dev"), ("plan-prod", "prod"), ("apply-prod", "prod")):
        (step,) = steps_using(JOBS[job]["steps"], "./.github/actions/apply")
        assert step["with"]["env"] == env
        modes[job] = step["with"].get("mode", APPLY["inputs"]["mode"]["default"])
    assert modes == {"apply-dev": "apply", "plan-prod": "plan", "apply-prod": "apply"}
    steps = {s.get("name") or s.get("id") or s.get("uses"): s for s in APPLY["runs"]["steps"]}
    target = steps["target"]["run"]
    # the baseline is the last successful apply, so a failed or dropped run's changes are not skipped
    assert '--changed-from "$tag"' in target and "--with-dependencies" in target and '--removed-since "$tag"' in target
    assert "GITHUB_STEP_SUMMARY" in steps["cdktn diff (into the job summary)"]["run"]
    assert 'git push --force origin "refs/tags/$TAG"' in steps["Move the baseline to what was applied"]["run"]


def test_untrusted_values_reach_shell_only_through_environment_variables():
    """`${{ }}` inside `run:` is pasted into the script before bash parses it: a branch name could inject code."""
    runs = [s["run"] for job in JOBS.values() for s in job["steps"] if "run" in s]
    runs += [s["run"] for s in APPLY["runs"]["steps"] if "run" in s]
    for script in runs:
        assert "${{" not in script, script


def test_only_plan_and_apply_jobs_can_mint_an_oidc_token_and_no_job_uses_a_key():
    for name, job in JOBS.items():
        has_token = (job.get("permissions") or {}).get("id-token") == "write"
        assert has_token == (name in {"plan", "apply-dev", "plan-prod", "apply-prod"}), name
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert {n for n, j in JOBS.items() if (j.get("permissions") or {}).get("contents") == "write"} == {
        "apply-dev",
        "apply-prod",
    }  # they move the baseline tag
    auths = steps_using(JOBS["plan"]["steps"], "google-github-actions/auth") + steps_using(
        APPLY["runs"]["steps"], "google-github-actions/auth"
    )
    assert len(auths) == 2
    for auth in auths:
        assert set(auth["with"]) == {"workload_identity_provider", "service_account"}  # never credentials_json


def test_ci_identities_named_in_ci_are_the_ones_the_platform_stack_creates(org_stacks):
    accounts = {a["account_id"] for a in resources(org_stacks["platform-prod"], "google_service_account").values()}
    (plan_auth,) = steps_using(JOBS["plan"]["steps"], "google-github-actions/auth")
    assert plan_auth["with"]["service_account"].startswith(f"{names.CI_PLANNER}@")
    target = next(s for s in APPLY["runs"]["steps"] if s.get("id") == "target")["run"]
    assert "platform-ci-$(" in target and "planner" in target and "applier" in target
    assert {names.CI_PLANNER, names.CI_APPLIER} <= accounts
    assert names.CI_PROVIDER_OUTPUT in org_stacks["platform-prod"]["output"]


def test_terraform_in_ci_meets_the_stacks_required_version(org_stacks):
    required = org_stacks["platform-prod"]["terraform"]["required_version"]
    floor = tuple(int(n) for n in re.search(r"(\d+)\.(\d+)", required).groups())
    version = WORKFLOW["env"]["TERRAFORM_VERSION"]  # stated once; every Terraform CI installs comes from it
    job_steps = [s for job in JOBS.values() for s in job.get("steps", [])]
    assert {s["with"]["terraform_version"] for s in steps_using(job_steps, "hashicorp/setup-terraform")} == {
        "${{ env.TERRAFORM_VERSION }}"
    }
    assert {
        s["with"]["terraform_version"] for s in steps_using(APPLY["runs"]["steps"], "hashicorp/setup-terraform")
    } == {"${{ inputs.terraform-version }}"}
    calls = steps_using(job_steps, "./.github/actions/apply")
    assert calls and all(c["with"]["terraform-version"] == "${{ env.TERRAFORM_VERSION }}" for c in calls)
    assert tuple(int(n) for n in version.split(".")[:2]) >= floor
    assert WORKFLOW["env"]["CHECKPOINT_DISABLE"] == "1"


def test_ci_installs_the_credential_plugin_the_kubernetes_provider_runs_after_authenticating(org_stacks):
    (provider,) = org_stacks["team-reach-prod"]["provider"]["kubernetes"]
    (exec_block,) = provider["exec"]
    for steps in (JOBS["plan"]["steps"], APPLY["runs"]["steps"]):
        uses = [str(s.get("uses", "")) for s in steps]
        (setup,) = steps_using(steps, "google-github-actions/setup-gcloud")
        assert exec_block["command"] in setup["with"]["install_components"].split(",")
        auth = next(i for i, u in enumerate(uses) if u.startswith("google-github-actions/auth"))
        assert uses.index(setup["uses"]) > auth


def test_the_stack_selection_the_apply_step_runs_lists_the_platform_first_with_its_project():
    run = [sys.executable, "-m", "scripts.cli", "stacks", "--config-dir", ORG_DIR, "--env", "prod"]
    names_out = subprocess.run([*run, "--with-dependencies"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert names_out.returncode == 0, names_out.stderr
    assert names_out.stdout.split()[0] == "platform-prod"
    as_json = subprocess.run([*run, "--output", "json"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert json.loads(as_json.stdout)[0]["platform_project"] == "orbit-mlops-prod"


def test_plan_summary_reports_each_stack_destroys_first_and_fails_on_a_failed_plan(tmp_path, capsys):
    (tmp_path / "team-a-dev.log").write_text("\x1b[1mPlan:\x1b[0m 3 to add, 1 to change, 0 to destroy.\n")
    (tmp_path / "team-a-dev.exit").write_text("0\n")
    (tmp_path / "team-b-dev.log").write_text("Plan: 0 to add, 0 to change, 2 to destroy.\n")
    (tmp_path / "team-b-dev.exit").write_text("0\n")
    (tmp_path / "platform-dev.log").write_text("No changes. Your infrastructure matches the configuration.\n")
    (tmp_path / "platform-dev.exit").write_text("0\n")
    assert read_plan(tmp_path / "team-a-dev.log").status == "3 to add, 1 to change, 0 to destroy"
    assert plan_summary_main([str(tmp_path)]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| `")]
    assert rows[0] == "| `team-b-dev` | **0 to add, 0 to change, 2 to destroy** (destroys!) |"
    assert "| `platform-dev` | no changes |" in rows
    (tmp_path / "team-c-dev.log").write_text("Error: Unable to find remote state\n")
    (tmp_path / "team-c-dev.exit").write_text("1\n")
    assert plan_summary_main([str(tmp_path)]) == 1
    assert "| `team-c-dev` | plan failed: Error: Unable to find remote state |" in capsys.readouterr().out
    assert "(none)" in render([])


DEPLOY_STEP = "cdktn deploy (platform first, wait for the fleet's namespaces, then teams)"


def _run_deploy_step(tmp_path, stacks: str) -> list[str]:
    """Run the apply action's deploy script with `npx` and `modelops` stubs that log their arguments."""
    import os
    import subprocess

    steps = {s.get("name") or s.get("id") or s.get("uses"): s for s in APPLY["runs"]["steps"]}
    script = steps[DEPLOY_STEP]["run"]
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "calls.log"
    for tool in ("npx", "modelops"):
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        stub.chmod(0o755)
    (tmp_path / "infra").mkdir()
    env = {**os.environ, "STACKS": stacks, "DEPLOY_ENV": "dev", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, check=True)
    return log.read_text().splitlines() if log.exists() else []


def test_apply_deploys_the_platform_then_waits_for_the_fleets_namespaces_then_the_teams(tmp_path):
    calls = _run_deploy_step(tmp_path, "platform-dev team-ledger-dev team-reach-dev ")
    assert calls == [
        "npx cdktn deploy platform-dev --auto-approve",
        "modelops wait-namespaces --config-dir . --env dev --timeout 900",
        "npx cdktn deploy team-ledger-dev team-reach-dev --auto-approve --ignore-missing-stack-dependencies",
    ]


def test_apply_of_the_platform_alone_does_not_wait(tmp_path):
    assert _run_deploy_step(tmp_path, "platform-dev") == ["npx cdktn deploy platform-dev --auto-approve"]
