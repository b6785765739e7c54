"""Kubernetes objects of a team's namespace on the shared cluster (hashicorp/kubernetes 3.4.0, bound by
cdktn-provider-kubernetes 17.1.0: the registry links in its jsii assembly name that version)."""
