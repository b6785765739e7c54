"""`modelops check`: the governance gate for pull requests (exit 0 clean, 1 findings, 2 bad input)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn, Optional

import typer

from scripts.commands import options
from scripts.commands.options import ConfigDir, Output, OutputFormat, Teams, Today, resolve_teams
from scripts.console import EXIT_BAD_INPUT, EXIT_OK, err, out, print_json


def _bad(message: str) -> NoReturn:
    """Bad input: one plain line on stderr (greppable, never wrapped), exit 2."""
    sys.stderr.write(message + "\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def check(
    config_dir: Path = ConfigDir,
    synth_dir: Optional[Path] = typer.Option(
        None, "--synth-dir", help="Check this existing synth output instead of synthesizing.", file_okay=False
    ),
    report_dir: Optional[Path] = typer.Option(
        None,
        "--report-dir",
        help="Write findings.json, findings.sarif, junit.xml and summary.md here.",
        file_okay=False,
    ),
    teams: Optional[list[str]] = Teams,
    changed_from: Optional[str] = typer.Option(
        None,
        "--changed-from",
        help="Only the stacks affected by files changed since this git ref; also synthesizes REF to preview replacements of data-holding resources.",
    ),
    base_synth_dir: Optional[Path] = typer.Option(
        None,
        "--base-synth-dir",
        help="Synth output of the base revision, for the replacement preview (instead of synthesizing --changed-from REF).",
        file_okay=False,
    ),
    today: Optional[str] = Today,
    output: OutputFormat = Output,
) -> None:
    """Validate, synthesize and run every governance rule; findings point at the YAML line to change."""
    from policies.engine.checkov_runner import CheckovError
    from policies.engine.gate import run_gate
    from policies.engine.reports import console, json_report, write_all
    from scripts.changes import GATE_CODE, GitError, affected_since, team_stack_names, teams_to_synthesize

    as_of = options.as_of(today)
    config = options.load_checked(config_dir, as_of)
    resolve_teams(config, teams)
    only = team_stack_names(config, set(teams)) if teams else None
    if changed_from:
        try:
            affected = affected_since(config, changed_from, code=GATE_CODE)
        except GitError as exc:
            _bad(f"--changed-from {changed_from}: {exc}")
        sys.stderr.write(f"--changed-from {changed_from}: {affected.reason}\n")
        only = set(affected.stacks) if only is None else only & affected.stacks
    if only is not None and not only:
        out.print("no stacks affected; nothing to check", highlight=False)
        raise typer.Exit(EXIT_OK)
    wanted = teams_to_synthesize(only)

    if base_synth_dir is not None and not any(Path(base_synth_dir).glob("stacks/*/cdk.tf.json")):
        _bad(
            f"--base-synth-dir {base_synth_dir}: no stacks/<stack>/cdk.tf.json inside; run `modelops synth` on the base revision"
        )

    with tempfile.TemporaryDirectory(prefix="modelops-check-") as scratch:
        if base_synth_dir is None and changed_from:
            from scripts.base_synth import BaseSynthError, synthesize_base

            try:
                with err.status(f"synthesizing the base revision {changed_from}..."):
                    base_synth_dir = synthesize_base(changed_from, config_dir, Path(scratch) / "base.out", wanted)
            except BaseSynthError as exc:
                _bad(
                    f"--changed-from {changed_from}: cannot synthesize the base revision for the replacement "
                    f"preview: {exc} (pass --base-synth-dir DIR to use an existing synth output)"
                )
        if synth_dir is None:
            from config.selection import Selection
            from scripts.synth import synthesize

            with err.status("synthesizing stacks..."):
                synth_dir = synthesize(config, Path(scratch) / "cdktf.out", Selection.of(wanted or ())).out_dir
        elif not any(Path(synth_dir).glob("stacks/*/cdk.tf.json")):
            _bad(f"--synth-dir {synth_dir}: no stacks/<stack>/cdk.tf.json inside; run `modelops synth` first")
        try:
            with err.status("checking stacks..."):
                result = run_gate(
                    config,
                    Path(synth_dir),
                    only=only,
                    today=as_of,
                    base_synth_dir=Path(base_synth_dir) if base_synth_dir is not None else None,
                )
        except CheckovError as exc:
            _bad(f"error: {exc}")

    if report_dir is not None:
        write_all(result, report_dir)
    if output is OutputFormat.json:
        print_json(json_report.document(result))
    else:
        console.render(result, out)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for f in result.failed:
            sys.stdout.write(f"::error file={f.file},line={f.line},title={f.rule}::{f.title}: {f.message}\n")
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command()(check)
