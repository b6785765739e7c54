"""What every stack shares: the pinned Google provider, the backend and the standard labels."""

from __future__ import annotations

from cdktn import Aspects, GcsBackend, LocalBackend, TerraformStack
from cdktn_provider_google.provider import GoogleProvider
from constructs import Construct

from config import names
from config.model import PlatformEnv
from modules.labels import StandardLabels

# Ephemeral resources and write-only arguments (secrets kept out of state) need Terraform >= 1.11.
TERRAFORM_MIN_VERSION = "1.11.0"


class ModelOpsStack(TerraformStack):
    """A stack with one state per stack: GCS (prefix = stack name) when the env has a bucket."""

    def __init__(
        self, scope: Construct, stack_id: str, *, env: PlatformEnv, project: str, region: str, labels: dict[str, str]
    ):
        super().__init__(scope, stack_id)
        self.stack_id = stack_id
        self.env_name = env.name
        self.project = project
        self.region = region
        self.labels = {**labels, "env": env.name, "managed-by": names.MANAGED_BY}
        provider = GoogleProvider(self, "google", project=project, region=region)
        # Set through an override: jsii would rewrite map keys such as `managed-by` to `managed_by`.
        provider.add_override("default_labels", self.labels)
        if env.state_bucket:
            GcsBackend(self, bucket=env.state_bucket, prefix=stack_id)
        else:
            LocalBackend(self, path=names.local_state_path(stack_id))
        self.add_override("terraform.required_version", f">= {TERRAFORM_MIN_VERSION}")
        Aspects.of(self).add(StandardLabels(self.labels))
