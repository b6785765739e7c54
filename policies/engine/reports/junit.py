"""JUnit XML: one test suite per stack, one test case per rule and resource."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from policies.engine.gate import GateResult


def render(result: GateResult) -> str:
    cases: dict[str, list[ET.Element]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = defaultdict(int)
    for p in result.passed:
        cases[p.stack].append(ET.Element("testcase", name=f"{p.rule} {p.address}", classname=p.stack))
    for f in result.findings:
        case = ET.Element("testcase", name=f"{f.rule} {f.address}", classname=f.stack)
        if f.suppressed_by is not None:
            ET.SubElement(case, "skipped", message=f"suppressed: {f.suppressed_by.reason}")
            skipped[f.stack] += 1
        else:
            failure = ET.SubElement(case, "failure", message=f"{f.title}: {f.message}", type=f.severity)
            failure.text = f"{f.file}:{f.line}\n{f.construct_path}\nfix: {f.fix}"
            failures[f.stack] += 1
        cases[f.stack].append(case)
    root = ET.Element("testsuites", name="modelops check")
    for stack in sorted(cases):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=stack,
            tests=str(len(cases[stack])),
            failures=str(failures[stack]),
            skipped=str(skipped[stack]),
            errors="0",
        )
        suite.extend(cases[stack])
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
