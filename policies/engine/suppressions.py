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

from config.errors import ConfigError
from config.model import NOT_A_DATE, Config, Suppression
from policies.engine.findings import Finding

MAX_DAYS = 180
MIN_REASON = 20


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
    """Every suppression that is expired, too long-lived, for an unknown rule or badly formed."""
    known = set(known_rules)
    errors = []
    for o in owned(config):
        s = o.suppression
        where = str(s.source.file)

        def error(field: str, message: str, where: str = where, s: Suppression = s, o: Owned = o) -> None:
            errors.append(ConfigError(where, s.source.line, f"suppressions[{o.index}].{field}", message))

        if s.rule not in known and not s.rule.startswith("CKV"):
            error("rule", f"unknown rule '{s.rule}'; see docs/policies.md for rule ids")
        if len(s.reason.strip()) < MIN_REASON:
            error("reason", f"must explain the exception in at least {MIN_REASON} characters")
        if "@" not in s.approved_by:
            error("approved_by", "must be the approver's email address")
        expires = s.expiry
        if expires is None:
            error("expires", NOT_A_DATE.format(s.expires))
            continue
        if expires < today:
            error("expires", f"expired on {expires.isoformat()}; renew it (with a new approval) or fix the finding")
        elif expires > today + datetime.timedelta(days=MAX_DAYS):
            error(
                "expires",
                f"{expires.isoformat()} is more than {MAX_DAYS} days ahead "
                f"(latest allowed: {(today + datetime.timedelta(days=MAX_DAYS)).isoformat()})",
            )
    return errors


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
