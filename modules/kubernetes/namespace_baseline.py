"""What every team namespace holds, with no options: the serving Kubernetes service account, a quota,
container defaults, and a default-deny network policy with the allows the platform's workloads need.

The namespace itself is the fleet's (``google_gke_hub_namespace`` of the platform stack,
modules/tenancy.py): the fleet creates it in every cluster bound to the team scope and applies the
scope's ``namespace_labels``, Pod Security Standards ``restricted`` among them. The team stack only
fills it; creating it here as well would make two owners fight over one object.

Network policy (https://kubernetes.io/docs/concepts/services-networking/network-policies/): a
policy that selects every pod (``pod_selector {}``) with both policy types and no rules denies all
ingress and egress ("Default deny all ingress and all egress traffic"); the allows below are
additive. Dataplane V2 (the cluster's ``ADVANCED_DATAPATH``) enforces them.
"""

from __future__ import annotations

from cdktn_provider_kubernetes.limit_range_v1 import LimitRangeV1, LimitRangeV1SpecLimit
from cdktn_provider_kubernetes.network_policy_v1 import (
    NetworkPolicyV1,
    NetworkPolicyV1SpecEgress,
    NetworkPolicyV1SpecEgressPorts,
    NetworkPolicyV1SpecEgressTo,
    NetworkPolicyV1SpecEgressToIpBlock,
    NetworkPolicyV1SpecEgressToNamespaceSelector,
    NetworkPolicyV1SpecEgressToPodSelector,
    NetworkPolicyV1SpecIngress,
    NetworkPolicyV1SpecIngressFrom,
    NetworkPolicyV1SpecIngressPorts,
)
from cdktn_provider_kubernetes.resource_quota_v1 import ResourceQuotaV1
from cdktn_provider_kubernetes.service_account_v1 import ServiceAccountV1
from constructs import Construct

from config import names
from config.model import Namespace

# The annotation that makes a Kubernetes service account act as an IAM service account
# (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity, "Link Kubernetes
# ServiceAccounts to IAM": `iam.gke.io/gcp-service-account=IAM_SA_NAME@IAM_SA_PROJECT_ID.iam.gserviceaccount.com`).
WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"

DEFAULT_DENY = "default-deny"
# kube-dns of GKE runs in kube-system with the label k8s-app=kube-dns, on port 53 over UDP and TCP
# (https://cloud.google.com/kubernetes-engine/docs/how-to/kube-dns).
KUBE_DNS_LABELS = {"k8s-app": "kube-dns"}
KUBE_SYSTEM_LABELS = {"kubernetes.io/metadata.name": "kube-system"}
# The GKE metadata server that serves Workload Identity tokens: with network policies, egress to
# 169.254.169.254/32 on port 80 must be allowed, and on Dataplane V2 clusters to 169.254.169.252/32
# on port 988 (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity, "Restrictions").
METADATA_SERVER = (("169.254.169.254/32", 80), ("169.254.169.252/32", 988))
# Google APIs over HTTPS: 0.0.0.0/0:443 minus every non-public range a VPC, its pods or services may use.
# The cluster's nodes are private (no external address), so egress that leaves the VPC reaches only Google APIs
# through Private Google Access (https://cloud.google.com/vpc/docs/private-google-access) AS LONG AS no Cloud NAT
# serves the cluster's subnet: with a NAT this allow reaches the whole internet on 443 (docs/gke-serving.md,
# "Egress"; the stacks neither manage nor check NAT). Denied: RFC 1918, RFC 6598 shared address space
# 100.64.0.0/10 and the reserved 240.0.0.0/4 (IANA IPv4 special-purpose registry,
# https://www.iana.org/assignments/iana-ipv4-special-registry), which GKE clusters may use for pod and service
# ranges (issue 13 review, item 8). Narrowing to the Private Google Access VIPs (private.googleapis.com
# 199.36.153.8/30, restricted.googleapis.com 199.36.153.4/30) needs a private DNS zone mapping *.googleapis.com
# to them, which the platform does not manage yet, so it is not done here.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "240.0.0.0/4")


def _selector(labels: dict[str, str]) -> dict:
    return {"match_labels": labels}


def _egress(to: list[NetworkPolicyV1SpecEgressTo], ports: list[tuple[int, str]]) -> NetworkPolicyV1SpecEgress:
    # Typed structs, not dicts: inside a list jsii passes a dict through unconverted and its keys are lost.
    return NetworkPolicyV1SpecEgress(
        to=to, ports=[NetworkPolicyV1SpecEgressPorts(port=str(port), protocol=proto) for port, proto in ports]
    )


def _ip_block(cidr: str, except_: tuple[str, ...] = ()) -> NetworkPolicyV1SpecEgressTo:
    return NetworkPolicyV1SpecEgressTo(
        ip_block=NetworkPolicyV1SpecEgressToIpBlock(cidr=cidr, except_=list(except_) or None)
    )


class NamespaceBaseline(Construct):
    """The team namespace's serving account, quota, container defaults and network policies."""

    def __init__(
        self, scope: Construct, id: str, *, team: str, serving_account_email: str, namespace: Namespace
    ) -> None:
        super().__init__(scope, id)
        self.namespace = names.scope_id(team)
        self.service_account_name = names.kubernetes_service_account(team)
        labels = {"team": team, "app.kubernetes.io/managed-by": names.MANAGED_BY}
        self.labels = labels
        self.service_account = ServiceAccountV1(
            self,
            "serving-account",
            metadata={
                "name": self.service_account_name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": {WORKLOAD_IDENTITY_ANNOTATION: serving_account_email},
            },
            # Pods of the platform's workloads call no Kubernetes API: no token in them.
            automount_service_account_token=False,
        )
        quota = namespace.quota
        self.quota = ResourceQuotaV1(
            self,
            "quota",
            metadata={"name": "team-quota", "namespace": self.namespace, "labels": labels},
            spec={
                "hard": {
                    "requests.cpu": quota.requests_cpu,
                    "requests.memory": quota.requests_memory,
                    "limits.cpu": quota.limits_cpu,
                    "limits.memory": quota.limits_memory,
                    "pods": str(quota.pods),
                }
            },
        )
        defaults = namespace.container_defaults
        resources = {"cpu": defaults.cpu, "memory": defaults.memory}
        self.limit_range = LimitRangeV1(
            self,
            "container-defaults",
            metadata={"name": "container-defaults", "namespace": self.namespace, "labels": labels},
            spec={"limit": [LimitRangeV1SpecLimit(type="Container", default=resources, default_request=resources)]},
        )
        self.policies = {
            DEFAULT_DENY: self._policy(DEFAULT_DENY, labels),
            "allow-dns": self._policy(
                "allow-dns",
                labels,
                egress=[
                    _egress(
                        [
                            NetworkPolicyV1SpecEgressTo(
                                namespace_selector=NetworkPolicyV1SpecEgressToNamespaceSelector(
                                    match_labels=KUBE_SYSTEM_LABELS
                                ),
                                pod_selector=NetworkPolicyV1SpecEgressToPodSelector(match_labels=KUBE_DNS_LABELS),
                            )
                        ],
                        [(53, "UDP"), (53, "TCP")],
                    )
                ],
            ),
            "allow-metadata-server": self._policy(
                "allow-metadata-server",
                labels,
                egress=[_egress([_ip_block(cidr)], [(port, "TCP")]) for cidr, port in METADATA_SERVER],
            ),
            "allow-google-apis": self._policy(
                "allow-google-apis",
                labels,
                egress=[_egress([_ip_block("0.0.0.0/0", PRIVATE_RANGES)], [(443, "TCP")])],
            ),
        }

    def _policy(
        self, name: str, labels: dict[str, str], *, egress: list[NetworkPolicyV1SpecEgress] | None = None
    ) -> NetworkPolicyV1:
        """A policy over every pod of the namespace; without rules it denies both directions."""
        spec: dict = {"pod_selector": {}, "policy_types": ["Egress"] if egress else ["Ingress", "Egress"]}
        if egress:
            spec["egress"] = egress
        return NetworkPolicyV1(
            self, name, metadata={"name": name, "namespace": self.namespace, "labels": labels}, spec=spec
        )

    def allow_ingress(
        self,
        name: str,
        *,
        pod_labels: dict[str, str],
        port: int,
        from_: list[NetworkPolicyV1SpecIngressFrom],
        scope: Construct | None = None,
    ) -> NetworkPolicyV1:
        """Let ``from_`` (network policy peers) reach the pods with ``pod_labels`` on ``port``; ``scope``
        (default: this baseline) holds the policy, so a model's policies sit under the model."""
        return NetworkPolicyV1(
            scope or self,
            name,
            metadata={"name": name, "namespace": self.namespace, "labels": self.labels},
            spec={
                "pod_selector": _selector(pod_labels),
                "policy_types": ["Ingress"],
                "ingress": [
                    NetworkPolicyV1SpecIngress(
                        from_=from_, ports=[NetworkPolicyV1SpecIngressPorts(port=str(port), protocol="TCP")]
                    )
                ],
            },
        )
