"""docs/teams/: one onboarding page per team plus an index, from config and the synthesized stacks."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from config.model import Config
from scripts.onboarding.facts import load_facts
from scripts.onboarding.team_page import GENERATED, index_page, team_page

INDEX = "README.md"


def read_stacks(synth_dir: Path) -> dict:
    """Facts per stack; a team stack's grants include what the platform stack grants for that team
    (modules/team_platform_access.py: fleet scope, keys, image pulls, governance writes)."""
    docs = {p.parent.name: json.loads(p.read_text()) for p in sorted(Path(synth_dir).glob("stacks/*/cdk.tf.json"))}
    facts = {name: load_facts(name, doc) for name, doc in docs.items()}
    for name, stack_facts in facts.items():
        parts = name.split("-")
        platform = docs.get(f"platform-{parts[-1]}")
        if parts[0] == "team" and platform is not None:
            team = "-".join(parts[1:-1])
            stack_facts.grants += load_facts(f"platform-{parts[-1]}", platform, only_under=f"team-{team}/").grants
            stack_facts.grants.sort(key=lambda g: (g.principal, g.role, g.target_type, g.target))
    return facts


def render_all(config: Config, synth_dir: Path | None = None) -> dict[str, str]:
    """File name -> content for the index and every team page (synthesizes when no dir is given)."""
    if synth_dir is None:
        from scripts.synth import synthesize

        with tempfile.TemporaryDirectory() as scratch:
            synthesize(config, Path(scratch) / "cdktf.out")
            stacks = read_stacks(Path(scratch) / "cdktf.out")
    else:
        stacks = read_stacks(synth_dir)
    pages = {f"{team.name}.md": team_page(config, team, stacks) for team in config.teams}
    pages[INDEX] = index_page(config)
    return pages


def expected(out_dir: Path, pages: dict[str, str]) -> dict[Path, str]:
    return {out_dir / name: text for name, text in pages.items()}


def owned(out_dir: Path) -> list[Path]:
    """Pages in ``out_dir`` that `modelops docs` wrote (a removed team's page is removed)."""
    return [p for p in sorted(out_dir.glob("*.md")) if p.read_text().startswith(GENERATED)]
