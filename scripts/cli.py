"""`modelops`: one entry point; exit 0 success, 1 policy findings, 2 bad input.

Each command group lives in scripts/commands/<group>.py and exposes ``register(app)``;
adding a command is one module and one line in COMMAND_MODULES.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import typer
import typer.main
from typer._click import Command, Context
from typer._click.exceptions import ClickException

from config.errors import ConfigInvalid
from scripts.console import EXIT_BAD_INPUT, Recorder, failure_document, print_config_errors, print_json, wants_json
from stacks.node_runtime import prefer_venv_node

COMMAND_MODULES = (
    "scripts.commands.config",
    "scripts.commands.check",
    "scripts.commands.onboarding",
    "scripts.commands.lifecycle",
    "scripts.commands.docs",
    "scripts.commands.listing",
    "scripts.commands.access",
    "scripts.commands.report",
    "scripts.commands.cluster",
)

app = typer.Typer(
    name="modelops",
    help="ModelOps Platform: validate team config, synthesize stacks, gate PRs, manage model lifecycle.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def version() -> str:
    try:
        return metadata.version("modelops-platform")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"modelops {version()}\n")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
    ),
) -> None:
    """ModelOps Platform: validate team config, synthesize stacks, gate PRs, manage model lifecycle."""


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(app)


# What an option's value is, in help text (instead of the parameter's Python type).
METAVARS = {
    "--audit-project": "PROJECT",
    "--base-synth-dir": "DIR",
    "--business-owner": "EMAIL",
    "--card": "FILE",
    "--changed-from": "REF",
    "--config-dir": "DIR",
    "--display-name": "TEXT",
    "--docs-dir": "DIR",
    "--emulator": "URL",
    "--groups-domain": "DOMAIN",
    "--keep-deployed": "VERSION",
    "--notification-channel": "CHANNEL",
    "--only": "GENERATOR",
    "--removed-since": "REF",
    "--report-dir": "DIR",
    "--synth-dir": "DIR",
    "--to": "VERSION",
    "--today": "YYYY-MM-DD",
    "--traffic": "PERCENT",
}


def tidy_help(command: Command) -> Command:
    """Help that says what a value is (TEAM, DIR, text|json), not its Python type (`<list[str]>`, `<bool>`)."""
    for param in command.params:
        choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif choices:
            param.metavar = "|".join(str(getattr(c, "value", c)) for c in choices)
        elif param.param_type_name == "option":
            long = next((o for o in param.opts if o.startswith("--")), param.opts[0])
            param.metavar = METAVARS.get(long, long.lstrip("-").upper())
        else:  # an argument: its name says what it is; no type column
            param.metavar = (param.name or "value").upper()
            setattr(param, "display_type_rich", lambda ctx: None)  # noqa: B010 (typer types it on its subclasses only)
    help_option = command.get_help_option(Context(command))  # created once and cached by the command
    if help_option is not None:
        help_option.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    return command


def main(argv: Sequence[str] | None = None) -> None:
    prefer_venv_node()  # before any command imports the bindings: that starts jsii's Node
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = wants_json(args)
    stdout, stderr = sys.stdout, sys.stderr
    recorded_out, recorded_err = Recorder(stdout), Recorder(stderr)
    if as_json:  # remember what a failing command says, to answer in JSON (imports may wrap these further)
        sys.stdout, sys.stderr = recorded_out, recorded_err
    try:
        code, problems = _run(args)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    if as_json and code != 0 and not recorded_out.text.strip():
        print_json(failure_document(code, problems, recorded_err.text))
    sys.exit(code)


def _run(args: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """Run the command line: the exit code, and the problems when they are known as more than stderr lines."""
    try:
        code = tidy_help(typer.main.get_command(app)).main(args=args, prog_name="modelops", standalone_mode=False)
    except ConfigInvalid as exc:
        print_config_errors(exc.errors)
        return EXIT_BAD_INPUT, [e.as_dict() for e in exc.errors]
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("aborted\n")
        return 130, []
    except typer.Exit as exc:
        return exc.exit_code, []
    except ClickException as exc:  # usage errors: unknown option, bad value, missing argument
        exc.show()
        return exc.exit_code, [{"file": None, "line": None, "path": "", "message": exc.format_message()}]
    except SystemExit as exc:
        return (exc.code if isinstance(exc.code, int) else 1), []
    except Exception as exc:
        if os.environ.get("MODELOPS_DEBUG"):
            raise
        sys.stderr.write(f"error: {type(exc).__name__}: {exc}\n(set MODELOPS_DEBUG=1 for the traceback)\n")
        return 1, [{"file": None, "line": None, "path": "", "message": f"{type(exc).__name__}: {exc}"}]
    return (code if isinstance(code, int) else 0), []


if __name__ == "__main__":
    main()
