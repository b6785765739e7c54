"""`modelops validate-card | register | deploy | promote | rollback | status`: model versions with governance.

Every command writes an audit event (status reads only); every command has --dry-run and --output json.
Without credentials (and without --no-dry-run) the commands print the exact requests and the audit
event as JSON and do no network I/O. Exit codes: 0 done; 2 bad input (the card, the team file, an unknown
version...); 1 Google Cloud refused a request or its current state stops the command (a monitoring job that
is not RUNNING, an endpoint changed by another command), or the audit event could not be written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import typer

from config.errors import ConfigInvalid
from config.loader import load_config
from config.model import Config, Team
from scripts.commands.options import (
    ConfigDir,
    Output,
    OutputFormat,
    TargetOptions,
    bad_input,
    resolve_team,
    with_target_options,
)
from scripts.console import EXIT_BAD_INPUT, EXIT_FINDINGS, err, out, print_json

TeamOpt = typer.Option(..., "--team", "-t", help="Team name (infra/teams/<team>.yaml).")
ModelOpt = typer.Option(..., "--model", "-m", help="Model name declared in the team file.")
KeepDeployed = typer.Option(
    None,
    "--keep-deployed",
    help="Version id or alias to leave deployed even at 0% traffic "
    "(repeatable; champion and previous-champion always stay).",
)
MonitoringWait = typer.Option(
    None,
    "--monitoring-wait",
    min=0,
    help="Seconds to wait for the endpoint's monitoring job to be RUNNING, as only RUNNING jobs can be updated "
    "(default: 600).",
)


def _checked_card(path: Path, config: Config, env: str | None) -> Any:
    """The card after schema and gates; ConfigInvalid with every problem. The image gate is per environment."""
    from lifecycle.card import load_card
    from lifecycle.gates import check_card

    env = env or next(iter(config.platform.environments))
    if env not in config.platform.environments:
        bad_input([f"--env {env}: no such environment (known: {', '.join(config.platform.environments)})"])
    card, doc = load_card(path)
    problems = check_card(card, doc, config, env)
    if problems:
        raise ConfigInvalid(problems)
    return card


def _act(output: OutputFormat, action: Callable[[], Any]) -> None:
    """Run an action; bad input exits 2, API refusals and blocking states exit 1, all without a traceback."""
    from google.api_core.exceptions import GoogleAPICallError

    from lifecycle.context import LifecycleError
    from lifecycle.errors import NotReady
    from lifecycle.trail import AuditNotWritten

    try:
        outcome = action()
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoogleAPICallError as exc:
        _error(exc, "Google Cloud refused the request: ")
        raise typer.Exit(EXIT_FINDINGS) from None
    except NotReady as exc:
        _error(exc)
        raise typer.Exit(EXIT_FINDINGS) from None
    except AuditNotWritten as exc:  # the action is done: print what it did, then fail
        print_json(exc.outcome.as_dict())
        _error(exc)
        raise typer.Exit(EXIT_FINDINGS) from None
    report = outcome.as_dict()
    if output is OutputFormat.json or outcome.target.dry_run:
        print_json(report)
        if outcome.target.dry_run and output is OutputFormat.text:
            err.print(
                "dry run: nothing was sent (pass --no-dry-run with Google credentials to act)",
                markup=False,
                highlight=False,
            )
        return
    out.print(f"{outcome.action}: done", highlight=False)
    for key, value in outcome.result.items():
        if key not in ("monitoring", "labels"):
            out.print(f"  {key}: {json.dumps(value) if not isinstance(value, str) else value}", highlight=False)
    for note in outcome.notes:
        out.print(f"  note: {note}", highlight=False)
    out.print(f"  audit event written to {report['audit_log']}", highlight=False)


def _error(exc: BaseException, prefix: str = "") -> None:
    """The error, then its notes (what was done before it; whether the audit event of the failure was written)."""
    err.print(f"error: {prefix}{exc}", markup=False, highlight=False, soft_wrap=True)
    for note in getattr(exc, "__notes__", ()):
        err.print(f"  note: {note}", markup=False, highlight=False, soft_wrap=True)


def _target(config: Config, team: Team, options: TargetOptions) -> Any:
    from lifecycle.context import LifecycleError, resolve

    try:
        return resolve(
            config,
            team,
            env=options.env,
            project=options.project,
            region=options.region,
            audit_project=options.audit_project,
            dry_run=options.dry_run,
            emulator=options.emulator,
        )
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _model_target(config_dir: Path, team_name: str, model_name: str | None, options: TargetOptions) -> tuple:
    """Config, team and target for a command acting on the team (and on one declared model, when named)."""
    config = load_config(config_dir)
    team = resolve_team(config, team_name)
    target = _target(config, team, options)
    if model_name is not None and model_name not in {m.name for m in team.models}:
        bad_input(
            [
                f"--model {model_name}: not declared in {team.source.file} "
                f"(known: {', '.join(m.name for m in team.models)})"
            ]
        )
    return config, team, target


@with_target_options
def validate_card(
    card: Path = typer.Argument(..., help="Model card (YAML or JSON)."),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Check a model card: schema, the team's YAML and the governance gates. Exit 2 on problems."""
    from lifecycle.actions import validated

    config = load_config(config_dir)
    model_card = _checked_card(card, config, target.env)  # problems: the failure JSON every command answers with
    where = _target(config, resolve_team(config, model_card.team), target)
    if output is OutputFormat.text:
        out.print(f"card valid: {model_card.team}/{model_card.model} {model_card.version}", highlight=False)
    if output is OutputFormat.json or not where.dry_run or target.dry_run is True:
        _act(output, lambda: validated(config, where, model_card))


@with_target_options
def register_card(
    card: Path = typer.Argument(..., help="Model card (YAML or JSON)."),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Validate a card, upload the version to the Vertex AI Model Registry (alias `candidate`), audit it."""
    from lifecycle import actions

    config = load_config(config_dir)
    model_card = _checked_card(card, config, target.env)
    where = _target(config, resolve_team(config, model_card.team), target)
    _act(output, lambda: actions.register(config, where, model_card))


@with_target_options
def deploy(
    team: str = TeamOpt,
    model: str = ModelOpt,
    version: str = typer.Option(..., "--version", "-v", help="Registry version id or alias (e.g. candidate)."),
    traffic: Optional[int] = typer.Option(
        None,
        "--traffic",
        help="Percent of traffic for this version (default: 10 as a canary next to what serves, 100 when nothing "
        "is deployed; 100 next to a serving version is refused: promote instead).",
    ),
    card: Optional[Path] = typer.Option(
        None,
        "--card",
        help="The version's card: it must be the card the version was registered from; its training data is "
        "the baseline for training-serving skew monitoring.",
    ),
    channel: Optional[list[str]] = typer.Option(
        None,
        "--notification-channel",
        help="Alert channel id or resource name (repeatable; default: the team's channels, looked up by name "
        "and the team stack's labels).",
    ),
    keep: Optional[list[str]] = KeepDeployed,
    monitoring_wait: Optional[int] = MonitoringWait,
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Deploy a registered version as a canary, undeploy versions left at 0%, and monitor it (its own objective)."""
    from lifecycle import actions

    config, _, where = _model_target(config_dir, team, model, target)
    model_card = _checked_card(card, config, where.env) if card else None
    _act(
        output,
        lambda: actions.deploy(
            config, where, team, model, version, traffic, model_card, channel, keep or (), monitoring_wait
        ),
    )


@with_target_options
def promote(
    team: str = TeamOpt,
    model: str = ModelOpt,
    version: str = typer.Option(..., "--version", "-v", help="Registry version id or alias."),
    keep: Optional[list[str]] = KeepDeployed,
    monitoring_wait: Optional[int] = MonitoringWait,
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Make a version the champion: 100% of the endpoint's traffic and the `champion` alias."""
    from lifecycle import actions

    config, _, where = _model_target(config_dir, team, model, target)
    _act(output, lambda: actions.promote(config, where, team, model, version, keep or (), monitoring_wait))


@with_target_options
def rollback(
    team: str = TeamOpt,
    model: str = ModelOpt,
    to: Optional[str] = typer.Option(None, "--to", help="Version to return to (default: previous-champion)."),
    keep: Optional[list[str]] = KeepDeployed,
    monitoring_wait: Optional[int] = MonitoringWait,
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Put the previous champion back on 100% of the traffic and give it the `champion` alias."""
    from lifecycle import actions

    config, _, where = _model_target(config_dir, team, model, target)
    _act(output, lambda: actions.rollback(config, where, team, model, to, keep or (), monitoring_wait))


@with_target_options
def status(
    team: str = TeamOpt,
    model: Optional[str] = typer.Option(None, "--model", "-m", help="One model (default: every model)."),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """What is deployed where: versions, traffic, aliases and monitoring objectives (read-only, no audit event)."""
    from google.api_core.exceptions import GoogleAPICallError

    from lifecycle import status as lifecycle_status
    from lifecycle.context import LifecycleError

    config, _, where = _model_target(config_dir, team, model, target)
    try:
        view = lifecycle_status.read(config, where, team, model)
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except GoogleAPICallError as exc:
        _error(exc, "Google Cloud refused the request: ")
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.json or where.dry_run:
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
