"""One test (or two) per defect of the lifecycle read against Google's semantics (issue "Model lifecycle that
behaves as Vertex AI does", items 1-7). Each failed against the code before the fix, with the fake answering
as Vertex does (tests/lifecycle/fake_gcp.py, its behaviours pinned by test_fake_semantics.py)."""

from __future__ import annotations

import dataclasses

import pytest
from google.api_core.exceptions import GoogleAPICallError, ResourceExhausted

from config import names
from lifecycle import actions
from lifecycle.card import from_dict
from lifecycle.context import LifecycleError
from policies.iam.contract import predefined_roles
from tests.helpers import resources
from tests.lifecycle.conftest import audit_entries

MODEL = "projects/orbit-ledger-dev/locations/europe-west4/models/ledger-pay-scorer"
SNAPSHOT = "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20240930"


def card_version(card, version: str, snapshot: str | None = None, baseline: str | None = None):
    raw = {**card.raw, "version": version, "training": dict(card.raw["training"])}
    if snapshot:
        raw["training"]["data"] = [{**raw["training"]["data"][0], "snapshot": snapshot}, *raw["training"]["data"][1:]]
    if baseline:
        raw["training"]["baseline"] = baseline
    return from_dict(raw)


def objectives(server, endpoint) -> dict[str, dict]:
    job = server.fake.job_of(endpoint)
    return {c["deployedModelId"]: c["objectiveConfig"] for c in job["modelDeploymentMonitoringObjectiveConfigs"]}


def version_of(server, endpoint) -> dict[str, str]:
    return {d["id"]: d["modelVersionId"] for d in server.fake.endpoint(endpoint)["deployedModels"]}


def first_champion(config, live, card):
    actions.register(config, live, card)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card)
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")


# --- 1. a deploy rewrote monitoring for every deployed model -----------------------------------


def test_1_a_canary_without_a_card_leaves_the_champions_skew_objective(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    [champion_id] = version_of(server, ledger_endpoint)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    canary_id = actions.deploy(config, live, "ledger", "pay-scorer", "candidate").result["deployed_model_id"]
    per_model = objectives(server, ledger_endpoint)
    assert per_model[champion_id]["trainingDataset"]["bigquerySource"]["inputUri"] == SNAPSHOT
    assert "trainingPredictionSkewDetectionConfig" in per_model[champion_id]
    assert "trainingDataset" not in per_model[canary_id]  # the canary: drift only, no card given
    assert "predictionDriftDetectionConfig" in per_model[canary_id]


def test_1_a_canary_with_its_card_does_not_replace_the_champions_baseline(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    [champion_id] = version_of(server, ledger_endpoint)
    second = card_version(card_scorer, "2024.11.0", snapshot="transactions_train_snapshot_20241031")
    actions.register(config, live, second)
    canary_id = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=second).result[
        "deployed_model_id"
    ]
    per_model = objectives(server, ledger_endpoint)
    assert per_model[champion_id]["trainingDataset"]["bigquerySource"]["inputUri"] == SNAPSHOT
    assert (
        per_model[canary_id]["trainingDataset"]["bigquerySource"]["inputUri"]
        == "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20241031"
    )


# --- 2. old versions were never undeployed -----------------------------------------------------


def test_2_releases_do_not_pile_up_replicas_until_quota_runs_out(server, live, config, card_scorer, ledger_endpoint):
    # Room for three deployments of pay-scorer (max 10 replicas x n2-standard-4 = 40 cores each):
    # champion, previous champion and a canary.
    server.fake.cpu_quota = 3 * 10 * 4
    first_champion(config, live, card_scorer)
    for n in range(2, 6):
        actions.register(config, live, card_version(card_scorer, f"2024.{10 + n}.0"))
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
        assert len(version_of(server, ledger_endpoint)) <= 3
        actions.promote(config, live, "ledger", "pay-scorer", "candidate")
        assert sorted(version_of(server, ledger_endpoint).values()) == [str(n - 1), str(n)]


def test_2_keep_deployed_leaves_more_versions_up(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    for n in (2, 3):
        actions.register(config, live, card_version(card_scorer, f"2024.{10 + n}.0"))
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
        actions.promote(config, live, "ledger", "pay-scorer", "candidate", keep=["1"])
    assert sorted(version_of(server, ledger_endpoint).values()) == ["1", "2", "3"]


# --- 3. names compared as strings although Vertex answers with project numbers -----------------


def test_3_the_canary_finds_the_champion_and_promote_finds_the_canary(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    [champion_id] = version_of(server, ledger_endpoint)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    assert server.fake.calls("POST", r":deployModel$")[-1].body["trafficSplit"] == {"0": 10, champion_id: 90}
    assert outcome.result["traffic_percent"] == 10
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")  # "not deployed" before the fix
    again = actions.deploy(config, live, "ledger", "pay-scorer", "2")
    assert "only the traffic split changed" in again.notes[0]  # no duplicate deployment
    assert len(version_of(server, ledger_endpoint)) == 2


def test_3_register_and_deploy_events_name_the_version_alike_so_the_auditor_join_works(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    events = {e["jsonPayload"]["action"]: e["jsonPayload"]["result"] for e in audit_entries(server)}
    join = ("model", "model_id", "version_id")
    assert (
        [events["register"][k] for k in join]
        == [events["deploy"][k] for k in join]
        == [events["promote"][k] for k in join]
        == [MODEL, "ledger-pay-scorer", "1"]
    )


# --- 4. aliases moved in two calls ------------------------------------------------------------


def test_4_some_version_holds_champion_after_every_alias_call(server, live, config, card_scorer, ledger_endpoint):
    first_champion(config, live, card_scorer)
    seen: list[list[str]] = []
    merge = server.fake._merge_aliases

    def watched(req, resource, ref):
        reply = merge(req, resource, ref)
        seen.append([v for v, a in server.fake.aliases(MODEL).items() if "champion" in a])
        return reply

    server.fake._merge_aliases = watched
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")
    actions.rollback(config, live, "ledger", "pay-scorer")
    assert seen and all(len(holders) == 1 for holders in seen), seen
    assert server.fake.aliases(MODEL) == {"1": ["champion", "default"], "2": []}


# --- 5. a half-finished deploy left the audit trail incomplete ---------------------------------


def test_5_a_failed_monitoring_step_is_audited_with_the_canary_that_serves(
    server, live, config, card_scorer, ledger_endpoint
):
    first_champion(config, live, card_scorer)
    actions.register(config, live, card_version(card_scorer, "2024.11.0"))
    server.fake.fail_next("updateJob", "FAILED_PRECONDITION", "job is being updated")
    with pytest.raises(GoogleAPICallError, match="job is being updated"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    event = audit_entries(server)[-1]["jsonPayload"]
    canary = [i for i, v in version_of(server, ledger_endpoint).items() if v == "2"]
    assert event["outcome"] == "failed" and "job is being updated" in event["error"]
    assert [event["result"]["deployed_model_id"]] == canary
    assert event["result"]["traffic_percent"] == 10
    assert [(s["step"], s["status"]) for s in event["steps"]] == [
        ("deploy_model", "done"),
        ("update_monitoring", "failed"),
    ]


def test_5_an_audit_write_failure_does_not_hide_the_error_that_stopped_the_command(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)
    server.fake.fail_next("deployModel", "RESOURCE_EXHAUSTED", "quota exceeded for n2 cores")
    server.fake.fail_next("writeLog", "PERMISSION_DENIED", "logging.logEntries.create denied")
    with pytest.raises(ResourceExhausted, match="quota exceeded") as raised:
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    assert any("audit event of this failure was not written" in n for n in raised.value.__notes__)


# --- 6. the skew baseline was the live table ---------------------------------------------------


def test_6_the_skew_baseline_is_the_cards_snapshot_not_the_live_table(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    [objective] = objectives(server, ledger_endpoint).values()
    assert objective["trainingDataset"]["bigquerySource"]["inputUri"] == SNAPSHOT


def test_6_a_cloud_storage_baseline_carries_its_data_format(server, live, config, card_scorer, ledger_endpoint):
    card = card_version(card_scorer, "2024.10.1", baseline="gs://orbit-ledger-datasets/pay-scorer/v12/train-*.csv")
    actions.register(config, live, card)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card)
    [objective] = objectives(server, ledger_endpoint).values()
    assert objective["trainingDataset"]["gcsSource"] == {
        "uris": ["gs://orbit-ledger-datasets/pay-scorer/v12/train-*.csv"]
    }
    assert objective["trainingDataset"]["dataFormat"] == "csv"


def test_6_a_baseline_that_cannot_be_pinned_is_refused(server, live, config, card_scorer, ledger_endpoint):
    card = card_version(card_scorer, "2024.10.1", snapshot="FOR SYSTEM_TIME AS OF 2024-09-30T00:00:00Z")
    with pytest.raises(LifecycleError, match="cannot be a skew baseline"):
        actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card)
    assert not server.fake.requests


# --- 7. the monitoring job's own request logs --------------------------------------------------


def test_7_the_deploy_event_says_where_the_monitoring_logs_are_and_for_how_long(
    server, live, config, card_scorer, ledger_endpoint
):
    actions.register(config, live, card_scorer)
    outcome = actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    retention = config.team("ledger").model("pay-scorer").logging.retention_days
    endpoint_id = ledger_endpoint.rsplit("/", 1)[1]
    assert outcome.result["monitoring_logs"] == {
        "bigquery_tables": [f"bq://orbit-ledger-dev.model_deployment_monitoring_{endpoint_id}.serving_predict"],
        "log_ttl_days": retention,
    }
    assert audit_entries(server)[-1]["jsonPayload"]["result"]["monitoring_logs"]["log_ttl_days"] == retention
    assert server.fake.job_of(ledger_endpoint)["logTtl"] == f"{retention * 86400}s"


@pytest.mark.parametrize("team_name", ["ledger", "reach"])
def test_7_no_team_principal_can_read_the_monitoring_dataset(org_config, org_stacks, team_name):
    """The job's dataset (model_deployment_monitoring_<endpoint>) is created by Vertex AI in the team project
    with no grants of its own, so it is readable only through project-level roles; no team group or account
    holds one that reads table data (bigquery.tables.getData)."""
    roles = predefined_roles()
    for env in org_config.team(team_name).environments:
        stack = org_stacks[names.team_stack(team_name, env)]
        custom = {
            f"${{google_project_iam_custom_role.{logical}.name}}": set(role["permissions"])
            for logical, role in stack["resource"]["google_project_iam_custom_role"].items()
        }
        # Google's DLP agent profiles every table of the project by design (roles/dlp.projectdriver reads table data
        # per Google's IAM data; docs/access.md, "What Google grants its own agents"): not a team principal.
        project_roles = {
            g["role"]
            for g in resources(stack, "google_project_iam_member").values()
            if not g["member"].endswith("@dlp-api.iam.gserviceaccount.com")
        }
        readers = []
        for role in project_roles:
            perms = custom.get(role)
            if perms is None:
                assert role in roles, f"{role}: not in Google's IAM data (policies/iam/data/google-iam.json.gz)"
                perms = set(roles[role]["permissions"])
            if "bigquery.tables.getData" in perms:
                readers.append(role)
        assert readers == [], f"{names.team_stack(team_name, env)}: project-level roles reading table data: {readers}"


def test_7_dry_run_names_the_monitoring_logs_too(config, live, card_scorer):
    dry = dataclasses.replace(live, dry_run=True)
    outcome = actions.deploy(config, dry, "ledger", "pay-scorer", "candidate", card=card_scorer)
    assert "model_deployment_monitoring_" in outcome.result["monitoring_logs"]["bigquery_tables"][0]
