"""The README's deploy commands, run as written through the real cdktn CLI against a stand-in terraform.

This is the deploy path up to the credential boundary: cdktn synthesizes the app, orders the
stacks by their dependencies and drives terraform in each stack's working directory; the stand-in
(tests/deploy/fake_terraform.py) keeps state where each backend would and fails, like Terraform,
when a team stack's `terraform_remote_state` finds no platform state.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import ORG

REPO = Path(__file__).resolve().parents[2]
FAKE = Path(__file__).resolve().parent / "fake_terraform.py"
# The project's packages, as pyproject.toml declares them for the install.
CODE = tuple(
    p.rstrip("*")
    for p in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
)


def readme_deploy_block() -> str:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Deploy\n") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def make_project(root: Path) -> Path:
    """The platform instance (infra/'s app with the fixture organisation's config) beside links to the code,
    venv and node_modules of this checkout."""
    root.mkdir()
    shutil.copytree(
        REPO / "infra",
        root / "infra",
        ignore=shutil.ignore_patterns(
            "cdktf.out", ".cdktf.out.*", "terraform.*.tfstate*", "__pycache__", "platform.yaml", "teams"
        ),
    )
    shutil.copy(ORG / "platform.yaml", root / "infra" / "platform.yaml")
    shutil.copytree(ORG / "teams", root / "infra" / "teams")
    for name in (*CODE, ".venv", "node_modules"):
        (root / name).symlink_to(REPO / name)
    shutil.copy(REPO / "package.json", root / "package.json")
    bin_dir = root / "fake-bin"
    bin_dir.mkdir()
    (bin_dir / "terraform").write_text(f"#!/bin/sh\nexec '{sys.executable}' '{FAKE}' \"$@\"\n")
    (bin_dir / "terraform").chmod(0o755)
    # The namespace wait needs a cluster: a stand-in logs its arguments between the terraform calls.
    (bin_dir / "modelops-wait").write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "entry = {'args': ['wait-namespaces'], 'argv': ' '.join(sys.argv[1:]), 'cwd': os.getcwd(),\n"
        "         'checkpoint_disable': os.environ.get('CHECKPOINT_DISABLE')}\n"
        "open(os.environ['FAKE_TF_LOG'], 'a').write(json.dumps(entry) + '\\n')\n"
    )
    (bin_dir / "modelops-wait").chmod(0o755)
    return root


def with_stand_in_wait(script: str, project: Path) -> str:
    """The README's block with `modelops wait-namespaces` run by the logging stand-in (no cluster here)."""
    assert "modelops wait-namespaces" in script
    return script.replace("modelops wait-namespaces", f"{project / 'fake-bin' / 'modelops-wait'}")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("deploy") / "p")


@pytest.fixture(scope="module")
def local_state_project(tmp_path_factory) -> Path:
    """The example without CI and without a dev state bucket: dev keeps its state in local files."""
    import yaml

    root = make_project(tmp_path_factory.mktemp("deploy-local") / "p")
    platform_file = root / "infra" / "platform.yaml"
    platform = yaml.safe_load(platform_file.read_text())
    platform.pop("ci")
    platform["environments"]["dev"].pop("state_bucket")
    platform_file.write_text(yaml.safe_dump(platform, sort_keys=False))
    return root


def run_block(project: Path, script: str, tag: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    log = project / f"{tag}.calls.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDKTF_", "CHECKPOINT"))}
    env.update(
        PATH=f"{project / 'fake-bin'}:{env['PATH']}", FAKE_TF_LOG=str(log), FAKE_GCS_ROOT=str(project / "gcs"), CI="1"
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return done, calls


def applied(calls: list[dict]) -> list[str]:
    return [Path(c["cwd"]).name for c in calls if c["args"][:1] == ["apply"]]


def test_readme_deploy_block_runs_as_written_platform_first_then_every_team(project):
    """Through the real cdktn CLI: the platform alone, the wait, then the team stacks alone
    (--ignore-missing-stack-dependencies), which find the platform's state."""
    done, calls = run_block(project, with_stand_in_wait(readme_deploy_block(), project), "prod")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    order = applied(calls)
    assert order[0] == "platform-prod" and sorted(order[1:]) == [
        "team-ledger-prod",
        "team-reach-prod",
        "team-scout-prod",
    ]
    steps = [c["args"][0] for c in calls if c["args"][:1] in (["apply"], ["wait-namespaces"])]
    assert steps == ["apply", "wait-namespaces", "apply", "apply", "apply"]
    (wait,) = [c for c in calls if c["args"] == ["wait-namespaces"]]
    assert wait["argv"] == "--config-dir . --env prod"
    assert all(c["checkpoint_disable"] == "1" for c in calls)
    # prod keeps state in its GCS bucket: one object per stack, under the stack's prefix
    assert (project / "gcs" / "orbit-mlops-tfstate-prod" / "platform-prod" / "default.tfstate").is_file()


def test_local_state_resolves_across_stacks_and_survives_a_resynth(local_state_project):
    """Without a state bucket each team stack must find the platform's local state from its own directory."""
    project = local_state_project
    script = "\n".join(line for line in readme_deploy_block().splitlines() if "cdktn diff" not in line)
    done, calls = run_block(
        project, with_stand_in_wait(script.replace("-prod", "-dev").replace("env prod", "env dev"), project), "dev"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert applied(calls)[0] == "platform-dev" and len(applied(calls)) == 4
    state = project / "infra" / "terraform.platform-dev.tfstate"
    assert state.is_file(), "local state belongs beside cdktf.out/, where a re-synth cannot delete it"
