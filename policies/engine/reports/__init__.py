"""Report writers: console table (rich), findings.json, SARIF 2.1.0, JUnit XML, PR markdown."""

from __future__ import annotations

from pathlib import Path

from policies.engine.gate import GateResult
from policies.engine.reports import json_report, junit, markdown, sarif

FILES = {
    "findings.json": json_report.render,
    "findings.sarif": sarif.render,
    "junit.xml": junit.render,
    "summary.md": markdown.render,
}


def write_all(result: GateResult, report_dir: Path) -> list[Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in FILES.items():
        path = report_dir / name
        path.write_text(render(result))
        written.append(path)
    return written
