"""Standard labels (`team`, `env`, `managed-by`) on every resource that takes labels.

Applied as an Aspect so no construct can forget them; values a construct set itself
(e.g. `model`) win over the defaults. Labels also go on the provider's `default_labels`
so Terraform adds them to anything created outside our constructs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsii
from cdktn import IAspect, TerraformResource

# Attributes that hold resource labels, by resource type when the generic name means something else.
LABEL_ATTRIBUTES = ("labels", "resource_labels", "user_labels")
NOT_LABELS = {
    # A notification channel's `labels` are its settings (email_address, channel_name...).
    ("google_monitoring_notification_channel", "labels"),
    # A metric descriptor's `labels` are its label descriptors (key, value_type, description).
    ("google_monitoring_metric_descriptor", "labels"),
}


def label_attributes(node: Any) -> list[str]:
    """The label-holding attributes this resource class exposes."""
    cls = type(node)
    tf_type = getattr(cls, "TF_RESOURCE_TYPE", "")
    return [a for a in LABEL_ATTRIBUTES if hasattr(cls, f"{a}_input") and (tf_type, a) not in NOT_LABELS]


@jsii.implements(IAspect)
class StandardLabels:
    def __init__(self, labels: Mapping[str, str]):
        self.labels = dict(labels)

    def visit(self, node: Any) -> None:
        if not TerraformResource.is_terraform_resource(node):
            return
        for attr in label_attributes(node):
            current = getattr(node, f"{attr}_input") or {}
            if not isinstance(current, Mapping):  # a token: leave computed labels alone
                continue
            setattr(node, attr, {**self.labels, **current})
