"""Fixtures for the lifecycle tests: the example config and a local fake of the Google APIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import names
from lifecycle.card import load_card
from lifecycle.context import resolve
from tests.lifecycle.fake_gcp import FakeServer

REPO = Path(__file__).resolve().parents[2]
ORG = REPO / "tests" / "fixtures" / "org"
CARDS = ORG / "cards"
# The labels the team stack puts on what it creates (user_labels of the synthesized channel, team-ledger-dev).
STACK_LABELS = {"team": "ledger", "env": "dev", "managed-by": "modelops"}


@pytest.fixture(autouse=True)
def _fixture_org(monkeypatch):
    """Every CLI run of these tests (in process or as a subprocess inheriting the environment) reads the fixture
    organisation, whatever teams infra/ holds."""
    monkeypatch.setenv("MODELOPS_CONFIG_DIR", str(ORG))


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch):
    """The fake's clock is its reads (tests/lifecycle/fake_gcp.py): poll without sleeping."""
    monkeypatch.setattr("lifecycle.job_state.POLL_SECONDS", 0.0)


@pytest.fixture
def server():
    with FakeServer() as running:
        yield running


@pytest.fixture
def config():
    from config.loader import load_config

    return load_config(ORG)


def emulated(config, team: str, server):
    """A Target for ``team`` in dev whose every API call goes to the fake."""
    return resolve(
        config,
        config.team(team),
        env="dev",
        project=None,
        region=None,
        audit_project=None,
        dry_run=None,
        emulator=server.url,
    )


@pytest.fixture
def live(config, server):
    """A Target for team ledger in dev whose every API call goes to the fake."""
    return emulated(config, "ledger", server)


@pytest.fixture
def card_scorer():
    return load_card(CARDS / "ledger-pay-scorer.yaml")[0]


@pytest.fixture
def ledger_endpoint(server, live):
    """The endpoint and channel the ledger team stack would have created in dev."""
    name = f"{live.location_path}/endpoints/{names.endpoint_name('ledger', 'pay-scorer', 'dev')}"
    server.fake.add_endpoint(name, "pay-scorer")
    server.fake.add_channel(live.project, "ledger-oncall", labels=STACK_LABELS)
    return name


def audit_entries(server) -> list[dict]:
    return [e for e in server.fake.log_entries if e["logName"].endswith("/logs/modelops-audit")]
