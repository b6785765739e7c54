"""MLOPS_LABEL_1: team, env and managed-by labels, with valid keys and values."""

from __future__ import annotations

from config.names import LABEL_KEY, LABEL_VALUE
from policies.rulebase import ResourceRule, is_token, label_maps

REQUIRED = ("team", "env", "managed-by")
# Google's label rules, as config/names.py states them for the labels the platform derives.
KEY, VALUE = LABEL_KEY, LABEL_VALUE
# Types that take labels and that the platform creates; each must carry a label map.
LABELLED = (
    "google_bigquery_dataset",
    "google_bigquery_table",
    "google_vertex_ai_endpoint",
    "google_pubsub_topic",
    "google_pubsub_subscription",
    "google_container_cluster",
    "google_monitoring_alert_policy",
    "google_workflows_workflow",
    "google_artifact_registry_repository",
    "google_kms_crypto_key",
    "google_storage_bucket",
    "google_monitoring_notification_channel",
    "google_gke_hub_scope",
    "google_dataplex_datascan",
)


class RequiredLabels(ResourceRule):
    id = "MLOPS_LABEL_1"
    title = "team, env and managed-by labels on everything that takes labels; keys and values valid"
    why = "Labels attribute cost, usage and ownership to a team and environment; invalid values are rejected by the API at apply time."
    capability = "impact: usage and ownership per team"
    fix = "Create resources inside a ModelOpsStack (the StandardLabels aspect adds the labels); keep values to [a-z0-9_-], at most 63 characters."
    severity = "LOW"
    supported = LABELLED

    def problems(self, conf):
        maps = label_maps(conf, self.entity_type)
        if not maps:
            return ["no labels"]
        found = []
        for attr_name, labels in maps.items():
            missing = [k for k in REQUIRED if k not in labels]
            if missing:
                found.append(f"{attr_name} lacks {', '.join(missing)}")
            for key, value in labels.items():
                if not KEY.match(key):
                    found.append(f"{attr_name} key '{key}' is not a valid label key")
                if not is_token(value) and not VALUE.match(str(value)):
                    found.append(f"{attr_name}.{key} value '{value}' is not a valid label value")
        return found


check = RequiredLabels()
