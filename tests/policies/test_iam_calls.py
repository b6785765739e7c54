"""The REST calls listed in the permission contract are the calls the code makes (review 15, item 10 and the
brief's (c)), and each one's permissions per Google's REST map are held by the identity that makes it.

- The lifecycle CLI: every request it sends during register, deploy, promote, a canary and a rollback, against
  the local fake (tests/lifecycle/fake_gcp.py), is a method some deployer step lists.
- The workflows and scheduler jobs: MLOPS_IAM_7 reads their calls from the synthesized stacks; removing a call
  from the contract, or a permission Google's map names for it from the role, is a finding.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from policies.engine.stackset import load_stacks
from policies.iam import calls, contract, google_iam

REPO = Path(__file__).resolve().parents[2]
LOC = r"projects/[^/]+/locations/[^/]+"
# (HTTP method, path) of Google's REST reference -> method id (the REST map's key)
REST_PATHS = (
    ("GET", rf"^/v1/{LOC}/models/[^/:]+$", "aiplatform.projects.locations.models.get"),
    ("POST", rf"^/v1/{LOC}/models:upload$", "aiplatform.projects.locations.models.upload"),
    (
        "POST",
        rf"^/v1/{LOC}/models/[^/:]+:mergeVersionAliases$",
        "aiplatform.projects.locations.models.mergeVersionAliases",
    ),
    ("GET", rf"^/v1/{LOC}/models/[^/]+/operations/[^/]+$", "aiplatform.projects.locations.models.operations.get"),
    ("GET", rf"^/v1/{LOC}/endpoints/[^/:]+$", "aiplatform.projects.locations.endpoints.get"),
    ("POST", rf"^/v1/{LOC}/endpoints/[^/:]+:deployModel$", "aiplatform.projects.locations.endpoints.deployModel"),
    ("POST", rf"^/v1/{LOC}/endpoints/[^/:]+:undeployModel$", "aiplatform.projects.locations.endpoints.undeployModel"),
    ("PATCH", rf"^/v1/{LOC}/endpoints/[^/:]+$", "aiplatform.projects.locations.endpoints.patch"),
    ("GET", rf"^/v1/{LOC}/endpoints/[^/]+/operations/[^/]+$", "aiplatform.projects.locations.endpoints.operations.get"),
    (
        "POST",
        rf"^/v1/{LOC}/modelDeploymentMonitoringJobs$",
        "aiplatform.projects.locations.modelDeploymentMonitoringJobs.create",
    ),
    (
        "GET",
        rf"^/v1/{LOC}/modelDeploymentMonitoringJobs/[^/:]+$",
        "aiplatform.projects.locations.modelDeploymentMonitoringJobs.get",
    ),
    (
        "PATCH",
        rf"^/v1/{LOC}/modelDeploymentMonitoringJobs/[^/:]+$",
        "aiplatform.projects.locations.modelDeploymentMonitoringJobs.patch",
    ),
    ("GET", r"^/v3/projects/[^/]+/notificationChannels$", "monitoring.projects.notificationChannels.list"),
    ("POST", r"^/v2/entries:write$", "logging.entries.write"),
)
# Long-running operations the fake finishes at once, so the SDK never polls them (tests/lifecycle/fake_gcp.py).
POLLED_ONLY_ON_GOOGLE = {
    "aiplatform.projects.locations.models.operations.get",
    "aiplatform.projects.locations.endpoints.operations.get",
    "aiplatform.projects.locations.modelDeploymentMonitoringJobs.operations.get",
}


def rest_method(method: str, path: str) -> str:
    for verb, pattern, name in REST_PATHS:
        if verb == method and re.match(pattern, path.split("?")[0]):
            return name
    raise AssertionError(f"{method} {path}: map it to the REST method Google's reference names (REST_PATHS)")


@pytest.fixture
def second_card(tmp_path) -> Path:
    raw = yaml.safe_load((REPO / "tests/fixtures/org/cards/ledger-pay-scorer.yaml").read_text())
    raw["version"] = "2024.11.0"
    raw["training"]["data"][0]["snapshot"] = "transactions_train_snapshot_20241031"
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_every_request_of_the_lifecycle_cli_is_a_call_the_deployer_lists(second_card):
    from config import names
    from scripts.cli import app
    from tests.lifecycle.fake_gcp import FakeServer

    card = str(REPO / "tests/fixtures/org/cards/ledger-pay-scorer.yaml")
    with FakeServer() as server:
        location = "projects/orbit-ledger-dev/locations/europe-west4"
        server.fake.add_endpoint(
            f"{location}/endpoints/{names.endpoint_name('ledger', 'pay-scorer', 'dev')}", "pay-scorer"
        )
        from tests.lifecycle.conftest import STACK_LABELS  # the labels the team stack gives its channels

        server.fake.add_channel("orbit-ledger-dev", "ledger-oncall", labels=STACK_LABELS)
        org = str(REPO / "tests/fixtures/org")
        target = ["--env", "dev", "--emulator", server.url, "--output", "json", "--config-dir", org]
        model = ["--team", "ledger", "--model", "pay-scorer"]
        for args in (
            ["register", card],
            ["deploy", *model, "--version", "candidate", "--card", card],
            ["promote", *model, "--version", "candidate"],
            ["register", str(second_card)],
            ["deploy", *model, "--version", "candidate", "--card", str(second_card)],
            ["promote", *model, "--version", "candidate"],
            ["rollback", *model],
        ):
            result = CliRunner().invoke(app, [*args, *target], catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)
        called = {rest_method(r.method, r.path) for r in server.fake.requests}
    listed = contract.listed_calls("deployer")
    assert called <= listed, sorted(called - listed)
    # and nothing listed that the CLI does not call (but the polls a real operation needs)
    assert listed - called == POLLED_ONLY_ON_GOOGLE
    # the deployer's steps hold what Google's REST map names for each call (and the contract's notes)
    assert [m for *_, ok, m in contract.role_coverage() if not ok] == []
    for method in called:
        needed, problem = calls.needed(method, contract.contract()["call_notes"])
        assert problem is None and needed, method


def test_the_workflows_call_what_the_pipeline_lists(org_config, org_synth_dir):
    stacks = load_stacks(org_config, org_synth_dir)
    found = {m for s in stacks for _, _, m in calls.stack_calls(s)}
    assert {
        "aiplatform.projects.locations.batchPredictionJobs.create",
        "aiplatform.projects.locations.batchPredictionJobs.get",
        "aiplatform.projects.locations.batchPredictionJobs.cancel",
        "bigquery.jobs.insert",
        "bigquery.jobs.getQueryResults",
        "monitoring.projects.timeSeries.create",
        "workflowexecutions.projects.locations.workflows.executions.create",
    } == found
    assert found <= contract.listed_calls("pipeline")


def _with_contract(monkeypatch, edit):
    data = copy.deepcopy(contract.contract())
    edit(data)
    monkeypatch.setattr(contract, "contract", lambda: data)


def test_a_workflow_call_no_pipeline_step_lists_is_a_finding(org_config, org_synth_dir, monkeypatch):
    """Issue 15 review, item 3: the batch workflow cancels jobs it gave up on; without the call (and its
    permission) in the contract, the role lacks it and the cancel is refused after apply."""

    def drop_cancel(data):
        for step in data["identities"]["pipeline"]["steps"]:
            step["calls"] = [c for c in step.get("calls", ()) if not c.endswith(".cancel")]

    _with_contract(monkeypatch, drop_cancel)
    stacks = [s for s in load_stacks(org_config, org_synth_dir) if s.env == "prod"]
    found = [v for v in contract.evaluate(org_config, stacks) if not v.passed]
    workflows = {v.address for v in found if v.address.startswith("google_workflows_workflow.")}
    batch = {
        r.address
        for st in stacks
        for r in st.resources("google_workflows_workflow")
        if "batchPredictionJobs.cancel" in r.conf["source_contents"]
    }
    assert workflows == batch and len(batch) == 2, found  # ledger's and scout's batch models
    assert all("batchPredictionJobs.cancel" in v.message for v in found if v.address in workflows)


def test_a_call_whose_mapped_permission_no_step_holds_is_a_finding(monkeypatch):
    """(c): Google's REST map says batchPredictionJobs.cancel checks aiplatform.batchPredictionJobs.cancel."""
    assert google_iam.method_permissions("aiplatform.projects.locations.batchPredictionJobs.cancel") == {
        "aiplatform.batchPredictionJobs.cancel": "restcrawliamblockv1"
    }

    def drop_permission(data):
        for step in data["identities"]["pipeline"]["steps"]:
            step["permissions"] = [p for p in step["permissions"] if p != "aiplatform.batchPredictionJobs.cancel"]

    _with_contract(monkeypatch, drop_permission)
    problems = [m for name, _, _, ok, m in contract.role_coverage() if not ok and name == "pipeline"]
    assert problems and "aiplatform.batchPredictionJobs.cancel" in problems[0]


def test_every_google_api_call_of_a_workflow_maps_to_a_rest_method():
    assert calls.connector_method("googleapis.aiplatform.v1.projects.locations.batchPredictionJobs.cancel") == (
        "aiplatform.projects.locations.batchPredictionJobs.cancel"
    )
    assert calls.connector_method("googleapis.bigquery.v2.jobs.insert") == "bigquery.jobs.insert"
    assert calls.url_method("POST", "https://monitoring.googleapis.com/v3/projects/p/timeSeries") == (
        "monitoring.projects.timeSeries.create"
    )
    assert calls.url_method("GET", "https://monitoring.googleapis.com/v3/projects/p/timeSeries") is None
    # every mapped method exists in Google's REST map (else its permissions would be unknown)
    for _, _, method in calls.URL_METHODS:
        assert google_iam.method_permissions(method) is not None, method
