"""Options and argument checks shared by several commands, defined once.

``resolve_team`` / ``resolve_teams`` / ``selection`` turn --team/--env values into config objects or
exit 2 naming every unknown value; ``with_target_options`` gives a command the one set of options that
say where a lifecycle action goes (environment, project, region, audit project, dry run, emulator).
"""

from __future__ import annotations

import datetime
import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from config.errors import EXIT_BAD_INPUT
from config.loader import load_config
from config.model import Config, Team
from config.selection import Selection

# MODELOPS_CONFIG_DIR lets a repository that keeps its config elsewhere (or a test session) set it once.
ConfigDir = typer.Option(
    Path("infra"),
    "--config-dir",
    "-c",
    envvar="MODELOPS_CONFIG_DIR",
    help="Directory with platform.yaml and teams/.",
    file_okay=False,
)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


Output = typer.Option(OutputFormat.text, "--output", "-o", help="text for people, json for machines.")
Today = typer.Option(None, "--today", help="Judge suppression expiry as of this date, YYYY-MM-DD (default: today).")
Teams = typer.Option(None, "--team", "-t", help="Only this team (repeatable).")
Envs = typer.Option(None, "--env", "-e", help="Only this environment (repeatable).")


def bad_input(lines: list[str]) -> None:
    """Bad input: one plain line per problem on stderr (greppable, never wrapped), exit 2."""
    for line in lines:
        sys.stderr.write(line + "\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def as_of(value: str | None) -> datetime.date:
    """--today as a date (bad input when it is not one)."""
    if value is None:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        bad_input([f"--today {value}: not a date (YYYY-MM-DD)"])
        raise  # unreachable: bad_input exits


def load_checked(config_dir: Path, today: datetime.date) -> Config:
    """The config with every config-level rule applied, suppressions judged against the rule catalogue and
    ``today``: `modelops validate` and `modelops check` call this one function, so they give one answer."""
    from policies.engine import registry

    return load_config(config_dir, rule_ids=registry.suppressible_ids(), today=today)


def unknown_teams(config: Config, names: Iterable[str]) -> list[str]:
    known = [t.name for t in config.teams]
    return [f"--team {n}: no such team (known: {', '.join(known)})" for n in names if n not in known]


def unknown_envs(config: Config, names: Iterable[str]) -> list[str]:
    known = list(config.platform.environments)
    return [f"--env {n}: no such environment (known: {', '.join(known)})" for n in names if n not in known]


def resolve_teams(config: Config, names: Iterable[str] | None) -> tuple[Team, ...]:
    """The named teams (all when none are named); every unknown name is reported, then exit 2."""
    names = list(names or ())
    problems = unknown_teams(config, names)
    if problems:
        bad_input(problems)
    return tuple(config.team(n) for n in names) if names else config.teams


def resolve_team(config: Config, name: str) -> Team:
    (team,) = resolve_teams(config, [name])
    return team


def selection(config: Config, teams: Iterable[str] | None, envs: Iterable[str] | None) -> Selection:
    """--team/--env checked against the config (unknown values are bad input) as a stack Selection."""
    problems = unknown_teams(config, teams or ()) + unknown_envs(config, envs or ())
    if problems:
        bad_input(problems)
    return Selection.of(teams or (), envs or ())


# --- where a lifecycle action goes --------------------------------------------------------------


@dataclass(frozen=True)
class TargetOptions:
    env: Optional[str] = None
    project: Optional[str] = None
    region: Optional[str] = None
    audit_project: Optional[str] = None
    dry_run: Optional[bool] = None
    emulator: Optional[str] = None


_TARGET_OPTIONS = {
    "env": typer.Option(None, "--env", "-e", help="Environment (default: the first in platform.yaml)."),
    "project": typer.Option(None, "--project", help="Override the team's project for --env."),
    "region": typer.Option(None, "--region", help="Override the platform region."),
    "audit_project": typer.Option(
        None,
        "--audit-project",
        hidden=True,
        help="Tests only: the audit event's project with a loopback --emulator. Otherwise the event always goes to "
        "the platform project of --env, where only lifecycle identities may write it.",
    ),
    "dry_run": typer.Option(
        None,
        "--dry-run/--no-dry-run",
        help="Print the requests and the audit event instead of "
        "sending them (default: dry run unless Google credentials are configured).",
    ),
    "emulator": typer.Option(
        None, "--emulator", hidden=True, help="Send every API call to a loopback emulator (tests, local development)."
    ),
}


def with_target_options(command: Callable) -> Callable:
    """Give ``command`` the target options once: its ``target: TargetOptions`` parameter is replaced by
    --env, --project, --region, --audit-project, --dry-run/--no-dry-run and --emulator, collected back into
    a ``TargetOptions`` when the command runs."""
    sig = inspect.signature(command)
    if "target" not in sig.parameters:
        raise TypeError(f"{command.__name__} has no `target: TargetOptions` parameter")
    params = [p for p in sig.parameters.values() if p.name != "target"]
    params += [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=option,
            annotation=Optional[bool] if name == "dry_run" else Optional[str],
        )
        for name, option in _TARGET_OPTIONS.items()
    ]

    @functools.wraps(command)
    def run(*args, **kwargs):
        target = TargetOptions(**{name: kwargs.pop(name) for name in _TARGET_OPTIONS})
        return command(*args, target=target, **kwargs)

    run.__signature__ = sig.replace(parameters=sorted(params, key=lambda p: p.kind))  # type: ignore[attr-defined]
    return run
