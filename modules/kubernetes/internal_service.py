"""A model's Service behind a GKE internal passthrough load balancer, and the network policy that lets callers in.

GKE makes an internal passthrough Network Load Balancer for a `LoadBalancer` Service annotated
``networking.gke.io/load-balancer-type: "Internal"``
(https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing, "Create an internal
LoadBalancer Service"): the address is in the cluster's VPC, never on the internet. Under the namespace's
default-deny ingress the serving port must be opened explicitly: to private (RFC 1918,
https://www.rfc-editor.org/rfc/rfc1918#section-3) addresses, i.e. callers inside the VPC or reaching it through
the internal load balancer, and to Google's load-balancer health checks (35.191.0.0/16 and 130.211.0.0/22,
https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges).
"""

from __future__ import annotations

from cdktn_provider_kubernetes.network_policy_v1 import (
    NetworkPolicyV1,
    NetworkPolicyV1SpecIngressFrom,
    NetworkPolicyV1SpecIngressFromIpBlock,
)
from cdktn_provider_kubernetes.service_v1 import ServiceV1, ServiceV1SpecPort
from constructs import Construct

from modules.kubernetes.namespace_baseline import NamespaceBaseline

INTERNAL_LB_ANNOTATION = {"networking.gke.io/load-balancer-type": "Internal"}
SERVICE_PORT = 80
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")


class InternalService(Construct):
    """``Service <name>`` (type LoadBalancer, internal) on port 80 to the pods' ``target_port``, and
    ``NetworkPolicy <name>-callers`` letting VPC callers and health checks reach that port."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        namespace: NamespaceBaseline,
        selector: dict[str, str],
        labels: dict[str, str],
        target_port: int,
    ) -> None:
        super().__init__(scope, id)
        self.name = name
        self.service = ServiceV1(
            self,
            "service",
            metadata={
                "name": name,
                "namespace": namespace.namespace,
                "labels": labels,
                "annotations": INTERNAL_LB_ANNOTATION,
            },
            spec={
                "type": "LoadBalancer",
                "selector": selector,
                # Local: the client address reaches the pod unchanged (no second hop through another node), so
                # the network policy below sees the caller; nodes without a ready pod fail the health check.
                "external_traffic_policy": "Local",
                "port": [
                    ServiceV1SpecPort(name="http", port=SERVICE_PORT, target_port=str(target_port), protocol="TCP")
                ],
            },
        )
        self.callers_policy: NetworkPolicyV1 = namespace.allow_ingress(
            f"{name}-callers",
            pod_labels=selector,
            port=target_port,
            from_=[
                NetworkPolicyV1SpecIngressFrom(ip_block=NetworkPolicyV1SpecIngressFromIpBlock(cidr=cidr))
                for cidr in (*PRIVATE_RANGES, *HEALTH_CHECK_RANGES)
            ],
            scope=self,
        )
