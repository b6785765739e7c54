"""Suppressions from the YAML, applied in our code (checkov ignores inline skips in cdk.tf.json).

A suppression names a rule and a resource (address ``type.name``, construct path, or a glob over
either), and carries a reason (>= 20 characters), an approver email and an expiry date. The schema
checks the shape; here: the rule must exist, the expiry must not have passed and may be at most
MAX_DAYS ahead. A team's suppressions apply only to that team's stacks; platform.yaml's to
platform stacks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from config import suppression_rules
from config.errors import ConfigError
from config.model import Config, Suppression
from config.suppression_rules import MAX_DAYS, MIN_REASON
from policies.engine.findings import Finding

__all__ = ["MAX_DAYS", "MIN_REASON", "Owned", "apply", "matches", "owned", "validate"]


@dataclass(frozen=True)
class Owned:
    suppression: Suppression
    owner: str  # team name or "platform"
    index: int

    @property
    def label(self) -> str:
        return f"{self.owner}: {self.suppression.rule} on {self.suppression.resource}"


def owned(config: Config) -> list[Owned]:
    out = [Owned(s, "platform", i) for i, s in enumerate(config.platform.suppressions)]
    for team in config.teams:
        out += [Owned(s, team.name, i) for i, s in enumerate(team.suppressions)]
    return out


def validate(config: Config, known_rules: Iterable[str], today: datetime.date) -> list[ConfigError]:
    """Every suppression that is expired, too long-lived, for an unknown rule or badly formed: the rules
    config.suppression_rules states once, which `modelops validate` runs while loading the config."""
    known = set(known_rules)
    return [
        ConfigError(
            str(o.suppression.source.file), o.suppression.source.line, f"suppressions[{o.index}].{field}", message
        )
        for o in owned(config)
        for field, message in suppression_rules.problems(o.suppression, known, today)
    ]


def matches(s: Suppression, finding: Finding) -> bool:
    if s.rule != finding.rule:
        return False
    relative = finding.construct_path.split("/", 1)[-1]
    return any(fnmatchcase(candidate, s.resource) for candidate in (finding.address, finding.construct_path, relative))


def apply(
    findings: list[Finding], config: Config, scanned_owners: set[str]
) -> tuple[list[Finding], list[tuple[Owned, int]], list[Owned]]:
    """Mark suppressed findings; return (findings, [(suppression, uses)], unused suppressions).

    Only suppressions of owners that were scanned can be judged unused (a --team check does not
    see other teams' stacks).
    """
    entries = owned(config)
    uses = {id(o): 0 for o in entries}
    out = []
    for finding in findings:
        match = next((o for o in entries if o.owner == finding.owner and matches(o.suppression, finding)), None)
        if match is not None:
            uses[id(match)] += 1
            finding = replace(finding, suppressed_by=match.suppression)
        out.append(finding)
    used = [(o, uses[id(o)]) for o in entries if uses[id(o)]]
    unused = [o for o in entries if not uses[id(o)] and o.owner in scanned_owners]
    return out, used, unused
