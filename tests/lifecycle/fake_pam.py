"""A local HTTP fake of the Privileged Access Manager REST calls `modelops access` makes, on top of FakeGcp (whose
Cloud Logging route keeps the audit events).

Entitlements are seeded from the synthesized google_privileged_access_manager_entitlement resources (so the fake
enforces what the stacks declare); the caller is ``fake.caller`` (anonymous credentials carry no identity).
Each behaviour cites its source in ``PAM_SOURCES``; tests/lifecycle/test_access_cli.py exercises each one.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from tests.lifecycle.fake_gcp import ApiError, FakeGcp, Request, _Handler

PAM_SOURCES = {
    "eligible": "pam-request-temporary-elevated-access: 'You can only request grants against entitlements that you "
    "have been added to.' (https://cloud.google.com/iam/docs/pam-request-temporary-elevated-access)",
    "duration": "Grant.requested_duration: 'This value should be less than the max_request_duration value of the "
    "entitlement'; Entitlement.max_request_duration: 'A requester can ask for a duration less than this, but never "
    "more' (google-cloud-privilegedaccessmanager types; the fake allows equal, refuses more).",
    "justification": "Entitlement.RequesterJustificationConfig.unstructured: 'The requester has to provide a "
    "justification in the form of free flowing text.'",
    "workflow": "Grant.State APPROVAL_AWAITED: 'The entitlement had an approval workflow configured and this grant "
    "is waiting for the workflow to complete'; SCHEDULED: 'approved result or none was configured'. The fake moves "
    "a granted request straight to ACTIVE (its clock has no activation delay).",
    "approve_state": "ApproveGrant: 'This method can only be called on a grant when it's in the APPROVAL_AWAITED "
    "state.' (https://cloud.google.com/iam/docs/reference/pam/rpc/google.cloud.privilegedaccessmanager.v1); "
    "DenyGrant likewise.",
    "approver": "pam-approve-deny-grants: 'You can't approve your own request'; only principals of the "
    "entitlement's approvers may approve or deny (ManualApprovals: 'users who are designated as approvers need to "
    "call the ApproveGrant/DenyGrant APIs'). The decision is recorded as the grant's timeline event "
    "(Grant.Timeline.Event.approved/denied, each with `actor`).",
    "one_open": "pam-request-temporary-elevated-access (https://docs.cloud.google.com/iam/docs/pam-request-temporary-"
    "elevated-access.md.txt): 'You can have up to 10 open grants for an entitlement at one time. These grants can be "
    "in the Active, Scheduled, or Approval awaited state.' and 'You can't request a grant with the same scope as an "
    "existing grant in the Active, Scheduled, or Approval awaited state.' The platform's entitlements have one scope "
    "(the team project), so the second rule leaves one open grant per requester and entitlement, below the first "
    "rule's 10: the fake applies the second.",
    "expiry": "pam-approve-deny-grants: 'If a request isn't approved or denied in 24 hours, the grant status is "
    "changed to expired'; Grant.State ENDED: 'System took back access as the requested duration was over'. The fake "
    "applies both against its clock (``fake.now``) whenever a grant is read.",
    "revoke": "RevokeGrant 'is used to immediately revoke access for a grant. This method can be called when the "
    "grant is in a non-terminal state.' (https://cloud.google.com/iam/docs/reference/pam/rest/v1/projects.locations."
    "entitlements.grants/revoke); terminal states per Grant.State: DENIED, ACTIVATION_FAILED, EXPIRED, REVOKED, "
    "ENDED, WITHDRAWN. Answers an Operation whose response is the Grant, state REVOKED.",
    "revoker": "pam-revoke-grants: 'principals with the privilegedaccessmanager.grants.revoke permission can revoke "
    "the grant' (the fake's ``revokers``: who holds it, e.g. the admins group through modelopsGrantRevoker).",
    "list_permission": "grants.list: 'Requires the following IAM permission on the parent resource: "
    "privilegedaccessmanager.grants.list' (https://cloud.google.com/iam/docs/reference/pam/rest/v1/projects."
    "locations.entitlements.grants/list); the fake's ``listers`` hold it (the admins group, modelopsGrantRevoker).",
    "search": "grants.search 'returns grants that are related to the calling user in the specified way'; "
    "callerRelationship is required; the page has no IAM Permissions section "
    "(https://cloud.google.com/iam/docs/reference/pam/rest/v1/projects.locations.entitlements.grants/search). "
    "CallerRelationshipType: HAD_CREATED 'The user created this grant by calling CreateGrant earlier', CAN_APPROVE "
    "'The user is an approver for the entitlement that this grant is parented under and can currently approve/deny "
    "it', HAD_APPROVED 'The caller had successfully approved/denied this grant earlier'.",
}
GRANT = "type.googleapis.com/google.cloud.privilegedaccessmanager.v1.Grant"
OPEN = {"APPROVAL_AWAITED", "SCHEDULED", "ACTIVATING", "ACTIVE"}
TERMINAL = {"DENIED", "ACTIVATION_FAILED", "EXPIRED", "REVOKED", "ENDED", "WITHDRAWN"}
# CallerRelationshipType numbers (the reference's enum values: HAD_CREATED 1, CAN_APPROVE 2, HAD_APPROVED 3); the
# Python client's REST transport asks for `$alt=json;enum-encoding=int` and sends enums as numbers.
RELATIONSHIP_NUMBERS = {"1": "HAD_CREATED", "2": "CAN_APPROVE", "3": "HAD_APPROVED"}
APPROVAL_WINDOW = datetime.timedelta(hours=24)  # source: expiry


def _seconds(text: str) -> float:
    return float(text.rstrip("s"))


def _stamp(at: datetime.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class FakePam(FakeGcp):
    def __init__(self) -> None:
        super().__init__()
        self.entitlements: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self.caller = "nobody@example.com"
        self.groups: dict[str, set[str]] = {}  # e-mail -> the groups the person is in (IAM's view, set by tests)
        self.revokers: set[str] = set()  # principals holding privilegedaccessmanager.grants.revoke
        self.listers: set[str] = set()  # principals holding privilegedaccessmanager.grants.list
        self.clock_offset = datetime.timedelta()  # tests move the fake's clock forward

    def now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC) + self.clock_offset

    def add_entitlement(self, conf: dict[str, Any]) -> str:
        """A synthesized google_privileged_access_manager_entitlement (cdk.tf.json) as PAM would hold it."""
        name = f"{conf['parent']}/locations/{conf['location']}/entitlements/{conf['entitlement_id']}"
        steps = ((conf.get("approval_workflow") or {}).get("manual_approvals") or {}).get("steps") or []
        self.entitlements[name] = {
            "eligible": set(conf["eligible_users"][0]["principals"]),
            "approvers": {p for s in steps for p in s["approvers"]["principals"]},
            "max": _seconds(conf["max_request_duration"]),
            "justification": "unstructured" in conf["requester_justification_config"],
        }
        return name

    def members(self) -> set[str]:
        """The caller as IAM principals: user:<email> and the groups ``fake.groups`` says they belong to."""
        return {f"user:{self.caller}", *(f"group:{g}" for g in self.groups.get(self.caller, ()))}

    def handle(self, req: Request) -> tuple[int, Any]:
        ent = r"projects/[^/]+/locations/[^/]+/entitlements/[^/:]+"
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("POST", rf"^/v1/({ent})/grants$", self._create),
            ("GET", rf"^/v1/({ent})/grants$", self._list),
            ("GET", rf"^/v1/({ent})/grants:search$", self._search),
            ("POST", rf"^/v1/({ent}/grants/[^/:]+):(approve|deny|revoke)$", self._act),
        ]
        for method, pattern, handler in routes:
            match = re.match(pattern, req.path)
            if match and method == req.method:
                self.requests.append(req)
                self._advance()
                try:
                    return 200, handler(req, *match.groups())
                except ApiError as exc:
                    return exc.code, {"error": {"code": exc.code, "status": exc.status, "message": exc.message}}
        return super().handle(req)

    def _advance(self) -> None:
        """Time-driven transitions (source: expiry): undecided requests expire, active grants end."""
        now = self.now()
        for g in self.grants.values():
            if g["state"] == "APPROVAL_AWAITED" and now >= g["_created"] + APPROVAL_WINDOW:
                self._event(g, "expired", {})
                g["state"] = "EXPIRED"
            elif g["state"] == "ACTIVE" and now >= g["_activated"] + datetime.timedelta(
                seconds=_seconds(g["requestedDuration"])
            ):
                self._event(g, "ended", {})
                g["state"] = "ENDED"

    def _event(self, grant: dict[str, Any], kind: str, detail: dict[str, Any]) -> None:
        grant["timeline"]["events"].append({kind: detail, "eventTime": _stamp(self.now())})
        grant["updateTime"] = _stamp(self.now())
        if kind == "activated":
            grant["_activated"] = self.now()

    @staticmethod
    def _public(grant: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in grant.items() if not k.startswith("_")}

    def _entitlement(self, name: str) -> dict[str, Any]:
        if name not in self.entitlements:
            raise ApiError(404, "NOT_FOUND", f"entitlement {name} not found")
        return self.entitlements[name]

    def _create(self, req: Request, parent: str) -> dict[str, Any]:
        e = self._entitlement(parent)
        if not self.members() & e["eligible"]:  # source: eligible
            raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} is not eligible for {parent}")
        body = req.body or {}
        if _seconds(body.get("requestedDuration", "0s")) > e["max"]:  # source: duration
            raise ApiError(400, "INVALID_ARGUMENT", "requestedDuration exceeds the entitlement's maxRequestDuration")
        text = (body.get("justification") or {}).get("unstructuredJustification")
        if e["justification"] and not text:  # source: justification
            raise ApiError(400, "INVALID_ARGUMENT", "a justification is required")
        mine = [
            g
            for g in self.grants.values()
            if g["name"].startswith(parent + "/") and g["requester"] == self.caller and g["state"] in OPEN
        ]
        if mine:  # source: one_open (same scope: every grant of these entitlements is on the team project)
            raise ApiError(409, "ALREADY_EXISTS", "an open grant with the same scope exists for this entitlement")
        name = f"{parent}/grants/{self._next_id()}"
        now = self.now()
        grant: dict[str, Any] = {
            "name": name,
            "requester": self.caller,
            "requestedDuration": body["requestedDuration"],
            "justification": {"unstructuredJustification": text} if text else {},
            "state": "APPROVAL_AWAITED",
            "createTime": _stamp(now),
            "updateTime": _stamp(now),
            "timeline": {"events": []},
            "_created": now,
        }
        self._event(grant, "requested", {"expireTime": _stamp(now + APPROVAL_WINDOW)})
        if not e["approvers"]:  # source: workflow
            self._event(grant, "activated", {})
            grant["state"] = "ACTIVE"
        self.grants[name] = grant
        return self._public(grant)

    def _of(self, parent: str) -> list[dict[str, Any]]:
        return [g for g in self.grants.values() if g["name"].startswith(parent + "/")]

    def _list(self, req: Request, parent: str) -> dict[str, Any]:
        self._entitlement(parent)
        if not self.members() & self.listers:  # source: list_permission
            raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} lacks privilegedaccessmanager.grants.list")
        return {"grants": [self._public(g) for g in self._of(parent)]}

    def _decided_by_caller(self, grant: dict[str, Any]) -> bool:
        return any(
            (ev.get("approved") or ev.get("denied") or {}).get("actor") == self.caller
            for ev in grant["timeline"]["events"]
        )

    def _search(self, req: Request, parent: str) -> dict[str, Any]:
        e = self._entitlement(parent)
        relationship = (req.query.get("callerRelationship") or [""])[0]  # source: search
        relationship = RELATIONSHIP_NUMBERS.get(relationship, relationship)  # the REST client sends the number
        tests = {
            "HAD_CREATED": lambda g: g["requester"] == self.caller,
            "CAN_APPROVE": lambda g: (
                g["state"] == "APPROVAL_AWAITED"
                and g["requester"] != self.caller
                and bool(self.members() & e["approvers"])
            ),
            "HAD_APPROVED": self._decided_by_caller,
        }
        if relationship not in tests:
            raise ApiError(400, "INVALID_ARGUMENT", f"callerRelationship is required (got {relationship!r})")
        return {"grants": [self._public(g) for g in self._of(parent) if tests[relationship](g)]}

    def _act(self, req: Request, name: str, action: str) -> dict[str, Any]:
        grant = self.grants.get(name)
        if grant is None:
            raise ApiError(404, "NOT_FOUND", f"grant {name} not found")
        e = self._entitlement(name.split("/grants/")[0])
        reason = (req.body or {}).get("reason", "")
        if action in ("approve", "deny"):
            if grant["state"] != "APPROVAL_AWAITED":  # source: approve_state
                raise ApiError(400, "FAILED_PRECONDITION", f"grant is {grant['state']}, not APPROVAL_AWAITED")
            if grant["requester"] == self.caller or not self.members() & e["approvers"]:  # source: approver
                raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} may not {action} this grant")
            self._event(
                grant, "approved" if action == "approve" else "denied", {"reason": reason, "actor": self.caller}
            )
            if action == "approve":
                self._event(grant, "activated", {})
            grant["state"] = "ACTIVE" if action == "approve" else "DENIED"
            return self._public(grant)
        if not self.members() & self.revokers:  # source: revoker
            raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} lacks privilegedaccessmanager.grants.revoke")
        if grant["state"] in TERMINAL:  # source: revoke
            raise ApiError(400, "FAILED_PRECONDITION", f"grant is {grant['state']}, a terminal state")
        self._event(grant, "revoked", {"reason": reason, "actor": self.caller})
        grant["state"] = "REVOKED"
        return {"name": f"{name}/operations/revoke", "done": True, "response": {"@type": GRANT, **self._public(grant)}}


class FakePamServer:
    """``with FakePamServer() as server: server.url, server.fake``"""

    def __init__(self) -> None:
        self.fake = FakePam()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakePamServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
