"""`modelops new-team` and `modelops docs`: self-service onboarding and generated team docs."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from config import patterns as serving_patterns
from scripts.commands.options import ConfigDir, Output, OutputFormat
from scripts.console import EXIT_FINDINGS, out, print_json
from config.loader import load_config

def new_team(
    name: str = typer.Argument(..., help="Team id: lowercase letters, digits, hyphens (2-21 characters)."),
    config_dir: Path = ConfigDir,
    business_owner: Optional[str] = typer.Option(None, help="Accountable owner's email (default: <name>-owner@<domain>)."),
    groups_domain: Optional[str] = typer.Option(None, help="Domain of the team's Google groups (default: the organization domain)."),
    display_name: Optional[str] = typer.Option(None, help="Human-readable team name."),
    classification: str = typer.Option("internal", "--data-classification", help="public|internal|confidential|restricted"),
    patterns: List[str] = typer.Option(["online"], "--pattern", help="Serving pattern of a starter model (repeatable)."),
    output: OutputFormat = Output,
) -> None:
    """Write infra/teams/NAME.yaml from a commented template that passes validation; never overwrites."""
    from scripts.onboarding.new_team import NewTeam, create, default_project

    config = load_config(config_dir)
    domain = groups_domain or config.platform.organization.domain
    bad = [p for p in patterns if p not in serving_patterns.PATTERNS]
    if bad:
        raise typer.BadParameter(f"unknown pattern(s) {', '.join(bad)}; expected {', '.join(serving_patterns.names())}",
                                 param_hint="--pattern")
    team = NewTeam(
        name=name,
        display_name=display_name or name.replace("-", " ").title(),
        business_owner=business_owner or f"{name}-owner@{domain}",
        groups_domain=domain,
        data_classification=classification,
        environments={env: default_project(name, env, config.platform.name) for env in config.platform.environments},
        patterns=tuple(dict.fromkeys(patterns)),
    )
    path = create(config_dir, team)
    stacks = [f"team-{name}-{env}" for env in team.environments]
    if output is OutputFormat.json:
        print_json({"created": str(path), "stacks": stacks})
        return
    out.print(f"created {path}", highlight=False)
    out.print("next steps:\n"
              f"  1. edit {path}: groups, project ids, model names, thresholds (every field is commented)\n"
              f"  2. modelops validate --config-dir {config_dir}\n"
              f"  3. open a pull request; the gate (modelops check) validates the file, synthesizes\n"
              f"     {', '.join(stacks)} and runs every governance policy (IAM, CMEK, deletion protection,\n"
              "     prediction logging, alerts with runbooks, labels, PII scanning)\n"
              "  4. after merge, a platform engineer deploys: npx cdktn deploy " + " ".join(stacks), highlight=False)


def docs(
    config_dir: Path = ConfigDir,
    out_dir: Path = typer.Option(Path("docs/teams"), "--out", help="Where the team pages go."),
    synth_dir: Optional[Path] = typer.Option(None, "--synth-dir", help="Use an existing cdktf.out instead of synthesizing."),
    check: bool = typer.Option(False, "--check", help="Do not write; exit 1 when the pages are stale."),
) -> None:
    """Generate one onboarding page per team plus an index, from config and the synthesized stacks."""
    from scripts.onboarding.docs import render_all, stale, write

    config = load_config(config_dir)
    pages = render_all(config, synth_dir)
    if check:
        problems = stale(out_dir, pages)
        if problems:
            for name in problems:
                out.print(f"stale: {out_dir / name}", highlight=False)
            out.print("run: modelops docs", highlight=False)
            raise typer.Exit(EXIT_FINDINGS)
        out.print(f"docs up to date: {len(pages)} pages in {out_dir}", highlight=False)
        return
    changed = write(out_dir, pages)
    out.print(f"{len(pages)} pages in {out_dir}, {len(changed)} changed", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("new-team")(new_team)
    app.command()(docs)
