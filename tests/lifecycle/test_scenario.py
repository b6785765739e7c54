"""The documented lifecycle end to end (docs/model-lifecycle.md, "The lifecycle as a state diagram"):
register v1, deploy, promote; register v2, deploy as canary, promote; roll back. After every command the
endpoint's traffic and deployed versions, the aliases, the monitoring objectives and the audit event are
what the page says they are."""

from __future__ import annotations

from lifecycle import actions
from lifecycle.card import from_dict
from tests.lifecycle.conftest import audit_entries

MODEL = "projects/orbit-ledger-dev/locations/europe-west4/models/ledger-pay-scorer"
V1_BASELINE = "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20240930"
V2_BASELINE = "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20241031"


def second(card):
    training = {
        **card.raw["training"],
        "data": [{**card.raw["training"]["data"][0], "snapshot": "transactions_train_snapshot_20241031"}],
    }
    return from_dict({**card.raw, "version": "2024.11.0", "training": training})


def state(server, endpoint) -> dict:
    """Versions instead of deployed model ids: traffic, aliases, and each deployed version's skew baseline."""
    ep = server.fake.endpoint(endpoint)
    version = {d["id"]: d["modelVersionId"] for d in ep["deployedModels"]}
    job = server.fake.job_of(endpoint)
    objectives = {}
    for c in (job or {}).get("modelDeploymentMonitoringObjectiveConfigs", []):
        dataset = c["objectiveConfig"].get("trainingDataset")
        objectives[version[c["deployedModelId"]]] = dataset["bigquerySource"]["inputUri"] if dataset else "drift only"
    return {
        "traffic": {version[k]: v for k, v in ep["trafficSplit"].items()},
        "deployed": sorted(version.values()),
        "aliases": {v: a for v, a in server.fake.aliases(MODEL).items() if a},
        "monitoring": objectives,
    }


def last_event(server) -> dict:
    payload = audit_entries(server)[-1]["jsonPayload"]
    return {
        "action": payload["action"],
        "outcome": payload["outcome"],
        "version": payload["result"]["version_id"],
        "model": payload["result"]["model"],
        "steps": [s["step"] for s in payload["steps"]],
    }


def test_register_deploy_promote_canary_promote_rollback(server, live, config, card_scorer, ledger_endpoint):
    v2 = second(card_scorer)
    steps = [
        (
            lambda: actions.register(config, live, card_scorer),
            {"traffic": {}, "deployed": [], "aliases": {"1": ["candidate", "default"]}, "monitoring": {}},
            ("register", "1", ["upload", "move_alias"]),
        ),
        (
            lambda: actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer),
            {
                "traffic": {"1": 100},
                "deployed": ["1"],
                "aliases": {"1": ["candidate", "default"]},
                "monitoring": {"1": V1_BASELINE},
            },
            ("deploy", "1", ["deploy_model", "create_monitoring"]),
        ),
        (
            lambda: actions.promote(config, live, "ledger", "pay-scorer", "candidate"),
            {
                "traffic": {"1": 100},
                "deployed": ["1"],
                "aliases": {"1": ["champion", "default"]},
                "monitoring": {"1": V1_BASELINE},
            },
            ("promote", "1", ["set_traffic", "move_alias"]),
        ),
        (
            lambda: actions.register(config, live, v2),
            {
                "traffic": {"1": 100},
                "deployed": ["1"],
                "aliases": {"1": ["champion", "default"], "2": ["candidate"]},
                "monitoring": {"1": V1_BASELINE},
            },
            ("register", "2", ["upload", "move_alias"]),
        ),
        (
            lambda: actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=v2),
            {
                "traffic": {"1": 90, "2": 10},
                "deployed": ["1", "2"],
                "aliases": {"1": ["champion", "default"], "2": ["candidate"]},
                "monitoring": {"1": V1_BASELINE, "2": V2_BASELINE},
            },
            ("deploy", "2", ["deploy_model", "update_monitoring"]),
        ),
        (
            lambda: actions.promote(config, live, "ledger", "pay-scorer", "candidate"),
            {
                "traffic": {"1": 0, "2": 100},
                "deployed": ["1", "2"],
                "aliases": {"1": ["default", "previous-champion"], "2": ["champion"]},
                "monitoring": {"1": V1_BASELINE, "2": V2_BASELINE},
            },
            ("promote", "2", ["set_traffic", "move_alias", "move_alias"]),
        ),
        (
            lambda: actions.rollback(config, live, "ledger", "pay-scorer"),
            {
                "traffic": {"1": 100},
                "deployed": ["1"],
                "aliases": {"1": ["champion", "default"]},
                "monitoring": {"1": V1_BASELINE},
            },
            ("rollback", "1", ["set_traffic", "move_alias", "undeploy", "update_monitoring"]),
        ),
    ]
    for number, (command, expected, (action, version, trail)) in enumerate(steps, 1):
        command()
        assert state(server, ledger_endpoint) == expected, f"step {number}: {action}"
        assert last_event(server) == {
            "action": action,
            "outcome": "succeeded",
            "version": version,
            "model": MODEL,
            "steps": trail,
        }, f"step {number}: {action}"
    assert len(audit_entries(server)) == len(steps)
