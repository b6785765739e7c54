"""`modelops teams | models`: what the config holds, for people and for scripts (`--output json`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from config.loader import load_config
from config.signals import thresholds
from scripts.commands.options import ConfigDir, Output, OutputFormat, Teams, resolve_teams
from scripts.console import out, print_json


def teams(config_dir: Path = ConfigDir, output: OutputFormat = Output) -> None:
    """List the teams: owner, data classification, environments and models."""
    config = load_config(config_dir)
    rows: list[dict[str, Any]] = [
        {
            "team": t.name,
            "display_name": t.display_name,
            "business_owner": t.business_owner,
            "data_classification": t.data_classification,
            "environments": list(t.environments),
            "models": [m.name for m in t.models],
            "file": str(t.source.file),
        }
        for t in config.teams
    ]
    if output is OutputFormat.json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} team(s)", title_justify="left")
    for column in ("team", "business owner", "classification", "environments", "models"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r["team"],
            r["business_owner"],
            r["data_classification"],
            ", ".join(r["environments"]),
            ", ".join(r["models"]) or "-",
        )
    out.print(table)


def models(config_dir: Path = ConfigDir, teams: Optional[list[str]] = Teams, output: OutputFormat = Output) -> None:
    """List the models: team, pattern, task, impact owner and every alert threshold."""
    config = load_config(config_dir)
    rows: list[dict[str, Any]] = [
        {
            "team": t.name,
            "model": m.name,
            "pattern": m.pattern,
            "task": m.task,
            "impact_owner": m.impact.owner,
            "thresholds": {th.field: th.value for th in thresholds(m)},
            "platform_defaults": [f"monitoring.{f}" for f in m.platform_defaults],
            "file": str(m.source.file),
            "line": m.source.line,
        }
        for t in resolve_teams(config, teams)
        for m in t.models
    ]
    if output is OutputFormat.json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} model(s)", title_justify="left")
    for column in ("team", "model", "pattern", "task", "defined at"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["team"], r["model"], r["pattern"], r["task"], f"{r['file']}:{r['line']}")
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(teams)
    app.command()(models)
