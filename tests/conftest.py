"""Shared fixtures: one synth of the example platform per test session (jsii import is expensive)."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INFRA = REPO / "infra"


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


@pytest.fixture
def config_copy(tmp_path) -> Path:
    """A writable copy of the example config (platform.yaml + teams/) for mutation tests."""
    dst = tmp_path / "infra"
    dst.mkdir()
    shutil.copy(INFRA / "platform.yaml", dst / "platform.yaml")
    shutil.copytree(INFRA / "teams", dst / "teams")
    return dst


@pytest.fixture(scope="session")
def example_config():
    from config.loader import load_config

    return load_config(INFRA)


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory, example_config) -> Path:
    """The whole example app synthesized once, as `modelops synth` writes it."""
    from scripts.synth import synthesize

    out = tmp_path_factory.mktemp("synth") / "cdktf.out"
    synthesize(example_config, out)
    return out


@pytest.fixture(scope="session")
def stacks(synth_dir) -> dict[str, dict]:
    """Stack name -> parsed cdk.tf.json."""
    return {p.parent.name: json.loads(p.read_text()) for p in synth_dir.glob("stacks/*/cdk.tf.json")}
