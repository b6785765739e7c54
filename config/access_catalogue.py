"""The access catalogue (config/data/access_catalogue.yaml): which roles a person may obtain outside the standing
groups, for how long, and who must approve; Google's PAM limits beside it, with citations.

Read by the loader (team files pick entries), the team stack (one PAM entitlement per pick), the gate and the
access CLI. Without the provider bindings, so every layer may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "access_catalogue.yaml"
DURATION = re.compile(r"^([0-9]+)([mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int | None:
    """`30m`, `4h`, `7d` -> seconds; None when the text is not such a duration."""
    match = DURATION.match(str(text))
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)] if match else None


@dataclass(frozen=True)
class RoleBinding:
    role: str  # roles/... or custom:<id> (modules/team_iam.py CUSTOM_ROLES)
    condition: str | None  # a key of the catalogue's `conditions`
    source: str


@dataclass(frozen=True)
class CatalogueEntry:
    key: str
    title: str
    why: str
    risk: str
    approval_required: bool
    max_duration: str
    standing_cap: str
    eligible: tuple[str, ...]  # team group kinds (config.model.GroupKind values)
    roles: tuple[RoleBinding, ...]

    @property
    def max_seconds(self) -> int:
        return duration_seconds(self.max_duration) or 0

    @property
    def standing_cap_days(self) -> int:
        return (duration_seconds(self.standing_cap) or 0) // 86400


@cache
def raw() -> dict[str, Any]:
    return yaml.safe_load(CATALOGUE_FILE.read_text())


@cache
def catalogue() -> dict[str, CatalogueEntry]:
    out = {}
    for key, e in raw()["entitlements"].items():
        out[key] = CatalogueEntry(
            key=key,
            title=e["title"],
            why=e["why"],
            risk=e["risk"],
            approval_required=e["approval"] == "required",
            max_duration=e["max_duration"],
            standing_cap=e["standing_cap"],
            eligible=tuple(e["eligible"]),
            roles=tuple(RoleBinding(r["role"], r.get("condition"), r["source"]) for r in e["roles"]),
        )
    return out


def limits() -> dict[str, Any]:
    return dict(raw()["limits"])


def entitlement_id(key: str) -> str:
    """The PAM entitlement id of a catalogue entry in a team project (unique per project)."""
    return f"modelops-{key}"


def condition(binding: RoleBinding, *, project: str, dataset: str) -> str | None:
    """The IAM condition expression of a binding in one team project, or None."""
    if binding.condition is None:
        return None
    return " ".join(raw()["conditions"][binding.condition].split()).format(project=project, dataset=dataset)


def window_condition(granted: str, expires: str) -> str:
    """The time window of a standing grant: access starts when its `granted` day begins and ends when its
    `expires` day begins (00:00 UTC, exclusive). The start bound keeps the live window within the standing cap
    the loader measures from `granted` to `expires`: without it a future `granted` date would give access from
    the apply on, for longer than the cap."""
    return f'request.time >= timestamp("{granted}T00:00:00Z") && request.time < timestamp("{expires}T00:00:00Z")'


def window_title(expires: str) -> str:
    """The IAM condition title: says plainly that the expiry day itself is no longer covered."""
    return f"until {expires} 00:00 UTC (exclusive)"


def standing_condition(binding: RoleBinding, *, granted: str, expires: str, project: str, dataset: str) -> str:
    """The whole IAM condition expression of one binding of a standing grant in one team project: its time window
    and, where the catalogue narrows the binding, that narrowing in parentheses (CEL's `&&` binds tighter than
    `||`, so the parentheses keep an alternative inside the narrowing from escaping the expiry). The team stack
    writes exactly this and MLOPS_IAM_4 accepts exactly this."""
    window = window_condition(granted, expires)
    narrowed = condition(binding, project=project, dataset=dataset)
    return window if narrowed is None else f"{window} && ({narrowed})"


def standing_id(email: str, key: str, role: str) -> str:
    """The construct id of one binding of a standing grant (modules/access.py), also the path MLOPS_IAM_8 names:
    from the person, the catalogue key and the role (as modules/team_iam.py short_role spells it), never a
    position."""
    short = role.rsplit("/", 1)[-1].replace(".", "-").replace(":", "-")
    return f"standing-{email.replace('@', '-at-').replace('.', '-')}-{key}-{short}"
