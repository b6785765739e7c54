"""The console report: each finding as a short block (where, what, the fix), readable in an 80-column CI log.

A table with six columns breaks into one-word cells at 80 columns; a block per finding wraps its prose
instead, indented under a first line that keeps the rule, severity and `file:line` together.
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from policies.engine.findings import Finding
from policies.engine.gate import GateResult

STYLES = {"CRITICAL": "bold red", "HIGH": "red", "MEDIUM": "yellow", "LOW": "cyan"}
INDENT = 4


def _block(f: Finding) -> list[Text]:
    head = Text()
    head.append(f.rule, style="bold")
    head.append(" ")
    head.append(f.severity, style=STYLES.get(f.severity, ""))
    head.append(f"  {f.file}:{f.line}")
    return [
        head,
        Text(f"{f.stack}: {f.construct_path.split('/', 1)[-1]}", style="dim"),
        Text(f.message),
        Text(f"fix: {f.fix}", style="green"),
    ]


def render(result: GateResult, console: Console) -> None:
    for owner, grouped in groupby(result.failed, key=lambda f: f.owner):
        group = list(grouped)
        console.print(Text(f"{owner}: {len(group)} finding(s)", style="bold underline"))
        for f in group:
            first, *rest = _block(f)
            console.print(Padding(first, (0, 0, 0, 2)))
            for line in rest:
                console.print(Padding(line, (0, 0, 0, INDENT)))
        console.print()
    if result.used:
        console.print(Text("suppressions in use", style="bold underline"))
        for o, n in result.used:
            s = o.suppression
            console.print(Padding(Text(f"{o.owner}: {s.rule} on {s.resource}"), (0, 0, 0, 2)))
            console.print(
                Padding(Text(f"{n} use(s), approved by {s.approved_by}, expires {s.expires}"), (0, 0, 0, INDENT))
            )
        console.print()
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
