"""`modelops wait-namespaces` against a loopback server that answers the Container API's clusters.get and the
Kubernetes API's namespace read the way their references describe (lifecycle/namespaces.py cites them): the
cluster resource carries controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint; a namespace read answers 403 while
the caller has no RoleBinding there (RBAC runs before storage, so also before the namespace exists), 200 with
metadata.labels after; SelfSubjectAccessReview answers status.allowed from the roles the cluster holds (the fake
evaluates the bootstrap's ClusterRoles with the RBAC matching rules; a "stale" cluster holds an older copy)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config import kubernetes_rbac
from config.loader import load_config
from lifecycle.namespaces import WaitError, wait_for_namespaces
from tests.helpers import ORG, ORG_DIR, send_json
from tests.test_cli import run

ORG_TEAMS = ("ledger", "reach", "scout")  # every fixture team has a dev environment


class FakeCluster:
    """Per namespace, the answers its reads get in turn (the last one repeats)."""

    def __init__(
        self,
        answers: dict[str, list[tuple[int, dict | None]]],
        cluster_status: int = 200,
        roles: list[dict] | None = None,
    ):
        self.answers = answers
        self.cluster_status = cluster_status
        self.roles = roles if roles is not None else kubernetes_rbac.cluster_roles()
        self.reads: list[str] = []
        self.reviews: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.reads.append(self.path)
                if "/clusters/" in self.path:
                    body = {"name": self.path.rsplit("/", 1)[1]}
                    body["controlPlaneEndpointsConfig"] = {
                        "dnsEndpointConfig": {"endpoint": "gke-1.europe-west4.gke.goog"}
                    }
                    return self._send(fake.cluster_status, body)
                if self.path.startswith("/api/v1/namespaces/"):
                    name = self.path.rsplit("/", 1)[1]
                    queue = fake.answers.get(name, [(403, None)])
                    status, labels = queue.pop(0) if len(queue) > 1 else queue[0]
                    body = (
                        {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}
                        if status == 200
                        else {
                            "kind": "Status",
                            "code": status,
                        }
                    )
                    return self._send(status, body)
                return self._send(404, {})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
                    return self._send(404, {})
                attrs = body["spec"]["resourceAttributes"]
                fake.reviews.append(attrs)
                obj = kubernetes_rbac.ApiObject(attrs["group"], attrs["resource"])
                # namespaced requests are judged by the namespace roles, cluster-scoped ones by the reader's binding
                names = (
                    [kubernetes_rbac.role_name("applier")]
                    if "namespace" in attrs
                    else [kubernetes_rbac.data()["cluster_reader"]["name"]]
                )
                allowed = any(
                    kubernetes_rbac.allows(r, obj, attrs["verb"]) for r in fake.roles if r["metadata"]["name"] in names
                )
                return self._send(201, {**body, "status": {"allowed": allowed}})

            def _send(self, status, body):
                send_json(self, status, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


READY = (200, {"team": "x", "pod-security.kubernetes.io/enforce": "restricted"})


@pytest.fixture
def session():
    from google.auth.credentials import AnonymousCredentials
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(AnonymousCredentials())


def _wait(session, fake, timeout=60.0):
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    return wait_for_namespaces(
        session,
        load_config(ORG),
        "dev",
        timeout=timeout,
        interval=10,
        container_api=fake.url,
        kubernetes_api=fake.url,
        clock=lambda: now[0],
        sleep=sleep,
    )


def test_waits_through_not_created_and_not_yet_bound_until_labelled(session):
    fake = FakeCluster(
        {
            "ledger": [(403, None), (404, None), (200, {"team": "ledger"}), READY],
            "reach": [READY],
            "scout": [(403, None), READY],
        }
    )
    try:
        result = _wait(session, fake)
    finally:
        fake.close()
    assert result.ready and result.endpoint == "gke-1.europe-west4.gke.goog"
    assert result.seconds == 30  # four rounds of reads, 10 s apart
    assert fake.reads[0] == "/v1/projects/orbit-mlops-dev/locations/europe-west4/clusters/orbit-mlops-gke"
    # a ready namespace is not read again
    assert [r for r in fake.reads if r.endswith("/reach")] == ["/api/v1/namespaces/reach"]


def test_gives_up_after_the_timeout_and_says_which_namespace_and_why(session):
    fake = FakeCluster({"ledger": [READY], "reach": [READY], "scout": [(200, {"team": "scout"})]})
    try:
        result = _wait(session, fake, timeout=25)
    finally:
        fake.close()
    assert not result.ready and result.seconds == 25
    (scout,) = [n for n in result.namespaces if not n.ready]
    assert scout.namespace == "scout" and "enforce label is None" in scout.last


def test_an_answer_waiting_cannot_fix_stops_the_wait(session):
    fake = FakeCluster({"ledger": [(500, None)]})
    try:
        with pytest.raises(WaitError, match="namespace ledger: HTTP 500"):
            _wait(session, fake)
    finally:
        fake.close()
    fake = FakeCluster({}, cluster_status=403)
    try:
        with pytest.raises(WaitError, match=r"clusters\.get .*HTTP 403"):
            _wait(session, fake)
    finally:
        fake.close()


def test_cli_waits_and_reports_as_json():
    fake = FakeCluster({name: [READY] for name in ORG_TEAMS})
    try:
        result = run(
            "wait-namespaces", "--config-dir", ORG_DIR, "--env", "dev", "--emulator", fake.url, "--output", "json"
        )
    finally:
        fake.close()
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ready"] and {n["namespace"] for n in doc["namespaces"]} == set(ORG_TEAMS)


def test_cli_exits_1_when_not_ready_and_2_on_bad_input():
    fake = FakeCluster({})
    try:
        slow = run(
            "wait-namespaces",
            "--config-dir",
            ORG_DIR,
            "--env",
            "dev",
            "--emulator",
            fake.url,
            "--timeout",
            "0.2",
            "--interval",
            "0.1",
        )
    finally:
        fake.close()
    assert (
        slow.returncode == 1
        and "NOT ready" in slow.stdout
        and "ledger: HTTP 403 (namespace or its CI RoleBinding" in slow.stdout
    )
    bad = run("wait-namespaces", "--config-dir", ORG_DIR, "--env", "nope", "--emulator", "http://10.0.0.1:80")
    assert bad.returncode == 2
    assert "--env nope: no such environment" in bad.stderr and "only a loopback address" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_ready_namespace_whose_roles_the_cluster_does_not_grant_stops_the_wait(session):
    """A stale bootstrap: the cluster still holds an applier role without podmonitorings and no CRD reader."""
    stale = [
        r for r in kubernetes_rbac.cluster_roles() if r["metadata"]["name"] == kubernetes_rbac.role_name("applier")
    ]
    stale[0]["rules"] = [r for r in stale[0]["rules"] if "podmonitorings" not in r["resources"]]
    fake = FakeCluster({name: [READY] for name in ORG_TEAMS}, roles=stale)
    try:
        with pytest.raises(WaitError) as raised:
            _wait(session, fake)
    finally:
        fake.close()
    message = str(raised.value)
    assert "create monitoring.googleapis.com/podmonitorings in ledger" in message
    assert "list apiextensions.k8s.io/customresourcedefinitions cluster-wide" in message
    assert "step 6" in message


def test_the_wait_asks_about_every_call_the_stacks_make(session):
    fake = FakeCluster({name: [READY] for name in ORG_TEAMS})
    try:
        _wait(session, fake)
    finally:
        fake.close()
    asked = {(a.get("namespace"), a["verb"], a["group"], a["resource"]) for a in fake.reviews}
    assert (None, "list", "apiextensions.k8s.io", "customresourcedefinitions") in asked
    assert ("reach", "create", "", "resourcequotas") in asked and ("scout", "delete", "apps", "deployments") in asked
