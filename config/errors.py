"""Config errors that name file, line, field and what is expected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

# Bad input (config, options, cards) exits 2 everywhere: the CLI, the cdktn app, pre-commit hooks.
EXIT_BAD_INPUT = 2


@dataclass(frozen=True, order=True)
class ConfigError:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


class ConfigInvalid(Exception):
    """Raised with every problem found, never just the first."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = sorted(set(errors), key=lambda e: (e.file, e.line or 0, e.path, e.message))
        super().__init__(f"{len(self.errors)} problem(s) in config")


def write_errors(errors: Iterable[ConfigError], stderr: TextIO, stdout: TextIO, *, annotations: bool = False) -> None:
    """One `file:line: path: message` line per problem on ``stderr`` and a count; with ``annotations``
    (inside GitHub Actions) also an `::error` workflow command per problem on ``stdout``."""
    errors = list(errors)
    for e in errors:
        stderr.write(f"{e}\n")
        if annotations:
            line = f",line={e.line}" if e.line else ""
            stdout.write(f"::error file={e.file}{line}::{e.path + ': ' if e.path else ''}{e.message}\n")
    stderr.write(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found\n")
