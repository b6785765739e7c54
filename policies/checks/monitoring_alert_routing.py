"""MLOPS_MON_3: every alert reaches someone, with a severity and an owning team."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, strings

SEVERITIES = {"CRITICAL", "ERROR", "WARNING"}


class AlertRouting(ResourceRule):
    id = "MLOPS_MON_3"
    title = "Every alert policy has a notification channel, a severity and a team label"
    why = "An alert nobody receives, or whose urgency and owner are unknown, is noise; routing decides who reacts when usage drops."
    capability = "monitoring: actionable alerts"
    fix = "Pass the team's channels (notification_channels), a severity (CRITICAL/ERROR/WARNING) and user_labels.team."
    severity = "MEDIUM"
    supported = ("google_monitoring_alert_policy",)

    def problems(self, conf):
        found = []
        if not strings(conf.get("notification_channels")):
            found.append("no notification_channels")
        if attr(conf, "severity") not in SEVERITIES:
            found.append(f"severity {attr(conf, 'severity') or 'unset'} is not one of {', '.join(sorted(SEVERITIES))}")
        if not attr(conf, "user_labels", "team"):
            found.append("user_labels.team is not set")
        return found


check = AlertRouting()
