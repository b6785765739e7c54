"""PlatformStack (`platform-<env>`): the shared cluster, keys, governance dataset, audit and guardrails."""
from __future__ import annotations

from constructs import Construct

from modules.kms import PlatformKeys
from modules.notification_channels import NotificationChannels
from stacks import names
from stacks.base import ModelOpsStack
from stacks.config import Platform


class PlatformStack(ModelOpsStack):
    """Everything teams share in one environment. Team stacks read its attributes (cross-stack refs)."""

    def __init__(self, scope: Construct, platform: Platform, env: str):
        penv = platform.environments[env]
        super().__init__(scope, names.platform_stack(env), env=penv, project=penv.project_id,
                         region=platform.region, labels={"team": "platform"})
        self.platform = platform
        self.keys = PlatformKeys(self, "kms", project=penv.project_id, location=platform.region,
                                 ring_name=f"{platform.name}-{env}")
        self.channels = NotificationChannels(self, "channels", channels=platform.notification_channels,
                                             project=penv.project_id)
