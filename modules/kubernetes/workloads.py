"""A model's workload in the team namespace: Deployment, HorizontalPodAutoscaler, PodDisruptionBudget,
Managed Prometheus PodMonitoring and the network policy that lets the collector scrape it.

Secure with no options: images by digest only (the caller composes them from the platform registry),
the Pod Security Standards ``restricted`` profile for every container (runAsNonRoot, no privilege
escalation, every capability dropped, RuntimeDefault seccomp:
https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted), a read-only root
filesystem with an emptyDir at /tmp (bounded), requests equal to limits (CPU, memory and ephemeral storage), the
team's Workload Identity service account and no host namespaces.

Sizing (`streaming.scorer` / `serving` cpu and memory of the team file) is **per container**: every container of
the pod, native sidecars included, requests (= limits) that much, so a pod requests that many times it (the loader
checks the namespace quota with the same count, config/quota.py).

Native sidecars (``sidecars``): init containers with ``restart_policy = "Always"`` ("Restart policy for designating
init container as a sidecar. Can only be `Always`", DeploymentV1SpecTemplateSpecInitContainer.restartPolicy,
provider-kubernetes@17.1.0.jsii, src/deployment-v1/index-structs/structs400.ts:4756). Kubernetes starts them before
the main containers, the next container only once the sidecar's startup probe has passed, and on termination
"postpones terminating sidecar containers until the main application container has fully stopped"
(https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/; on by default from Kubernetes 1.29).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktn_provider_kubernetes.deployment_v1 import (
    DeploymentV1,
    DeploymentV1SpecTemplateSpecContainer,
    DeploymentV1SpecTemplateSpecContainerEnv,
    DeploymentV1SpecTemplateSpecContainerPort,
    DeploymentV1SpecTemplateSpecContainerVolumeMount,
    DeploymentV1SpecTemplateSpecInitContainer,
    DeploymentV1SpecTemplateSpecInitContainerEnv,
    DeploymentV1SpecTemplateSpecInitContainerPort,
    DeploymentV1SpecTemplateSpecInitContainerVolumeMount,
    DeploymentV1SpecTemplateSpecVolume,
)
from cdktn_provider_kubernetes.horizontal_pod_autoscaler_v2 import (
    HorizontalPodAutoscalerV2,
    HorizontalPodAutoscalerV2SpecMetric,
)
from cdktn_provider_kubernetes.manifest import Manifest
from cdktn_provider_kubernetes.network_policy_v1 import (
    NetworkPolicyV1SpecIngressFrom,
    NetworkPolicyV1SpecIngressFromNamespaceSelector,
)
from cdktn_provider_kubernetes.pod_disruption_budget_v1 import PodDisruptionBudgetV1
from constructs import Construct

from config.model import Workload
from config.quota import SURGE_PODS
from modules.kubernetes.namespace_baseline import NamespaceBaseline

# The non-root user the platform's images run as (scorer/Dockerfile `USER 65532:65532`).
RUN_AS_USER = 65532
METRICS_PORT_NAME = "metrics"
# Managed Prometheus: the PodMonitoring custom resource (https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed,
# "Configure a PodMonitoring resource": apiVersion monitoring.googleapis.com/v1, spec.selector, spec.endpoints
# with port and interval).
POD_MONITORING_API = "monitoring.googleapis.com/v1"
SCRAPE_INTERVAL = "30s"
# The managed collectors run in gmp-system, and in gke-gmp-system on Autopilot clusters
# (https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed); under the namespace's
# default-deny ingress they must be let in on the metrics port.
COLLECTOR_NAMESPACES = ("gmp-system", "gke-gmp-system")
CPU_TARGET_PERCENT = 70
# Kubernetes sends SIGTERM, waits this long, then SIGKILLs: the scorer drains its events in flight meanwhile.
TERMINATION_GRACE_SECONDS = 60
# Ephemeral storage of each container (request = limit): Autopilot's default request for containers outside
# DaemonSets, "Ephemeral storage: 1 GiB" (https://cloud.google.com/kubernetes-engine/docs/concepts/autopilot-resource-requests,
# "Default resource requests"), stated so that requests equal limits for this resource too.
EPHEMERAL_STORAGE = "1Gi"
# The /tmp emptyDir counts against the pod's ephemeral storage; bounded below one container's share, so logs fit.
TMP_SIZE_LIMIT = "512Mi"
SIDECAR_RESTART_POLICY = "Always"


@dataclass(frozen=True)
class Container:
    name: str
    image: str  # by digest
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)  # port name -> container port
    probe: tuple[str, int] | None = None  # (HTTP path, port) answering 200 while the container is healthy


def restricted_security_context() -> dict:
    """The container security context of the Pod Security Standards `restricted` profile, plus a read-only root."""
    return {
        "run_as_non_root": True,
        "run_as_user": str(RUN_AS_USER),
        "allow_privilege_escalation": False,
        "privileged": False,
        "read_only_root_filesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


class ModelWorkload(Construct):
    """``containers`` share one pod (e.g. the scorer and the model it calls on localhost); ``metrics_port`` is
        the port (in one of them) Managed Prometheus scrapes; ``sidecars`` run as native sidecars (init containers with
    ``restart_policy = "Always"``): started before ``containers`` (once their probe answers) and stopped after them."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: NamespaceBaseline,
        containers: list[Container],
        sizing: Workload,
        sidecars: tuple[Container, ...] = (),
        metrics_port: int,
        labels: dict[str, str],
        depends_on: list | None = None,
    ) -> None:
        """``depends_on`` (default: the namespace's service account): what the pods need before they start."""
        super().__init__(scope, id)
        self.name = name
        self.namespace = namespace.namespace
        self.selector = {"app.kubernetes.io/name": name}
        self.labels = {**labels, **self.selector}
        resources = {"cpu": sizing.cpu, "memory": sizing.memory, "ephemeral-storage": EPHEMERAL_STORAGE}
        metadata = {"name": name, "namespace": self.namespace, "labels": self.labels}
        self.deployment = DeploymentV1(
            self,
            "deployment",
            metadata=metadata,
            spec={
                "replicas": str(sizing.min_replicas),
                "selector": {"match_labels": self.selector},
                "strategy": {
                    "type": "RollingUpdate",
                    "rolling_update": {"max_unavailable": "0", "max_surge": str(SURGE_PODS)},
                },
                "template": {
                    "metadata": {"labels": self.labels},
                    "spec": {
                        "service_account_name": namespace.service_account_name,
                        # No Kubernetes API token in the pods; Google credentials come from the metadata server.
                        "automount_service_account_token": False,
                        "host_network": False,
                        "host_pid": False,
                        "host_ipc": False,
                        "termination_grace_period_seconds": TERMINATION_GRACE_SECONDS,
                        "security_context": {
                            "run_as_non_root": True,
                            "run_as_user": str(RUN_AS_USER),
                            "run_as_group": str(RUN_AS_USER),
                            "seccomp_profile": {"type": "RuntimeDefault"},
                        },
                        "init_container": [self._sidecar(c, resources) for c in sidecars] or None,
                        "container": [self._container(c, resources) for c in containers],
                        "volume": [
                            DeploymentV1SpecTemplateSpecVolume(name="tmp", empty_dir={"size_limit": TMP_SIZE_LIMIT})
                        ],
                    },
                },
            },
            # The autoscaler owns the replica count after the first apply.
            lifecycle={"ignore_changes": ["spec[0].replicas"]},
            wait_for_rollout=True,
            depends_on=[namespace.service_account, *(depends_on or [])],
        )
        target = {"api_version": "apps/v1", "kind": "Deployment", "name": name}
        self.autoscaler = HorizontalPodAutoscalerV2(
            self,
            "autoscaler",
            metadata=metadata,
            spec={
                "min_replicas": sizing.min_replicas,
                "max_replicas": sizing.max_replicas,
                "scale_target_ref": target,
                "metric": [
                    HorizontalPodAutoscalerV2SpecMetric(
                        type="Resource",
                        resource={
                            "name": "cpu",
                            "target": {"type": "Utilization", "average_utilization": CPU_TARGET_PERCENT},
                        },
                    )
                ],
            },
        )
        self.disruption_budget = PodDisruptionBudgetV1(
            self,
            "disruption-budget",
            metadata=metadata,
            # One pod at a time may be evicted by node upgrades; more replicas keep serving.
            spec={"max_unavailable": "1", "selector": {"match_labels": self.selector}},
        )
        self.pod_monitoring = Manifest(
            self,
            "pod-monitoring",
            manifest={
                "apiVersion": POD_MONITORING_API,
                "kind": "PodMonitoring",
                "metadata": {"name": name, "namespace": self.namespace, "labels": self.labels},
                "spec": {
                    "selector": {"matchLabels": self.selector},
                    "endpoints": [{"port": METRICS_PORT_NAME, "interval": SCRAPE_INTERVAL}],
                },
            },
        )
        self.scrape_policy = namespace.allow_ingress(
            f"{name}-scrape",
            pod_labels=self.selector,
            port=metrics_port,
            from_=[
                NetworkPolicyV1SpecIngressFrom(
                    namespace_selector=NetworkPolicyV1SpecIngressFromNamespaceSelector(
                        match_labels={"kubernetes.io/metadata.name": ns}
                    )
                )
                for ns in COLLECTOR_NAMESPACES
            ],
            scope=self,
        )

    @staticmethod
    def _container(c: Container, resources: dict[str, str]) -> DeploymentV1SpecTemplateSpecContainer:
        return DeploymentV1SpecTemplateSpecContainer(
            name=c.name,
            image=c.image,
            env=[DeploymentV1SpecTemplateSpecContainerEnv(name=k, value=v) for k, v in sorted(c.env.items())] or None,
            port=[
                DeploymentV1SpecTemplateSpecContainerPort(name=port_name, container_port=port)
                for port_name, port in sorted(c.ports.items())
            ]
            or None,
            volume_mount=[DeploymentV1SpecTemplateSpecContainerVolumeMount(name="tmp", mount_path="/tmp")],
            **_common(c, resources),
        )

    @staticmethod
    def _sidecar(c: Container, resources: dict[str, str]) -> DeploymentV1SpecTemplateSpecInitContainer:
        """A native sidecar: the main containers start once its startup probe answers, and it stops after them."""
        return DeploymentV1SpecTemplateSpecInitContainer(
            name=c.name,
            image=c.image,
            restart_policy=SIDECAR_RESTART_POLICY,
            env=[DeploymentV1SpecTemplateSpecInitContainerEnv(name=k, value=v) for k, v in sorted(c.env.items())]
            or None,
            port=[
                DeploymentV1SpecTemplateSpecInitContainerPort(name=port_name, container_port=port)
                for port_name, port in sorted(c.ports.items())
            ]
            or None,
            volume_mount=[DeploymentV1SpecTemplateSpecInitContainerVolumeMount(name="tmp", mount_path="/tmp")],
            # Up to 5 min to load the model before the pod gives up on it (30 x 10 s).
            startup_probe=_http_probe(c.probe, period=10, failure_threshold=30, initial_delay=0) if c.probe else None,
            **_common(c, resources),
        )


def _common(c: Container, resources: dict[str, str]) -> dict:
    """What every container of a model workload has, main or sidecar."""
    return {
        "resources": {"requests": resources, "limits": resources},
        "security_context": restricted_security_context(),
        # Ready once it answers; restarted when it stops answering for three periods.
        "readiness_probe": _http_probe(c.probe, period=10) if c.probe else None,
        "liveness_probe": _http_probe(c.probe, period=20, initial_delay=30) if c.probe else None,
    }


def _http_probe(probe: tuple[str, int], *, period: int, initial_delay: int = 5, failure_threshold: int = 3) -> dict:
    path, port = probe
    return {
        "http_get": {"path": path, "port": str(port)},
        "period_seconds": period,
        "initial_delay_seconds": initial_delay,
        "failure_threshold": failure_threshold,
    }
