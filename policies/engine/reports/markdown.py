"""A markdown summary for the pull-request comment, grouped by team."""

from __future__ import annotations

from itertools import groupby

from policies.engine.gate import GateResult

MAX_ROWS_PER_TEAM = 50


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(result: GateResult) -> str:
    failed, suppressed = result.failed, result.suppressed
    verdict = "passed" if not failed else "failed"
    lines = [
        f"## ModelOps governance gate: {verdict}",
        "",
        f"{len(failed)} finding(s) to fix, {len(suppressed)} suppressed, {len(result.passed)} checks passed "
        f"over {len(result.stacks)} stack(s).",
        "",
    ]
    for owner, grouped in groupby(failed, key=lambda f: f.owner):
        group = list(grouped)
        lines += [
            f"### {owner} ({len(group)})",
            "",
            "| rule | severity | where | resource | problem | fix |",
            "|---|---|---|---|---|---|",
        ]
        for f in group[:MAX_ROWS_PER_TEAM]:
            lines.append(
                f"| `{f.rule}` | {f.severity} | `{f.file}:{f.line}` | `{_cell(f.construct_path)}` "
                f"| {_cell(f.message)} | {_cell(f.fix)} |"
            )
        if len(group) > MAX_ROWS_PER_TEAM:
            lines.append(f"| | | | | … and {len(group) - MAX_ROWS_PER_TEAM} more (see findings.json) | |")
        lines.append("")
    if result.used:
        lines += [
            "### Suppressions in use",
            "",
            "| owner | rule | resource | uses | approved by | expires | reason |",
            "|---|---|---|---|---|---|---|",
        ]
        for o, n in result.used:
            s = o.suppression
            lines.append(
                f"| {o.owner} | `{s.rule}` | `{_cell(s.resource)}` | {n} | {s.approved_by} | {s.expires} | {_cell(s.reason)} |"
            )
        lines.append("")
    if result.unused:
        lines += ["### Unused suppressions (remove them)", ""]
        lines += [
            f"- `{o.suppression.rule}` on `{o.suppression.resource}` ({o.suppression.source.file}:{o.suppression.source.line})"
            for o in result.unused
        ]
        lines.append("")
    return "\n".join(lines)
