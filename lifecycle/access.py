"""Just-in-time access through Privileged Access Manager: request, list, approve, deny and revoke grants on the
entitlements the team stacks create (modules/access.py), with the official client over REST, and one
`modelops-audit` event per action (lifecycle/audit.py).

A dry run (no credentials, the default like the lifecycle commands) sends nothing: it returns the request it
would send and the audit event. PAM itself enforces who may approve (never the requester), that a grant stays
within the entitlement's maximum duration and which state each method accepts (config/data/access_catalogue.yaml
sources); the CLI checks what it can before sending so a person gets the answer at once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from config import access_catalogue
from config.model import Team
from lifecycle.context import LifecycleError, Target

ACTIONS = ("request", "list", "approve", "deny", "revoke")

# `modelops access list --view`: which grants, and through which PAM method. SearchGrants returns the grants the
# caller is related to and needs no IAM permission (its REST page has no IAM Permissions section; pam_rpc in the
# catalogue's sources, https://cloud.google.com/iam/docs/reference/pam/rest/v1/projects.locations.entitlements.grants/search),
# so requesters and approvers can list; ListGrants (`all`) needs privilegedaccessmanager.grants.list on the
# project, which only the team admins hold (custom role modelopsGrantRevoker). Relationship values:
# SearchGrantsRequest.CallerRelationshipType (HAD_CREATED, CAN_APPROVE, HAD_APPROVED).
VIEWS: dict[str, str | None] = {
    "mine": "HAD_CREATED",  # the grants I requested
    "to-approve": "CAN_APPROVE",  # the grants I can approve or deny now
    "decided": "HAD_APPROVED",  # the grants I approved or denied
    "all": None,  # every grant of the entitlement (ListGrants: team admins)
}


@dataclass(frozen=True)
class AccessTarget:
    target: Target
    team: Team
    entitlement: str  # catalogue key

    @property
    def parent(self) -> str:
        location = access_catalogue.limits()["location"]
        return f"projects/{self.target.project}/locations/{location}/entitlements/" + access_catalogue.entitlement_id(
            self.entitlement
        )


def checked(team: Team, entitlement: str, duration: str | None) -> int | None:
    """The requested seconds after the team file's limits; LifecycleError (exit 2) otherwise."""
    offered = {e.entitlement: e for e in team.access.entitlements}
    if entitlement not in offered:
        raise LifecycleError(
            f"team {team.name} offers no entitlement '{entitlement}' (access.entitlements in {team.source.file}: "
            f"{', '.join(offered) or 'none'})"
        )
    if duration is None:
        return None
    seconds = access_catalogue.duration_seconds(duration)
    if not seconds:
        raise LifecycleError(f"--duration {duration}: expected a duration like 30m, 4h or 3d")
    cap = access_catalogue.duration_seconds(offered[entitlement].max_duration) or 0
    if seconds > cap:
        raise LifecycleError(
            f"--duration {duration} exceeds the maximum of {entitlement} for team {team.name} "
            f"({offered[entitlement].max_duration}); PAM refuses a longer grant"
        )
    return seconds


def checked_input(
    at: AccessTarget, action: str, *, grant: str | None, text: str | None, approver_justification: bool
) -> list[str]:
    """What PAM would refuse, found before anything is sent (dry run or not), all at once: a blank justification
    (requester_justification_config.unstructured: "The requester has to provide a justification"), a blank
    reason when the entitlement requires approvers to justify (ManualApprovals.require_approver_justification),
    a grant of another entitlement."""
    problems = []
    if action == "request" and not (text or "").strip():
        problems.append("--justification must not be blank: every entitlement requires one (PAM refuses the request)")
    if action in ("approve", "deny") and approver_justification and not (text or "").strip():
        problems.append(
            f"--reason is required to {action}: the entitlement {at.entitlement} requires approvers to justify "
            "their decision (require_approver_justification)"
        )
    if action in ("approve", "deny", "revoke") and (grant is None or not grant.startswith(at.parent + "/grants/")):
        problems.append(f"--grant must name a grant of {at.parent} (got {grant})")
    return problems


def client(target: Target, creds: Any) -> Any:
    from google.api_core.client_options import ClientOptions
    from google.cloud import privilegedaccessmanager_v1

    options = ClientOptions(api_endpoint=target.api_endpoint) if target.api_endpoint else None
    return privilegedaccessmanager_v1.PrivilegedAccessManagerClient(
        credentials=creds, transport="rest", client_options=options
    )


def grant_dict(grant: Any) -> dict[str, Any]:
    from google.cloud import privilegedaccessmanager_v1

    raw = privilegedaccessmanager_v1.Grant.to_dict(grant, preserving_proto_field_name=False)
    return {
        "name": raw.get("name"),
        "requester": raw.get("requester"),
        "state": privilegedaccessmanager_v1.Grant.State(grant.state).name,
        "requestedDuration": f"{int(grant.requested_duration.total_seconds())}s" if grant.requested_duration else None,
        "justification": (raw.get("justification") or {}).get("unstructuredJustification"),
    }


def planned_request(
    at: AccessTarget, action: str, grant: str | None, seconds: int | None, text: str | None, view: str = "all"
) -> dict:
    """The REST request an action sends (what a dry run prints), per the PAM REST reference (pam_rpc)."""
    base = "https://privilegedaccessmanager.googleapis.com/v1/"
    if action == "request":
        body = {"requestedDuration": f"{seconds}s", "justification": {"unstructuredJustification": text}}
        return {"method": "POST", "url": f"{base}{at.parent}/grants", "body": body}
    if action == "list":
        relationship = VIEWS[view]
        if relationship is None:
            return {"method": "GET", "url": f"{base}{at.parent}/grants"}
        return {"method": "GET", "url": f"{base}{at.parent}/grants:search?callerRelationship={relationship}"}
    body = {"reason": text} if text else {}
    return {"method": "POST", "url": f"{base}{grant}:{action}", "body": body}


def run(
    at: AccessTarget,
    action: str,
    *,
    creds: Any,
    grant: str | None,
    seconds: int | None,
    text: str | None,
    view: str = "all",
) -> Any:
    """Perform ``action`` against PAM; returns the grant(s) as dicts."""
    from google.cloud import privilegedaccessmanager_v1 as pam
    from google.protobuf import duration_pb2

    api = client(at.target, creds)
    if action == "request":
        made = api.create_grant(
            parent=at.parent,
            grant=pam.Grant(
                requested_duration=duration_pb2.Duration(seconds=seconds),
                justification=pam.Justification(unstructured_justification=text),
            ),
        )
        return grant_dict(made)
    if action == "list":
        relationship = VIEWS[view]
        if relationship is None:
            return [grant_dict(g) for g in api.list_grants(request=pam.ListGrantsRequest(parent=at.parent))]
        search = pam.SearchGrantsRequest(
            parent=at.parent, caller_relationship=getattr(pam.SearchGrantsRequest.CallerRelationshipType, relationship)
        )
        return [grant_dict(g) for g in api.search_grants(request=search)]
    if grant is None or not grant.startswith(at.parent + "/grants/"):
        raise LifecycleError(f"--grant must name a grant of {at.parent} (got {grant})")
    if action == "approve":
        return grant_dict(api.approve_grant(request=pam.ApproveGrantRequest(name=grant, reason=text or "")))
    if action == "deny":
        return grant_dict(api.deny_grant(request=pam.DenyGrantRequest(name=grant, reason=text or "")))
    if action == "revoke":
        operation = api.revoke_grant(request=pam.RevokeGrantRequest(name=grant, reason=text or ""))
        return grant_dict(operation.result(timeout=60))
    raise LifecycleError(f"unknown action {action}")


def event(at: AccessTarget, action: str, *, caller: dict, request: dict, result: Any, outcome: str, error: str | None):
    """The `modelops-audit` event of an access action (same envelope as lifecycle/audit.py's)."""
    target = at.target
    return {
        "schema_version": 2,
        "event": f"access_{action}",
        "action": f"access_{action}",
        "outcome": outcome,
        "error": error,
        "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "team": at.team.name,
        "model": None,
        "entitlement": at.entitlement,
        "env": target.env,
        "project": target.project,
        "region": target.region,
        "dry_run": target.dry_run,
        "caller": dict(caller),
        "card": None,
        "request": request,
        "result": result,
        "steps": [],
    }
