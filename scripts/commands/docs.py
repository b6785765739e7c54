"""`modelops docs [--check]`: every generated document (team pages, access, architecture, policies, runbooks,
monitoring column contract and metric catalogue, stack inventories), written or checked."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from scripts.commands.options import ConfigDir, Output, OutputFormat, bad_input
from scripts.console import EXIT_FINDINGS, err, out, print_json


def docs(
    config_dir: Path = ConfigDir,
    check: bool = typer.Option(False, "--check", help="Do not write; exit 1 when anything is stale."),
    only: Optional[list[str]] = typer.Option(
        None,
        "--only",
        help="Only this generator (repeatable): inventories, "
        "teams, access, architecture, policies, runbooks, monitoring.",
    ),
    synth_dir: Optional[Path] = typer.Option(
        None, "--synth-dir", help="Use an existing cdktf.out instead of synthesizing.", file_okay=False
    ),
    docs_dir: Optional[Path] = typer.Option(
        None, "--docs-dir", help="Where the docs are (default: docs/ of this checkout).", file_okay=False
    ),
    output: OutputFormat = Output,
) -> None:
    """Generate every document that is derived from code and config; `--check` exits 1 when one is stale."""
    from config.loader import load_config
    from scripts.docs import GENERATORS, REPO, DocsRun, generate

    unknown = sorted(set(only or ()) - set(GENERATORS))
    if unknown:
        bad_input([f"--only {', '.join(unknown)}: no such generator (known: {', '.join(GENERATORS)})"])
    run = DocsRun(load_config(config_dir), synth_dir=synth_dir, docs_dir=docs_dir)
    with err.status("generating docs...") as status:
        changed = generate(
            run, check=check, only=tuple(only or ()), progress=lambda name: status.update(f"generating docs: {name}...")
        )

    def shown(paths: list) -> list[str]:
        return [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p) for p in paths]

    # after a write, a changed file that no longer exists was a page whose subject is gone
    written, removed = shown([p for p in changed if p.exists()]), shown([p for p in changed if not p.exists()])
    if output is OutputFormat.json:
        print_json(
            {"check": check, "stale": shown(changed)}
            if check
            else {"check": check, "written": written, "removed": removed}
        )
    elif check:
        for path in shown(changed):
            out.print(f"stale: {path}", highlight=False)
        out.print("run: modelops docs" if changed else "docs up to date", highlight=False)
    else:
        out.print(f"{len(written)} file(s) written" + "".join(f"\n  {p}" for p in written), highlight=False)
        if removed:
            out.print(f"{len(removed)} file(s) removed" + "".join(f"\n  {p}" for p in removed), highlight=False)
    if check and changed:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command()(docs)
