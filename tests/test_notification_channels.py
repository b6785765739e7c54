"""Notification channels: settings as labels, secrets only through ephemeral reads and write-only args."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import resources


def test_email_channel_has_its_address(org_stacks):
    channel = resources(org_stacks["platform-prod"], "google_monitoring_notification_channel")[
        "channels/platform-email"
    ]
    assert channel["type"] == "email"
    assert channel["labels"] == {"email_address": "ml-platform@orbit.example"}


def test_pagerduty_key_comes_from_secret_manager_through_a_write_only_argument(org_stacks):
    stack = org_stacks["platform-prod"]
    channel = resources(stack, "google_monitoring_notification_channel")["channels/platform-oncall"]
    sensitive = channel["sensitive_labels"]
    assert sensitive["service_key_wo"].startswith("${ephemeral.google_secret_manager_secret_version.")
    assert "service_key" not in sensitive
    ephemeral = next(iter(stack["ephemeral"]["google_secret_manager_secret_version"].values()))
    assert (ephemeral["project"], ephemeral["secret"], ephemeral["version"]) == (
        "orbit-mlops-prod",
        "pagerduty-service-key",
        "latest",
    )


def test_team_slack_channel_lives_in_the_team_project(org_stacks):
    channel = resources(org_stacks["team-reach-prod"], "google_monitoring_notification_channel")["channels/reach-slack"]
    assert channel["project"] == "orbit-reach-prod"
    assert channel["labels"] == {"channel_name": "#reach-ml-alerts"}
    assert channel["sensitive_labels"]["auth_token_wo"].startswith("${ephemeral.")


def test_no_secret_value_or_reference_payload_is_written_to_synthesized_json(org_synth_dir: Path):
    for path in org_synth_dir.glob("stacks/*/cdk.tf.json"):
        text = path.read_text()
        doc = json.loads(text)
        for channel in doc.get("resource", {}).get("google_monitoring_notification_channel", {}).values():
            assert not {"service_key", "auth_token", "password"} & set(channel.get("sensitive_labels", {}))
