"""Options shared by several commands, defined once."""
from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

ConfigDir = typer.Option(Path("infra"), "--config-dir", "-c", help="Directory with platform.yaml and teams/.",
                         file_okay=False)


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


Output = typer.Option(OutputFormat.text, "--output", "-o", help="text for people, json for machines.")
Teams = typer.Option(None, "--team", "-t", help="Only this team (repeatable).")
Envs = typer.Option(None, "--env", "-e", help="Only this environment (repeatable).")
