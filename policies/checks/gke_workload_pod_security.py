"""MLOPS_GKE_8: workload pods meet the Pod Security Standards `restricted` profile, plus a read-only root filesystem.

Every control of https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Baseline, which Restricted
includes, and Restricted), read through the page's current text (kubernetes/website, content/*/docs/concepts/
security/pod-security-standards.md, which lists the Host Probes / Lifecycle Hooks control of v1.34+), on every
container, init container and ephemeral container, in the provider's field names (policies/kubernetes_pods.py):

- Baseline: HostProcess false; host namespaces (hostNetwork, hostPID, hostIPC) false; privileged false;
  capabilities.add within the baseline list; no hostPath volume; hostPort undefined or 0; probe and lifecycle
  hook `host` undefined or ""; AppArmor undefined, RuntimeDefault or Localhost (field) and undefined,
  runtime/default or localhost/* (annotation); SELinux type undefined, "", container_t, container_init_t,
  container_kvm_t or container_engine_t, user and role undefined; procMount undefined or Default; seccomp not
  Unconfined (pod and container level each); sysctls only the safe set.
- Restricted: volumes only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected,
  secret; allowPrivilegeEscalation false; runAsNonRoot true (a container may leave it unset only if the pod sets
  true, so a container's explicit false fails); runAsUser not 0; seccomp RuntimeDefault or Localhost on the pod
  or on every container; capabilities drop ALL and add at most NET_BIND_SERVICE.

The Restricted page exempts Windows pods (spec.os.name windows) from three controls; the cluster runs Linux pods
only, so the gate applies all of them to every pod.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.kubernetes_pods import WORKLOAD_TYPES, Container, PodTemplate, nodes, pod_templates, scalar, strings
from policies.rulebase import ResourceRule

HOST_NAMESPACES = ("host_network", "host_pid", "host_ipc")
ALLOWED_CAPABILITY = "NET_BIND_SERVICE"  # Restricted: "only permitted to add back the NET_BIND_SERVICE capability"
# Restricted "Volume Types": every volume must set one of these (provider names of configMap, csi, downwardAPI,
# emptyDir, ephemeral, persistentVolumeClaim, projected, secret).
ALLOWED_VOLUME_TYPES = {
    "config_map",
    "csi",
    "downward_api",
    "empty_dir",
    "ephemeral",
    "persistent_volume_claim",
    "projected",
    "secret",
}
SECCOMP_TYPES = {"RuntimeDefault", "Localhost"}
APPARMOR_TYPES = {"RuntimeDefault", "Localhost"}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
# Baseline "Sysctls": the safe set (Kubernetes 1.29 and later).
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
PROBES = ("liveness_probe", "readiness_probe", "startup_probe")
HOOKS = ("post_start", "pre_stop")


def is_root(uid: Any) -> bool:
    """UID 0 however it is written: runAsUser is an int64 in the API and a string the provider parses as an
    integer (``"00"`` and ``" 0"`` are root too). A token or other non-number is not judged here."""
    if uid is None or isinstance(uid, bool):
        return False
    try:
        return int(str(uid).strip()) == 0
    except ValueError:
        return False


def security_context_problems(where: str, context: dict[str, Any]) -> Iterator[str]:
    """Controls that read the same fields at pod and container level."""
    if scalar(context, "windows_options", "host_process") is True:
        yield f"{where}: windows_options.host_process is true"
    if is_root(scalar(context, "run_as_user")):
        yield f"{where}: run_as_user is 0 (root)"
    selinux_type = scalar(context, "se_linux_options", "type")
    if selinux_type is not None and selinux_type not in SELINUX_TYPES:
        yield f"{where}: se_linux_options.type {selinux_type} is not one of {', '.join(sorted(SELINUX_TYPES - {''}))}"
    for key in ("user", "role"):
        if scalar(context, "se_linux_options", key):
            yield f"{where}: se_linux_options.{key} is set"
    apparmor = scalar(context, "app_armor_profile", "type")
    if apparmor is not None and apparmor not in APPARMOR_TYPES:
        yield f"{where}: app_armor_profile.type {apparmor} is not RuntimeDefault or Localhost"


def pod_level_problems(pod: PodTemplate) -> Iterator[str]:
    for key in HOST_NAMESPACES:
        if scalar(pod.spec, key) is True:
            yield f"{key} is true"
    context = (nodes(pod.spec, "security_context") or [{}])[0]
    yield from security_context_problems("pod", context)
    # Restricted "Seccomp" lists spec.securityContext.seccompProfile.type itself (allowed RuntimeDefault,
    # Localhost; Baseline forbids an explicit Unconfined there): a bad pod value fails even when every container
    # sets its own allowed profile.
    seccomp = scalar(context, "seccomp_profile", "type")
    if seccomp is not None and seccomp not in SECCOMP_TYPES:
        yield f"pod: seccomp profile is {seccomp}, not RuntimeDefault or Localhost"
    for sysctl in nodes(context, "sysctl"):
        name = scalar(sysctl, "name")
        if name not in SAFE_SYSCTLS:
            yield f"pod: sysctl {name} is not in the safe set"
    for volume in nodes(pod.spec, "volume"):
        kinds = {k for k in volume if not k.startswith("__") and k not in ("name", "//")}
        bad = sorted(kinds - ALLOWED_VOLUME_TYPES)
        if bad:
            yield f"volume {scalar(volume, 'name') or '?'}: type {', '.join(bad)} is not allowed (only {', '.join(sorted(ALLOWED_VOLUME_TYPES))})"
    for key, value in pod.annotations.items():
        if key.startswith(APPARMOR_ANNOTATION) and not (
            value == "runtime/default" or str(value).startswith("localhost/")
        ):
            yield f"annotation {key}: AppArmor profile {value} is not runtime/default or localhost/*"


def container_problems(pod: PodTemplate, c: Container) -> Iterator[str]:
    context = (nodes(c.conf, "security_context") or [{}])[0]
    pod_context = (nodes(pod.spec, "security_context") or [{}])[0]
    where = c.label
    yield from security_context_problems(where, context)
    if scalar(context, "privileged") is True:
        yield f"{where}: privileged"
    non_root = scalar(context, "run_as_non_root")
    if non_root is False or (non_root is None and scalar(pod_context, "run_as_non_root") is not True):
        yield f"{where}: run_as_non_root is not true (in the container, or in the pod with the container unset)"
    if scalar(context, "allow_privilege_escalation") is not False:
        yield f"{where}: allow_privilege_escalation is not false"
    if "ALL" not in strings(context, "capabilities", "drop"):
        yield f"{where}: capabilities do not drop ALL"
    added = [cap for cap in strings(context, "capabilities", "add") if cap != ALLOWED_CAPABILITY]
    if added:
        yield f"{where}: capabilities add {', '.join(added)} (only {ALLOWED_CAPABILITY} may be added)"
    seccomp = scalar(context, "seccomp_profile", "type") or scalar(pod_context, "seccomp_profile", "type")
    if seccomp not in SECCOMP_TYPES:
        yield f"{where}: seccomp profile is {seccomp or 'unset'}, not RuntimeDefault or Localhost"
    proc_mount = scalar(context, "proc_mount")
    if proc_mount not in (None, "Default"):
        yield f"{where}: proc_mount is {proc_mount}, not Default"
    for port in nodes(c.conf, "port"):
        host_port = scalar(port, "host_port")
        if host_port not in (None, 0, "0"):
            yield f"{where}: host_port {host_port}"
    handlers = [(p, nodes(c.conf, p)) for p in PROBES] + [
        (f"lifecycle.{h}", nodes((nodes(c.conf, "lifecycle") or [{}])[0], h)) for h in HOOKS
    ]
    for label, found in handlers:
        for handler in found:
            for action in ("http_get", "tcp_socket"):
                for target in nodes(handler, action):
                    if scalar(target, "host"):
                        yield f"{where}: {label}.{action}.host is set"
    if scalar(context, "read_only_root_filesystem") is not True:
        yield f"{where}: read_only_root_filesystem is not true"


def pod_security_problems(tf_type: str, conf: dict[str, Any]) -> Iterator[str]:
    for pod in pod_templates(tf_type, conf):
        yield from pod_level_problems(pod)
        for c in pod.containers:
            yield from container_problems(pod, c)


class GkeWorkloadPodSecurity(ResourceRule):
    id = "MLOPS_GKE_8"
    title = "GKE workloads: Pod Security Standards restricted, with a read-only root filesystem"
    why = (
        "Team namespaces share nodes. The `restricted` Pod Security Standard "
        "(https://kubernetes.io/docs/concepts/security/pod-security-standards/) forbids host namespaces, host "
        "ports, hostPath and other node-bound volumes, privileged and HostProcess containers, added capabilities "
        "beyond NET_BIND_SERVICE, unmasked /proc, custom SELinux users or roles, unconfined AppArmor or seccomp "
        "and unsafe sysctls, and requires runAsNonRoot (a container's own false overrides the pod's true), a "
        "non-zero runAsUser, allowPrivilegeEscalation=false, capabilities drop ALL and a RuntimeDefault or "
        "Localhost seccomp profile, on every container, init container and ephemeral container. The namespace "
        "enforces it at admission; the gate reports it in the pull request, for every pod-bearing resource type "
        "and `kubernetes_manifest` kind. A read-only root filesystem keeps a compromised process from changing "
        "the image's code."
    )
    capability = "governance: hardened, shared deployment function"
    fix = "Deploy through the platform's workload construct (modules/kubernetes/workloads.py), which sets all of these."
    severity = "HIGH"
    supported = WORKLOAD_TYPES

    def problems(self, conf):
        return pod_security_problems(self.entity_type, conf)


check = GkeWorkloadPodSecurity()
