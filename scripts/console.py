"""Shared CLI output: rich for people, plain lines for errors (greppable, CI-annotatable), JSON for machines.

With `--output json` every command prints one JSON document on stdout, also when it fails: `main()` turns
whatever a failed command reported (config problems, bad options, errors) into
``{"ok": false, "exit_code": N, "problems": [{"file", "line", "path", "message"}, ...]}`` when the command
itself printed nothing on stdout. The plain lines still go to stderr for people reading CI logs.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from rich.console import Console

from config.errors import EXIT_BAD_INPUT, ConfigError, write_errors

out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS = 0, 1
__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FINDINGS",
    "EXIT_OK",
    "Recorder",
    "err",
    "failure_document",
    "out",
    "print_config_errors",
    "print_json",
    "wants_json",
]


def print_config_errors(errors: Iterable[ConfigError]) -> None:
    """One `file:line: path: message` line per problem, plus GitHub annotations inside Actions."""
    write_errors(errors, sys.stderr, sys.stdout, annotations=os.environ.get("GITHUB_ACTIONS") == "true")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def wants_json(argv: Sequence[str]) -> bool:
    """Whether the command line asks for `--output json` (read before parsing, so that a command that fails
    while its options are parsed still answers in JSON)."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg in ("--output=json", "-ojson"):
            return True
        if arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] == "json":
            return True
    return False


class Recorder:
    """A text stream that passes writes through and remembers them (what a failed command reported)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.written: list[str] = []

    def write(self, text: str | bytes) -> int:
        if isinstance(text, bytes):  # click writes bytes when it cannot find a binary buffer
            text = text.decode(errors="replace")
        self.written.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    @property
    def text(self) -> str:
        return "".join(self.written)


_LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): (?:(?P<path>[\w.\[\]-]+): )?(?P<message>.+)$")
_COUNT = re.compile(r"^\d+ problems? found$")


def _problem(line: str) -> dict[str, Any]:
    match = _LOCATED.match(line)
    if match:
        return {
            "file": match["file"],
            "line": int(match["line"]),
            "path": match["path"] or "",
            "message": match["message"],
        }
    # the console's "error: " marks the line for a reader; a JSON problem is an error by being in `problems`
    return {"file": None, "line": None, "path": "", "message": line.removeprefix("error: ")}


def failure_document(exit_code: int, problems: Iterable[dict[str, Any]] = (), stderr_text: str = "") -> dict[str, Any]:
    """The JSON a failed command answers with: its known problems (config errors with file and line), else
    its stderr lines."""
    problems = list(problems)
    if not problems:
        lines = [line.strip() for line in stderr_text.splitlines()]
        problems = [_problem(line) for line in lines if line and not _COUNT.match(line)]
    return {"ok": False, "exit_code": exit_code, "problems": problems}
