"""A finding: one rule failing on one resource (or missing resource), located in the YAML to change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.model import Suppression


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    capability: str
    kind: str
    stack: str
    team: str | None
    env: str | None
    address: str
    construct_path: str
    file: str
    line: int
    message: str
    fix: str
    suppressed_by: Suppression | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None

    @property
    def owner(self) -> str:
        return self.team or "platform"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "capability": self.capability,
            "kind": self.kind,
            "stack": self.stack,
            "team": self.team,
            "env": self.env,
            "address": self.address,
            "construct_path": self.construct_path,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
            "status": "suppressed" if self.suppressed else "failed",
            "suppression": None,
        }
        if self.suppressed_by is not None:
            s = self.suppressed_by
            out["suppression"] = {
                "reason": s.reason,
                "approved_by": s.approved_by,
                "expires": s.expires,
                "resource": s.resource,
                "file": str(s.source.file),
                "line": s.source.line,
            }
        return out


@dataclass(frozen=True)
class Passed:
    """A rule that held on one resource or subject (JUnit test cases, pass counts)."""

    rule: str
    stack: str
    address: str
