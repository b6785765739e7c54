"""`modelops validate | synth | stacks`: the config contract and the stack skeleton."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from config import names
from config.loader import load_config
from scripts.commands import options
from scripts.commands.options import ConfigDir, Envs, Output, OutputFormat, Teams, Today
from scripts.console import EXIT_BAD_INPUT, err, out, print_json


def validate(config_dir: Path = ConfigDir, today: Optional[str] = Today, output: OutputFormat = Output) -> None:
    """Check platform.yaml and every team file with every config rule `modelops check` applies; report every
    problem as file:line: field: message."""
    config = options.load_checked(config_dir, options.as_of(today))
    models = sum(len(t.models) for t in config.teams)
    if output is OutputFormat.json:
        print_json(
            {
                "valid": True,
                "teams": len(config.teams),
                "models": models,
                "environments": list(config.platform.environments),
            }
        )
        return
    out.print(
        f"config valid: {len(config.teams)} teams, {models} models, "
        f"{len(config.platform.environments)} environments ({', '.join(config.platform.environments)})",
        highlight=False,
    )


class StackFormat(str, Enum):
    names = "names"
    github_matrix = "github-matrix"


def stacks(
    config_dir: Path = ConfigDir,
    teams: Optional[list[str]] = Teams,
    envs: Optional[list[str]] = Envs,
    changed_from: Optional[str] = typer.Option(
        None,
        "--changed-from",
        help="Only the stacks whose synthesized JSON a change since this git ref (committed, staged, untracked) alters.",
    ),
    format: StackFormat = typer.Option(
        StackFormat.names, "--format", help='names, or github-matrix: {"include": [...]} for a CI job matrix.'
    ),
    with_dependencies: bool = typer.Option(
        False,
        "--with-dependencies",
        help="Also list the platform stack each selected team stack depends on (what `cdktn deploy` needs in one run).",
    ),
    removed_since: Optional[str] = typer.Option(
        None,
        "--removed-since",
        help="List the stacks this git ref defined that the config no longer does (they need a decommission; exit 1 if any).",
    ),
    output: OutputFormat = Output,
) -> None:
    """List the stacks the config defines (cdktn deploy takes these names)."""
    from config.selection import planned_stacks

    config = load_config(config_dir)
    selection = options.selection(config, teams, envs)
    if removed_since:
        _report_removed(config, removed_since, selection, output)
    planned = planned_stacks(config, selection)
    if changed_from:
        from scripts.changes import GitError, affected_since, affected_stacks

        try:
            affected = affected_since(config, changed_from)
        except GitError as exc:
            sys.stderr.write(f"--changed-from {changed_from}: {exc}\n")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        keep = {s for s, _, _ in affected_stacks(config, affected)}
        if with_dependencies:
            keep |= {names.platform_stack(e) for s, e, t in planned if t is not None and s in keep}
        planned = [p for p in planned if p[0] in keep]
    platform_projects = {e: env.project_id for e, env in config.platform.environments.items()}
    entries = [{"stack": s, "env": e, "team": t, "platform_project": platform_projects[e]} for s, e, t in planned]
    if format is StackFormat.github_matrix:
        include = [{**entry, "team": entry["team"] or ""} for entry in entries]
        sys.stdout.write(json.dumps({"include": include}) + "\n")
        return
    if output is OutputFormat.json:
        print_json(entries)
        return
    for name, _, _ in planned:
        out.print(name, highlight=False)


def _report_removed(config, ref: str, selection, output: OutputFormat) -> None:
    """Stacks gone from the config since ``ref`` (a removed team or environment): exit 1 when there are any."""
    from scripts.changes import GitError, removed_stacks

    try:
        removed = [name for name, env in removed_stacks(config, ref) if selection.wants_env(env)]
    except GitError as exc:
        sys.stderr.write(f"--removed-since {ref}: {exc}\n")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output is OutputFormat.json:
        print_json({"removed": removed})
    else:
        for name in removed:
            out.print(name, highlight=False)
    if removed:
        sys.stderr.write(
            f"{len(removed)} stack(s) defined at {ref} are gone from the config; `cdktn deploy` cannot "
            'destroy them. Decommission them first (docs/architecture.md, "Removing a team").\n'
        )
    raise typer.Exit(1 if removed else 0)


def synth(
    config_dir: Path = ConfigDir,
    out_dir: Optional[Path] = typer.Option(
        None, "--synth-dir", "--out", help="Output directory (default: <config-dir>/cdktf.out).", file_okay=False
    ),
    teams: Optional[list[str]] = Teams,
    envs: Optional[list[str]] = Envs,
    output: OutputFormat = Output,
) -> None:
    """Synthesize the selected stacks (plus the platform stacks they need) into cdktf.out, atomically."""
    config = load_config(config_dir)
    selection = options.selection(config, teams, envs)
    from scripts.synth import synthesize

    with err.status("synthesizing stacks..."):
        result = synthesize(config, out_dir or config_dir / "cdktf.out", selection)
    if output is OutputFormat.json:
        print_json(
            {
                "out_dir": str(result.out_dir),
                "construct_seconds": round(result.construct_seconds, 2),
                "synth_seconds": round(result.synth_seconds, 2),
                "stacks": [s.__dict__ for s in result.stacks],
            }
        )
        return
    table = Table(title=f"Synthesized into {result.out_dir}", title_justify="left")
    for column in ("stack", "resources", "data sources", "outputs", "seconds"):
        table.add_column(column, justify="left" if column == "stack" else "right")
    for s in result.stacks:
        table.add_row(s.name, str(s.resources), str(s.data_sources), str(s.outputs), f"{s.construct_seconds:.2f}")
    table.add_section()
    stacks_ = result.stacks
    table.add_row(
        f"{len(stacks_)} stacks",
        str(sum(s.resources for s in stacks_)),
        str(sum(s.data_sources for s in stacks_)),
        str(sum(s.outputs for s in stacks_)),
        f"{result.construct_seconds + result.synth_seconds:.2f}",
    )
    out.print(table)
    out.print(
        f"seconds per stack = construction; total includes writing JSON "
        f"(construct {result.construct_seconds:.2f} s + synth {result.synth_seconds:.2f} s)",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(synth)
    app.command()(stacks)
