"""MLOPS_GKE_9: every workload container states CPU and memory requests and limits, and requests equal limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from policies.kubernetes_pods import WORKLOAD_TYPES, mapping, pod_templates
from policies.rulebase import ResourceRule

RESOURCES = ("cpu", "memory")

# Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
# a signed decimal number, then a binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E)
# or a decimal exponent (e3, E-2). "500m" and "0.5" are the same quantity, so equality compares values.
QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
SUFFIX = {
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity's value, or None for anything that is not one (including Terraform tokens)."""
    match = QUANTITY.match(str(value).strip()) if value is not None else None
    if not match:
        return None
    number, suffix = match.group(1), match.group(2) or ""
    try:
        if suffix[:1] in ("e", "E") and len(suffix) > 1:
            return Decimal(number) * Decimal(10) ** int(suffix[1:])
        return Decimal(number) * SUFFIX[suffix]
    except (InvalidOperation, KeyError):
        return None


def resource_problems(tf_type: str, conf: dict[str, Any]) -> Iterator[str]:
    for pod in pod_templates(tf_type, conf):
        for c in pod.containers:
            if c.role == "ephemeral_container":
                # EphemeralContainer.resources: "Resources are not allowed for ephemeral containers" (Kubernetes
                # API reference, core/v1 EphemeralContainer); they are added to a running pod through its
                # ephemeralcontainers subresource for debugging, never declared by a workload.
                yield f"{c.label}: a workload may not declare ephemeral containers (they cannot state resources)"
                continue
            requests = mapping(c.conf, "resources", "requests")
            limits = mapping(c.conf, "resources", "limits")
            for kind, values in (("requests", requests), ("limits", limits)):
                missing = [r for r in RESOURCES if not values.get(r)]
                if missing:
                    yield f"{c.label}: no {kind} for {', '.join(missing)}"
            for r in RESOURCES:
                if not (requests.get(r) and limits.get(r)):
                    continue
                asked, capped = quantity(requests[r]), quantity(limits[r])
                if asked is None or capped is None:
                    yield f"{c.label}: {r} request {requests[r]} or limit {limits[r]} is not a Kubernetes quantity"
                elif asked != capped:
                    yield f"{c.label}: {r} request {requests[r]} differs from its limit {limits[r]}"


class GkeWorkloadResources(ResourceRule):
    id = "MLOPS_GKE_9"
    title = "GKE workloads: CPU and memory requests equal to limits on every container"
    why = (
        "On a shared cluster a container without limits can starve its neighbours, and the namespace's "
        "ResourceQuota on requests.* and limits.* refuses pods whose containers state none "
        "(https://kubernetes.io/docs/concepts/policy/resource-quotas/: with a quota on cpu or memory, "
        "every new container must state a request or limit for it). The platform sizes pods with requests equal "
        "to limits, which makes them Guaranteed, the last class evicted under node pressure "
        "(https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/#guaranteed: every container, init "
        "containers included, has cpu and memory requests and limits, and they are equal). A limit far above its "
        "request lets one team's burst take the node its neighbours were scheduled on."
    )
    capability = "deployment: one shared, centrally run cluster"
    fix = "Set `streaming.scorer.cpu` and `memory` (streaming) or `serving.cpu` and `memory` (`runtime: gke`) in the team YAML."
    severity = "MEDIUM"
    model_field = ("streaming", "scorer")
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        return resource_problems(self.entity_type, conf)


check = GkeWorkloadResources()
