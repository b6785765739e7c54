"""Usage-drop alerts to the business owner: per production model, on the scorecard's week-over-week change.

The metric (`scorecard/value/usage_change_week`) is written in the platform project, and an alert policy can
notify only channels of its own project (modules/monitoring/alerts.py), so the policies and the business
owners' e-mail channels live in the platform stack of the production environment, next to the scorecard job:
no cross-stack reference. Each policy notifies the team's `business_owner` (an e-mail channel per team) and
the platform on-call channel when platform.yaml names one: the owner decides whether the fall matters, on-call
rules out an outage.

The condition fires when the latest weekly change is below ``-impact.usage_drop_alert`` of the model (team
YAML; default 0.3). The workflow writes one point a day, so the condition aligns over 25 hours (the longest an
alert accepts) and missing data (the first days of a month, before a complete week) is not a breach.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdktn_provider_google.monitoring_alert_policy import MonitoringAlertPolicy
from constructs import Construct

from config import names
from config.model import NotificationChannel, Team
from metric_catalogue.thresholds import Quantity
from modules.monitoring import filters
from modules.monitoring.alerts import DAILY_ALIGNMENT, AlertFactory, AlertSpec, aggregation, threshold
from modules.monitoring.quality_alerts import DAILY_AUTO_CLOSE
from modules.notification_channels import NotificationChannels
from modules.scorecard.metrics import USAGE_CHANGE

KIND = "usage-drop"


def usage_drop_spec(team: str, model: str, drop: float) -> AlertSpec:
    """Weekly change below -drop (e.g. drop 0.3: fewer than 70 % of the week before's predictions)."""
    return AlertSpec(
        KIND,
        (
            threshold(
                f"weekly predictions fell more than {drop:.0%}",
                filters.custom(USAGE_CHANGE, team, model),
                comparison="COMPARISON_LT",
                value=Quantity(-drop, "1"),
                aggregations=[aggregation("ALIGN_MIN", DAILY_ALIGNMENT, "REDUCE_MIN", ["metric.label.model"])],
            ),
        ),
        auto_close=DAILY_AUTO_CLOSE,
        detail=f"Threshold: a fall of more than {drop:.0%} week over week (`impact.usage_drop_alert`).",
    )


def business_owner_channel(team: Team) -> NotificationChannel:
    return NotificationChannel(
        key="business-owner",
        type="email",
        display_name=f"{team.display_name} business owner",
        settings={"address": team.business_owner},
        source=team.source,
    )


class UsageDropAlerts(Construct):
    """Per team: the business owner's e-mail channel; per model: the usage-drop policy (ids from names).

    ``depends_on`` (default none): what the policies need first (the metric descriptors).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        teams: Sequence[Team],
        env: str,
        project: str,
        oncall_channel_ids: Sequence[str],
        dashboard_url: str,
        repository: str | None,
        branch: str,
        depends_on: Sequence[Any] = (),
    ):
        super().__init__(scope, id)
        self.owner_channels: dict[str, str] = {}
        self.policies: dict[tuple[str, str], MonitoringAlertPolicy] = {}
        for team in teams:
            team_scope = Construct(self, team.name)
            channels = NotificationChannels(
                team_scope, "channels", channels={"business-owner": business_owner_channel(team)}, project=project
            )
            self.owner_channels[team.name] = channels.all_ids[0]
            factory = AlertFactory.for_team(
                team,
                env=env,
                project=project,
                channel_ids=[*channels.all_ids, *oncall_channel_ids],
                dashboard_url=dashboard_url,
                dashboard_title=names.PLATFORM_DASHBOARD_TITLE,
                stack_team="platform",
                repository=repository,
                branch=branch,
            )
            for model in team.models:
                spec = usage_drop_spec(team.name, model.name, model.impact.usage_drop_alert)
                self.policies[(team.name, model.name)] = factory.create(
                    Construct(team_scope, model.name), spec, model.name, depends_on=depends_on
                )
