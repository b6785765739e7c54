"""MLOPS_GKE_10: every workload runs in a namespace that has a default-deny network policy in the same stack."""

from __future__ import annotations

from policies.kubernetes_pods import WORKLOAD_TYPES, namespace_of, pod_templates
from policies.rulebase import ConfigRule, Outcome, dig, items

# Kubernetes' "Default deny all ingress and all egress traffic" policy
# (https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-and-all-egress-traffic):
# an empty podSelector (every pod of the namespace), both policy types, no ingress or egress rule.
BOTH_DIRECTIONS = {"Ingress", "Egress"}
# The provider's network policy types (hashicorp/kubernetes 3.4.0: the same schema under both names). A
# NetworkPolicy through kubernetes_manifest is not counted: MLOPS_GKE_11 admits no such manifest.
NETWORK_POLICY_TYPES = ("kubernetes_network_policy", "kubernetes_network_policy_v1")


def is_default_deny(conf: dict) -> bool:
    spec = items(conf.get("spec"))
    if not spec:
        return False
    selector = items(spec[0].get("pod_selector"))
    selects_all = not selector or not any(selector[0].get(k) for k in ("match_labels", "match_expressions"))
    return (
        selects_all
        and set(spec[0].get("policy_types") or []) >= BOTH_DIRECTIONS
        and not items(spec[0].get("ingress"))
        and not items(spec[0].get("egress"))
    )


class GkeWorkloadDefaultDeny(ConfigRule):
    id = "MLOPS_GKE_10"
    title = "GKE workloads: the namespace denies all traffic by default"
    why = (
        "Network policies are additive allows: without a default-deny policy every pod of the namespace accepts "
        "traffic from any pod of the shared cluster and may call anywhere, and a workload's own allows restrict "
        "nothing. The team stack that runs a workload (any pod-bearing resource type, or a pod-bearing "
        "`kubernetes_manifest` kind) must also hold its namespace's default-deny policy, so the two are applied "
        "together and cannot drift apart."
    )
    capability = "deployment: one shared, centrally run cluster"
    fix = (
        "Build workloads through the model constructs, which place them in the team namespace whose baseline "
        "(modules/kubernetes/namespace_baseline.py) holds the `default-deny` policy."
    )
    severity = "HIGH"

    def evaluate(self, scan):
        for stack in scan.team_stacks():
            denied = {
                dig(p.conf, "metadata", "namespace")
                for p in stack.resources(*NETWORK_POLICY_TYPES)
                if is_default_deny(p.conf)
            }
            for workload in stack.resources(*WORKLOAD_TYPES):
                if not pod_templates(workload.type, workload.conf):
                    continue  # a manifest of a kind that runs no pod (PodMonitoring)
                namespace = namespace_of(workload.type, workload.conf)
                yield Outcome(
                    stack.name,
                    workload.address,
                    workload.construct_path,
                    namespace in denied,
                    f"{workload.address} runs in namespace {namespace}, which has no default-deny network policy "
                    f"(empty pod selector, Ingress and Egress, no rules) in {stack.name}",
                )
