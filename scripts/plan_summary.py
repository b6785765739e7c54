"""Summarise per-stack `cdktn diff` logs into the pull-request comment of the deploy workflow.

`python -m scripts.plan_summary DIR` reads `DIR/<stack>.log` (the diff output) and `DIR/<stack>.exit`
(its exit code) for every stack the PR plans and prints markdown: one row per stack with what
Terraform would add, change and destroy, destroys called out, failed plans first.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

# Terraform's plan summary line ("Plan: 3 to add, 1 to change, 0 to destroy.") and its no-op message.
PLAN_LINE = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy")
NO_CHANGES = "No changes."
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class StackPlan:
    stack: str
    exit_code: int
    add: int = 0
    change: int = 0
    destroy: int = 0
    no_changes: bool = False
    error: str = ""

    @property
    def status(self) -> str:
        if self.exit_code != 0:
            return f"plan failed: {self.error or 'see the job log'}"
        if self.no_changes:
            return "no changes"
        text = f"{self.add} to add, {self.change} to change, {self.destroy} to destroy"
        return f"**{text}** (destroys!)" if self.destroy else text


def read_plan(log: Path) -> StackPlan:
    text = ANSI.sub("", log.read_text(errors="replace"))
    exit_file = log.with_suffix(".exit")
    exit_code = int(exit_file.read_text().strip() or "1") if exit_file.exists() else 1
    if (match := PLAN_LINE.search(text)) is not None:
        add, change, destroy = (int(n) for n in match.groups())
        return StackPlan(log.stem, exit_code, add, change, destroy)
    error = next((line.strip() for line in text.splitlines() if "Error" in line), "")
    return StackPlan(log.stem, exit_code, no_changes=NO_CHANGES in text, error=error[:200])


def render(plans: list[StackPlan]) -> str:
    plans = sorted(plans, key=lambda p: (p.exit_code == 0, -p.destroy, p.stack))
    lines = ["## Terraform plan per affected stack", "", "| stack | plan |", "|---|---|"]
    lines += [f"| `{p.stack}` | {p.status} |" for p in plans]
    if not plans:
        lines += ["| (none) | no stack is affected by this change |"]
    lines += ["", "Applied on merge: `dev` first, then `prod` after approval (GitHub environment `prod`)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        sys.stderr.write("usage: python -m scripts.plan_summary DIR (with <stack>.log and <stack>.exit files)\n")
        return 2
    plans = [read_plan(log) for log in sorted(Path(argv[0]).glob("*.log"))]
    sys.stdout.write(render(plans))
    return 1 if any(p.exit_code for p in plans) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
