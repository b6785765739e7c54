"""MLOPS_GKE_12: a Service a team stack creates is reachable only from inside the VPC.

GKE turns a ``LoadBalancer`` Service into a Google Cloud load balancer itself (its service controller, no IAM of
the applier needed), external unless the Service asks for an internal one:

- ``networking.gke.io/load-balancer-type: "Internal"`` "Instructs GKE to create an internal passthrough Network
  Load Balancer", supported on all GKE versions
  (https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters, "Service
  parameters"; https://cloud.google.com/kubernetes-engine/docs/how-to/internal-load-balancing). The same table's
  other internal form, ``spec.loadBalancerClass: networking.gke.io/l4-regional-internal``, is accepted beside the
  annotation; any other class (``networking.gke.io/l4-regional-external``) is not.
- ``externalIPs`` routes traffic for any address to the Service on every node
  (https://kubernetes.io/docs/concepts/services-networking/service/#external-ips): never in a team namespace.
- ``NodePort`` opens the port on every node of the shared cluster
  (https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport): never in a team namespace.

Read from the provider's ``kubernetes_service_v1`` and legacy ``kubernetes_service`` (hashicorp/kubernetes 3.4.0:
``metadata.annotations``, ``spec.type``, ``spec.external_ips``, ``spec.load_balancer_class``) and from a
``kubernetes_manifest`` of kind Service (the API's camelCase; MLOPS_GKE_11 refuses that kind as well).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.kubernetes_pods import MANIFEST, manifest_kind, mapping, node, scalar, strings
from policies.rulebase import ResourceRule

SERVICE_TYPES = ("kubernetes_service_v1", "kubernetes_service")
INTERNAL_ANNOTATION = "networking.gke.io/load-balancer-type"
INTERNAL_VALUE = "Internal"
INTERNAL_CLASS = "networking.gke.io/l4-regional-internal"


def service_problems(tf_type: str, conf: dict[str, Any]) -> Iterator[str]:
    if tf_type == MANIFEST:
        if manifest_kind(conf)[1] != "Service":
            return
        body = node(conf, "manifest")
        spec, meta = node(body, "spec"), node(body, "metadata")
        kind, ips, lb_class = scalar(spec, "type"), strings(spec, "externalIPs"), scalar(spec, "loadBalancerClass")
    else:
        spec, meta = node(conf, "spec"), node(conf, "metadata")
        kind, ips, lb_class = scalar(spec, "type"), strings(spec, "external_ips"), scalar(spec, "load_balancer_class")
    annotation = mapping(meta, "annotations").get(INTERNAL_ANNOTATION)
    if kind == "LoadBalancer":
        if lb_class not in (None, INTERNAL_CLASS):
            yield f"type LoadBalancer with load_balancer_class {lb_class}: not the internal {INTERNAL_CLASS}"
        elif annotation != INTERNAL_VALUE and lb_class != INTERNAL_CLASS:
            found = f"is {annotation!r}" if annotation is not None else "is missing"
            yield (
                f"type LoadBalancer without annotation {INTERNAL_ANNOTATION}: {INTERNAL_VALUE!r} ({found}): GKE "
                "creates an external load balancer"
            )
    if kind == "NodePort":
        yield "type NodePort opens the port on every node of the shared cluster"
    if ips:
        yield f"external_ips {', '.join(ips)}: traffic to those addresses reaches the Service on every node"


class GkeServiceExposure(ResourceRule):
    id = "MLOPS_GKE_12"
    title = "GKE: Services only behind an internal load balancer (no external LB, NodePort or external IPs)"
    why = (
        "GKE's own controller turns a LoadBalancer Service into a Google Cloud load balancer, external unless the "
        'Service carries `networking.gke.io/load-balancer-type: "Internal"` '
        "(https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters): dropping "
        "the annotation, or a stolen applier token, would put a model on the internet without any Google Cloud "
        "permission. A NodePort or externalIPs Service opens the port on every node of the shared cluster."
    )
    capability = "governance: hardened, shared deployment function"
    fix = (
        "Expose a model through the platform's internal Service (modules/kubernetes/internal_service.py), which "
        "sets the internal annotation, no NodePort and no external IPs."
    )
    severity = "HIGH"
    supported = (*SERVICE_TYPES, MANIFEST)

    def problems(self, conf):
        return service_problems(self.entity_type, conf)


check = GkeServiceExposure()
