"""MLOPS_CMEK_1: data at rest is encrypted with the platform's keys (CMEK)."""

from __future__ import annotations

from policies.rulebase import ResourceRule, attr

# resource type -> the argument path that holds the key
KEY_FIELDS = {
    "google_bigquery_dataset": ("default_encryption_configuration", "kms_key_name"),
    "google_bigquery_table": ("encryption_configuration", "kms_key_name"),
    "google_vertex_ai_endpoint": ("encryption_spec", "kms_key_name"),
    "google_pubsub_topic": ("kms_key_name",),
    "google_logging_project_bucket_config": ("cmek_settings", "kms_key_name"),
    "google_artifact_registry_repository": ("kms_key_name",),
    "google_workflows_workflow": ("crypto_key_name",),
    "google_container_cluster": ("database_encryption", "key_name"),
}


class CmekOnDataResources(ResourceRule):
    id = "MLOPS_CMEK_1"
    title = "CMEK on every data-holding resource"
    why = "Customer-managed keys let the platform revoke access to data at rest and prove key rotation to auditors."
    capability = "governance: access control to sensitive data"
    fix = (
        "Use the platform construct (it sets the service's key from platform KMS) or pass platform.keys.key(<service>)."
    )
    severity = "HIGH"
    supported = tuple(KEY_FIELDS)

    def problems(self, conf):
        path = KEY_FIELDS[self.entity_type]
        if not attr(conf, *path):
            return [f"{'.'.join(path)} is not set"]
        if self.entity_type == "google_container_cluster" and attr(conf, "database_encryption", "state") != "ENCRYPTED":
            return ["database_encryption.state is not ENCRYPTED (Kubernetes secrets not encrypted with CMEK)"]
        return []


check = CmekOnDataResources()
