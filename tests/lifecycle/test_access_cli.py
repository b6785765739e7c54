"""`modelops access` end to end: the CLI as a subprocess, the real PAM client over REST, against the local PAM fake
(tests/lifecycle/fake_pam.py, seeded with the synthesized entitlements of the fixture organisation)."""

from __future__ import annotations

import json

import pytest

from tests.lifecycle.fake_pam import PAM_SOURCES, FakePamServer
from tests.test_cli import ORG_DIR, run

STACK = "team-ledger-dev"
ENT = "projects/orbit-ledger-dev/locations/global/entitlements/modelops-"
DEVELOPERS = "ledger-developers@orbit.example"


@pytest.fixture
def pam(org_stacks):
    with FakePamServer() as server:
        for conf in org_stacks[STACK]["resource"]["google_privileged_access_manager_entitlement"].values():
            server.fake.add_entitlement(conf)
        server.fake.groups = {
            "ana@orbit.example": {DEVELOPERS},
            "kim.berg@orbit.example": set(),
            "lee@orbit.example": {"ledger-admins@orbit.example"},
        }
        server.fake.revokers = {"group:ledger-admins@orbit.example"}  # modelopsGrantRevoker (modules/team_iam.py)
        yield server


def access(server, *args: str):
    result = run(
        "access", *args, "--team", "ledger", "--config-dir", ORG_DIR, "--env", "dev",
        "--emulator", server.url, "--audit-project", "audit-test", "--output", "json",
    )  # fmt: skip
    return result, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else None)


def test_the_fake_cites_a_source_for_every_behaviour():
    assert set(PAM_SOURCES) == {
        "eligible", "duration", "justification", "workflow", "approve_state", "approver", "one_open", "revoke",
        "revoker",
    }  # fmt: skip


def test_request_approve_revoke_with_audit_events(pam):
    pam.fake.caller = "ana@orbit.example"
    result, reply = access(
        pam, "request", "--entitlement", "pii-reader", "--duration", "4h", "--justification", "case 42"
    )
    assert result.returncode == 0, result.stderr
    grant = reply["result"]
    assert grant["state"] == "APPROVAL_AWAITED" and grant["requestedDuration"] == "14400s"
    assert grant["name"].startswith(ENT + "pii-reader/grants/")

    # source: approver - the requester never approves their own grant
    result, _ = access(pam, "approve", "--entitlement", "pii-reader", "--grant", grant["name"], "--reason", "ok")
    assert result.returncode == 1 and "may not approve" in result.stderr

    pam.fake.caller = "kim.berg@orbit.example"  # the business owner (an approver, not eligible)
    result, reply = access(pam, "approve", "--entitlement", "pii-reader", "--grant", grant["name"], "--reason", "ok")
    assert result.returncode == 0, result.stderr
    assert reply["result"]["state"] == "ACTIVE"

    # source: approve_state - a decided grant cannot be denied
    result, _ = access(pam, "deny", "--entitlement", "pii-reader", "--grant", grant["name"], "--reason", "late")
    assert result.returncode == 1 and "APPROVAL_AWAITED" in result.stderr

    # source: revoker - approving is not revoking
    result, _ = access(pam, "revoke", "--entitlement", "pii-reader", "--grant", grant["name"], "--reason", "done")
    assert result.returncode == 1 and "lacks privilegedaccessmanager.grants.revoke" in result.stderr

    pam.fake.caller = "lee@orbit.example"  # a team admin
    result, reply = access(pam, "revoke", "--entitlement", "pii-reader", "--grant", grant["name"], "--reason", "done")
    assert result.returncode == 0, result.stderr
    assert reply["result"]["state"] == "REVOKED"

    result, reply = access(pam, "list", "--entitlement", "pii-reader")
    assert [g["state"] for g in reply["result"]] == ["REVOKED"]

    events = [e["jsonPayload"] for e in pam.fake.log_entries]
    assert [(e["action"], e["outcome"]) for e in events] == [
        ("access_request", "succeeded"),
        ("access_approve", "failed"),
        ("access_approve", "succeeded"),
        ("access_deny", "failed"),
        ("access_revoke", "failed"),
        ("access_revoke", "succeeded"),
        ("access_list", "succeeded"),
    ]
    assert all(e["team"] == "ledger" and e["entitlement"] == "pii-reader" for e in events)
    assert all(e["logName"] == "projects/audit-test/logs/modelops-audit" for e in pam.fake.log_entries)


def test_deny(pam):
    pam.fake.caller = "ana@orbit.example"
    _, reply = access(pam, "request", "--entitlement", "pii-reader", "--duration", "1h", "--justification", "case 7")
    pam.fake.caller = "kim.berg@orbit.example"
    result, reply = access(
        pam, "deny", "--entitlement", "pii-reader", "--grant", reply["result"]["name"], "--reason", "no"
    )
    assert result.returncode == 0, result.stderr
    assert reply["result"]["state"] == "DENIED"


def test_approval_free_entitlement_is_active_at_once(pam):
    pam.fake.caller = "ana@orbit.example"
    result, reply = access(
        pam, "request", "--entitlement", "metadata-reader", "--duration", "2h", "--justification", "schema"
    )
    assert result.returncode == 0, result.stderr
    assert reply["result"]["state"] == "ACTIVE"  # source: workflow


def test_not_eligible_is_refused_by_pam(pam):
    pam.fake.caller = "stranger@orbit.example"  # source: eligible
    result, _ = access(pam, "request", "--entitlement", "pii-reader", "--duration", "1h", "--justification", "x")
    assert result.returncode == 1 and "not eligible" in result.stderr
    assert pam.fake.log_entries[-1]["jsonPayload"]["outcome"] == "failed"


def test_duration_over_the_team_maximum_exits_2_and_sends_nothing(pam):
    result, _ = access(pam, "request", "--entitlement", "pii-reader", "--duration", "4d", "--justification", "x")
    assert result.returncode == 2 and "exceeds the maximum of pii-reader" in result.stderr
    assert "Traceback" not in result.stderr
    assert pam.fake.requests == []


def test_unknown_entitlement_exits_2(pam):
    result, _ = access(
        pam, "request", "--entitlement", "endpoint-predictor", "--duration", "1h", "--justification", "x"
    )
    assert result.returncode == 2 and "offers no entitlement 'endpoint-predictor'" in result.stderr


def test_dry_run_sends_nothing():
    with FakePamServer() as server:
        result = run(
            "access", "request", "--team", "ledger", "--entitlement", "pii-reader", "--duration", "4h",
            "--justification", "case 42", "--config-dir", ORG_DIR, "--output", "json", "--dry-run",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        reply = json.loads(result.stdout)
        assert reply["dry_run"] is True and reply["audit_event"]["outcome"] == "planned"
        assert reply["request"]["body"] == {
            "requestedDuration": "14400s",
            "justification": {"unstructuredJustification": "case 42"},
        }
        assert server.fake.requests == []


# (HTTP method, path) of PAM's REST reference (the client's rest_base.py URIs) -> method id in the contract
PAM_PATHS = (
    ("POST", r"/entitlements/[^/]+/grants$", "privilegedaccessmanager.projects.locations.entitlements.grants.create"),
    ("GET", r"/entitlements/[^/]+/grants$", "privilegedaccessmanager.projects.locations.entitlements.grants.list"),
    ("POST", r"/grants/[^/]+:approve$", "privilegedaccessmanager.projects.locations.entitlements.grants.approve"),
    ("POST", r"/grants/[^/]+:deny$", "privilegedaccessmanager.projects.locations.entitlements.grants.deny"),
    ("POST", r"/grants/[^/]+:revoke$", "privilegedaccessmanager.projects.locations.entitlements.grants.revoke"),
    ("POST", r"^/v2/entries:write$", "logging.entries.write"),
)


def test_every_call_the_access_commands_make_is_in_the_iam_contract(pam):
    import re

    import yaml

    from tests.lifecycle.conftest import REPO

    pam.fake.caller = "ana@orbit.example"
    _, reply = access(pam, "request", "--entitlement", "pii-reader", "--duration", "1h", "--justification", "case 9")
    pam.fake.caller = "kim.berg@orbit.example"
    access(pam, "approve", "--entitlement", "pii-reader", "--grant", reply["result"]["name"], "--reason", "ok")
    pam.fake.caller = "lee@orbit.example"
    access(pam, "revoke", "--entitlement", "pii-reader", "--grant", reply["result"]["name"], "--reason", "done")
    access(pam, "list", "--entitlement", "pii-reader")
    pam.fake.caller = "ana@orbit.example"
    _, other = access(pam, "request", "--entitlement", "pii-reader", "--duration", "1h", "--justification", "case 10")
    pam.fake.caller = "kim.berg@orbit.example"
    access(pam, "deny", "--entitlement", "pii-reader", "--grant", other["result"]["name"], "--reason", "no")
    made = set()
    for req in pam.fake.requests:
        ids = [m for verb, path, m in PAM_PATHS if verb == req.method and re.search(path, req.path)]
        assert ids, f"unmapped request {req.method} {req.path}"
        made.add(ids[0])
    contract = yaml.safe_load((REPO / "policies" / "iam" / "contract.yaml").read_text())
    listed = {c for i in contract["identities"].values() for s in i["steps"] for c in s.get("calls", ())}
    assert made - {"logging.entries.write"} >= {
        "privilegedaccessmanager.projects.locations.entitlements.grants.create",
        "privilegedaccessmanager.projects.locations.entitlements.grants.approve",
        "privilegedaccessmanager.projects.locations.entitlements.grants.deny",
        "privilegedaccessmanager.projects.locations.entitlements.grants.revoke",
        "privilegedaccessmanager.projects.locations.entitlements.grants.list",
    }
    assert made <= listed
