"""Tables of the access catalogue and of each team's entitlements and standing grants (docs/access.md, team pages),
from config/data/access_catalogue.yaml and the team files."""

from __future__ import annotations

from collections.abc import Sequence

from config import access_catalogue
from config.access_rules import approver_address, eligible_members
from config.model import Config, Team


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["(none)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def catalogue_lines() -> list[str]:
    sources = access_catalogue.raw()["sources"]
    rows = []
    for e in access_catalogue.catalogue().values():
        roles = "; ".join(
            f"`{b.role}`" + (" on the team dataset only (IAM condition)" if b.condition else "") for b in e.roles
        )
        rows.append(
            (
                f"`{e.key}`",
                e.title,
                e.risk,
                "required" if e.approval_required else "optional",
                e.max_duration,
                e.standing_cap if e.standing_cap_days else "never",
                ", ".join(f"`{k}`" for k in e.eligible),
                roles,
            )
        )
    lines = _table(
        ("Entry", "What", "Risk", "Approval", "Max request", "Max standing", "Eligible by default", "Roles"), rows
    )
    lines += ["", "Sources: " + ", ".join(sorted(set(sources.values())))]
    return lines


def team_lines(config: Config, team: Team) -> list[str]:
    approvers = {k: approver_address(k, team, config.platform) or "(unset)" for k in ("business_owner", "data_owners")}
    rows = [
        (
            f"`{e.entitlement}`",
            e.max_duration,
            ", ".join(f"`{m}`" for m in eligible_members(e, team)),
            ", ".join(f"{k} ({approvers[k]})" for k in e.approvers) or "none (approval-free)",
            f"`{e.source}`",
        )
        for e in team.access.entitlements
    ]
    grants = [
        (f"`{g.member}`", f"`{g.role}`", g.reason, g.ticket, g.granted, f"**{g.expires}**", approvers[g.approved_by])
        for g in team.access.grants
    ]
    return [
        "Request with `modelops access request --team "
        + team.name
        + ' --entitlement <entry> --duration 4h --justification "..."` (docs/access.md, "Just-in-time access").',
        "",
        *_table(("Entitlement", "Max duration", "Who may request", "Approvers", "Defined at"), rows),
        "",
        "Standing grants (one person; live from 00:00 UTC of `granted` until 00:00 UTC of `expires`, exclusive):",
        "",
        *_table(("Member", "Catalogue role", "Reason", "Ticket", "Granted", "Expires", "Approved by"), grants),
    ]
