"""This repository's own config (infra/): checks that hold for ANY valid config a company writes.

A company replaces the example teams with its own on day one; nothing here names a team, a model or a
count, so adding, editing or removing a team keeps these green as long as the config is valid. Every
behaviour test uses the fixture organisation (tests/fixtures/org) instead.

MODELOPS_OWN_CONFIG and MODELOPS_OWN_DOCS point these checks at another config and docs directory
(tests/test_day_one.py runs them on a copy after onboarding and after removing a team).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from pathlib import Path

from config.selection import planned_stacks
from policies.engine.gate import run_gate
from scripts.docs import GENERATORS, REPO, DocsRun, generate
from tests.conftest import INFRA
from tests.helpers import addresses
from tests.test_cli import run

DOCS = Path(os.environ.get("MODELOPS_OWN_DOCS", REPO / "docs"))


def test_every_team_validates_in_validate_and_in_the_json_listing(infra_config):
    result = run("validate", "--config-dir", str(INFRA), "--output", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["teams"] == len(infra_config.teams)


def test_every_planned_stack_is_synthesized(infra_config, infra_stacks):
    assert sorted(infra_stacks) == sorted(name for name, _, _ in planned_stacks(infra_config))
    assert all(stack.get("resource") for stack in infra_stacks.values())


def test_the_config_passes_the_gate_today(infra_config, infra_synth_dir):
    """What the pull-request gate runs (`modelops check`), as of today: suppressions expire in real time."""
    result = run_gate(infra_config, infra_synth_dir, today=datetime.date.today())
    assert result.exit_code == 0, sorted((f.rule, f.file, f.line, f.message) for f in result.failed)


def test_every_generated_doc_is_up_to_date(infra_config, infra_synth_dir):
    """The company's docs (team pages, access, architecture, policies, runbooks, monitoring); the test suite's
    inventories describe the fixture organisation and are checked by tests/test_inventories.py."""
    run_ = DocsRun(infra_config, synth_dir=infra_synth_dir, docs_dir=DOCS)
    stale = generate(run_, check=True, only=tuple(g for g in GENERATORS if g != "inventories"))
    assert not stale, f"stale: {[str(p) for p in stale]}; regenerate with `.venv/bin/modelops docs`"


def test_adding_a_model_in_front_of_each_teams_models_moves_no_address(infra_config, infra_stacks, tmp_path):
    """Logical ids come from names: a newcomer model (inserted first) only adds its own addresses."""
    from scripts.synth import synthesize

    teams = [t for t in infra_config.teams if t.models]
    newcomer = "zz-newcomer-model"
    changed = dataclasses.replace(
        infra_config,
        teams=tuple(
            dataclasses.replace(t, models=(dataclasses.replace(t.models[0], name=newcomer), *t.models))
            if t.models
            else t
            for t in infra_config.teams
        ),
    )
    env = next(iter(infra_config.platform.environments))
    synthesize(changed, tmp_path / "out", planned_selection(teams, env))
    for team in teams:
        if env not in team.environments:
            continue
        stack = f"team-{team.name}-{env}"
        after = addresses(json.loads((tmp_path / "out" / "stacks" / stack / "cdk.tf.json").read_text()))
        before = addresses(infra_stacks[stack])
        assert before <= after, (stack, sorted(before - after))
        assert all(newcomer in a for a in after - before), (stack, sorted(after - before))


def planned_selection(teams, env):
    from config.selection import Selection

    return Selection.of([t.name for t in teams], [env])
