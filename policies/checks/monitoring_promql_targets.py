"""MLOPS_MON_9: the workload a PromQL selector names exists in the same stack.

Managed Service for Prometheus labels every series it scrapes through a PodMonitoring with ``namespace`` (the
PodMonitoring's namespace) and ``job`` (the PodMonitoring's name): GoogleCloudPlatform/prometheus-engine
``pkg/operator/apis/monitoring/v1/pod_config.go`` (relabelling of ``namespace`` and ``job``, read at commit
2ffde4ec7b) and https://cloud.google.com/stackdriver/docs/managed-prometheus/setup-managed. kube-state-metrics
labels a Deployment's series with its ``namespace`` and ``deployment``
(https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/deployment-metrics.md). A
selector pinning ``{namespace="a", job="b"}`` to a PodMonitoring, or ``{namespace="a", deployment="b"}`` to a
Deployment, that the stack does not create selects nothing: the alert stays silent. MLOPS_MON_8 checks names and
labels one resource at a time; this rule needs the stack's other resources, so it is a config rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from metric_catalogue import promql
from policies.checks.monitoring_promql_catalogued import UNREADABLE, promql_queries
from policies.kubernetes_pods import MANIFEST, manifest_kind, node, scalar
from policies.metric_queries import ALERT, DASHBOARD
from policies.rulebase import ConfigRule, Outcome, dig, is_token

POD_MONITORING = ("monitoring.googleapis.com/v1", "PodMonitoring")
DEPLOYMENT_TYPES = ("kubernetes_deployment_v1", "kubernetes_deployment")


def pod_monitorings(stack) -> set[tuple[str, str]]:
    """(namespace, name) of every PodMonitoring the stack writes (kubernetes_manifest, MLOPS_GKE_11's kind)."""
    out = set()
    for r in stack.resources(MANIFEST):
        if manifest_kind(r.conf) == POD_MONITORING:
            meta = node(node(r.conf, "manifest"), "metadata")
            out.add((str(scalar(meta, "namespace") or "default"), str(scalar(meta, "name") or "")))
    return out


def deployments(stack) -> set[tuple[str, str]]:
    return {
        (str(dig(r.conf, "metadata", "namespace") or "default"), str(dig(r.conf, "metadata", "name") or ""))
        for r in stack.resources(*DEPLOYMENT_TYPES)
    }


def target_problems(conf: dict, monitorings: set[tuple[str, str]], deploys: set[tuple[str, str]]) -> Iterator[str]:
    for where, query in promql_queries(conf):
        if query == UNREADABLE or is_token(query):
            continue  # MLOPS_MON_8 reports it
        for sel in promql.selectors(query)[0]:
            namespace = sel.equals("namespace")
            job, deployment = sel.equals("job"), sel.equals("deployment")
            if job is not None and not any(name == job and namespace in (None, ns) for ns, name in monitorings):
                yield (
                    f"{where}: {sel.name}{{namespace={namespace!r}, job={job!r}}} names no PodMonitoring of this "
                    f"stack (it has {', '.join(f'{ns}/{n}' for ns, n in sorted(monitorings)) or 'none'})"
                )
            if deployment is not None and not any(
                name == deployment and namespace in (None, ns) for ns, name in deploys
            ):
                yield (
                    f"{where}: {sel.name}{{namespace={namespace!r}, deployment={deployment!r}}} names no "
                    f"kubernetes_deployment_v1 of this stack (it has "
                    f"{', '.join(f'{ns}/{n}' for ns, n in sorted(deploys)) or 'none'})"
                )


class PromqlTargets(ConfigRule):
    id = "MLOPS_MON_9"
    title = "PromQL selectors name a PodMonitoring or Deployment the same stack creates"
    why = (
        "Managed Prometheus sets `job` to the PodMonitoring's name and `namespace` to its namespace; "
        "kube-state-metrics labels a Deployment's series with `namespace` and `deployment`. A selector pinned to a "
        "job or deployment the stack does not create (a renamed workload, a typo) selects no series: the alert "
        "never fires and the chart stays empty."
    )
    capability = "monitoring: latency, errors, invocations; actionable alerts"
    fix = (
        "Build alerts and charts through the model constructs (modules/monitoring/promql.py), which pin the "
        "namespace and the workload's own PodMonitoring and Deployment names; rename both together."
    )
    severity = "HIGH"
    model_field = ("monitoring",)

    def evaluate(self, scan):
        for stack in scan.stacks:
            monitorings, deploys = pod_monitorings(stack), deployments(stack)
            for resource in stack.resources(ALERT, DASHBOARD):
                if not list(promql_queries(resource.conf)):
                    continue  # no PromQL (a Cloud Monitoring filter): not this rule's subject
                found = list(dict.fromkeys(target_problems(resource.conf, monitorings, deploys)))
                yield Outcome(stack.name, resource.address, resource.construct_path, not found, "; ".join(found))
