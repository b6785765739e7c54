"""The shared GKE Autopilot cluster, registered to the platform project's fleet.

Hardened by default: private nodes, Workload Identity, Binary Authorization enforced with a
policy that admits only images from the platform's Artifact Registry (plus Google-maintained
system images), a release channel, Kubernetes secrets encrypted with the platform GKE key,
Managed Prometheus, and deletion protection.
"""

from __future__ import annotations

from cdktn_provider_google.binary_authorization_policy import (
    BinaryAuthorizationPolicy,
    BinaryAuthorizationPolicyAdmissionWhitelistPatterns,
)
from cdktn_provider_google.container_cluster import (
    ContainerCluster,
    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks,
)
from cdktn_provider_google.gke_hub_feature import GkeHubFeature
from cdktn_provider_google.gke_hub_fleet import GkeHubFleet
from constructs import Construct

from config import kubernetes_rbac, names
from config.model import Gke, PlatformEnv

ENFORCE_PROJECT_POLICY = "PROJECT_SINGLETON_POLICY_ENFORCE"


class GkeAutopilotCluster(Construct):
    """One Autopilot cluster per environment; teams get fleet scopes on it (modules/tenancy.py).

    ``depends_on`` (default none): what must exist before the cluster, e.g. the GKE agent's key grant.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        gke: Gke,
        env: PlatformEnv,
        location: str,
        kms_key_id: str,
        allowed_image_prefixes: list[str],
        domain: str,
        depends_on: list | None = None,
    ):
        super().__init__(scope, id)
        project = env.project_id
        self.fleet = GkeHubFleet(
            self,
            "fleet",
            project=project,
            display_name=f"{gke.cluster_name} fleet",
            # No fleet-level binary_authorization_config: the provider accepts only DISABLED and POLICY_BINDINGS
            # there (MLOPS_TF_5); the cluster itself enforces the project policy (binary_authorization below).
            default_cluster_config={
                "security_posture_config": {"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_BASIC"},
                # No binary_authorization_config here: the fleet default accepts only DISABLED or
                # POLICY_BINDINGS (continuous-validation platform policies), not the project
                # singleton policy the cluster enforces below (provider 8.x,
                # google/services/gkehub2/resource_gke_hub_fleet.go:153 at e03b7622).
            },
        )
        # The CI identities' Kubernetes rights in team namespaces are custom ClusterRoles (config/kubernetes_rbac.py:
        # `edit` cannot write ResourceQuota or LimitRange); fleet scope RBAC may bind a custom role only when this
        # mandatory fleet feature allow-lists it (google_gke_hub_feature `allowed_custom_roles`, provider 8.7.0; on
        # destroy the provider resets the list instead of deleting the feature, resource_gke_hub_feature.go:1250
        # at e03b7622). The ClusterRoles themselves are made at bootstrap (docs/access.md).
        self.rbac_actuation = GkeHubFeature(
            self,
            "rbac-actuation",
            project=project,
            name="rbacrolebindingactuation",
            location="global",
            spec={"rbacrolebindingactuation": {"allowed_custom_roles": kubernetes_rbac.allowed_custom_roles()}},
            depends_on=[self.fleet],
        )
        self.binauthz_policy = BinaryAuthorizationPolicy(
            self,
            "binauthz",
            project=project,
            description="Only images from the platform registry (and Google system images) may run.",
            global_policy_evaluation_mode="ENABLE",
            admission_whitelist_patterns=[
                BinaryAuthorizationPolicyAdmissionWhitelistPatterns(name_pattern=p) for p in allowed_image_prefixes
            ],
            default_admission_rule={
                "evaluation_mode": "ALWAYS_DENY",
                "enforcement_mode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            },
        )
        self.cluster = ContainerCluster(
            self,
            "cluster",
            name=gke.cluster_name,
            project=project,
            location=location,
            description="Shared ModelOps serving cluster; one fleet scope and namespace per team.",
            enable_autopilot=True,
            network=env.network,
            subnetwork=env.subnetwork,
            ip_allocation_policy={},  # VPC-native (alias IPs), required for private Autopilot clusters
            private_cluster_config={
                "enable_private_nodes": True,
                "enable_private_endpoint": False,
                "master_ipv4_cidr_block": gke.master_ipv4_cidr_block,
                "master_global_access_config": {"enabled": False},
            },
            master_authorized_networks_config={
                "cidr_blocks": [
                    ContainerClusterMasterAuthorizedNetworksConfigCidrBlocks(
                        cidr_block=n.cidr_block, display_name=n.display_name
                    )
                    for n in gke.master_authorized_networks
                ],
                "gcp_public_cidrs_access_enabled": False,
            },
            workload_identity_config={"workload_pool": names.workload_pool(project)},
            # Dataplane V2 (Autopilot's default, stated so it cannot drift) enforces NetworkPolicies.
            datapath_provider="ADVANCED_DATAPATH",
            # enable_intranode_visibility is not set: the provider declares it ConflictsWith
            # enable_autopilot and turns it on itself for Autopilot clusters (provider 8.x,
            # resource_container_cluster.go:2459 and :8571 at e03b7622).
            # No long-lived client certificates; Google Groups (members of gke-security-groups@) for RBAC.
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            # CI reaches the control plane through the DNS-based endpoint, authorized by IAM
            # (container.clusters.connect, held by Kubernetes Engine Cluster Viewer and Cluster Admin per
            # policies/iam/data) before Kubernetes RBAC: GitHub-hosted runners are outside the authorized
            # networks of the IP endpoint. control_plane_endpoints_config.dns_endpoint_config.allow_external_traffic,
            # "Controls whether user traffic is allowed over this endpoint" (provider 8.7.0; API field
            # ControlPlaneEndpointsConfig.DNSEndpointConfig.allow_external_traffic,
            # https://cloud.google.com/python/docs/reference/container/latest/google.cloud.container_v1beta1.types.ControlPlaneEndpointsConfig.DNSEndpointConfig;
            # https://cloud.google.com/blog/products/containers-kubernetes/new-dns-based-endpoint-for-the-gke-control-plane).
            # docs/gke-serving.md "How CI reaches the control plane".
            control_plane_endpoints_config={"dns_endpoint_config": {"allow_external_traffic": True}},
            authenticator_groups_config={"security_group": names.gke_security_group(domain)},
            binary_authorization={"evaluation_mode": ENFORCE_PROJECT_POLICY},
            release_channel={"channel": gke.release_channel},
            database_encryption={"state": "ENCRYPTED", "key_name": kms_key_id},
            monitoring_config={"managed_prometheus": {"enabled": True}},
            security_posture_config={"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_BASIC"},
            fleet={"project": project},
            enable_legacy_abac=False,
            deletion_protection=True,
            depends_on=[self.fleet, self.binauthz_policy, *(depends_on or [])],
        )

    @property
    def membership_id(self) -> str:
        """Fleet membership created by `fleet {}`; team stacks bind their scope to it."""
        return self.cluster.fleet.membership_id

    @property
    def membership_location(self) -> str:
        return self.cluster.fleet.membership_location
