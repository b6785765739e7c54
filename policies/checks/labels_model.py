"""MLOPS_LABEL_2: a model's resources carry the `model` label."""

from __future__ import annotations

from config import names
from policies.rulebase import ConfigRule, Outcome

LABEL_ATTRIBUTES = ("labels", "resource_labels", "user_labels")


class ModelLabel(ConfigRule):
    id = "MLOPS_LABEL_2"
    title = "Resources of a model carry the `model` label"
    why = "Per-model cost, usage and ownership reports group by the model label; a missing label hides a model from its business owner."
    capability = "impact: usage and ownership per model"
    fix = "Create model resources through the pattern constructs, which label them with the model name."
    severity = "LOW"

    def evaluate(self, scan):
        for stack in scan.team_stacks():
            models = {m.name for m in scan.config.team(stack.team).models}
            for resource in stack.resources():
                parts = resource.construct_path.split("/")
                if len(parts) < 3 or parts[1] not in models:
                    continue
                maps = {a: resource.conf.get(a) for a in LABEL_ATTRIBUTES if isinstance(resource.conf.get(a), dict)}
                if resource.type == "google_monitoring_notification_channel":
                    maps.pop("labels", None)
                if not maps:
                    continue
                expected = names.label_value(parts[1])
                wrong = [a for a, labels in maps.items() if labels.get("model") != expected]
                yield Outcome(
                    stack.name,
                    resource.address,
                    resource.construct_path,
                    not wrong,
                    f"{', '.join(wrong)} lack model={expected}",
                )
