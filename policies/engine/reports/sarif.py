"""SARIF 2.1.0 with locations in the YAML files, so code scanning annotates the line to change."""

from __future__ import annotations

import json

from policies.engine.gate import GateResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note"}


def render(result: GateResult) -> str:
    used_rules = sorted({f.rule for f in result.findings})
    rules = []
    for rule_id in used_rules:
        info = result.rules[rule_id]
        rules.append(
            {
                "id": rule_id,
                "name": rule_id,
                "shortDescription": {"text": info.title},
                "fullDescription": {"text": info.why},
                "help": {"text": info.fix, "markdown": f"**Fix:** {info.fix}"},
                "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning")},
                "properties": {"capability": info.capability, "severity": info.severity, "kind": info.kind},
            }
        )
    index = {r: i for i, r in enumerate(used_rules)}
    results = []
    for f in result.findings:
        entry = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f"{f.title}: {f.message} ({f.stack}: {f.construct_path})"},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": f.file}, "region": {"startLine": max(f.line, 1)}},
                    "logicalLocations": [{"fullyQualifiedName": f"{f.stack}/{f.address}", "kind": "resource"}],
                }
            ],
            "partialFingerprints": {"modelops/v1": f"{f.rule}:{f.stack}:{f.address}"},
            "properties": {"stack": f.stack, "address": f.address, "construct_path": f.construct_path},
        }
        if f.suppressed_by is not None:
            s = f.suppressed_by
            entry["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"{s.reason} (approved by {s.approved_by}, expires {s.expires})",
                }
            ]
        results.append(entry)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "modelops-check", "informationUri": "https://www.checkov.io", "rules": rules}
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
