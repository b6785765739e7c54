"""Cloud Monitoring notification channels from config; secrets never reach JSON or state.

Secret-bearing channels (PagerDuty service keys, Slack tokens) read the secret at apply time
through an *ephemeral* Secret Manager read and pass it to the provider's write-only
`*_wo` arguments: the value exists only in memory during the apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktn_provider_google.ephemeral_google_secret_manager_secret_version import (
    EphemeralGoogleSecretManagerSecretVersion,
)
from cdktn_provider_google.monitoring_notification_channel import (
    MonitoringNotificationChannel,
    MonitoringNotificationChannelSensitiveLabels,
)
from constructs import Construct

from config.model import NotificationChannel

CHANNEL_TYPES = {"email": "email", "pagerduty": "pagerduty", "slack": "slack", "webhook": "webhook_tokenauth"}
# config setting -> (write-only sensitive label) for channels whose credential is a secret
SECRET_SETTINGS = {"service_key_secret": "service_key", "auth_token_secret": "auth_token"}
PLAIN_SETTINGS = {"address": "email_address", "channel_name": "channel_name", "url": "url"}


SAME_ENV_PROJECT = "{project}"


def parse_secret_version(ref: str, secret_project: str) -> tuple[str, str, str]:
    """`projects/P/secrets/S/versions/V` -> (P, S, V); `{project}` as P means ``secret_project``, the
    project of the environment being built, so dev stacks never read a prod credential."""
    parts = ref.split("/")
    project = secret_project if parts[1] == SAME_ENV_PROJECT else parts[1]
    return project, parts[3], parts[5]


class NotificationChannels(Construct):
    """One channel per config entry, keyed by the config key (logical ids from keys, never positions)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        channels: Mapping[str, NotificationChannel],
        project: str,
        secret_project: str | None = None,
    ):
        """``secret_project`` replaces `{project}` in secret references (default: ``project``, the channels' own)."""
        super().__init__(scope, id)
        self.channels: dict[str, MonitoringNotificationChannel] = {}
        for key, channel in sorted(channels.items()):
            sensitive = {}
            for setting, label in SECRET_SETTINGS.items():
                if setting in channel.settings:
                    secret_project, secret, version = parse_secret_version(
                        channel.settings[setting], secret_project or project
                    )
                    value = EphemeralGoogleSecretManagerSecretVersion(
                        self, f"{key}-{label}", project=secret_project, secret=secret, version=version
                    )
                    sensitive[f"{label}_wo"] = value.secret_data
                    # Bump the version (config change) to make Terraform send the write-only value again.
                    sensitive[f"{label}_wo_version"] = version if version.isdigit() else "1"
            self.channels[key] = MonitoringNotificationChannel(
                self,
                key,
                type=CHANNEL_TYPES[channel.type],
                display_name=channel.display_name,
                project=project,
                labels={PLAIN_SETTINGS[k]: v for k, v in channel.settings.items() if k in PLAIN_SETTINGS},
                sensitive_labels=MonitoringNotificationChannelSensitiveLabels(**sensitive) if sensitive else None,
                enabled=True,
            )

    def ids(self, *keys: str) -> list[str]:
        """Channel resource names for alert policies' `notification_channels`."""
        return [self.channels[k].id for k in keys]

    @property
    def all_ids(self) -> list[str]:
        return [c.id for c in self.channels.values()]
