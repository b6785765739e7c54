"""`modelops wait-namespaces`: between the platform stack and the team stacks of an apply, wait until the fleet has
made every team namespace (lifecycle/namespaces.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from config.loader import load_config
from lifecycle.context import credentials_for, is_loopback
from lifecycle.namespaces import CONTAINER_API, WaitError, wait_for_namespaces
from scripts.commands.options import ConfigDir, Output, OutputFormat, bad_input, unknown_envs
from scripts.console import out, print_json


def wait_namespaces(
    env: str = typer.Option(..., "--env", "-e", help="The environment whose team namespaces to wait for."),
    timeout: float = typer.Option(600.0, "--timeout", help="Give up after this many seconds (exit 1)."),
    interval: float = typer.Option(10.0, "--interval", help="Seconds between rounds of reads."),
    emulator: Optional[str] = typer.Option(
        None, "--emulator", help="A loopback server that answers both the Container and the Kubernetes API (tests)."
    ),
    config_dir: Path = ConfigDir,
    output: OutputFormat = Output,
) -> None:
    """Wait until every team namespace of --env exists with its Pod Security labels and CI may read it."""
    config = load_config(config_dir)
    problems = [f"--env {e}: no such environment" for e in unknown_envs(config, [env])]
    if timeout <= 0 or interval <= 0:
        problems.append("--timeout and --interval: positive numbers of seconds")
    if emulator and not is_loopback(emulator):
        problems.append(f"--emulator {emulator}: only a loopback address (127.0.0.1, localhost) is allowed")
    if problems:
        bad_input(problems)
    session = _session(emulator)
    try:
        result = wait_for_namespaces(
            session,
            config,
            env,
            timeout=timeout,
            interval=interval,
            container_api=emulator or CONTAINER_API,
            kubernetes_api=emulator,
        )
    except WaitError as exc:
        raise SystemExit(f"error: {exc}") from None
    if output is OutputFormat.json:
        print_json(result.as_dict())
    else:
        for state in result.namespaces:
            out.print(f"{state.namespace}: {state.last}")
        verdict = "ready" if result.ready else f"NOT ready after {result.seconds:.0f} s"
        out.print(f"{len(result.namespaces)} namespace(s) of {env} on {result.endpoint}: {verdict}")
    if not result.ready:
        raise typer.Exit(1)


def _session(emulator: str | None):
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(credentials_for(local=bool(emulator)))


def register(app: typer.Typer) -> None:
    app.command("wait-namespaces")(wait_namespaces)
