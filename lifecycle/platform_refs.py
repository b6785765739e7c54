"""What the lifecycle needs from the platform stack of an environment, derived from the config alone.

The commands cannot read Terraform state, and need not: the names are deterministic.

- The Vertex AI key: the platform stack creates key ring ``<platform name>-<env>`` in the platform project and
  region (stacks/platform.py) with one key per service named after it (modules/kms.py, names.KEY_SERVICES); the
  provider's ids are ``projects/{{project}}/locations/{{location}}/keyRings/{{name}}`` and
  ``{{key_ring}}/cryptoKeys/{{name}}`` (resource_kms_key_ring.go:226, resource_kms_crypto_key.go:387 at
  hashicorp/terraform-provider-google e03b7622, the 8.0.0 merge). The team's endpoint is encrypted with the
  same key (modules/serving/online.py), and the platform stack grants the team project's Vertex AI agent on it
  (modules/team_platform_access.py).
- The serving-image repository: ``<region>-docker.pkg.dev/<platform project>/serving-images/``
  (modules/artifact_registry.py, image_prefix). The team project's Vertex AI agent may read that repository of
  its own environment only (modules/team_platform_access.py), and models.upload pulls the image as that agent.

tests/lifecycle/test_platform_refs.py checks both against the synthesized stacks.
"""

from __future__ import annotations

from config import names
from config.model import Config

VERTEX_KEY_SERVICE = "vertex"


def vertex_key(config: Config, env: str) -> str:
    """The KMS key Vertex AI resources of ``env`` are encrypted with."""
    platform = config.platform
    project = platform.environments[env].project_id
    ring = f"projects/{project}/locations/{platform.region}/keyRings/{platform.name}-{env}"
    return f"{ring}/cryptoKeys/{VERTEX_KEY_SERVICE}"


def serving_image_prefix(config: Config, env: str) -> str:
    """Where serving images of ``env`` come from: CI is its only writer, tags are immutable."""
    platform = config.platform
    project = platform.environments[env].project_id
    return names.serving_image_prefix(platform.region, project)
