"""The kubernetes provider of a team stack, pointed at the platform's shared cluster.

Provider: hashicorp/kubernetes 3.4.0 (the version cdktn-provider-kubernetes 17.1.0 binds: every
registry link in its jsii assembly, cdktn_provider_kubernetes/_jsii/provider-kubernetes@17.1.0.jsii.tgz,
is https://registry.terraform.io/providers/hashicorp/kubernetes/3.4.0/docs).

Host: the cluster's DNS-based control plane endpoint (a cross-stack reference: cdktn turns it into an output
of `platform-<env>` and a ``terraform_remote_state`` read in the team stack). google_container_cluster
``control_plane_endpoints_config.dns_endpoint_config.endpoint``: "A DNS format address. This is accessible from
the public internet. Ex: uid.us-central1.gke.goog" (ControlPlaneEndpointsConfig.DNSEndpointConfig,
https://cloud.google.com/python/docs/reference/container/latest/google.cloud.container_v1beta1.types.ControlPlaneEndpointsConfig.DNSEndpointConfig).
GitHub-hosted runners cannot reach the IP endpoint (authorized networks only); the DNS endpoint is reachable
from anywhere and checks IAM ``container.clusters.connect`` before the request reaches the API server
(https://cloud.google.com/blog/products/containers-kubernetes/new-dns-based-endpoint-for-the-gke-control-plane).
No ``cluster_ca_certificate``: the DNS endpoint is fronted by Google with a publicly trusted certificate, not the
cluster CA (``gcloud container clusters get-credentials --dns-endpoint`` writes no certificate-authority-data);
not verified on a real cluster here (docs/gke-serving.md).

Credentials: the ``exec`` block runs ``gke-gcloud-auth-plugin`` (client.authentication.k8s.io/v1beta1 exec
credential plugin) for each connection, so a fresh token is minted whenever the cached one expires; a static
``google_client_config.access_token`` is read once at refresh and expires after about an hour, mid-apply
(issue 13 review, item 3). Schema: KubernetesProviderExec ``api_version``, ``command`` (required), ``args``,
``env`` (provider-kubernetes@17.1.0.jsii). The plugin is installed in CI by the apply action and the plan job
(google-github-actions/setup-gcloud ``install_components: gke-gcloud-auth-plugin``); see docs/gke-serving.md.
"""

from __future__ import annotations

from cdktn_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec
from constructs import Construct

KUBERNETES_PROVIDER_VERSION = "3.4.0"
KUBERNETES_PROVIDER_SOURCE = "hashicorp/kubernetes"
# The exec credential plugin GKE documents for kubectl and client libraries
# (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin).
AUTH_PLUGIN = "gke-gcloud-auth-plugin"
EXEC_CREDENTIAL_API = "client.authentication.k8s.io/v1beta1"


class ClusterAccess(Construct):
    """``cluster`` is the platform stack's ``google_container_cluster`` (its DNS endpoint is read from there)."""

    def __init__(self, scope: Construct, id: str, *, cluster) -> None:
        super().__init__(scope, id)
        endpoint = cluster.control_plane_endpoints_config.dns_endpoint_config.endpoint
        self.provider = KubernetesProvider(
            self,
            "kubernetes",
            host=f"https://{endpoint}",
            exec=[KubernetesProviderExec(api_version=EXEC_CREDENTIAL_API, command=AUTH_PLUGIN)],
        )
