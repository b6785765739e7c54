"""Shared CLI output: rich for people, plain lines for errors (greppable, CI-annotatable), JSON for machines."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable

from rich.console import Console

from stacks.errors import ConfigError

out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def print_config_errors(errors: Iterable[ConfigError]) -> None:
    """One `file:line: path: message` line per problem, plus GitHub annotations inside Actions."""
    errors = list(errors)
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    for e in errors:
        sys.stderr.write(f"{e}\n")
        if in_actions:
            line = f",line={e.line}" if e.line else ""
            sys.stdout.write(f"::error file={e.file}{line}::{e.path + ': ' if e.path else ''}{e.message}\n")
    sys.stderr.write(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found\n")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
