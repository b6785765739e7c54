"""The audit event lands where only lifecycle identities may write it, and a sink routes it into the governance dataset.

Checked on the synthesized stacks (review 17, item 6): the lifecycle commands write to the platform project of
the environment; there the team's deployer and admins hold roles/logging.logWriter and no other team identity
does (the serving and pipeline accounts may write log entries in the team project only); Cloud Logging's Data
Access audit logs (DATA_WRITE) record who wrote each entry; the platform project's sink selects the
`modelops-audit` log and sends it to the governance dataset (table `modelops_audit`: Cloud Logging's table name
for the log, '-' becomes '_'); a team project's `modelops-audit` log, which its other identities could write,
is routed nowhere. The audit project cannot be overridden towards a real project, and the caller's identity
comes from the credentials, not from anything the caller sets.
"""

from __future__ import annotations

import pytest

from config import names
from lifecycle.context import LifecycleError, caller, principal_of, resolve
from tests.helpers import resources


def _sinks(stack: dict) -> list[dict]:
    return list(stack["resource"].get("google_logging_project_sink", {}).values())


@pytest.mark.parametrize("team_name, env", [("ledger", "dev"), ("reach", "prod"), ("scout", "dev")])
def test_the_audit_log_goes_to_the_platform_project_whose_sink_routes_it(org_config, org_stacks, team_name, env):
    team = org_config.team(team_name)
    target = resolve(org_config, team, env=env, project=None, region=None, audit_project=None, dry_run=True)
    platform_project = org_config.platform.environments[env].project_id
    assert target.audit_project == platform_project != target.project
    governance = names.governance_dataset_id(org_config.platform.name)
    wanted = f'logName="projects/{platform_project}/logs/{names.AUDIT_LOG_NAME}"'
    routed = [
        s
        for s in _sinks(org_stacks[names.platform_stack(env)])
        if wanted in s["filter"]
        and s["project"] == platform_project
        and s["destination"] == f"bigquery.googleapis.com/projects/{platform_project}/datasets/{governance}"
    ]
    assert routed, f"no sink in {names.platform_stack(env)} routes {wanted} to {governance}"
    # The team project's own modelops-audit log (writable by its serving and pipeline accounts) goes nowhere.
    for sink in _sinks(org_stacks[names.team_stack(team_name, env)]):
        assert names.AUDIT_LOG_NAME not in sink["filter"], sink["filter"]


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_only_lifecycle_identities_may_write_log_entries_in_the_audit_project(org_config, org_stacks, env):
    platform_project = org_config.platform.environments[env].project_id
    writers = set()
    for name, stack in org_stacks.items():
        if not name.endswith(f"-{env}"):
            continue
        for grant in resources(stack, "google_project_iam_member").values():
            if grant["project"] == platform_project and grant["role"] in (
                "roles/logging.logWriter",
                "roles/owner",
                "roles/editor",
                "roles/logging.admin",
            ):
                writers.add((name, grant["member"]))
    teams = [t for t in org_config.teams if env in t.environments]
    admins = {(names.platform_stack(env), f"group:{t.groups.admins}") for t in teams}
    # developers write the audit events of their just-in-time access requests (modelops access request)
    admins |= {(names.platform_stack(env), f"group:{t.groups.developers}") for t in teams}
    deployers = {
        (names.team_stack(t.name, env), m)
        for (n, m) in writers
        for t in teams
        if n == names.team_stack(t.name, env) and "service-accounts_deployer" in m
    }
    assert writers == admins | deployers
    assert len(deployers) == len(teams)


def test_cloud_logging_records_who_writes_in_the_audit_project(org_stacks):
    configs = resources(org_stacks["platform-prod"], "google_project_iam_audit_config")
    [logging] = [c for c in configs.values() if c["service"] == "logging.googleapis.com"]
    assert [c["log_type"] for c in logging["audit_log_config"]] == ["DATA_WRITE"]


def test_the_audit_project_cannot_be_pointed_elsewhere(org_config):
    team = org_config.team("ledger")
    with pytest.raises(LifecycleError, match="platform project"):
        resolve(org_config, team, env="prod", project=None, region=None, audit_project="somewhere-else", dry_run=True)
    # --project moves the command, not the event
    target = resolve(
        org_config, team, env="prod", project="somewhere-else", region=None, audit_project=None, dry_run=True
    )
    assert target.audit_project == org_config.platform.environments["prod"].project_id
    # only towards a loopback emulator (tests)
    local = resolve(
        org_config,
        team,
        env="prod",
        project=None,
        region=None,
        audit_project="fake",
        dry_run=None,
        emulator="http://127.0.0.1:1",
    )
    assert local.audit_project == "fake"


def test_the_caller_is_who_the_credentials_are_not_an_environment_variable(monkeypatch):
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("MODELOPS_CALLER", "someone-else@example.com")

    class ServiceAccountCredentials:  # what service-account, impersonated and federated credentials expose
        service_account_email = "ledger-deployer@orbit-ledger-prod.iam.gserviceaccount.com"

    assert (
        caller(ServiceAccountCredentials())["principal"] == "ledger-deployer@orbit-ledger-prod.iam.gserviceaccount.com"
    )
    assert caller(None)["principal"] is None  # dry run
    assert principal_of(AnonymousCredentials()) is None  # loopback emulator


def test_user_credentials_are_named_by_googles_tokeninfo(monkeypatch):
    """A metadata-server account is named once refreshed; user credentials by the tokeninfo answer."""
    import google.auth.transport.requests

    seen: dict[str, object] = {}

    class Reply:
        status, data = 200, b'{"email": "alice@orbit.example", "scope": "openid"}'

    def fake_request(self, url, method="GET", body=None, headers=None, **kwargs):
        seen.update(url=url, method=method, body=body)
        return Reply()

    monkeypatch.setattr(google.auth.transport.requests.Request, "__call__", fake_request)

    class UserCredentials:
        valid, token = True, "ya29.token"

    assert principal_of(UserCredentials()) == "alice@orbit.example"
    assert seen == {
        "url": "https://oauth2.googleapis.com/tokeninfo",
        "method": "POST",
        "body": b"access_token=ya29.token",
    }

    class MetadataCredentials:
        valid, token, service_account_email = False, None, "default"

        def refresh(self, request):
            self.valid, self.service_account_email = True, "node@orbit.iam.gserviceaccount.com"

    assert principal_of(MetadataCredentials()) == "node@orbit.iam.gserviceaccount.com"


def test_the_auditors_genuineness_query_parses_as_bigquery_and_reads_the_sunk_audit_tables():
    """docs/model-lifecycle.md, section 5: each event joined to the audit records of its writer and its deed."""
    import re
    from pathlib import Path

    import sqlglot

    text = (Path(__file__).resolve().parents[2] / "docs" / "model-lifecycle.md").read_text()
    [query] = [b for b in re.findall(r"```sql\n(.*?)```", text, re.S) if "written_by" in b]
    statements = [s for s in sqlglot.parse(query, read="bigquery") if s is not None]
    tables = {t.name for s in statements for t in s.find_all(sqlglot.exp.Table)}
    assert {"modelops_audit", "cloudaudit_googleapis_com_data_access", "cloudaudit_googleapis_com_activity"} <= tables
    assert query.count("authenticationInfo.principalEmail") == 2
