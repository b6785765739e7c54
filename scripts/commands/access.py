"""`modelops access request | list | approve | deny | revoke`: just-in-time access through Privileged Access Manager.

Like the lifecycle commands: a dry run by default without credentials (prints the request and the audit event,
sends nothing), --output json, every action (list included: who looked at whose grants) writes the
`modelops-audit` event. Exit codes: 0 done; 2 bad input (unknown team or entitlement, a duration over the
team's maximum, a grant of another entitlement); 1 PAM refused (not eligible, not an approver, wrong state).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from config.loader import load_config
from scripts.commands.lifecycle import _error, _target
from scripts.commands.options import (
    ConfigDir,
    Output,
    OutputFormat,
    TargetOptions,
    resolve_team,
    with_target_options,
)
from scripts.console import EXIT_BAD_INPUT, EXIT_FINDINGS, err, out, print_json

access_app = typer.Typer(
    help="Request, approve, deny, revoke and list just-in-time access (Privileged Access Manager)."
)
TeamOpt = typer.Option(..., "--team", "-t", help="Team name (infra/teams/<team>.yaml).")
EntitlementOpt = typer.Option(..., "--entitlement", help="A catalogue entry the team offers (access.entitlements).")
GrantOpt = typer.Option(..., "--grant", help="The grant's full name (from `modelops access list`).")
ReasonOpt = typer.Option(None, "--reason", help="Why (required when the entitlement asks approvers to justify).")


def _run(
    config_dir: Path,
    team_name: str,
    entitlement: str,
    action: str,
    options: TargetOptions,
    output: OutputFormat,
    *,
    grant: str | None = None,
    duration: str | None = None,
    text: str | None = None,
    view: str = "all",
) -> None:
    from google.api_core.exceptions import GoogleAPICallError

    from lifecycle import access, audit
    from lifecycle.context import LifecycleError, caller, credentials

    config = load_config(config_dir)
    team = resolve_team(config, team_name)
    target = _target(config, team, options)
    try:
        seconds = access.checked(team, entitlement, duration)
    except LifecycleError as exc:
        _error(exc)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    at = access.AccessTarget(target, team, entitlement)
    offered = next(e for e in team.access.entitlements if e.entitlement == entitlement)
    problems = access.checked_input(at, action, grant=grant, text=text, approver_justification=bool(offered.approvers))
    if problems:
        for problem in problems:
            err.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    request = access.planned_request(at, action, grant, seconds, text, view)
    if target.dry_run:
        event = access.event(at, action, caller=caller(), request=request, result=None, outcome="planned", error=None)
        print_json({"action": f"access {action}", "dry_run": True, "request": request, "audit_event": event})
        if output is OutputFormat.text:
            err.print("dry run: nothing was sent (pass --no-dry-run with Google credentials to act)", markup=False)
        return
    creds = credentials(target)
    who = caller(creds)
    result: Any = None
    failure: BaseException | None = None
    try:
        result = access.run(at, action, creds=creds, grant=grant, seconds=seconds, text=text, view=view)
    except (GoogleAPICallError, LifecycleError) as exc:
        failure = exc
    event = access.event(
        at,
        action,
        caller=who,
        request=request,
        result=result,
        outcome="failed" if failure else "succeeded",
        error=str(failure) if failure else None,
    )
    audit.write(event, target, creds)
    if isinstance(failure, LifecycleError):
        _error(failure)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if failure is not None:
        _error(failure, "Privileged Access Manager refused the request: ")
        raise typer.Exit(EXIT_FINDINGS) from None
    if output is OutputFormat.json:
        print_json(
            {"action": f"access {action}", "dry_run": False, "result": result, "audit_log": audit.log_path(target)}
        )
        return
    rows = result if isinstance(result, list) else [result]
    out.print(f"access {action}: done ({len(rows)} grant(s))", highlight=False)
    for row in rows:
        out.print(f"  {row['name']}  {row['state']}  {row['requester']}  {row['requestedDuration']}", highlight=False)
    out.print(f"  audit event written to {audit.log_path(target)}", highlight=False)


@with_target_options
def request(
    team: str = TeamOpt,
    entitlement: str = EntitlementOpt,
    duration: str = typer.Option(..., "--duration", help="How long: 30m, 4h, 3d (at most the entitlement's maximum)."),
    justification: str = typer.Option(..., "--justification", help="Why you need it (PAM requires it)."),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """Ask PAM for a grant of one of the team's entitlements."""
    _run(config_dir, team, entitlement, "request", target, output, duration=duration, text=justification)


class ListView(str, Enum):
    """lifecycle/access.py VIEWS: mine, to-approve and decided use SearchGrants (no IAM permission needed); all
    uses ListGrants (privilegedaccessmanager.grants.list: the team admins)."""

    mine = "mine"
    to_approve = "to-approve"
    decided = "decided"
    all = "all"


@with_target_options
def list_grants(
    team: str = TeamOpt,
    entitlement: str = EntitlementOpt,
    view: ListView = typer.Option(
        ListView.mine,
        "--view",
        help="mine: grants you requested; to-approve: grants you can approve or deny now; decided: grants you "
        "approved or denied; all: every grant (team admins only, needs privilegedaccessmanager.grants.list).",
    ),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
    target: TargetOptions = TargetOptions(),
) -> None:
    """List grants of one of the team's entitlements (state, requester, duration)."""
    _run(config_dir, team, entitlement, "list", target, output, view=view.value)


def _decision(action: str):
    @with_target_options
    def decide(
        team: str = TeamOpt,
        entitlement: str = EntitlementOpt,
        grant: str = GrantOpt,
        reason: Optional[str] = ReasonOpt,
        config_dir: Path = ConfigDir,
        output: OutputFormat = Output,
        target: TargetOptions = TargetOptions(),
    ) -> None:
        _run(config_dir, team, entitlement, action, target, output, grant=grant, text=reason)

    decide.__doc__ = {
        "approve": "Approve a grant awaiting approval (approvers only; never your own).",
        "deny": "Deny a grant awaiting approval (approvers only).",
        "revoke": "End an active grant now.",
    }[action]
    return decide


def register(app: typer.Typer) -> None:
    access_app.command("request")(request)
    access_app.command("list")(list_grants)
    for action in ("approve", "deny", "revoke"):
        access_app.command(action)(_decision(action))
    app.add_typer(access_app, name="access")
