"""`modelops`: one entry point; exit 0 success, 1 policy findings, 2 bad input.

Each command group lives in scripts/commands/<group>.py and exposes ``register(app)``;
adding a command is one module and one line in COMMAND_MODULES.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from config.errors import ConfigInvalid
from scripts.console import EXIT_BAD_INPUT, print_config_errors
from stacks.node_runtime import prefer_venv_node

COMMAND_MODULES = (
    "scripts.commands.config",
    "scripts.commands.check",
    "scripts.commands.onboarding",
    "scripts.commands.lifecycle",
    "scripts.commands.docs",
)

app = typer.Typer(
    name="modelops",
    help="ModelOps Platform: validate team config, synthesize stacks, gate PRs, manage model lifecycle.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def main() -> None:
    prefer_venv_node()  # before any command imports the bindings: that starts jsii's Node
    try:
        code = app(standalone_mode=False)  # returns the exit code of typer.Exit instead of raising
    except ConfigInvalid as exc:
        print_config_errors(exc.errors)
        sys.exit(EXIT_BAD_INPUT)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click usage errors (typer vendors click)
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("MODELOPS_DEBUG"):
            raise
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n(set MODELOPS_DEBUG=1 for the traceback)\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
