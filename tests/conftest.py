"""Shared fixtures: one synth per config per test session (jsii import is expensive).

Two configs, two kinds of test:

- the fixture organisation (tests/fixtures/org: `org_config`, `org_synth_dir`, `org_stacks`, `org_copy`): a
  platform and teams that cover every pattern, task, access mode and suppression kind the behaviour tests
  need, with names of its own. Behaviour tests assert on it, never on the example.
- this repository's config in infra/ (`infra_config`, `infra_synth_dir`, `infra_stacks`): the company's own
  teams, which replace the example on day one. Only tests that hold for any valid config use it
  (tests/test_own_config.py): every team validates, synthesizes, passes the gate, its docs are fresh.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# This repository's config, or another one the day-one test points the any-config checks at.
INFRA = Path(os.environ.get("MODELOPS_OWN_CONFIG", REPO / "infra"))
ORG = REPO / "tests" / "fixtures" / "org"


def pytest_configure(config):
    """The test session is an entry point like the CLI: the venv's Node before jsii starts."""
    from stacks.node_runtime import prefer_venv_node

    prefer_venv_node()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests may only talk to loopback: any other connection fails the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and not (host.startswith("127.") or host in ("localhost", "::1"))
            and self.family in (socket.AF_INET, socket.AF_INET6)
        ):
            raise AssertionError(f"test tried to open a non-loopback connection to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _copy_config(src: Path, dst: Path) -> Path:
    dst.mkdir()
    shutil.copy(src / "platform.yaml", dst / "platform.yaml")
    shutil.copytree(src / "teams", dst / "teams")
    return dst


@pytest.fixture
def org_copy(tmp_path) -> Path:
    """A writable copy of the fixture organisation (platform.yaml + teams/) for mutation tests."""
    return _copy_config(ORG, tmp_path / "infra")


def _synth(config, tmp_path_factory, label: str) -> Path:
    from scripts.synth import synthesize

    out = tmp_path_factory.mktemp(label) / "cdktf.out"
    synthesize(config, out)
    return out


def _read_stacks(synth_dir: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in synth_dir.glob("stacks/*/cdk.tf.json")}


@pytest.fixture(scope="session")
def org_config():
    from config.loader import load_config

    return load_config(ORG)


@pytest.fixture(scope="session")
def org_synth_dir(tmp_path_factory, org_config) -> Path:
    """The fixture organisation synthesized once, as `modelops synth` writes it."""
    return _synth(org_config, tmp_path_factory, "org-synth")


@pytest.fixture(scope="session")
def org_stacks(org_synth_dir) -> dict[str, dict]:
    """Stack name -> parsed cdk.tf.json of the fixture organisation."""
    return _read_stacks(org_synth_dir)


@pytest.fixture(scope="session")
def infra_config():
    from config.loader import load_config

    return load_config(INFRA)


@pytest.fixture(scope="session")
def infra_synth_dir(tmp_path_factory, infra_config) -> Path:
    """This repository's config (infra/) synthesized once."""
    return _synth(infra_config, tmp_path_factory, "infra-synth")


@pytest.fixture(scope="session")
def infra_stacks(infra_synth_dir) -> dict[str, dict]:
    return _read_stacks(infra_synth_dir)
