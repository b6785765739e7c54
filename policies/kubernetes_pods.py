"""Find every pod template a Kubernetes resource carries and read it in one shape, for the MLOPS_GKE_7..11 rules.

Two sources of pods, read the same way:

- The pod-bearing types of hashicorp/kubernetes 3.4.0 (policies/provider/data/kubernetes-3.4.0.schema.json.gz,
  generated from the cdktn-provider-kubernetes 17.1.0 jsii assembly): the pod spec sits at ``spec`` (pod),
  ``spec.job_template.spec.template.spec`` (cron job) or ``spec.template.spec`` (everything else), and holds
  ``container`` and ``init_container`` blocks; the schema has no ephemeral containers. tests/policies/
  test_kubernetes_pods.py walks the schema and checks this table is complete.
- ``kubernetes_manifest``: its ``manifest`` is any Kubernetes object in the API's own camelCase
  (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/), unchecked by provider
  conformance. The pod-bearing kinds are read at their API paths and their keys renamed to the provider's
  snake_case (``hostNetwork`` -> ``host_network``, ``containers`` -> ``container``), so a rule reads one shape.

Values may come as checkov hands them (every scalar wrapped in a one-element list, every nested object a list of
one dict) or as plain JSON (config rules); the readers below accept both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Pod spec path per pod-bearing resource type of hashicorp/kubernetes 3.4.0 (legacy unversioned names included).
TEMPLATE = ("spec", "template", "spec")
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes_pod": ("spec",),
    "kubernetes_pod_v1": ("spec",),
    "kubernetes_cron_job": ("spec", "job_template", *TEMPLATE),
    "kubernetes_cron_job_v1": ("spec", "job_template", *TEMPLATE),
    "kubernetes_deployment": TEMPLATE,
    "kubernetes_deployment_v1": TEMPLATE,
    "kubernetes_daemonset": TEMPLATE,
    "kubernetes_daemon_set_v1": TEMPLATE,
    "kubernetes_job": TEMPLATE,
    "kubernetes_job_v1": TEMPLATE,
    "kubernetes_replication_controller": TEMPLATE,
    "kubernetes_replication_controller_v1": TEMPLATE,
    "kubernetes_stateful_set": TEMPLATE,
    "kubernetes_stateful_set_v1": TEMPLATE,
}
MANIFEST = "kubernetes_manifest"
WORKLOAD_TYPES = (*POD_SPEC_PATHS, MANIFEST)

# Pod spec path per pod-bearing kind of the Kubernetes API (core/v1 Pod and ReplicationController, apps/v1
# Deployment, ReplicaSet, StatefulSet and DaemonSet, batch/v1 Job and CronJob: their `spec.template` is a
# PodTemplateSpec, CronJob's is under `spec.jobTemplate.spec`; https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/).
MANIFEST_TEMPLATE = ("spec", "template", "spec")
MANIFEST_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", *MANIFEST_TEMPLATE),
    **{
        kind: MANIFEST_TEMPLATE
        for kind in ("Deployment", "Job", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController")
    },
}

# The API's list fields whose provider block has the singular name.
PLURAL_BLOCKS = {
    "containers": "container",
    "init_containers": "init_container",
    "ephemeral_containers": "ephemeral_container",
    "volumes": "volume",
    "ports": "port",
    "sysctls": "sysctl",
    "volume_mounts": "volume_mount",
    "volume_devices": "volume_device",
}
# Maps whose keys are data (label keys, resource names), not field names.
DATA_MAPS = {"labels", "annotations", "node_selector", "limits", "requests", "match_labels"}
CONTAINER_ROLES = ("container", "init_container", "ephemeral_container")


# --- readers for either shape -------------------------------------------------------------------------------


def node(conf: Any, *path: str) -> dict[str, Any]:
    """The object at ``path`` (first of a block list), or {} when any step is missing."""
    current = conf
    for key in path:
        found = nodes(current, key)
        current = found[0] if found else {}
    return current if isinstance(current, dict) else {}


def nodes(conf: Any, key: str) -> list[dict[str, Any]]:
    """A repeated block (or one object) as a list of dicts."""
    value = conf.get(key) if isinstance(conf, dict) else None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        out: list[dict[str, Any]] = []
        for item in value:
            if isinstance(item, dict):
                out.append(item)
            elif isinstance(item, list):
                out += [i for i in item if isinstance(i, dict)]
        return out
    return []


def scalar(conf: Any, *path: str) -> Any:
    """A scalar field (checkov's one-element list unwrapped); None when missing."""
    parent = node(conf, *path[:-1]) if len(path) > 1 else conf
    value = parent.get(path[-1]) if isinstance(parent, dict) else None
    while isinstance(value, list) and len(value) == 1 and not isinstance(value[0], dict):
        value = value[0]
    return None if isinstance(value, (list, dict)) else value


def strings(conf: Any, *path: str) -> list[str]:
    """A list-of-strings field (``capabilities.add``): checkov's ``[[a, b]]``, plain ``[a, b]`` or one string."""
    parent = node(conf, *path[:-1]) if len(path) > 1 else conf
    value = parent.get(path[-1]) if isinstance(parent, dict) else None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
        value = value[0]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value if not isinstance(v, (dict, list))] if isinstance(value, list) else []


def mapping(conf: Any, *path: str) -> dict[str, Any]:
    """A map field (labels, annotations, limits) with its values unwrapped."""
    found = node(conf, *path)
    return {k: scalar(found, k) for k in found if not k.startswith("__") and k != "//"}


# --- the manifest's camelCase -> the provider's snake_case ----------------------------------------------------


def snake(key: str) -> str:
    """``runAsNonRoot`` -> ``run_as_non_root``, ``downwardAPI`` -> ``downward_api``, ``hostPID`` -> ``host_pid``."""
    key = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()


def provider_shape(value: Any, parent: str = "") -> Any:
    """A manifest subtree with its field names as the provider spells them (data maps left alone)."""
    if isinstance(value, list):
        return [provider_shape(v, parent) for v in value]
    if not isinstance(value, dict) or parent in DATA_MAPS:
        return value
    out = {}
    for key, item in value.items():
        if key.startswith("__") or key == "//":
            continue
        name = snake(key)
        name = PLURAL_BLOCKS.get(name, name)
        out[name] = provider_shape(item, name)
    return out


# --- pod templates -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Container:
    role: str  # container, init_container or ephemeral_container
    conf: dict[str, Any]

    @property
    def name(self) -> str:
        return str(scalar(self.conf, "name") or "?")

    @property
    def label(self) -> str:
        kind = {"container": "container", "init_container": "init container"}.get(self.role, "ephemeral container")
        return f"{kind} {self.name}"


@dataclass(frozen=True)
class PodTemplate:
    """One pod spec in the provider's field names, with its template's annotations."""

    spec: dict[str, Any]
    annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def containers(self) -> list[Container]:
        return [Container(role, c) for role in CONTAINER_ROLES for c in nodes(self.spec, role)]


def manifest_kind(conf: dict[str, Any]) -> tuple[str, str]:
    """(apiVersion, kind) of a kubernetes_manifest."""
    manifest = node(conf, "manifest")
    return str(scalar(manifest, "apiVersion") or ""), str(scalar(manifest, "kind") or "")


def pod_templates(tf_type: str, conf: dict[str, Any]) -> list[PodTemplate]:
    """The pod templates of a resource: one for a pod-bearing type or manifest kind, none otherwise."""
    if tf_type == MANIFEST:
        manifest = node(conf, "manifest")
        path = MANIFEST_POD_SPEC_PATHS.get(manifest_kind(conf)[1])
        if path is None:
            return []
        meta = node(manifest, *path[:-1], "metadata") if len(path) > 1 else node(manifest, "metadata")
        return [PodTemplate(provider_shape(node(manifest, *path)), mapping(meta, "annotations"))]
    path = POD_SPEC_PATHS.get(tf_type)
    if path is None:
        return []
    meta = node(conf, *path[:-1], "metadata") if len(path) > 1 else node(conf, "metadata")
    return [PodTemplate(node(conf, *path), mapping(meta, "annotations"))]


def namespace_of(tf_type: str, conf: dict[str, Any]) -> str:
    """The namespace a workload runs in (the API's default, ``default``, when unset)."""
    meta = node(node(conf, "manifest"), "metadata") if tf_type == MANIFEST else node(conf, "metadata")
    return str(scalar(meta, "namespace") or "default")
