"""`modelops status`: what is deployed where, read-only; live against the fake, dry run with sockets blocked."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lifecycle import actions
from scripts.cli import app
from tests.lifecycle.conftest import CARDS
from tests.lifecycle.test_cli_lifecycle import offline  # noqa: F401  (fixture)
from tests.lifecycle.test_scenario import second

CARD = str(CARDS / "ledger-pay-scorer.yaml")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_status_shows_versions_traffic_aliases_and_objectives(server, live, config, card_scorer, ledger_endpoint):
    actions.register(config, live, card_scorer)
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate", card=card_scorer)
    actions.promote(config, live, "ledger", "pay-scorer", "candidate")
    actions.register(config, live, second(card_scorer))
    actions.deploy(config, live, "ledger", "pay-scorer", "candidate")
    before, events = len(server.fake.requests), len(server.fake.log_entries)
    result = invoke("status", "--team", "ledger", "--model", "pay-scorer", "--emulator", server.url, "-o", "json")
    assert result.exit_code == 0, result.output
    assert {r.method for r in server.fake.requests[before:]} == {"GET"}  # read-only
    assert len(server.fake.log_entries) == events  # no audit event: nothing changed
    [model] = json.loads(result.stdout)["models"]
    assert model["aliases"] == {"champion": "1", "candidate": "2", "default": "1"}
    assert [(d["version_id"], d["traffic_percent"], d["aliases"]) for d in model["deployed"]] == [
        ("1", 90, ["champion", "default"]),
        ("2", 10, ["candidate"]),
    ]
    champion, canary = model["deployed"]
    assert champion["monitoring"]["skew"]["baseline"].endswith("transactions_train_snapshot_20240930")
    assert canary["monitoring"]["skew"] is None and canary["monitoring"]["drift"]["thresholds"]
    assert model["monitoring_log_ttl_days"] == 730
    assert model["monitoring_state"] in ("JOB_STATE_RUNNING", "JOB_STATE_UPDATING")
    assert model["monitoring_encryption_key"].endswith("/keyRings/orbit-mlops-dev/cryptoKeys/vertex")
    assert model["monitoring_tables"][0].startswith("bq://orbit-ledger-dev.model_deployment_monitoring_")
    text = invoke("status", "--team", "ledger", "--emulator", server.url)
    assert text.exit_code == 0
    assert (
        "v1  90%" in text.stdout and "[champion, default]" in text.stdout and "refund-forecast (batch)" in text.stdout
    )


def test_status_dry_run_lists_the_reads_and_sends_nothing(offline):  # noqa: F811
    result = invoke("status", "--team", "ledger", "-o", "json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["dry_run"] is True
    assert {r["method"] for r in view["requests"]} == {"GET"}
    assert any(r["path"].endswith("/models/ledger-pay-scorer@champion") for r in view["requests"])


def test_status_of_an_unknown_model_is_bad_input(offline):  # noqa: F811
    result = invoke("status", "--team", "ledger", "--model", "nope")
    assert result.exit_code == 2 and "--model nope: not declared" in result.stderr


def test_keep_deployed_is_accepted_by_every_command_that_changes_traffic(offline):  # noqa: F811
    for args in (
        ("deploy", "-t", "ledger", "-m", "pay-scorer", "-v", "candidate", "--card", CARD),
        ("promote", "-t", "ledger", "-m", "pay-scorer", "-v", "candidate"),
        ("rollback", "-t", "ledger", "-m", "pay-scorer"),
    ):
        report = json.loads(invoke(*args, "--keep-deployed", "3", "-o", "json").stdout)
        assert any(r["path"].endswith("/models/ledger-pay-scorer@3") for r in report["requests"])
        assert any(r["path"].endswith(":undeployModel") for r in report["requests"])


def test_an_unwritten_audit_event_exits_1_after_printing_what_was_done(server, live, config, card_scorer):
    server.fake.fail_next("writeLog", "PERMISSION_DENIED", "logging.logEntries.create denied")
    result = invoke("register", CARD, "--emulator", server.url, "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["result"]["version_id"] == "1"
    assert "register succeeded, but its audit event was not written" in result.stderr
    assert "Traceback" not in result.stderr
