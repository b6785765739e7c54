"""MLOPS_MON_2: every alert tells the responder what it means and links its runbook."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr, blocks


class AlertDocumentation(ResourceRule):
    id = "MLOPS_MON_2"
    title = "Every alert policy has documentation and a runbook link"
    why = "An alert without instructions is not actionable: the person paged needs what it means, what to check first and the runbook."
    capability = "monitoring: actionable alerts"
    fix = "Set documentation.content (markdown) and documentation.links with the runbook URL (the alert constructs generate both)."
    severity = "MEDIUM"
    supported = ("google_monitoring_alert_policy",)

    def problems(self, conf):
        doc = attr(conf, "documentation")
        found = []
        if not isinstance(doc, dict) or not str(attr(doc, "content") or "").strip():
            found.append("documentation.content is empty")
        if not any(attr(link, "url") for link in blocks(doc or {}, "links")):
            found.append("no runbook link in documentation.links")
        return found


check = AlertDocumentation()
