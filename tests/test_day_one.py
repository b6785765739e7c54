"""A company's day one, end to end, on a copy of this repository's infra/ and docs/ (never the working tree):

    modelops new-team <name> ...  ->  modelops docs  ->  the any-config checks pass
    rm infra/teams/<an example team>.yaml  ->  modelops docs  ->  the any-config checks pass

The any-config checks are tests/test_own_config.py (the only tests that read infra/); every other test uses
the fixture organisation, so they pass whatever teams infra/ holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from config.loader import load_config
from scripts.docs import GENERATORS
from tests.test_cli import REPO, run

# `modelops docs` without the inventories: they describe the fixture organisation, not the company's config
COMPANY_DOCS = [arg for name in GENERATORS if name != "inventories" for arg in ("--only", name)]


def _any_config_checks(config: Path, docs: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MODELOPS_OWN_CONFIG": str(config), "MODELOPS_OWN_DOCS": str(docs)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_own_config.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_onboard_a_team_then_remove_an_example_team(tmp_path):
    config, docs = tmp_path / "infra", tmp_path / "docs"
    shutil.copytree(
        REPO / "infra", config, ignore=shutil.ignore_patterns("cdktf.out", ".cdktf.out.*", "*.tfstate*", "__pycache__")
    )
    shutil.copytree(REPO / "docs", docs)
    existing = [t.name for t in load_config(config).teams]
    name = next(n for n in (f"newcomer{i or ''}" for i in range(100)) if n not in existing)

    onboarded = run("new-team", name, "-c", str(config), "--pattern", "online", "--pattern", "batch")
    assert onboarded.returncode == 0, onboarded.stderr
    written = run("docs", "-c", str(config), "--docs-dir", str(docs), *COMPANY_DOCS)
    assert written.returncode == 0, written.stderr
    assert (docs / "teams" / f"{name}.md").is_file()
    checks = _any_config_checks(config, docs)
    assert checks.returncode == 0, checks.stdout[-4000:] + checks.stderr[-2000:]

    removed = existing[0]
    (config / "teams" / f"{removed}.yaml").unlink()
    written = run("docs", "-c", str(config), "--docs-dir", str(docs), *COMPANY_DOCS, "--output", "json")
    assert written.returncode == 0, written.stderr
    assert not (docs / "teams" / f"{removed}.md").exists()
    assert str(docs / "teams" / f"{removed}.md") in json.loads(written.stdout)["removed"]
    checks = _any_config_checks(config, docs)
    assert checks.returncode == 0, checks.stdout[-4000:] + checks.stderr[-2000:]


def test_a_platform_before_its_first_team_validates_synthesizes_and_passes_the_gate(tmp_path):
    """Day zero: platform.yaml and an empty teams/ — the platform stacks alone go through the whole path."""
    config = tmp_path / "infra"
    (config / "teams").mkdir(parents=True)
    shutil.copy(REPO / "tests" / "fixtures" / "org" / "platform.yaml", config / "platform.yaml")
    validated = run("validate", "-c", str(config))
    assert validated.returncode == 0 and "0 teams, 0 models" in validated.stdout, validated.stderr
    checked = run("check", "-c", str(config), "--output", "json")
    assert checked.returncode == 0, checked.stderr[-2000:]
    report = json.loads(checked.stdout)
    assert sorted(report["stacks"]) == ["platform-dev", "platform-prod"] and report["summary"]["passed"] > 0
