"""The kubernetes provider of a team stack, pointed at the platform's shared cluster.

Provider: hashicorp/kubernetes 3.4.0 (the version cdktn-provider-kubernetes 17.1.0 binds: every
registry link in its jsii assembly, cdktn_provider_kubernetes/_jsii/provider-kubernetes@17.1.0.jsii.tgz,
is https://registry.terraform.io/providers/hashicorp/kubernetes/3.4.0/docs).

The cluster's endpoint and CA certificate are the platform stack's (a cross-stack reference: cdktn
turns it into an output of `platform-<env>` and a ``terraform_remote_state`` read in the team stack);
the bearer token is the applying identity's OAuth access token from ``google_client_config``
("access_token - The OAuth2 access token used by the client to authenticate against the Google Cloud
API", https://registry.terraform.io/providers/hashicorp/google/latest/docs/data-sources/client_config),
the provider's documented way to authenticate to GKE without a kubeconfig
(https://registry.terraform.io/providers/hashicorp/kubernetes/latest/docs/guides/getting-started,
"Using the Kubernetes provider with GKE"). ``master_auth.cluster_ca_certificate`` is base64 PEM
(google_container_cluster: "Base64 encoded public certificate that is the root certificate of the
cluster"); ``cluster_ca_certificate`` of the kubernetes provider takes PEM, hence ``base64decode``.
How CI reaches the private control plane: docs/gke-serving.md.
"""

from __future__ import annotations

from cdktn import Fn
from cdktn_provider_google.data_google_client_config import DataGoogleClientConfig
from cdktn_provider_kubernetes.provider import KubernetesProvider
from constructs import Construct

KUBERNETES_PROVIDER_VERSION = "3.4.0"
KUBERNETES_PROVIDER_SOURCE = "hashicorp/kubernetes"


class ClusterAccess(Construct):
    """``cluster`` is the platform stack's ``google_container_cluster`` (its endpoint and CA are read from there)."""

    def __init__(self, scope: Construct, id: str, *, cluster) -> None:
        super().__init__(scope, id)
        self.client_config = DataGoogleClientConfig(self, "client-config")
        self.provider = KubernetesProvider(
            self,
            "kubernetes",
            host=f"https://{cluster.endpoint}",
            cluster_ca_certificate=Fn.base64decode(cluster.master_auth.cluster_ca_certificate),
            token=self.client_config.access_token,
        )
