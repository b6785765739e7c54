"""`access:` in the team file: bad entitlements and standing grants exit 2 with file:line, all at once; the
schema lists exactly the catalogue; the CLI reports them without a traceback."""

from __future__ import annotations

from tests.test_cli import run
from tests.test_config import edit, line_of, problems

PII = """    - entitlement: pii-reader
      max_duration: 3d
      eligible: [developers]
      approvers: [business_owner, data_owners]
"""


def test_the_fixture_teams_each_declare_an_entitlement(org_config):
    assert all(team.access.entitlements for team in org_config.teams)


def test_pii_without_approver_duration_over_cap_and_self_approving_owner_are_all_reported(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, PII, "    - entitlement: pii-reader\n      max_duration: 8d\n      approvers: []\n")
    edit(
        team,
        "    - entitlement: pipeline-operator\n      max_duration: 4h\n      approvers: [data_owners]\n",
        "    - entitlement: pipeline-operator\n      max_duration: 4h\n"
        "      eligible: [developers, user:kim.berg@orbit.example]\n      approvers: [business_owner]\n",
    )
    found = problems(org_copy)
    entry = line_of(team, "- entitlement: pii-reader")
    assert (
        f"{team}:{entry + 1}: access.entitlements[0].max_duration: 8d exceeds the catalogue's cap for pii-reader (7d)"
        in found
    )
    assert any(
        p.startswith(f"{team}:{entry}: access.entitlements[0]: pii-reader is restricted: it needs approvers")
        for p in found
    )
    approvers = line_of(team, "approvers: [business_owner]")
    assert any(
        p.startswith(f"{team}:{approvers}: access.entitlements[2].approvers: business_owner is also eligible")
        for p in found
    ), found


def test_a_second_approver_makes_an_eligible_approver_acceptable(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, "      eligible: [developers]\n", "      eligible: [developers, user:kim.berg@orbit.example]\n")
    from config.loader import load_config

    load_config(org_copy)  # business_owner and data_owners approve: a requester always has someone else


def test_standing_grant_over_cap_self_approved_or_of_a_never_standing_role_exits_2(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, 'expires: "2026-12-31"', 'expires: "2027-03-31"')
    edit(team, "approved_by: business_owner\nsuppressions", "approved_by: data_owners\nsuppressions")
    edit(
        org_copy / "platform.yaml", "data_owners: data-owners@orbit.example", "data_owners: jo.contractor@orbit.example"
    )
    found = problems(org_copy)
    expires = line_of(team, 'expires: "2027-03-31"')
    assert (
        f"{team}:{expires}: access.grants[0].expires: 181 days exceeds the catalogue's standing cap for metadata-reader (92d)"
        in found
    )
    approved = line_of(team, "approved_by: data_owners")
    assert (
        f"{team}:{approved}: access.grants[0].approved_by: user:jo.contractor@orbit.example cannot approve their own access"
        in found
    )


def test_pii_is_never_a_standing_grant(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, "      role: metadata-reader\n", "      role: pii-reader\n")
    found = problems(org_copy)
    assert any("pii-reader is never granted standing" in p for p in found), found


def test_data_owners_unset_is_reported(org_copy):
    edit(org_copy / "platform.yaml", "data_owners: data-owners@orbit.example\n", "")
    found = problems(org_copy)
    assert any("data_owners is not set in platform.yaml" in p for p in found), found


def test_validate_exits_2_with_file_line_and_no_traceback(org_copy):
    team = org_copy / "teams" / "ledger.yaml"
    edit(team, "      max_duration: 3d\n", "      max_duration: 30d\n")
    result = run("validate", "--config-dir", str(org_copy))
    assert result.returncode == 2
    assert (
        f"ledger.yaml:{line_of(team, 'max_duration: 30d')}: access.entitlements[0].max_duration"
        in result.stdout + result.stderr
    )
    assert "Traceback" not in result.stderr
