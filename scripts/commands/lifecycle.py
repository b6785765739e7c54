"""`modelops validate-card | register | deploy | promote | rollback | status`: model versions with governance.

Every command writes an audit event; every command has --dry-run and --output json. Without
credentials (and without --no-dry-run) the commands print the exact requests and the audit
event as JSON and do no network I/O.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from scripts.commands.options import ConfigDir, Output, OutputFormat
from scripts.console import EXIT_BAD_INPUT, EXIT_FINDINGS, err, out, print_json
from stacks.errors import ConfigInvalid
from stacks.loader import load_config

Env = typer.Option(None, "--env", "-e", help="Environment (default: the first in platform.yaml).")
Project = typer.Option(None, "--project", help="Override the team's project for --env.")
Region = typer.Option(None, "--region", help="Override the platform region.")
AuditProject = typer.Option(None, "--audit-project", hidden=True,
                            help="Tests only: the audit event's project with a loopback --emulator. Otherwise the "
                                 "event always goes to the platform project of --env, where only lifecycle "
                                 "identities may write it.")
DryRun = typer.Option(None, "--dry-run/--no-dry-run",
                      help="Print the requests and the audit event instead of sending them "
                           "(default: dry run unless Google credentials are configured).")
Emulator = typer.Option(None, "--emulator", hidden=True,
                        help="Send every API call to a loopback emulator (tests, local development).")
TeamOpt = typer.Option(..., "--team", "-t", help="Team name (infra/teams/<team>.yaml).")
ModelOpt = typer.Option(..., "--model", "-m", help="Model name declared in the team file.")
KeepDeployed = typer.Option(None, "--keep-deployed", help="Version id or alias to leave deployed even at 0% traffic "
                                                          "(repeatable; champion and previous-champion always stay).")


def _card(path: Path, config):
    from lifecycle.card import load_card
    from lifecycle.gates import check_card

    card, doc = load_card(path)
    problems = check_card(card, doc, config)
    if problems:
        raise ConfigInvalid(problems)
    return card


def _act(output: OutputFormat, action: Callable[[], Any]) -> None:
    """Run an action; bad input exits 2 and API refusals exit 1, both without a traceback."""
    from google.api_core.exceptions import GoogleAPICallError

    from lifecycle.context import LifecycleError
    from lifecycle.trail import AuditNotWritten

    try:
        outcome = action()
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT)
    except GoogleAPICallError as exc:
        _error(exc, "Google Cloud refused the request: ")
        raise typer.Exit(EXIT_FINDINGS)
    except AuditNotWritten as exc:  # the action is done: print what it did, then fail
        print_json(exc.outcome.as_dict())
        _error(exc)
        raise typer.Exit(EXIT_FINDINGS)
    report = outcome.as_dict()
    if output is OutputFormat.json or outcome.target.dry_run:
        print_json(report)
        if outcome.target.dry_run and output is OutputFormat.text:
            err.print("dry run: nothing was sent (pass --no-dry-run with Google credentials to act)",
                      markup=False, highlight=False)
        return
    out.print(f"{outcome.action}: done", highlight=False)
    for key, value in outcome.result.items():
        if key not in ("monitoring", "labels"):
            out.print(f"  {key}: {json.dumps(value) if not isinstance(value, str) else value}", highlight=False)
    for note in outcome.notes:
        out.print(f"  note: {note}", highlight=False)
    out.print(f"  audit event written to {report['audit_log']}", highlight=False)


def _error(exc: Exception, prefix: str = "") -> None:
    """The error, then its notes (e.g. that the audit event of a failure could not be written)."""
    err.print(f"error: {prefix}{exc}", markup=False, highlight=False)
    for note in getattr(exc, "__notes__", ()):
        err.print(f"  note: {note}", markup=False, highlight=False)


def _target(config, team_name: str, env, project, region, audit_project, dry_run, emulator):
    from lifecycle.context import LifecycleError, resolve

    try:
        team = config.team(team_name)
    except KeyError:
        err.print(f"error: --team {team_name}: no such team (known: {', '.join(t.name for t in config.teams)})",
                  markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        return resolve(config, team, env=env, project=project, region=region, audit_project=audit_project,
                       dry_run=dry_run, emulator=emulator)
    except LifecycleError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)


def _model_target(config_dir: Path, team: str, model: str, env, project, region, audit_project, dry_run, emulator):
    """Config and target for a command acting on one declared model (deploy, promote, rollback)."""
    config = load_config(config_dir)
    target = _target(config, team, env, project, region, audit_project, dry_run, emulator)
    _model_known(config, team, model)
    return config, target


def _model_known(config, team_name: str, model_name: str) -> None:
    team = config.team(team_name)
    if model_name not in {m.name for m in team.models}:
        err.print(f"error: --model {model_name}: not declared in {team.source.file} "
                  f"(known: {', '.join(m.name for m in team.models)})", markup=False, highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)


def validate_card(card: Path = typer.Argument(..., help="Model card (YAML or JSON)."),
                  config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
                  region: Optional[str] = Region, audit_project: Optional[str] = AuditProject,
                  dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
                  output: OutputFormat = Output) -> None:
    """Check a model card: schema, the team's YAML and the governance gates. Exit 2 on problems."""
    from lifecycle.actions import validated

    config = load_config(config_dir)
    try:
        model_card = _card(card, config)
    except ConfigInvalid as exc:
        if output is OutputFormat.json:
            print_json({"valid": False, "errors": [e.as_dict() for e in exc.errors]})
            raise typer.Exit(EXIT_BAD_INPUT)
        raise
    target = _target(config, model_card.team, env, project, region, audit_project, dry_run, emulator)
    if output is OutputFormat.text:
        out.print(f"card valid: {model_card.team}/{model_card.model} {model_card.version}", highlight=False)
    if output is OutputFormat.json or not target.dry_run or dry_run is True:
        _act(output, lambda: validated(config, target, model_card))


def register_card(card: Path = typer.Argument(..., help="Model card (YAML or JSON)."),
             config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
             region: Optional[str] = Region, audit_project: Optional[str] = AuditProject,
             dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
             output: OutputFormat = Output) -> None:
    """Validate a card, upload the version to the Vertex AI Model Registry (alias `candidate`), audit it."""
    from lifecycle import actions

    config = load_config(config_dir)
    model_card = _card(card, config)
    target = _target(config, model_card.team, env, project, region, audit_project, dry_run, emulator)
    _act(output, lambda: actions.register(config, target, model_card))


def deploy(team: str = TeamOpt, model: str = ModelOpt,
           version: str = typer.Option(..., "--version", "-v", help="Registry version id or alias (e.g. candidate)."),
           traffic: Optional[int] = typer.Option(None, "--traffic", help="Percent of traffic for this version "
                                                 "(default: 10 as a canary next to the champion, 100 if none serves)."),
           card: Optional[Path] = typer.Option(None, "--card", help="The version's card: its training data is "
                                               "the baseline for training-serving skew monitoring."),
           channel: Optional[List[str]] = typer.Option(None, "--notification-channel",
                                                       help="Alert channel id or resource name (repeatable; "
                                                            "default: the team's channels, looked up by name)."),
           keep: Optional[List[str]] = KeepDeployed,
           config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
           region: Optional[str] = Region, audit_project: Optional[str] = AuditProject,
           dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
           output: OutputFormat = Output) -> None:
    """Deploy a registered version as a canary, undeploy versions left at 0%, and monitor it (its own objective)."""
    from lifecycle import actions

    config, target = _model_target(config_dir, team, model, env, project, region, audit_project, dry_run, emulator)
    model_card = _card(card, config) if card else None
    _act(output, lambda: actions.deploy(config, target, team, model, version, traffic, model_card, channel,
                                                keep or ()))


def promote(team: str = TeamOpt, model: str = ModelOpt,
            version: str = typer.Option(..., "--version", "-v", help="Registry version id or alias."),
            keep: Optional[List[str]] = KeepDeployed,
            config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
            region: Optional[str] = Region, audit_project: Optional[str] = AuditProject,
            dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
            output: OutputFormat = Output) -> None:
    """Make a version the champion: 100% of the endpoint's traffic and the `champion` alias."""
    from lifecycle import actions

    config, target = _model_target(config_dir, team, model, env, project, region, audit_project, dry_run, emulator)
    _act(output, lambda: actions.promote(config, target, team, model, version, keep or ()))


def rollback(team: str = TeamOpt, model: str = ModelOpt,
             to: Optional[str] = typer.Option(None, "--to", help="Version to return to (default: previous-champion)."),
             keep: Optional[List[str]] = KeepDeployed,
             config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
             region: Optional[str] = Region, audit_project: Optional[str] = AuditProject,
             dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
             output: OutputFormat = Output) -> None:
    """Put the previous champion back on 100% of the traffic and give it the `champion` alias."""
    from lifecycle import actions

    config, target = _model_target(config_dir, team, model, env, project, region, audit_project, dry_run, emulator)
    _act(output, lambda: actions.rollback(config, target, team, model, to, keep or ()))


def status(team: str = TeamOpt,
           model: Optional[str] = typer.Option(None, "--model", "-m", help="One model (default: every model)."),
           config_dir: Path = ConfigDir, env: Optional[str] = Env, project: Optional[str] = Project,
           region: Optional[str] = Region, dry_run: Optional[bool] = DryRun, emulator: Optional[str] = Emulator,
           output: OutputFormat = Output) -> None:
    """What is deployed where: versions, traffic, aliases and monitoring objectives (read-only, no audit event)."""
    from google.api_core.exceptions import GoogleAPICallError

    from lifecycle import status as lifecycle_status
    from lifecycle.context import LifecycleError

    config = load_config(config_dir)
    target = _target(config, team, env, project, region, None, dry_run, emulator)
    if model is not None:
        _model_known(config, team, model)
    try:
        view = lifecycle_status.read(config, target, team, model)
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT)
    except GoogleAPICallError as exc:
        _error(exc, "Google Cloud refused the request: ")
        raise typer.Exit(EXIT_FINDINGS)
    if output is OutputFormat.json or target.dry_run:
        print_json(view)
        return
    for line in lifecycle_status.lines(view):
        out.print(line, highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command("validate-card")(validate_card)
    app.command("register")(register_card)
    app.command()(deploy)
    app.command()(promote)
    app.command()(rollback)
    app.command()(status)
