"""The scorer's HTTP server (scorer/http_server.py): /metrics for Managed Prometheus and /healthz for the
Deployment's probes, which must fail once the subscriber stopped (issue 13 review, item 5). The subscriber is the
real google-cloud-pubsub client against fake_pubsub.py; PERMISSION_DENIED ends its stream as the service does while
the serving account's binding is missing."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest
from google.api_core.exceptions import PermissionDenied

from scorer.http_server import HEALTH_PATH, METRICS_PATH, Health, serve
from scorer.main import run
from tests.scorer.conftest import SUBSCRIPTION, TABLE, TOPIC, event, until
from tests.scorer.fake_pubsub import FakePubSub

ROOT = Path(__file__).resolve().parents[2]
DENIED = (grpc.StatusCode.PERMISSION_DENIED, "User not authorized to perform this action.")


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def http(env):
    health = Health()
    server = serve(0, env["metrics"].registry, health, addr="127.0.0.1")
    yield health, server.server_port
    server.shutdown()
    server.server_close()


def test_healthz_follows_the_subscriber_and_metrics_are_served(env, http):
    health, port = http
    assert _get(port, HEALTH_PATH)[0] == 503  # before subscribe: not ready
    thread = env.consume(health=health)
    until(lambda: _get(port, HEALTH_PATH)[0] == 200)
    env["pubsub"].publish(TOPIC, event("r-4"))
    until(lambda: env["pubsub"].settled(SUBSCRIPTION) and env["bq"].rows[TABLE])
    status, text = _get(port, METRICS_PATH)
    assert status == 200
    assert 'modelops_scorer_predictions_total{model="intent-propensity"} 1.0' in text
    assert 'modelops_scorer_latency_seconds_count{model="intent-propensity"} 1.0' in text
    assert "# TYPE modelops_scorer_errors_total counter" in text
    assert "# TYPE modelops_scorer_latency_seconds histogram" in text
    assert _get(port, "/")[0] == 404  # only the two routes: a probe on a wrong path fails
    env["stop"].set()
    thread.join(10)
    assert _get(port, HEALTH_PATH)[0] == 503  # drained: no longer consuming


def test_permission_denied_turns_healthz_to_503_and_ends_the_run(env, http):
    health, port = http
    outcome: list[BaseException] = []

    def consume() -> None:
        try:
            run(env["settings"], env["subscriber"], env["bq_client"], env["metrics"], env["stop"], health)
        except BaseException as exc:
            outcome.append(exc)

    env["thread"] = threading.Thread(target=consume, daemon=True)
    env["thread"].start()
    until(lambda: _get(port, HEALTH_PATH)[0] == 200)
    env["pubsub"].deny = DENIED  # the running stream ends with PERMISSION_DENIED
    env["thread"].join(20)
    assert not env["thread"].is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], PermissionDenied)
    assert _get(port, HEALTH_PATH) == (503, "subscriber not running\n")
    assert _get(port, METRICS_PATH)[0] == 200  # the metrics stay scrapeable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The process under test gets the suite's rule too: no connection beyond loopback.
_GUARDED_MAIN = """
import ipaddress, runpy, socket
real = socket.socket.connect
def guarded(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not ipaddress.ip_address(address[0]).is_loopback:
        raise AssertionError(f"scorer tried to connect to {address!r}")
    return real(self, address)
socket.socket.connect = guarded
runpy.run_module("scorer.main", run_name="__main__")
"""


def test_the_process_exits_non_zero_when_its_subscription_is_denied(tmp_path):
    """``python -m scorer.main`` with the real clients: /healthz answers 200 while it consumes; PERMISSION_DENIED
    on the stream ends the process with status 1 (Kubernetes restarts the container)."""
    pubsub = FakePubSub()
    host = pubsub.start()
    pubsub.create_subscription(SUBSCRIPTION, TOPIC)
    # google.auth.default() reads this file without a network call (the BigQuery client is built, never used).
    credentials = tmp_path / "adc.json"
    credentials.write_text(
        json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"})
    )
    port = _free_port()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "PUBSUB_", "BIGQUERY_"))},
        "PUBSUB_EMULATOR_HOST": host,
        "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
        "GOOGLE_CLOUD_PROJECT": "reach-dev",
        "SUBSCRIPTION": SUBSCRIPTION,
        "HISTORY_TABLE": TABLE,
        "MODEL_NAME": "intent-propensity",
        "MODEL_VERSION": "7",
        "MODEL_URL": "http://127.0.0.1:9/predict",
        "METRICS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _GUARDED_MAIN], cwd=ROOT, env=environ, stderr=subprocess.PIPE, text=True
    )
    try:
        until(lambda: process.poll() is None and _healthz(port) == 200, timeout=30)
        pubsub.deny = DENIED
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        pubsub.stop()
    assert process.returncode == 1
    assert "the subscriber stopped" in stderr and "PermissionDenied" in stderr


def _healthz(port: int) -> int | None:
    try:
        return _get(port, HEALTH_PATH)[0]
    except OSError:
        return None  # not listening yet
