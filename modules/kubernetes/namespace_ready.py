"""Nothing of a team stack touches the cluster before the fleet has made the team namespace with its Pod Security
labels.

The namespace is the fleet's: the platform stack's google_gke_hub_namespace and membership binding ask the fleet
to create it in the bound cluster, and the fleet does so asynchronously, after those resources report done. A
team stack applied right after the platform stack (a new team, a new environment) would otherwise create its
service account, quota and policies in a namespace that does not exist yet ("namespaces not found") or, worse,
start pods before `pod-security.kubernetes.io/enforce: restricted` is on the namespace (issue 13 review, item 2).

So every team stack reads the namespace (data source kubernetes_namespace_v1, provider 3.4.0) with a
postcondition that the fleet's enforce label is there, and every Kubernetes object of the stack depends on that
read (an Aspect, so no construct can forget it): when the namespace is missing or not yet labelled, the plan
stops with the message below before anything is written. The apply action waits for the namespaces between the
platform and the team stacks (`modelops wait-namespaces`, lifecycle/namespaces.py), so a normal run never meets this stop.
Postconditions: https://developer.hashicorp.com/terraform/language/expressions/custom-conditions#preconditions-and-postconditions
("Terraform evaluates postconditions ... after reading a data source"; ``self`` names the object).
"""

from __future__ import annotations

from typing import Any

import jsii
from cdktn import Aspects, IAspect, Postcondition, TerraformResource, TerraformResourceLifecycle
from cdktn_provider_kubernetes.data_kubernetes_namespace_v1 import (
    DataKubernetesNamespaceV1,
    DataKubernetesNamespaceV1Metadata,
)
from constructs import Construct

from config import names

ENFORCE_LABEL = names.POD_SECURITY_ENFORCE_LABEL


class NamespaceReady(Construct):
    """The fleet's namespace, read and checked; ``depend_all_on_it`` makes the stack's Kubernetes objects wait."""

    def __init__(self, scope: Construct, id: str, *, namespace: str, enforce: str, platform_stack: str) -> None:
        super().__init__(scope, id)
        self.namespace = namespace
        self.read = DataKubernetesNamespaceV1(
            self,
            "namespace",
            metadata=[DataKubernetesNamespaceV1Metadata(name=namespace)],
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition=f'${{try(self.metadata[0].labels["{ENFORCE_LABEL}"], "") == "{enforce}"}}',
                        error_message=(
                            f"The fleet has not created namespace {namespace} with {ENFORCE_LABEL}={enforce} yet: "
                            f"apply {platform_stack} first (it binds the team scope to the cluster), wait until "
                            "the namespace exists (`modelops wait-namespaces --env <env>`), then apply this stack."
                        ),
                    )
                ]
            ),
        )

    def depend_all_on_it(self, scope: Construct) -> None:
        """Every Kubernetes resource under ``scope`` (now and later in construction) depends on the read."""
        Aspects.of(scope).add(_DependOn(self.read))


@jsii.implements(IAspect)
class _DependOn:
    def __init__(self, read: DataKubernetesNamespaceV1) -> None:
        self.read = read

    def visit(self, node: Any) -> None:
        if not TerraformResource.is_terraform_resource(node):
            return
        if not str(getattr(type(node), "TF_RESOURCE_TYPE", "")).startswith("kubernetes_"):
            return
        # depends_on takes Terraform addresses (cdktn writes `type.name`, no interpolation braces)
        address = f"data.{DataKubernetesNamespaceV1.TF_RESOURCE_TYPE}.{self.read.friendly_unique_id}"
        have = list(node.depends_on or [])
        if address not in have:
            node.depends_on = [*have, address]
