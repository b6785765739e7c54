"""The providers the conformance checker knows: where their bindings live and which data files describe them.

One entry per provider key plus a regeneration run; the checker itself is provider-neutral. A provider
without a Go source to read (``go_repo`` None) is checked against its schema only: arguments, types,
required arguments, blocks and enums, no cross-field rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ProviderSpec:
    key: str  # the provider's local name in cdk.tf.json (`provider.<key>`, type prefix `<key>_`)
    source: str  # registry source address, as in terraform.required_providers
    version: str  # the Terraform provider version the bindings were generated from
    bindings_package: str  # the Python distribution that carries the jsii assembly
    bindings_module: str  # its import name (the assembly is <module>/_jsii/*.jsii.tgz)
    assembly: str  # the jsii assembly name inside the tarball
    go_repo: str | None  # the provider's Go source repository, for cross-field rules (None: none read)

    @property
    def schema_file(self) -> Path:
        return DATA_DIR / f"{self.key}-{self.version}.schema.json.gz"

    @property
    def rules_file(self) -> Path:
        return DATA_DIR / f"{self.key}-{self.version}.rules.json.gz"

    @property
    def type_prefix(self) -> str:
        return f"{self.key}_"


PROVIDERS: dict[str, ProviderSpec] = {
    "google": ProviderSpec(
        key="google",
        source="hashicorp/google",
        version="8.7.0",
        bindings_package="cdktn-provider-google",
        bindings_module="cdktn_provider_google",
        assembly="@cdktn/provider-google",
        go_repo="hashicorp/terraform-provider-google",
    ),
    # Team stacks' namespace objects (modules/kubernetes/). Version: the registry links of the bindings' jsii
    # assembly (cdktn_provider_kubernetes/_jsii/provider-kubernetes@17.1.0.jsii.tgz). No Go checkout of
    # hashicorp/terraform-provider-kubernetes was available, so no cross-field rules.
    "kubernetes": ProviderSpec(
        key="kubernetes",
        source="hashicorp/kubernetes",
        version="3.4.0",
        bindings_package="cdktn-provider-kubernetes",
        bindings_module="cdktn_provider_kubernetes",
        assembly="@cdktn/provider-kubernetes",
        go_repo=None,
    ),
}


def provider_for_type(tf_type: str) -> ProviderSpec | None:
    """The provider a resource type belongs to by its prefix (`google_...`); None for others (terraform_remote_state)."""
    key = tf_type.split("_", 1)[0]
    return PROVIDERS.get(key)
