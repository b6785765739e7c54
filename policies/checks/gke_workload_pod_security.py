"""MLOPS_GKE_8: workload pods meet Pod Security Standards `restricted`, with no host namespaces or privilege."""

from __future__ import annotations

from policies.kubernetes_pods import WORKLOAD_TYPES, containers, name_of, pod_spec
from policies.rulebase import ResourceRule, attr

HOST_NAMESPACES = ("host_network", "host_pid", "host_ipc")


class GkeWorkloadPodSecurity(ResourceRule):
    id = "MLOPS_GKE_8"
    title = "GKE workloads: non-root, unprivileged, no host namespaces, read-only root filesystem"
    why = (
        "Team namespaces share nodes. The `restricted` Pod Security Standard "
        "(https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted) forbids host "
        "namespaces and privileged containers and requires runAsNonRoot, allowPrivilegeEscalation=false, "
        "capabilities drop ALL and a RuntimeDefault or Localhost seccomp profile; the namespace enforces it at "
        "admission, the gate reports it in the pull request. A read-only root filesystem keeps a compromised "
        "process from changing the image's code."
    )
    capability = "governance: hardened, shared deployment function"
    fix = "Deploy through the platform's workload construct (modules/kubernetes/workloads.py), which sets all of these."
    severity = "HIGH"
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        pod = pod_spec(conf)
        for key in HOST_NAMESPACES:
            if attr(pod, key) is True:
                yield f"{key} is true"
        pod_non_root = attr(pod, "security_context", "run_as_non_root") is True
        pod_seccomp = attr(pod, "security_context", "seccomp_profile", "type")
        for c in containers(conf):
            name = name_of(c)
            if attr(c, "security_context", "privileged") is True:
                yield f"container {name}: privileged"
            if not (attr(c, "security_context", "run_as_non_root") is True or pod_non_root):
                yield f"container {name}: run_as_non_root is not true"
            if attr(c, "security_context", "allow_privilege_escalation") is not False:
                yield f"container {name}: allow_privilege_escalation is not false"
            if "ALL" not in (attr(c, "security_context", "capabilities", "drop") or []):
                yield f"container {name}: capabilities do not drop ALL"
            seccomp = attr(c, "security_context", "seccomp_profile", "type") or pod_seccomp
            if seccomp not in ("RuntimeDefault", "Localhost"):
                yield f"container {name}: seccomp profile is not RuntimeDefault or Localhost"
            if attr(c, "security_context", "read_only_root_filesystem") is not True:
                yield f"container {name}: read_only_root_filesystem is not true"


check = GkeWorkloadPodSecurity()
