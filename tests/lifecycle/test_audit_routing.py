"""The audit event lands where its writer may write, and a sink routes it into the governance dataset.

Checked on the synthesized stacks: the project the lifecycle commands write to must be one where the
team's deployer and admins hold roles/logging.logWriter, and that project's audit sink must select the
`modelops-audit` log and send it to the governance dataset (table `modelops_audit`, Cloud Logging's
table name for the log: '-' becomes '_').
"""

from __future__ import annotations

import pytest

from config import names
from lifecycle.context import resolve
from tests.helpers import resources


def _sink_filters(stack: dict) -> list[dict]:
    return list(stack["resource"].get("google_logging_project_sink", {}).values())


@pytest.mark.parametrize("team_name, env", [("fraud", "dev"), ("growth", "prod"), ("search", "dev")])
def test_the_audit_log_goes_to_a_project_whose_sink_routes_it_to_governance(example_config, stacks, team_name, env):
    team = example_config.team(team_name)
    target = resolve(example_config, team, env=env, project=None, region=None, audit_project=None, dry_run=True)
    stack = stacks[names.team_stack(team_name, env)]
    assert target.audit_project == stack["provider"]["google"][0]["project"] == team.environments[env].project_id
    governance = names.governance_dataset_id(example_config.platform.name)
    platform_project = example_config.platform.environments[env].project_id
    wanted = f'logName="projects/{target.audit_project}/logs/{names.AUDIT_LOG_NAME}"'
    routed = [
        s
        for s in _sink_filters(stack)
        if wanted in s["filter"]
        and s["project"] == target.audit_project
        and s["destination"] == f"bigquery.googleapis.com/projects/{platform_project}/datasets/{governance}"
    ]
    assert routed, f"no sink in {names.team_stack(team_name, env)} routes {wanted} to {governance}"


@pytest.mark.parametrize("kind", ["deployer", "admins"])
def test_the_lifecycle_callers_may_write_log_entries_in_the_audit_project(example_config, stacks, kind):
    team = example_config.team("fraud")
    target = resolve(example_config, team, env="prod", project=None, region=None, audit_project=None, dry_run=True)
    stack = stacks[names.team_stack("fraud", "prod")]
    grants = resources(stack, "google_project_iam_member")
    member = f"group:{team.groups.admins}" if kind == "admins" else None
    writers = [
        g
        for g in grants.values()
        if g["role"] == "roles/logging.logWriter"
        and g["project"] == target.audit_project
        and (g["member"] == member if member else "google_service_account.service-accounts_deployer" in g["member"])
    ]
    assert writers, f"{kind} cannot write {names.AUDIT_LOG_NAME} entries in {target.audit_project}"
