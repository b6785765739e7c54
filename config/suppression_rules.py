"""What makes a suppression acceptable, apart from its shape (the schema) and its approver (config.loader).

One implementation for every command: `modelops validate` and `modelops check` load the config with the rule
catalogue and a date (config.loader.load_config(..., rule_ids=..., today=...)), and the policy gate applies the
same rules to a typed config (policies.engine.suppressions.validate).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

from config.model import NOT_A_DATE, Suppression

MAX_DAYS = 180  # an exception is re-approved at least twice a year
MIN_REASON = 20


def problems(s: Suppression, rule_ids: Collection[str] | None, today: datetime.date | None) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with ``s``; rule ids and expiry are judged only when given."""
    out = []
    if rule_ids is not None and s.rule not in rule_ids:
        out.append(
            (
                "rule",
                f"unknown rule '{s.rule}'; expected an MLOPS rule or a Google Cloud check of the pinned checkov "
                "(docs/policies.md)",
            )
        )
    if len(s.reason.strip()) < MIN_REASON:
        out.append(("reason", f"must explain the exception in at least {MIN_REASON} characters"))
    expires = s.expiry
    if expires is None:
        out.append(("expires", NOT_A_DATE.format(s.expires)))
    elif today is not None and expires < today:
        out.append(("expires", f"expired on {expires.isoformat()}; renew it (with a new approval) or fix the finding"))
    elif today is not None and expires > today + datetime.timedelta(days=MAX_DAYS):
        latest = (today + datetime.timedelta(days=MAX_DAYS)).isoformat()
        out.append(("expires", f"{expires.isoformat()} is more than {MAX_DAYS} days ahead (latest allowed: {latest})"))
    return out
