"""`access:` of a team file: typed construction and the rules a schema cannot express.

Each rule is grounded in the access catalogue (config/data/access_catalogue.yaml) and the PAM limits it cites:
a duration within the catalogue's cap; an approver for restricted entries; approvers from the team's business
owner or the platform's data owners only; an approver who is also eligible needs a second approver (PAM never
lets a requester approve their own grant, and a step without enough distinct approvers blocks forever); a standing
grant for one person no longer than the catalogue's standing cap, approved by someone other than that person.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from config.access_catalogue import catalogue, duration_seconds, limits
from config.errors import ConfigError
from config.model import Access, Entitlement, GroupKind, Platform, Source, StandingGrant, Team

APPROVER_KINDS = ("business_owner", "data_owners")

Src = Callable[..., Source]
Err = Callable[[tuple[Any, ...], str], ConfigError]


def access(raw: dict[str, Any] | None, src: Src) -> Access:
    """The typed `access:` block (input already schema-valid); catalogue defaults fill what the file leaves out."""
    raw = raw or {}
    entries = catalogue()
    entitlements = []
    for i, e in enumerate(raw.get("entitlements") or []):
        entry = entries.get(e["entitlement"])
        entitlements.append(
            Entitlement(
                entitlement=e["entitlement"],
                max_duration=e.get("max_duration", entry.max_duration if entry else "1h"),
                eligible=tuple(e.get("eligible", entry.eligible if entry else ())),
                approvers=tuple(e.get("approvers", ("business_owner",) if entry and entry.approval_required else ())),
                source=src("access", "entitlements", i),
            )
        )
    grants = tuple(
        StandingGrant(**{k: str(v) for k, v in g.items()}, source=src("access", "grants", i))
        for i, g in enumerate(raw.get("grants") or [])
    )
    return Access(tuple(entitlements), grants)


def approver_address(kind: str, team: Team, platform: Platform | None) -> str | None:
    """`business_owner` -> the team's owner; `data_owners` -> the platform's group (None when unset)."""
    if kind == "business_owner":
        return team.business_owner
    return platform.data_owners if platform is not None else None


def approver_member(kind: str, team: Team, platform: Platform | None) -> str | None:
    address = approver_address(kind, team, platform)
    if address is None:
        return None
    return f"user:{address}" if kind == "business_owner" else f"group:{address}"


def eligible_members(entitlement: Entitlement, team: Team) -> tuple[str, ...]:
    out = []
    for entry in entitlement.eligible:
        if entry.startswith("user:"):
            out.append(entry)
        elif (address := team.groups.get(GroupKind(entry))) is not None:
            out.append(f"group:{address}")
    return tuple(out)


def _lower(member: str | None) -> str | None:
    return member.lower() if member is not None else None


def problems(team: Team, platform: Platform | None, err: Err) -> list[ConfigError]:
    return _entitlement_problems(team, platform, err) + _grant_problems(team, platform, err)


def _entitlement_problems(team: Team, platform: Platform | None, err: Err) -> list[ConfigError]:
    entries = catalogue()
    errors: list[ConfigError] = []
    seen: set[str] = set()
    for i, e in enumerate(team.access.entitlements):
        at: tuple[Any, ...] = ("access", "entitlements", i)
        entry = entries.get(e.entitlement)
        if entry is None:
            errors.append(
                err(
                    (*at, "entitlement"),
                    f"unknown entitlement '{e.entitlement}'; the catalogue has: {', '.join(sorted(entries))}",
                )
            )
            continue
        if e.entitlement in seen:
            errors.append(err((*at, "entitlement"), f"entitlement '{e.entitlement}' is declared twice"))
        seen.add(e.entitlement)
        seconds = duration_seconds(e.max_duration)
        if seconds is None or seconds == 0:
            errors.append(err((*at, "max_duration"), f"'{e.max_duration}' is not a duration like 30m, 4h or 7d"))
        elif seconds > entry.max_seconds:
            errors.append(
                err(
                    (*at, "max_duration"),
                    f"{e.max_duration} exceeds the catalogue's cap for {e.entitlement} ({entry.max_duration})",
                )
            )
        for kind in e.eligible:
            if not kind.startswith("user:") and team.groups.get(GroupKind(kind)) is None:
                errors.append(
                    err((*at, "eligible"), f"groups.{kind} is not set in this team file; it cannot be eligible")
                )
        if len(e.eligible) > limits()["requesting_principals"]:
            errors.append(
                err((*at, "eligible"), f"PAM takes at most {limits()['requesting_principals']} requesting principals")
            )
        if entry.approval_required and not e.approvers:
            errors.append(
                err(
                    (*at,),
                    f"{e.entitlement} is {entry.risk}: it needs approvers (business_owner or data_owners); "
                    "low-risk entries only may be approval-free",
                )
            )
        approvers = {k: _lower(approver_member(k, team, platform)) for k in e.approvers}
        for member in approvers.values():
            if member is None and platform is not None:  # no platform: its own errors are reported
                errors.append(
                    err((*at, "approvers"), "data_owners is not set in platform.yaml; name business_owner or set it")
                )
        eligible = {m.lower() for m in eligible_members(e, team)}
        overlap = [k for k, m in approvers.items() if m is not None and m in eligible]
        distinct = {m for m in approvers.values() if m is not None}
        if overlap and len(distinct) < 2:
            errors.append(
                err(
                    (*at, "approvers"),
                    f"{overlap[0]} is also eligible to request {e.entitlement}; PAM never lets a requester approve "
                    "their own grant, so add a second approver (business_owner or data_owners)",
                )
            )
    return errors


def _grant_problems(team: Team, platform: Platform | None, err: Err) -> list[ConfigError]:
    entries = catalogue()
    errors: list[ConfigError] = []
    seen: set[tuple[str, str]] = set()
    for i, g in enumerate(team.access.grants):
        at: tuple[Any, ...] = ("access", "grants", i)
        entry = entries.get(g.role)
        if entry is None:
            errors.append(
                err((*at, "role"), f"unknown role '{g.role}'; the catalogue has: {', '.join(sorted(entries))}")
            )
            continue
        if (g.member.lower(), g.role) in seen:
            errors.append(err((*at,), f"{g.member} already has a standing {g.role} grant in this file"))
        seen.add((g.member.lower(), g.role))
        dates = {}
        for field in ("granted", "expires"):
            try:
                dates[field] = datetime.date.fromisoformat(getattr(g, field))
            except ValueError:
                errors.append(err((*at, field), f"'{getattr(g, field)}' is not a calendar date (YYYY-MM-DD)"))
        if len(dates) == 2:
            days = (dates["expires"] - dates["granted"]).days
            if days <= 0:
                errors.append(err((*at, "expires"), "must be after `granted`"))
            elif days > entry.standing_cap_days:
                cap = (
                    f"{g.role} is never granted standing; request it through PAM (modelops access request)"
                    if entry.standing_cap_days == 0
                    else f"{days} days exceeds the catalogue's standing cap for {g.role} ({entry.standing_cap})"
                )
                errors.append(err((*at, "expires"), cap))
        approver = approver_address(g.approved_by, team, platform)
        if approver is None and platform is None:
            pass  # platform.yaml did not load: its own errors are reported
        elif approver is None:
            errors.append(
                err((*at, "approved_by"), "data_owners is not set in platform.yaml; name business_owner or set it")
            )
        elif approver.lower() == g.email.lower():
            errors.append(err((*at, "approved_by"), f"{g.member} cannot approve their own access"))
    return errors
