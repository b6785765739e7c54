"""A team's tenancy on the shared cluster: fleet scope, namespace, RBAC, scope IAM, Workload Identity.

Scopes live in the fleet host project (the platform project of the environment). The platform stack
creates them for every team (modules/team_platform_access.py), so applying a team stack needs no
permission on the platform project; the team stack only binds its serving account to the
Kubernetes service account (``ServingWorkloadIdentity``), an IAM grant in the team project.

Kubernetes roles: a pod may run as any Kubernetes service account of its namespace, and
``<team>-serving`` acts as the team's serving account, which scores requests and events that
carry personal data. The fleet's predefined RBAC roles are ADMIN ("EDIT and RBAC permissions"),
EDIT ("can edit all resources except RBAC"), VIEW ("can only read resources") and ANTHOS_SUPPORT
(google.cloud.gkehub.v1.RBACRoleBinding.Role.PredefinedRoles,
https://cloud.google.com/ruby/docs/reference/google-cloud-gke_hub-v1/latest/Google-Cloud-GkeHub-V1-RBACRoleBinding-Role-PredefinedRoles);
EDIT creates pods, so developers get VIEW. Admins keep ADMIN: they are the identity that may act as
the serving account in an incident anyway (policies/iam/contract.yaml, exceptions).
"""

from __future__ import annotations

from typing import Any

from cdktn import ITerraformDependable
from cdktn_provider_google.gke_hub_membership_binding import GkeHubMembershipBinding
from cdktn_provider_google.gke_hub_namespace import GkeHubNamespace
from cdktn_provider_google.gke_hub_scope import GkeHubScope
from cdktn_provider_google.gke_hub_scope_iam_member import GkeHubScopeIamMember
from cdktn_provider_google.gke_hub_scope_rbac_role_binding import GkeHubScopeRbacRoleBinding
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from config import kubernetes_rbac, names
from config.model import Groups
from modules.service_accounts import WORKLOAD_IDENTITY_USER

# group kind -> (Kubernetes RBAC role in the namespace, scope IAM role, fleet-project role to get credentials)
# The fleet-project role is a Connect gateway role, not gkehub.scope{Editor,Viewer}ProjectLevel: those also hold
# monitoring.timeSeries.list on the fleet host project, which is the metrics scope of every team project, so a team
# could read every other team's series (issue 15 review, item 12). Per Google's role listings (policies/iam/data)
# gatewayEditor/gatewayReader hold the same gateway permissions without it.
# Pod Security Standards `restricted` on every team namespace, enforced by the built-in Pod Security
# admission controller from these namespace labels (https://kubernetes.io/docs/concepts/security/pod-security-admission/,
# "Pod Security Admission labels for namespaces": pod-security.kubernetes.io/<MODE>: <LEVEL>, MODE one of
# enforce, audit, warn; LEVEL one of privileged, baseline, restricted). The fleet applies a scope's
# namespace_labels to its namespace in every bound cluster (google_gke_hub_scope.namespace_labels, provider 8.7.0).
POD_SECURITY_LABELS = {
    f"pod-security.kubernetes.io/{mode}": names.POD_SECURITY_LEVEL for mode in ("enforce", "audit", "warn")
}

TENANCY_ROLES = {
    "admins": ("ADMIN", "roles/gkehub.scopeAdmin", "roles/gkehub.gatewayEditor"),
    "developers": ("VIEW", "roles/gkehub.scopeViewer", "roles/gkehub.gatewayReader"),
    "viewers": ("VIEW", "roles/gkehub.scopeViewer", "roles/gkehub.gatewayReader"),
}


# The CI identities' Kubernetes rights, limited to each team namespace by fleet team-scope RBAC (the fleet creates
# a RoleBinding in the scope's namespace on every bound cluster), never a cluster-wide IAM role such as
# roles/container.developer. Not the predefined EDIT/VIEW (Kubernetes' edit/view ClusterRoles): edit cannot write
# ResourceQuota or LimitRange, which the namespace baseline creates, and holds secrets and pods/exec, which CI
# never needs. The bound ClusterRoles list exactly the objects the team stacks manage
# (config/data/kubernetes_ci_roles.yaml); the gate checks every Kubernetes object of a team stack against them
# (MLOPS_IAM_7, policies/iam/kubernetes_access.py). Reaching the API server through the DNS endpoint also needs IAM
# container.clusters.connect on the cluster's project: the applier's Kubernetes Engine Cluster Admin and the
# planner's Cluster Viewer there (config/data/ci_roles.yaml, google_container_cluster) hold it, per Google's role
# listings (policies/iam/data).


class TeamTenancy(Construct):
    """Scope, namespace, membership binding, RBAC and scope IAM of one team (in the platform stack)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        team: str,
        groups: Groups,
        fleet_project: str,
        membership_id: str,
        membership_location: str,
        ci_accounts: dict[str, str] | None = None,
        rbac_actuation: ITerraformDependable | None = None,
    ):
        """``ci_accounts`` (default none: no CI identities): CI kind (``applier``, ``planner``) -> service account
        email; ``rbac_actuation``: the fleet feature that allow-lists their custom roles (a binding to a custom role
        is refused before it)."""
        super().__init__(scope, id)
        self.fleet_project = fleet_project
        self.namespace_name = names.scope_id(team)
        self.scope = GkeHubScope(
            self,
            "scope",
            project=fleet_project,
            scope_id=names.scope_id(team),
            namespace_labels={"team": team, **POD_SECURITY_LABELS},
        )
        self.namespace = GkeHubNamespace(
            self,
            "namespace",
            project=fleet_project,
            scope_id=self.scope.scope_id,
            scope_namespace_id=self.namespace_name,
            scope=self.scope.name,
            namespace_labels={"team": team, **POD_SECURITY_LABELS},
        )
        self.binding = GkeHubMembershipBinding(
            self,
            "cluster-binding",
            project=fleet_project,
            membership_binding_id=names.scope_id(team),
            membership_id=membership_id,
            location=membership_location,
            scope=self.scope.name,
        )
        for kind, (rbac_role, scope_role, project_role) in TENANCY_ROLES.items():
            group = getattr(groups, kind)
            self._rbac(f"{kind}-rbac", f"{team}-{kind}", {"predefined_role": rbac_role}, group=group)
            GkeHubScopeIamMember(
                self,
                f"{kind}-scope-iam",
                project=fleet_project,
                scope_id=self.scope.scope_id,
                role=scope_role,
                member=f"group:{group}",
            )
            ProjectIamMember(
                self, f"{kind}-fleet-project", project=fleet_project, role=project_role, member=f"group:{group}"
            )
        for kind, email in (ci_accounts or {}).items():
            self._rbac(
                f"ci-{kind}-rbac",
                f"{team}-ci-{kind}",
                {"custom_role": kubernetes_rbac.role_name(kind)},
                user=email,
                depends_on=[rbac_actuation] if rbac_actuation is not None else None,
            )

    def _rbac(self, id: str, binding_id: str, role: dict[str, str], **subject: Any) -> GkeHubScopeRbacRoleBinding:
        """A fleet scope RBAC binding in this team's scope (``subject``: ``group=`` or ``user=``, and ``depends_on``)."""
        return GkeHubScopeRbacRoleBinding(
            self,
            id,
            project=self.fleet_project,
            scope_id=self.scope.scope_id,
            scope_rbac_role_binding_id=binding_id,
            role=role,
            **subject,
        )


class ServingWorkloadIdentity(Construct):
    """Pods running as ``<team>-serving`` in the team namespace act as the team's serving account."""

    def __init__(self, scope: Construct, id: str, *, team: str, fleet_project: str, serving_account_name: str):
        super().__init__(scope, id)
        self.namespace_name = names.scope_id(team)
        self.kubernetes_service_account = names.kubernetes_service_account(team)
        self.workload_identity = ServiceAccountIamMember(
            self,
            "serving-workload-identity",
            service_account_id=serving_account_name,
            role=WORKLOAD_IDENTITY_USER,
            member=names.workload_identity_member(fleet_project, self.namespace_name, self.kubernetes_service_account),
        )
