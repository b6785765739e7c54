"""MLOPS_SECRET_1: notification channel credentials only through write-only arguments."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

SECRET_LABELS = ("auth_token", "password", "service_key")


class ChannelSecretsWriteOnly(ResourceRule):
    id = "MLOPS_SECRET_1"
    title = "Notification channel secrets only through write-only (*_wo) arguments"
    why = "Plain sensitive_labels (and labels) are stored in Terraform state, where everyone who can read state can read the secret."
    capability = "governance: access control to sensitive data"
    fix = "Reference a Secret Manager version in the channel's *_secret setting; the construct passes it ephemerally to *_wo."
    severity = "HIGH"
    supported = ("google_monitoring_notification_channel",)

    def problems(self, conf):
        found = []
        for block in ("sensitive_labels", "labels"):
            values = attr(conf, block)
            if isinstance(values, dict):
                found += [f"{block}.{k} holds a secret in state" for k in SECRET_LABELS if values.get(k)]
        return found


check = ChannelSecretsWriteOnly()
