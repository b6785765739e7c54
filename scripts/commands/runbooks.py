"""`modelops runbooks [--check]`: write docs/runbooks/*.md from the runbook catalog, or check they are current."""
from __future__ import annotations

from pathlib import Path

import typer

from scripts.commands.options import Output, OutputFormat
from scripts.console import EXIT_FINDINGS, out, print_json

REPO = Path(__file__).resolve().parents[2]


def runbooks(check: bool = typer.Option(False, "--check", help="Only report stale files; exit 1 if any."),
             output: OutputFormat = Output) -> None:
    """Generate one runbook per alert kind (every alert policy links to its page) and the generated parts of docs/monitoring.md."""
    from modules.monitoring import runbooks as catalog

    changed = catalog.stale_files(REPO) if check else catalog.write(REPO)
    changed += _monitoring_contract(check)
    if output is OutputFormat.json:
        print_json({"check": check, "stale" if check else "written": changed})
    elif check and changed:
        for path in changed:
            out.print(f"stale: {path} (run `modelops runbooks`)", highlight=False)
    else:
        out.print(f"{len(changed)} runbook file(s) {'stale' if check else 'written'}", highlight=False)
    if check and changed:
        raise typer.Exit(EXIT_FINDINGS)


def _monitoring_contract(check: bool) -> list[str]:
    """The generated sections of docs/monitoring.md: the column contract (from the table specs in
    modules/metadata_tables.py) and the metric catalogue (from metric_catalogue/catalogue.yaml)."""
    from metric_catalogue.markdown import with_catalogue
    from modules.quality.tables import with_contract

    doc = REPO / "docs" / "monitoring.md"
    current = doc.read_text()
    wanted = with_catalogue(with_contract(current))
    if wanted == current:
        return []
    if not check:
        doc.write_text(wanted)
    return ["docs/monitoring.md"]


def register(app: typer.Typer) -> None:
    app.command("runbooks")(runbooks)
