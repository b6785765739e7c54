"""The platform on-call hears of a failed or stale scorecard run (review 16, finding 2)."""

from __future__ import annotations

from cdktn import App, TerraformStack

from config import names
from modules.monitoring.alerts import DAILY_ALIGNMENT
from modules.monitoring.runbooks import RUNBOOKS, WATCHES
from modules.scorecard.run_alerts import FAILED_KIND, STALE_KIND, ScorecardRunAlerts
from tests.helpers import resources

WORKFLOW_FILTER = (
    'resource.type="workflows.googleapis.com/Workflow" AND '
    'metric.type="workflows.googleapis.com/finished_execution_count" AND '
    f'resource.labels.workflow_id="{names.SCORECARD_WORKFLOW}"'
)


def _policies(org_stacks) -> dict[str, dict]:
    found = resources(org_stacks[names.platform_stack("prod")], "google_monitoring_alert_policy")
    return {
        p["user_labels"]["alert_kind"]: p
        for p in found.values()
        if p["user_labels"]["alert_kind"] in (FAILED_KIND, STALE_KIND)
    }


def test_a_failed_execution_and_a_day_without_success_alert_the_platform_oncall(org_stacks, org_config):
    policies = _policies(org_stacks)
    failed, stale = policies[FAILED_KIND], policies[STALE_KIND]

    [f] = failed["conditions"]
    assert f["condition_threshold"]["filter"] == WORKFLOW_FILTER + ' AND metric.labels.status="FAILED"'
    assert (f["condition_threshold"]["comparison"], f["condition_threshold"]["threshold_value"]) == ("COMPARISON_GT", 0)

    [s] = stale["conditions"]
    cond = s["condition_threshold"]
    assert cond["filter"] == WORKFLOW_FILTER + ' AND metric.labels.status="SUCCEEDED"'
    assert (cond["comparison"], cond["threshold_value"]) == ("COMPARISON_LT", 1)
    # No success in 25 h (a DELTA metric has no point then: missing data is the breach), held one more hour.
    assert cond["aggregations"][0]["alignment_period"] == DAILY_ALIGNMENT == "90000s"
    assert cond["evaluation_missing_data"] == "EVALUATION_MISSING_DATA_ACTIVE"
    assert cond["duration"] == "3600s"

    oncall = org_config.platform.oncall_channel
    for kind, policy in policies.items():
        book = RUNBOOKS[kind]
        assert policy["severity"] == book.severity
        wanted = {"team": "platform", "model": names.SCORECARD_WORKFLOW, "env": "prod", "signal": WATCHES[kind]}
        assert wanted.items() <= policy["user_labels"].items()
        [channel] = policy["notification_channels"]
        assert channel.startswith(f"${{google_monitoring_notification_channel.channels_{oncall}_"), channel
        doc = policy["documentation"]
        assert f"platform job `{names.SCORECARD_WORKFLOW}`" in doc["content"] and book.meaning in doc["content"]
        assert doc["links"][0]["url"].endswith(f"docs/runbooks/{kind}.md")
    assert not [
        p
        for p in resources(org_stacks[names.platform_stack("dev")], "google_monitoring_alert_policy").values()
        if p["user_labels"]["alert_kind"] in (FAILED_KIND, STALE_KIND)
    ]


def test_without_a_platform_channel_there_is_nobody_to_notify_and_no_policy():
    stack = TerraformStack(App(), "s")
    common = dict(env="prod", project="p", dashboard_url="https://d", repository=None, branch="main")
    assert ScorecardRunAlerts(stack, "none", channel_ids=[], **common).policies == {}
    assert set(ScorecardRunAlerts(stack, "some", channel_ids=["c"], **common).policies) == {FAILED_KIND, STALE_KIND}
