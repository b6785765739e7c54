"""The usage-drop alert reaches the team's business owner (and the platform on-call), per production model."""

from __future__ import annotations

from config import names
from modules.scorecard.metrics import SCORECARD_METRICS, USAGE_CHANGE
from tests.helpers import resources


def _ref(resource_type: str, logical_id: str) -> str:
    return f"${{{resource_type}.{logical_id}.id}}"


def test_every_production_model_alerts_its_business_owner_by_email_and_the_platform_on_call(org_stacks, org_config):
    stack = org_stacks[names.platform_stack("prod")]
    channels = stack["resource"]["google_monitoring_notification_channel"]  # by logical id, as references name them
    policies = [
        p
        for p in resources(stack, "google_monitoring_alert_policy").values()
        if p["user_labels"]["alert_kind"] == "usage-drop"
    ]
    oncall = org_config.platform.oncall_channel
    [oncall_key] = [
        k
        for k, c in channels.items()
        if c["display_name"] == org_config.platform.notification_channels[oncall].display_name
    ]
    expected = {(t.name, m.name) for t in org_config.teams if "prod" in t.environments for m in t.models}
    assert {(p["user_labels"]["model_team"], p["user_labels"]["model"]) for p in policies} == expected
    metric = SCORECARD_METRICS[USAGE_CHANGE].metric.type
    for policy in policies:
        team = org_config.team(policy["user_labels"]["model_team"])
        model = next(m for m in team.models if m.name == policy["user_labels"]["model"])
        owner = [
            k
            for k, c in channels.items()
            if c["type"] == "email" and c["labels"]["email_address"] == team.business_owner
        ]
        assert len(owner) == 1, (team.name, owner)
        assert set(policy["notification_channels"]) == {
            _ref("google_monitoring_notification_channel", owner[0]),
            _ref("google_monitoring_notification_channel", oncall_key),
        }
        [condition] = policy["conditions"]
        threshold = condition["condition_threshold"]
        assert threshold["comparison"] == "COMPARISON_LT"
        assert threshold["threshold_value"] == -model.impact.usage_drop_alert
        assert f'metric.type="{metric}"' in threshold["filter"]
        assert f'metric.labels.team="{team.name}"' in threshold["filter"]
        assert f'metric.labels.model="{model.name}"' in threshold["filter"]
        assert policy["documentation"]["links"][0]["url"].endswith("usage-drop.md")
        assert team.business_owner in policy["documentation"]["content"]
        assert policy["project"] == org_config.platform.environments["prod"].project_id
    assert not [
        p
        for p in resources(org_stacks[names.platform_stack("dev")], "google_monitoring_alert_policy").values()
        if p["user_labels"]["alert_kind"] == "usage-drop"
    ]


def test_team_viewers_read_the_scorecard_table_only_not_the_governance_dataset(org_stacks, org_config):
    stack = org_stacks[names.platform_stack("prod")]
    table_grants = resources(stack, "google_bigquery_table_iam_member")
    dataset_grants = resources(stack, "google_bigquery_dataset_iam_member")
    for team in org_config.teams:
        if "prod" not in team.environments:
            continue
        viewers = f"group:{team.groups.viewers}"
        [grant] = [g for g in table_grants.values() if g["member"] == viewers]
        assert grant["role"] == "roles/bigquery.dataViewer"
        assert "google_bigquery_table.governance_scorecard" in grant["table_id"]
        assert not [g for g in dataset_grants.values() if g["member"] == viewers]
    dev = resources(org_stacks[names.platform_stack("dev")], "google_bigquery_table_iam_member")
    assert not [g for g in dev.values() if g["member"].startswith("group:") and "scorecard" in g["table_id"]]
