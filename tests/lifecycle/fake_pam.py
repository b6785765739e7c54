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
    "call the ApproveGrant/DenyGrant APIs').",
    "one_open": "pam-request-temporary-elevated-access: 'You can't request a grant with the same scope as an "
    "existing grant in the Active, Scheduled, or Approval awaited state.'",
    "revoke": "RevokeGrant 'is used to immediately revoke access for a grant' (an Operation whose response is the "
    "Grant, state REVOKED: 'Access was revoked by a user. This is a terminal state'). The REST page says it 'can be "
    "called when the grant is in a non-terminal state', the guide 'Grants that don't have an active status can't be "
    "revoked' (https://cloud.google.com/iam/docs/pam-revoke-grants): the fake takes the stricter, ACTIVE only.",
    "revoker": "pam-revoke-grants: 'principals with the privilegedaccessmanager.grants.revoke permission can revoke "
    "the grant' (the fake's ``revokers``: who holds it, e.g. the admins group through modelopsGrantRevoker).",
}
GRANT = "type.googleapis.com/google.cloud.privilegedaccessmanager.v1.Grant"
OPEN = {"APPROVAL_AWAITED", "SCHEDULED", "ACTIVATING", "ACTIVE"}


def _seconds(text: str) -> float:
    return float(text.rstrip("s"))


class FakePam(FakeGcp):
    def __init__(self) -> None:
        super().__init__()
        self.entitlements: dict[str, dict[str, Any]] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self.caller = "nobody@example.com"
        self.groups: dict[str, set[str]] = {}  # e-mail -> the groups the person is in (IAM's view, set by tests)
        self.revokers: set[str] = set()  # principals holding privilegedaccessmanager.grants.revoke

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
            ("POST", rf"^/v1/({ent}/grants/[^/:]+):(approve|deny|revoke)$", self._act),
        ]
        for method, pattern, handler in routes:
            match = re.match(pattern, req.path)
            if match and method == req.method:
                self.requests.append(req)
                try:
                    return 200, handler(req, *match.groups())
                except ApiError as exc:
                    return exc.code, {"error": {"code": exc.code, "status": exc.status, "message": exc.message}}
        return super().handle(req)

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
        for g in self.grants.values():  # source: one_open
            if g["name"].startswith(parent + "/") and g["requester"] == self.caller and g["state"] in OPEN:
                raise ApiError(409, "ALREADY_EXISTS", "an open grant for this entitlement exists")
        name = f"{parent}/grants/{self._next_id()}"
        now = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        self.grants[name] = {
            "name": name,
            "requester": self.caller,
            "requestedDuration": body["requestedDuration"],
            "justification": {"unstructuredJustification": text} if text else {},
            "state": "APPROVAL_AWAITED" if e["approvers"] else "ACTIVE",  # source: workflow
            "createTime": now,
            "updateTime": now,
        }
        return self.grants[name]

    def _list(self, req: Request, parent: str) -> dict[str, Any]:
        self._entitlement(parent)
        return {"grants": [g for g in self.grants.values() if g["name"].startswith(parent + "/")]}

    def _act(self, req: Request, name: str, action: str) -> dict[str, Any]:
        grant = self.grants.get(name)
        if grant is None:
            raise ApiError(404, "NOT_FOUND", f"grant {name} not found")
        e = self._entitlement(name.split("/grants/")[0])
        if action in ("approve", "deny"):
            if grant["state"] != "APPROVAL_AWAITED":  # source: approve_state
                raise ApiError(400, "FAILED_PRECONDITION", f"grant is {grant['state']}, not APPROVAL_AWAITED")
            if grant["requester"] == self.caller or not self.members() & e["approvers"]:  # source: approver
                raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} may not {action} this grant")
            grant["state"] = "ACTIVE" if action == "approve" else "DENIED"
            return grant
        if not self.members() & self.revokers:  # source: revoker
            raise ApiError(403, "PERMISSION_DENIED", f"{self.caller} lacks privilegedaccessmanager.grants.revoke")
        if grant["state"] != "ACTIVE":  # source: revoke
            raise ApiError(400, "FAILED_PRECONDITION", f"grant is {grant['state']}, not ACTIVE")
        grant["state"] = "REVOKED"
        return {"name": f"{name}/operations/revoke", "done": True, "response": {"@type": GRANT, **grant}}


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
