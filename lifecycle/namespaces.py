"""Wait until the fleet has made every team namespace of an environment, labelled and reachable by CI.

Between `cdktn deploy platform-<env>` and the team stacks (.github/actions/apply): the fleet creates a team's
namespace, its Pod Security labels and the RoleBindings of its scope asynchronously, after the platform stack's
google_gke_hub_namespace and membership binding report done. A team stack applied too early stops at its
namespace postcondition (modules/kubernetes/namespace_ready.py); this wait makes that the exception.

Calls, both as the caller (CI: the applier):
- Container API ``projects.locations.clusters.get``
  (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/get, permission
  container.clusters.get) for ``controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint``
  (https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#DNSEndpointConfig);
- Kubernetes ``GET /api/v1/namespaces/{name}`` on that endpoint
  (https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#get-read-the-specified-namespace),
  allowed by the CI role's `get namespaces` in the namespace's own RoleBinding (config/data/kubernetes_ci_roles.yaml).
A namespace is ready when the read answers 200 with ``pod-security.kubernetes.io/enforce`` at the fleet's value.
403 means "wait": before the fleet has made the namespace and the CI RoleBinding in it, RBAC refuses the read
whatever the namespace's state (the authorizer runs before storage), and so it does when the bootstrap ClusterRoles
are missing; 404 (readable but absent) waits too. Anything else stops the wait.

Once a namespace reads, the cluster is asked whether the caller may make every call the team stacks' Kubernetes
objects need (config/kubernetes_rbac.py ``applier_requests``), in that namespace and cluster-wide, with
SelfSubjectAccessReview (``POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews``, allowed to every
authenticated user by system:basic-user; https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access):
a stale or missing bootstrap (step 6 of docs/access.md) stops the wait at once, naming what the cluster refuses,
instead of failing the team apply half-way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from config import kubernetes_rbac, names
from config.model import Config

CONTAINER_API = "https://container.googleapis.com"
WAIT_STATUSES = {403, 404}


@dataclass
class NamespaceState:
    team: str
    namespace: str
    ready: bool = False
    last: str = "not read yet"


@dataclass
class WaitResult:
    env: str
    endpoint: str
    namespaces: list[NamespaceState] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ready(self) -> bool:
        return all(n.ready for n in self.namespaces)

    def as_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "endpoint": self.endpoint,
            "ready": self.ready,
            "seconds": round(self.seconds, 1),
            "namespaces": [n.__dict__ for n in self.namespaces],
        }


class WaitError(Exception):
    """The cluster or a namespace answered something waiting cannot fix."""


def refused_calls(session: Any, api: str, namespace: str) -> list[str]:
    """The calls of ``kubernetes_rbac.applier_requests`` the cluster says the caller may not make."""
    refused = []
    for obj, verb, cluster_scoped in kubernetes_rbac.applier_requests():
        attributes = {"verb": verb, "group": obj.group, "resource": obj.resource}
        if not cluster_scoped:
            attributes["namespace"] = namespace
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes},
        }
        response = session.post(f"{api}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=body, timeout=30)
        if response.status_code not in (200, 201):
            raise WaitError(f"selfsubjectaccessreviews: HTTP {response.status_code} {response.text[:200]}")
        if not (response.json().get("status") or {}).get("allowed"):
            where = "cluster-wide" if cluster_scoped else f"in {namespace}"
            refused.append(f"{verb} {obj} {where}")
    return refused


def dns_endpoint(session: Any, config: Config, env: str, container_api: str = CONTAINER_API) -> str:
    """The cluster's DNS-based control-plane endpoint (``<uid>.<region>.gke.goog``)."""
    project = config.platform.environments[env].project_id
    url = (
        f"{container_api}/v1/projects/{project}/locations/{config.platform.region}"
        f"/clusters/{config.platform.gke.cluster_name}"
    )
    response = session.get(url, timeout=30)
    if response.status_code != 200:
        raise WaitError(f"clusters.get {url}: HTTP {response.status_code} {response.text[:200]}")
    endpoint = response.json().get("controlPlaneEndpointsConfig", {}).get("dnsEndpointConfig", {}).get("endpoint")
    if not endpoint:
        raise WaitError(
            f"cluster {config.platform.gke.cluster_name} has no DNS-based endpoint (apply the platform stack)"
        )
    return endpoint


def wait_for_namespaces(
    session: Any,
    config: Config,
    env: str,
    *,
    timeout: float,
    interval: float,
    container_api: str = CONTAINER_API,
    kubernetes_api: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Poll every team namespace of ``env`` until all are ready or ``timeout`` seconds pass.
    ``kubernetes_api`` (default ``https://<DNS endpoint>``) is where the Kubernetes API is read."""
    endpoint = dns_endpoint(session, config, env, container_api)
    api = kubernetes_api or f"https://{endpoint}"
    result = WaitResult(
        env,
        endpoint,
        [NamespaceState(t.name, names.scope_id(t.name)) for t in config.teams if env in t.environments],
    )
    start = clock()
    while True:
        for state in (s for s in result.namespaces if not s.ready):
            response = session.get(f"{api}/api/v1/namespaces/{state.namespace}", timeout=30)
            if response.status_code == 200:
                labels = response.json().get("metadata", {}).get("labels") or {}
                value = labels.get(names.POD_SECURITY_ENFORCE_LABEL)
                state.ready = value == names.POD_SECURITY_LEVEL
                if state.ready:
                    refused = refused_calls(session, api, state.namespace)
                    if refused:
                        raise WaitError(
                            f"namespace {state.namespace} is ready but the cluster refuses the CI applier: "
                            f"{'; '.join(refused)}. The bootstrap's cluster roles are missing or stale: re-apply "
                            "them (docs/access.md, Bootstrap, step 6)"
                        )
                state.last = (
                    "ready" if state.ready else f"enforce label is {value!r}, not {names.POD_SECURITY_LEVEL!r} yet"
                )
            elif response.status_code in WAIT_STATUSES:
                state.last = f"HTTP {response.status_code}" + (
                    " (not created yet)"
                    if response.status_code == 404
                    else " (namespace or its CI RoleBinding not made by the fleet yet, or the bootstrap roles missing)"
                )
            else:
                raise WaitError(f"namespace {state.namespace}: HTTP {response.status_code} {response.text[:200]}")
        result.seconds = clock() - start
        if result.ready or result.seconds >= timeout:
            return result
        sleep(min(interval, max(timeout - result.seconds, 0)))
