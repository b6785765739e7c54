"""The lifecycle commands as users run them: dry run without network or credentials, JSON output,
exit codes, and one live run through the CLI against the local fake."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from config import names
from scripts.cli import app
from tests.lifecycle.conftest import CARDS, REPO
from tests.lifecycle.fake_gcp import FakeServer, project_number

CARD = str(CARDS / "ledger-pay-scorer.yaml")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No credentials anywhere, and any socket use or DNS lookup at all fails the test."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))

    def refuse(*args, **kwargs):
        raise AssertionError(f"dry run touched the network: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


@pytest.mark.parametrize(
    "args",
    [
        ("register", CARD),
        ("deploy", "--team", "ledger", "--model", "pay-scorer", "--version", "candidate", "--card", CARD),
        ("promote", "--team", "ledger", "--model", "pay-scorer", "--version", "3"),
        ("rollback", "--team", "reach", "--model", "intent-propensity"),
        ("validate-card", CARD, "--dry-run"),
    ],
)
def test_without_credentials_every_command_defaults_to_a_dry_run_without_network(offline, args):
    result = invoke(*args, "--output", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert report["audit_event"]["dry_run"] is True
    # The platform project of the environment: only lifecycle identities may write log entries there
    # (lifecycle/context.py; review 17, item 6).
    assert report["audit_log"] == "projects/orbit-mlops-dev/logs/modelops-audit"
    assert all(r["path"].startswith(("/v1/", "/v3/")) for r in report["requests"])


def test_register_dry_run_shows_the_upload_and_the_full_audit_event(offline):
    report = json.loads(invoke("register", CARD, "-o", "json").stdout)
    upload = next(r for r in report["requests"] if r["sdk"] == "aiplatform.Model.upload")
    assert upload["method"] == "POST"
    assert upload["path"] == "/v1/projects/orbit-ledger-dev/locations/europe-west4/models:upload"
    assert upload["arguments"]["version_aliases"] == []  # candidate moves with one mergeVersionAliases after
    merge = next(r for r in report["requests"] if r["path"].endswith(":mergeVersionAliases"))
    assert merge["arguments"]["version_aliases"] == ["candidate"]
    assert upload["arguments"]["labels"]["train_code_sha"] == "3f9c2a7d1e5b8c0a4f6d2e9b7a1c3e5f7d9b0a2c"
    event = report["audit_event"]
    assert event["card"]["training"]["code"]["commit"] == "3f9c2a7d1e5b8c0a4f6d2e9b7a1c3e5f7d9b0a2c"
    assert event["action"] == "register" and event["team"] == "ledger" and event["env"] == "dev"


def prod_card(tmp_path) -> str:
    """The example card with its image in the prod platform repository (each environment pulls from its own)."""
    path = tmp_path / "card-prod.yaml"
    path.write_text((CARDS / "ledger-pay-scorer.yaml").read_text().replace("/orbit-mlops-dev/", "/orbit-mlops-prod/"))
    return str(path)


def test_deploy_dry_run_shows_canary_split_serving_account_and_monitoring(offline, tmp_path):
    report = json.loads(
        invoke(
            "deploy",
            "-t",
            "ledger",
            "-m",
            "pay-scorer",
            "-v",
            "candidate",
            "--traffic",
            "25",
            "--card",
            prod_card(tmp_path),
            "--env",
            "prod",
            "-o",
            "json",
        ).stdout
    )
    deploy = next(r for r in report["requests"] if r["sdk"] == "aiplatform.Model.deploy")
    endpoint = f"projects/orbit-ledger-prod/locations/europe-west4/endpoints/{names.endpoint_name('ledger', 'pay-scorer', 'prod')}"
    assert deploy["path"] == f"/v1/{endpoint}:deployModel"
    assert deploy["arguments"]["service_account"] == "ledger-serving@orbit-ledger-prod.iam.gserviceaccount.com"
    assert list(deploy["arguments"]["traffic_split"].values()) == [25, 75]
    monitoring = next(r for r in report["requests"] if r["sdk"].endswith("update_model_deployment_monitoring_job"))
    [(deployed, objective)] = [
        (k, v) for k, v in monitoring["arguments"]["objectives"].items() if v != "<kept as the job has it>"
    ]
    assert deployed == "<deployed model id assigned by the endpoint>"
    # The card's snapshot table, not the live training table.
    assert (
        objective["skew"]["baseline"] == "bq://orbit-ledger-prod.ledger_features.transactions_train_snapshot_20240930"
    )
    assert report["audit_event"]["project"] == "orbit-ledger-prod"
    assert report["audit_log"] == "projects/orbit-mlops-prod/logs/modelops-audit"


@pytest.mark.parametrize(
    "args, message",
    [
        (("deploy", "-t", "nobody", "-m", "x", "-v", "1"), "--team nobody: no such team"),
        (
            ("deploy", "-t", "ledger", "-m", "nope", "-v", "1"),
            "--model nope: not declared in tests/fixtures/org/teams/ledger.yaml",
        ),
        (("promote", "-t", "ledger", "-m", "pay-scorer", "-v", "1", "--env", "qa"), "--env qa: no such environment"),
        (("deploy", "-t", "ledger", "-m", "refund-forecast", "-v", "1"), "is a batch model"),
        (("deploy", "-t", "ledger", "-m", "pay-scorer", "-v", "1", "--traffic", "0"), "--traffic 0"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(offline, args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_live_register_through_the_cli_against_the_local_fake():
    with FakeServer() as server:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        result = subprocess.run(
            [sys.executable, "-m", "scripts.cli", "register", CARD, "--emulator", server.url],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "register: done" in result.stdout and "version_id: 1" in result.stdout
        assert "audit event written to projects/orbit-mlops-dev/logs/modelops-audit" in result.stdout
        number = f"projects/{project_number('orbit-ledger-dev')}"  # Vertex answers with the project number
        assert [r.method + " " + r.path.split("?")[0] for r in server.fake.requests] == [
            "GET /v1/projects/orbit-ledger-dev/locations/europe-west4/models/ledger-pay-scorer",
            "POST /v1/projects/orbit-ledger-dev/locations/europe-west4/models:upload",
            f"GET /v1/{number}/locations/europe-west4/models/ledger-pay-scorer@1",
            f"POST /v1/{number}/locations/europe-west4/models/ledger-pay-scorer@1:mergeVersionAliases",
            "POST /v2/entries:write",
        ]


def test_emulator_must_be_loopback(offline):
    result = invoke("register", CARD, "--emulator", "http://aiplatform.example.com")
    assert result.exit_code == 2 and "only a loopback address" in result.stderr


def test_unregistered_version_exits_2_without_traceback():
    with FakeServer() as server:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scripts.cli",
                "promote",
                "-t",
                "ledger",
                "-m",
                "pay-scorer",
                "-v",
                "1",
                "--emulator",
                server.url,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert "is not in the model registry" in result.stderr and "Traceback" not in result.stderr


def test_the_monitoring_wait_help_names_the_default_the_commands_use():
    from lifecycle.job_state import DEFAULT_WAIT_SECONDS
    from scripts.commands.lifecycle import MonitoringWait

    assert f"(default: {DEFAULT_WAIT_SECONDS})" in MonitoringWait.help
