"""Readers for the pod template of a kubernetes_deployment_v1 as checkov hands it (values wrapped in lists),
shared by the MLOPS_GKE_7..9 rules (hashicorp/kubernetes 3.4.0 schema: spec.template.spec.container, the
container's security_context and resources)."""

from __future__ import annotations

from typing import Any

from policies.rulebase import attr, blocks

WORKLOAD_TYPES = ("kubernetes_deployment_v1",)


def pod_spec(conf: dict[str, Any]) -> dict[str, Any]:
    spec = (blocks(conf, "spec") or [{}])[0]
    template = (blocks(spec, "template") or [{}])[0]
    return (blocks(template, "spec") or [{}])[0]


def containers(conf: dict[str, Any]) -> list[dict[str, Any]]:
    pod = pod_spec(conf)
    return blocks(pod, "container") + blocks(pod, "init_container")


def name_of(container: dict[str, Any]) -> str:
    return str(attr(container, "name") or "?")
