"""The console report: one rich table per team, then suppressions and a one-line verdict."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table

from policies.engine.gate import GateResult

STYLES = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan"}


def render(result: GateResult, console: Console) -> None:
    for owner, grouped in groupby(result.failed, key=lambda f: f.owner):
        group = list(grouped)
        table = Table(title=f"{owner}: {len(group)} finding(s)", title_justify="left", show_lines=False)
        for column in ("rule", "severity", "where", "stack", "resource", "problem"):
            table.add_column(column, overflow="fold")
        for f in group:
            table.add_row(
                f.rule,
                f"[{STYLES.get(f.severity, '')}]{f.severity}[/]",
                f"{f.file}:{f.line}",
                f.stack,
                f.construct_path.split("/", 1)[-1],
                f.message,
            )
        console.print(table)
    if result.used:
        table = Table(title="suppressions in use", title_justify="left")
        for column in ("owner", "rule", "resource", "uses", "approved by", "expires"):
            table.add_column(column)
        for o, n in result.used:
            s = o.suppression
            table.add_row(o.owner, s.rule, s.resource, str(n), s.approved_by, s.expires)
        console.print(table)
    for o in result.unused:
        console.print(
            f"[yellow]unused suppression[/] {o.suppression.source.file}:{o.suppression.source.line}: "
            f"{o.suppression.rule} on {o.suppression.resource}",
            highlight=False,
        )
    verdict = "[green]passed[/]" if not result.failed else "[red]failed[/]"
    console.print(
        f"governance gate {verdict}: {len(result.failed)} finding(s), {len(result.suppressed)} suppressed, "
        f"{len(result.passed)} checks passed over {len(result.stacks)} stack(s)",
        highlight=False,
    )
