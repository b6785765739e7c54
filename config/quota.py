"""Does a team's cluster workload fit its namespace quota at full scale?

A ResourceQuota refuses a pod that would take the namespace over its `hard` amounts ("the quota system ... ensures
that users do not create or update resources that exceed the quota", with a 403 Forbidden,
https://kubernetes.io/docs/concepts/policy/resource-quotas/), so an autoscaler that cannot reach max_replicas, or a
rollout that cannot add its surge pod, fails quietly on the cluster. The loader checks instead, with the worst case:
every model at ``max_replicas`` plus the one surge pod of a rolling update (modules/kubernetes/workloads.py,
``max_surge`` 1), each pod requesting the per-container size once per container.

Quantities: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/ (the team schema admits
cores or millicores for CPU and binary suffixes for memory). Autopilot may raise requests below its minimums
(https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-resource-requests, "If your requests are less
than the minimum, Autopilot automatically modifies your workload configuration"); those minimums are not checked
here, so a very small size can count more against the quota than this sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from config.model import Model, NamespaceQuota, Workload

SURGE_PODS = 1  # modules/kubernetes/workloads.py rolling_update max_surge
BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def cpu(quantity: str) -> Fraction:
    """Cores (``"2"``, ``"0.5"``) or millicores (``"500m"``)."""
    if quantity.endswith("m"):
        return Fraction(int(quantity[:-1]), 1000)
    return Fraction(Decimal(quantity))


def memory(quantity: str) -> int:
    """Bytes of a binary-suffixed quantity (``"512Mi"``)."""
    return int(quantity[:-2]) * BINARY[quantity[-2:]]


@dataclass(frozen=True)
class Usage:
    """What one model's Deployment can hold at full scale."""

    model: str
    pods: int
    cpu: Fraction
    memory: int


def containers_per_pod(model: Model) -> int:
    """The scorer pod runs the scorer and the model (a native sidecar); an online gke pod runs the model alone."""
    return 2 if model.pattern == "streaming" else 1


def workload_of(model: Model) -> Workload | None:
    """The cluster workload a model runs (whether or not a version is deployed yet), or None."""
    if model.pattern == "streaming":
        return model.streaming.scorer
    if model.serving.runtime == "gke":
        return model.serving.workload
    return None


def usage(model: Model) -> Usage | None:
    sizing = workload_of(model)
    if sizing is None:
        return None
    pods = sizing.max_replicas + SURGE_PODS
    per_pod = containers_per_pod(model)
    return Usage(model.name, pods, pods * per_pod * cpu(sizing.cpu), pods * per_pod * memory(sizing.memory))


def problems(models: tuple[Model, ...], quota: NamespaceQuota) -> list[tuple[str, str]]:
    """(quota field, message) for each amount the team's workloads exceed at full scale."""
    used = [u for m in models if (u := usage(m)) is not None]
    if not used:
        return []
    detail = ", ".join(f"{u.model}: {u.pods} pods" for u in used)
    pods, cores = Fraction(sum(u.pods for u in used)), sum((u.cpu for u in used), Fraction(0))
    mem = Fraction(sum(u.memory for u in used))
    checks: tuple[tuple[str, Fraction, Fraction, Callable[[Fraction], str]], ...] = (
        ("pods", pods, Fraction(quota.pods), _pods),
        ("requests_cpu", cores, cpu(quota.requests_cpu), _cores),
        ("limits_cpu", cores, cpu(quota.limits_cpu), _cores),
        ("requests_memory", mem, Fraction(memory(quota.requests_memory)), _bytes),
        ("limits_memory", mem, Fraction(memory(quota.limits_memory)), _bytes),
    )
    return [
        (
            field,
            f"the team's cluster workloads need {show(need)} at max_replicas + {SURGE_PODS} surge pod each "
            f"({detail}; requests = limits) but namespace.quota.{field} allows {show(allowed)}: raise it or lower "
            "the models' max_replicas or size",
        )
        for field, need, allowed, show in checks
        if need > allowed
    ]


def _pods(value: Fraction) -> str:
    return f"{int(value)} pods"


def _cores(value: Fraction) -> str:
    return f"{float(value):g} CPU"


def _bytes(value: Fraction) -> str:
    return f"{float(value / 2**30):g}Gi" if value % 2**30 == 0 else f"{float(value / 2**20):g}Mi"
