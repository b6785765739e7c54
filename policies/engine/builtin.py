"""checkov's built-in Google checks: which ones do not apply to this design, and why.

Every built-in check runs unless it is listed here with its reason; docs/policies.md shows this
list. Nothing is disabled silently, and a suppression (with approver and expiry) is the tool for
a single exception; this list is only for checks whose premise does not hold for the platform.
"""
from __future__ import annotations

from policies.rulebase import RuleInfo

DISABLED_BUILTIN_CHECKS: dict[str, str] = {
    # No entries yet: every built-in check that fires on the example today is a real gap.
}

BUILTIN_SEVERITY = "MEDIUM"
BUILTIN_CAPABILITY = "governance: checkov built-in baseline"


def builtin_info(check_id: str, title: str) -> RuleInfo:
    """Metadata for a checkov built-in check seen in a run (checkov OSS offline has no severities)."""
    return RuleInfo(
        id=check_id, title=title, why="checkov built-in Google Cloud check.", capability=BUILTIN_CAPABILITY,
        fix=f"See https://www.checkov.io (search {check_id}); or suppress with a reason, approver and expiry.",
        severity=BUILTIN_SEVERITY, kind="builtin",
    )
