"""`--changed-from` selects exactly the stacks whose synthesized JSON changes.

Each scenario is a real change in a git repository holding the fixture organisation as its config; the selection
(scripts.changes.affected_since) is compared with a real diff of the synthesized JSON between the base (the
session's synth of the fixture organisation) and the head (a fresh synth of the changed config or code).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.loader import load_config
from scripts.changes import SYNTH_CODE, affected_since
from tests.helpers import ORG, REPO, git


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository whose config directory (infra/) is the fixture organisation, plus a module of the code."""
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    shutil.copy(ORG / "platform.yaml", root / "infra" / "platform.yaml")
    shutil.copytree(ORG / "teams", root / "infra" / "teams")
    (root / "modules").mkdir()
    shutil.copy(REPO / "modules" / "labels.py", root / "modules" / "labels.py")
    (root / "README.md").write_text("a company's platform\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def _synth(config, tmp_path: Path) -> dict[str, dict]:
    from scripts.synth import synthesize

    out = synthesize(config, tmp_path / "head.out").out_dir
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("stacks/*/cdk.tf.json")}


def _changed(base: dict[str, dict], head: dict[str, dict]) -> set[str]:
    """Stacks of the head whose JSON differs from the base's (new stacks included)."""
    return {name for name, doc in head.items() if base.get(name) != doc}


def _selected(repo: Path) -> set[str]:
    config = load_config(repo / "infra")
    return set(affected_since(config, "HEAD", cwd=repo).stacks)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_a_new_team_selects_its_stacks_and_every_platform_stack(repo, org_stacks, tmp_path):
    text = (repo / "infra" / "teams" / "scout.yaml").read_text().replace("scout", "treasury")
    (repo / "infra" / "teams" / "treasury.yaml").write_text(text)  # untracked, as after `modelops new-team`
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    # the new project joins each platform stack's metrics scope, access grants and CI roles
    assert changed == {"platform-dev", "platform-prod", "team-treasury-dev", "team-treasury-prod"}
    assert _selected(repo) == changed


def test_a_removed_team_selects_the_platform_stacks_it_leaves(repo, org_stacks, tmp_path):
    (repo / "infra" / "teams" / "scout.yaml").unlink()
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"platform-dev", "platform-prod"}
    assert _selected(repo) == changed


def test_a_team_edit_selects_only_that_teams_stacks(repo, org_stacks, tmp_path):
    """Everything a team changes day to day (thresholds, prose, replicas, logging, features, channels, exceptions)
    changes only its own stacks: the platform stacks read none of it."""
    team = repo / "infra" / "teams" / "reach.yaml"
    for old, new in (
        ("      latency_p99_ms: 250", "      latency_p99_ms: 240"),
        ("      min_accuracy: 0.7", "      min_accuracy: 0.75"),
        ("      max_replicas: 5", "      max_replicas: 6"),
        ("      sample_rate: 0.5", "      sample_rate: 0.6"),
        ("      retention_days: 400", "      retention_days: 420"),
        ("features: [tenure_days, basket_value", "features: [tenure_days, basket_value, visits_30d"),
        ("      max_delivery_attempts: 10", "      max_delivery_attempts: 12"),
        ('channel_name: "#reach-ml-alerts"', 'channel_name: "#reach-alerts"'),
        ('expires: "2027-04-15"', 'expires: "2027-04-01"'),
    ):
        _edit(team, old, new)
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"team-reach-dev", "team-reach-prod"}
    assert _selected(repo) == changed


def test_a_new_business_owner_selects_the_production_platform_stack_too(repo, org_stacks, tmp_path):
    """The usage-drop alerts in the production platform stack e-mail the business owner (modules/scorecard)."""
    team = repo / "infra" / "teams" / "reach.yaml"
    _edit(team, "display_name: Reach & Personalisation", "display_name: Reach")
    _edit(team, "business_owner: raj.patel@orbit.example", "business_owner: owner@orbit.example")
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"platform-prod", "team-reach-dev", "team-reach-prod"}
    assert _selected(repo) == changed


def test_a_team_edit_the_platform_reads_selects_the_platform_stacks_too(repo, org_stacks, tmp_path):
    team = repo / "infra" / "teams" / "ledger.yaml"
    _edit(team, "  - name: refund-forecast", "  - name: refund-outlook")  # on the platform dashboard
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert {"platform-dev", "platform-prod", "team-ledger-dev", "team-ledger-prod"} == changed
    assert _selected(repo) == changed


def test_a_model_s_kpi_selects_the_production_platform_stack(repo, org_stacks, tmp_path):
    """The scorecard workflow (platform stack, production only) names each model's KPI next to its usage, so a KPI
    edit also selects the production platform stack."""
    _edit(
        repo / "infra" / "teams" / "reach.yaml", "      kpi: offer conversion rate", "      kpi: offer acceptance rate"
    )
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"platform-prod", "team-reach-dev", "team-reach-prod"}  # the team's own stacks show it too
    assert _selected(repo) == changed


def test_a_platform_edit_selects_the_stacks_that_read_it(repo, org_stacks, tmp_path):
    _edit(repo / "infra" / "platform.yaml", "release_channel: REGULAR", "release_channel: STABLE")
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"platform-dev", "platform-prod"}  # the cluster is the platform stack's alone
    assert _selected(repo) == changed


def test_a_shared_code_edit_selects_every_stack(repo, org_stacks, org_config, tmp_path, monkeypatch):
    """modules/labels.py gains a standard label: every stack's resources change."""
    from modules.labels import StandardLabels

    _edit(repo / "modules" / "labels.py", "self.labels = dict(labels)", 'self.labels = {**labels, "tier": "ml"}')
    original = StandardLabels.__init__

    def with_tier(self, labels):
        original(self, {**labels, "tier": "ml"})

    monkeypatch.setattr(StandardLabels, "__init__", with_tier)
    head = _synth(org_config, tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == set(org_stacks)
    assert _selected(repo) == changed


def test_untracked_files_outside_the_config_and_the_code_do_not_widen_the_selection(repo):
    for path in ("notes/todo.md", "scratch/tool.py", "bench/out.json", "docs/teams/x.md"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x\n")
    assert _selected(repo) == set()
    _edit(repo / "infra" / "teams" / "reach.yaml", "      max_replicas: 5", "      max_replicas: 6")
    assert _selected(repo) == {"team-reach-dev", "team-reach-prod"}


def test_synth_code_lists_every_module_a_synthesis_imports():
    """A synthesis imports only modules under SYNTH_CODE (so a code change there selects every stack)."""
    probe = (
        "import sys, json, tempfile, pathlib\n"
        "from config.loader import load_config\n"
        "from scripts.synth import synthesize\n"
        f"synthesize(load_config({str(ORG)!r}), pathlib.Path(tempfile.mkdtemp()) / 'out')\n"
        "files = [getattr(m, '__file__', None) for m in list(sys.modules.values())]\n"
        "print(json.dumps(sorted({f for f in files if f})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=300, check=True
    )
    ours = [
        Path(f).resolve().relative_to(REPO).as_posix()
        for f in json.loads(done.stdout.splitlines()[-1])
        if Path(f).resolve().is_relative_to(REPO) and ".venv" not in Path(f).parts
    ]
    assert ours
    outside = [f for f in ours if not f.startswith(SYNTH_CODE) and f not in SYNTH_CODE]
    # scripts/__init__.py comes with scripts/synth.py
    assert outside == ["scripts/__init__.py"], outside


def test_a_moved_project_selects_that_environments_stacks_only(repo, org_stacks, tmp_path):
    _edit(repo / "infra" / "teams" / "ledger.yaml", "project_id: orbit-ledger-prod", "project_id: orbit-ledger-prd")
    head = _synth(load_config(repo / "infra"), tmp_path)
    changed = _changed(org_stacks, head)
    assert changed == {"platform-prod", "team-ledger-prod"}
    assert _selected(repo) == changed
