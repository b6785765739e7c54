"""findings.json: the machine-readable report (schema in docs/policies.md)."""

from __future__ import annotations

import json

from policies.engine.gate import GateResult

SCHEMA_VERSION = 1


def document(result: GateResult) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "stacks": result.stacks,
        "summary": {
            "failed": len(result.failed),
            "suppressed": len(result.suppressed),
            "passed": len(result.passed),
            "exit_code": result.exit_code,
        },
        "findings": [f.as_dict() for f in result.findings],
        "suppressions": {
            "used": [
                {
                    "owner": o.owner,
                    "rule": o.suppression.rule,
                    "resource": o.suppression.resource,
                    "uses": n,
                    "expires": o.suppression.expires,
                    "approved_by": o.suppression.approved_by,
                    "file": str(o.suppression.source.file),
                    "line": o.suppression.source.line,
                }
                for o, n in result.used
            ],
            "unused": [
                {
                    "owner": o.owner,
                    "rule": o.suppression.rule,
                    "resource": o.suppression.resource,
                    "file": str(o.suppression.source.file),
                    "line": o.suppression.source.line,
                }
                for o in result.unused
            ],
        },
    }


def render(result: GateResult) -> str:
    return json.dumps(document(result), indent=2, sort_keys=True) + "\n"
