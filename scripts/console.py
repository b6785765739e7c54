"""Shared CLI output: rich for people, plain lines for errors (greppable, CI-annotatable), JSON for machines."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console

from config.errors import EXIT_BAD_INPUT, ConfigError, write_errors

out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS = 0, 1
__all__ = ["EXIT_BAD_INPUT", "EXIT_FINDINGS", "EXIT_OK", "err", "out", "print_config_errors", "print_json"]


def print_config_errors(errors: Iterable[ConfigError]) -> None:
    """One `file:line: path: message` line per problem, plus GitHub annotations inside Actions."""
    write_errors(errors, sys.stderr, sys.stdout, annotations=os.environ.get("GITHUB_ACTIONS") == "true")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
