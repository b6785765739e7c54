"""The alert policy factory: every policy it makes is actionable by construction.

A pattern describes *what* to watch as ``AlertSpec``s (conditions only). The factory adds what
makes an alert actionable: the severity and text of its runbook (modules/monitoring/runbooks.py),
markdown documentation with the meaning, the first three things to check, the owner and a
dashboard link, a documentation link to docs/runbooks/<kind>.md, the team's notification
channels (plus the platform on-call channel for CRITICAL alerts), user labels team/model/env
and auto-close.

Alert policies can notify only channels in their own project, so every channel id given here
must be a channel created in the team project (stacks/models.py copies the platform on-call
channel into each team project for that reason).

Thresholds are ``Quantity``s in the unit of their YAML field (``latency_p99_ms`` in ms). ``threshold``
converts them into the unit the condition compares in: the metric's unit from the metric catalogue,
changed by the aggregation (ALIGN_RATE: per second; a ratio with a denominator: 1). It writes the
converted value as ``threshold_value`` and declares it in the condition's display name,
``[threshold: 3600 s]``, which the gate (MLOPS_MON_7) checks against the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktn_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionMatchedLog,
    MonitoringAlertPolicyConditionsConditionPrometheusQueryLanguage,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations,
    MonitoringAlertPolicyDocumentation,
    MonitoringAlertPolicyDocumentationLinks,
)
from constructs import Construct

from config import names
from config.model import Team
from metric_catalogue.compared import compared_unit
from metric_catalogue.thresholds import Quantity, declare
from modules.monitoring import filters
from modules.monitoring.runbooks import WATCHES, runbook

DEFAULT_AUTO_CLOSE = "1800s"
# A log-match condition needs a notification rate limit ("Required for log-based alerting policies",
# AlertStrategy.notificationRateLimit, https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies).
LOG_MATCH_NOTIFY_EVERY = "300s"
# Daily metrics (quality workflow): the longest alignment an alert policy accepts is 25 hours.
DAILY_ALIGNMENT = "90000s"


@dataclass(frozen=True)
class AlertSpec:
    kind: str  # runbook key; also the construct id under the model
    conditions: tuple[dict[str, Any], ...]
    auto_close: str = DEFAULT_AUTO_CLOSE
    severity: str | None = None  # defaults to the runbook's severity
    detail: str = ""  # model-specific sentence (threshold in words)
    construct_id: str | None = None  # when one kind needs several policies

    @property
    def id(self) -> str:
        return self.construct_id or self.kind


def aggregation(
    aligner: str, period: str = "300s", reducer: str | None = None, group_by: Sequence[str] = ()
) -> dict[str, Any]:
    agg: dict[str, Any] = {"alignment_period": period, "per_series_aligner": aligner}
    if reducer:
        agg["cross_series_reducer"] = reducer
        agg["group_by_fields"] = list(group_by)
    return agg


def threshold(
    display_name: str,
    filter: str,
    *,
    comparison: str,
    value: Quantity,
    aggregations: list[dict],
    duration: str = "0s",
    missing: str | None = None,
    denominator_filter: str | None = None,
    denominator_aggregations: list[dict] | None = None,
) -> dict[str, Any]:
    """A metric-threshold condition comparing in the query's own unit. ``missing`` sets evaluation_missing_data."""
    unit = compared_unit(
        filter,
        aggregations,
        denominator_filter=denominator_filter,
        denominator_aggregations=denominator_aggregations,
        context="alert",
    )
    number = value.to(unit)
    cond: dict[str, Any] = {
        "filter": filter,
        "comparison": comparison,
        "threshold_value": number,
        "duration": duration,
        "trigger": {"count": 1},
    }
    if aggregations:
        cond["aggregations"] = aggregations
    if missing:
        cond["evaluation_missing_data"] = missing
    if denominator_filter:
        cond["denominator_filter"] = denominator_filter
        cond["denominator_aggregations"] = denominator_aggregations or aggregations
    return {"display_name": declare(display_name, number, unit), "condition_threshold": cond}


def workflow_failed(display_name: str, workflow: str) -> dict[str, Any]:
    """A condition on any execution of ``workflow`` that finished FAILED within 5 minutes (workflows
    finished_execution_count, metric_catalogue/catalogue.yaml)."""
    return threshold(
        display_name,
        filters.workflow(filters.FINISHED_EXECUTIONS, workflow, 'metric.labels.status="FAILED"'),
        comparison="COMPARISON_GT",
        value=Quantity(0, "1"),
        duration="0s",
        aggregations=[aggregation("ALIGN_SUM", "300s", "REDUCE_SUM", ["resource.label.workflow_id"])],
    )


def matched_log(display_name: str, filter: str) -> dict[str, Any]:
    """A log-match condition: one incident per matching entry (rate-limited), e.g. an audit-log entry."""
    return {"display_name": display_name, "condition_matched_log": {"filter": filter}}


# PromQL conditions (PrometheusQueryLanguageCondition, https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#prometheusquerylanguagecondition):
# `evaluationInterval` "How often this rule should be evaluated. Must be a positive multiple of 30 seconds or
# missing"; `disableMetricValidation` "Whether to disable metric existence validation for this condition. This allows
# alerting policies to be defined on metrics that do not yet exist, improving advanced customer workflows such as
# configuring alerting policies using Terraform" (a Managed Prometheus series exists only after the first scrape).
PROMQL_EVALUATION_INTERVAL = "60s"


def promql_condition(display_name: str, query: str, *, duration: str) -> dict[str, Any]:
    """A PromQL condition: fires while ``query`` returns a series for ``duration`` (Managed Prometheus metrics).

    The comparison lives in the query (``> 0.01``); its threshold is declared in ``display_name`` by the caller.
    """
    return {
        "display_name": display_name,
        "condition_prometheus_query_language": {
            "query": query,
            "duration": duration,
            "evaluation_interval": PROMQL_EVALUATION_INTERVAL,
            "disable_metric_validation": True,
        },
    }


def _condition_struct(condition: dict[str, Any]) -> MonitoringAlertPolicyConditions:
    """jsii converts top-level dicts to structs, not dicts inside lists: build the list items explicitly."""
    if "condition_prometheus_query_language" in condition:
        return MonitoringAlertPolicyConditions(
            display_name=condition["display_name"],
            condition_prometheus_query_language=MonitoringAlertPolicyConditionsConditionPrometheusQueryLanguage(
                **condition["condition_prometheus_query_language"]
            ),
        )
    if "condition_matched_log" in condition:
        return MonitoringAlertPolicyConditions(
            display_name=condition["display_name"],
            condition_matched_log=MonitoringAlertPolicyConditionsConditionMatchedLog(
                **condition["condition_matched_log"]
            ),
        )
    cond = dict(condition["condition_threshold"])
    cond["aggregations"] = [
        MonitoringAlertPolicyConditionsConditionThresholdAggregations(**a) for a in cond.get("aggregations", [])
    ] or None
    if "denominator_aggregations" in cond:
        cond["denominator_aggregations"] = [
            MonitoringAlertPolicyConditionsConditionThresholdDenominatorAggregations(**a)
            for a in cond["denominator_aggregations"]
        ]
    return MonitoringAlertPolicyConditions(
        display_name=condition["display_name"],
        condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(**cond),
    )


@dataclass
class AlertFactory:
    """Makes actionable alert policies for one team in one environment."""

    team: str
    team_display_name: str
    business_owner: str
    owner_group: str
    env: str
    project: str
    channel_ids: Sequence[str]
    oncall_channel_ids: Sequence[str] = ()
    dashboard_url: str = ""
    dashboard_title: str = ""  # default: the team dashboard's title
    # A policy in the platform stack carries team=platform like every resource there; the model's team then
    # goes in `model_team`.
    stack_team: str = ""  # default: team
    repository: str | None = None
    branch: str = "main"
    created: list[MonitoringAlertPolicy] = field(default_factory=list)

    @classmethod
    def for_team(cls, team: Team, **settings: Any) -> AlertFactory:
        """The factory of ``team``: its name, display name, business owner and admins (the owner group), plus
        ``settings`` (env, project, channels, dashboard, repository...)."""
        return cls(
            team=team.name,
            team_display_name=team.display_name,
            business_owner=team.business_owner,
            owner_group=team.groups.admins,
            **settings,
        )

    def subject(self, model: str) -> str:
        """Whose alert it is, as the documentation's heading and the notification subject name it."""
        return f"{self.team}/{model}"

    def heading(self, model: str) -> str:
        return f"model `{model}` of team `{self.team}` in `{self.env}`"

    def owner(self) -> str:
        return f"{self.team_display_name} ({self.owner_group}); business owner {self.business_owner}"

    def documentation(self, spec: AlertSpec, model: str) -> dict[str, Any]:
        book = runbook(spec.kind)
        checks = "\n".join(f"{i}. {c}" for i, c in enumerate(book.checks, 1))
        detail = f" {spec.detail}" if spec.detail else ""
        content = (
            f"**{book.title}** — {self.heading(model)}.\n\n"
            f"**What it means:** {book.meaning}{detail}\n\n"
            f"**First three things to check:**\n{checks}\n\n"
            f"**Owner:** {self.owner()}.\n\n"
            f"**Dashboard:** {self.dashboard_url}\n\n"
            f"**Runbook:** {self.runbook_url(spec.kind)}\n"
        )
        return {
            "content": content,
            "mime_type": "text/markdown",
            "subject": f"[{self.env}] {self.subject(model)}: {book.title}",
            "links": [
                {"display_name": f"Runbook: {book.title}", "url": self.runbook_url(spec.kind)},
                {
                    "display_name": self.dashboard_title or names.team_dashboard_title(self.team),
                    "url": self.dashboard_url,
                },
            ],
        }

    def runbook_url(self, kind: str) -> str:
        return names.runbook_url(kind, self.repository, self.branch)

    def severity(self, spec: AlertSpec) -> str:
        return spec.severity or runbook(spec.kind).severity

    def channels(self, spec: AlertSpec) -> list[str]:
        extra = list(self.oncall_channel_ids) if self.severity(spec) == "CRITICAL" else []
        return list(self.channel_ids) + extra

    def create(
        self, scope: Construct, spec: AlertSpec, model: str, depends_on: Sequence[Any] = ()
    ) -> MonitoringAlertPolicy:
        book = runbook(spec.kind)
        policy = MonitoringAlertPolicy(
            scope,
            spec.id,
            project=self.project,
            display_name=f"[{self.env}] {self.team}/{model}: {book.title}",
            combiner="OR",
            conditions=[_condition_struct(c) for c in spec.conditions],
            severity=self.severity(spec),
            documentation=_documentation_struct(self.documentation(spec, model)),
            notification_channels=self.channels(spec),
            alert_strategy={
                "auto_close": spec.auto_close,
                **(
                    {"notification_rate_limit": {"period": LOG_MATCH_NOTIFY_EVERY}}
                    if any("condition_matched_log" in c for c in spec.conditions)
                    else {}
                ),
            },
            user_labels={
                "team": self.stack_team or self.team,
                **({"model_team": self.team} if self.stack_team and self.stack_team != self.team else {}),
                "model": model,
                "env": self.env,
                "alert_kind": spec.kind,
                "signal": WATCHES[spec.kind],
                "severity": self.severity(spec).lower(),
            },
            enabled=True,
            depends_on=list(depends_on) or None,
        )
        self.created.append(policy)
        return policy


def _documentation_struct(doc: dict[str, Any]) -> MonitoringAlertPolicyDocumentation:
    links = [MonitoringAlertPolicyDocumentationLinks(**link) for link in doc["links"]]
    return MonitoringAlertPolicyDocumentation(**{**doc, "links": links})
